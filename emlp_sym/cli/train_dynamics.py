"""``emlp-sym train`` for learned dynamics: Hamiltonian and neural-ODE (E)MLPs on trajectories.

The loop is the reference's (``IntegratedDynamicsTrainer``): Adam on the integrated-chunk MSE
(integrate the model from each chunk's first state over the chunk's times, compare every
state), then the rollout metric on the test trajectories: from each test chunk's first state,
the model's rollout and the true one over ``T_long`` (30 s at dt 0.2), the relative error
``‖a−b‖/(‖a‖+‖b‖)`` at each time, geometric mean over trajectories and time.

Training uses the core's pure model (:mod:`emlp_sym.nn.core.dynamics`; RK4 at a fixed step,
``substeps`` per ``dt``); the parameters are the core's tree, loaded back into the chosen front's
``EMLPH`` / ``MLPH`` / ``EMLPode`` / ``MLPode`` (objax or Flax NNX) whose vector field is
checked against the core's. Writes ``config.json``, ``metrics.json``, ``params.npz``,
``losses.png``, ``rollout_error.png`` (error against time) and ``rollout.png`` (one test
rollout beside the truth).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from emlp_sym.errors import ConfigError

#: model name -> (kind of network, equivariant)
DYNAMICS_MODELS = {
    "EMLPH": ("hamiltonian", True),
    "MLPH": ("hamiltonian", False),
    "EMLPode": ("ode", True),
    "MLPode": ("ode", False),
}
#: the trajectory datasets ``emlp-sym train`` accepts for the dynamics models
DYNAMICS_DATASETS = ("DoubleSpringPendulum", "SHO")
#: the fronts that have ``EMLPH`` / ``MLPH`` / ``EMLPode`` / ``MLPode``
DYNAMICS_FRAMEWORKS = ("objax", "flax")
ADAM_SPACES = ("weights", "coefficients")  # see emlp_sym.nn.core.optim


def is_dynamics(dataset: str | None, model: str | None) -> bool:
    """Whether a ``train`` request is a dynamics one (by its dataset or its model).

    >>> is_dynamics("SHO", None), is_dynamics(None, "EMLPode"), is_dynamics("Inertia", "EMLP")
    (True, True, False)
    """
    return dataset in DYNAMICS_DATASETS or model in DYNAMICS_MODELS


@dataclass
class DynamicsConfig:
    """The settings of a dynamics run; the defaults are the reference's HNN experiment
    (``experiments/hnn_expt.py``: ch 128, 3 layers, Adam 3e-3, batch 500, 2000 epochs, 500
    training trajectories, chunks of 5 states at dt 0.2).

    >>> DynamicsConfig(dataset="SHO", model="MLPH", ch=8).validate()  # fine: returns None
    >>> DynamicsConfig(framework="haiku").validate()
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: dynamics models exist in the objax and flax fronts, not ...
    """

    dataset: str = "DoubleSpringPendulum"
    model: str = "EMLPH"
    group: str | None = None  # None: the dataset's own symmetry (O(2) in R³ for the pendulum)
    framework: str = "objax"
    epochs: int = 2000  # the reference's HNN runs
    ch: int = 128
    num_layers: int = 3
    batch_size: int = 500
    lr: float = 3e-3
    seed: int = 0
    n_train: int = 500  # trajectories, one chunk each
    n_test: int = 500
    chunk_len: int = 5
    dt: float = 0.2
    integration_time: float = 30.0
    substeps: int = 1  # RK4 steps per dt, in training and in rollouts
    # Adam on the basis coefficients (every front's default) or, as the reference steps, on the
    # dense weights (emlp_sym.nn.core.optim); measured in docs/paper_results.md
    adam_in: str = "coefficients"
    out: str = "runs/latest"
    progress: bool = True
    plots: bool = True

    def validate(self):
        if self.dataset not in DYNAMICS_DATASETS:
            raise ConfigError(f"{self.dataset!r} is not a dynamics dataset; choose from "
                              f"{', '.join(DYNAMICS_DATASETS)}")
        if self.model not in DYNAMICS_MODELS:
            raise ConfigError(f"{self.model!r} is not a dynamics model; on {self.dataset} choose "
                              f"from {', '.join(DYNAMICS_MODELS)}")
        if self.framework not in DYNAMICS_FRAMEWORKS:
            raise ConfigError(f"dynamics models exist in the objax and flax fronts, not "
                              f"{self.framework!r}; pass --framework objax or flax")
        for name in ("epochs", "ch", "num_layers", "batch_size", "n_train", "n_test",
                     "chunk_len", "substeps"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.adam_in not in ADAM_SPACES:
            raise ConfigError(f"adam_in must be 'weights' or 'coefficients', got "
                              f"{self.adam_in!r}")
        for name in ("lr", "dt", "integration_time"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)!r}")
        if isinstance(self.seed, bool) or int(self.seed) != self.seed or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")


def build_datasets(cfg: DynamicsConfig):
    """Train and test trajectory sets (independent seeds ``seed`` and ``seed + 1``).

    >>> cfg = DynamicsConfig(dataset="SHO", model="MLPH", ch=8, num_layers=1, n_train=4,
    ...                      n_test=2, integration_time=1.0, progress=False)
    >>> train, test = build_datasets(cfg)
    >>> len(train), len(test), train.Y.shape
    (4, 2, (4, 5, 2))
    """
    from emlp_sym.datasets.hamiltonian import SHO, DoubleSpringPendulum

    cls = {"DoubleSpringPendulum": DoubleSpringPendulum, "SHO": SHO}[cfg.dataset]
    kw = dict(chunk_len=cfg.chunk_len, dt=cfg.dt, integration_time=cfg.integration_time)
    return cls(cfg.n_train, seed=cfg.seed, **kw), cls(cfg.n_test, seed=cfg.seed + 1, **kw)


def build_net(cfg: DynamicsConfig, trainset):
    """The group (``cfg.group`` parsed, or the dataset's symmetry) and the core's
    :class:`~emlp_sym.nn.core.dynamics.DynamicsNet` of ``cfg.model``.

    >>> cfg = DynamicsConfig(dataset="SHO", model="MLPH", ch=8, num_layers=1, n_train=4,
    ...                      n_test=2, integration_time=1.0, progress=False)
    >>> train, test = build_datasets(cfg)
    >>> G, net = build_net(cfg, train)
    >>> print(G, net.kind, net.equivariant)
    SO(2) hamiltonian False
    """
    from emlp_sym.cli.parse import parse_group
    from emlp_sym.nn.core.dynamics import dynamics_net

    G = trainset.symmetry if cfg.group is None else parse_group(cfg.group)
    kind, equivariant = DYNAMICS_MODELS[cfg.model]
    return G, dynamics_net(kind, trainset.rep_in, G, cfg.ch, cfg.num_layers, equivariant)


def _batches(n: int, size: int):
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def fit(net, trainset, testset, cfg: DynamicsConfig, desc: str = ""):
    """Adam on the integrated-chunk MSE; returns ``(params, train_losses, test_losses)`` with
    ``test_losses`` a list of ``(epoch, mse)`` (about 20 evaluations per run).

    Training is too slow for an example; the loss it minimizes, at the initial parameters:

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.dynamics import dynamics_net, init_dynamics
    >>> net = dynamics_net("hamiltonian", V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> from emlp_sym.nn.core.dynamics import chunk_mse
    >>> chunks, ts = np.ones((4, 5, 2)), np.arange(5) * 0.2  # 4 chunks of 5 states at dt 0.2
    >>> float(chunk_mse(net, init_dynamics(net, 0), chunks, ts)) > 0
    True
    """
    import jax
    import optax
    from tqdm.auto import tqdm

    from emlp_sym.nn.core.dynamics import chunk_mse, init_dynamics
    from emlp_sym.nn.core.optim import in_weight_space

    params = init_dynamics(net, cfg.seed)
    opt = optax.adam(cfg.lr)
    if cfg.adam_in == "weights":  # the reference's step: Adam on the dense W = Σ c_k B_k
        opt = in_weight_space(opt, net.plan)
    state = opt.init(params)
    ts = jax.numpy.asarray(trainset.T)
    loss_fn = lambda p, z: chunk_mse(net, p, z, ts, cfg.substeps)

    @jax.jit
    def step(p, s, z):
        loss, grads = jax.value_and_grad(loss_fn)(p, z)
        updates, s = opt.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    test_loss = jax.jit(loss_fn)
    rng = np.random.default_rng(cfg.seed)
    train_Z, test_Z = trainset.Zs, testset.Zs
    every = max(1, cfg.epochs // 20)
    train_losses, test_losses = [], []
    bar = tqdm(range(cfg.epochs), desc=desc, disable=not cfg.progress)
    for epoch in bar:
        order = rng.permutation(len(train_Z))
        losses = []
        for sl in _batches(len(train_Z), cfg.batch_size):
            params, state, loss = step(params, state, train_Z[order[sl]])
            losses.append(float(loss))
        train_losses.append(float(np.mean(losses)))
        if not np.isfinite(train_losses[-1]):
            raise ConfigError(f"training diverged at epoch {epoch} (loss "
                              f"{train_losses[-1]}); try a smaller --lr or more --substeps")
        if epoch % every == 0 or epoch == cfg.epochs - 1:
            test = np.mean([float(test_loss(params, test_Z[sl]))
                            for sl in _batches(len(test_Z), cfg.batch_size)])
            test_losses.append((epoch, float(test)))
            bar.set_postfix(train=f"{train_losses[-1]:.3g}", test=f"{test:.3g}")
    return params, train_losses, test_losses


def rollouts(net, params, testset, cfg: DynamicsConfig, batch: int = 500):
    """The model's and the true trajectories over ``T_long`` from each test chunk's first
    state: two ``(N, len(T_long), D)`` arrays.

    >>> cfg = DynamicsConfig(dataset="SHO", model="MLPH", ch=8, num_layers=1, n_train=4,
    ...                      n_test=2, integration_time=1.0, progress=False)
    >>> train, test = build_datasets(cfg)
    >>> G, net = build_net(cfg, train)
    >>> from emlp_sym.nn.core.dynamics import init_dynamics
    >>> pred, true = rollouts(net, init_dynamics(net, 0), test, cfg)
    >>> pred.shape, true.shape
    ((2, 5, 2), (2, 5, 2))
    """
    import jax

    from emlp_sym.nn.core.dynamics import integrate

    ts = jax.numpy.asarray(testset.T_long)
    roll = jax.jit(lambda p, z0: integrate(net, p, z0, ts, "rk4", cfg.substeps))
    z0 = testset.Zs[:, 0]
    pred = np.concatenate([np.asarray(roll(params, z0[sl]))
                           for sl in _batches(len(z0), batch)])
    true = testset.integrate(z0, testset.T_long)
    return pred, true


def rollout_metrics(pred, true, T_long) -> dict:
    """The reference's rollout error (geometric mean over trajectories and time) and its
    curve against time (geometric mean over trajectories at each time); a rollout counts as
    blown up (``diverged_rollouts``) where it is not finite or grows past 1000 times the
    truth's largest entry.

    >>> true = np.ones((2, 3, 4))
    >>> m = rollout_metrics(true + 0.01, true, [0.0, 0.2, 0.4])
    >>> round(m["rollout_error"], 4), m["diverged_rollouts"], len(m["rollout_error_curve"])
    (0.005, 0, 3)
    """
    from emlp_sym.nn.core.dynamics import geometric_mean, rollout_errors

    errs = np.asarray(rollout_errors(pred, true))
    logs = np.log(np.maximum(errs, 1e-7))
    pred, true = np.asarray(pred), np.asarray(true)
    with np.errstate(invalid="ignore", over="ignore"):  # blown-up rollouts: inf and NaN
        blown = ~np.all(np.isfinite(pred), axis=(1, 2)) | (
            np.max(np.abs(pred), axis=(1, 2)) > 1e3 * np.max(np.abs(true), axis=(1, 2)))
    diverged = int(np.sum(blown))
    return dict(rollout_error=geometric_mean(errs), diverged_rollouts=diverged,
                rollout_error_curve=np.exp(logs.mean(0)).tolist(),
                rollout_error_final=float(np.exp(logs[:, -1].mean())),
                times=np.asarray(T_long).tolist())


def vector_field_equivariance(net, params, G, states, seed: int = 0) -> float:
    """Relative equivariance error of the learned vector field on ``states``, one group
    element per state.

    The MLP baseline's field is not equivariant (an EMLP's error is at float precision):

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.dynamics import dynamics_net, init_dynamics
    >>> net = dynamics_net("hamiltonian", V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> states = np.random.default_rng(0).standard_normal((4, 2))
    >>> vector_field_equivariance(net, init_dynamics(net, 0), SO(2), states) > 0.01
    True
    """
    from emlp_sym.nn.core.dynamics import vector_field
    from emlp_sym.testing import paired_equivariance_error

    rep = net.rep_in
    gs = G.samples(len(states), seed=seed)
    return float(paired_equivariance_error(lambda z: vector_field(net, params, z), rep, rep,
                                           states, gs))


def front_model(cfg: DynamicsConfig, net, G, params):
    """The chosen front's model (``EMLPH`` etc.) holding ``params``.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.dynamics import dynamics_net, init_dynamics
    >>> net = dynamics_net("hamiltonian", V, SO(2), ch=8, num_layers=1, equivariant=False)
    >>> cfg = DynamicsConfig(dataset="SHO", model="MLPH", ch=8, num_layers=1)  # objax front
    >>> model = front_model(cfg, net, SO(2), init_dynamics(net, 0))
    >>> type(model).__name__, model.vector_field(np.ones((4, 2))).shape
    ('MLPH', (4, 2))
    """
    from emlp_sym.reps import Scalar

    kind, _ = DYNAMICS_MODELS[cfg.model]
    rep_in = net.rep_in
    rep_out = Scalar if kind == "hamiltonian" else rep_in
    if cfg.framework == "flax":
        from flax import nnx

        from emlp_sym.nn import flax as front

        model = getattr(front, cfg.model)(rep_in, rep_out, G, cfg.ch, cfg.num_layers,
                                          rngs=nnx.Rngs(cfg.seed))
    else:
        from emlp_sym.nn import objax as front

        model = getattr(front, cfg.model)(rep_in, rep_out, G, cfg.ch, cfg.num_layers)
    return front.import_params(model, params)


def train_dynamics(cfg: DynamicsConfig) -> dict:
    """Train, evaluate and write a dynamics run (see the module docstring); returns metrics.

    Training is too slow for an example; a bad config is refused before any work:

    >>> train_dynamics(DynamicsConfig(model="EMLP"))
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: 'EMLP' is not a dynamics model; on DoubleSpringPendulum ...
    """
    import jax

    from emlp_sym.nn.core.dynamics import vector_field
    from emlp_sym.nn.core.params import num_params, save_params

    cfg.validate()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    trainset, testset = build_datasets(cfg)
    G, net = build_net(cfg, trainset)
    t_built = time.perf_counter()
    params, train_losses, test_losses = fit(
        net, trainset, testset, cfg, desc=f"{cfg.model} on {cfg.dataset} ({G})")
    t_trained = time.perf_counter()
    pred, true = rollouts(net, params, testset, cfg)
    metrics = rollout_metrics(pred, true, testset.T_long)
    states = testset.Zs[:64, 0]
    model = front_model(cfg, net, G, params)
    front_diff = np.max(np.abs(np.asarray(model.vector_field(jax.numpy.asarray(states)))
                               - np.asarray(vector_field(net, params, states))))
    metrics.update(
        model=cfg.model, dataset=cfg.dataset, group=str(G), framework=cfg.framework,
        train_mse=train_losses[-1], test_mse=test_losses[-1][1],
        equivariance_error=vector_field_equivariance(net, params, G, states, cfg.seed),
        front_vector_field_max_diff=float(front_diff),
        parameters=num_params(params), build_seconds=t_built - t0,
        train_seconds=t_trained - t_built, seconds_per_epoch=(t_trained - t_built) / cfg.epochs,
    )
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    save_params(out / "params.npz", params)
    if cfg.plots:
        from emlp_sym.cli.train import plot_losses

        title = f"{cfg.model} on {cfg.dataset} ({G})"
        plot_losses(train_losses, test_losses, out / "losses.png", title=title)
        plot_rollout_error({cfg.model: metrics}, out / "rollout_error.png", title=title)
        plot_rollout(pred[0], true[0], testset.T_long, out / "rollout.png", title=title)
    return metrics


def plot_rollout_error(runs: dict, path, title: str = ""):
    """Rollout error (geometric mean over test trajectories) against time, one line per run
    (``runs`` maps a label to metrics holding ``times`` and ``rollout_error_curve``).

    >>> import os, tempfile
    >>> m = rollout_metrics(np.ones((2, 3, 4)) + 0.01, np.ones((2, 3, 4)), [0.0, 0.2, 0.4])
    >>> path = os.path.join(tempfile.mkdtemp(), "rollout_error.png")
    >>> plot_rollout_error({"MLPH": m}, path); os.path.exists(path)
    True
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, m in runs.items():
        ax.plot(m["times"], m["rollout_error_curve"],
                label=f"{label} (geo. mean {m['rollout_error']:.3g})")
    ax.set_yscale("log")
    ax.set_xlabel("time")
    ax.set_ylabel("relative error ‖a−b‖/(‖a‖+‖b‖)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_rollout(pred, true, times, path, title: str = ""):
    """One trajectory: each position coordinate (x, y, z of each mass; or q, p) against time,
    the model's rollout dashed over the truth.

    >>> import os, tempfile
    >>> true = np.zeros((3, 12))  # one double-pendulum trajectory, 3 times
    >>> path = os.path.join(tempfile.mkdtemp(), "rollout.png")
    >>> plot_rollout(true + 0.1, true, [0.0, 0.2, 0.4], path); os.path.exists(path)
    True
    """
    plt = _pyplot()
    pred, true = np.asarray(pred), np.asarray(true)
    d = pred.shape[-1] // 2
    bodies = max(1, d // 3)
    fig, axes = plt.subplots(bodies, 1, figsize=(7, 2.4 * bodies + 0.6), squeeze=False)
    names = "xyz" if d % 3 == 0 else [f"q{i}" for i in range(d)] if d > 1 else ["q"]
    coords = [list(range(3 * b, 3 * b + 3)) for b in range(bodies)] if d % 3 == 0 \
        else [list(range(2 * d))]
    for b, ax in enumerate(axes[:, 0]):
        for j, c in enumerate(coords[b]):
            label = names[j] if d % 3 == 0 else (f"q{c}" if c < d else f"p{c - d}")
            ax.plot(times, true[:, c], color=f"C{j}", label=f"{label} true")
            ax.plot(times, pred[:, c], color=f"C{j}", ls="--", label=f"{label} model")
        ax.set_ylabel(f"mass {b + 1}" if d % 3 == 0 else "state")
        ax.legend(fontsize=7, ncol=3)
    axes[-1, 0].set_xlabel("time")
    axes[0, 0].set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
