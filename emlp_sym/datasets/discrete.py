"""The reference library's two classification datasets on cubes: is a coloured cube reachable?

A cube state is a one-hot colouring: ``state[c, f] = 1`` when colour ``c`` sits on position
``f`` (a face of the cube, or a facet of the Rubik's cube), flattened colour by colour, so
each colour is one copy of the base representation: ``rep_in = 6*Vector``. The label is 1
for a state in the group orbit of the solved cube and 0 for the *inverted* cube (opposite
faces' colours swapped, a point reflection, which no rotation or face turn undoes);
``rep_out = 2*Scalar`` (two logits), ``Y`` holds integer labels.

As in the reference, the training set is the unscrambled states (2 for the cube, 11 + 11
for the Rubik's cube) and the test set (``train=False``) scrambles each of them by group
elements (50 and 20 times), shuffled: a model learns the rule from the canonical states and
is tested on their orbits, which only an invariant model gets right. ``stats = (0, 1)``
(no standardization). Both are classification sets, so they are not in ``DATASETS`` (the
training CLI regresses with a squared error).

``train`` may also be a number, read as the reference reads it (``train == False`` picks the
test set): its tests build every dataset as ``dataset_class(100)``, the ``N`` the regression
sets take, which for these two is the training set. So 0 is the test set and any other
integer the training set.
"""

from __future__ import annotations

import numpy as np

from emlp_sym.datasets.synthetic import _check_seed
from emlp_sym.errors import ArgumentTypeError
from emlp_sym.groups import Cube, RubiksCube
from emlp_sym.reps import Scalar, Vector

__all__ = ["InvertedCube", "BrokenRubiksCube", "CubeClassification"]

#: the point reflection of a cube, on faces ordered U, F, R, B, L, D: U↔D, F↔B, R↔L
FACE_INVERSION = np.array([5, 3, 4, 1, 2, 0])


class CubeClassification:
    """Common machinery: labelled canonical states, scrambled by group elements for test.

    >>> data = InvertedCube(train=False)  # the test split: states scrambled by the group
    >>> isinstance(data, CubeClassification), len(data)
    (True, 100)
    """

    symmetry = None
    copies_per_state = 1  # how many times each canonical state is scrambled for the test set

    def _build(self, states: np.ndarray, labels: np.ndarray, train: bool | int, seed) -> None:
        # bool is an int; a number is read as the reference's `train == False` reads it
        if not isinstance(train, (int, np.integer, np.bool_)):
            raise ArgumentTypeError(
                f"train must be True or False (or a number, as in the reference: 0 is the test "
                f"set), got {train!r}")
        self.train = bool(train != 0)
        self.seed = _check_seed(seed)
        self.rep_in = 6 * Vector
        self.rep_out = 2 * Scalar
        self.stats = (0, 1)
        if not self.train:
            rng = np.random.default_rng(self.seed)
            n = len(states) * self.copies_per_state
            states = np.repeat(states, self.copies_per_state, axis=0)
            labels = np.repeat(labels, self.copies_per_state, axis=0)
            gs = self.symmetry.samples_numpy(n, seed=int(rng.integers(2**31)))
            # every colour (a copy of V) moved by the same element
            states = np.einsum("nij,ncj->nci", gs, states)
            order = rng.permutation(n)
            states, labels = states[order], labels[order]
        self.X = np.ascontiguousarray(states.reshape(len(states), -1), dtype=np.float32)
        self.Y = np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.Y[i]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(train={self.train}, N={len(self)})"


class InvertedCube(CubeClassification):
    """Solved (label 1) or inverted (label 0) cube, under the 24 rotations (:class:`Cube`).

    Inputs ``(36,)``: six one-hot colours on the six faces. Train: the two states; test:
    each scrambled 50 times (100 examples).

    Args:
        train: the training states, or the scrambled test set (False, or 0: see the module).
        seed: seed of the scrambles and the shuffle (the reference used NumPy's global one).

    >>> data = InvertedCube()
    >>> len(data), data[0][0].shape, data.symmetry
    (2, (36,), Cube)
    >>> print(data.rep_in)
    6V
    """

    copies_per_state = 50

    def __init__(self, train: bool | int = True, seed: int | None = 0):
        self.symmetry = Cube()
        solved = np.eye(6)
        inverted = solved[:, FACE_INVERSION]
        self._build(np.stack([solved, inverted]), np.array([1, 0]), train, seed)


class BrokenRubiksCube(CubeClassification):
    """Solvable (label 1) or broken (label 0) Rubik's cube, under :class:`RubiksCube`.

    Inputs ``(288,)``: six one-hot colours on the 48 movable facets (centres are fixed).
    A broken cube has the inverted colouring (opposite faces' colours swapped), which no
    sequence of face turns reaches from the solved cube. Train: 11 solved and 11 broken
    copies (balanced, as in the reference); test: each scrambled 20 times (440 examples).

    Args:
        train: the training states, or the scrambled test set (False, or 0: see the module).
        seed: seed of the scrambles and the shuffle.

    >>> data = BrokenRubiksCube()
    >>> len(data), data[0][0].shape, data.symmetry
    (22, (288,), RubiksCube)
    """

    copies_per_state = 20

    def __init__(self, train: bool | int = True, seed: int | None = 0):
        self.symmetry = RubiksCube()
        solved = np.zeros((6, 6, 8))  # colour, face, facet
        solved[np.arange(6), np.arange(6)] = 1
        broken = solved[:, FACE_INVERSION]
        states = np.concatenate([np.repeat(solved.reshape(1, 6, 48), 11, axis=0),
                                 np.repeat(broken.reshape(1, 6, 48), 11, axis=0)])
        labels = np.r_[np.ones(11), np.zeros(11)]
        self._build(states, labels, train, seed)
