"""The interface every linear backend implements (one backend per module, as in lineax).

A backend solves J x = b for a :class:`~pnp.linalg.band.BandMatrix` J and a right-hand side
b shaped like the state, (nz, nr, nc). Transposed solves (adjoints) pass ``matrix.T``:
backends see only plain solves. Register a new backend in :mod:`pnp.linalg.registry`.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from .band import BandMatrix


class LinearSolver(abc.ABC):
    """One way of solving J x = b.

    Attributes:
      name: the name users pass as ``NewtonOptions(linear_solver=...)``.
      host: True when the solve runs on the host CPU through a callback (any JAX device works,
        but the data travels to the host; sequential under ``vmap``).
      dense_blocks: True when the solve holds the dense (nz, nr·nc, nr·nc) block diagonals
        (:meth:`BandMatrix.blocks`): memory grows as nz·(nr·nc)², which the memory guard counts.
      platforms: the JAX platforms the solve compiles for (None: every platform).
    """

    name: ClassVar[str]
    host: ClassVar[bool] = False
    dense_blocks: ClassVar[bool] = False
    platforms: ClassVar[tuple[str, ...] | None] = None

    def runs_on(self, platform: str) -> bool:
        """Whether the solve compiles for the JAX ``platform`` ("cpu", "gpu", …)."""
        return self.platforms is None or platform in self.platforms

    @abc.abstractmethod
    def solve(self, matrix: BandMatrix, rhs):
        """x with J x = rhs, shaped like ``rhs`` (nz, nr, nc); traceable under jit."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
