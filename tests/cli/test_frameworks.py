"""``emlp-sym train --framework X`` for every front, and a run reloaded by another front."""

import json

import numpy as np
import pytest

from emlp_sym.cli.backends import FRAMEWORKS, get_backend
from emlp_sym.cli.main import main
from emlp_sym.cli.train import evaluate

SMALL = ["--epochs", "2", "--ch", "32", "--num-layers", "1", "--n-train", "64", "--n-test", "64",
         "--batch-size", "32", "--quiet"]


@pytest.mark.parametrize("framework, model", [(f, "EMLP") for f in FRAMEWORKS]
                         + [("pytorch", "MLP"), ("equinox", "MLP")])
def test_train_with_one_framework_evaluate_with_the_next(tmp_path, framework, model):
    out = tmp_path / "run"
    argv = ["train", "--framework", framework, "--model", model, "--out", str(out), *SMALL]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["framework"] == framework
    if model == "EMLP":
        assert metrics["equivariance_error"] < (1e-5 if framework == "pytorch" else 1e-6)
    other = FRAMEWORKS[(FRAMEWORKS.index(framework) + 1) % len(FRAMEWORKS)]
    reloaded = evaluate(str(out), framework=other)
    assert reloaded["framework"] == other
    for key in ("train_mse", "test_mse"):
        assert reloaded[key] == pytest.approx(metrics[key], rel=1e-4)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_backend_seed_fixes_the_initial_parameters(framework):
    from emlp_sym.groups import SO
    from emlp_sym.reps import Scalar, V

    def params(seed):
        b = get_backend(framework)("EMLP", Scalar + V, V, SO(3), 16, 1, None, seed)
        return b.export_params()

    a, b, c = params(0), params(0), params(1)
    leaves = lambda p: [np.asarray(v) for v in _leaves(p)]
    assert all(np.array_equal(u, v) for u, v in zip(leaves(a), leaves(b), strict=True))
    assert not all(np.array_equal(u, v) for u, v in zip(leaves(a), leaves(c), strict=True))


def _leaves(tree):
    from emlp_sym.nn.core.params import flatten_params

    return [v for _, v in sorted(flatten_params(tree).items())]


def test_unknown_framework_is_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--framework", "tensorflow"])
    assert e.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
