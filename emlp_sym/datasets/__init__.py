"""Synthetic datasets with known symmetries, generated from a seed, and a batch iterator.

>>> from emlp_sym.datasets import Inertia
>>> from emlp_sym.groups import SO
>>> trainset = Inertia(100)
>>> print(trainset.rep_in(SO(3)), trainset.rep_out(SO(3)))
5V⁰+5V V²
"""

from emlp_sym.datasets.discrete import BrokenRubiksCube, InvertedCube
from emlp_sym.datasets.dynamics import DoublePendulum, SO2eR3
from emlp_sym.datasets.hamiltonian import SHO, DoubleSpringPendulum, HamiltonianDataset
from emlp_sym.datasets.loader import DataLoader
from emlp_sym.datasets.sizes import InertiaN, SBMTriangles, SizedDataset, node_triangles
from emlp_sym.datasets.synthetic import (
    Inertia,
    O5Synthetic,
    ParticleInteraction,
    SyntheticDataset,
    block_stats,
    minkowski_dot,
)

#: The datasets the CLI trains on, by name (``emlp-sym train --dataset Inertia``).
DATASETS = {
    "Inertia": Inertia,
    "O5Synthetic": O5Synthetic,
    "ParticleInteraction": ParticleInteraction,
    "DoublePendulum": DoublePendulum,
}

#: The datasets whose size n is a parameter (train at one n, test at another).
SIZED_DATASETS = {"SBMTriangles": SBMTriangles, "InertiaN": InertiaN}

__all__ = [
    "Inertia", "O5Synthetic", "ParticleInteraction", "DoublePendulum", "SO2eR3",
    "DataLoader", "DATASETS", "SyntheticDataset", "block_stats", "minkowski_dot",
    "InvertedCube", "BrokenRubiksCube", "SHO", "DoubleSpringPendulum", "HamiltonianDataset",
    "SBMTriangles", "InertiaN", "SizedDataset", "node_triangles", "SIZED_DATASETS",
]


def __getattr__(name):
    # the reference's emlp.datasets.GroupAugmentation: an objax module, loaded on first use
    if name == "GroupAugmentation":
        from emlp_sym.nn.objax import GroupAugmentation

        return GroupAugmentation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
