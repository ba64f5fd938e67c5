"""The main job: train EMLP (or the MLP baseline) on a dataset with the seed's objax loop.

Writes to the output folder: ``config.json``, ``metrics.json``, ``losses.png`` (train and
test loss, log scale, as the seed plots them) and ``params.npz`` (reloadable by
:func:`evaluate`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from emlp_sym.datasets import DATASETS, DataLoader
from emlp_sym.nn import EMLP, MLP, Standardize
from emlp_sym.nn.objax_compat import ensure_objax
from emlp_sym.testing import rel_err

objax = ensure_objax()
MODELS = {"EMLP": EMLP, "MLP": MLP}


@dataclass
class TrainConfig:
    dataset: str = "Inertia"
    group: str | None = None  # None: the dataset's own symmetry
    model: str = "EMLP"
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
            raise ValueError(f"unknown dataset {self.dataset!r}; choose from {', '.join(DATASETS)}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose EMLP or MLP")
        for name in ("epochs", "ch", "num_layers", "batch_size", "n_train", "n_test"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")


# With no --group, train on the group the seed uses (SO(3) for Inertia, whose full symmetry
# is O(3)); other datasets default to their own symmetry.
SEED_GROUPS = {"Inertia": "SO(3)"}


def _group(cfg: TrainConfig, ds):
    from emlp_sym.cli.parse import parse_group

    text = cfg.group or SEED_GROUPS.get(cfg.dataset)
    return ds.symmetry if text is None else parse_group(text)


def build(cfg: TrainConfig):
    """Datasets, group and model for a config (deterministic in ``cfg.seed``)."""
    ds_cls = DATASETS[cfg.dataset]
    trainset, testset = ds_cls(cfg.n_train, seed=cfg.seed), ds_cls(cfg.n_test, seed=cfg.seed + 1)
    G = _group(cfg, trainset)
    objax.random.DEFAULT_GENERATOR.seed(cfg.seed)
    model = MODELS[cfg.model](trainset.rep_in, trainset.rep_out, group=G, num_layers=cfg.num_layers,
                              ch=cfg.ch)
    if cfg.standardize:
        model = Standardize(model, trainset.stats)
    return trainset, testset, G, model


def equivariance_err(model, rin, rout, G, x, seed=0):
    """The seed's test: relative error of model(rho_in(g) x) vs rho_out(g) model(x)."""
    import jax

    x = jnp.asarray(x)
    gs = G.samples(x.shape[0], seed=seed)
    rho_in = jax.vmap(rin.rho_dense)(gs)
    rho_out = jax.vmap(rout.rho_dense)(gs)
    y1 = model((rho_in @ x[..., None])[..., 0], training=False)
    y2 = (rho_out @ model(x, training=False)[..., None])[..., 0]
    return rel_err(y1, y2)


def make_train_step(model):
    """The seed's objax loop: a jitted Adam step ``train_op(x, y, lr)`` and ``test_loss(x, y)``."""
    opt = objax.optimizer.Adam(model.vars())

    @objax.Function.with_vars(model.vars())
    def loss(x, y, training=True):
        yhat = model(x, training=training)
        return ((yhat - y) ** 2).mean()

    gv = objax.GradValues(loss, model.vars())

    @objax.Function.with_vars(model.vars() + opt.vars())
    def train_op(x, y, lr):
        g, v = gv(x, y)
        opt(lr=lr, grads=g)
        return v

    return objax.Jit(train_op), objax.Jit(objax.ForceArgs(loss, training=False))


def _mse(model, loader):
    vals = [float(((model(jnp.asarray(x), training=False) - jnp.asarray(y)) ** 2).mean())
            for x, y in loader]
    return float(np.mean(vals))


def train(cfg: TrainConfig) -> dict:
    cfg.validate()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    trainset, testset, G, model = build(cfg)
    t_built = time.perf_counter()
    train_op, test_loss = make_train_step(model)
    trainloader = DataLoader(trainset, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    testloader = DataLoader(testset, batch_size=cfg.batch_size, shuffle=False)

    train_losses, test_losses = [], []
    bar = tqdm(range(cfg.epochs), desc=f"{cfg.model} on {cfg.dataset} ({G})",
               disable=not cfg.progress)
    for epoch in bar:
        train_losses.append(float(np.mean(
            [train_op(jnp.asarray(x), jnp.asarray(y), cfg.lr)[0] for x, y in trainloader])))
        if not epoch % 10 or epoch == cfg.epochs - 1:
            test_losses.append((epoch, float(np.mean(
                [test_loss(jnp.asarray(x), jnp.asarray(y)) for x, y in testloader]))))
            bar.set_postfix(train=f"{train_losses[-1]:.3g}", test=f"{test_losses[-1][1]:.3g}")
    t_trained = time.perf_counter()

    metrics = evaluate_model(model, trainset, testset, G, cfg)
    metrics.update(
        build_seconds=t_built - t_start,
        train_seconds=t_trained - t_built,
        parameters=int(sum(np.prod(v.value.shape) for v in model.vars().values())),
    )
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    objax.io.save_var_collection(str(out / "params.npz"), model.vars())
    plot_losses(train_losses, test_losses, out / "losses.png",
                title=f"{cfg.model} on {cfg.dataset}")
    return metrics


def evaluate_model(model, trainset, testset, G, cfg) -> dict:
    big = DataLoader(trainset, batch_size=cfg.batch_size, shuffle=False)
    test = DataLoader(testset, batch_size=cfg.batch_size, shuffle=False)
    rin, rout = trainset.rep_in(G), trainset.rep_out(G)
    errs = [equivariance_err(model, rin, rout, G, x, seed=cfg.seed + i)
            for i, (x, _) in enumerate(test)]
    return dict(train_mse=_mse(model, big), test_mse=_mse(model, test),
                equivariance_error=float(np.mean(errs)))


def evaluate(run_dir: str) -> dict:
    """Rebuild the model of a finished run, load its parameters, and recompute its metrics."""
    run = Path(run_dir)
    if not (run / "config.json").exists() or not (run / "params.npz").exists():
        raise FileNotFoundError(f"{run} has no config.json/params.npz: run `emlp-sym train` first")
    cfg = TrainConfig(**json.loads((run / "config.json").read_text()))
    trainset, testset, G, model = build(cfg)
    objax.io.load_var_collection(str(run / "params.npz"), model.vars())
    return evaluate_model(model, trainset, testset, G, cfg)


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
