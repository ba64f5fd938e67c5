"""The cube classification datasets: the reference's states and labels, test sets in orbits."""

import numpy as np
import pytest

from emlp_sym.datasets import DATASETS, BrokenRubiksCube, InvertedCube
from emlp_sym.groups import Cube, RubiksCube


def group_closure(generators) -> np.ndarray:
    """All elements of the finite matrix group the generators generate (breadth first)."""
    elements = {np.eye(len(generators[0])).tobytes(): np.eye(len(generators[0]))}
    frontier = list(elements.values())
    while frontier:
        new = []
        for g in frontier:
            for h in generators:
                gh = h @ g
                if gh.tobytes() not in elements:
                    elements[gh.tobytes()] = gh
                    new.append(gh)
        frontier = new
    return np.stack(list(elements.values()))


def test_training_sets_are_the_references():
    ds = InvertedCube()
    inverted = np.eye(6)[:, [5, 3, 4, 1, 2, 0]]
    np.testing.assert_array_equal(ds.X, np.stack([np.eye(6).ravel(), inverted.ravel()]))
    assert ds.Y.tolist() == [1, 0] and ds.symmetry == Cube() and ds.stats == (0, 1)
    assert str(ds.rep_in(ds.symmetry)) == "6V" and str(ds.rep_out(ds.symmetry)) == "2V⁰"
    rubik = BrokenRubiksCube()
    assert rubik.X.shape == (22, 288) and rubik.Y.tolist() == [1] * 11 + [0] * 11
    assert rubik.symmetry == RubiksCube()
    solved = rubik.X[0].reshape(6, 48)
    np.testing.assert_array_equal(solved, np.kron(np.eye(6), np.ones(8)))
    assert not set(DATASETS) & {"InvertedCube", "BrokenRubiksCube"}  # classification


def test_cube_test_set_lies_in_the_labelled_orbits():
    ds = InvertedCube(train=False, seed=4)
    assert ds.X.shape == (100, 36) and np.bincount(ds.Y).tolist() == [50, 50]
    G = group_closure(list(Cube().discrete_generators))
    assert len(G) == 24
    solved, inverted = InvertedCube().X.reshape(2, 6, 6)

    def orbit(state):  # each colour (a row) moved by the same element
        return {np.einsum("ij,cj->ci", g, state).round().tobytes() for g in G}

    orbits = {1: orbit(solved), 0: orbit(inverted)}
    assert not orbits[0] & orbits[1]  # no rotation inverts the cube
    for x, y in zip(ds.X, ds.Y, strict=True):
        assert x.reshape(6, 6).astype(float).tobytes() in orbits[int(y)]
    assert len({x.tobytes() for x in ds.X}) > 10  # actually scrambled


def test_rubiks_test_set_is_scrambled_colourings():
    ds = BrokenRubiksCube(train=False, seed=1)
    assert ds.X.shape == (440, 288) and np.bincount(ds.Y).tolist() == [220, 220]
    states = ds.X.reshape(-1, 6, 48)
    np.testing.assert_array_equal(states.sum(1), 1)  # one colour per facet
    np.testing.assert_array_equal(states.sum(2), 8)  # eight facets per colour
    assert len({x.tobytes() for x in ds.X}) > 100


def test_seeds_and_arguments():
    a, b = InvertedCube(False, seed=3), InvertedCube(False, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, InvertedCube(False, seed=5).X)
    assert len(a) == 100 and a[3][0].shape == (36,) and repr(a).startswith("InvertedCube")
    with pytest.raises(TypeError, match="train"):
        InvertedCube(train="no")
    with pytest.raises(TypeError, match="train"):
        InvertedCube(train=None)
    with pytest.raises(ValueError, match="seed"):
        BrokenRubiksCube(seed=-2)


@pytest.mark.parametrize("cls", [InvertedCube, BrokenRubiksCube])
def test_a_number_for_train_means_what_it_means_in_the_reference(cls):
    # the reference's tests build every dataset as dataset_class(100) (the N of the regression
    # sets); it reads train == False as the test set, so 100 is the training set and 0 the test
    train, test = cls(100), cls(np.int64(0), seed=2)
    assert train.train and not test.train
    np.testing.assert_array_equal(train.X, cls(True).X)
    np.testing.assert_array_equal(test.X, cls(False, seed=2).X)
    assert len(test) > len(train)

