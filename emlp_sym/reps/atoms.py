"""Atoms: the irreducible letters of a canonical representation.

A canonical rep is a sum of monomials; a monomial is a sorted tuple of atoms, one per tensor
axis. An atom is the base representation ``V`` of one group factor, its dual ``V*``, or a
user-defined representation. Duals fold into ``V`` for real orthogonal groups, where
``rho(g)^{-T} = rho(g)`` and the identification is the identity on coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from emlp_sym.errors import RepError
from emlp_sym.groups.base import Group
from emlp_sym.reps.extension import declares_permutation, is_self_dual, leaf_matrix

if TYPE_CHECKING:  # for the annotation only: the Rep class imports this module
    from emlp_sym.reps.base import Rep

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(n: int) -> str:
    """``n`` in superscript digits, for exponents in printed reps.

    >>> superscript(12)
    '¹²'
    """
    return str(n).translate(SUPERSCRIPTS)


@dataclass(frozen=True)
class BaseAtom:
    """``V`` (or ``V*`` when ``dual``) of a single, non-product group.

    >>> from emlp_sym.groups import S
    >>> atom = BaseAtom(S(3))
    >>> atom.size, atom.label(False), atom.label(True), BaseAtom(S(3), dual=True).label(True)
    (3, 'V', 'V[S(3)]', 'V[S(3)]*')
    """

    group: Group
    dual: bool = False

    @property
    def size(self) -> int:
        return self.group.d

    def sort_key(self):
        return (0, repr(self.group), self.dual)

    def transpose(self) -> BaseAtom:
        if self.group.is_orthogonal and not self.group.is_complex:
            return self
        return BaseAtom(self.group, not self.dual)

    def matrices(self, element: np.ndarray, lie: bool) -> np.ndarray:
        """This axis's matrix for a group element (lie=False) or Lie algebra element (lie=True)."""
        if not self.dual:
            return element
        return -element.T if lie else np.linalg.inv(element).T

    def label(self, show_group: bool) -> str:
        base = f"V[{self.group}]" if show_group else "V"
        return base + ("*" if self.dual else "")


@dataclass(frozen=True, eq=False)
class RepAtom:
    """A user-defined representation used as a letter (optionally dualized).

    The rep follows the protocol of :mod:`emlp_sym.reps.extension`; its dual folds into it
    when it declares ``self_dual = True``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> [type(atom).__name__ for term, _ in (V**2)(SO(3)).canonical_terms for atom in term]
    ['BaseAtom', 'BaseAtom']
    """

    rep: Rep
    dual: bool = False

    @property
    def group(self) -> Group:
        if self.rep.G is None:  # canonical forms (and so atoms) exist only for bound reps
            raise RepError(f"internal: an atom of the unbound rep {self.rep}")
        return self.rep.G

    @property
    def size(self) -> int:
        return self.rep.size()

    def sort_key(self):
        return (1, str(self.rep), repr(self.rep.G), self.dual)

    def transpose(self) -> RepAtom:
        if is_self_dual(self.rep):
            return self
        return RepAtom(self.rep, not self.dual)

    def matrices(self, element: np.ndarray, lie: bool) -> np.ndarray:
        M = leaf_matrix(self.rep, element, lie)
        if not self.dual:
            return M
        return -M.T if lie else np.linalg.inv(M).T

    def label(self, show_group: bool) -> str:
        return str(self.rep) + ("*" if self.dual else "")

    def __eq__(self, other):
        return isinstance(other, RepAtom) and self.dual == other.dual and self.rep == other.rep

    def __hash__(self):
        return hash((RepAtom, self.rep, self.dual))


Atom = BaseAtom | RepAtom
Monomial = tuple  # a sorted tuple of atoms; () is the scalar V⁰


def sort_monomial(atoms) -> tuple[Monomial, np.ndarray]:
    """Sort atoms into canonical order; also return the stable argsort used.

    >>> from emlp_sym.groups import S, SO
    >>> mono, order = sort_monomial((BaseAtom(SO(2)), BaseAtom(S(3))))
    >>> monomial_str(mono, show_group=True), order
    ('V[S(3)]⊗V[SO(2)]', array([1, 0]))
    """
    keys = [a.sort_key() for a in atoms]
    order = sorted(range(len(atoms)), key=lambda i: keys[i])
    return tuple(atoms[i] for i in order), np.asarray(order, dtype=np.int64)


def monomial_key(mono: Monomial):
    """Total order of monomials: by degree, then atom by atom.

    >>> from emlp_sym.groups import S
    >>> a = BaseAtom(S(3))
    >>> monomial_key((a,)) < monomial_key((a, a))  # lower degree first
    True
    """
    return (len(mono), tuple(a.sort_key() for a in mono))


def is_permutation_type(mono: Monomial) -> bool:
    """Does every group element act on this (non-scalar) monomial by permuting coordinates?

    True for tensors of base reps of permutation groups and of user reps that declare
    ``is_permutation = True``: other user reps on such groups (a sign rep, say) need not act
    by permutations.

    >>> from emlp_sym.groups import S, SO
    >>> is_permutation_type((BaseAtom(S(3)),)), is_permutation_type((BaseAtom(SO(2)),))
    (True, False)
    """
    return bool(mono) and all(_acts_by_permutations(a) for a in mono)


def _acts_by_permutations(atom) -> bool:
    if isinstance(atom, BaseAtom):
        return bool(atom.group.is_permutation)
    return declares_permutation(atom.rep)  # a permutation's inverse transpose is itself


def monomial_size(mono: Monomial) -> int:
    """The size of a monomial: the product of its atoms' sizes (an exact Python int).

    >>> from emlp_sym.groups import S
    >>> monomial_size((BaseAtom(S(3)), BaseAtom(S(3)))), monomial_size(())
    (9, 1)
    """
    return math.prod(a.size for a in mono)  # Python ints: exact at any size


def monomial_str(mono: Monomial, show_group: bool = False) -> str:
    """A monomial as printed in reps: repeated atoms as powers; ``show_group`` names groups.

    >>> from emlp_sym.groups import S
    >>> a = BaseAtom(S(3))
    >>> monomial_str((a, a)), monomial_str((a, a), show_group=True), monomial_str(())
    ('V²', 'V[S(3)]²', 'V⁰')
    """
    if not mono:
        return "V⁰"
    parts = []
    i = 0
    while i < len(mono):
        j = i
        while j < len(mono) and mono[j] == mono[i]:
            j += 1
        label = mono[i].label(show_group)
        parts.append(label + (superscript(j - i) if j - i > 1 else ""))
        i = j
    return "⊗".join(parts)


def axis_permutation(order: np.ndarray, dims: list[int]) -> np.ndarray:
    """Offsets in the sorted layout of each offset in the original (concatenated) layout.

    ``order`` lists, for each sorted axis, the original axis it came from (as returned by
    :func:`sort_monomial`); ``dims`` are the original axis sizes.

    >>> import numpy as np
    >>> axis_permutation(np.array([1, 0]), [2, 3])  # swap the axes of a 2×3 block
    array([0, 2, 4, 1, 3, 5])
    """
    if len(order) == 0:
        return np.zeros(1, dtype=np.int64)
    sorted_dims = [dims[i] for i in order]
    W = np.arange(int(np.prod(sorted_dims)), dtype=np.int64).reshape(sorted_dims)
    return W.transpose(np.argsort(order)).reshape(-1)
