"""The unknowns of a steady problem as named cell fields (a pytree).

A :class:`State` maps field names to cell arrays: (nz, nr) for one unknown per cell,
(N, nz, nr) for one per species. Plain PNP has two fields, declared here:

* ``potential`` φ̃ = eφ/kT (:data:`POTENTIAL`);
* ``log_concentration`` u_i = ln(c_i / c₀), one per species (:data:`LOG_CONCENTRATION`) —
  log-concentrations keep every Newton iterate positive.

New physics adds fields by declaring a :class:`Field` in its term (see :mod:`pnp.physics`);
the solvers pack any State into the (nz, nr, nc) array of the Jacobian
(:mod:`pnp.solver.packing`), in the order the model lists its fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import jax


@dataclasses.dataclass(frozen=True)
class Field:
    """A named unknown: one value per cell, or one per species per cell (``per_species``).

    ``limits_step``: whether Newton's largest step (``NewtonOptions.max_step``) is measured on
    this field: true for fields the residual depends on exponentially (φ, ln c); fields that
    enter it linearly or bilinearly (the solvent's velocity and pressure) take the damping factor
    the others set, without setting it.
    """

    name: str
    per_species: bool
    unit: str  # of the nondimensional value, for documentation and error messages
    limits_step: bool = True

    def shape(self, grid_shape: tuple[int, int], n_species: int) -> tuple[int, ...]:
        return ((n_species,) if self.per_species else ()) + tuple(grid_shape)


POTENTIAL = Field("potential", per_species=False, unit="kT/e")
LOG_CONCENTRATION = Field("log_concentration", per_species=True, unit="ln(c/c₀)")


class State(Mapping):
    """Named cell fields, e.g. ``State(potential=phi, log_concentration=u)``; a JAX pytree.

    Fields are read as attributes (``state.potential``) or items; :meth:`replace` returns a
    copy with some fields changed. The field order (the order given) is part of the pytree
    structure.
    """

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping | None = None, **named):
        merged = dict(fields or {}, **named)
        object.__setattr__(self, "_fields", merged)

    def __getattr__(self, name):
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"State has no field {name!r} (fields: {', '.join(self._fields)})") from None

    def __setattr__(self, name, value):
        raise AttributeError("State is immutable; use replace()")

    def __getitem__(self, name):
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def replace(self, **changes) -> "State":
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise ValueError(f"State has no field(s) {sorted(unknown)} (fields: {', '.join(self._fields)})")
        return State({**self._fields, **changes})

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={getattr(v, 'shape', '?')}" for k, v in self._fields.items())
        return f"State({parts})"


jax.tree_util.register_pytree_with_keys(
    State,
    lambda s: (tuple((jax.tree_util.GetAttrKey(k), v) for k, v in s._fields.items()), tuple(s._fields)),
    lambda names, values: State(dict(zip(names, values))),
)
