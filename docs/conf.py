"""Sphinx configuration: MyST pages executed by myst-nb, an API reference from the docstrings.

Build: ``pip install -e ".[docs]" && sphinx-build -W docs docs/_build`` (executes every page,
caching the results in docs/_build/.jupyter_cache). The test suite builds with
``-D nb_execution_mode=off`` (tests/docs/test_sphinx_build.py): structure, references and the
API reference, while tests/docs/test_docs_execute.py runs the cells.
"""

import os

# The kernels that execute the pages inherit this environment: no progress bars from the library
# (emlp_sym.progress) nor from tqdm bars written in a page, and no tqdm warning about ipywidgets
# (it names a local path). JAX on CPU, without its "no GPU found" notice.
os.environ.setdefault("EMLP_SYM_PROGRESS", "0")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("PYTHONWARNINGS", "ignore:IProgress not found")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")

project = "emlp_sym"
author = "emlp_sym contributors"
copyright = "2026, emlp_sym contributors"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]
exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache"]

# MyST: $...$ and $$...$$ math, amsmath environments, ::: fences
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# myst-nb: execute each page once and cache it; a failing cell fails the build
nb_execution_mode = "cache"
nb_execution_timeout = 1800
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = True  # files a page writes land in a temporary folder, not in docs/
nb_merge_streams = True


# API reference
autosummary_generate = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
add_module_names = False

# Theme: wide pages for code-heavy docs
html_theme = "furo"
html_title = "emlp_sym"
html_theme_options = {"navigation_with_keys": True}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
pygments_style = "friendly"
pygments_dark_style = "monokai"


def _is_submodule(package_name: str, name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(f"{package_name}.{name}") is not None


def _documented_elsewhere(module_name: str, name: str, obj) -> bool:
    """Whether ``module_name``'s member ``name`` is documented at another path: a package's
    re-export that shadows its submodule of that name (``emlp_sym.reps.vis``, function and
    module) is left to the submodule; a submodule's member that its package re-exports is
    left to the package."""
    import importlib

    module = importlib.import_module(module_name)
    if hasattr(module, "__path__") and _is_submodule(module_name, name):
        return True
    parent_name = module_name.rpartition(".")[0]
    if not parent_name:
        return False
    parent = importlib.import_module(parent_name)
    return (name in getattr(parent, "__all__", ()) and getattr(parent, name, None) is obj
            and not _is_submodule(parent_name, name))


def _document_once(app, what, name, obj, skip, options):
    """Each public object is documented once, at the path users import it from (the entry
    names the defining module as its canonical path, so references to either path resolve)."""
    module_name = getattr(getattr(app.env, "current_document", None), "autodoc_module", "")
    if what == "module" and module_name and _documented_elsewhere(module_name, name, obj):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _document_once)
