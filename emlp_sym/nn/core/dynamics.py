"""Learned dynamics on the layer core: Hamiltonian networks and neural ODEs, with integrators.

State layout: ``z = [q, p]`` of even size ``D``, positions first, their momenta second (for
the double spring pendulum ``z = [x1, x2, p1, p2]``, each in R³, ``rep_in = 4*V``).

* **Hamiltonian** (``EMLPH`` / ``MLPH``): the network is a scalar ``H(z)``; the vector field is
  its symplectic gradient ``dz/dt = J ∇H(z) = [∂H/∂p, -∂H/∂q]``. If ``H`` is invariant under an
  orthogonal ``ρ(g)`` acting alike on ``q`` and ``p`` (so ``ρ`` commutes with ``J``), the field
  is equivariant: ``J∇H(ρz) = ρ J∇H(z)``.
* **Neural ODE** (``EMLPode`` / ``MLPode``): the network is the vector field itself,
  ``rep_in → rep_in``; an EMLP makes it equivariant by construction.

The network is the core's EMLP (:func:`~emlp_sym.nn.core.architecture.emlp_apply`) or MLP, so the
parameter tree is the core's and travels between fronts. Integration is pure JAX: classical
RK4 at a fixed step (``lax.scan``; what training and the rollouts here use, as it is cheap to
differentiate) or ``jax.experimental.ode.odeint`` (adaptive Dormand-Prince, the reference's).

The metric is the reference's: per time step, ``‖a−b‖ / (‖a‖ + ‖b‖)`` over the state, then
the geometric mean over trajectories and time, each error floored at 1e-7 before the log; a
prediction that overflowed counts as error 1 (the reference would return NaN).

>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V
>>> net = dynamics_net("hamiltonian", 2 * V, SO(2), ch=8, num_layers=1)
>>> params = init_dynamics(net, 0)
>>> vector_field(net, params, jnp.ones((3, 4))).shape
(3, 4)
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.groups.base import Group
from emlp_sym.nn.core import architecture as arch
from emlp_sym.nn.core.linear import check_input
from emlp_sym.reps import Scalar
from emlp_sym.reps.expr import Rep

__all__ = [
    "HamiltonianMethods", "ODEMethods", "front_dynamics_models",
    "KINDS", "DynamicsNet", "dynamics_net", "init_dynamics", "network_apply", "hamiltonian",
    "symplectic_gradient", "vector_field", "rk4_integrate", "odeint_integrate", "integrate",
    "chunk_mse", "relative_error", "geometric_mean", "rollout_errors",
]

#: the two kinds of dynamics network: a scalar energy, or the vector field itself
KINDS = ("hamiltonian", "ode")


class DynamicsNet(NamedTuple):
    """What a dynamics model is: its kind, whether it is equivariant, and the network's plan
    (an :class:`~emlp_sym.nn.core.architecture.EMLPPlan` or an
    :class:`~emlp_sym.nn.core.architecture.MLPArchitecture`).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("ode", 2 * V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> net.kind, net.equivariant, net.state_size
    ('ode', False, 4)
    """

    kind: str  # "hamiltonian" or "ode"
    equivariant: bool
    plan: object

    @property
    def architecture(self):
        return self.plan.architecture if self.equivariant else self.plan

    @property
    def rep_in(self) -> Rep:
        return self.architecture.rep_in

    @property
    def state_size(self) -> int:
        return self.rep_in.size()


def dynamics_net(kind: str, rep_in, group: Group, ch=384, num_layers: int = 3,
                 equivariant: bool = True) -> DynamicsNet:
    """The network of a dynamics model: ``rep_in → Scalar`` for ``kind="hamiltonian"``,
    ``rep_in → rep_in`` for ``kind="ode"``; an EMLP (bases solved here) or, with
    ``equivariant=False``, the MLP baseline of width ``ch``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("hamiltonian", 2 * V, SO(2), ch=8, num_layers=1)
    >>> print(net.rep_in, net.architecture.rep_out)
    2V V⁰
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be 'hamiltonian' or 'ode', got {kind!r}")
    rin = arch.bind_rep(rep_in, group, "rep_in")
    if rin.size() % 2:
        raise ValueError(f"the state [q, p] needs an even size, but rep_in {rin} has size "
                         f"{rin.size()}")
    rout = Scalar(group) if kind == "hamiltonian" else rin
    if equivariant:
        plan = arch.emlp_plan(arch.emlp_architecture(rin, rout, group, ch, num_layers))
    else:
        plan = arch.mlp_architecture(rin, rout, group, ch, num_layers)
    return DynamicsNet(kind, bool(equivariant), plan)


def init_dynamics(net: DynamicsNet, key) -> dict:
    """The network's parameters (the core's EMLP or MLP tree) from a key or an int seed.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("ode", 2 * V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> sorted(init_dynamics(net, 0))
    ['layer0', 'readout']
    """
    return arch.init_emlp(net.plan, key) if net.equivariant else arch.init_mlp(net.plan, key)


def network_apply(net: DynamicsNet, params: dict, z):
    """The bare network on states ``z`` (..., D): ``(..., 1)`` energies or ``(..., D)``
    velocities.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("hamiltonian", 2 * V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> network_apply(net, init_dynamics(net, 0), jnp.ones((3, 4))).shape
    (3, 1)
    """
    if net.equivariant:
        check_input(z, net.rep_in, "EMLP")
        return arch.emlp_apply(net.plan, params, z)
    return arch.mlp_apply(net.plan, params, z)


def hamiltonian(net: DynamicsNet, params: dict, z):
    """The learned energy ``H(z)`` of each state, shape ``z.shape[:-1]``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("hamiltonian", 2 * V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> hamiltonian(net, init_dynamics(net, 0), jnp.ones((3, 4))).shape
    (3,)
    """
    return network_apply(net, params, z)[..., 0]


def symplectic_gradient(H: Callable, z):
    """``J ∇H(z) = [∂H/∂p, -∂H/∂q]`` for ``H`` mapping states ``(..., D)`` to energies
    ``(...)`` one per state (states do not interact, so the gradient of the sum is each
    state's own gradient).

    >>> H = lambda z: 0.5 * jnp.sum(z**2, axis=-1)  # the harmonic oscillator
    >>> symplectic_gradient(H, jnp.array([[1.0, 2.0]])).tolist()
    [[2.0, -1.0]]
    """
    grad = jax.grad(lambda s: jnp.sum(H(s)))(z)
    d = z.shape[-1] // 2
    return jnp.concatenate([grad[..., d:], -grad[..., :d]], axis=-1)


def vector_field(net: DynamicsNet, params: dict, z):
    """``dz/dt`` at states ``z`` (..., D): ``J∇H`` for a Hamiltonian net, the output for an
    ODE net.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("hamiltonian", 2 * V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> vector_field(net, init_dynamics(net, 0), jnp.ones((3, 4))).shape
    (3, 4)
    """
    if net.kind == "hamiltonian":
        return symplectic_gradient(lambda s: hamiltonian(net, params, s), z)
    return network_apply(net, params, z)


# ---------------------------------------------------------------------------------------------
# Integrators: ``f`` maps a batch of states (N, D) to their time derivatives (N, D)


class HamiltonianMethods:
    """What every front's Hamiltonian model (``EMLPH``, ``MLPH``) adds to its network, in
    one place: the class mixes this in and defines ``_net(x)``, the network's (..., 1) output.

    >>> import jax.numpy as jnp
    >>> class Spring(HamiltonianMethods):  # H = |z|²/2: dz/dt = J z
    ...     def _net(self, z):
    ...         return 0.5 * jnp.sum(z**2, -1, keepdims=True)
    >>> Spring().vector_field(jnp.array([[1.0, 0.0]])).tolist()  # (q, p) = (1, 0): dq=0, dp=-1
    [[0.0, -1.0]]
    """

    def H(self, x):
        """The energy of the states ``x`` (..., D), summed (a scalar)."""
        return jnp.sum(self.energies(x))

    def energies(self, x):
        """The energy of each state, shape ``x.shape[:-1]``."""
        return self._net(x)[..., 0]

    def vector_field(self, z, t=None):
        """``dz/dt = J∇H(z)`` at states ``z`` (..., D)."""
        return symplectic_gradient(self.energies, z)


class ODEMethods:
    """What every front's neural-ODE model (``EMLPode``, ``MLPode``) adds to its network: the
    vector field is the network's output ``_net(z)``.

    >>> import jax.numpy as jnp
    >>> class Decay(ODEMethods):
    ...     def _net(self, z):
    ...         return -z
    >>> Decay().vector_field(jnp.ones((1, 2))).tolist()
    [[-1.0, -1.0]]
    """

    def vector_field(self, z, t=None):
        """``dz/dt`` at states ``z`` (..., D): the network's output."""
        return self._net(z)


_FRONT_MODELS = {
    "EMLPH": "Equivariant network of a Hamiltonian (``rep_out`` a scalar): the front's "
             "``EMLP``, same arguments and parameters; ``model(x)`` is the energy summed over "
             "the batch, ``model.energies(x)`` each state's, ``model.vector_field(z)`` J∇H.",
    "MLPH": "MLP network of a Hamiltonian: the front's ``MLP``, same arguments and "
            "parameters, called as ``EMLPH`` is.",
    "EMLPode": "Equivariant neural-ODE vector field ``rep_in → rep_out (= rep_in)``: the "
               "front's ``EMLP``, same arguments and parameters; ``model(z, t)`` is dz/dt.",
    "MLPode": "MLP neural-ODE vector field: the front's ``MLP``, called as ``EMLPode`` is.",
}


def front_dynamics_models(emlp: type, mlp: type, module: str) -> tuple[type, ...]:
    """A front's ``EMLPH``, ``MLPH``, ``EMLPode`` and ``MLPode``, defined in ``module``: its
    ``EMLP`` / ``MLP`` classes with :class:`HamiltonianMethods` or :class:`ODEMethods` mixed
    in and the reference's call signatures (``model(x)``, ``model(z, t)``; a front's extra
    call arguments, objax's ``training``, are accepted and change nothing).

    >>> class Net:  # a stand-in for a front's EMLP: the energy |z|²/2
    ...     def __call__(self, x):
    ...         return 0.5 * jnp.sum(x**2, -1, keepdims=True)
    >>> EMLPH, MLPH, EMLPode, MLPode = front_dynamics_models(Net, Net, __name__)
    >>> EMLPH()(jnp.ones((3, 2))).item(), EMLPode()(jnp.ones((1, 2)), 0.0).shape
    (3.0, (1, 1))
    """

    def hamiltonian_call(self, x, *args, **kwargs):
        return self.H(x)

    def ode_call(self, z, t=None, *args, **kwargs):
        return self._net(z)

    models = []
    for name, mixin, net, call in (("EMLPH", HamiltonianMethods, emlp, hamiltonian_call),
                                   ("MLPH", HamiltonianMethods, mlp, hamiltonian_call),
                                   ("EMLPode", ODEMethods, emlp, ode_call),
                                   ("MLPode", ODEMethods, mlp, ode_call)):
        def network(self, x, _net=net):  # the front's EMLP or MLP forward pass
            return _net.__call__(self, x)

        body = {"__doc__": _FRONT_MODELS[name], "__module__": module, "__qualname__": name,
                "__call__": call, "_net": network}
        models.append(types.new_class(name, (mixin, net),
                                      exec_body=lambda ns, b=body: ns.update(b)))
    return tuple(models)


def _check_times(ts):
    ts = jnp.asarray(ts)
    if ts.ndim != 1 or ts.shape[0] < 1:
        raise ValueError(f"ts must be a 1-D array of at least one time, got shape {ts.shape}")
    return ts


def rk4_integrate(f: Callable, z0, ts, substeps: int = 1):
    """States at times ``ts`` (starting at ``ts[0]``) from ``z0`` (N, D): classical RK4 with
    ``substeps`` equal steps per interval; returns ``(N, len(ts), D)``. Pure and
    differentiable (``lax.scan``).

    >>> zs = rk4_integrate(lambda z: -z, jnp.ones((1, 1)), jnp.array([0.0, 1.0]), substeps=10)
    >>> zs.shape, round(float(zs[0, -1, 0]), 4)  # exp(-1)
    ((1, 2, 1), 0.3679)
    """
    ts = _check_times(ts)
    if isinstance(substeps, bool) or not isinstance(substeps, (int, np.integer)) \
            or substeps < 1:
        raise ValueError(f"substeps must be a positive integer, got {substeps!r}")

    def step(z, h):
        k1 = f(z)
        k2 = f(z + (h / 2) * k1)
        k3 = f(z + (h / 2) * k2)
        k4 = f(z + h * k3)
        return z + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)

    def interval(z, dt):
        h = dt / substeps
        z = jax.lax.fori_loop(0, substeps, lambda _, s: step(s, h), z)
        return z, z

    _, zs = jax.lax.scan(interval, z0, jnp.diff(ts))
    return jnp.concatenate([z0[:, None], jnp.swapaxes(zs, 0, 1)], axis=1)


def odeint_integrate(f: Callable, z0, ts, rtol: float = 1e-6, atol: float = 1e-6):
    """As :func:`rk4_integrate` with ``jax.experimental.ode.odeint`` (adaptive Dormand-Prince;
    one step size shared by the batch).

    >>> zs = odeint_integrate(lambda z: -z, jnp.ones((1, 1)), jnp.array([0.0, 1.0]))
    >>> round(float(zs[0, -1, 0]), 4)  # exp(-1)
    0.3679
    """
    from jax.experimental.ode import odeint

    ts = _check_times(ts)
    zs = odeint(lambda z, t: f(z), z0, ts, rtol=rtol, atol=atol)
    return jnp.swapaxes(zs, 0, 1)


def integrate(net: DynamicsNet, params: dict, z0, ts, method: str = "rk4", substeps: int = 1,
              rtol: float = 1e-6, atol: float = 1e-6):
    """The model's trajectories from ``z0`` (N, D) at times ``ts``: ``(N, len(ts), D)``.
    ``method`` is ``"rk4"`` (``substeps`` per interval) or ``"odeint"``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("ode", 2 * V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> ts = jnp.array([0.0, 0.1, 0.2])
    >>> integrate(net, init_dynamics(net, 0), jnp.ones((2, 4)), ts).shape
    (2, 3, 4)
    """
    f = lambda z: vector_field(net, params, z)
    if method == "rk4":
        return rk4_integrate(f, z0, ts, substeps)
    if method == "odeint":
        return odeint_integrate(f, z0, ts, rtol, atol)
    raise ValueError(f"method must be 'rk4' or 'odeint', got {method!r}")


def chunk_mse(net: DynamicsNet, params: dict, chunks, ts, substeps: int = 1):
    """The integrated-chunk loss: integrate from each chunk's first state over ``ts`` and
    take the mean squared error against the whole chunk (N, len(ts), D).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> net = dynamics_net("ode", 2 * V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> chunks = jnp.ones((2, 3, 4))
    >>> float(chunk_mse(net, init_dynamics(net, 0), chunks, jnp.array([0.0, 0.1, 0.2]))) >= 0
    True
    """
    pred = integrate(net, params, chunks[:, 0], ts, "rk4", substeps)
    return jnp.mean((pred - chunks) ** 2)


# ---------------------------------------------------------------------------------------------
# The rollout metric


def relative_error(a, b):
    """``‖a−b‖ / (‖a‖ + ‖b‖)`` over the last (state) axis, computed on ``a, b`` divided by
    their largest entry so that a huge but finite prediction (a rollout on its way to
    overflow) gives ≈ 1 rather than ``inf / inf`` = NaN; 0 where ``a = b = 0``.

    >>> round(float(relative_error(jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0]))), 4)  # √2 / 2
    0.7071
    >>> float(relative_error(jnp.array([3e30, 0.0]), jnp.array([1.0, 0.0])))  # no overflow
    1.0
    """
    peak = lambda x: jnp.max(jnp.abs(x), axis=-1, keepdims=True)
    scale = jnp.maximum(peak(a), peak(b))
    scale = jnp.where(scale > 0, scale, 1.0)
    a, b = a / scale, b / scale
    norm = lambda x: jnp.sqrt(jnp.sum(x**2, axis=-1))
    total = norm(a) + norm(b)
    return jnp.where(total > 0, norm(a - b) / jnp.where(total > 0, total, 1.0), 0.0)


def rollout_errors(pred, true):
    """Relative error of each trajectory at each time, ``(N, T)`` from ``(N, T, D)`` arrays.

    A predicted state that is not finite (a rollout that blew up) counts as error 1, the
    largest a finite prediction can have, where the reference's formula would give NaN and
    make the whole geometric mean NaN.

    >>> true = jnp.ones((1, 2, 2))
    >>> pred = jnp.array([[[1.0, 1.0], [jnp.nan, 1.0]]])  # the second state blew up
    >>> rollout_errors(pred, true).tolist()
    [[0.0, 1.0]]
    """
    pred = jnp.asarray(pred)
    errs = relative_error(pred, jnp.asarray(true))
    return jnp.where(jnp.all(jnp.isfinite(pred), axis=-1), errs, 1.0)


def geometric_mean(errors, floor: float = 1e-7) -> float:
    """``exp(mean(log(max(errors, floor))))`` over every entry (trajectories and times).

    >>> round(geometric_mean([[0.1, 0.001]]), 6)
    0.01
    """
    return float(jnp.exp(jnp.mean(jnp.log(jnp.maximum(jnp.asarray(errors), floor)))))
