"""Physics: nondimensional parameters, scales and the PNP finite-volume residual."""

from .parameters import Parameters, at_equilibrium_start, interpolate
from .residual import bernoulli, field_fluxes, residual, species_fluxes, space_charge, wall_charge
from .scales import Scales

__all__ = [
    "Parameters", "Scales", "at_equilibrium_start", "bernoulli", "field_fluxes", "interpolate",
    "residual", "space_charge", "species_fluxes", "wall_charge",
]
