"""The PyTorch front's own idiom: the torch port of the core's maths (its outputs and its
hand-written derivatives), torch.func, state_dict, torch's seeds, dtypes, torch.compile, and
OpenMP beside JAX; the shared tests are in test_fronts.py."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from layer_cases import (
    rel_diff,
    rep_pairs,
    small_emlp_case,
)

import emlp_sym.nn as enn
from emlp_sym.groups import SO, SO13
from emlp_sym.nn.core.bilinear import bilinear_apply
from emlp_sym.nn.core.linear import linear_apply, user_layout_weight
from emlp_sym.reps import Scalar, V

torch = pytest.importorskip("torch")
from emlp_sym.cli.backends.pytorch import Backend  # noqa: E402
from emlp_sym.nn import pytorch as P  # noqa: E402

torch.set_num_threads(1)  # the tests' tensors are small: threads only add overhead
TOL = 1e-5  # float32

# torch's own modules for forward-mode AD and inductor still call torch.jit.script(_method)
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script:DeprecationWarning:torch.jit._script")


def as_numpy_fn(module):
    """The module as a function of NumPy (or JAX) arrays, for ``assert_equivariant``."""

    def f(x):
        with torch.no_grad():
            return module(torch.tensor(np.asarray(x), dtype=torch.float32)).numpy()

    return f


def seeded(seed):
    return torch.Generator().manual_seed(seed)


@given(rep_pairs(max_size=30), st.integers(0, 2**16))
def test_layers_compute_what_the_core_computes(pair, seed):
    """The torch port of Linear and BiLinear, on the core's parameters, gives the core's
    outputs (every contraction order, Gram products and gathers of the plans)."""
    G, rin, rout = pair
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, rin.size())).astype(np.float32)
    lin = P.Linear(rin, rout, generator=seeded(seed))
    with torch.no_grad():
        lin.b.add_(0.5)  # a nonzero bias in every invariant direction
        got = lin(torch.as_tensor(x)).numpy()
    w, b = (jnp.asarray(p.detach().numpy()) for p in (lin.w, lin.b))
    assert rel_diff(got, linear_apply(lin.plan, w, b, jnp.asarray(x))) < TOL
    bil = P.BiLinear(rin, rout, generator=seeded(seed))
    with torch.no_grad():
        got = bil(torch.as_tensor(x)).numpy()
    core = bilinear_apply(bil.plan, jnp.asarray(bil.w.detach().numpy()), jnp.asarray(x))
    assert rel_diff(got, core) < TOL or np.abs(core).max() == 0 == np.abs(got).max()


def test_statistics_are_buffers_and_parameters_get_gradients():
    G, rin, rout, x = small_emlp_case()
    model = P.Standardize(P.EMLP(rin, rout, G, ch=30, num_layers=2),
                          (np.zeros(rin.size()), np.ones(rin.size())))
    (model(torch.as_tensor(x)) ** 2).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().max() > 0, f"no gradient reaches {name}"
    assert [n for n, _ in model.named_buffers() if n in ("muin", "sin")] == ["muin", "sin"]


def test_the_ports_derivatives_pass_gradcheck():
    """The hand-written derivatives (dense weight, per-example products, Gram matrix), reverse
    and forward mode, against finite differences to second order, in float64."""
    G = SO13()  # duals that do not fold: gathers between t's layout and the matrix layout
    rep = (Scalar + V + V.T + V.T * V + V * V.T + V**2)(G)
    for layer in (P.Linear(rep, (V + V.T + Scalar)(G)), P.BiLinear(rep, rep),
                  P.BiLinear((Scalar + 4 * V)(SO(3)), (Scalar + 2 * V + V**2)(SO(3)))):
        layer = layer.double()
        xs = torch.randn(2, layer.n_in, dtype=torch.float64, requires_grad=True)
        w = layer.w.detach().clone().requires_grad_()

        def f(w, xs, layer=layer):
            return torch.func.functional_call(layer, {"w": w}, (xs,))

        assert torch.autograd.gradcheck(f, (w, xs), check_forward_ad=True)
        assert torch.autograd.gradgradcheck(f, (w, xs))


def test_torch_func_transforms():
    """Hamiltonian networks differentiate the model twice: ``torch.func`` works through the
    port's autograd Functions (forward mode, reverse mode, vmap)."""
    G = SO(3)
    rin = (2 * Scalar + 2 * V + V**2)(G)
    model = P.EMLP(rin, Scalar(G), G, ch=30, num_layers=1).double()
    x = torch.randn(rin.size(), dtype=torch.float64)
    H = torch.func.hessian(lambda x: model(x)[0])(x)
    assert torch.allclose(H, H.T, atol=1e-10)
    assert torch.allclose(H, torch.autograd.functional.hessian(lambda x: model(x)[0], x))
    assert torch.allclose(torch.func.jacfwd(model)(x), torch.func.jacrev(model)(x))
    xs = torch.randn(4, rin.size(), dtype=torch.float64)
    assert torch.allclose(torch.func.vmap(model)(xs), model(xs))


def test_linear_weight_is_the_cores_dense_weight():
    G = SO13()
    rin, rout = (Scalar + V + V.T * V)(G), (V + V.T)(G)
    layer = P.Linear(rin, rout)
    W = user_layout_weight(layer.plan, jnp.asarray(layer.w.detach().numpy()))
    assert rel_diff(layer.weight().detach().numpy(), W) < TOL


def test_state_dict_holds_the_cores_parameters_by_name():
    G, rin, rout, x = small_emlp_case()
    model = P.EMLP(rin, rout, G, ch=24, num_layers=2)
    flat = enn.core.params.flatten_params(P.export_params(model))
    state = model.state_dict()
    assert sorted(state) == sorted(k.replace("/", ".") for k in flat)  # no bases, no indices
    for k, v in flat.items():
        assert np.array_equal(state[k.replace("/", ".")].numpy(), v)
    other = P.EMLP(rin, rout, G, ch=24, num_layers=2)
    other.load_state_dict(state)
    xs = torch.as_tensor(x)
    assert torch.equal(other(xs), model(xs))
    mlp = P.MLP(rin, rout, G, ch=24, num_layers=2)
    assert P.export_params(mlp)["layer0"]["w"].shape == (rin.size(), 24)  # nn.Linear transposed


def test_initialization_follows_the_torch_seed_and_the_cores_distributions():
    G, rin, rout, _ = small_emlp_case()
    torch.manual_seed(5)
    a = P.export_params(P.EMLP(rin, rout, G, ch=24, num_layers=2))
    torch.manual_seed(5)
    b = P.export_params(P.EMLP(rin, rout, G, ch=24, num_layers=2))
    c = P.export_params(P.EMLP(rin, rout, G, ch=24, num_layers=2, generator=seeded(5)))
    d = P.export_params(P.EMLP(rin, rout, G, ch=24, num_layers=2, generator=seeded(5)))
    flat = enn.core.params.flatten_params
    assert all(np.array_equal(u, v) for u, v in zip(flat(a).values(), flat(b).values(),
                                                      strict=True))
    assert all(np.array_equal(u, v) for u, v in zip(flat(c).values(), flat(d).values(),
                                                      strict=True))
    big = P.Linear(enn.uniform_rep(384, SO(3)), enn.uniform_rep(384, SO(3)), generator=seeded(0))
    w, b = big.w.detach().numpy(), big.b.detach().numpy()
    assert abs(w.std() / big.plan.weight_std - 1) < 0.05 and abs(w.mean()) < 0.05 * w.std()
    assert b.min() >= 0 and b.max() <= big.plan.bias_scale
    bil = P.BiLinear(enn.uniform_rep(100, SO(3)), enn.uniform_rep(100, SO(3)))
    assert abs(bil.w.detach().std().item() - 1) < 0.05


def test_dtype_moves_bases_and_batch_shapes_are_kept():
    G, rin, rout, x = small_emlp_case()
    model = P.EMLP(rin, rout, G, ch=24, num_layers=2, generator=seeded(0))
    y32 = model(torch.as_tensor(x)).detach()
    model.double()
    assert all(b.dtype == torch.float64 for b in model.buffers() if b.is_floating_point())
    y64 = model(torch.as_tensor(x, dtype=torch.float64)).detach()
    assert rel_diff(y32.numpy(), y64.numpy()) < TOL
    xs = torch.as_tensor(x, dtype=torch.float64)
    assert model(xs[0]).shape == (rout.size(),)
    assert model(xs.reshape(5, 1, -1)).shape == (5, 1, rout.size())
    assert rel_diff(model(xs[0]).detach().numpy(), y64[0].numpy()) < 1e-12


def test_torch_compile_gives_the_eager_outputs_and_gradients():
    """A small EMLP under ``torch.compile``: Dynamo captures the graph of the port's ops and
    AOTAutograd derives its backward (``aot_eager``, 3 s). Inductor's code generation after
    that is torch's own and costs 25 s of C++ compilation on 2 cores, cold."""
    G = SO(3)
    model = P.EMLP(Scalar + V, V**2, G, ch=24, num_layers=1, generator=seeded(0))
    x = torch.randn(6, 4)
    compiled = torch.compile(model, backend="aot_eager", fullgraph=True)
    y = compiled(x)
    y.square().sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    y_eager = model(x)
    y_eager.square().sum().backward()
    assert rel_diff(y.detach().numpy(), y_eager.detach().numpy()) < TOL
    for g, p in zip(grads, model.parameters(), strict=True):
        assert rel_diff(g.numpy(), p.grad.numpy()) < 1e-4


def test_backend_moves_parameters_exactly():
    """Same seed, same start; imported parameters give bit-identical predictions."""
    G, rin, rout, x = small_emlp_case()
    y = np.random.default_rng(1).standard_normal((5, rout.size())).astype(np.float32)
    for kind in ("EMLP", "MLP"):
        backend = Backend(kind, rin, rout, G, 24, 2, None, seed=0)
        loss = backend.step(x, y, 3e-3)
        assert Backend(kind, rin, rout, G, 24, 2, None, seed=0).loss(x, y) == loss
        other = Backend(kind, rin, rout, G, 24, 2, None, seed=1)
        other.import_params(backend.export_params())
        assert np.array_equal(other.predict(x), backend.predict(x))


class TestBadInput:
    def test_wrong_size_of_one_example_names_the_rep(self):
        with pytest.raises(ValueError, match=r"V² \(last dimension 9\)"):
            P.EMLP(V**2, V, SO(3), ch=16, num_layers=1)(torch.ones(4))

    def test_arrays_that_are_not_tensors(self):
        with pytest.raises(TypeError, match="torch tensor, got ndarray"):
            P.Linear(V(SO(3)), V(SO(3)))(np.ones((2, 3), np.float32))


    def test_not_an_emlp_model(self):
        with pytest.raises(TypeError, match="PyTorch model"):
            P.export_params(torch.nn.Linear(2, 2))


def test_openmp_waits_passively_beside_jax():
    """Imported before torch, the front makes OpenMP wait passively (spinning OpenMP threads
    and XLA's pool starve each other), unless the user chose a policy."""
    import os
    import subprocess
    import sys

    code = "import emlp_sym.nn.pytorch, os; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["PASSIVE"]
    # the rule itself, without a second process: a user's choice, or torch loaded, wins
    from emlp_sym.nn.pytorch._layers import prefer_passive_openmp

    chosen, fresh = {"OMP_WAIT_POLICY": "ACTIVE"}, {}
    prefer_passive_openmp(chosen, modules={})
    prefer_passive_openmp(fresh, modules={"torch": torch})
    assert chosen == {"OMP_WAIT_POLICY": "ACTIVE"} and fresh == {}
