"""How ``emlp-sym train`` drives each front: one small :class:`Backend` per framework.

A backend builds the model in its framework's own idiom (the front in ``emlp_sym.nn.<name>``),
takes Adam steps on the mean squared error, predicts, and moves parameters in and out as the
core's parameter tree, so a run trained with one framework is evaluated with any other.
All arrays crossing this interface are NumPy float32.
"""

from __future__ import annotations

import importlib
from typing import Protocol

import numpy as np

from emlp_sym.errors import ConfigError
from emlp_sym.nn import FRONTS

FRAMEWORKS = FRONTS


class Backend(Protocol):
    """``Backend(model, rep_in, rep_out, group, ch, num_layers, stats, seed)``.

    ``model`` is ``"EMLP"`` or ``"MLP"``; ``stats`` the dataset's standardization statistics
    (or None); ``seed`` makes the initial parameters reproducible.
    """

    name: str

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        """One Adam step (b1=0.9, b2=0.999, eps=1e-8) on the MSE; returns the loss before it."""

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """The MSE on a batch, without training."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The model's outputs (evaluation mode)."""

    def export_params(self) -> dict:
        """The model's parameters as the core's parameter tree."""

    def import_params(self, params: dict) -> None:
        """Load a core parameter tree (saved by any framework)."""


def get_backend(framework: str) -> type:
    """The backend class of a framework (imports that framework)."""
    if framework not in FRAMEWORKS:
        raise ConfigError(f"unknown framework {framework!r}; choose from {', '.join(FRAMEWORKS)}")
    return importlib.import_module(f"emlp_sym.cli.backends.{framework}").Backend
