"""Physical constants (CODATA 2018, exact SI where defined) and default conditions.

All values in SI units. These are the only physical constants the package uses; the
validation numbers in ``docs/reference/VALIDATION.md`` are computed with them.
"""

ELEMENTARY_CHARGE = 1.602176634e-19  # C (exact)
BOLTZMANN = 1.380649e-23  # J/K (exact)
AVOGADRO = 6.02214076e23  # 1/mol (exact)
FARADAY = ELEMENTARY_CHARGE * AVOGADRO  # C/mol = 96485.33212...
GAS_CONSTANT = BOLTZMANN * AVOGADRO  # J/(mol K) = 8.314462618...
VACUUM_PERMITTIVITY = 8.8541878128e-12  # F/m (CODATA 2018)

DEFAULT_TEMPERATURE = 298.15  # K
WATER_RELATIVE_PERMITTIVITY = 78.5  # dimensionless, bulk water at 25 C
WATER_VISCOSITY = 0.8903e-3  # Pa s, water at 25 C


def thermal_voltage(temperature: float = DEFAULT_TEMPERATURE) -> float:
    """kT/e in volts (25.6926 mV at 298.15 K)."""
    return BOLTZMANN * temperature / ELEMENTARY_CHARGE
