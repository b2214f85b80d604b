"""Everything besides the geometry that defines a steady problem, as one SI input object.

``pnp.solve``, ``pnp.sweep``, ``pnp.zero_current_voltage``, ``pnp.batch.sweep_batched``,
``pnp.problem.build_problem`` and the case files all take a :class:`Conditions` (or, for
convenience, an :class:`~pnp.Electrolyte` plus keyword overrides of its fields)::

    conditions = pnp.Conditions(kcl, voltage=0.2, right=kcl.scaled(0.1), mesh=pnp.Mesh(refinement=2))
    pnp.solve(pore, conditions)                          # same as
    pnp.solve(pore, kcl, 0.2, right=kcl.scaled(0.1), mesh=pnp.Mesh(refinement=2))

Every continuous value may be a JAX tracer (see :mod:`pnp.tracing`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .constants import WATER_VISCOSITY
from .electrolyte import Electrolyte
from .geometry.base import Mesh, Profile
from .guards import check_voltage
from .solver.newton import NewtonOptions


@dataclasses.dataclass(frozen=True)
class Conditions:
    """Baths, voltage, material profiles, extra physics and numerics of a steady problem (SI).

    Attributes:
      electrolyte: the left bath (defines the species and their order).
      voltage: V = φ_left − φ_right (V); the right bath is grounded; |V| ≤ 3 V (:mod:`pnp.guards`).
      right: the right bath (same ions; default: equal to the left).
      excess_potential: per-ion potential of mean force μ_i^ex(z, r) in J/mol, a number or a
        function of SI position (0 in the baths), e.g. {"Li+": lambda z, r: ...}.
      permittivity: relative permittivity ε_r, a number or ε_r(z, r) (default: the electrolyte's).
      diffusivity: per-ion diffusivity D_i(z, r) in m²/s, a number or a function (default: each
        ion's bulk value) — hindered diffusion in pores.
      terms: extra physics terms (:class:`pnp.physics.Term`), added to plain PNP.
      volume_flux: solvent volume flux J_v through a 1D geometry (m/s = m³ per m² per s, positive
        from the left bath to the right), convecting every ion with its hindrance K_c
        (:mod:`pnp.physics.convection`); 0: no flow.
      flow: solve the solvent's Stokes flow with the ions (:mod:`pnp.physics.stokes`):
        electro-osmosis, pressure-driven flow, streaming currents; 2D channels (cylinders, cones,
        slits, any R(z)).
      pressure: applied pressure difference p_left − p_right (Pa) driving the flow (needs ``flow``).
      viscosity: the solvent's dynamic viscosity η (Pa·s), default water at 25 °C.
      mesh: mesh controls; options: Newton options.
    """

    electrolyte: Electrolyte
    voltage: float = 0.0
    right: Electrolyte | None = None
    excess_potential: Mapping[str, Profile] | None = None
    permittivity: Profile | None = None
    diffusivity: Mapping[str, Profile] | None = None
    terms: tuple = ()
    volume_flux: float = 0.0
    flow: bool = False
    pressure: float = 0.0
    viscosity: float = WATER_VISCOSITY
    mesh: Mesh = Mesh()
    options: NewtonOptions = NewtonOptions()

    def __post_init__(self):
        if not isinstance(self.electrolyte, Electrolyte):
            raise ValueError(f"Conditions.electrolyte must be a pnp.Electrolyte, got {type(self.electrolyte).__name__}")
        if self.right is not None and not isinstance(self.right, Electrolyte):
            raise ValueError(f"Conditions.right must be a pnp.Electrolyte or None, got {type(self.right).__name__}")
        if not isinstance(self.mesh, Mesh):
            raise ValueError(f"Conditions.mesh must be a pnp.Mesh, got {type(self.mesh).__name__}")
        if not isinstance(self.options, NewtonOptions):
            raise ValueError(f"Conditions.options must be a pnp.NewtonOptions, got {type(self.options).__name__}")
        object.__setattr__(self, "terms", tuple(self.terms))
        check_voltage(self.voltage)

    @property
    def right_bath(self) -> Electrolyte:
        """The right bath (the left one when none was given)."""
        return self.electrolyte if self.right is None else self.right

    def replace(self, **changes) -> "Conditions":
        return dataclasses.replace(self, **changes)

    @classmethod
    def of(cls, conditions, voltage=None, **changes) -> "Conditions":
        """``conditions`` (a Conditions, or an Electrolyte for the left bath) with ``voltage`` and
        the keyword ``changes`` applied: the normalization every entry point uses."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise TypeError(f"unknown keyword(s) {unknown}; the conditions of a problem are {sorted(names)}")
        if voltage is not None:
            changes["voltage"] = voltage
        if isinstance(conditions, Conditions):
            return conditions.replace(**changes)
        if isinstance(conditions, Electrolyte):
            return cls(conditions, **changes)
        raise ValueError(f"expected a pnp.Conditions or a pnp.Electrolyte (the left bath), got "
                         f"{type(conditions).__name__}")
