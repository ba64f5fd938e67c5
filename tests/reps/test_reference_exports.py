"""What the reference's ``from emlp.reps import *`` gives, ``from emlp_sym.reps import *`` gives:
``bilinear_weights`` included, which lives with the layers and loads only when asked for."""

import subprocess
import sys

import pytest

import emlp_sym.nn
import emlp_sym.reps


def run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_star_import_gives_bilinear_weights_and_importing_reps_loads_no_layer():
    out = run(
        "import sys\n"
        "import emlp_sym.reps\n"
        "print(any(m.startswith('emlp_sym.nn') for m in sys.modules))\n"
        "from emlp_sym.reps import *\n"
        "from emlp_sym.groups import SO\n"
        "n, W = bilinear_weights(V(SO(3)), V(SO(3))**2 + V(SO(3)))\n"
        "print(n > 0, callable(W), equivariance_error is not None, T(1).size is not None)\n"
    )
    assert out.splitlines() == ["False", "True True True True"]


def test_bilinear_weights_is_the_layers_own():
    assert emlp_sym.reps.bilinear_weights is emlp_sym.nn.bilinear_weights
    assert "bilinear_weights" in emlp_sym.reps.__all__ and "bilinear_weights" in dir(emlp_sym.reps)
    with pytest.raises(AttributeError, match="no_such_name"):
        emlp_sym.reps.no_such_name  # noqa: B018
