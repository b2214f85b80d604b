"""Physics: the steady equations as composable terms on named fields.

Layout (one job per module):

* :mod:`~pnp.physics.state` — :class:`State` (named cell fields) and :class:`Field`;
* :mod:`~pnp.physics.parameters`, :mod:`~pnp.physics.scales` — nondimensional inputs;
* :mod:`~pnp.physics.term` — :class:`Term`, :class:`Drive`, :class:`FaceDrive`, :class:`Context`,
  :func:`register_term`;
* :mod:`~pnp.physics.electrostatics`, :mod:`~pnp.physics.transport`, :mod:`~pnp.physics.drives`
  — the terms of plain PNP;
* :mod:`~pnp.physics.regulation` — the wall charge of ionizable, ion-binding sites (charge
  regulation), which replaces the prescribed :class:`SurfaceCharge` for :class:`pnp.SurfaceSites`;
* :mod:`~pnp.physics.convection` — convection by a uniform volume flux (1D), inside the
  Scharfetter–Gummel flux as a drive;
* :mod:`~pnp.physics.stokes` — solvent flow (Stokes, staggered velocities, body force
  −Σ c_i ∇μ_i), convecting the ions as a :class:`~pnp.physics.term.FaceDrive`;
* :mod:`~pnp.physics.skew` — the tangential flux parts on non-orthogonal (tapered) grids, added
  to the model by :func:`pnp.problem.build_problem` for cones and any varying R(z);
* :mod:`~pnp.physics.model` — :class:`Model` (a tuple of terms), :data:`PNP`, :class:`System`
  and :func:`residual` (what the solvers call).

How to add a physics term
-------------------------
Create one file, e.g. ``pnp/physics/crowding.py``, with a registered term::

    import jax.numpy as jnp
    from pnp.physics.term import Drive, register_term

    @register_term
    class Crowding(Drive):
        \"\"\"Excluded-volume potential μ_i/kT = −ln(1 − Σ_k a_k c̃_k) (Bikerman).\"\"\"
        volume: float  # a_k c₀, a leaf: differentiable, ramped by continuation

        def potential(self, ctx):
            packing = jnp.einsum("k,k...->...", jnp.full(ctx.params.valence.shape, self.volume),
                                 ctx.concentration)
            return jnp.broadcast_to(-jnp.log1p(-packing), ctx.concentration.shape)

        def at_rest(self):
            return Crowding(0.0)  # vanishes in the trivial start problem

and use it: ``pnp.solve(geometry, electrolyte, terms=(Crowding(0.05),))`` (or
``PNP.add(Crowding(0.05))`` at the nondimensional level). A :class:`Drive` adds to the
driving potential of every species flux; a plain :class:`Term` returns contributions to cell
balances through :meth:`Term.fluxes` (face fluxes, which cross-section observables sum) and
:meth:`Term.sources` (per-cell production), ``{"potential": ..., "log_concentration": ...}``, and may introduce new fields
(``introduces = (Field("pressure", False, "..."),)``; ``limits_step=False`` for a field that
enters the balances linearly, so that Newton's step limit is not measured on it). Nothing
else changes: the Jacobian's
sparsity is derived from the residual (:func:`pnp.steady.couplings`), the solvers take the
residual as an argument, and implicit differentiation covers the term's parameters.
``tests/test_terms.py`` does exactly this and checks the assembled Jacobian against
``jax.jacfwd``.
"""

from .convection import Convection
from .drives import Electric, ExcessPotential
from .electrostatics import Displacement, SpaceCharge, SurfaceCharge, WallCharge, field_fluxes, space_charge, wall_charge
from .model import PNP, Model, System, residual
from .parameters import Parameters, at_equilibrium_start
from .regulation import RegulatedSurfaceCharge
from .scales import Scales
from .skew import SkewDisplacement, SkewTransport
from .state import LOG_CONCENTRATION, POTENTIAL, Field, State
from .stokes import Stokes
from .term import Context, Drive, FaceDrive, Term, register_term, static_field
from .transport import NernstPlanck, bernoulli, species_flux_terms, species_fluxes

__all__ = [
    "Context", "Convection", "Displacement", "Drive", "Electric", "FaceDrive", "ExcessPotential", "Field", "LOG_CONCENTRATION", "Model",
    "NernstPlanck", "PNP", "POTENTIAL", "Parameters", "RegulatedSurfaceCharge", "Scales", "SkewDisplacement", "SkewTransport", "SpaceCharge", "State", "Stokes", "SurfaceCharge", "System", "WallCharge",
    "Term", "at_equilibrium_start", "bernoulli", "field_fluxes", "register_term", "residual", "space_charge",
    "species_flux_terms", "species_fluxes", "static_field", "wall_charge",
]
