"""Samples of a small finite group reach every element (a fixed-length word in one generator
would always give the same one, and make every equivariance check with it vacuous)."""

import numpy as np
import pytest

from emlp_sym.groups import D, Rot90, S, Z


@pytest.mark.parametrize("G, order", [(Z(3), 3), (Z(4), 4), (Z(7), 7), (S(3), 6),
                                      (Rot90(), 4), (D(4), 8)])
def test_samples_reach_every_element(G, order):
    samples = np.round(np.asarray(G.samples(400, seed=1)), 6)
    assert len({g.tobytes() for g in samples}) == order
