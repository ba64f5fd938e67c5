"""The main job: train EMLP (or the MLP baseline) on a dataset, in any framework.

The loop is the seed's (Adam, batch 500, test loss every 10 epochs); the framework's own
idiom lives in its backend (:mod:`emlp_sym.cli.backends`). Writes to the output folder:
``config.json``, ``metrics.json``, ``losses.png`` (train and test loss, log scale, as the seed
plots them) and ``params.npz`` (the core's front-neutral parameters, reloadable by
:func:`evaluate` with any framework).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from emlp_sym.cli.backends import FRAMEWORKS, get_backend
from emlp_sym.datasets import DATASETS, DataLoader
from emlp_sym.errors import ConfigError
from emlp_sym.nn.params import load_params, num_params, save_params
from emlp_sym.testing import paired_equivariance_error

MODELS = ("EMLP", "MLP")


@dataclass
class TrainConfig:
    dataset: str = "Inertia"
    group: str | None = None  # None: the dataset's own symmetry
    model: str = "EMLP"
    framework: str = "objax"
    compile: bool = False  # pytorch: torch.compile the model (the JAX fronts always jit)
    epochs: int = 500
    ch: int = 384
    num_layers: int = 3
    batch_size: int = 500
    lr: float = 3e-3
    seed: int = 0
    n_train: int = 1000
    n_test: int = 2000
    standardize: bool = True
    out: str = "runs/latest"
    progress: bool = True
    extra: dict = field(default_factory=dict)

    def validate(self):
        if self.dataset not in DATASETS:
            raise ConfigError(f"unknown dataset {self.dataset!r}; choose from "
                              f"{', '.join(DATASETS)}")
        if self.model not in MODELS:
            raise ConfigError(f"unknown model {self.model!r}; choose EMLP or MLP")
        if self.framework not in FRAMEWORKS:
            raise ConfigError(f"unknown framework {self.framework!r}; choose from "
                              f"{', '.join(FRAMEWORKS)}")
        for name in ("epochs", "ch", "num_layers", "batch_size", "n_train", "n_test"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr}")


# With no --group, train on the group the seed uses (SO(3) for Inertia, whose full symmetry
# is O(3)); other datasets default to their own symmetry.
SEED_GROUPS = {"Inertia": "SO(3)"}


def _group(cfg: TrainConfig, ds):
    from emlp_sym.cli.parse import parse_group

    text = cfg.group or SEED_GROUPS.get(cfg.dataset)
    return ds.symmetry if text is None else parse_group(text)


def build(cfg: TrainConfig):
    """Datasets, group and the framework's backend for a config (deterministic in
    ``cfg.seed``)."""
    ds_cls = DATASETS[cfg.dataset]
    trainset, testset = ds_cls(cfg.n_train, seed=cfg.seed), ds_cls(cfg.n_test, seed=cfg.seed + 1)
    G = _group(cfg, trainset)
    options = {"compile": True} if cfg.compile and cfg.framework == "pytorch" else {}
    backend = get_backend(cfg.framework)(
        cfg.model, trainset.rep_in, trainset.rep_out, G, cfg.ch, cfg.num_layers,
        trainset.stats if cfg.standardize else None, cfg.seed, **options)
    return trainset, testset, G, backend


def equivariance_err(predict, rin, rout, G, x, seed=0):
    """The seed's test: relative error of f(rho_in(g) x) vs rho_out(g) f(x), one random g
    per example; ``predict`` maps a NumPy batch to a NumPy batch."""
    gs = G.samples(np.shape(x)[0], seed=seed)
    return paired_equivariance_error(predict, rin, rout, x, gs)


def train(cfg: TrainConfig) -> dict:
    cfg.validate()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    trainset, testset, G, backend = build(cfg)
    t_built = time.perf_counter()
    trainloader = DataLoader(trainset, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    testloader = DataLoader(testset, batch_size=cfg.batch_size, shuffle=False)

    train_losses, test_losses = [], []
    bar = tqdm(range(cfg.epochs), desc=f"{cfg.model} on {cfg.dataset} ({G}, {cfg.framework})",
               disable=not cfg.progress)
    for epoch in bar:
        train_losses.append(float(np.mean(
            [backend.step(np.asarray(x), np.asarray(y), cfg.lr) for x, y in trainloader])))
        if not epoch % 10 or epoch == cfg.epochs - 1:
            test_losses.append((epoch, float(np.mean(
                [backend.loss(np.asarray(x), np.asarray(y)) for x, y in testloader]))))
            bar.set_postfix(train=f"{train_losses[-1]:.3g}", test=f"{test_losses[-1][1]:.3g}")
    t_trained = time.perf_counter()

    metrics = evaluate_model(backend, trainset, testset, G, cfg)
    params = backend.export_params()
    metrics.update(
        framework=cfg.framework,
        build_seconds=t_built - t_start,
        train_seconds=t_trained - t_built,
        parameters=num_params(params),
    )
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    save_params(out / "params.npz", params)
    plot_losses(train_losses, test_losses, out / "losses.png",
                title=f"{cfg.model} on {cfg.dataset} ({cfg.framework})")
    return metrics


def evaluate_model(backend, trainset, testset, G, cfg) -> dict:
    big = DataLoader(trainset, batch_size=cfg.batch_size, shuffle=False)
    test = DataLoader(testset, batch_size=cfg.batch_size, shuffle=False)
    rin, rout = trainset.rep_in(G), trainset.rep_out(G)
    errs = [equivariance_err(backend.predict, rin, rout, G, x, seed=cfg.seed + i)
            for i, (x, _) in enumerate(test)]
    return dict(train_mse=_mse(backend, big), test_mse=_mse(backend, test),
                equivariance_error=float(np.mean(errs)))


def _mse(backend, loader):
    return float(np.mean([backend.loss(np.asarray(x), np.asarray(y)) for x, y in loader]))


def evaluate(run_dir: str, framework: str | None = None) -> dict:
    """Rebuild the model of a finished run, load its parameters, and recompute its metrics,
    with the framework it was trained in or any other (``framework``)."""
    run = Path(run_dir)
    if not (run / "config.json").exists() or not (run / "params.npz").exists():
        raise FileNotFoundError(f"{run} has no config.json/params.npz: run `emlp-sym train` first")
    cfg = TrainConfig(**json.loads((run / "config.json").read_text()))
    if framework is not None:
        cfg.framework = framework
    cfg.validate()
    trainset, testset, G, backend = build(cfg)
    backend.import_params(load_params(run / "params.npz"))
    metrics = evaluate_model(backend, trainset, testset, G, cfg)
    metrics["framework"] = cfg.framework
    return metrics


def plot_losses(train_losses, test_losses, path, title=""):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(len(train_losses)), train_losses, label="Train loss")
    if test_losses:
        ep, tl = zip(*test_losses, strict=True)
        ax.plot(ep, tl, label="Test loss")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
