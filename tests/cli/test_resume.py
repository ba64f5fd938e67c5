"""Runs survive faults (issue 14, part 3): a run killed mid-checkpoint resumes to the numbers
of an uninterrupted run with the same seed; NaN losses stop it keeping the last good
checkpoint; damaged or foreign checkpoints and unsupported fronts are refused in one line."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from emlp_sym.cli import checkpoint
from emlp_sym.cli.main import main
from emlp_sym.cli.train import TrainConfig, train
from emlp_sym.errors import ConfigError, TrainingError
from emlp_sym.nn.core.params import flatten_params

SMALL = TrainConfig(epochs=6, ch=16, num_layers=1, n_train=64, n_test=64, batch_size=32,
                    progress=False, checkpoint_every=2)
TIMINGS = ("build_seconds", "train_seconds")

# The child runs `emlp-sym train` and SIGKILLs itself while committing its second checkpoint
# (epoch 4): after the temporary file is written, before it replaces the epoch-2 checkpoint.
_KILLED_CHILD = """
import os, signal, sys
from emlp_sym.cli import checkpoint, main
commits = []
real_commit = checkpoint._commit
def commit_or_die(tmp, path):
    commits.append(path)
    if path.name == checkpoint.CHECKPOINT_NAME and len(commits) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    real_commit(tmp, path)
checkpoint._commit = commit_or_die
sys.exit(main.main(sys.argv[1:]))
"""


def _cli_args(cfg, out):
    return ["train", "--epochs", str(cfg.epochs), "--ch", str(cfg.ch), "--num-layers",
            str(cfg.num_layers), "--n-train", str(cfg.n_train), "--n-test", str(cfg.n_test),
            "--batch-size", str(cfg.batch_size), "--checkpoint-every",
            str(cfg.checkpoint_every), "--quiet", "--out", str(out)]


def _results(out):
    metrics = json.loads((out / "metrics.json").read_text())
    return {k: v for k, v in metrics.items() if k not in TIMINGS}, \
        json.loads((out / "losses.json").read_text())


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    train(replace(SMALL, out=str(out)))
    return out


def test_a_killed_run_resumes_to_the_same_numbers(uninterrupted, tmp_path):
    out = tmp_path / "killed"
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    child = subprocess.run([sys.executable, "-c", _KILLED_CHILD, *_cli_args(SMALL, out)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert child.returncode == -9, child.stderr  # SIGKILL, mid-write
    assert not (out / "metrics.json").exists()
    assert [p.name for p in out.iterdir() if p.suffix == ".tmp"]  # the half-committed file
    saved = checkpoint.load_checkpoint(out / checkpoint.CHECKPOINT_NAME)
    assert saved.epoch == 2  # the old checkpoint, whole
    # the first two epochs, in another process with the same seed, gave the same numbers
    _, reference_losses = _results(uninterrupted)
    assert saved.train_losses == reference_losses["train"][:2]

    assert main([*_cli_args(SMALL, out), "--resume"]) == 0
    assert not [p.name for p in out.iterdir() if p.suffix == ".tmp"]  # cleaned up
    assert _results(out) == _results(uninterrupted)  # exactly, not approximately
    params_a, params_b = np.load(uninterrupted / "params.npz"), np.load(out / "params.npz")
    assert all(np.array_equal(params_a[k], params_b[k]) for k in params_a.files)


def test_a_diverging_run_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    # Adam with lr 1e30 moves every weight by ~1e30 in one step: the next loss overflows
    cfg = replace(SMALL, out=str(tmp_path), lr=1e30, batch_size=64, checkpoint_every=1,
                  model="MLP")  # the loop is the same for both models; the MLP builds faster
    with pytest.raises(TrainingError, match=r"became (nan|inf) at epoch 2.*last good "
                                            r"checkpoint \(epoch 1\)"):
        train(cfg)
    saved = checkpoint.load_checkpoint(tmp_path / checkpoint.CHECKPOINT_NAME)
    assert saved.epoch == 1 and np.isfinite(saved.train_losses).all()
    assert not (tmp_path / "metrics.json").exists()


def test_damaged_foreign_or_missing_checkpoints_are_refused(tmp_path, uninterrupted, capsys):
    path = tmp_path / checkpoint.CHECKPOINT_NAME
    resume = replace(SMALL, out=str(tmp_path), resume=True)
    with pytest.raises(TrainingError, match="no checkpoint"):
        train(resume)
    good = (uninterrupted / checkpoint.CHECKPOINT_NAME).read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(TrainingError, match="truncated or corrupt"):
        train(resume)
    with np.load(uninterrupted / checkpoint.CHECKPOINT_NAME) as data:
        fields = {k: np.array(data[k]) for k in data.files}
    fields["train_losses"] = fields["train_losses"] + 1.0  # changed, checksum kept
    np.savez(path, **fields)
    with pytest.raises(TrainingError, match="checksum"):
        train(resume)
    path.write_bytes(good)
    with pytest.raises(ConfigError, match="another run.*seed: 0 there, 1 now"):
        train(replace(resume, seed=1))
    # the CLI says it in one line, exit status 2
    assert main([*_cli_args(SMALL, tmp_path), "--resume", "--seed", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another run" in err[0]


def test_every_front_checkpoints_and_others_are_refused(tmp_path):
    from emlp_sym.cli.backends import FRAMEWORKS, get_backend

    for framework in FRAMEWORKS:
        try:
            cls = get_backend(framework)
        except ImportError:
            continue
        checkpoint.check_resumable(cls, framework)  # no error
    with pytest.raises(ConfigError, match="not supported by the other backend"):
        checkpoint.check_resumable(object, "other")  # a backend without export_state


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    path = tmp_path / "out.json"
    checkpoint.atomic_write_text(path, "old")

    def fail(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        checkpoint.atomic_write(path, fail)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.json"]


def _epochs(backend, loader, epochs):
    """The mean training loss of each epoch in ``epochs`` (as ``train`` runs them)."""
    losses = []
    for epoch in epochs:
        loader.epoch = epoch
        losses.append(np.mean([backend.step(np.asarray(x), np.asarray(y), 1e-2)
                               for x, y in loader]))
    return losses


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_outputs_get_the_usual_file_mode(tmp_path, umask):
    """Parameter files, checkpoints and run outputs all go through one atomic writer, which
    gives the mode a plain ``open()`` would (0666 less the umask), not mkstemp's 0600."""
    from emlp_sym.nn.core.params import load_params, save_params

    old = os.umask(umask)
    try:
        save_params(tmp_path / "params.npz", {"readout": {"b": np.ones(2)}})
        checkpoint.atomic_write_text(tmp_path / "metrics.json", "{}")
        checkpoint.save_checkpoint(tmp_path / checkpoint.CHECKPOINT_NAME, {}, 1, [1.0], [],
                                   {"w": np.zeros(2)})
        with open(tmp_path / "plain.txt", "w") as f:  # what the user expects
            f.write("x")
    finally:
        os.umask(old)
    expected = 0o666 & ~umask
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == dict.fromkeys(["params.npz", "metrics.json", checkpoint.CHECKPOINT_NAME,
                                   "plain.txt"], expected)
    assert np.array_equal(load_params(tmp_path / "params.npz")["readout"]["b"], np.ones(2))


@pytest.mark.parametrize("framework", ["objax", "flax", "linen", "haiku", "equinox", "pytorch"])
def test_a_resumed_front_continues_exactly(framework, tmp_path):
    """Each front: 2 epochs, a checkpoint file, a fresh backend resumed from it for 2 more,
    against the same 4 epochs uninterrupted: the same losses, parameters and Adam state, bit
    for bit. The MLP, faster, runs the same state code, except in Flax, which keeps the
    EMLP's bases apart from its parameters."""
    from emlp_sym.cli.train import build
    from emlp_sym.datasets import DataLoader

    cfg = replace(SMALL, framework=framework, devices="1",
                  model="EMLP" if framework == "flax" else "MLP")
    try:
        trainset, _, _, a = build(cfg)
    except ImportError:
        pytest.skip(f"{framework} is not installed")
    loader = DataLoader(trainset, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
    first = _epochs(a, loader, [0, 1])
    path = tmp_path / checkpoint.CHECKPOINT_NAME
    checkpoint.save_checkpoint(path, {}, 2, first, [], a.export_state())
    straight = _epochs(a, loader, [2, 3])

    _, _, _, b = build(cfg)  # fresh: the initial parameters, Adam at step 0
    b.import_state(checkpoint.load_checkpoint(path).state)
    assert _epochs(b, loader, [2, 3]) == straight
    sa, sb = a.export_state(), b.export_state()
    assert sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)
    pa, pb = (flatten_params(m.export_params()) for m in (a, b))
    assert pa.keys() == pb.keys() and all(np.array_equal(pa[k], pb[k]) for k in pa)
    with pytest.raises(ConfigError, match="does not fit"):
        b.import_state({"something": np.zeros(3)})
