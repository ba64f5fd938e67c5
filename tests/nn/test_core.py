"""The framework-free layer core: imports, architecture, the pure model, parameters, keys."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from layer_cases import small_emlp_case

import emlp_sym.nn as enn
from emlp_sym.errors import RepError
from emlp_sym.groups import SO, O, S
from emlp_sym.nn.core.keys import as_key
from emlp_sym.nn.core.params import check_params, flatten_params, unflatten_params
from emlp_sym.reps import Scalar, V
from emlp_sym.testing import assert_equivariant

FRAMEWORK_MODULES = ("objax", "flax", "haiku", "equinox", "torch", "optax")


def _imported_after(code: str) -> set:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\n"
         f"print(' '.join(m for m in {FRAMEWORK_MODULES!r} if m in sys.modules))"],
        capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_core_imports_no_framework():
    code = ("import emlp_sym, emlp_sym.nn, emlp_sym.nn.core.linear, emlp_sym.nn.core.bilinear, "
            "emlp_sym.nn.core.gates, emlp_sym.nn.core.architecture, emlp_sym.nn.core.params\n"
            "from emlp_sym.groups import SO\nfrom emlp_sym.reps import V\n"
            "import emlp_sym.nn as enn\n"
            "plan = enn.emlp_plan(enn.emlp_architecture(V, V, SO(3), ch=16, num_layers=1))\n"
            "import jax.numpy as jnp\n"
            "enn.emlp_apply(plan, enn.init_emlp(plan, 0), jnp.ones((1, 3)))")
    assert _imported_after(code) == set()


def test_seed_names_load_the_objax_front_on_first_use():
    assert _imported_after("import emlp_sym\nemlp_sym.nn.EMLP") == {"objax"}


def test_a_missing_framework_names_its_extra():
    code = ("import sys\nsys.modules['flax'] = None\n"
            "try:\n    import emlp_sym.nn.flax\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert 'pip install "emlp_sym[flax]"' in out


def test_architecture_describes_blocks_and_readout():
    arch = enn.emlp_architecture(Scalar + V, V**2, SO(3), ch=[16, V + Scalar], num_layers=2)
    assert [(str(a), str(b)) for a, b in arch.blocks] == [("V⁰+V", "10V⁰+2V"),
                                                         ("10V⁰+2V", "V⁰+V")]
    assert str(arch.readout[0]) == "V⁰+V" and str(arch.readout[1]) == "V²"
    assert enn.emlp_architecture(V, V, SO(3), num_layers=0).readout == (V(SO(3)), V(SO(3)))
    mlp = enn.mlp_architecture(V, V**2, SO(3), ch=8, num_layers=2)
    assert mlp.layers == ((3, 8), (8, 8)) and mlp.readout == (8, 9)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(rep_in=V(S(3))), RepError, "S\\(3\\)"),
    (dict(group="SO(3)"), TypeError, "Group"),
    (dict(ch=2.5), TypeError, "ch must be"),
    (dict(num_layers=-1), ValueError, "num_layers"),
    (dict(rep_out=3), TypeError, "rep_out must be a representation"),
])
def test_architecture_rejects_bad_arguments(kwargs, error, match):
    args = dict(rep_in=V, rep_out=V, group=SO(3), ch=16, num_layers=1) | kwargs
    with pytest.raises(error, match=match):
        enn.emlp_architecture(**args)


@given(st.sampled_from([SO(3), O(3), S(4)]), st.integers(0, 2**16))
def test_the_core_model_is_equivariant(G, seed):
    rin, rout = (2 * Scalar + V + V**2)(G), (Scalar + V)(G)
    plan = enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch=24, num_layers=2))
    params = enn.init_emlp(plan, seed)
    assert_equivariant(lambda x: enn.emlp_apply(plan, params, x), rin, rout, G, seed=seed,
                       rtol=2e-5)


def test_the_core_model_trains_with_jax_grad_and_every_parameter_learns():
    G, rin, rout, x = small_emlp_case()
    plan = enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch=24, num_layers=2))
    params = enn.init_emlp(plan, 0)
    y = jnp.asarray(np.random.default_rng(1).standard_normal((len(x), rout.size())), jnp.float32)

    @jax.jit
    def step(params, x, y):
        loss, g = jax.value_and_grad(
            lambda p: ((enn.emlp_apply(plan, p, x) - y) ** 2).mean())(params)
        return loss, g, jax.tree.map(lambda p, g: p - 0.05 * g, params, g)

    loss0, grads, params = step(params, jnp.asarray(x), y)
    for path, g in flatten_params(jax.device_get(grads)).items():
        assert np.abs(g).max() > 0, f"no gradient reaches {path}"
    for _ in range(10):
        loss, _, params = step(params, jnp.asarray(x), y)
    assert loss < loss0


def test_init_is_a_function_of_the_key():
    G, rin, rout, _ = small_emlp_case()
    plan = enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch=24, num_layers=1))
    a, b, c = enn.init_emlp(plan, 3), enn.init_emlp(plan, jax.random.key(3)), enn.init_emlp(plan, 4)
    same = jax.tree.map(lambda u, v: bool((u == v).all()), a, b)
    assert all(jax.tree.leaves(same))
    assert not all(jax.tree.leaves(jax.tree.map(lambda u, v: bool((u == v).all()), a, c)))
    assert as_key(jax.random.PRNGKey(0)).dtype == jax.random.key(0).dtype
    with pytest.raises(TypeError, match="PRNG key"):
        as_key("0")


def test_params_save_and_load(tmp_path):
    G, rin, rout, _ = small_emlp_case()
    plan = enn.emlp_plan(enn.emlp_architecture(rin, rout, G, ch=24, num_layers=1))
    params = jax.device_get(enn.init_emlp(plan, 0))
    enn.save_params(tmp_path / "p.npz", params)
    loaded = enn.load_params(tmp_path / "p.npz")
    assert flatten_params(loaded).keys() == flatten_params(params).keys()
    for k, v in flatten_params(params).items():
        np.testing.assert_array_equal(flatten_params(loaded)[k], v)
    assert enn.num_params(params) == sum(v.size for v in flatten_params(params).values())
    assert unflatten_params(flatten_params(params)).keys() == params.keys()
    assert not list(tmp_path.glob(".p.npz*"))  # no temporary file left behind
    np.savez(tmp_path / "other.npz", w=np.ones(3))
    with pytest.raises(ValueError, match="not an emlp_sym parameter file"):
        enn.load_params(tmp_path / "other.npz")


def test_check_params_names_every_problem():
    want = {"readout": {"w": np.zeros(3), "b": np.zeros(2)}, "block0": {"w": np.zeros(1)}}
    got = {"readout": {"w": np.zeros(4), "c": np.zeros(2)}}
    with pytest.raises(ValueError) as e:
        check_params(want, got)
    msg = str(e.value)
    assert "missing readout/b" in msg and "missing block0/w" in msg
    assert "unexpected readout/c" in msg and "readout/w has shape (4,), expected (3,)" in msg
