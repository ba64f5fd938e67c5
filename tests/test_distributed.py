"""Several processes (emlp_sym.distributed): settings from flags or the environment, and two
processes on 127.0.0.1 (CPU, gloo) each feeding half of every batch train exactly like one."""

import json
import os
import socket
import subprocess
import sys

import pytest

from emlp_sym.distributed import DistributedConfig, distributed_config
from emlp_sym.errors import ConfigError


def test_no_settings_means_one_process():
    assert distributed_config(environ={}) is None


def test_flags_win_over_the_environment_and_jax_names_are_read():
    env = {"EMLP_SYM_COORDINATOR": "10.0.0.1:99", "JAX_NUM_PROCESSES": "4",
           "JAX_PROCESS_ID": "3"}
    assert distributed_config(environ=env) == DistributedConfig("10.0.0.1:99", 4, 3)
    assert distributed_config("h:1", 2, 0, environ=env) == DistributedConfig("h:1", 2, 0)


@pytest.mark.parametrize("args, message", [
    (("h:1", None, None), "missing --num-processes"),
    (("h:1", 2, 2), "must be in 0..1"),
    (("h:1", 0, 0), "at least 1"),
    (("h:1", "two", 0), "must be an integer"),
    (("nohost", 2, 0), "HOST:PORT"),
    (("h:port", 2, 0), "HOST:PORT"),
])
def test_bad_settings_are_refused(args, message):
    with pytest.raises(ConfigError, match=message):
        distributed_config(*args, environ={})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SMALL = ["train", "--framework", "objax", "--epochs", "1", "--ch", "16", "--num-layers", "1",
         "--n-train", "64", "--n-test", "32", "--batch-size", "32", "--quiet"]


def test_two_processes_train_like_one(tmp_path):
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    address = f"127.0.0.1:{_free_port()}"
    command = [sys.executable, "-m", "emlp_sym", *SMALL]
    procs = [subprocess.Popen([*command, "--out", str(tmp_path / f"p{i}"), "--coordinator",
                               address, "--num-processes", "2", "--process-id", str(i)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    procs.append(subprocess.Popen([*command, "--out", str(tmp_path / "one")], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-3000:]
    two, one = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("p0", "one"))
    for key in ("train_mse", "test_mse"):
        assert two[key] == pytest.approx(one[key], rel=1e-5)
    assert not (tmp_path / "p1" / "metrics.json").exists()  # process 0 writes, alone
