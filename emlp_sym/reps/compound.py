"""Direct sums and tensor products of representations, the two inner nodes of a rep tree.

Coordinates: a :class:`SumRep` concatenates its summands' coordinates, so
``rho(g) = diag(rho_1(g), ..., rho_k(g))`` (block-diagonal) and the same for ``drho``. A
:class:`ProductRep` takes the Kronecker product of its factors' coordinates, first factor
outermost: ``rho(g) = rho_1(g) ⊗ ... ⊗ rho_k(g)`` and ``drho(A) = Σ_i I ⊗ .. ⊗ drho_i(A) ⊗
.. ⊗ I`` (a Kronecker sum). Nested sums and products are flattened. A node bound to a product
group hands each child the block of the element its own group reads
(:func:`~emlp_sym.groups.product.restrict_element`).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import sympy

from emlp_sym.errors import ArgumentTypeError
from emlp_sym.groups.base import Group
from emlp_sym.groups.product import product_group, restrict_element, sum_group
from emlp_sym.reps import canonical as canon
from emlp_sym.reps.expr import Rep, ScalarRep, _call_rho, _Node

__all__ = ["ProductRep", "SumRep"]


class SumRep(_Node):
    """Direct sum; coordinates are the summands' concatenated."""

    def __init__(self, *reps: Rep, G: Group | None = None):
        flat = []
        for r in reps:
            if not isinstance(r, Rep):
                raise ArgumentTypeError(f"SumRep takes representations, got {r!r}")
            flat.extend(r.reps if isinstance(r, SumRep) else [r])
        self.reps = tuple(flat)
        self.G = sum_group([G] + [r.G for r in flat])  # G: for the empty sum
        if self.G is not None:  # unbound scalars/leaves join the group of the others
            self.reps = tuple(r if r.G is not None else r(self.G) for r in self.reps)

    def __call__(self, G):
        return SumRep(*[r(G) for r in self.reps], G=G)

    def size(self):
        return sum(r.size() for r in self.reps)

    def _rho(self, g):
        if not self.reps:
            return jnp.zeros((0, 0), dtype=g.dtype)
        return jax.scipy.linalg.block_diag(
            *[_call_rho(r, restrict_element(g, self.G, r.G), False) for r in self.reps]
        )

    def _drho(self, A):
        if not self.reps:
            return jnp.zeros((0, 0), dtype=A.dtype)
        return jax.scipy.linalg.block_diag(
            *[_call_rho(r, restrict_element(A, self.G, r.G), True) for r in self.reps]
        )

    @property
    def T(self):
        return SumRep(*[r.T for r in self.reps])

    def _canonical(self):
        return canon.direct_sum([r.canonical for r in self.reps])

    def _sympy_tree(self, qualify):
        return sympy.Add(*[r._sympy_tree(qualify) for r in self.reps])

    def _tree_str(self):
        if not self.reps:
            return "0"
        parts, i = [], 0
        while i < len(self.reps):  # run-length: 5*V prints 5V
            j = i
            while j < len(self.reps) and self.reps[j] == self.reps[i]:
                j += 1
            parts.append(f"{j - i if j - i > 1 else ''}{self.reps[i]}")
            i = j
        return "+".join(parts)

    def _key(self):
        return (SumRep, self.reps)


class ProductRep(_Node):
    """Tensor product; coordinates are the factors' Kronecker product (first outermost)."""

    def __init__(self, *reps: Rep):
        flat = []
        for r in reps:
            if not isinstance(r, Rep):
                raise ArgumentTypeError(f"ProductRep takes representations, got {r!r}")
            flat.extend(r.reps if isinstance(r, ProductRep) else [r])
        self.G = product_group([r.G for r in flat])
        # V⁰ is the unit of ⊗: drop it (T(2, 0) is V⊗V, not V⊗V⊗V⁰)
        kept = [r for r in flat if not isinstance(r, ScalarRep)]
        self.reps = tuple(kept) if kept else tuple(flat[:1])

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

    def _sympy_tree(self, qualify):
        return sympy.Mul(*[r._sympy_tree(qualify) for r in self.reps])

    def _tree_str(self):
        return "⊗".join(f"({r})" if isinstance(r, SumRep) else str(r) for r in self.reps)

    def _key(self):
        return (ProductRep, self.reps)
