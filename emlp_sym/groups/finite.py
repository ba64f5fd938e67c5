"""Finite groups: permutation groups (S, Z, Rot90, Cube, RubiksCube, ZksZnxZn) and the planar
rotation groups C(k), D(k).

Permutation groups are given, and stored, by index permutations (``permutations``); their
matrices ``P`` with ``P e_i = e_{perm[i]}`` (``discrete_generators``) are built only when asked
for. The solvers use :attr:`PermutationGroup.permutations` directly, never the matrices of
tensor representations.
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import GroupError
from emlp_sym.groups._storage import (
    check_generator_storage,
    check_permutation_samples_storage,
    check_permutation_storage,
    check_samples_storage,
    group_name,
)
from emlp_sym.groups.base import Group, check_positive_int

#: C(k) and D(k) beyond this k: a rotation by 360/k degrees is the identity in float64
MAX_ROTATION_ORDER = 2**53


def _perm_matrices(idx: np.ndarray) -> np.ndarray:
    """(N, d, d) permutation matrices, column i of matrix k with its 1 in row idx[k, i]."""
    N, d = idx.shape
    out = np.zeros((N, d, d))
    out[np.arange(N)[:, None], idx, np.arange(d)[None, :]] = 1
    return out


def _check_permutation(name: str, p: np.ndarray) -> None:
    """A one-dimensional array holding each of 0..len(p)-1 once (O(d), no sort)."""
    d = len(p)
    ok = p.ndim == 1 and (d == 0 or (p.min() >= 0 and p.max() < d))
    if not ok or not np.all(np.bincount(p, minlength=d) == 1):
        shown = p.tolist() if p.size <= 20 else f"an array of length {d}"
        raise GroupError(f"{name}: {shown} is not a permutation of 0..{d - 1}")


class PermutationGroup(Group):
    """A group given by permutations of {0..d-1}; subclass and set ``permutations``.

    The generators are kept as index arrays (``permutations``, one int64 array of length d
    each), so a group of any degree constructs at once (``S(10**6)`` in milliseconds). The
    dense matrices ``discrete_generators`` (``P e_i = e_{perm[i]}``) are built on first
    request, refused with a :class:`~emlp_sym.errors.ResourceError` over the memory limit.
    :meth:`sample_permutations` draws elements as index arrays.

    >>> class Swap01(PermutationGroup):
    ...     permutations = [[1, 0, 2]]  # swap the first two of three coordinates
    >>> G = Swap01()
    >>> G.d, G.discrete_generators.shape
    (3, (1, 3, 3))
    >>> from emlp_sym.reps import V
    >>> V(G).equivariant_dim()  # fixed vectors: (a, a, b)
    2
    """

    permutations: list[np.ndarray] = []
    #: the library's own families build valid permutations: their O(d) check is skipped
    _built_valid: bool = False

    def __init__(self, *args):
        name = group_name(type(self).__name__, *args)
        perms = [np.asarray(p, dtype=np.int64) for p in self.permutations]
        if perms:
            if len({len(p) for p in perms}) > 1:
                raise GroupError(f"{type(self).__name__}: the permutations act on different "
                                 f"numbers of points, {sorted({len(p) for p in perms})}")
            check_permutation_storage(name, len(perms), len(perms[0]))
            self.d = len(perms[0])
        for p in perms if not self._built_valid else ():
            _check_permutation(type(self).__name__, p)
        d = getattr(self, "d", None)
        if d is None:
            raise GroupError(f"{type(self).__name__}: no permutations and no dimension d given")
        self.permutations = perms
        self.args = args
        self.d = int(d)
        self.lie_algebra = np.zeros((0, self.d, self.d))  # no bytes: a (0, d, d) array
        self.is_orthogonal = True
        self.is_permutation = True

    @property
    def discrete_generators(self) -> np.ndarray:  # type: ignore[override]
        """The generators as dense ``(k, d, d)`` permutation matrices, built on first use
        (refused over the memory limit: use :attr:`permutations` at large d)."""
        cached = self.__dict__.get("_dense_generators")
        if cached is None:
            check_generator_storage(repr(self), len(self.permutations), self.d)
            if self.permutations:
                cached = _perm_matrices(np.stack(self.permutations))
            else:
                cached = np.zeros((0, self.d, self.d))
            self.__dict__["_dense_generators"] = cached
        return cached

    def _same_generators(self, other) -> bool:
        return len(self.permutations) == len(other.permutations) and all(
            np.array_equal(p, q) for p, q in zip(self.permutations, other.permutations, strict=True)
        )

    def _generator_arrays(self) -> tuple:  # what sort_key digests: the index arrays
        return tuple(self.permutations)

    def sample_permutations(self, N: int, seed: int | None = None) -> np.ndarray:
        """N elements as index arrays, shape ``(N, d)`` (int64): row ``k`` is the permutation
        ``p`` of the matrix ``P e_i = e_{p[i]}``. With the same ``seed`` they are the elements
        that :meth:`samples` gives as matrices.

        >>> G = S(4)
        >>> p = G.sample_permutations(2, seed=0)
        >>> p.shape, bool((G.samples_numpy(2, seed=0).argmax(axis=1) == p).all())
        ((2, 4), True)
        """
        N = check_positive_int(N, "sample_permutations(N): N", minimum=0)
        check_permutation_samples_storage(self, N)
        rng = np.random.default_rng(seed if seed is not None else np.random.randint(2**31))
        return self._sample_indices(N, rng)

    def _sample_indices(self, N, rng) -> np.ndarray:
        # Random words in the generators, composed as permutations (cheap at any d).
        idx = np.broadcast_to(np.arange(self.d), (N, self.d)).copy()
        if self.permutations:
            # The identity is one of the choices at each step, so the words have random
            # lengths: with fixed-length words a one-generator group (Z(n), Rot90) would
            # always return the same element, g**12.
            P = np.concatenate([np.stack(self.permutations), np.arange(self.d)[None]])
            for _ in range(4 * len(P) + 8):
                i = rng.integers(len(P), size=N)
                idx = np.take_along_axis(P[i], idx, axis=1)
        return idx

    def _samples_np(self, N, rng):
        check_samples_storage(self, N)
        return _perm_matrices(self._sample_indices(N, rng))


class S(PermutationGroup):
    """The symmetric group S(n) acting on R^n by permuting coordinates.

    >>> from emlp_sym.reps import V
    >>> G = S(4)
    >>> G.d, V(G).equivariant_dim(), (V**2)(G).equivariant_dim()  # 1, and I and 11ᵀ
    (4, 1, 2)
    """

    _built_valid = True

    def __init__(self, n: int):
        n = check_positive_int(n, "S(n): n")
        check_permutation_storage(group_name("S", n), 0 if n == 1 else 2, n)
        self.d = n
        # The transposition (0 1) and the n-cycle generate S(n).
        self.permutations = [] if n == 1 else [_transposition(n), np.roll(np.arange(n), 1)]
        super().__init__(n)

    def _sample_indices(self, N, rng):  # uniform: a random permutation per sample
        return np.argsort(rng.random((N, self.d)), axis=1)


def _transposition(n: int) -> np.ndarray:
    p = np.arange(n)
    p[:2] = 1, 0
    return p


class Z(PermutationGroup):
    """The cyclic group Z(n) acting on R^n by cyclic shifts (the regular representation).

    >>> from emlp_sym.reps import V
    >>> Z(3).discrete_generators[0]
    array([[0., 1., 0.],
           [0., 0., 1.],
           [1., 0., 0.]])
    >>> (V**2)(Z(4)).equivariant_dim()  # circulant matrices
    4
    """

    _built_valid = True

    def __init__(self, n: int):
        n = check_positive_int(n, "Z(n): n")
        check_permutation_storage(group_name("Z", n), 1 if n > 1 else 0, n)
        self.d = n
        self.permutations = [np.roll(np.arange(n), 1)] if n > 1 else []
        super().__init__(n)


class Rot90(PermutationGroup):
    """The 90 degree rotations of an n×n image, acting on its n² pixels.

    >>> from emlp_sym.reps import V
    >>> Rot90(3).d, V(Rot90(3)).equivariant_dim()  # 9 pixels; centre, corners, edges
    (9, 3)
    """

    _built_valid = True

    def __init__(self, n: int = 3):
        n = check_positive_int(n, "Rot90(n): n")
        # at the peak: the grid, its rotated copy and the generator
        check_permutation_storage(group_name("Rot90", n), 1 if n > 1 else 0, n * n, working=2)
        self.d = n * n
        grid = np.arange(n * n).reshape(n, n)
        # pixel i moves to where np.rot90 puts it: the inverse of the rotated grid's order
        # (a scatter, O(n²), where an argsort would take O(n² log n))
        perm = np.empty(n * n, dtype=np.int64)
        perm[np.rot90(grid).ravel()] = grid.ravel()
        self.permutations = [perm] if n > 1 else []
        super().__init__(n)


class Cube(PermutationGroup):
    """The 24 rotations of a cube, acting on its 6 faces (ordered U, F, R, B, L, D).

    >>> from emlp_sym.reps import V
    >>> Cube().d, (V**2)(Cube()).equivariant_dim()  # face to face: same, opposite, adjacent
    (6, 3)
    """

    _built_valid = True

    def __init__(self):
        # Quarter turns about the front-back axis and the left-right axis.
        self.permutations = [np.array([4, 1, 0, 3, 5, 2]), np.array([3, 0, 2, 5, 4, 1])]
        super().__init__()


def _rubiks_generators() -> list[np.ndarray]:
    """Quarter turns of the six faces as permutations of the 48 movable facets."""
    # Facets are the 9 stickers of each face U,F,R,B,L,D minus the fixed centre (index 4).
    def pad(p):
        out = np.zeros((6, 9), dtype=p.dtype)
        out[:, :4], out[:, 5:] = p.reshape(6, 8)[:, :4], p.reshape(6, 8)[:, 4:]
        return out

    def unpad(q):
        return np.concatenate([q[:, :4], q[:, 5:]], -1).reshape(-1)

    up = pad(np.arange(48))
    up[0] = np.rot90(up[0].reshape(3, 3), 1).reshape(9)
    ring = np.array([1, 2, 3, 4])
    up[ring, :3] = up[np.roll(ring, 1), :3]
    U = unpad(up)

    def whole_cube_turn(faces):
        q = pad(np.arange(48))
        q[faces] = q[np.roll(faces, 1)]
        return unpad(q)

    rot_front = whole_cube_turn(np.array([0, 2, 5, 4]))
    rot_back = np.argsort(rot_front)
    rot_left = whole_cube_turn(np.array([0, 1, 5, 3]))
    rot_right = np.argsort(rot_left)
    F = rot_right[U[rot_left]]
    R = rot_back[U[rot_front]]
    B = rot_left[U[rot_right]]
    L = rot_front[U[rot_back]]
    D = rot_right[rot_right[U[rot_left[rot_left]]]]
    return [U, F, R, B, L, D]


class RubiksCube(PermutationGroup):
    """The Rubik's cube group, a subgroup of S(48) generated by the six face quarter turns.

    >>> from emlp_sym.reps import V
    >>> RubiksCube().d, V(RubiksCube()).equivariant_dim()  # corner and edge facets
    (48, 2)
    """

    _built_valid = True

    def __init__(self):
        self.permutations = _rubiks_generators()
        super().__init__()


class ZksZnxZn(PermutationGroup):
    """Z_k ⋉ (Z_n × Z_n): translations of an n×n periodic grid and rotations by 360/k degrees
    (k = 2 or 4), acting on k·n² channels (the group-convolution setting).

    >>> from emlp_sym.reps import V
    >>> G = ZksZnxZn(2, 3)  # half turns and translations of a 3×3 periodic grid
    >>> G.d, V(G).equivariant_dim()
    (18, 1)
    """

    _built_valid = True

    def __init__(self, k: int, n: int):
        k = check_positive_int(k, "ZksZnxZn(k, n): k")
        n = check_positive_int(n, "ZksZnxZn(k, n): n")
        if k not in (2, 4):
            raise GroupError(f"ZksZnxZn(k, n) needs k = 2 or 4 (rotations by 180 or 90), got {k}")
        # at the peak: the index grid, its three moved copies and the generators
        check_permutation_storage(group_name("ZksZnxZn", k, n), 3, k * n * n, working=4)
        idx = np.arange(k * n * n).reshape(k, n, n)
        shift_x = np.roll(idx, 1, axis=1)
        shift_y = np.roll(idx, 1, axis=2)
        rot = np.roll(np.rot90(idx, 4 // k, axes=(1, 2)), 1, axis=0)

        def as_perm(moved):  # element at position j came from moved[j]: send moved[j] -> j
            perm = np.empty(k * n * n, dtype=np.int64)
            perm[moved.ravel()] = idx.ravel()  # idx.ravel() is 0..d-1, without a new array
            return perm

        self.permutations = [as_perm(shift_x), as_perm(shift_y), as_perm(rot)]
        super().__init__(k, n)


class C(Group):
    """The cyclic group C(k) of rotations of the plane by multiples of 360/k degrees.

    Exact bases exist for k = 1, 2, 4 (integer rotations); other k have irrational entries.

    >>> C(4).discrete_generators[0]  # a quarter turn
    array([[ 0., -1.],
           [ 1.,  0.]])
    >>> from emlp_sym.reps import V
    >>> (V**2)(C(4)).equivariant_dim()  # aI + bJ
    2
    """

    def __init__(self, k: int):
        k = check_positive_int(k, "C(k): k")
        if k > MAX_ROTATION_ORDER:
            raise GroupError(f"C(k)/D(k) with k = {k}: a rotation by 360/k degrees is the "
                             f"identity in float64 beyond k = 2^53; use a smaller k")
        self.k = k
        self.d = 2
        self.discrete_generators = _rotation(k)[None]
        super().__init__(k)


class D(C):
    """The dihedral group D(k): C(k) and the reflection of the first axis.

    >>> from emlp_sym.reps import V
    >>> len(D(4).discrete_generators), (V**2)(D(4)).equivariant_dim()  # only aI
    (2, 1)
    """

    def __init__(self, k: int):
        super().__init__(k)
        self.discrete_generators = np.stack([_rotation(self.k), np.diag([-1.0, 1.0])])


def _rotation(k: int) -> np.ndarray:
    t = 2 * np.pi / k
    c, s = np.cos(t), np.sin(t)
    R = np.array([[c, -s], [s, c]])
    R[np.abs(R) < 1e-15] = 0  # k = 1, 2, 4 give exact integers
    return np.round(R) if k in (1, 2, 4) else R

