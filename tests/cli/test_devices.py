"""``emlp-sym train --devices N|all``: the batch split over 4 forced CPU devices gives one
device's losses (objax through the whole command, Equinox through its backend), and the
refusals are one-line errors."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from emlp_sym.cli.main import main

SMALL = ["--epochs", "1", "--ch", "16", "--num-layers", "1", "--n-train", "64", "--n-test", "32",
         "--batch-size", "32", "--quiet"]


@pytest.mark.parametrize("extra, message", [
    (["--devices", "0"], "positive integer or 'all'"),
    (["--devices", "many"], "positive integer or 'all'"),
    (["--devices", "64"], "asked for 64 devices"),
    (["--framework", "pytorch", "--devices", "2"], "pytorch backend trains on one device"),
])
def test_bad_devices_exit_2_with_one_line(extra, message, tmp_path, capsys):
    assert main(["train", *SMALL, "--out", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


FOUR_DEVICES = textwrap.dedent("""
    import contextlib, io, json, sys
    import numpy as np
    from emlp_sym.cli.main import main
    from emlp_sym.cli.train import TrainConfig, build
    from emlp_sym.datasets import DataLoader

    out, small = sys.argv[1], sys.argv[2:]
    for devices in ("1", "4"):
        assert main(["train", *small, "--devices", devices, "--out", f"{out}/{devices}"]) == 0
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["train", *small, "--batch-size", "30", "--devices", "4",
                     "--out", f"{out}/bad"])
    print(json.dumps(dict(code=code, err=err.getvalue())))
    err = io.StringIO()  # the default, 'all', takes the most devices that split 30 and 64 % 30
    with contextlib.redirect_stderr(err):
        code = main(["train", *small, "--batch-size", "30", "--out", f"{out}/adapted"])
    print(json.dumps(dict(code=code, err=err.getvalue())))

    losses = {}
    for devices in ("1", "4"):
        cfg = TrainConfig(framework="equinox", ch=16, num_layers=1, n_train=64, n_test=32,
                          batch_size=32, devices=devices, progress=False)
        trainset, testset, G, backend = build(cfg)
        assert backend.parallel.num_devices == int(devices)
        losses[devices] = [backend.step(x, y, 3e-3) for _ in range(2)
                           for x, y in DataLoader(trainset, 32, seed=0)]
        losses[devices].append(backend.loss(testset.X[:30], testset.Y[:30]))  # replicated
    print(json.dumps(losses))
""")


def test_four_devices_train_like_one(tmp_path):
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
           "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, "-c", FOUR_DEVICES, str(tmp_path), *SMALL],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    records = [line for line in out.stdout.splitlines() if line.startswith("{")]
    refused, adapted, losses = (json.loads(line) for line in records[-3:])
    one, four = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("1", "4"))
    for key in ("train_mse", "test_mse"):
        assert four[key] == pytest.approx(one[key], rel=1e-5)
    assert refused["code"] == 2 and "multiple of 4 (e.g. 28 or 32)" in refused["err"]
    assert adapted["code"] == 0 and "using 2 of 4 devices" in adapted["err"]
    assert losses["4"] == pytest.approx(losses["1"], rel=1e-5)
