"""``jax.grad`` straight through the public API, against central differences (≤ 1e-5 relative).

Every continuous input of ``pnp.solve`` — geometry (radii, length, σ, the membrane faces'
charge), bath concentration, voltage, diffusivity, permittivity and a μ^ex parameter — on a
cylinder, a cone and a 1D membrane; derivatives are exact (implicit: one adjoint solve).
Central differences use a frozen mesh (pnp.frozen_mesh) so that every evaluation maps its
geometry onto the same nodes; the gradient with the default mesh is the same (its layout is
built from the primal values). Under ``jax.jit`` the same functions give the same gradients,
and a traced input the default mesh depends on raises a clear error.
"""

import jax
import jax.numpy as jnp
import pytest

import pnp
from pnp.tracing import TracedMeshInput

RT = pnp.constants.GAS_CONSTANT * 298.15


def kcl(c):
    return pnp.Electrolyte({"K+": c, "Cl-": c})


def central_differences(f, x0: dict, step=1e-5):
    out = {}
    for name, value in x0.items():
        h = step * (abs(value) or 1.0)
        out[name] = (float(f({**x0, name: value + h})) - float(f({**x0, name: value - h}))) / (2 * h)
    return out


def assert_matches(grads, fd, rel=1e-5):
    for name, value in fd.items():
        print(f"{name}: adjoint {float(grads[name]):.10e}, central difference {value:.10e}")
        assert float(grads[name]) == pytest.approx(value, rel=rel), name


def conditions(x, mesh, length):
    """Bath, voltage, K⁺ diffusivity, permittivity and a μ^ex (J/mol) on Cl⁻ inside the pore, from x."""
    def inside(z, r):
        return jnp.where((z > 0) & (z < length), 1.0, 0.0)

    return pnp.Conditions(
        kcl(x["concentration"]), x["voltage"], mesh=mesh, permittivity=x["permittivity"],
        diffusivity={"K+": x["diffusivity"]}, excess_potential={"Cl-": lambda z, r: x["mu"] * RT * inside(z, r)})


CYLINDER_X = dict(radius=4e-9, length=60e-9, charge=-0.05, membrane_charge=-0.02, concentration=10.0,
                  voltage=0.2, diffusivity=1.9e-9, permittivity=78.5, mu=0.3)


def cylinder(x):
    return pnp.Cylinder(x["radius"], x["length"], x["charge"],
                        reservoirs=pnp.Reservoirs(80e-9, 80e-9, membrane_charge=x["membrane_charge"]))


@pytest.fixture(scope="module")
def cylinder_case():
    x0 = CYLINDER_X
    mesh = pnp.frozen_mesh(cylinder(x0), conditions(x0, pnp.Mesh(refinement=0.35), x0["length"]))
    start = pnp.solve(cylinder(x0), conditions(x0, mesh, x0["length"]))

    def current(x, guess=start.state):
        return pnp.solve(cylinder(x), conditions(x, mesh, x0["length"]), guess=guess).current

    return x0, mesh, current


def test_grad_of_current_through_solve_on_a_cylinder(cylinder_case):
    x0, _, current = cylinder_case
    assert_matches(jax.grad(current)(x0), central_differences(current, x0))


def test_grad_under_jit_equals_eager(cylinder_case):
    x0, _, current = cylinder_case
    names = ("charge", "voltage", "radius")
    f = lambda y: current({**x0, **y})
    sub = {k: x0[k] for k in names}
    eager = jax.grad(f)(sub)
    pnp.steady._couplings.cache_clear()  # the Jacobian's sparsity is derived afresh, inside the jit trace
    jitted = jax.jit(jax.grad(f))(sub)
    for name in names:
        assert float(jitted[name]) == pytest.approx(float(eager[name]), rel=1e-9)


def test_readme_example_default_mesh_equals_frozen_mesh():
    """The README line: d I / d σ with the default mesh (laid out from the primal values)."""
    bath = kcl(10.0)
    default = jax.grad(lambda s: pnp.solve(pnp.Cylinder(4e-9, 100e-9, s), bath, voltage=0.2,
                                           mesh=pnp.Mesh(refinement=0.35)).current)(-0.05)
    mesh = pnp.frozen_mesh(pnp.Cylinder(4e-9, 100e-9, -0.05), bath, mesh=pnp.Mesh(refinement=0.35))
    frozen = jax.grad(lambda s: pnp.solve(pnp.Cylinder(4e-9, 100e-9, s), bath, voltage=0.2, mesh=mesh).current)(-0.05)
    assert float(default) == pytest.approx(float(frozen), rel=1e-10) and float(default) != 0.0


def test_traced_mesh_input_under_jit_is_a_clear_error():
    bath = kcl(10.0)
    with pytest.raises(TracedMeshInput, match="surface_charge.*wall_cell"):
        jax.jit(lambda s: pnp.solve(pnp.Cylinder(4e-9, 100e-9, s), bath, voltage=0.2).current)(-0.05)
    with pytest.raises(TracedMeshInput, match="radius.*frozen_mesh"):
        jax.jit(lambda r: pnp.solve(pnp.Cylinder(r, 100e-9, -0.05), bath, voltage=0.2).current)(4e-9)


CONE_X = dict(tip=3e-9, base=12e-9, length=60e-9, charge=-0.05, voltage=0.3)


def test_grad_through_solve_on_a_cone():
    x0 = CONE_X
    bath = kcl(10.0)
    cone = lambda x: pnp.Cone(x["tip"], x["base"], x["length"], x["charge"], reservoirs=pnp.Reservoirs(60e-9, 60e-9))
    mesh = pnp.frozen_mesh(cone(x0), bath, mesh=pnp.Mesh(refinement=0.35))
    start = pnp.solve(cone(x0), bath, x0["voltage"], mesh=mesh)

    def current(x):
        return pnp.solve(cone(x), bath, x["voltage"], mesh=mesh, guess=start.state).current

    assert_matches(jax.grad(current)(x0), central_differences(current, x0))


MEMBRANE_X = dict(thickness=1e-6, fixed=-50.0, concentration=10.0, voltage=0.1, diffusivity=1.9e-9,
                  permittivity=60.0, mu=0.4)


def membrane_solution(x, mesh, guess=None):
    membrane = pnp.Membrane(x["thickness"], fixed_charge=x["fixed"], bath_layer=50e-9)
    bath = kcl(x["concentration"])
    cond = conditions(x, mesh, 1.0).replace(right=bath.scaled(0.5))
    return pnp.solve(membrane, cond, guess=guess)


@pytest.fixture(scope="module")
def membrane_mesh():
    x0 = MEMBRANE_X
    cond = conditions(x0, pnp.Mesh(), 1.0).replace(right=kcl(x0["concentration"]).scaled(0.5))
    return pnp.frozen_mesh(pnp.Membrane(x0["thickness"], fixed_charge=x0["fixed"], bath_layer=50e-9), cond)


def test_grad_through_solve_on_a_membrane_with_jit(membrane_mesh):
    x0 = MEMBRANE_X
    start = membrane_solution(x0, membrane_mesh)
    current = lambda x: membrane_solution(x, membrane_mesh, start.state).current
    grads = jax.grad(current)(x0)
    assert_matches(grads, central_differences(current, x0))
    jitted = jax.jit(jax.grad(current))(x0)
    for name in x0:
        assert float(jitted[name]) == pytest.approx(float(grads[name]), rel=1e-9)


def test_grad_of_fluxes_and_conductance(membrane_mesh):
    x0 = {k: MEMBRANE_X[k] for k in ("fixed", "concentration")}
    start = membrane_solution(MEMBRANE_X, membrane_mesh)
    flux = lambda x: membrane_solution({**MEMBRANE_X, **x}, membrane_mesh, start.state).fluxes["K+"]
    assert_matches(jax.grad(flux)(x0), central_differences(flux, x0))
    conductance = lambda x: membrane_solution({**MEMBRANE_X, **x}, membrane_mesh, start.state).conductance
    assert_matches(jax.grad(conductance)(x0), central_differences(conductance, x0), rel=1e-5)


def test_grad_of_zero_current_voltage():
    """Membrane potential E(X, c) = −V₀ differentiates through the secant root (implicit)."""
    bath = kcl(100.0)

    def potential(x):
        membrane = pnp.Membrane(2e-6, fixed_charge=x["fixed"], bath_layer=50e-9)
        return -pnp.zero_current_voltage(membrane, bath, kcl(x["dilute"])).voltage

    x0 = {"fixed": -100.0, "dilute": 10.0}
    assert_matches(jax.grad(potential)(x0), central_differences(potential, x0))


def test_grad_of_rectification_through_sweep():
    bath = kcl(10.0)
    cone = lambda s: pnp.Cone(3e-9, 12e-9, 60e-9, s, reservoirs=pnp.Reservoirs(60e-9, 60e-9))
    mesh = pnp.frozen_mesh(cone(-0.05), bath, mesh=pnp.Mesh(refinement=0.35))

    def r(x):
        return pnp.sweep(cone(x["charge"]), bath, [-0.3, 0.3], mesh=mesh).rectification(0.3)

    x0 = {"charge": -0.05}
    assert_matches(jax.grad(r)(x0), central_differences(r, x0))
