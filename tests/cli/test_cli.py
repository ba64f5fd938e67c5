"""The emlp-sym command line: parsing, basis, train/evaluate round trip, bad input."""

import json
import subprocess
import sys

import pytest

from emlp_sym.cli.main import main
from emlp_sym.cli.parse import ParseError, parse_group, parse_rep
from emlp_sym.groups import SO, SO13, S


def test_parse_rep_and_group():
    assert str(parse_rep("T(2,3)")) == "V⊗V⊗V*⊗V*⊗V*"
    assert str(parse_rep("5*Scalar+5*V")(SO(3))) == "5V⁰+5V"
    assert str(parse_rep("V**2 >> V")(SO13())) == "V⊗V*²"
    assert str(parse_rep("(V**2).T >> V")(SO13())) == "V³"
    assert parse_group("SO(3)") == SO(3) and parse_group("SO13()") == SO13()
    assert parse_group("S(4)*SO(3)") == S(4) * SO(3)


@pytest.mark.parametrize("text", ["__import__('os')", "V.__class__", "open('x')", "V**V", "3",
                                  "V + ", "lambda: V", "V**-1"])
def test_parse_rep_rejects(text):
    with pytest.raises((ParseError, ValueError)):
        parse_rep(text)


def test_basis_command_prints_exact_basis(capsys):
    assert main(["basis", "V>>V", "--group", "S(3)", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "canonical:  V²" in out and "r:          2" in out


def test_basis_image(tmp_path, capsys):
    path = tmp_path / "basis.png"
    assert main(["basis", "V**2>>V**2", "--group", "S(3)", "--image", str(path)]) == 0
    assert path.stat().st_size > 1000


@pytest.mark.parametrize("argv", [
    ["basis", "V**2>>", "--group", "S(3)"],
    ["basis", "V**2", "--group", "Foo(3)"],
    ["basis", "V**2", "--group", "SO(0)"],
    ["train", "--epochs", "0"],
    ["train", "--dataset", "MNIST"],
    ["evaluate", "/nonexistent/run"],
])
def test_bad_input_exits_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as e:
        code = main(argv)
        raise SystemExit(code)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("emlp-sym") and len(err.splitlines()) == 1 and "Traceback" not in err


def test_train_then_evaluate_reproduces_metrics(tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--epochs", "2", "--ch", "32", "--num-layers", "1", "--n-train", "64",
            "--n-test", "64", "--batch-size", "32", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert (out / "losses.png").stat().st_size > 1000
    assert metrics["equivariance_error"] < 1e-5
    again = subprocess.run([sys.executable, "-m", "emlp_sym", "evaluate", str(out)],
                           capture_output=True, text=True, check=True)
    reloaded = json.loads(again.stdout)
    for key in ("train_mse", "test_mse"):
        assert reloaded[key] == pytest.approx(metrics[key], rel=1e-5)
