"""The public surface type-checks, and type checkers see every public name.

mypy, not pyright: pyright needs Node.js, which the test machines (and a plain ``pip install
emlp_sym[test]``) do not have; mypy is a Python package in the ``test`` extra. The settings are
pyproject.toml's ``[tool.mypy]``: the modules below are checked, what they import is read for
its types only. ``emlp_sym`` and ``emlp_sym.nn`` load their names lazily (``__getattr__``);
their ``if TYPE_CHECKING:`` imports are what lets a checker see those names, and the user
program below checks that it does.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ["emlp_sym/__init__.py", "emlp_sym/errors.py", "emlp_sym/reps", "emlp_sym/groups",
          "emlp_sym/nn/__init__.py"]

USER_PROGRAM = """\
import emlp_sym
from emlp_sym.reps import V, bilinear_weights

G = emlp_sym.groups.SO(3)
size: int = V(G).size()
reveal_type(emlp_sym.nn.EMLP)
reveal_type(emlp_sym.nn.pytorch.EMLP)
reveal_type(emlp_sym.reps.matrix_equivariance_error)
reveal_type(bilinear_weights)
"""

WRONG_PROGRAM = """\
import emlp_sym

emlp_sym.groups.NoSuchGroup(3)
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy_cache")  # one cold run, then the cache serves


def mypy(cache, *paths) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
           "--cache-dir", str(cache), "--no-error-summary", *map(str, paths)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's emlp_sym, not an install
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


def test_public_modules_have_no_type_errors_and_their_lazy_names_are_seen(cache, tmp_path):
    program = tmp_path / "user_program.py"
    program.write_text(USER_PROGRAM)
    result = mypy(cache, *PUBLIC, program)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 0 and not errors, result.stdout[-6000:] + result.stderr[-2000:]
    revealed = [line.split("Revealed type is ", 1)[1] for line in result.stdout.splitlines()
                if "Revealed type is" in line]
    assert len(revealed) == 4, result.stdout
    assert "emlp_sym.nn.objax._layers.EMLP" in revealed[0], revealed  # the seed's EMLP
    assert "emlp_sym.nn.pytorch._layers.EMLP" in revealed[1], revealed
    assert all("Any" != r.strip('"') for r in revealed), revealed  # each one is known


def test_a_wrong_program_fails(cache, tmp_path):
    program = tmp_path / "wrong_program.py"
    program.write_text(WRONG_PROGRAM)
    result = mypy(cache, program)
    assert result.returncode == 1 and "NoSuchGroup" in result.stdout, result.stdout
