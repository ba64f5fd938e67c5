"""The :class:`Group` base class: a matrix group given by its generators.

A group is described the way EMLP needs it: discrete generators ``h_i`` and Lie algebra
generators ``A_k`` acting on a base space of dimension ``d``. A vector fixed by a
representation of every generator is fixed by the whole (connected-component-generated)
group, which is all the basis solvers need. Where generators are integers or rationals the
group also gives them exactly, for the exact solvers.

Users define a new group by subclassing and setting ``discrete_generators`` and/or
``lie_algebra`` (arrays of shape ``(k, d, d)``), as in the reference library.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from functools import cached_property
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import sympy

from emlp_sym.errors import ArgumentTypeError, ExactFormUnavailable, GroupError
from emlp_sym.groups._storage import check_samples_storage

_TOL = 1e-9


def _as_generator_stack(gens, d, name):
    """Coerce user generators to a numpy array of shape (k, d, d)."""
    if gens is None or (hasattr(gens, "__len__") and len(gens) == 0):
        return np.zeros((0, d, d)) if d is not None else None
    arr = np.asarray(gens)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise GroupError(f"{name} must have shape (k, d, d); got {arr.shape}")
    if d is not None and arr.shape[1] != d:
        raise GroupError(f"{name} act on dimension {arr.shape[1]}, but the group has d={d}")
    return arr


def _rational_matrix(M) -> sympy.Matrix | None:
    """The exact rational form of a float matrix, if every entry is a small-denominator rational."""
    if np.iscomplexobj(M):
        return None
    rows = []
    for row in np.asarray(M, dtype=float):
        out = []
        for x in row:
            f = Fraction(x).limit_denominator(1000)
            if abs(float(f) - x) > 1e-12:
                return None
            out.append(sympy.Rational(f.numerator, f.denominator))
        rows.append(out)
    return sympy.Matrix(rows)


class Group:
    """A matrix group, given by discrete generators and Lie algebra generators.

    Subclasses set ``discrete_generators`` and/or ``lie_algebra`` (``(k, d, d)`` arrays) and
    optionally ``d``, ``z_scale`` (scale of Lie algebra noise when sampling), and the exact
    forms ``exact_discrete_generators`` / ``exact_lie_algebra`` (lists of SymPy matrices).

    >>> import numpy as np
    >>> class Flip(Group):
    ...     discrete_generators = np.array([[[0.0, 1.0], [1.0, 0.0]]])  # swap two coordinates
    >>> G = Flip()
    >>> G.d, G.discrete_generators.shape, G.is_orthogonal
    (2, (1, 2, 2), True)
    """

    # What a subclass gives (arrays, nested lists, or nothing); __init__ turns each into a
    # (k, d, d) ndarray, so on a constructed group they are arrays: typed loosely (Any) for that.
    lie_algebra: Any = None
    discrete_generators: Any = None
    #: dimension of the base representation V: a subclass may give it, else the generators'
    d: int
    z_scale: Any = None  # the Lie algebra noise scale of samples: one number, or one per generator
    is_orthogonal: bool | None = None
    is_permutation: bool | None = None

    def __init__(self, *args):
        self.args = args
        d = getattr(self, "d", None)
        for gens in (self.lie_algebra, self.discrete_generators):
            if d is None and gens is not None and len(gens):
                d = np.asarray(gens).shape[-1]
        if d is None:
            raise GroupError(f"{type(self).__name__}: no generators and no dimension d given")
        self.d = int(d)
        self.lie_algebra = _as_generator_stack(self.lie_algebra, self.d, "lie_algebra")
        self.discrete_generators = _as_generator_stack(
            self.discrete_generators, self.d, "discrete_generators"
        )
        A, H = self.lie_algebra, self.discrete_generators
        if self.is_orthogonal is None:
            self.is_orthogonal = bool(
                np.allclose(A, -np.conj(A.transpose(0, 2, 1)), atol=_TOL)
                and np.allclose(
                    np.conj(H.transpose(0, 2, 1)) @ H, np.eye(self.d)[None], atol=_TOL
                )
                and not np.iscomplexobj(A)
                and not np.iscomplexobj(H)
            )
        if self.is_permutation is None:
            self.is_permutation = bool(
                len(A) == 0
                and not np.iscomplexobj(H)
                and np.all((H == 0) | (H == 1))
                and np.all(H.sum(axis=1) == 1)
                and np.all(H.sum(axis=2) == 1)
            )

    # ---- structure -------------------------------------------------------------------------
    @property
    def is_complex(self) -> bool:
        return bool(np.iscomplexobj(self.lie_algebra) or np.iscomplexobj(self.discrete_generators))

    @property
    def factors(self) -> tuple[Group, ...]:
        """The direct factors of this group (just ``(self,)`` unless it is a direct product)."""
        return (self,)

    @property
    def element_size(self) -> int:
        """Side length of the matrices that represent group elements."""
        return self.d

    def num_constraints(self) -> int:
        """The number of generators, Lie algebra and discrete (each one constraint of the
        equivariance solve), as the reference library counts them."""
        return len(self.lie_algebra) + len(self.discrete_generators)

    @cached_property
    def exact_lie_algebra(self) -> list[sympy.Matrix]:
        return self._exact(self.lie_algebra, "Lie algebra")

    @cached_property
    def exact_discrete_generators(self) -> list[sympy.Matrix]:
        return self._exact(self.discrete_generators, "discrete generators")

    def _exact(self, gens, what):
        out = []
        for M in gens:
            R = _rational_matrix(M)
            if R is None:
                raise ExactFormUnavailable(
                    f"{self} has irrational or complex {what}; no exact basis is available. "
                    "Use equivariant_basis() (numeric), or subclass the group and set exact "
                    "generators."
                )
            out.append(R)
        return out

    @property
    def has_exact_form(self) -> bool:
        try:
            _ = (self.exact_lie_algebra, self.exact_discrete_generators)
        except ExactFormUnavailable:
            return False
        return True

    # ---- sampling --------------------------------------------------------------------------
    def samples(self, N: int, seed: int | None = None) -> jax.Array:
        """N group elements as a JAX array of shape (N, d, d) (not Haar distributed).

        Elements are ``expm(sum z_k A_k)`` times a random word in the discrete generators.
        ``seed=None`` draws from NumPy's global generator, as the reference library does.
        """
        N = check_positive_int(N, "samples(N): N", minimum=0)
        rng = np.random.default_rng(seed if seed is not None else np.random.randint(2**31))
        return jnp.asarray(self._samples_np(N, rng))

    def samples_numpy(self, N: int, seed: int | None = None) -> np.ndarray:
        """Like :meth:`samples`, but float64 (complex128) NumPy, for exact-ish checks."""
        N = check_positive_int(N, "samples_numpy(N): N", minimum=0)
        rng = np.random.default_rng(seed if seed is not None else np.random.randint(2**31))
        return self._samples_np(N, rng)

    def sample(self, seed: int | None = None) -> jax.Array:
        return self.samples(1, seed)[0]

    def _samples_np(self, N, rng):
        d = self.d
        dtype = complex if self.is_complex else float
        check_samples_storage(self, N, itemsize=np.dtype(dtype).itemsize)
        g = np.broadcast_to(np.eye(d, dtype=dtype), (N, d, d)).copy()
        if len(self.lie_algebra):
            z = rng.standard_normal((N, len(self.lie_algebra)))
            if self.z_scale is not None:
                z = z * np.asarray(self.z_scale)
            A = np.einsum("nk,kij->nij", z, self.lie_algebra)
            g = np.stack([_expm(a) for a in A]).astype(dtype)
        H = self.discrete_generators
        if len(H):
            Hinv = np.linalg.inv(H)
            for _ in range(3 * len(H) + 3):  # a random word of modest length
                i = rng.integers(len(H), size=N)
                power = rng.integers(-2, 3, size=N)
                for p in (1, 2):
                    step = np.where((power == p)[:, None, None], H[i], np.eye(d))
                    step = np.where((power == -p)[:, None, None], Hinv[i], step)
                    g = g @ step
        return g

    # ---- identity, printing ----------------------------------------------------------------
    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({','.join(map(str, self.args))})" if self.args else name

    __str__ = __repr__

    def _key(self):
        return (type(self).__name__, self.args, self.d)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        if type(self) is not type(other) or self._key() != other._key():
            return False
        if self.args:  # named families: the parameters decide
            return True
        return self._same_generators(other)

    def _same_generators(self, other: Group) -> bool:
        """Whether two unnamed groups of one class have the same generators (permutation
        groups compare their index arrays, without dense matrices)."""
        return np.array_equal(self.lie_algebra, other.lie_algebra) and np.array_equal(
            self.discrete_generators, other.discrete_generators
        )

    def __hash__(self) -> int:
        return hash(self._key())

    # ---- order: groups are pytree dict keys ({G1: g1, G2: g2}), which JAX sorts ------------
    def sort_key(self) -> tuple:
        """A total, deterministic order key, consistent with ``==``: the printed name first,
        then the class, then (for groups without parameters) a digest of the generators."""
        cls = type(self)
        key = (repr(self), f"{cls.__module__}.{cls.__qualname__}", self.d, self.element_size)
        if self.args:  # named families: the parameters decide equality, and the name shows them
            return key
        digest = hashlib.sha1()
        for gens in self._generator_arrays():
            arr = np.ascontiguousarray(gens)
            digest.update(f"{arr.dtype}{arr.shape}".encode())
            digest.update(arr.tobytes())
        return (*key, digest.hexdigest())

    def _generator_arrays(self) -> tuple:
        """The arrays that identify a group without parameters (:meth:`sort_key` digests
        them): its generators (a permutation group gives its index arrays instead)."""
        return (self.lie_algebra, self.discrete_generators)

    def __lt__(self, other) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __le__(self, other) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return self.sort_key() > other.sort_key()

    def __ge__(self, other) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return self.sort_key() >= other.sort_key()

    def __mul__(self, other: Group) -> Group:
        from emlp_sym.groups.product import DirectProduct

        if not isinstance(other, Group):  # a library error, not Python's bare TypeError
            raise ArgumentTypeError(
                f"G1 * G2 is the direct product of two groups; {self} cannot multiply "
                f"{other!r} ({type(other).__name__}): for a rep of {self}, write V({self})"
            )
        return DirectProduct(self, other)

    def __rmul__(self, other) -> Group:  # only non-groups get here (``3 * G``)
        raise ArgumentTypeError(
            f"G1 * G2 is the direct product of two groups; {other!r} "
            f"({type(other).__name__}) cannot multiply {self}"
        )


def _expm(A):
    import scipy.linalg

    return scipy.linalg.expm(A)


def check_positive_int(value, name, minimum=1):
    """Validate a group parameter: ArgumentTypeError for a non-integer, GroupError (a
    ValueError) for one below ``minimum``; both messages name the fix.

    >>> check_positive_int(3, "n")
    3
    >>> check_positive_int(0, "n")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.GroupError: n must be >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"{name} must be an integer, got {value!r} ({type(value).__name__})"
        )
    if value < minimum:
        raise GroupError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
