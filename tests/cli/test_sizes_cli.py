"""``emlp-sym train --dataset SBMTriangles|InertiaN --train-n N --test-n A,B``: trains at one
size, evaluates the same parameters at each test size, writes per-size metrics, the plots and
a parameter file that loads at any n; bad sizes and options get one-line errors."""

import json

import jax.numpy as jnp
import numpy as np
import pytest

from emlp_sym.cli.main import main
from emlp_sym.cli.train_sizes import SizedConfig, SizedModel
from emlp_sym.datasets import InertiaN, SBMTriangles
from emlp_sym.errors import BasisMismatchError
from emlp_sym.nn.core.params import load_params

SMALL = ["--epochs", "2", "--n-train", "40", "--n-test", "6", "--batch-size", "16",
         "--num-layers", "1", "--quiet"]


@pytest.mark.parametrize("dataset, train_n, test_n, metric", [
    ("SBMTriangles", 6, (6, 14), "mse"),
    ("InertiaN", 3, (3, 40), "rel_error"),
])
def test_trains_at_one_size_and_tests_at_others(dataset, train_n, test_n, metric, tmp_path):
    sizes = ",".join(map(str, test_n))
    assert main(["train", "--dataset", dataset, "--train-n", str(train_n), "--test-n", sizes,
                 *SMALL, "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["train_n"] == train_n and sorted(metrics["test"]) == sorted(map(str, test_n))
    for n in test_n:
        assert np.isfinite(metrics["test"][str(n)][metric])
    history = json.loads((tmp_path / "losses.json").read_text())
    assert len(history["train"]) == len(history["val"]) == 2
    assert {"losses.png", "error_vs_n.png", "params.npz", "config.json"} <= {
        p.name for p in tmp_path.iterdir()}

    # the file loads, as it is, into the model at the largest test size and reproduces the
    # metric written for it there
    cfg = SizedConfig(dataset=dataset, train_n=train_n, test_n=test_n, num_layers=1)
    big = SizedModel(cfg, test_n[-1])
    params = load_params(tmp_path / "params.npz", bases=big.bases)
    with pytest.raises(BasisMismatchError):  # and not into a model that pools otherwise
        load_params(tmp_path / "params.npz",
                    bases={k: b.replace("mean", "sum") for k, b in big.bases.items()})
    if dataset == "SBMTriangles":  # nor into one of another depth
        deeper = SizedModel(SizedConfig(dataset=dataset, num_layers=2), test_n[-1])
        with pytest.raises(BasisMismatchError, match="holds the layers layer0, readout"):
            load_params(tmp_path / "params.npz", bases=deeper.bases)
    data = {"SBMTriangles": SBMTriangles, "InertiaN": InertiaN}[dataset](
        N=6, n=test_n[-1], seed=cfg.seed + 7919 * test_n[-1] + 1)
    x, y = data.batch(range(6))
    pred = np.asarray(big.apply(params, jnp.asarray(x)))
    if metric == "mse":
        value = float(np.mean((pred - y) ** 2))
    else:
        value = float(np.mean(np.linalg.norm(pred - y, axis=-1) / np.linalg.norm(y, axis=-1)))
    assert value == pytest.approx(metrics["test"][str(test_n[-1])][metric], rel=1e-4)


@pytest.mark.parametrize("extra, message", [
    (["--dataset", "SBMTriangles", "--test-n", "50,x"], "--test-n must be positive integers"),
    (["--dataset", "SBMTriangles", "--test-n", "0"], "--test-n must be positive integers"),
    (["--dataset", "SBMTriangles", "--train-n", "0"], "expected a positive integer"),
    (["--dataset", "SBMTriangles", "--test-n", "50,30000"], "n = 30000 is over the largest"),
    (["--dataset", "Inertia", "--train-n", "5"], "--train-n and --test-n are for the datasets"),
    (["--dataset", "InertiaN", "--framework", "flax"], "--framework: not available for InertiaN"),
    (["--dataset", "InertiaN", "--model", "MLP"], "--model: not available for InertiaN"),
])
def test_bad_sizes_and_options_exit_2_with_one_line(extra, message, tmp_path, capsys):
    with pytest.raises(SystemExit) if "expected" in message else _no_exit():
        code = main(["train", *extra, *SMALL, "--out", str(tmp_path)])
        assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "metrics.json").exists()


def test_a_test_size_over_the_memory_limit_is_refused_before_training(tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.setenv("EMLP_SYM_MEMORY_LIMIT", "200M")
    assert main(["train", "--dataset", "SBMTriangles", "--train-n", "5", "--test-n", "5,2000",
                 *SMALL, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "one SBMTriangles example at n = 2000 needs about" in err, err
    assert not (tmp_path / "losses.json").exists()


def test_a_training_set_over_the_memory_limit_is_refused_before_it_is_drawn(tmp_path, capsys,
                                                                             monkeypatch):
    monkeypatch.setenv("EMLP_SYM_MEMORY_LIMIT", "8G")  # 5000 graphs of 2000 nodes: 80 GB
    assert main(["train", "--dataset", "SBMTriangles", "--train-n", "2000", "--test-n", "50",
                 "--n-train", "5000", "--quiet", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "training on 5000 SBMTriangles examples at n = 2000" in err and "needs about" in err


class _no_exit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
