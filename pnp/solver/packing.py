"""Named states ↔ the packed (nz, nr, nc) array that Jacobians and linear solves act on.

A state is any pytree whose leaves are cell fields with the grid shape (nz, nr) as their
last two axes: (nz, nr) for one unknown per cell, (k, nz, nr) for k. Packing stacks every
leaf's components, in tree order, as the trailing axis: the unknowns of one cell sit side by
side, which keeps the Jacobian block-tridiagonal in z. Only the solvers pack; physics sees
the named fields.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def pack(tree):
    """(nz, nr, nc) array of every leaf's components in tree order."""
    leaves = jax.tree_util.tree_leaves(tree)
    nz, nr = leaves[0].shape[-2:]
    return jnp.concatenate([jnp.reshape(leaf, (-1, nz, nr)) for leaf in leaves], axis=0).transpose(1, 2, 0)


def unpack(packed, like):
    """The pytree of ``like``'s structure and leaf shapes holding the values of ``packed``."""
    leaves, treedef = jax.tree_util.tree_flatten(like)
    columns = jnp.moveaxis(packed, -1, 0)
    out, start = [], 0
    for leaf in leaves:
        size = int(np.prod(leaf.shape[:-2], dtype=int))
        out.append(columns[start:start + size].reshape(leaf.shape))
        start += size
    return jax.tree_util.tree_unflatten(treedef, out)


def component_scales(like, scale) -> jax.Array:
    """(nc,) per-component scales from ``scale``: None (all 1) or a pytree of positive scalars
    with ``like``'s structure (one per field)."""
    leaves = jax.tree_util.tree_leaves(like)
    counts = [int(np.prod(leaf.shape[:-2], dtype=int)) for leaf in leaves]
    if scale is None:
        return jnp.ones(sum(counts))
    values = jax.tree_util.tree_leaves(scale)
    if len(values) != len(leaves):
        raise ValueError(f"a Newton scale needs one value per state field ({len(leaves)}), got {len(values)}")
    return jnp.concatenate([jnp.full((count,), value, dtype=jnp.result_type(float)) for count, value in
                            zip(counts, values)])
