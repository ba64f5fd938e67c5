"""The diagram-basis Linear of S(n): both paths give one map, it is equivariant at n = 1000
(checked by permuting axes, never with a dense ρ), and its parameters do not depend on n."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlp_sym.errors import RepError
from emlp_sym.groups import SO, S
from emlp_sym.nn.core.diagram_linear import (
    diagram_linear_apply,
    diagram_linear_plan,
    init_diagram_linear,
)
from emlp_sym.reps import V


def _rep(mults, n):
    """``Σ_k mults[k]·V^k`` of S(n), or None when empty."""
    rep = None
    for k, m in enumerate(mults):
        if m:
            term = m * V**k
            rep = term if rep is None else rep + term
    return rep(S(n))


# each example compiles new shapes: few examples, each covering every pair of orders ≤ 2
@settings(max_examples=6, deadline=None)
@given(ins=st.lists(st.integers(0, 2), min_size=3, max_size=3).filter(any),
       outs=st.lists(st.integers(0, 2), min_size=3, max_size=3).filter(any),
       n=st.integers(1, 5), normalise=st.sampled_from(["sum", "mean"]), seed=st.integers(0, 99))
def test_diagram_path_equals_dense_path(ins, outs, n, normalise, seed):
    rep_in, rep_out = _rep(ins, n), _rep(outs, n)
    fast = diagram_linear_plan(rep_in, rep_out, normalise, path="diagrams")
    dense = diagram_linear_plan(rep_in, rep_out, normalise, path="dense")
    w, b = init_diagram_linear(fast, seed)
    x = jnp.asarray(np.random.default_rng(seed).normal(size=(3, rep_in.size())), jnp.float32)
    np.testing.assert_allclose(diagram_linear_apply(fast, w, b, x),
                               diagram_linear_apply(dense, w, b, x), rtol=1e-5, atol=1e-5)


def _permute(x, perm, mults, n):
    """ρ(g)x for the permutation ``perm`` on a user-layout vector of Σ m_k V^k (canonical
    here: the types in order of k), by indexing every tensor axis."""
    pieces, start = [], 0
    for k, m in enumerate(mults):
        if not m:
            continue
        size = m * n**k
        block = x[..., start:start + size].reshape(x.shape[:-1] + (m,) + (n,) * k)
        for axis in range(k):
            block = jnp.take(block, np.argsort(perm), axis=x.ndim + axis)
        pieces.append(block.reshape(x.shape[:-1] + (size,)))
        start += size
    return jnp.concatenate(pieces, axis=-1)


def test_equivariant_at_n_1000():
    n, mults_in, mults_out = 1000, [1, 1, 1], [1, 1, 1]
    rep_in, rep_out = _rep(mults_in, n), _rep(mults_out, n)
    plan = diagram_linear_plan(rep_in, rep_out)
    # every block between tensors goes through diagrams; to or from scalars the dense block
    # is a matrix-vector product of the data's size, and the cost rule may keep it
    assert all(t.path == "diagrams" for t in plan.weight_terms
               if t.diagrams[0].k and t.diagrams[0].l)
    w, b = init_diagram_linear(plan, 0)
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(2, rep_in.size())), jnp.float32)
    perm = rng.permutation(n)
    gy = _permute(diagram_linear_apply(plan, w, b, x), perm, mults_out, n)
    yg = diagram_linear_apply(plan, w, b, _permute(x, perm, mults_in, n))
    np.testing.assert_allclose(gy, yg, rtol=1e-4, atol=1e-4)


def test_parameters_do_not_depend_on_n_and_means_transfer():
    """The same coefficients at n = 10 and n = 300; with mean pooling, a constant input gives
    the same output at both sizes."""
    small = diagram_linear_plan((2 * V**2 + V)(S(10)), (V**2 + 3 * V**0)(S(10)))
    large = diagram_linear_plan((2 * V**2 + V)(S(300)), (V**2 + 3 * V**0)(S(300)))
    assert (small.num_weights, small.num_biases) == (large.num_weights, large.num_biases)
    w, b = init_diagram_linear(small, 1)
    ones = [jnp.ones((1, p.rep_in.size())) for p in (small, large)]
    y_small, y_large = (diagram_linear_apply(p, w, b, x)
                        for p, x in zip((small, large), ones, strict=True))
    np.testing.assert_allclose(y_small[0, -3:], y_large[0, -3:], rtol=1e-5)  # the scalars


def test_reps_of_other_groups_are_refused():
    with pytest.raises(RepError, match="need reps of S"):
        diagram_linear_plan(V(SO(3)), V(SO(3)))
    with pytest.raises(ValueError, match="path must be"):
        diagram_linear_plan(V(S(3)), V(S(3)), path="fast")


POINT_CLOUD_CASES = [
    # (rep_in, rep_out) of S(n)×O(3): positions and masses in, vectors and a tensor out
    (lambda Vs, Vo: Vs * Vo + Vs, lambda Vs, Vo: Vs**0 * (Vo**2 + Vo)),
    (lambda Vs, Vo: Vs * Vo + 2 * Vs**0 * Vo**0, lambda Vs, Vo: Vs * Vo + Vs**2 + Vo),
]


@pytest.mark.parametrize("case", range(len(POINT_CLOUD_CASES)))
def test_point_clouds_of_s_n_times_o3_both_paths_and_equivariant(case):
    from emlp_sym.groups import O
    from emlp_sym.testing import assert_equivariant

    n = 4
    Vs, Vo = V(S(n)), V(O(3))
    make_in, make_out = POINT_CLOUD_CASES[case]
    rep_in, rep_out = make_in(Vs, Vo), make_out(Vs, Vo)
    G = rep_in.G
    assert rep_out.G == G, (rep_out, rep_out.G, G)
    fast = diagram_linear_plan(rep_in, rep_out, path="diagrams")
    dense = diagram_linear_plan(rep_in, rep_out, path="dense")
    w, b = init_diagram_linear(fast, case)
    x = jnp.asarray(np.random.default_rng(case).normal(size=(5, rep_in.size())), jnp.float32)
    np.testing.assert_allclose(diagram_linear_apply(fast, w, b, x),
                               diagram_linear_apply(dense, w, b, x), rtol=1e-5, atol=1e-5)
    assert_equivariant(lambda x: diagram_linear_apply(fast, w, b, x), rep_in, rep_out, G)


def test_point_cloud_parameters_do_not_depend_on_n():
    from emlp_sym.groups import O

    counts = set()
    for n in (5, 300):
        Vs, Vo = V(S(n)), V(O(3))
        plan = diagram_linear_plan(8 * Vs * Vo + 8 * Vs, (4 * Vo**2 + 2 * Vs * Vo)(S(n) * O(3)))
        counts.add((plan.num_weights, plan.num_biases))
    assert len(counts) == 1


def test_parameter_files_move_between_sizes_and_refuse_another_basis(tmp_path):
    from emlp_sym.errors import BasisMismatchError
    from emlp_sym.nn.core.diagram_models import (
        by_order,
        diagram_mlp_apply,
        diagram_mlp_bases,
        diagram_mlp_plan,
        init_diagram_mlp,
    )
    from emlp_sym.nn.core.params import load_params, save_params

    hidden = by_order({0: 4, 1: 2, 2: 2})
    small = diagram_mlp_plan(V**2, V**0, S(10), hidden, num_layers=1)
    large = diagram_mlp_plan(V**2, V**0, S(300), hidden, num_layers=1)
    params = init_diagram_mlp(small, 0)
    path = tmp_path / "graph.npz"
    save_params(path, params, bases=diagram_mlp_bases(small))
    loaded = load_params(path, bases=diagram_mlp_bases(large))
    x = jnp.ones((1, 300 * 300))
    np.testing.assert_allclose(diagram_mlp_apply(large, loaded, x),
                               diagram_mlp_apply(large, params, x), rtol=1e-6)
    summed = diagram_mlp_plan(V**2, V**0, S(300), hidden, num_layers=1, normalise="sum")
    with pytest.raises(BasisMismatchError, match="partition-diagrams/mean, but the model's"):
        load_params(path, bases=diagram_mlp_bases(summed))
