"""In CI every framework front is installed, so no front's tests skip there.

On a user's machine a front's test module skips when its framework is missing; CI (``CI`` set
in the environment, as `.ci/run` runs) must have them all, or this fails.
"""

import importlib
import os

import pytest

FRAMEWORKS = ("objax", "flax.nnx", "flax.linen", "haiku", "equinox", "optax", "torch")


@pytest.mark.skipif(not os.environ.get("CI"), reason="only CI must have every framework")
@pytest.mark.parametrize("module", FRAMEWORKS)
def test_ci_installs_every_framework(module):
    importlib.import_module(module)
