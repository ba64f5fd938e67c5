"""Hypothesis profiles: "ci" (default, fast) and "thorough" (EMLP_SYM_HYPOTHESIS=thorough).

pyproject's addopts run the suite on pytest-xdist workers (``--numprocesses=auto``); without
xdist (``-p no:xdist``, or not installed) the options below accept those addopts and the suite
runs in one process. Each worker is its own process with its own in-memory plan and basis
caches; the one thing workers could share is a basis disk cache named by
``EMLP_SYM_CACHE_DIR``, so each run gets a fresh folder of its own instead.
"""

import os
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("EMLP_SYM_HYPOTHESIS", "ci"))


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("xdist"):
        parser.addoption("--numprocesses", dest="numprocesses", default=None,
                         help="ignored: pytest-xdist is not loaded, the tests run in one process")
        parser.addoption("--dist", dest="dist", default="no",
                         help="ignored: pytest-xdist is not loaded")


def pytest_configure(config):
    # a user's basis cache would make solves hits or misses depending on earlier runs, and
    # under xdist on what another worker solved first: tests start from an empty folder
    if os.environ.get("EMLP_SYM_CACHE_DIR"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        os.environ["EMLP_SYM_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"emlp-sym-cache-{worker}-")
