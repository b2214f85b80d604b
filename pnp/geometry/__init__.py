"""Geometries (SI): 1D wall and membrane, channels with reservoirs, mesh controls."""

from .base import DebyeLengths, Discretization, Mesh
from .channels import Channel, Cone, Cylinder, Reservoirs, Slit
from .planar1d import ChargedWall, Membrane

__all__ = [
    "Channel", "ChargedWall", "Cone", "Cylinder", "DebyeLengths", "Discretization", "Membrane", "Mesh",
    "Reservoirs", "Slit",
]
