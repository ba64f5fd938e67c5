"""The main job: train EMLP (or the MLP baseline) on a dataset, in any framework.

The loop is the seed's (Adam, batch 500, test loss every 10 epochs); the framework's own
idiom lives in its backend (:mod:`emlp_sym.cli.backends`). Writes to the output folder:
``config.json``, ``metrics.json``, ``losses.png`` (train and test loss, log scale, as the seed
plots them), ``losses.json`` (the same numbers) and ``params.npz`` (the core's front-neutral
parameters, reloadable by :func:`evaluate` with any framework), each atomically; with
``checkpoint_every`` also ``checkpoint.npz``, from which ``resume`` continues exactly
(:mod:`emlp_sym.cli.checkpoint`). A NaN or infinite training loss stops the run with a
:class:`~emlp_sym.errors.TrainingError` that names the last good checkpoint.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from emlp_sym.cli import checkpoint
from emlp_sym.cli.backends import FRAMEWORKS, check_epoch, get_backend, make_parallel
from emlp_sym.datasets import DATASETS, DataLoader
from emlp_sym.distributed import is_main_process
from emlp_sym.errors import ConfigError, TrainingError
from emlp_sym.nn.core.params import load_params, num_params, save_params
from emlp_sym.progress import progress_bar
from emlp_sym.testing import paired_equivariance_error

MODELS = ("EMLP", "MLP")


@dataclass
class TrainConfig:
    """The settings of one ``emlp-sym train`` run (its command-line options; defaults as the
    seed's); :meth:`validate` refuses bad ones with a ConfigError.

    >>> cfg = TrainConfig(dataset="O5Synthetic", model="MLP", epochs=10)
    >>> cfg.validate()  # fine: nothing happens
    >>> TrainConfig(framework="keras").validate()
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: unknown framework 'keras'; choose from objax, flax, linen, ...
    """

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
    devices: str = "all"  # the devices each batch is split over: "all" or a count
    checkpoint_every: int = 0  # epochs between checkpoints (cli/checkpoint.py); 0: none
    resume: bool = False  # continue from the checkpoint in ``out``
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
        if isinstance(self.checkpoint_every, bool) or int(self.checkpoint_every) < 0:
            raise ConfigError(f"checkpoint_every must be a non-negative integer (0: no "
                              f"checkpoints), got {self.checkpoint_every}")
        from emlp_sym.cli.sharding import parse_devices

        parse_devices(self.devices)


# With no --group, train on the group the seed uses (SO(3) for Inertia, whose full symmetry
# is O(3)); other datasets default to their own symmetry.
SEED_GROUPS = {"Inertia": "SO(3)"}


def _group(cfg: TrainConfig, ds):
    from emlp_sym.cli.parse import parse_group

    text = cfg.group or SEED_GROUPS.get(cfg.dataset)
    return ds.symmetry if text is None else parse_group(text)


def build(cfg: TrainConfig):
    """Datasets, group and the framework's backend for a config (deterministic in
    ``cfg.seed``).

    >>> cfg = TrainConfig(model="MLP", ch=8, num_layers=1, n_train=8, n_test=8, batch_size=8)
    >>> trainset, testset, G, backend = build(cfg)
    >>> len(trainset), G, backend.name
    (8, SO(3), 'objax')
    """
    ds_cls = DATASETS[cfg.dataset]
    trainset, testset = ds_cls(cfg.n_train, seed=cfg.seed), ds_cls(cfg.n_test, seed=cfg.seed + 1)
    G = _group(cfg, trainset)
    options = {"compile": True} if cfg.compile and cfg.framework == "pytorch" else {}
    batches = {min(cfg.batch_size, cfg.n_train)} | (
        {cfg.n_train % cfg.batch_size} if cfg.n_train > cfg.batch_size else set()) - {0}
    parallel = make_parallel(cfg.framework, cfg.devices, tuple(sorted(batches)))
    if parallel is not None:  # a JAX front: batches split over the devices (nn/sharding.py)
        options["parallel"] = parallel
    backend = get_backend(cfg.framework)(
        cfg.model, trainset.rep_in, trainset.rep_out, G, cfg.ch, cfg.num_layers,
        trainset.stats if cfg.standardize else None, cfg.seed, **options)
    return trainset, testset, G, backend


def equivariance_err(predict, rin, rout, G, x, seed=0):
    """The seed's test: relative error of f(rho_in(g) x) vs rho_out(g) f(x), one random g
    per example; ``predict`` maps a NumPy batch to a NumPy batch.

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> rep = V(SO(3))
    >>> round(float(equivariance_err(lambda x: 2 * x, rep, rep, SO(3), np.ones((4, 3)))), 6)
    0.0
    """
    gs = G.samples(np.shape(x)[0], seed=seed)
    return paired_equivariance_error(predict, rin, rout, x, gs)


def train(cfg: TrainConfig) -> dict:
    """Train a model as ``cfg`` says; write ``config.json``, ``params.npz``, the metrics and the
    loss plot to ``cfg.out`` (checkpoints too, when asked), and return the metrics.

    >>> train(TrainConfig(epochs=0))
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ConfigError: epochs must be a positive integer, got 0
    """
    cfg.validate()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    ckpt_path = out / checkpoint.CHECKPOINT_NAME
    saved = checkpoint.load_checkpoint(ckpt_path) if cfg.resume else None  # fail fast
    if saved is not None:
        checkpoint.check_same_run(saved.config, asdict(cfg), ckpt_path)
        if saved.epoch > cfg.epochs:
            raise ConfigError(f"the checkpoint {ckpt_path} is at epoch {saved.epoch}, past "
                              f"--epochs {cfg.epochs}")
    if cfg.resume or cfg.checkpoint_every:
        checkpoint.check_resumable(get_backend(cfg.framework), cfg.framework)
    trainset, testset, G, backend = build(cfg)
    start, train_losses, test_losses, last_saved = 0, [], [], None
    if saved is not None:
        if is_main_process():
            checkpoint.remove_stale_temporaries(out)  # half-written files of the killed run
        backend.import_state(saved.state)
        start, train_losses, test_losses = saved.epoch, saved.train_losses, saved.test_losses
        last_saved = saved.epoch
    t_built = time.perf_counter()
    trainloader = DataLoader(trainset, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    trainloader.epoch = start  # epoch e's order depends on (seed, e) only: resume sees the same
    parallel = getattr(backend, "parallel", None)
    check_epoch(parallel, cfg.n_train, cfg.batch_size)
    testloader = DataLoader(testset, batch_size=cfg.batch_size, shuffle=False)

    bar = progress_bar(range(start, cfg.epochs),
                       desc=f"{cfg.model} on {cfg.dataset} ({G}, {cfg.framework})",
                       disable=not cfg.progress)
    for epoch in bar:
        train_losses.append(float(np.mean(
            [backend.step(*_own_rows(parallel, x, y), cfg.lr) for x, y in trainloader])))
        if not epoch % 10 or epoch == cfg.epochs - 1:
            test_losses.append((epoch, float(np.mean(
                [backend.loss(np.asarray(x), np.asarray(y)) for x, y in testloader]))))
            bar.set_postfix(train=f"{train_losses[-1]:.3g}", test=f"{test_losses[-1][1]:.3g}")
        _check_finite(train_losses[-1], epoch, ckpt_path, last_saved)
        if cfg.checkpoint_every and ((epoch + 1) % cfg.checkpoint_every == 0
                                     or epoch == cfg.epochs - 1):
            state = backend.export_state()  # on every process: it may gather across them
            if is_main_process():
                checkpoint.save_checkpoint(ckpt_path, asdict(cfg), epoch + 1, train_losses,
                                           test_losses, state)
            last_saved = epoch + 1
    t_trained = time.perf_counter()

    metrics = evaluate_model(backend, trainset, testset, G, cfg)
    params = backend.export_params()
    metrics.update(
        framework=cfg.framework,
        build_seconds=t_built - t_start,
        train_seconds=t_trained - t_built,
        parameters=num_params(params),
    )
    if is_main_process():  # with several processes, process 0 writes
        # every output is written atomically: a killed run leaves old or whole files
        checkpoint.atomic_write_text(out / "config.json", json.dumps(asdict(cfg), indent=2))
        checkpoint.atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2))
        checkpoint.atomic_write_text(out / "losses.json", json.dumps(
            {"train": train_losses, "test": test_losses}))
        save_params(out / "params.npz", params)
        plot_losses(train_losses, test_losses, out / "losses.png",
                    title=f"{cfg.model} on {cfg.dataset} ({cfg.framework})")
    return metrics


def _check_finite(loss: float, epoch: int, ckpt_path, last_saved) -> None:
    """Stop on a NaN or infinite training loss, saying which checkpoint is still good."""
    if np.isfinite(loss):
        return
    kept = (f"the last good checkpoint (epoch {last_saved}) is kept at {ckpt_path}; resume it "
            "with --resume and a lower --lr" if last_saved is not None else
            "no checkpoint was written (add --checkpoint-every N)")
    raise TrainingError(f"the training loss became {loss} at epoch {epoch + 1}; stopped "
                        f"before saving anything from it: {kept}, or start again with a lower "
                        "--lr")


def _own_rows(parallel, x, y):
    """The rows of a global batch this process feeds (all of them with one process)."""
    rows = slice(None) if parallel is None else parallel.process_rows(len(x))
    return np.asarray(x)[rows], np.asarray(y)[rows]


def evaluate_model(backend, trainset, testset, G, cfg) -> dict:
    """Train and test loss and the seed's equivariance error of a trained backend's model.

    >>> cfg = TrainConfig(model="MLP", ch=8, num_layers=1, n_train=8, n_test=8, batch_size=8)
    >>> trainset, testset, G, backend = build(cfg)
    >>> sorted(evaluate_model(backend, trainset, testset, G, cfg))
    ['equivariance_error', 'test_mse', 'train_mse']
    """
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
    with the framework it was trained in or any other (``framework``).

    >>> import tempfile
    >>> evaluate(tempfile.mkdtemp())  # a folder without a run
    Traceback (most recent call last):
    ...
    FileNotFoundError: ... has no config.json/params.npz: run `emlp-sym train` first
    """
    run = Path(run_dir)
    if not (run / "config.json").exists() or not (run / "params.npz").exists():
        raise FileNotFoundError(f"{run} has no config.json/params.npz: run `emlp-sym train` first")
    cfg = TrainConfig(**json.loads((run / "config.json").read_text()))
    if framework is not None:
        cfg.framework = framework
    cfg.devices = "all"  # evaluation takes any batch on any devices: not tied to the run's
    cfg.validate()
    trainset, testset, G, backend = build(cfg)
    backend.import_params(load_params(run / "params.npz"))
    metrics = evaluate_model(backend, trainset, testset, G, cfg)
    metrics["framework"] = cfg.framework
    return metrics


def plot_losses(train_losses, test_losses, path, title="", test_label="Test loss"):
    """Write the train and test loss curves (log scale, as the seed plots them) to ``path``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "losses.png")
    >>> plot_losses([1.0, 0.5, 0.25], [(2, 0.4)], path, title="MLP")
    >>> os.path.exists(path)
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from emlp_sym.cli.checkpoint import atomic_write

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(len(train_losses)), train_losses, label="Train loss")
    if test_losses:
        ep, tl = zip(*test_losses, strict=True)
        ax.plot(ep, tl, label=test_label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, dpi=120, format="png"))
    plt.close(fig)
