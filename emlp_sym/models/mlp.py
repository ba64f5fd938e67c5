"""emlp 0.x's ``emlp.models.mlp``: re-exports :mod:`emlp_sym.nn`; ``LieLinear`` is its old name
for the equivariant :class:`~emlp_sym.nn.Linear`."""

from emlp_sym.nn import *  # noqa: F403
from emlp_sym.nn import Linear
from emlp_sym.nn import __all__ as _nn_all

LieLinear = Linear
__all__ = [*_nn_all, "LieLinear"]
