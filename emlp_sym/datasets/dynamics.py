"""A dynamics dataset: a double spring pendulum in 3D under gravity.

Two unit point masses: a spring joins the origin to mass 1, a second spring joins mass 1 to
mass 2, and gravity pulls along -z. The Hamiltonian is::

    H = |p1|^2/(2 m1) + |p2|^2/(2 m2) + k1 (|q1| - l1)^2 / 2 + k2 (|q2 - q1| - l2)^2 / 2
        + m1 g z1 + m2 g z2

with m = (1, 1), k = (10, 10), l = (1, 1), g = 1. It is invariant under rotations about the z axis,
the group ``SO2eR3()`` (SO(2) embedded in R^3), so the time-T flow map (q1, q2, p1, p2) at
t=0 -> (q1, q2, p1, p2) at t=T is equivariant with ``rep_in = rep_out = 4*Vector``. The flow is
integrated with classical RK4 vectorized over the batch; every RK4 step is itself equivariant,
so the discrete map keeps the symmetry exactly (up to rounding).
"""

from __future__ import annotations

import numpy as np

from emlp_sym.datasets.synthetic import (
    SyntheticDataset,
    _batch,
    _check_positive_float,
)
from emlp_sym.groups import SO2eR3
from emlp_sym.reps import Vector

# SO2eR3 lived here before it joined emlp_sym.groups; it stays importable from here.
__all__ = ["SO2eR3", "DoublePendulum"]


class DoublePendulum(SyntheticDataset):
    """(state at t=0) -> (state at t=T) pairs of a 3D double spring pendulum (see module doc).

    State layout (12,): ``[q1 (xyz), q2 (xyz), p1 (xyz), p2 (xyz)]`` for both ``X`` and ``Y``.
    Initial states: ``q1 = (0, 0, -1) + 0.2 n``, ``q2 = q1 + (0, 0, -1) + 0.2 n'``,
    ``p1, p2 = 0.4 n''`` with standard normal ``n``. Symmetry: ``SO2eR3()``.

    Args:
        N: number of trajectories (default 500).
        seed: seed of the initial states.
        T: integration time (default 1.0).
        dt: RK4 step; the number of steps is ``ceil(T / dt)`` (default 0.01).

    >>> data = DoublePendulum(N=4)
    >>> x, y = data[0]
    >>> len(data), x.shape, y.shape, data.symmetry
    (4, (12,), (12,), SO(2)_R3)
    """

    masses = (1.0, 1.0)
    spring_constants = (10.0, 10.0)
    rest_lengths = (1.0, 1.0)
    gravity = 1.0

    def __init__(self, N: int = 500, seed: int | None = 0, T: float = 1.0, dt: float = 0.01):
        self.T = _check_positive_float(T, "T")
        dt = _check_positive_float(dt, "dt")
        self.num_steps = max(1, int(np.ceil(self.T / dt - 1e-9)))
        self.dt = self.T / self.num_steps
        self.rep_in = 4 * Vector
        self.rep_out = 4 * Vector
        self.symmetry = SO2eR3()
        self._layout_in = [("tensor", 3)] * 4
        self._layout_out = [("tensor", 3)] * 4
        self._build(N, seed)

    def _sample_inputs(self, rng, N):
        down = np.array([0.0, 0.0, -1.0])
        q1 = down + 0.2 * rng.standard_normal((N, 3))
        q2 = q1 + down + 0.2 * rng.standard_normal((N, 3))
        p = 0.4 * rng.standard_normal((N, 6))
        return np.concatenate([q1, q2, p], axis=1)

    # ---- physics -----------------------------------------------------------------------------
    def hamiltonian(self, Z) -> np.ndarray:
        """The energy of each state in ``Z`` (N, 12), shape (N,)."""
        Z = _batch(Z, 12, "DoublePendulum")
        (m1, m2), (k1, k2), (l1, l2) = self.masses, self.spring_constants, self.rest_lengths
        q1, q2, p1, p2 = Z[:, 0:3], Z[:, 3:6], Z[:, 6:9], Z[:, 9:12]
        kinetic = (p1**2).sum(1) / (2 * m1) + (p2**2).sum(1) / (2 * m2)
        r1 = np.linalg.norm(q1, axis=1)
        r12 = np.linalg.norm(q2 - q1, axis=1)
        springs = k1 * (r1 - l1) ** 2 / 2 + k2 * (r12 - l2) ** 2 / 2
        return kinetic + springs + self.gravity * (m1 * q1[:, 2] + m2 * q2[:, 2])

    def dynamics(self, Z) -> np.ndarray:
        """Hamilton's equations ``dZ/dt`` for states ``Z`` (N, 12), float64."""
        (m1, m2), (k1, k2), (l1, l2) = self.masses, self.spring_constants, self.rest_lengths
        q1, q2, p1, p2 = Z[:, 0:3], Z[:, 3:6], Z[:, 6:9], Z[:, 9:12]
        r1 = np.linalg.norm(q1, axis=1, keepdims=True)
        d = q2 - q1
        r12 = np.linalg.norm(d, axis=1, keepdims=True)
        f1 = -k1 * (r1 - l1) * q1 / r1  # force of spring 1 on mass 1
        f12 = k2 * (r12 - l2) * d / r12  # force of spring 2 on mass 1 (minus that on mass 2)
        dp1 = f1 + f12
        dp2 = -f12
        dp1[:, 2] -= m1 * self.gravity
        dp2[:, 2] -= m2 * self.gravity
        return np.concatenate([p1 / m1, p2 / m2, dp1, dp2], axis=1)

    def target(self, X) -> np.ndarray:
        """The states after time ``T`` (RK4, ``num_steps`` steps), float32 (N, 12)."""
        Z = _batch(X, 12, "DoublePendulum").copy()
        h = self.dt
        f = self.dynamics
        for _ in range(self.num_steps):
            a = f(Z)
            b = f(Z + (h / 2) * a)
            c = f(Z + (h / 2) * b)
            e = f(Z + h * c)
            Z = Z + (h / 6) * (a + 2 * b + 2 * c + e)
        return Z.astype(np.float32)

