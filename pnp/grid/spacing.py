"""Node distributions: smooth geometric grading toward charged walls.

Cell size follows h(x) = min(h_max, h_min + (ratio − 1)·d(x)), where d is the distance to
the nearest refined end: the first cell is ≈ h_min and neighbours grow by ≈ ``ratio``.
Nodes are the images of equally spaced points under the monotone map
s(x) = ∫₀ˣ dx'/h(x'), so a family built with ``refinement = 1, 2, 4 …`` halves every cell
of one smooth mapping (what a mesh-convergence study needs).
"""

from __future__ import annotations

import numpy as np


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
    x = np.linspace(0.0, length, 20001)
    distance = np.full_like(x, np.inf)
    if refine_start:
        distance = np.minimum(distance, x)
    if refine_end:
        distance = np.minimum(distance, length - x)
    h = np.minimum(h_max, h_min + (ratio - 1.0) * np.where(np.isinf(distance), length, distance))
    density = refinement / h
    s = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(x))])
    n_cells = max(min_cells, int(np.ceil(s[-1])))
    nodes = np.interp(np.linspace(0.0, s[-1], n_cells + 1), s, x)
    nodes[0], nodes[-1] = 0.0, length
    return nodes
