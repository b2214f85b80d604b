"""An independent reference for conductances of axisymmetric channels: P1 finite elements.

The geometric conductance factor of a domain Ω in the (z, r) half-plane, G = ∫ |∇u|² 2πr dA
for the Laplace problem ∇·(r ∇u) = 0 with u = 1 on the left bath plane, u = 0 on the right
one and zero normal derivative elsewhere (walls, axis, outer reservoir walls), by linear
triangles on a mesh built here from the shape alone (not from pnp's grid). The element matrices
are exact for P1 (the weight r is linear, ∫ r dA = A r̄). An uncharged channel at equal baths
conducts κ·G in linear response (κ = F² Σ z² D c / RT): no double layer, no polarization.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg


def graded(length: float, first: float, ratio: float, at_start: bool, at_end: bool, largest: float) -> np.ndarray:
    """Nodes on [0, length]: cells grow by ``ratio`` from ``first`` away from the refined end(s),
    up to ``largest``."""
    def one_side(span):
        sizes, total, h = [], 0.0, first
        while total + h < span:
            sizes.append(h)
            total += h
            h = min(h * ratio, largest)
        sizes = np.array(sizes) * span / max(total, 1e-300) if sizes else np.array([span])
        return np.concatenate([[0.0], np.cumsum(sizes)])

    if at_start and at_end:
        half = one_side(0.5 * length)
        return np.concatenate([half, length - half[::-1][1:]])
    if at_start:
        return one_side(length)
    if at_end:
        return length - one_side(length)[::-1]
    return np.linspace(0.0, length, max(2, int(np.ceil(length / largest)) + 1))


def channel_mesh(radius, length, reservoir_radius=None, reservoir_length=None, h=1.0, ratio=1.1, largest=None):
    """(points (n, 2) as (z, r), triangles (m, 3)) of a channel r < radius(z), 0 ≤ z ≤ length
    (a callable R(z)), with cylindrical reservoirs on both sides when ``reservoir_radius`` is set.
    ``h`` is the first cell at the mouths and walls, ``largest`` the largest (default 10 h)."""
    largest = 10 * h if largest is None else largest
    z_channel = graded(length, h, ratio, True, True, largest)
    r_min = min(radius(0.0), radius(length))
    xi = 1.0 - graded(1.0, h / r_min, ratio, True, False, largest / r_min)[::-1]  # ξ ∈ [0, 1], fine at the wall
    blocks = []  # (z nodes, radial node function z ↦ r nodes)
    if reservoir_radius is None:
        blocks.append((z_channel, lambda z: xi * radius(z)))
    else:
        z_res = graded(reservoir_length, h, ratio, True, False, largest * 20)
        span = reservoir_radius - max(radius(0.0), radius(length))
        eta = graded(1.0, h / span, ratio, True, False, 20 * largest / span)[1:]
        left = -z_res[::-1]
        right = length + z_res
        for zs, mouth in ((left, radius(0.0)), (right, radius(length))):
            blocks.append((zs, lambda z, m=mouth: np.concatenate([xi * m, m + eta * (reservoir_radius - m)])))
        blocks.append((z_channel, lambda z: xi * radius(z)))
    points, triangles, index = [], [], {}

    def node(z, r):
        key = (round(z, 9), round(r, 9))
        if key not in index:
            index[key] = len(points)
            points.append((z, r))
        return index[key]

    for zs, rs in blocks:
        columns = [[node(z, r) for r in rs(z)] for z in zs]
        for a, b in zip(columns[:-1], columns[1:]):
            for k in range(min(len(a), len(b)) - 1):
                triangles += [(a[k], b[k], b[k + 1]), (a[k], b[k + 1], a[k + 1])]
    return np.array(points), np.array(triangles)


def conductance_factor(points, triangles) -> float:
    """G = ∫ |∇u|² 2πr dA (length units of ``points``) with u = 1 at the smallest z, 0 at the largest."""
    p = points[triangles]  # (m, 3, 2)
    z, r = p[..., 0], p[..., 1]
    area2 = (z[:, 1] - z[:, 0]) * (r[:, 2] - r[:, 0]) - (z[:, 2] - z[:, 0]) * (r[:, 1] - r[:, 0])
    bz = np.stack([r[:, 1] - r[:, 2], r[:, 2] - r[:, 0], r[:, 0] - r[:, 1]], axis=1) / area2[:, None]
    br = np.stack([z[:, 2] - z[:, 1], z[:, 0] - z[:, 2], z[:, 1] - z[:, 0]], axis=1) / area2[:, None]
    weight = 2 * np.pi * r.mean(axis=1) * 0.5 * np.abs(area2)
    local = weight[:, None, None] * (bz[:, :, None] * bz[:, None, :] + br[:, :, None] * br[:, None, :])
    rows = np.repeat(triangles, 3, axis=1).ravel()
    cols = np.tile(triangles, (1, 3)).ravel()
    n = len(points)
    stiffness = scipy.sparse.csr_matrix((local.ravel(), (rows, cols)), shape=(n, n))
    zmin, zmax = points[:, 0].min(), points[:, 0].max()
    tol = 1e-9 * (zmax - zmin)
    u = np.zeros(n)
    left, right = np.abs(points[:, 0] - zmin) < tol, np.abs(points[:, 0] - zmax) < tol
    u[left] = 1.0
    free = ~(left | right)
    rhs = -stiffness[free][:, ~free] @ u[~free]
    u[free] = scipy.sparse.linalg.spsolve(stiffness[free][:, free].tocsc(), rhs)
    return float(u @ (stiffness @ u))


def richardson(values, hs, order=None):
    """Extrapolated limit of values at sizes hs (halving); returns (limit, observed order)."""
    v = np.asarray(values, float)
    p = np.log2(abs((v[-3] - v[-2]) / (v[-2] - v[-1]))) if order is None else order
    return v[-1] + (v[-1] - v[-2]) / (2**p - 1), p
