"""Hashable, read-only NumPy arrays for static (compile-time) structure under ``jax.jit``.

Masks and patterns that decide the *shape* of a computation (active cells, face kinds, the
sparsity of a Jacobian) must be static metadata of a pytree, and static metadata must be
hashable. :class:`StaticArray` wraps a NumPy array by value: two wrappers of equal arrays are
equal and hash alike, so problems of the same structure share compiled programs.
"""

from __future__ import annotations

import numpy as np


class StaticArray:
    """Hashable, read-only wrapper of a static numpy array (jit metadata)."""

    __slots__ = ("array", "_key")

    def __init__(self, array: np.ndarray):
        self.array = np.array(array)
        self.array.setflags(write=False)
        self._key = (self.array.shape, self.array.dtype.str, self.array.tobytes())

    def __hash__(self):
        return hash(self._key)

    def __eq__(self, other):
        return isinstance(other, StaticArray) and self._key == other._key

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __repr__(self):
        return f"StaticArray(shape={self.array.shape}, dtype={self.array.dtype})"

    @property
    def shape(self):
        return self.array.shape

    def sum(self):
        return self.array.sum()
