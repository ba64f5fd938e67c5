"""``emlp-sym train`` on the dynamics datasets: a tiny Hamiltonian EMLP run end to end, and
the settings it refuses."""

import json

import pytest

from emlp_sym.cli.main import main

TINY = ["--epochs", "2", "--ch", "8", "--num-layers", "1", "--n-train", "12", "--n-test", "6",
        "--batch-size", "6", "--quiet"]


def test_emlph_on_the_double_spring_pendulum(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["train", "--dataset", "DoubleSpringPendulum", "--model", "EMLPH", "--group",
               "O2eR3()", *TINY, "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "rollout error" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["group"] == "O(2)_R3" and metrics["model"] == "EMLPH"
    assert 0 < metrics["rollout_error"] < 1
    assert len(metrics["rollout_error_curve"]) == len(metrics["times"]) == 150
    assert metrics["equivariance_error"] < 1e-4  # the learned field stays equivariant
    assert metrics["front_vector_field_max_diff"] < 1e-5  # objax's EMLPH holds the same net
    for name in ("config.json", "params.npz", "losses.png", "rollout_error.png", "rollout.png"):
        assert (out / name).stat().st_size > 0


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "DoubleSpringPendulum", "--model", "EMLP"], "not a dynamics model"),
    (["--dataset", "Inertia", "--model", "MLPH"], "not a dynamics dataset"),
    (["--dataset", "SHO", "--model", "MLPode", "--framework", "pytorch"], "objax and flax"),
    (["--dataset", "SHO", "--model", "MLPode", "--compile"], "--compile"),
])
def test_refused_settings_name_the_fix(argv, message, tmp_path, capsys):
    assert main(["train", *argv, *TINY, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_adam_space_is_checked_and_changes_the_step():
    import jax
    import numpy as np

    from emlp_sym.cli.train_dynamics import DynamicsConfig, build_datasets, build_net, fit
    from emlp_sym.errors import ConfigError

    with pytest.raises(ConfigError, match="adam_in must be 'weights' or 'coefficients'"):
        DynamicsConfig(adam_in="dense").validate()
    finals = {}
    for space in ("weights", "coefficients"):
        cfg = DynamicsConfig(dataset="SHO", model="EMLPH", ch=8, num_layers=1, epochs=3,
                             n_train=12, n_test=6, batch_size=6, progress=False, adam_in=space)
        cfg.validate()
        train, test = build_datasets(cfg)
        _, net = build_net(cfg, train)
        params, losses, _ = fit(net, train, test, cfg)
        assert np.all(np.isfinite(losses))
        finals[space] = np.concatenate([np.ravel(x) for x in jax.tree_util.tree_leaves(params)])
    assert not np.allclose(finals["weights"], finals["coefficients"])  # a different optimizer
