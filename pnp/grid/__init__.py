"""Structured grids: metrics, masks, face kinds and graded node distributions."""

from .mesh import FaceKind, Grid, StaticArray, grid_from_vertices
from .shapes import line, rectangle
from .spacing import graded_nodes

__all__ = ["FaceKind", "Grid", "StaticArray", "grid_from_vertices", "graded_nodes", "line", "rectangle"]
