"""Inputs that may be traced: their values when known now, and a clear error when not.

``pnp.solve`` accepts JAX tracers for every continuous input, so ``jax.grad``/``jax.jacfwd``
go straight through it. Meshing needs numbers (how many cells, where): outside ``jax.jit`` a
differentiation tracer still carries its value (the primal), which is used to lay out the
mesh while the tracer flows on into the discretization; under ``jax.jit`` (or ``vmap``) the
value is unknown, and an input the default mesh depends on raises :class:`TracedMeshInput`
saying how to fix the mesh (explicit sizes, or :func:`pnp.frozen_mesh`).
"""

from __future__ import annotations

import jax
import numpy as np


class TracedMeshInput(ValueError):
    """A traced (unknown under jit/vmap) value was needed to lay out the mesh."""


def concrete(x):
    """``x`` as a NumPy value when it is known now, else None.

    Known: plain numbers and arrays, and the primal of a differentiation tracer (``jax.grad``,
    ``jax.jvp``, ``jax.jacfwd`` outside jit). Unknown: abstract tracers under jit or vmap.
    """
    if isinstance(x, jax.core.Tracer):
        to_value = getattr(x, "to_concrete_value", None)
        value = to_value() if to_value is not None else None
        return None if value is None else np.asarray(value)
    return np.asarray(x)


def concrete_tree(tree):
    """``tree`` with every leaf replaced by its value (:func:`concrete`), or None if any is unknown."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    values = [leaf if not isinstance(leaf, jax.core.Tracer) else concrete(leaf) for leaf in leaves]
    if any(v is None for v in values):
        return None
    return jax.tree_util.tree_unflatten(treedef, [jax.numpy.asarray(v, dtype=jax.numpy.result_type(leaf))
                                                  for v, leaf in zip(values, leaves)])


def is_traced(tree) -> bool:
    """Whether any leaf of ``tree`` is a JAX tracer."""
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(tree))


def plain(value):
    """``value`` as NumPy (a float for a scalar) unless it is traced (then unchanged)."""
    if is_traced(value):
        return value
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


def known(x, what: str, fix: str) -> np.ndarray:
    """The value of ``x`` (see :func:`concrete`), or :class:`TracedMeshInput` naming ``what``
    and the ``fix``."""
    value = concrete(x)
    if value is None:
        raise TracedMeshInput(
            f"{what} is traced (under jax.jit or jax.vmap its value is unknown), but the mesh depends on it. "
            f"{fix}"
        )
    return value


FROZEN_MESH_FIX = ("Build the mesh outside jit and map the traced geometry onto it: "
                   "mesh = pnp.frozen_mesh(geometry, electrolyte) with concrete reference values, then pass mesh=mesh.")
