"""Continuous matrix groups: SO, O, the Lorentz family, Sp, SU, U, SL, GL, and Trivial.

Generators follow the reference library's conventions, so bases agree with it up to a
change of basis of the fixed space.
"""

from __future__ import annotations

import numpy as np

from emlp_sym.groups._storage import check_generator_storage, group_name
from emlp_sym.groups.base import Group, check_positive_int

#: arrays alive at the peak of a Lie group's construction, in generator stacks: the stack and
#: the temporaries of the base class's orthogonality check (tracemalloc: 3.5× to 4.2×; SL, whose
#: generators are a list first, 5.2×: it counts one more)
LIE_PEAK_COPIES = 5


def _so_algebra(n: int) -> np.ndarray:
    """Antisymmetric generators E_ij - E_ji (i > j), with integer entries."""
    gens = np.zeros((n * (n - 1) // 2, n, n))
    k = 0
    for i in range(n):
        for j in range(i):
            gens[k, i, j], gens[k, j, i] = 1, -1
            k += 1
    return gens


class Trivial(Group):
    """The trivial group {I} on R^n: EMLP with it has no symmetry constraint.

    >>> from emlp_sym.reps import V
    >>> V(Trivial(3)).equivariant_dim()  # every vector is invariant
    3
    """

    def __init__(self, n: int):
        self.d = check_positive_int(n, "Trivial(n): n")
        # no generators, but its elements and the reps' matrices are dense d×d
        check_generator_storage(group_name("Trivial", n), 0, n)
        # set, not computed: the base class's check would build a d×d identity
        self.is_orthogonal = self.is_permutation = True
        super().__init__(self.d)


class SO(Group):
    """The special orthogonal group SO(n) on R^n.

    >>> from emlp_sym.reps import V
    >>> (V**2)(SO(3)).equivariant_dim(), (V**3)(SO(3)).equivariant_dim()  # δ_ij; ε_ijk
    (1, 1)
    """

    def __init__(self, n: int):
        n = check_positive_int(n, "SO(n): n")
        check_generator_storage(group_name(type(self).__name__, n), n * (n - 1) // 2 + 1, n,
                                copies=LIE_PEAK_COPIES)
        self.d = n
        self.lie_algebra = _so_algebra(n)
        super().__init__(n)


class O(SO):  # noqa: E742 (the group is called O)
    """The orthogonal group O(n): SO(n) and the reflection of the first axis.

    >>> from emlp_sym.reps import V
    >>> (V**2)(O(3)).equivariant_dim(), (V**3)(O(3)).equivariant_dim()  # the reflection kills ε
    (1, 0)
    """

    def __init__(self, n: int):
        n = check_positive_int(n, "O(n): n")
        check_generator_storage(group_name("O", n), n * (n - 1) // 2 + 1, n, copies=LIE_PEAK_COPIES)
        reflection = np.eye(n)
        reflection[0, 0] = -1
        self.discrete_generators = reflection[None]
        super().__init__(n)


class SO13p(Group):
    """The proper orthochronous Lorentz group SO⁺(1,3), metric diag(1,-1,-1,-1).

    >>> from emlp_sym.reps import V
    >>> G = SO13p()
    >>> G.d, len(G.lie_algebra), (V**2)(G).equivariant_dim()  # 3 boosts, 3 rotations; the metric
    (4, 6, 1)
    """

    lie_algebra = np.zeros((6, 4, 4))
    lie_algebra[3:, 1:, 1:] = _so_algebra(3)
    for _i in range(3):  # boosts
        lie_algebra[_i, 1 + _i, 0] = lie_algebra[_i, 0, 1 + _i] = 1.0
    del _i
    # Boosts grow exponentially: smaller noise keeps sampled high-rank reps well conditioned.
    z_scale = np.array([0.3, 0.3, 0.3, 1, 1, 1])

    def __init__(self):
        super().__init__()


class SO13(SO13p):
    """SO(1,3): adds the joint parity and time reversal -I.

    >>> from emlp_sym.reps import V
    >>> G = SO13()
    >>> len(G.discrete_generators), (V**2)(G).equivariant_dim()
    (1, 1)
    """

    discrete_generators = -np.eye(4)[None]


class O13(SO13p):
    """The full Lorentz group O(1,3), with parity and time reversal separately.

    >>> from emlp_sym.reps import V
    >>> G = O13()
    >>> len(G.discrete_generators), (V**2)(G).equivariant_dim()  # parity, time reversal; metric
    (2, 1)
    """

    discrete_generators = np.stack([-np.eye(4), np.diag([-1.0, 1.0, 1.0, 1.0])])


class Lorentz(O13):
    """Alias of :class:`O13`, the full Lorentz group.

    >>> from emlp_sym.reps import V
    >>> Lorentz().d, (V**2)(Lorentz()).equivariant_dim()
    (4, 1)
    """


class SO11p(Group):
    """The identity component of O(1,1), the Lorentz group in 1+1 dimensions.

    >>> from emlp_sym.reps import V
    >>> (V**2)(SO11p()).equivariant_dim()  # the metric diag(1, -1) and the ε_ij of SO⁺(1,1)
    2
    """

    lie_algebra = np.array([[[0.0, 1.0], [1.0, 0.0]]])

    def __init__(self):
        super().__init__()


class O11(SO11p):
    """The Lorentz group O(1,1).

    >>> from emlp_sym.reps import V
    >>> (V**2)(O11()).equivariant_dim()  # only the metric survives the reflections
    1
    """

    discrete_generators = np.stack([-np.eye(2), np.diag([-1.0, 1.0])])


class Sp(Group):
    """The symplectic group Sp(m) acting on R^{2m} (some texts write Sp(2m)).

    >>> from emlp_sym.reps import V
    >>> Sp(2).d, (V**2)(Sp(2)).equivariant_dim()  # acts on R^4; the symplectic form
    (4, 1)
    """

    def __init__(self, m: int):
        m = check_positive_int(m, "Sp(m): m")
        check_generator_storage(group_name("Sp", m), m * (2 * m + 1), 2 * m, copies=LIE_PEAK_COPIES)
        gens = np.zeros((m * (2 * m + 1), 2 * m, 2 * m))
        k = 0
        for i in range(m):  # gl(m) block: [[A, 0], [0, -A^T]]
            for j in range(m):
                gens[k, i, j], gens[k, m + j, m + i] = 1, -1
                k += 1
        for i in range(m):  # symmetric off-diagonal blocks
            for j in range(i + 1):
                gens[k, m + i, j] = gens[k, m + j, i] = 1
                k += 1
                gens[k, i, m + j] = gens[k, j, m + i] = 1
                k += 1
        self.d = 2 * m
        self.lie_algebra = gens
        super().__init__(m)


def _unitary_algebra(n: int, special: bool) -> np.ndarray:
    real = []
    imag = []
    for i in range(n):
        for j in range(i):
            a = np.zeros((n, n))
            a[i, j], a[j, i] = 1, -1
            real.append(a)
            imag.append(np.zeros((n, n)))
            s = np.zeros((n, n))
            s[i, j] = s[j, i] = 1
            real.append(np.zeros((n, n)))
            imag.append(s)
    for i in range(n - 1 if special else n):
        diag = np.zeros((n, n))
        diag[i, i] = 1
        if special:  # traceless: e_i - e_{i+1}
            diag[i + 1, i + 1] = -1
        real.append(np.zeros((n, n)))
        imag.append(diag)
    if not real:
        return np.zeros((0, n, n), dtype=complex)
    return np.array(real) + 1j * np.array(imag)


class _UnitaryGroup(Group):
    """U(n) or SU(n) (``special``): one constructor, the algebra's trace condition apart."""

    special: bool = False

    def __init__(self, n: int):
        name = type(self).__name__
        n = check_positive_int(n, f"{name}(n): n")
        check_generator_storage(group_name(name, n), n * n, n, copies=LIE_PEAK_COPIES, itemsize=16)
        self.d = n
        self.lie_algebra = _unitary_algebra(n, special=self.special)
        super().__init__(n)


class U(_UnitaryGroup):
    """The unitary group U(n) on C^n (complex representations).

    >>> from emlp_sym.reps import V
    >>> (V * V.T)(U(2)).equivariant_dim(), (V**2)(U(2)).equivariant_dim()  # the identity only
    (1, 0)
    """


class SU(_UnitaryGroup):
    """The special unitary group SU(n) on C^n (complex representations).

    >>> from emlp_sym.reps import V
    >>> (V * V.T)(SU(2)).equivariant_dim(), (V**2)(SU(2)).equivariant_dim()  # I; and ε_ij
    (1, 1)
    """

    special = True


class SL(Group):
    """The special linear group SL(n).

    >>> from emlp_sym.reps import V
    >>> (V * V.T)(SL(3)).equivariant_dim(), (V**3)(SL(3)).equivariant_dim()  # I; the determinant
    (1, 1)
    """

    def __init__(self, n: int):
        n = check_positive_int(n, "SL(n): n")
        # one more copy: the generators are a list of matrices before they are stacked
        check_generator_storage(group_name("SL", n), n * n, n, copies=LIE_PEAK_COPIES + 1)
        gens = []
        for i in range(n):
            for j in range(n):
                if i != j:
                    e = np.zeros((n, n))
                    e[i, j] = 1
                    gens.append(e)
        for i in range(n - 1):
            e = np.zeros((n, n))
            e[i, i], e[-1, -1] = 1, -1
            gens.append(e)
        self.d = n
        self.lie_algebra = np.array(gens) if gens else np.zeros((0, n, n))
        super().__init__(n)


class GL(Group):
    """The general linear group GL(n).

    >>> from emlp_sym.reps import V
    >>> (V * V.T)(GL(3)).equivariant_dim(), (V**3)(GL(3)).equivariant_dim()  # I; no ε (scaling)
    (1, 0)
    """

    def __init__(self, n: int):
        n = check_positive_int(n, "GL(n): n")
        check_generator_storage(group_name("GL", n), n * n, n, copies=LIE_PEAK_COPIES)
        self.d = n
        self.lie_algebra = np.eye(n * n).reshape(n * n, n, n)
        super().__init__(n)
