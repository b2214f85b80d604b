"""Physics as composable terms: the residual of a model is the sum of its terms' contributions.

A :class:`Term` adds to the cell balances (the residual rows) of one or more fields; a
:class:`Drive` adds to the driving potential ψ_i of the species transport (a potential of
mean force in kT, which may depend on position AND on the state). Terms see the problem
through a :class:`Context`, which computes shared derived fields (concentrations, the total
driving potential) once per residual evaluation.

Terms are frozen dataclasses registered as pytrees with :func:`register_term`: their numeric
fields are pytree leaves (differentiable, and ramped by continuation through
:meth:`Term.at_rest`); fields marked ``static_field()`` are structure.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
from typing import ClassVar

import jax
import jax.numpy as jnp

from ..grid.skew import skew_geometry
from .faces import divergence
from .state import Field


def static_field(**kwargs):
    """A dataclass field that is pytree structure (not a leaf): strings, flags, indices."""
    return dataclasses.field(metadata={"static": True}, **kwargs)


def register_term(cls):
    """Make ``cls`` a frozen dataclass and a pytree (leaves: its non-static fields)."""
    cls = dataclasses.dataclass(frozen=True)(cls)
    fields = dataclasses.fields(cls)
    jax.tree_util.register_dataclass(
        cls, data_fields=[f.name for f in fields if not f.metadata.get("static")],
        meta_fields=[f.name for f in fields if f.metadata.get("static")])
    return cls


class Term:
    """One contribution to the residual.

    Class attributes:
      introduces: the fields (unknowns) this term brings into the state, with their equation
        (each field is introduced by exactly one term of a model).

    Override :meth:`fluxes` (what crosses faces) and/or :meth:`sources` (what is produced in
    cells); the cell balance is the divergence of the fluxes minus the production. Fluxes are
    also what :mod:`pnp.quantity` sums through cross-sections, so every transport mechanism
    must return its face fluxes here. Override :meth:`at_rest` if the term must vanish in the
    trivial problem that continuation starts from (uniform bath, φ = 0).
    """

    introduces: ClassVar[tuple[Field, ...]] = ()

    def fluxes(self, ctx: "Context") -> dict:
        """Face fluxes: {field name: (on z faces (…, nz+1, nr), on r faces (…, nz, nr+1))},
        positive along +z / +r, with the field's leading axes (species)."""
        return {}

    def sources(self, ctx: "Context") -> dict:
        """Cell terms of the balance: {field name: array shaped like the field}, counted as
        residual = net outflow − production (a charge or a source enters with a minus sign)."""
        return {}

    def balance(self, ctx: "Context") -> dict:
        """Contributions to cell balances: divergence of :meth:`fluxes` plus :meth:`sources`."""
        out = {name: divergence(*pair) for name, pair in self.fluxes(ctx).items()}
        for name, value in self.sources(ctx).items():
            out[name] = out[name] + value if name in out else value
        return out

    def at_rest(self) -> "Term":
        """This term in the trivial start problem of continuation (default: unchanged)."""
        return self


class Drive(Term):
    """A contribution μ_i/kT to the driving potential ψ_i = z_i φ̃ + Σ μ_i/kT of species transport.

    Override :meth:`potential` (cells) and, if nonzero there, :meth:`bath_potential` (the
    value at the bath faces; potentials of mean force vanish in the baths by convention).
    """

    def potential(self, ctx: "Context"):
        """(N, nz, nr) contribution to ψ in every cell (kT units)."""
        raise NotImplementedError

    def bath_potential(self, ctx: "Context", side: str):
        """(N,) contribution to ψ at the ``side`` ("left" or "right") bath faces."""
        return jnp.zeros_like(ctx.params.valence)


class FaceDrive(Term):
    """A contribution δ_f to the Scharfetter–Gummel argument Δψ of every species flux, per face
    (e.g. convection by a face velocity: δ_f = −u_f d_f / D_f, which is not the difference of a
    potential when the flow has vorticity). Override :meth:`face_increments`."""

    def face_increments(self, ctx: "Context"):
        """(on z faces (N, nz+1, nr), on r faces (N, nz, nr+1)), kT units."""
        raise NotImplementedError


class Context:
    """What every term sees: state, grid, parameters, the model, and shared derived fields."""

    def __init__(self, state, grid, params, model):
        self.state, self.grid, self.params, self.model = state, grid, params, model

    @cached_property
    def concentration(self):
        """c̃_i = exp(u_i), (N, nz, nr)."""
        return jnp.exp(self.state.log_concentration)

    @cached_property
    def driving_potential(self):
        """ψ_i = Σ over the model's drives, (N, nz, nr) (kT units)."""
        return sum(drive.potential(self) for drive in self.model.drives)

    @cached_property
    def skew_geometry(self):
        """The grid's tangential-flux coefficients and vertex weights
        (:func:`pnp.grid.skew.skew_geometry`), computed once for all terms."""
        return skew_geometry(self.grid)

    @cached_property
    def face_increments(self):
        """Σ over the model's :class:`FaceDrive` terms of their (z faces, r faces) increments, or None."""
        parts = [term.face_increments(self) for term in self.model.terms if isinstance(term, FaceDrive)]
        if not parts:
            return None
        return sum(p[0] for p in parts), sum(p[1] for p in parts)

    def once(self, key: str, compute):
        """``compute()``, evaluated once per context and shared under ``key`` (for what a term
        computes that other terms also read, e.g. the Stokes face velocities that convect ions)."""
        shared = self.__dict__.setdefault("_shared", {})
        if key not in shared:
            shared[key] = compute()
        return shared[key]

    def bath_driving_potential(self, side: str):
        """ψ_i at the ``side`` bath faces, (N,)."""
        return sum(drive.bath_potential(self, side) for drive in self.model.drives)
