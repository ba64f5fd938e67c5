"""Hidden-layer representations: ``uniform_rep``, ``gated`` and ``gate_indices``.

Pure functions of representations (no arrays of parameters): they decide how the channels of
a hidden layer are split among tensor ranks, and where each gate scalar goes.
"""

from __future__ import annotations

import math

import numpy as np

from emlp_sym.groups.base import Group
from emlp_sym.reps import Scalar, T
from emlp_sym.reps.atoms import is_permutation_type, monomial_size
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.expr import Rep, SumRep


def _max_rank(ch: int, d: int) -> int:
    """Largest rank r with (r+1)·d^r ≤ ch: the highest tensor rank that still fits."""
    r = 0
    while (r + 2) * d ** (r + 1) <= ch:
        r += 1
    return r


def _binomial_allocation(N: int, rank: int, G: Group) -> Rep:
    """N tensors of total rank ``rank`` split between T(k, rank-k) like binomial(rank, 1/2).

    The reference library draws the leftover split at random; we round deterministically
    (largest remainder), so a model's architecture never depends on a global RNG.
    """
    if N == 0:
        return 0
    weights = np.array([math.comb(rank, k) for k in range(rank + 1)], dtype=float)
    exact = N * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - counts), kind="stable")[: N - counts.sum()]:
        counts[k] += 1
    return sum(int(c) * T(k, rank - k, G) for k, c in enumerate(counts) if c)


def uniform_rep(ch: int, group: Group) -> Rep:
    """A hidden representation of about ``ch`` dimensions spread evenly over tensor ranks.

    ``uniform_rep(512, SO(3))`` is ``122V⁰+40V+12V²+3V³+V⁴``. The result is canonical (its
    layout needs no permutation).

    >>> from emlp_sym.groups import SO
    >>> print(uniform_rep(64, SO(3)))
    25V⁰+7V+2V²
    """
    if isinstance(ch, bool) or not isinstance(ch, (int, np.integer)) or ch < 1:
        raise ValueError(f"uniform_rep(ch, G) needs a positive integer ch, got {ch!r}")
    if not isinstance(group, Group):
        raise TypeError(f"uniform_rep(ch, G) needs a Group, got {group!r}")
    d = group.d
    counts = np.zeros(_max_rank(ch, d) + 1, dtype=int)
    left = int(ch)
    while left > 0:
        r = _max_rank(left, d)
        counts[: r + 1] += [d ** (r - k) for k in range(r + 1)]
        left -= (r + 1) * d**r
    rep = sum(_binomial_allocation(int(n), r, group) for r, n in enumerate(counts))
    return rep.canonicalize()[0]


def _as_sum(rep: Rep) -> Rep:
    return require_bound(rep)


def _gated_copies(rep: Rep):
    """(term, copy) pairs that need a gate: non-scalar, non-permutation components."""
    out = []
    for t, m in rep.canonical.terms:
        if t and not is_permutation_type(t):
            out.extend([(t, k) for k in range(m)])
    return out


def gated(rep: Rep) -> Rep:
    """``rep`` plus one scalar gate per non-scalar, non-permutation component.

    The gates come last in the layout: ``[rep's coordinates..., gates...]``.

    >>> from emlp_sym.groups import SO, S
    >>> from emlp_sym.reps import V
    >>> print(gated(V(SO(3))), "|", gated(V(S(3))))  # S(3)'s V is a permutation rep: no gate
    V⁰+V | V
    """
    rep = _as_sum(rep)
    n_gates = len(_gated_copies(rep))
    return SumRep(rep, *([Scalar(rep.G)] * n_gates)) if n_gates else rep


def gate_indices(rep: Rep) -> np.ndarray:
    """For each coordinate of ``rep``, the index (in ``gated(rep)``) of the scalar gating it.

    Scalars and permutation-type components gate themselves (a Swish); every other
    component is gated by its own appended scalar.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> gate_indices((V + V**0)(SO(3)))
    array([4, 4, 4, 3])
    """
    rep = _as_sum(rep)
    C = rep.canonical
    n = rep.size()
    # canonical coordinate -> index of its gate in gated(rep); by default itself (user index)
    canonical_gate = np.argsort(C.perm)
    gates = {tk: n + i for i, tk in enumerate(_gated_copies(rep))}
    for t, m in C.terms:
        size = monomial_size(t)
        for k in range(m):
            if (t, k) in gates:
                s = C.starts[t] + k * size
                canonical_gate[s : s + size] = gates[(t, k)]
    return canonical_gate[C.perm]
