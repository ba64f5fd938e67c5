"""Equivariance checks for any function or model: ``f(rho_in(g) x) == rho_out(g) f(x)``."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.calling import call_with_training
from emlp_sym.errors import RepError, ShapeError
from emlp_sym.groups.elements import as_element, element_matrix, is_permutation_group
from emlp_sym.reps.action import act, sample_elements
from emlp_sym.reps.checks import require_bound
from emlp_sym.reps.lifting import can_lift, lift


def rms_rel_err(a, b) -> float:
    """``rms(a - b) / (rms(a) + rms(b))``, the seed's relative error (a root mean square; the
    reference's ``emlp.groups.rel_err`` is :func:`~emlp_sym.groups.metrics.mean_abs_rel_err`).

    >>> rms_rel_err([1.0, 2.0], [1.0, 2.0]), round(rms_rel_err([1.0, 0.0], [0.0, 1.0]), 3)
    (0.0, 0.707)
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    num = np.sqrt(np.mean((a - b) ** 2))
    den = np.sqrt(np.mean(a**2)) + np.sqrt(np.mean(b**2))
    return float(num / den) if den > 0 else float(num)


def rel_err(a, b) -> float:
    """Deprecated name of :func:`rms_rel_err`; it warns.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = rel_err([1.0, 0.0], [0.0, 1.0])
    >>> round(value, 3), caught[0].category.__name__
    (0.707, 'DeprecationWarning')
    """
    warnings.warn("emlp_sym.testing.rel_err is deprecated: use emlp_sym.testing.rms_rel_err "
                  "(the same root-mean-square relative error)", DeprecationWarning, stacklevel=2)
    return rms_rel_err(a, b)


def _call(f, x):
    return call_with_training(f, x, training=False)


def _elements(G, gs) -> list:
    """``gs`` as a list of ``G``'s elements in natural form (:mod:`emlp_sym.groups.elements`):
    a stack of dense matrices ``(N, n, n)`` (what ``G.samples`` gives), a stack of index arrays
    ``(N, d)`` of a permutation group, or a sequence of elements in any accepted form."""
    if isinstance(gs, (list, tuple)):
        return [as_element(G, g) for g in gs]
    arr = gs if hasattr(gs, "shape") else np.asarray(gs)
    if arr.ndim == 2 and is_permutation_group(G) and np.issubdtype(arr.dtype, np.integer):
        return [as_element(G, np.asarray(p)) for p in arr]
    if arr.ndim != 3:
        raise ShapeError(f"gs must be a stack of group elements of {G} (as G.samples(N) gives "
                         f"them, shape (N, {G.element_size}, {G.element_size})) or a list of "
                         f"elements, got shape {tuple(arr.shape)}")
    return [as_element(G, np.asarray(arr[k])) for k in range(arr.shape[0])]


def _show(g) -> str:
    if isinstance(g, tuple):
        return "(" + ",\n ".join(np.array2string(np.asarray(p), precision=4) for p in g) + ")"
    return np.array2string(np.asarray(g), precision=4)


def equivariance_error(f, rep_in, rep_out, x, gs) -> np.ndarray:
    """Relative error (:func:`rms_rel_err`) of ``f(rho_in(g) x)`` vs ``rho_out(g) f(x)`` for each
    element in ``gs``: how far a *function* is from equivariant. (For a matrix or a basis, see
    :func:`emlp_sym.reps.equivariance.matrix_equivariance_error`.)

    ``gs``: dense elements ``(N, n, n)`` (``G.samples(N)``), or a list of elements in natural
    form (:func:`~emlp_sym.reps.action.sample_elements`: index arrays for ``S(n)``). The
    representations act through :func:`~emlp_sym.reps.action.act`, never as dense ``rho``
    matrices, so a model of ``S(1000)`` on ``V²`` is checked in seconds.

    >>> import numpy as np
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> G = SO(3)
    >>> x = np.random.default_rng(0).standard_normal((4, 3))
    >>> errs = equivariance_error(lambda v: 2 * v, V(G), V(G), x, G.samples(2, seed=0))
    >>> errs.shape, bool(errs.max() < 1e-6)
    ((2,), True)
    """
    G = rep_in.G
    x = np.asarray(x)
    fx = np.asarray(_call(f, x))
    errs = []
    for g in _elements(G, gs):
        lhs = _call(f, act(rep_in, g, x, group=G))
        rhs = act(rep_out, g, fx, group=G)
        errs.append(rms_rel_err(lhs, rhs))
    return np.asarray(errs)


def paired_equivariance_error(f, rep_in, rep_out, x, gs) -> float:
    """The seed's test: one relative error of ``f(rho_in(g_k) x_k)`` vs ``rho_out(g_k) f(x)_k``
    over a batch, where example ``k`` is moved by its own element ``gs[k]``.

    Computed in NumPy float32 (inputs) from ``f``'s NumPy or JAX outputs, so ``f`` may be a
    framework's predict function on NumPy batches.

    >>> import numpy as np
    >>> from emlp_sym.reps import V, Scalar
    >>> from emlp_sym.groups import SO
    >>> G = SO(3)
    >>> x = np.random.default_rng(0).standard_normal((5, 3))
    >>> norm = lambda v: np.linalg.norm(v, axis=-1, keepdims=True)  # invariant
    >>> bool(paired_equivariance_error(norm, V(G), Scalar(G), x, G.samples(5, seed=1)) < 1e-6)
    True
    """
    x = np.asarray(x, dtype=np.float32)
    rho_in = np.asarray(jax.vmap(rep_in.rho_dense)(gs))
    rho_out = np.asarray(jax.vmap(rep_out.rho_dense)(gs))
    lhs = _call(f, np.einsum("nij,nj->ni", rho_in, x).astype(np.float32))
    rhs = np.einsum("nij,nj->ni", rho_out, _call(f, x))
    return rms_rel_err(lhs, rhs)


def assert_equivariant(f, rep_in, rep_out, G=None, *, x=None, gs=None, n_elements: int = 3,
                       batch: int = 8, rtol: float = 1e-5, seed: int = 0):
    """Assert ``f`` is equivariant from ``rep_in`` to ``rep_out`` (reps bound to ``G``).

    ``x`` (a batch of inputs) and ``gs`` (group elements) default to random draws from
    ``seed``; pass them from Hypothesis strategies to get shrinking. Works on plain functions
    and on emlp_sym models (called with ``training=False``). The tolerance suits float32.
    On failure, the message names the worst group element, the input and the error.
    Returns the largest relative error found. The reps act through
    :func:`~emlp_sym.reps.action.act` (no dense ``rho``): drawn elements are in natural form
    (index arrays for ``S(n)``), so a model of ``S(1000)`` is checked in seconds; ``gs`` may
    be dense matrices (``G.samples(N)``) or a list of elements in any form ``act`` takes.

    Non-compact groups (Sp, the Lorentz groups, SL, GL): a float32 function evaluated at
    ``rho_in(g) x`` can only be as accurate as float precision times the condition number
    κ of ``rho_in(g)`` (1 for orthogonal groups), so each element's tolerance is
    ``rtol · κ``; drawn elements (``gs=None``) are the first with κ ≤ 100, so an error of
    order one (a map that is not equivariant) always fails. Orthogonal groups are unchanged.
    (Sp(2)'s samples reach κ ~ 10⁷ on V⊗V*, where no float32 computation is equivariant to
    1e-5.)

    >>> import numpy as np
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> G = SO(3)
    >>> err = assert_equivariant(lambda x: 3 * x, V(G), V(G))  # passes: returns the error
    >>> assert_equivariant(lambda x: x + 1, V(G), V(G))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: not equivariant from V to V under SO(3): relative error ...
    """
    G = G if G is not None else rep_in.G
    reps = []
    for name, rep in (("rep_in", rep_in), ("rep_out", rep_out)):
        require_bound(rep, name)
        if rep.G != G and can_lift(rep, G):  # of a factor of G, or its factors reordered
            rep = lift(rep, G)
        if rep.G != G:
            raise RepError(f"{name} is a representation of {rep.G}, not of {G}")
        reps.append(rep)
    rep_in, rep_out = reps
    rng = np.random.default_rng(seed)
    if x is None:
        x = rng.standard_normal((batch, rep_in.size())).astype(np.float32)
    compact = bool(G.is_orthogonal)  # orthogonal elements: κ = 1, nothing to scale
    if gs is None:
        seed_g = int(rng.integers(2**31))
        gs = (sample_elements(G, n_elements, seed=seed_g) if compact
              else _well_conditioned_samples(G, rep_in, n_elements, seed_g))
    elements = _elements(G, gs)
    errs = equivariance_error(f, rep_in, rep_out, x, elements)
    tolerances = rtol * (np.ones(len(errs)) if compact else _conditions(rep_in, elements))
    worst = int(np.argmax(errs / tolerances))
    if not errs[worst] <= tolerances[worst]:
        raise AssertionError(
            f"not equivariant from {rep_in} to {rep_out} under {G}: relative error "
            f"{errs[worst]:.3e} > {tolerances[worst]:.1e}\n"
            f"group element g =\n{_show(elements[worst])}\n"
            f"input x (first row) = {np.array2string(np.asarray(x)[0], precision=4)}"
        )
    return float(errs.max())


MAX_CONDITION = 100.0  #: drawn elements with a larger κ(rho_in(g)) are set aside


def _conditions(rep_in, gs) -> np.ndarray:
    """κ(rho_in(g)) for each element (1 for orthogonal reps, up to rounding): dense, as only
    the non-compact (matrix) groups need it."""
    G = rep_in.G
    dense = np.stack([element_matrix(G, g) for g in _elements(G, gs)]) if len(gs) else gs
    rho = np.asarray(jax.vmap(rep_in.rho_dense)(jnp.asarray(dense)), dtype=np.float64)
    return np.maximum(1.0, np.linalg.cond(rho))


def _well_conditioned_samples(G, rep_in, n: int, seed: int):
    """``n`` samples of ``G`` with κ(rho_in(g)) ≤ MAX_CONDITION where the group's sampler gives
    enough of them in 16·n draws, else the ``n`` best conditioned of those draws."""
    gs = np.asarray(G.samples(16 * n, seed=seed))
    kappa = _conditions(rep_in, gs)
    kept = np.flatnonzero(kappa <= MAX_CONDITION)  # in draw order: no bias toward the identity
    chosen = kept[:n] if len(kept) >= n else np.sort(np.argsort(kappa, kind="stable")[:n])
    return jnp.asarray(gs[chosen])
