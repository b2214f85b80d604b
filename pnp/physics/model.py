"""A model is a tuple of terms; its residual is the sum of their balances.

``PNP`` is plain Poisson–Nernst–Planck: displacement flux, space charge and surface charge
(Poisson), Nernst–Planck transport, and the electric and excess-potential drives. Extend it
with :meth:`Model.add`; the solvers see only :func:`residual` (``fn(state, system)``), and the
Jacobian's sparsity is derived from the residual on :meth:`Model.probe` (see
:func:`pnp.steady.couplings`), so adding a term needs no edit anywhere else.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from ..grid.mesh import Grid, grid_from_vertices
from .drives import Electric, ExcessPotential
from .electrostatics import Displacement, SpaceCharge, SurfaceCharge
from .parameters import Parameters
from .state import Field, State
from .term import Context, Drive, Term
from .transport import NernstPlanck

PROBE_VALENCES = (1.0, -1.0, 2.0, -2.0, 3.0)  # species valences of the probe problem


@dataclasses.dataclass(frozen=True)
class Model:
    """The terms of a steady problem (a pytree: the terms' parameters are its leaves)."""

    terms: tuple[Term, ...]

    def __post_init__(self):
        for term in self.terms:
            if not isinstance(term, Term):
                raise ValueError(f"a Model holds pnp.physics.Term instances, got {type(term).__name__}")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"two terms introduce the same field: {names}")

    def add(self, *terms: Term) -> "Model":
        """This model with more terms (e.g. a new :class:`~pnp.physics.term.Drive`)."""
        return Model(self.terms + tuple(terms))

    def replace(self, kind: type, term: Term) -> "Model":
        """This model with its term of class ``kind`` replaced by ``term`` (e.g. a prescribed wall
        charge by a regulated one)."""
        if not any(type(t) is kind for t in self.terms):
            raise ValueError(f"this model has no {kind.__name__} term to replace")
        return Model(tuple(term if type(t) is kind else t for t in self.terms))

    @property
    def fields(self) -> tuple[Field, ...]:
        """The unknowns, in state order."""
        return tuple(field for term in self.terms for field in term.introduces)

    def step_limited(self) -> State:
        """Per field, whether Newton's step limit is measured on it (:attr:`Field.limits_step`):
        the ``limited`` argument of :func:`pnp.solver.newton_solve`."""
        return State({field.name: field.limits_step for field in self.fields})

    @property
    def drives(self) -> tuple[Drive, ...]:
        return tuple(term for term in self.terms if isinstance(term, Drive))

    def at_rest(self) -> "Model":
        """Every term in its trivial configuration (the start of continuation)."""
        return Model(tuple(term.at_rest() for term in self.terms))

    def residual(self, state: State, grid: Grid, params: Parameters) -> State:
        """The cell balances of every field (inactive cells: the identity, unknown = 0)."""
        ctx = Context(state, grid, params, self)
        totals = {}
        for term in self.terms:
            for name, value in term.balance(ctx).items():
                if name not in state:
                    raise ValueError(f"{type(term).__name__} contributes to field {name!r}, which no term introduces")
                totals[name] = value if name not in totals else totals[name] + value
        missing = [name for name in state if name not in totals]
        if missing:
            raise ValueError(f"no term gives an equation for field(s) {missing}")
        active = np.asarray(grid.active)
        return State({name: jnp.where(active, totals[name], state[name]) for name in state})

    def face_fluxes(self, state: State, grid: Grid, params: Parameters) -> dict:
        """Every term's face fluxes summed per field: {field: (on z faces, on r faces)}."""
        ctx = Context(state, grid, params, self)
        totals = {}
        for term in self.terms:
            for name, (fz, fr) in term.fluxes(ctx).items():
                totals[name] = (fz, fr) if name not in totals else (totals[name][0] + fz, totals[name][1] + fr)
        return totals

    def zero_state(self, grid_shape, n_species: int) -> State:
        return State({f.name: jnp.zeros(f.shape(grid_shape, n_species)) for f in self.fields})

    def probe(self, n_species: int, seed: int = 0):
        """(state, system) of a small, skewed, notched axisymmetric grid with every face kind
        (baths, charged walls, closed faces, inactive cells) and random values in every field,
        parameter and term leaf (term parameters between 0.005 and 0.015): every coupling the
        residual can produce appears on it. Term leaves must therefore be scalars or per-species
        vectors (cell fields belong in :class:`Parameters`), and the term finite at such values."""
        rng = np.random.default_rng(seed)
        nz, nr = 6, 5
        z, r = np.meshgrid(np.linspace(0.0, 2.0, nz + 1), np.linspace(0.0, 1.5, nr + 1), indexing="ij")
        z = z + 0.08 * rng.uniform(-1, 1, z.shape) * (r > 0)
        r = r * (1.0 + 0.3 * z)  # a taper: non-orthogonal cells
        active = np.ones((nz, nr), bool)
        active[2:4, 3:] = False
        grid = grid_from_vertices(z, r, active, coordinates="axisymmetric", top="wall")
        n = n_species
        uniform = lambda *shape: jnp.asarray(rng.uniform(0.5, 1.5, shape))
        params = Parameters(
            valence=jnp.asarray(np.resize(np.array(PROBE_VALENCES), n)), diffusivity=uniform(n, nz, nr),
            excess_potential=uniform(n, nz, nr), permittivity=uniform(nz, nr), fixed_charge=uniform(nz, nr),
            zface_charge=uniform(nz + 1, nr), rface_charge=uniform(nz, nr + 1), left_concentration=uniform(n),
            right_concentration=uniform(n), left_potential=uniform(), right_potential=uniform(),
            poisson_coefficient=uniform(), convective_hindrance=uniform(n, nz, nr),
        )
        model = jax.tree_util.tree_map(lambda leaf: 0.01 * uniform(*np.shape(leaf)), self)
        state = jax.tree_util.tree_map(lambda leaf: jnp.asarray(rng.normal(scale=0.3, size=leaf.shape)),
                                       self.zero_state((nz, nr), n))
        return state, System(grid, params, model)


jax.tree_util.register_dataclass(Model, data_fields=["terms"], meta_fields=[])

PNP = Model((Displacement(), SpaceCharge(), SurfaceCharge(), NernstPlanck(), Electric(), ExcessPotential()))
"""Plain Poisson–Nernst–Planck."""


@dataclasses.dataclass(frozen=True)
class System:
    """What the residual needs: grid, parameters and model (a pytree; the solvers' ``args``)."""

    grid: Grid
    parameters: Parameters
    model: Model = PNP

    def replace(self, **changes) -> "System":
        return dataclasses.replace(self, **changes)


jax.tree_util.register_dataclass(System, data_fields=["grid", "parameters", "model"], meta_fields=[])


def residual(state: State, system: System) -> State:
    """The residual as the solvers call it: ``fn(y, args)``."""
    return system.model.residual(state, system.grid, system.parameters)

