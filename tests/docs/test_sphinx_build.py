"""The docs site builds with warnings as errors, and its API reference lists every public name.

The build runs with ``-D nb_execution_mode=off``: it checks the site's structure (every page in
a toctree, no dangling reference, valid MyST and reST in pages and docstrings) and the API
reference (autodoc imports every module, every front included), without running the pages'
cells again: tests/docs/test_docs_execute.py runs those. The full executed build is README's
``sphinx-build -W docs docs/_build``.
"""

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from sphinx.util.inventory import InventoryFile

import emlp_sym

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: emlp 0.x's import paths: they re-export, their names are documented where they live
COMPAT = ("solver", "models")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
           "-D", "nb_execution_mode=off", "-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    # --keep-going: every warning is reported, and the site (its inventory) is still written
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600), out / "html"


def test_docs_build_with_warnings_as_errors(built_site):
    result, html = built_site
    assert result.returncode == 0, f"sphinx-build -W failed:\n{result.stderr[-6000:]}"
    assert (html / "index.html").exists() and (html / "api" / "index.html").exists()


def reraise(name):
    raise ImportError(f"{name} does not import: its modules cannot be listed")


def public_modules():
    for info in pkgutil.walk_packages(emlp_sym.__path__, "emlp_sym.", onerror=reraise):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or parts[1] in COMPAT:
            continue
        yield info.name


def public_names(module):
    """``__all__``, or the public functions and classes the module defines."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == module.__name__]


def test_api_reference_lists_every_public_module_and_name(built_site):
    result, html = built_site
    assert (html / "objects.inv").exists(), f"no site was built:\n{result.stderr[-6000:]}"
    with open(html / "objects.inv", "rb") as f:
        inventory = InventoryFile.load(f, "", lambda base, uri: uri)
    documented = {name for entries in inventory.values() for name in entries}
    missing_modules, missing_names = [], []
    for name in public_modules():
        if name not in documented:
            missing_modules.append(name)
            continue
        module = importlib.import_module(name)
        package = name.rpartition(".")[0]
        for attr in public_names(module):
            obj = getattr(module, attr)
            # found at this path, at the package's, or where it is defined (a re-export)
            paths = {f"{name}.{attr}", f"{package}.{attr}",
                     f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"}
            if not paths & documented:
                missing_names.append(f"{name}.{attr}")
    assert not missing_modules, (
        f"modules missing from docs/api/*.md (add an automodule section): {missing_modules}")
    assert not missing_names, (
        f"public names missing from the API reference (a name without a docstring is left out: "
        f"write one): {missing_names}")
