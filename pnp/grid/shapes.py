"""Simple grids: 1D line and tensor-product rectangles (planar or axisymmetric).

Node arrays are nondimensional; channel geometries with reservoirs live in
``pnp.geometry`` and build on :func:`pnp.grid.mesh.grid_from_vertices` too.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..tracing import concrete
from .mesh import Grid, grid_from_vertices


def line(nodes, *, left: str = "bath", right: str = "bath") -> Grid:
    """1D grid on ``nodes`` (cross-section of unit area; fluxes are per unit area)."""
    nodes = jnp.asarray(nodes, dtype=jnp.float64)
    if nodes.ndim != 1 or nodes.shape[0] < 2:
        raise ValueError("a 1D grid needs at least two nodes")
    _check_increasing(nodes, "nodes")
    vz = jnp.stack([nodes, nodes], axis=1)
    vr = jnp.broadcast_to(jnp.array([0.0, 1.0]), vz.shape)
    return grid_from_vertices(vz, vr, coordinates="planar", left=left, right=right)


def rectangle(
    z_nodes,
    r_nodes,
    *,
    coordinates: str = "axisymmetric",
    active=None,
    left: str = "bath",
    right: str = "bath",
    bottom: str = "closed",
    top: str = "wall",
) -> Grid:
    """Tensor-product grid; in axisymmetric coordinates ``r_nodes[0]`` should be 0 (axis)."""
    z_nodes = jnp.asarray(z_nodes, dtype=jnp.float64)
    r_nodes = jnp.asarray(r_nodes, dtype=jnp.float64)
    _check_increasing(z_nodes, "z_nodes")
    _check_increasing(r_nodes, "r_nodes")
    if coordinates == "axisymmetric" and float(r_nodes[0]) < 0:
        raise ValueError("axisymmetric r_nodes must be ≥ 0")
    vz, vr = jnp.meshgrid(z_nodes, r_nodes, indexing="ij")
    return grid_from_vertices(
        vz, vr, active, coordinates=coordinates, left=left, right=right, bottom=bottom, top=top
    )


def _check_increasing(nodes, name: str) -> None:
    """Strictly increasing (checked where the values are known: not for nodes traced under jit)."""
    nodes = concrete(nodes)
    if nodes is not None and not np.all(np.diff(nodes) > 0):
        raise ValueError(f"{name} must be strictly increasing")
