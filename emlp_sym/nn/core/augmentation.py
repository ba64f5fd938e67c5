"""Group augmentation: symmetrize any model at training time by random group elements.

The reference library's ``GroupAugmentation(network, rep_in, rep_out, group)``: in training,
example ``k`` is moved by its own sampled element ``g_k`` and the output moved back,

    y_k = ρ_out(g_k)⁻¹ · network(ρ_in(g_k) x_k),

so a non-equivariant network (an MLP, say) is trained on the orbit of the data and, in
expectation, towards equivariance; at evaluation (``training=False``) it is the network
itself. :func:`augmented_apply` is the pure map for given elements; :func:`group_augmentation`
wraps a network as a callable that samples them; the objax front exposes the reference's
``GroupAugmentation`` module (``emlp_sym.nn.objax.GroupAugmentation``).

Elements are drawn with ``group.samples`` (NumPy), outside any trace: under ``jax.jit`` pass
fresh ``gs`` each step (a drawn constant would be baked into the compiled function).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.calling import call_with_training
from emlp_sym.errors import ArgumentTypeError, ShapeError
from emlp_sym.groups.base import Group
from emlp_sym.reps.expr import Rep

__all__ = ["augmented_apply", "group_augmentation", "bind_to_group"]


def bind_to_group(rep: Rep, group: Group) -> Rep:
    """``rep`` bound to ``group`` (a dataset's reps are unbound, as in the reference).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> print(bind_to_group(V**2, S(3)).G)
    S(3)
    """
    if not isinstance(rep, Rep):
        raise ArgumentTypeError(f"expected a representation, got {rep!r}")
    return rep(group) if rep.G is None else rep


def augmented_apply(network, rep_in: Rep, rep_out: Rep, x, gs, training: bool = True):
    """``ρ_out(g_k)⁻¹ network(ρ_in(g_k) x_k)`` for each example ``k``.

    Args:
        network: a callable on batches ``(N, n_in) -> (N, n_out)``; ``training=`` is passed
            when it accepts it.
        rep_in, rep_out: bound representations.
        x: inputs ``(N, n_in)``.
        gs: one group element per example, ``(N, d, d)``.
        training: passed on to the network.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> rep = V(SO(2))
    >>> gs = SO(2).samples(2, seed=0)
    >>> x = jnp.array([[1.0, 0.0], [0.0, 2.0]])
    >>> bool(jnp.allclose(augmented_apply(lambda x: 3 * x, rep, rep, x, gs), 3 * x, atol=1e-5))
    True
    """
    x = jnp.asarray(x)
    if x.ndim != 2 or x.shape[1] != rep_in.size():
        raise ShapeError(f"augmented_apply expects inputs (N, {rep_in.size()}), got {x.shape}")
    gs = jnp.asarray(gs)
    if gs.ndim != 3 or gs.shape[0] != x.shape[0]:
        raise ShapeError(
            f"augmented_apply needs one group element per example: {x.shape[0]} examples, "
            f"elements of shape {gs.shape}"
        )
    rho_in = jax.vmap(rep_in.rho_dense)(gs).astype(x.dtype)
    rho_out = jax.vmap(rep_out.rho_dense)(gs)
    moved = jnp.einsum("nij,nj->ni", rho_in, x)
    y = call_with_training(network, moved, training=training)
    # ρ_out(g)⁻¹ y as a solve: no explicit inverse for non-orthogonal groups (boosts)
    back = jnp.linalg.solve(rho_out.astype(y.dtype), y[..., None])[..., 0]
    return back


def group_augmentation(network, rep_in: Rep, rep_out: Rep, group: Group):
    """Wrap ``network`` as ``augmented(x, training=True, *, gs=None, seed=None)``.

    In training, ``gs`` defaults to ``group.samples(len(x), seed)`` (``seed=None``: NumPy's
    global generator, as the reference); with ``training=False`` the network runs unchanged.

    >>> import jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import Scalar, V
    >>> norm_sq = group_augmentation(lambda x: (x**2).sum(1, keepdims=True), V, Scalar, SO(3))
    >>> norm_sq(jnp.ones((2, 3)), seed=0).round(4).tolist()
    [[3.0], [3.0]]
    """
    if not isinstance(group, Group):
        raise ArgumentTypeError(f"group_augmentation needs a Group, got {group!r}")
    rep_in, rep_out = bind_to_group(rep_in, group), bind_to_group(rep_out, group)

    def augmented(x, training: bool = True, *, gs=None, seed: int | None = None):
        if not training:
            return call_with_training(network, x, training=False)
        if gs is None:
            gs = group.samples(int(np.shape(x)[0]), seed=seed)
        return augmented_apply(network, rep_in, rep_out, x, gs, training=True)

    augmented.rep_in, augmented.rep_out, augmented.group = rep_in, rep_out, group
    augmented.network = network
    return augmented
