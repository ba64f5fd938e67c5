"""What every equivariant layer between two reps shares: canonical type blocks, the gathers
between the user's layout and the canonical one, the bases of maps between two tensor types,
and cutting activations into blocks and joining them back.

A canonical rep is ``Σ_t m_t t`` with the ``m_t`` copies of type ``t`` contiguous
(:mod:`emlp_sym.reps`); :mod:`~emlp_sym.nn.core.linear` and :mod:`~emlp_sym.nn.core.bilinear`
build their plans on the :class:`LayerPlan` here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.errors import RepError, ShapeError
from emlp_sym.nn.core.layer_memory import check_layouts
from emlp_sym.nn.core.permute import permute_last
from emlp_sym.nn.core.plan_cache import on_clear
from emlp_sym.reps.atoms import monomial_size
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.expr import Rep, monomial_rep
from emlp_sym.solvers import equivariant_basis

__all__ = ["TypeBlock", "LayerPlan", "hom_basis", "type_blocks", "check_input", "split_blocks",
           "join_blocks"]


@dataclass(frozen=True)
class TypeBlock:
    """``m`` copies of one monomial type of size ``s``, starting at canonical ``start``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.linear import linear_plan
    >>> block = linear_plan(V(S(3)), (V**2)(S(3))).out_blocks[0]
    >>> block.start, block.m, block.s
    (0, 1, 9)
    """

    mono: tuple
    start: int
    m: int
    s: int


def _blocks(rep: Rep) -> tuple[TypeBlock, ...]:
    C = rep.canonical
    return tuple(TypeBlock(t, C.starts[t], m, monomial_size(t)) for t, m in C.terms)


def _gather(rep: Rep, to_canonical: bool):
    """Indices turning a user-layout vector into canonical layout (or back); None if identity."""
    C = rep.canonical
    if C.is_identity:
        return None
    return np.argsort(C.perm) if to_canonical else np.asarray(C.perm)


def _real(Q: np.ndarray, what: str) -> np.ndarray:
    if np.iscomplexobj(Q):
        if np.abs(Q.imag).max() > 1e-9:
            raise RepError(f"{what} has a complex equivariant basis; EMLP layers are real-valued")
        Q = Q.real
    return Q


def hom_basis(a: tuple, b: tuple, G) -> np.ndarray:
    """Basis of equivariant maps from type ``a`` to type ``b``: shape ``(r, s_b, s_a)``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> rep = V(S(3))
    >>> hom_basis(rep.canonical.terms[0][0], rep.canonical.terms[0][0], S(3)).shape
    (2, 3, 3)
    """
    return _hom_basis(a, b, G)


@on_clear
@cache
def _hom_basis(a, b, G):
    rep = monomial_rep(a, G) >> monomial_rep(b, G)
    if rep.G is None:
        rep = rep(G)
    Q = _real(np.asarray(equivariant_basis(rep)), str(rep))
    sa, sb = monomial_size(a), monomial_size(b)
    return np.ascontiguousarray(Q.T.reshape(-1, sb, sa))


def _check_bound(rep, name):
    require_bound(rep, name)


def type_blocks(rep_in: Rep, rep_out: Rep):
    """Validate a layer's reps; return their group and canonical type blocks.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> group, in_blocks, out_blocks = type_blocks(V(S(3)), V(S(3)))
    >>> print(group, len(in_blocks), len(out_blocks))
    S(3) 1 1
    """
    _check_bound(rep_in, "rep_in")
    _check_bound(rep_out, "rep_out")
    if rep_in.G != rep_out.G:
        raise RepError(f"rep_in is a rep of {rep_in.G} but rep_out of {rep_out.G}")
    check_layouts(rep_in, rep_out)  # ResourceError before an n-sized layout is built
    return rep_in.G, _blocks(rep_in), _blocks(rep_out)




@dataclass(frozen=True, eq=False)
class LayerPlan:
    """What every layer between two reps knows: the reps, their canonical type blocks, and
    the gathers between user and canonical layouts (None where the layout is canonical).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.linear import linear_plan
    >>> plan = linear_plan(V(S(3)), (2 * V)(S(3)))
    >>> isinstance(plan, LayerPlan), plan.out_gather is None
    (True, True)
    """

    rep_in: Rep
    rep_out: Rep
    in_blocks: tuple
    out_blocks: tuple
    in_gather: np.ndarray | None
    out_gather: np.ndarray | None




def jit_by_plan(fn):
    """``fn(plan, *arrays)`` jitted with its plan static. Called eagerly (one evaluation, a
    test loop, the seed's equivariance check), a layer is tens of small operations that JAX
    would otherwise compile one by one (seconds for each new shape); inside a caller's ``jit``
    it is inlined as any function is. Plans hash by identity (``eq=False``): a cheap key."""
    return jax.jit(fn, static_argnums=0)


def check_input(x, rep: Rep, layer: str):
    """``x``, or :class:`~emlp_sym.errors.ShapeError` unless its last axis is ``rep.size()``.

    >>> import numpy as np
    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> check_input(np.ones((2, 4)), V(S(3)), "Linear")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ShapeError: Linear expects inputs of rep V (last dimension 3), got shape (2, 4)
    """
    if x.ndim < 1 or x.shape[-1] != rep.size():
        raise ShapeError(
            f"{layer} expects inputs of rep {rep} (last dimension {rep.size()}), "
            f"got shape {tuple(x.shape)}"
        )
    return x


def split_blocks(plan: LayerPlan, x):
    """``x`` of shape ``(..., n_in)`` in canonical layout, cut into one ``(N, m·s)`` array per
    input type block; also returns ``N``, the number of examples.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.linear import linear_plan
    >>> plan = linear_plan((V + V**2)(S(3)), V(S(3)))
    >>> N, pieces = split_blocks(plan, jnp.ones((5, 12)))
    >>> [p.shape for p in pieces], N
    ([(5, 3), (5, 9)], 5)
    """
    N = math.prod(x.shape[:-1])  # not reshape(-1, ...): inputs of size 0 are allowed
    xc = permute_last(x, plan.in_gather).reshape(N, x.shape[-1])
    # lax.split, not slices: its gradient is one concatenation, where XLA would pad every
    # slice's gradient to full width and add them up
    return N, jax.lax.split(xc, [blk.m * blk.s for blk in plan.in_blocks], axis=1)


def join_blocks(plan: LayerPlan, pieces, N: int, dtype):
    """The outputs' counterpart: ``pieces[j]`` (``(N, m·s)``, or None for zeros) per output
    block, concatenated in canonical layout, ``(N, n_out)``.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.nn.core.linear import linear_plan
    >>> from emlp_sym.reps import V
    >>> plan = linear_plan(V(S(3)), V(S(3)))
    >>> join_blocks(plan, [None], 2, jnp.float32).shape
    (2, 3)
    """
    return _concat([v if v is not None else jnp.zeros((N, bo.m * bo.s), dtype)
                    for v, bo in zip(pieces, plan.out_blocks, strict=True)], 1, (N, 0), dtype)




def _concat(arrays, axis, empty_shape=None, dtype=None):
    if not arrays:
        return jnp.zeros(empty_shape, dtype)
    return arrays[0] if len(arrays) == 1 else jnp.concatenate(arrays, axis=axis)
