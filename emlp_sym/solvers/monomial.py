"""Fixed space of one canonical monomial: pick the fastest correct method.

1. Every discrete generator acts as a signed permutation and there is no Lie algebra
   (S, Z, Rot90, Cube, ..., tensors of them): orbit basis, no matrix at all.
2. Signed-permutation generators with a Lie algebra (O(n)): orbits first, then the Lie
   constraint on the (smaller) orbit subspace.
3. Otherwise: a dense eigensolve of the constraint Gram matrix for small sizes, a matrix-free
   Krylov solve in JAX for large ones.

Results are cached in memory per (group, monomial): a layer with hundreds of blocks of the
same type solves each type once.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import sympy
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.sdm import SDM

from emlp_sym.errors import ExactFormUnavailable, ResourceError, SolverError
from emlp_sym.groups.base import Group
from emlp_sym.reps.atoms import Monomial, monomial_size, monomial_str
from emlp_sym.solvers import cache, orbits
from emlp_sym.solvers.constraints import axis_matrices, generators, lie_and_discrete_terms
from emlp_sym.solvers.dense_nullspace import nullspace_dense
from emlp_sym.solvers.exact import rational_nullspace
from emlp_sym.solvers.gram import gram_operator
from emlp_sym.solvers.kronecker import kron_apply, kron_sum_apply
from emlp_sym.solvers.krylov import BlockLimitReached, KrylovOptions, nullspace_krylov
from emlp_sym.solvers.memory import check_allocation, format_bytes, memory_limit

DENSE_LIMIT = 1500  # largest (reduced) size solved by a dense eigendecomposition
EXACT_LIE_LIMIT = 2500  # largest reduced size for the exact rational nullspace (cubic cost)
SNAP_TOL = 1e-12  # entries below SNAP_TOL × their column's largest |entry| become exact zeros
RESIDUAL_TOL = 1e-6  # largest constraint residual, relative to the constraint's scale
DENSE_COPIES = 4  # r0 × r0 arrays alive in a dense Gram eigensolve (Gram, symmetrized, V, work)
KRYLOV_COPIES = 8  # n × block arrays alive in a Krylov solve (block, G·block, filter terms)

_numeric_cache: dict = {}
_exact_cache: dict = {}


def clear_caches():
    """Forget the bases solved in this process (numeric and exact); the disk cache stays.

    >>> clear_caches()
    """
    _numeric_cache.clear()
    _exact_cache.clear()


def _monomial_actions(disc_terms):
    """Each discrete generator as a signed permutation (perm, sign) of the monomial's
    coordinates, or None if one is not a signed permutation."""
    actions = []
    for mats in disc_terms:
        factors = [orbits.signed_permutation_from_matrix(M) for M in mats]
        if any(f is None for f in factors):
            return None
        actions.append(orbits.tensor_signed_permutation(factors))
    return actions


def numeric_basis(mono: Monomial, G: Group) -> np.ndarray:
    """Orthonormal basis (n_t × r_t) of the fixed space of ``mono`` under ``G``.

    A monomial is a term of a bound rep's canonical form; the result is cached per
    ``(G, mono)``, in memory and on disk.

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> (mono, multiplicity), = (V**2)(SO(3)).canonical.terms
    >>> abs(numeric_basis(mono, SO(3))).ravel().round(3)  # ±identity, normalized
    array([0.577, 0.   , 0.   , 0.   , 0.577, 0.   , 0.   , 0.   , 0.577])
    """
    key = (G, mono)
    Q = _numeric_cache.get(key)
    if Q is None:
        disk_key = cache.cache_key(mono, G)
        Q = cache.load(disk_key, monomial_size(mono), lambda Q: _is_valid(Q, mono, G))
        if Q is None:
            Q = snap_zeros(_solve_numeric(mono, G))
            check_basis(Q, mono, G)  # raises SolverError: never return (or store) a wrong basis
            cache.store(disk_key, Q)
        else:
            Q = snap_zeros(Q)
        Q.setflags(write=False)
        _numeric_cache[key] = Q
    return Q


def snap_zeros(Q: np.ndarray, tol: float = SNAP_TOL) -> np.ndarray:
    """Set entries with ``|Q[i, j]| <= tol · max_i |Q[i, j]|`` to exact zero (rounding noise
    such as 1e-17 where the exact basis has 0); returns a new array.

    >>> import numpy as np
    >>> snap_zeros(np.array([[1.0, 1e-20], [1e-17, 1e-20]]))
    array([[1.e+00, 1.e-20],
           [0.e+00, 1.e-20]])
    """
    Q = np.array(Q)
    if Q.size:
        A = np.abs(Q)
        Q[A <= tol * A.max(axis=0, keepdims=True)] = 0
    return Q


def check_basis(Q, mono, G, tol: float = RESIDUAL_TOL) -> None:
    """Raise :class:`SolverError` unless Q (n × r) has unit columns and satisfies every
    constraint of ``G`` on ``mono`` (Lie algebra ``L Q = 0``, discrete generators ``g Q = Q``)
    up to ``tol`` relative to the constraint's scale (the sum of the per-axis norms).

    >>> import numpy as np
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> check_basis(np.eye(9)[:, :1], mono, SO(3))  # e_1 ⊗ e_1 is not rotation invariant
    Traceback (most recent call last):
    ...
    emlp_sym.errors.SolverError: numeric basis of V² of SO(3): Lie constraint residual 1 \
exceeds 1e-06 × scale 2; the basis is wrong
    """
    Q = np.asarray(Q)
    n = monomial_size(mono)
    what = f"numeric basis of {monomial_str(mono)} of {G}"
    if Q.ndim != 2 or Q.shape[0] != n or not np.all(np.isfinite(Q)):
        raise SolverError(f"{what}: not a finite {n} × r array (shape {Q.shape})")
    if Q.shape[1] == 0 or not mono:
        return
    norms = np.linalg.norm(Q, axis=0)
    if np.abs(norms - 1).max() > tol:
        raise SolverError(f"{what}: columns are not unit vectors (|‖q‖ − 1| up to "
                          f"{np.abs(norms - 1).max():.3g})")
    lie_terms, disc_terms = lie_and_discrete_terms(mono, G)
    for kind, terms in (("Lie", lie_terms), ("discrete", disc_terms)):
        for mats in terms:
            scale = sum(float(np.abs(np.asarray(M)).sum(axis=1).max()) for M in mats)
            if kind == "Lie":
                res = kron_sum_apply(mats, Q)
            else:
                res = kron_apply(mats, Q) - Q
                scale = 1.0 + np.prod([float(np.abs(np.asarray(M)).sum(axis=1).max())
                                       for M in mats])
            worst = float(np.abs(np.asarray(res)).max(initial=0))
            if not worst <= tol * max(scale, 1.0):
                raise SolverError(f"{what}: {kind} constraint residual {worst:.3g} exceeds "
                                  f"{tol:g} × scale {scale:.3g}; the basis is wrong")


def _is_valid(Q, mono, G, tol=1e-8) -> bool:
    """Does Q (from disk) still satisfy every constraint and have orthonormal columns?"""
    if not np.allclose(Q.conj().T @ Q, np.eye(Q.shape[1]), atol=tol):
        return False
    lie_terms, disc_terms = lie_and_discrete_terms(mono, G)
    for mats in lie_terms:
        if np.abs(kron_sum_apply(mats, Q)).max(initial=0) > tol:
            return False
    for mats in disc_terms:
        if np.abs(kron_apply(mats, Q) - Q).max(initial=0) > tol:
            return False
    return True


def _solve_numeric(mono, G):
    n = monomial_size(mono)
    if not mono:
        return np.ones((1, 1))
    lie_terms, disc_terms = lie_and_discrete_terms(mono, G)
    complex_ = any(np.iscomplexobj(M) for t in lie_terms + disc_terms for M in t)
    dtype = np.complex128 if complex_ else np.float64
    actions = _monomial_actions(disc_terms)
    if actions is not None:
        ob = orbits.orbit_basis(n, actions)
        if not lie_terms or ob.r <= DENSE_LIMIT:  # else Q0 would be unused: don't form it
            check_allocation(n * ob.r * 8, f"the dense {n} × {ob.r} orbit basis",
                             monomial_str(mono), "use a smaller rep, or a higher "
                             "EMLP_SYM_MEMORY_LIMIT (bytes, or like '8G')", size=n)
            Q0 = ob.to_dense(normalize=True)
            if not lie_terms or ob.r == 0:
                return Q0.astype(dtype)
            return Q0 @ _reduced_dense(lie_terms, [], Q0, dtype)
        # too big to reduce densely: solve on the full space, below
    elif n <= DENSE_LIMIT:
        check_allocation(n * n * np.dtype(dtype).itemsize, "the identity", monomial_str(mono),
                         size=n)
        return _reduced_dense(lie_terms, disc_terms, np.eye(n, dtype=dtype), dtype)
    # The block needs ~1.1 r + 8 columns and r is not known yet: guard a guess of
    # max(block, sqrt n) columns up front, and cap the block's growth by the memory limit.
    per_column = KRYLOV_COPIES * n * np.dtype(dtype).itemsize
    k_guess = max(KrylovOptions.block, math.isqrt(n))
    advice = "use a smaller rep, or a higher EMLP_SYM_MEMORY_LIMIT (bytes, or like '8G')"
    check_allocation(per_column * k_guess, f"the Krylov block ({n} × {k_guess} or more)",
                     monomial_str(mono), advice, size=n)
    max_block = min(n, max(KrylovOptions.block, memory_limit() // per_column))
    gram = gram_operator(lie_terms, disc_terms)
    try:
        return np.asarray(nullspace_krylov(gram, n, dtype, max_block=max_block))
    except SolverError as e:
        if isinstance(e, BlockLimitReached) and max_block < n:  # outgrew the memory's block
            raise ResourceError(
                f"the Krylov block for {monomial_str(mono)} (size {n}) needs more than "
                f"{max_block} columns, about {format_bytes(2 * max_block * per_column)}, over "
                f"the memory limit of {format_bytes(memory_limit())}; {advice}") from e
        raise SolverError(f"no converged basis for {monomial_str(mono)} of {G}: {e}") from e


def _reduced_dense(lie_terms, disc_terms, Q0, dtype):
    """Null space of the constraints restricted to span(Q0), by a dense Gram eigensolve.

    The constraints are sparse Kronecker sums/products, so the Gram matrix is formed with
    sparse products (cheap) and only the final r0 × r0 matrix is dense.
    """
    r0 = Q0.shape[1]
    check_allocation(DENSE_COPIES * r0 * r0 * np.dtype(dtype).itemsize,
                     f"the dense {r0} × {r0} Gram eigensolve", "the reduced constraint",
                     size=Q0.shape[0])
    Q0 = sp.csr_matrix(Q0)
    gram = sp.csr_matrix((Q0.shape[1], Q0.shape[1]), dtype=dtype)
    for mats, kind in [(m, "sum") for m in lie_terms] + [(m, "product") for m in disc_terms]:
        Y = sparse_constraint(mats, kind) @ Q0
        gram = gram + (Y.conj().T @ Y)
    return np.asarray(nullspace_dense(gram.toarray()))


def sparse_constraint(mats, kind: str):
    """The constraint as a scipy sparse matrix: Kronecker sum (``kind="sum"``) or Kronecker
    product minus the identity (``kind="product"``) of small per-axis matrices.

    >>> import numpy as np
    >>> A = np.array([[0.0, -1.0], [1.0, 0.0]])
    >>> np.allclose(sparse_constraint([A, A], "sum").toarray(),
    ...             np.kron(A, np.eye(2)) + np.kron(np.eye(2), A))
    True
    """
    mats = [sp.csr_matrix(M) for M in mats]
    sizes = [M.shape[0] for M in mats]
    n = int(np.prod(sizes))
    if kind == "sum":
        out = sp.csr_matrix((n, n), dtype=np.result_type(*[M.dtype for M in mats]))
        for i, M in enumerate(mats):
            if M.nnz == 0:
                continue
            left = sp.identity(int(np.prod(sizes[:i])), dtype=M.dtype, format="csr")
            right = sp.identity(int(np.prod(sizes[i + 1 :])), dtype=M.dtype, format="csr")
            out = out + sp.kron(sp.kron(left, M, "csr"), right, "csr")
        return out
    out = sp.identity(1, dtype=mats[0].dtype, format="csr")
    for M in mats:
        out = sp.kron(out, M, "csr")
    return out - sp.identity(n, dtype=out.dtype, format="csr")


# ---------------------------------------------------------------------------------------------
def exact_basis(mono: Monomial, G: Group) -> DomainMatrix:
    """A rational basis (n_t × r_t) of the fixed space of ``mono``, as a sparse SymPy
    ``DomainMatrix`` over QQ (``.to_Matrix()`` gives a ``sympy.Matrix``).

    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> (mono, _), = (V**2)(SO(3)).canonical.terms
    >>> exact_basis(mono, SO(3)).to_Matrix().T
    Matrix([[1, 0, 0, 0, 1, 0, 0, 0, 1]])
    """
    key = (G, mono)
    B = _exact_cache.get(key)
    if B is None:
        B = _solve_exact(mono, G)
        _exact_cache[key] = B
    return B


def _orbit_domain_matrix(ob) -> DomainMatrix:
    """The unnormalized orbit basis (entries 0, ±1) as a sparse DomainMatrix."""
    rows: dict = {}
    for i in np.flatnonzero(ob.labels >= 0).tolist():
        rows[i] = {int(ob.labels[i]): QQ(int(ob.signs[i]))}
    return DomainMatrix.from_rep(SDM(rows, (ob.n, ob.r), QQ))


def _solve_exact(mono, G) -> DomainMatrix:
    if not mono:
        return DomainMatrix.from_rep(SDM({0: {0: QQ(1)}}, (1, 1), QQ))
    n = monomial_size(mono)
    gens = generators(G, exact=True)  # raises ExactFormUnavailable for irrational groups
    lie = [m for g in gens if g.lie and (m := axis_matrices(mono, G, g, exact=True)) is not None]
    disc = [m for g in gens if not g.lie and (m := axis_matrices(mono, G, g, exact=True))
            is not None]
    actions = _monomial_actions([[np.array(M, dtype=float) for M in mats] for mats in disc])
    if actions is not None:
        ob = orbits.orbit_basis(n, actions)
        B0 = _orbit_domain_matrix(ob)
        if not lie or ob.r == 0:
            return B0
        B0_int = ob.to_scipy_sparse(normalize=False)
        r0, rest = ob.r, []
    else:
        B0 = B0_int = None
        r0, rest = n, disc
    if r0 > EXACT_LIE_LIMIT:
        raise ExactFormUnavailable(
            f"{monomial_str(mono)} of {G} reduces to {r0} unknowns, beyond the exact solver's "
            f"limit of {EXACT_LIE_LIMIT}; use the numeric equivariant_basis()"
        )
    blocks = [_integer_kron(mats, kind="sum") for mats in lie]
    blocks += [_integer_kron(mats, kind="product_minus_identity") for mats in rest]
    A = sp.vstack(blocks).tocsr()
    if B0_int is not None:
        A = (A @ B0_int.astype(np.int64)).tocsr()
    N = DomainMatrix.from_Matrix(rational_nullspace(A)).convert_to(QQ).to_sparse()
    return N if B0 is None else B0 * N


def _lcm_denominator(mats):
    den = 1
    for M in mats:
        for x in M:
            den = sympy.ilcm(den, sympy.Rational(x).q)
    return int(den)


def _integer_kron(mats, kind):
    """An integer sparse matrix with the same null space as the exact constraint."""
    if kind == "sum":  # one common scale for every axis of a Kronecker sum
        L = _lcm_denominator(mats)
        return sparse_constraint([_as_int(L * M) for M in mats], "sum")
    scales = [_lcm_denominator([M]) for M in mats]  # ⊗(L_i M_i) - (Π L_i) I
    prod = sparse_constraint([_as_int(L * M) for L, M in zip(scales, mats, strict=True)],
                             "product")
    n = prod.shape[0]
    return prod + (1 - int(np.prod(scales))) * sp.identity(n, dtype=np.int64, format="csr")


def _as_int(M) -> np.ndarray:
    return np.array(M.tolist(), dtype=np.int64)
