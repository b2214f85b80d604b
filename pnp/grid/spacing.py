"""Node distributions: smooth geometric grading toward charged walls.

Cell size grows linearly with the distance d to the nearest refined end,
h(d) = min(h_max, h₀ + a·d) with a = ln(ratio) and h₀ = h_min·a/(ratio − 1): consecutive
cells then grow by exactly ``ratio`` and the first one is exactly ``h_min``. Nodes are the
images of equally spaced points under the monotone map s(x) = ∫₀ˣ dx'/h(x'), which is
integrated in closed form and inverted by bisection (exact at any length/h_min), so a
family built with ``refinement = 1, 2, 4 …`` halves every cell of one smooth mapping
(what a mesh-convergence study needs). Without refined ends the cells are uniform, h_max.
"""

from __future__ import annotations

import numpy as np


def _cells_within(distance, h_min: float, h_max: float, ratio: float):
    """S(d) = ∫₀ᵈ dt / h(t): the number of cells between a refined end and distance d."""
    a = np.log(ratio)
    h0 = h_min * a / (ratio - 1.0)
    d_cap = max(h_max - h0, 0.0) / a  # where h reaches h_max
    graded = np.minimum(distance, d_cap)
    return np.log1p(a * graded / h0) / a + np.maximum(distance - d_cap, 0.0) / h_max


def graded_nodes(
    length: float,
    h_min: float,
    h_max: float,
    *,
    ratio: float = 1.1,
    refine_start: bool = True,
    refine_end: bool = True,
    refinement: float = 1.0,
    min_cells: int = 4,
) -> np.ndarray:
    """Node positions on [0, length] (same units as the arguments), graded toward the ends.

    Args:
      length: interval length (> 0).
      h_min: first-cell size at a refined end (> 0).
      h_max: largest cell size (≥ h_min).
      ratio: growth factor between neighbouring cells (> 1).
      refine_start, refine_end: which ends are refined (neither: uniform h_max cells).
      refinement: divides every cell size (mesh-convergence families use 1, 2, 4, …).
      min_cells: lower bound on the number of cells.
    """
    if not (length > 0 and h_min > 0 and h_max >= h_min and ratio > 1 and refinement > 0):
        raise ValueError(
            f"graded_nodes needs length > 0, 0 < h_min ≤ h_max, ratio > 1, refinement > 0; got "
            f"length={length}, h_min={h_min}, h_max={h_max}, ratio={ratio}, refinement={refinement}"
        )

    def cells(d):
        return _cells_within(d, h_min, h_max, ratio)

    def s(x):  # refinement × ∫₀ˣ dx'/h(x')
        if refine_start and refine_end:
            half = 0.5 * length
            return refinement * np.where(x <= half, cells(np.minimum(x, half)),
                                         2.0 * cells(half) - cells(np.clip(length - x, 0.0, half)))
        if refine_start:
            return refinement * cells(x)
        if refine_end:
            return refinement * (cells(length) - cells(length - x))
        return refinement * x / h_max

    total = float(s(np.array(length)))
    n_cells = max(min_cells, int(np.ceil(total - 1e-9)))
    targets = np.linspace(0.0, total, n_cells + 1)
    lo, hi = np.zeros_like(targets), np.full_like(targets, length)
    for _ in range(200):  # bisection on the monotone s(x); 200 halvings reach float64 resolution
        mid = 0.5 * (lo + hi)
        below = s(mid) < targets
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    nodes = 0.5 * (lo + hi)
    nodes[0], nodes[-1] = 0.0, length
    return nodes
