"""Hamiltonian systems as trajectory datasets, as the reference defines them: ``SHO`` and
``DoubleSpringPendulum``.

Each dataset draws ``n_systems`` initial conditions, integrates Hamilton's equations
``dz/dt = J∇H(z)`` (``z = [q, p]``) with ``jax.experimental.ode.odeint`` (adaptive
Dormand-Prince) at the times ``T_long = 0, dt, ..., integration_time - dt`` (30 s at dt 0.2:
150 states), and keeps one chunk of ``chunk_len`` consecutive states per trajectory, picked
at random among the ``len(T_long) // chunk_len`` aligned chunks. Training integrates a model
from each chunk's first state over ``T = 0, dt, ..., (chunk_len-1) dt`` and compares the
whole chunk (the integrated-chunk MSE, :func:`emlp_sym.nn.core.dynamics.chunk_mse`).

Items are the reference's: ``ds[i] == ((z0, T), chunk)`` with ``z0 = chunk[0]``.
``X`` (N, D) holds the chunks' first states and ``Y`` (N, chunk_len, D) the chunks.

The double spring pendulum (the paper's): two unit masses in R³, a spring of constant
``k1 = 1`` and rest length ``l1 = 1`` from the origin to mass 1, one of constant ``k2 = 1``
and rest length ``l2 = 1`` between the masses, gravity ``g = 1`` along -z::

    H = |p1|²/2m1 + |p2|²/2m2 + k1 (|x1| - l1)²/2 + k2 (|x1 - x2| - l2)² + g (m1 z1 + m2 z2)

(the second spring's term has no ½ in the reference; kept as it is, since the published
figures were measured on it). State ``[x1, x2, p1, p2]`` (12,), ``rep_in = 4*V``, energy
``rep_out = Scalar``; ``H`` is invariant under rotations about z and reflections through
vertical planes, O(2) embedded in R³. Initial states: ``x1 = (0, 0, -1.5) + 0.2 n``,
``x2 = (0, 0, -3) + 0.2 n'``, ``p = 0.4 n''`` (standard normal ``n``).
"""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import DatasetError

__all__ = ["HamiltonianDataset", "SHO", "DoubleSpringPendulum"]


def _positive(value, name, kind=float):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DatasetError(f"{name} must be a positive number, got {value!r}")
    if kind is int and int(value) != value:
        raise DatasetError(f"{name} must be a positive integer, got {value!r}")
    if not value > 0:
        raise DatasetError(f"{name} must be positive, got {value!r}")
    return kind(value)


class HamiltonianDataset:
    """Trajectory chunks of a Hamiltonian system (see the module docstring).

    Args:
        n_systems: number of trajectories, one chunk each (default 100).
        chunk_len: states per training chunk (default 5).
        dt: spacing of the saved states (default 0.2; not the integrator's step).
        integration_time: length of each trajectory (default 30).
        seed: seed of the initial conditions and chunk choices (NumPy ``default_rng``).
        rtol, atol: tolerances of the adaptive integrator (default 1e-6; the reference's
            data used rtol 1e-4).

    Subclasses define ``H(z)`` (energies of states ``(..., D)``, in ``jax.numpy``),
    ``sample_initial_conditions(n, rng)`` and ``rep_in`` / ``rep_out`` / ``symmetry``.

    >>> ds = SHO(n_systems=3, chunk_len=2, integration_time=1.0)  # a subclass
    >>> (z0, T), chunk = ds[0]
    >>> z0.shape, T.shape, chunk.shape, isinstance(ds, HamiltonianDataset)
    ((2,), (2,), (2, 2), True)
    """

    state_size: int

    def __init__(self, n_systems: int = 100, chunk_len: int = 5, dt: float = 0.2,
                 integration_time: float = 30.0, seed: int = 0, rtol: float = 1e-6,
                 atol: float = 1e-6):
        n_systems = _positive(n_systems, "n_systems", int)
        self.chunk_len = _positive(chunk_len, "chunk_len", int)
        self.dt = _positive(dt, "dt")
        self.integration_time = _positive(integration_time, "integration_time")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise DatasetError(f"seed must be a non-negative integer, got {seed!r}")
        self.rtol, self.atol = _positive(rtol, "rtol"), _positive(atol, "atol")
        n_long = int(round(self.integration_time / self.dt))
        if n_long < self.chunk_len:
            raise DatasetError(f"integration_time {integration_time} at dt {dt} gives {n_long} "
                               f"states, fewer than chunk_len {chunk_len}; integrate longer")
        self.T = (np.arange(self.chunk_len) * self.dt).astype(np.float32)
        self.T_long = (np.arange(n_long) * self.dt).astype(np.float32)
        self.stats = (0, 1, 0, 1)  # the reference trains without standardizing
        rng = np.random.default_rng(seed)
        z0 = self.sample_initial_conditions(n_systems, rng)
        self.Zs_long = self.integrate(z0, self.T_long)
        n_chunks = n_long // self.chunk_len
        starts = self.chunk_len * rng.integers(0, n_chunks, n_systems)
        rows = np.arange(n_systems)[:, None]
        self.Zs = self.Zs_long[rows, starts[:, None] + np.arange(self.chunk_len)]

    # ---- the system ---------------------------------------------------------------------------
    def H(self, z):
        raise NotImplementedError

    def sample_initial_conditions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def dynamics(self, z):
        """Hamilton's equations ``J∇H(z)`` at states ``z`` (..., D), in JAX."""
        from emlp_sym.nn.core.dynamics import symplectic_gradient

        return symplectic_gradient(self.H, z)

    def integrate(self, z0, ts) -> np.ndarray:
        """True trajectories from states ``z0`` (N, D) at times ``ts``: (N, len(ts), D),
        float32 (``odeint`` at this dataset's tolerances)."""
        import jax.numpy as jnp

        from emlp_sym.nn.core.dynamics import odeint_integrate

        z0 = np.asarray(z0, dtype=np.float32)
        if z0.ndim != 2 or z0.shape[1] != self.state_size:
            raise DatasetError(f"{type(self).__name__} states have shape (N, {self.state_size}), "
                               f"got {z0.shape}")
        zs = odeint_integrate(self.dynamics, jnp.asarray(z0), jnp.asarray(ts, jnp.float32),
                              self.rtol, self.atol)
        return np.asarray(zs, dtype=np.float32)

    # ---- dataset protocol ----------------------------------------------------------------------
    @property
    def X(self) -> np.ndarray:
        return self.Zs[:, 0]

    @property
    def Y(self) -> np.ndarray:
        return self.Zs

    def __len__(self) -> int:
        return self.Zs.shape[0]

    def __getitem__(self, i):
        return (self.Zs[i, 0], self.T), self.Zs[i]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(n_systems={len(self)}, chunk_len={self.chunk_len}, "
                f"dt={self.dt}, integration_time={self.integration_time})")


class SHO(HamiltonianDataset):
    """The simple harmonic oscillator ``H = (q² + p²)/2``, state ``[q, p]``, initial states
    standard normal. Its flow rotates the phase plane, so ``H`` is invariant (and ``J∇H``
    equivariant) under SO(2) acting on ``[q, p]`` as a vector: ``rep_in = V``,
    ``symmetry = SO(2)`` (the reference gives the SHO no symmetry).

    >>> ds = SHO(n_systems=3, chunk_len=2, integration_time=1.0)
    >>> print(ds, ds.rep_in, ds.symmetry)
    SHO(n_systems=3, chunk_len=2, dt=0.2, integration_time=1.0) V SO(2)
    >>> ds.X.shape, ds.Y.shape, ds.Zs_long.shape
    ((3, 2), (3, 2, 2), (3, 5, 2))
    """

    state_size = 2

    def __init__(self, *args, **kwargs):
        from emlp_sym.groups import SO
        from emlp_sym.reps import Scalar, V

        self.rep_in, self.rep_out, self.symmetry = V, Scalar, SO(2)
        super().__init__(*args, **kwargs)

    def H(self, z):
        return 0.5 * (z[..., 0] ** 2 + z[..., 1] ** 2)

    def sample_initial_conditions(self, n, rng):
        return rng.standard_normal((n, 2))


class DoubleSpringPendulum(HamiltonianDataset):
    """The paper's double spring pendulum in R³ under gravity (see the module docstring).
    State ``[x1, x2, p1, p2]`` (12,), ``rep_in = 4*V``, ``rep_out = Scalar``,
    ``symmetry`` O(2) embedded in R³.

    >>> ds = DoubleSpringPendulum(n_systems=2, integration_time=1.0)
    >>> print(ds.rep_in, ds.symmetry)
    4V O(2)_R3
    >>> ds.X.shape, ds.Y.shape
    ((2, 12), (2, 5, 12))
    """

    state_size = 12
    masses = (1.0, 1.0)
    spring_constants = (1.0, 1.0)
    rest_lengths = (1.0, 1.0)
    gravity = 1.0

    def __init__(self, *args, **kwargs):
        from emlp_sym.groups import O2eR3
        from emlp_sym.reps import Scalar, V

        self.rep_in, self.rep_out, self.symmetry = 4 * V, Scalar, O2eR3()
        super().__init__(*args, **kwargs)

    def H(self, z):
        import jax.numpy as jnp

        (m1, m2), (k1, k2), (l1, l2) = self.masses, self.spring_constants, self.rest_lengths
        x1, x2, p1, p2 = z[..., 0:3], z[..., 3:6], z[..., 6:9], z[..., 9:12]
        norm = lambda v: jnp.sqrt(jnp.sum(v**2, axis=-1))
        kinetic = jnp.sum(p1**2, -1) / (2 * m1) + jnp.sum(p2**2, -1) / (2 * m2)
        springs = 0.5 * k1 * (norm(x1) - l1) ** 2 + k2 * (norm(x1 - x2) - l2) ** 2
        return kinetic + springs + self.gravity * (m1 * x1[..., 2] + m2 * x2[..., 2])

    def sample_initial_conditions(self, n, rng):
        x1 = np.array([0.0, 0.0, -1.5]) + 0.2 * rng.standard_normal((n, 3))
        x2 = np.array([0.0, 0.0, -3.0]) + 0.2 * rng.standard_normal((n, 3))
        p = 0.4 * rng.standard_normal((n, 6))
        return np.concatenate([x1, x2, p], axis=1)
