"""benchmarks/paper_tables.py's report: trials averaged per setting, legacy cells labelled."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tables():
    spec = importlib.util.spec_from_file_location("paper_tables",
                                                  ROOT / "benchmarks" / "paper_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _regression(seed, mse, best, adam="weights", **extra):
    return dict(task="O5Synthetic", model="EMLP", group="O(5)", n=1000, epochs=900, ch=384,
                n_test=5000, test_mse=mse, test_mse_best_val=best, train_mse=0.01, seed=seed,
                adam_in=adam, reference_target=True, checkpoint="final", published=0.017,
                **extra)


def _dynamics(seed, err):
    return dict(family="HNN", group="O(2)", model="EMLPH", epochs=2000, seed=seed,
                adam_in="weights", rollout_error=err, diverged_rollouts=1,
                rollout_error_curve=[1e-3, err], times=[0.0, 0.2], train_mse=1e-5,
                published=0.0121, published_std=0.0018,
                example_rollout={"pred": [[0.0, 1.0], [0.1, 1.0]],
                                 "true": [[0.0, 1.0], [0.0, 1.0]]})


def test_trials_are_averaged_and_both_checkpoints_reported(tables, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    files = {"a.json": {"0": _regression(0, 0.02, 0.01), "d0": _dynamics(0, 0.010)},
             "b.json": {"1": _regression(1, 0.04, 0.03), "d1": _dynamics(1, 0.014)},
             # written before seeds and Adam's space were recorded: the run's seed, plain Adam
             "legacy.json": {"x": {k: v for k, v in _regression(0, 0.05, 0.05).items()
                                   if k not in ("seed", "adam_in", "test_mse_best_val")}},
             "failed.json": {"y": {"error": "RuntimeError: boom"}}}
    for name, cells in files.items():
        (runs / name).write_text(json.dumps({"settings": {"seed": 0}, "cells": cells}))
    cells = tables.load_cells(sorted(runs.glob("*.json")))
    assert {c["adam_in"] for c in cells} == {"weights", "coefficients"}
    md = tmp_path / "page.md"
    md.write_text(f"intro\n{tables.START}\nold\n{tables.END}\noutro\n")
    tables.report(cells, md, tmp_path)
    text = md.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "old" not in text
    # the headline: best validation 0.02 = mean(0.01, 0.03), final 0.03, 2 trials, not met
    assert "| (a) O5Synthetic, N = 1000 | EMLP-O(5) | 0.017 | 0.02 | 0.03 | 2 | no |" in text
    assert "| (b) HNN, rollout error | EMLPH O(2) | 0.0121 | 0.012 | — | 2 | yes |" in text
    assert "| 900 | coefficients | final | 1 | 0.05 | 0.05 |" in text  # the legacy cell
    assert "0.01, 0.03" in text  # each trial
    for png in ("paper_results_data_efficiency.png", "paper_results_rollouts.png",
                "paper_results_example_rollout.png"):
        assert (tmp_path / png).stat().st_size > 0
