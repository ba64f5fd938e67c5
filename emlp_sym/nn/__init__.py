"""EMLP layers. The math is framework-agnostic (``linear``, ``bilinear``, ``gates``,
``allocation``); ``objax_modules`` is the objax front end exported here, as the seed uses it."""

from emlp_sym.nn.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.objax_modules import (
    EMLP,
    MLP,
    BiLinear,
    EMLPBlock,
    GatedNonlinearity,
    Linear,
    Sequential,
    Standardize,
)

__all__ = [
    "Linear", "BiLinear", "GatedNonlinearity", "gated", "gate_indices", "uniform_rep",
    "Sequential", "EMLPBlock", "EMLP", "MLP", "Standardize",
]
