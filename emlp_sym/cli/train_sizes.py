"""``emlp-sym train`` on the datasets whose size is a parameter: train at one size
(``--train-n``), then evaluate the same parameters, as they are, at each ``--test-n``.

The models are the core's any-size models (pure JAX; parameters independent of n):

* ``SBMTriangles`` (graphs, :class:`~emlp_sym.datasets.SBMTriangles`): a diagram MLP ``V + V²
  → V`` of ``S(n)`` (:func:`~emlp_sym.nn.core.diagram_models.diagram_mlp_plan`), hidden
  ``16V⁰ + 16V + 8V²`` per layer, ``mean`` pooling (the target is a density: averages keep
  every layer's inputs of order one at every n). Metric: the mean squared error over nodes,
  as the size-transfer paper's script computes it.
* ``InertiaN`` (point clouds, :class:`~emlp_sym.datasets.InertiaN`): the per-point product
  model of :mod:`emlp_sym.nn.core.point_models` (``mean`` then ``sum`` pooling: the target is
  a sum over points). Metric: the relative error ``|I_pred − I|_F / |I|_F``, averaged.

Training: Adam (``jax.example_libraries.optimizers``: no framework needed) with a cosine
decay of the learning rate, on a fifth of the examples held out for validation, keeping the
parameters of the best validation epoch. Test sets are generated batch by batch, never held
whole (a graph of 2000 nodes is 16 MB); each batch is sized to fit the memory limit, and a
size whose single example does not fit is refused before anything runs.

Writes to the output folder: ``config.json``, ``metrics.json`` (the metric per test size,
``"test": {"50": {...}, ...}``), ``losses.json`` and ``losses.png`` (train and validation
loss per epoch), ``error_vs_n.png`` (the metric against n, log-log) and ``params.npz`` (with
each layer's basis recorded, so it loads at any n and nowhere else).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from emlp_sym.errors import ConfigError

#: per dataset: the default training size, test sizes and metric name
SIZED_DEFAULTS = {
    "SBMTriangles": {"train_n": 50, "test_n": (50, 200, 500, 1000, 2000), "metric": "mse",
                     "epochs": 15},  # 4.5 s an epoch here: 2 min with the tests
    # 0.2 s an epoch: 100 take 14 s and reach a relative error of 3e-3 (15 leave it at 0.16)
    "InertiaN": {"train_n": 5, "test_n": (5, 50, 500, 5000), "metric": "rel_error",
                 "epochs": 100},
}
#: the graph model's hidden channels per tensor order
GRAPH_HIDDEN = {0: 16, 1: 16, 2: 8}
#: the largest test size the command accepts; past it one example alone is gigabytes
MAX_N = {"SBMTriangles": 20_000, "InertiaN": 10_000_000}


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"50,200,500"`` → ``(50, 200, 500)``; ConfigError on anything but positive integers.

    >>> parse_sizes("50, 200")
    (50, 200)
    >>> parse_sizes("50,x")
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: --test-n must be positive integers separated by commas, got '50,x'
    """
    try:
        sizes = tuple(int(s) for s in str(text).split(","))
    except ValueError:
        sizes = ()
    if not sizes or any(n < 1 for n in sizes):
        raise ConfigError(f"--test-n must be positive integers separated by commas, "
                          f"got {text!r}")
    return sizes


@dataclass
class SizedConfig:
    """One size-transfer run; :meth:`validate` refuses bad settings with one-line errors.

    >>> SizedConfig(dataset="InertiaN", train_n=5, test_n=(5, 50)).validate()
    >>> SizedConfig(dataset="InertiaN", train_n=0).validate()
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: --train-n must be a positive integer, got 0
    """

    dataset: str = "SBMTriangles"
    train_n: int | None = None  # None: the dataset's default (SIZED_DEFAULTS)
    test_n: tuple[int, ...] | None = None
    epochs: int | None = None  # None: the dataset's default
    batch_size: int = 128
    lr: float = 3e-3
    seed: int = 0
    n_train: int = 5000  # examples at train_n, a fifth of them held out for validation
    n_test: int = 200  # examples per test size, at most (see test_examples)
    test_budget: int = 40_000_000  # input numbers per test size: fewer large examples
    num_layers: int = 2  # hidden layers of the graph model
    ch: int = 8  # channels per point of the point-cloud model
    out: str = "runs/latest"
    progress: bool = True

    def __post_init__(self):
        defaults = SIZED_DEFAULTS.get(self.dataset, {})
        if self.train_n is None:
            self.train_n = defaults.get("train_n")
        if self.test_n is None:
            self.test_n = defaults.get("test_n")
        if self.epochs is None:
            self.epochs = defaults.get("epochs", 15)
        if isinstance(self.test_n, str):
            self.test_n = parse_sizes(self.test_n)

    def validate(self) -> None:
        if self.dataset not in SIZED_DEFAULTS:
            raise ConfigError(f"{self.dataset!r} has no size to vary; --train-n and --test-n "
                              f"take {' or '.join(SIZED_DEFAULTS)}")
        sizes = [("--train-n", self.train_n)] + [("--test-n", n) for n in self.test_n]
        for flag, n in sizes:
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ConfigError(f"{flag} must be a positive integer, got {n!r}")
        for n in (self.train_n, *self.test_n):
            if n > MAX_N[self.dataset]:
                raise ConfigError(f"n = {n} is over the largest {self.dataset} size this "
                                  f"command runs ({MAX_N[self.dataset]}); choose a smaller one")
        for name in ("epochs", "batch_size", "n_test", "num_layers", "ch", "test_budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.n_train, int) or self.n_train < 5:
            raise ConfigError(f"n_train must be at least 5 (a fifth is held out), got "
                              f"{self.n_train!r}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr}")


class SizedModel:
    """The dataset's model at size ``n``: ``apply(params, x)``, ``init(key)`` and the layers'
    ``bases`` (what the parameter file records)."""

    def __init__(self, cfg: SizedConfig, n: int):
        if cfg.dataset == "SBMTriangles":
            from emlp_sym.groups import S
            from emlp_sym.nn.core import diagram_models as dm
            from emlp_sym.reps import V

            plan = dm.diagram_mlp_plan(V + V**2, V, S(n), dm.by_order(GRAPH_HIDDEN),
                                       num_layers=cfg.num_layers, normalise="mean")
            self.apply = lambda params, x: dm.diagram_mlp_apply(plan, params, x)
            self.init = lambda key: dm.init_diagram_mlp(plan, key)
            self.bases = dm.diagram_mlp_bases(plan)
            # activations per example: the widest layer's input and output, a few times over
            widths = [layer.rep_in.size() + layer.rep_out.size() for layer in plan.layers]
            self.input_size = plan.layers[0].rep_in.size()
        else:
            from emlp_sym.nn.core import point_models as pm

            plan = pm.point_product_plan(n, cfg.ch)
            self.apply = lambda params, x: pm.point_product_apply(plan, params, x)
            self.init = lambda key: pm.init_point_product(plan, key)
            self.bases = pm.point_product_bases(plan)
            widths = [plan.first.rep_out.size() + plan.readout.rep_in.size()]
            self.input_size = plan.first.rep_in.size()
        self.n, self.plan = n, plan
        self.bytes_per_example = 4 * 4 * max(widths)


def _dataset(cfg: SizedConfig, N: int, n: int, seed: int):
    from emlp_sym.datasets import SIZED_DATASETS

    return SIZED_DATASETS[cfg.dataset](N=N, n=n, seed=seed)


def eval_batch_size(model: SizedModel, cfg: SizedConfig) -> int:
    """Examples per evaluation batch: what a quarter of the memory limit holds (at most
    ``cfg.batch_size``); ResourceError if one example alone does not fit."""
    from emlp_sym.resources import check_memory, memory_limit

    check_memory(model.bytes_per_example, f"one {cfg.dataset} example at n = {model.n}",
                 "choose a smaller --test-n or raise EMLP_SYM_MEMORY_LIMIT")
    return int(max(1, min(cfg.batch_size, memory_limit() // 4 // model.bytes_per_example)))


def check_training_memory(cfg: SizedConfig, model: SizedModel) -> None:
    """ResourceError, before anything is drawn, if the training set (held whole: the epochs
    revisit it) and one batch's activations and gradients do not fit the memory limit."""
    from emlp_sym.resources import check_memory

    size = model.input_size
    batch = min(cfg.batch_size, cfg.n_train)
    need = 4 * cfg.n_train * size + 2 * batch * model.bytes_per_example
    check_memory(need, f"training on {cfg.n_train} {cfg.dataset} examples at n = {model.n} "
                 f"(batch {batch})", "lower --n-train, --batch-size or --train-n, or raise "
                 "EMLP_SYM_MEMORY_LIMIT")


def metric(cfg: SizedConfig, pred: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    """The batch's summed metric and its count: squared errors over nodes (SBMTriangles) or
    relative errors over examples (InertiaN)."""
    if cfg.dataset == "SBMTriangles":
        return float(np.sum((pred - y) ** 2)), y.size
    rel = np.linalg.norm(pred - y, axis=-1) / np.linalg.norm(y, axis=-1)
    return float(np.sum(rel)), len(rel)


def _loss_fn(cfg: SizedConfig, model: SizedModel):
    import jax.numpy as jnp

    if cfg.dataset == "SBMTriangles":
        return lambda p, x, y: jnp.mean((model.apply(p, x) - y) ** 2)
    # relative squared error: the target's scale grows with n
    return lambda p, x, y: jnp.mean(jnp.sum((model.apply(p, x) - y) ** 2, -1)
                                    / jnp.sum(y**2, -1))


def fit(cfg: SizedConfig, model: SizedModel):
    """Train at ``model.n``: ``(params, history)``, the parameters of the best validation
    epoch and the per-epoch ``{"train": [...], "val": [...]}`` losses."""
    import jax
    import jax.numpy as jnp
    from jax.example_libraries import optimizers

    from emlp_sym.progress import progress_bar

    check_training_memory(cfg, model)
    data = _dataset(cfg, cfg.n_train, model.n, cfg.seed)
    X, Y = data.batch(range(cfg.n_train))
    cut = cfg.n_train - max(1, cfg.n_train // 5)
    (Xt, Yt), (Xv, Yv) = (X[:cut], Y[:cut]), (X[cut:], Y[cut:])
    batch = min(cfg.batch_size, len(Xt))
    steps_per_epoch = max(1, len(Xt) // batch)
    total = cfg.epochs * steps_per_epoch

    def schedule(i):  # cosine decay from lr to 0 over the run
        return cfg.lr * 0.5 * (1 + jnp.cos(jnp.pi * jnp.minimum(i, total) / total))

    opt_init, opt_update, get_params = optimizers.adam(schedule)
    loss = _loss_fn(cfg, model)

    @jax.jit
    def step(i, state, x, y):
        value, grads = jax.value_and_grad(loss)(get_params(state), x, y)
        return opt_update(i, grads, state), value

    val_loss = jax.jit(loss)
    state = opt_init(model.init(cfg.seed))
    rng = np.random.default_rng(cfg.seed)
    best, best_params, history, i = math.inf, get_params(state), {"train": [], "val": []}, 0
    bar = progress_bar(range(cfg.epochs), disable=not cfg.progress,
                       desc=f"{cfg.dataset} n={model.n}")
    for _epoch in bar:
        order, values = rng.permutation(len(Xt)), []
        for start in range(0, len(Xt) - batch + 1, batch):  # whole batches: one compilation
            idx = order[start:start + batch]
            state, value = step(i, state, Xt[idx], Yt[idx])
            values.append(value)
            i += 1
        params = get_params(state)
        val = float(np.mean([val_loss(params, Xv[k:k + batch], Yv[k:k + batch])
                             for k in range(0, len(Xv), batch)]))
        history["train"].append(float(np.mean(values)))
        history["val"].append(val)
        if val < best:
            best, best_params = val, params
        bar.set_postfix(train=f"{history['train'][-1]:.3e}", val=f"{val:.3e}")
    return best_params, history


def test_examples(cfg: SizedConfig, model: SizedModel) -> int:
    """How many examples the test at ``model.n`` draws: ``cfg.n_test``, but no more than
    ``cfg.test_budget`` input numbers hold (and at least 10): a graph of 2000 nodes is 4·10⁶
    numbers and over a second to generate, and its metric already averages 2000 nodes.

    >>> cfg = SizedConfig()
    >>> test_examples(cfg, SizedModel(cfg, 50)), test_examples(cfg, SizedModel(cfg, 2000))
    (200, 10)
    """
    size = model.input_size
    return min(cfg.n_test, max(10, cfg.test_budget // size))


def evaluate_at(cfg: SizedConfig, params, model: SizedModel) -> dict:
    """The metric of ``params`` on :func:`test_examples` fresh examples of ``model``'s size."""
    import jax.numpy as jnp

    n = model.n
    batch, examples = eval_batch_size(model, cfg), test_examples(cfg, model)
    start, total, count = time.perf_counter(), 0.0, 0
    # a seed of its own per size: test examples are never training examples
    for x, y in _dataset(cfg, examples, n, cfg.seed + 7919 * n + 1).batches(batch):
        s, c = metric(cfg, np.asarray(model.apply(params, jnp.asarray(x))), y)
        total, count = total + s, count + c
    name = SIZED_DEFAULTS[cfg.dataset]["metric"]
    return {name: total / count, "examples": examples, "seconds": time.perf_counter() - start}


def plot_error_vs_n(test: dict, name: str, path, title: str = "") -> None:
    """The metric against n on log-log axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from emlp_sym.cli.checkpoint import atomic_write

    sizes = sorted(test)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.loglog(sizes, [test[n][name] for n in sizes], "o-")
    ax.set_xlabel("n (test size)")
    ax.set_ylabel(name.replace("_", " "))
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, dpi=120, format="png"))
    plt.close(fig)


def train_sizes(cfg: SizedConfig, log=print) -> dict:
    """Train at ``cfg.train_n``, evaluate at every ``cfg.test_n``, write the run (see the
    module docstring); returns the metrics."""
    from emlp_sym.cli import checkpoint
    from emlp_sym.cli.train import plot_losses
    from emlp_sym.nn.core.params import num_params, save_params

    cfg.validate()
    model = SizedModel(cfg, cfg.train_n)
    tests = {n: model if n == cfg.train_n else SizedModel(cfg, n) for n in cfg.test_n}
    for test_model in tests.values():  # refuse a size that cannot run before training
        eval_batch_size(test_model, cfg)
    start = time.perf_counter()
    params, history = fit(cfg, model)  # checks the training set's memory first
    train_s = time.perf_counter() - start
    name = SIZED_DEFAULTS[cfg.dataset]["metric"]
    test = {}
    for n, test_model in tests.items():
        test[n] = evaluate_at(cfg, params, test_model)
        log(f"n = {n:>6}: {name} {test[n][name]:.4g}  ({test[n]['seconds']:.1f} s)")
    metrics = {"dataset": cfg.dataset, "train_n": cfg.train_n, "metric": name,
               "best_val_loss": min(history["val"]), "train_seconds": train_s,
               "num_params": num_params(params),
               "test": {str(n): m for n, m in test.items()}}
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint.atomic_write_text(out / "config.json", json.dumps(asdict(cfg), indent=2))
    checkpoint.atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2))
    checkpoint.atomic_write_text(out / "losses.json", json.dumps(history, indent=2))
    plot_losses(history["train"], list(enumerate(history["val"])), out / "losses.png",
                title=f"{cfg.dataset}, trained at n = {cfg.train_n}",
                test_label="Validation loss")
    plot_error_vs_n(test, name, out / "error_vs_n.png",
                    title=f"{cfg.dataset}, trained at n = {cfg.train_n}")
    save_params(out / "params.npz", {k: dict(v) for k, v in params.items()}, model.bases)
    return metrics
