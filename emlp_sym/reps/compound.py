"""Direct sums and tensor products of representations, the two inner nodes of a rep tree.

Coordinates: a :class:`SumRep` concatenates its summands' coordinates, so
``rho(g) = diag(rho_1(g), ..., rho_k(g))`` (block-diagonal) and the same for ``drho``. A
:class:`ProductRep` takes the Kronecker product of its factors' coordinates, first factor
outermost: ``rho(g) = rho_1(g) ⊗ ... ⊗ rho_k(g)`` and ``drho(A) = Σ_i I ⊗ .. ⊗ drho_i(A) ⊗
.. ⊗ I`` (a Kronecker sum). Nested sums and products are flattened; a sum stores its
summands run-length encoded (``n * rep`` is one run of count n). A node bound to a product
group hands each child the block of the element its own group reads
(:func:`~emlp_sym.groups.product.restrict_element`).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import sympy

from emlp_sym.errors import ArgumentTypeError, RepError
from emlp_sym.groups.base import Group
from emlp_sym.groups.product import product_group, restrict_element, sum_group
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.base import Rep
from emlp_sym.reps.checks import count_arg
from emlp_sym.reps.node import ScalarRep, _call_rho, _Node

__all__ = ["ProductRep", "SumRep"]

EXPAND_LIMIT = 4096  # n · (runs of a sum) up to which n * (a + b) is stored as a + b + a + b ...


class SumRep(_Node):
    """Direct sum; coordinates are the summands' concatenated.

    Summands are stored run-length encoded, ``reps[i]`` repeated ``counts[i]`` times, so a
    multiplicity stays an integer: ``9999999999 * V`` costs nothing until it is bound and
    used (the solvers then refuse it up front, by its size).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> rep = SumRep(V, Scalar, counts=[2, 3], G=SO(3))
    >>> print(rep)
    3V⁰+2V
    >>> rep.size()
    9
    """

    reps: tuple[Rep, ...]  # the runs' reps ...
    counts: tuple[int, ...]  # ... and how many times each is repeated

    def __init__(self, *reps: Rep, G: Group | None = None, counts=None):
        counts = [1] * len(reps) if counts is None else [count_arg(n, "a count") for n in counts]
        if len(counts) != len(reps):
            raise RepError(f"SumRep: {len(reps)} summands but {len(counts)} counts")
        flat: list[tuple[Rep, int]] = []
        for r, n in zip(reps, counts, strict=True):
            if not isinstance(r, Rep):
                raise ArgumentTypeError(f"SumRep takes representations, got {r!r}")
            if n == 0:
                continue
            if not isinstance(r, SumRep):
                flat.append((r, n))
            elif len(r.reps) <= 1:
                flat.extend((child, n * c) for child, c in zip(r.reps, r.counts, strict=True))
            elif n * len(r.reps) <= EXPAND_LIMIT:  # the layout repeats: spell it out
                flat.extend(list(zip(r.reps, r.counts, strict=True)) * n)
            else:  # too many runs to spell out: the sum is kept whole, repeated n times
                flat.append((r, n))
        self.G = sum_group([G] + [r.G for r, _ in flat])  # G: for the empty sum
        if self.G is not None:  # unbound scalars/leaves join the group of the others
            flat = [(r if r.G is not None else r(self.G), n) for r, n in flat]
        merged: list[list] = []  # equal neighbours merge: V + V is stored as 2·V
        for r, n in flat:
            if merged and merged[-1][0] == r:
                merged[-1][1] += n
            else:
                merged.append([r, n])
        self.reps = tuple(r for r, _ in merged)
        self.counts = tuple(n for _, n in merged)

    def __call__(self, G):
        return SumRep(*[r(G) for r in self.reps], G=G, counts=self.counts)

    def size(self):
        return sum(n * r.size() for r, n in zip(self.reps, self.counts, strict=True))

    def _blocks(self, x, lie: bool):
        if not self.reps:
            return jnp.zeros((0, 0), dtype=x.dtype)
        blocks = []
        for r, n in zip(self.reps, self.counts, strict=True):
            M = _call_rho(r, restrict_element(x, self.G, r.G), lie)
            blocks.append(M if n == 1 else jnp.kron(jnp.eye(n, dtype=M.dtype), M))
        return jax.scipy.linalg.block_diag(*blocks)

    def _rho(self, g):
        return self._blocks(g, lie=False)

    def _drho(self, A):
        return self._blocks(A, lie=True)

    @property
    def T(self):
        return SumRep(*[r.T for r in self.reps], G=self.G, counts=self.counts)

    def _canonical(self):
        return canon.direct_sum([r.canonical for r in self.reps], self.counts)

    def _terms(self):
        return canon.sum_terms([r.canonical_terms for r in self.reps], self.counts)

    def _sympy_tree(self, qualify):
        runs = zip(self.reps, self.counts, strict=True)
        return sympy.Add(*[n * r._sympy_tree(qualify) for r, n in runs])

    def _tree_str(self):
        if not self.reps:
            return "0"
        return "+".join(
            f"{n}({r})" if n > 1 and isinstance(r, SumRep) else f"{n if n > 1 else ''}{r}"
            for r, n in zip(self.reps, self.counts, strict=True)
        )

    def _key(self):
        return (SumRep, self.reps, self.counts)


class ProductRep(_Node):
    """Tensor product; coordinates are the factors' Kronecker product (first outermost).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> rep = V(SO(3)) * V(SO(3))
    >>> print(rep)
    V²
    >>> type(rep).__name__, rep.size()
    ('ProductRep', 9)
    """

    reps: tuple[Rep, ...]  # the factors, flattened, without scalars

    def __init__(self, *reps: Rep):
        flat: list[Rep] = []
        for r in reps:
            if not isinstance(r, Rep):
                raise ArgumentTypeError(f"ProductRep takes representations, got {r!r}")
            flat.extend(r.reps if isinstance(r, ProductRep) else [r])
        # the inputs' groups, not the flattened factors': a nested product keeps the group
        # its dropped scalars were bound to
        self.G = product_group([r.G for r in reps])
        if self.G is not None:  # unbound factors join the group of the others, as in sums
            flat = [r if r.G is not None else r(self.G) for r in flat]
        # V⁰ is the unit of ⊗: drop it (T(2, 0) is V⊗V, not V⊗V⊗V⁰)
        kept = [r for r in flat if not isinstance(r, ScalarRep)]
        self.reps = tuple(kept) if kept else (ScalarRep(self.G),)

    def __call__(self, G):
        return ProductRep(*[r(G) for r in self.reps])

    def size(self):
        return math.prod(r.size() for r in self.reps)  # Python ints: exact at any size

    def _rho(self, g):
        out = jnp.ones((1, 1), dtype=g.dtype)
        for r in self.reps:
            out = jnp.kron(out, _call_rho(r, restrict_element(g, self.G, r.G), False))
        return out

    def _drho(self, A):
        mats = [_call_rho(r, restrict_element(A, self.G, r.G), True) for r in self.reps]
        sizes = [m.shape[0] for m in mats]
        n = int(np.prod(sizes))
        out = jnp.zeros((n, n), dtype=A.dtype)
        for i, M in enumerate(mats):  # Kronecker sum
            left, right = int(np.prod(sizes[:i])), int(np.prod(sizes[i + 1 :]))
            out = out + jnp.kron(jnp.kron(jnp.eye(left), M), jnp.eye(right))
        return out

    @property
    def T(self):
        return ProductRep(*[r.T for r in self.reps])

    def _canonical(self):
        out = canon.leaf(())
        for r in self.reps:
            out = canon.tensor_product(out, r.canonical)
        return out

    def _terms(self):
        out = (((), 1),)
        for r in self.reps:
            out = canon.product_terms(out, r.canonical_terms)
        return out

    def _sympy_tree(self, qualify):
        return sympy.Mul(*[r._sympy_tree(qualify) for r in self.reps])

    def _tree_str(self):
        return "⊗".join(f"({r})" if isinstance(r, SumRep) else str(r) for r in self.reps)

    def _key(self):
        return (ProductRep, self.reps)
