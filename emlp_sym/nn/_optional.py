"""Import a front's framework, or fail with the extra that installs it."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, *, extra: str, front: str) -> ModuleType:
    """``importlib.import_module(module)``, or an ImportError that names the pip extra.

    >>> require("json", extra="none", front="example").__name__
    'json'
    >>> require("not_a_framework", extra="flax", front="flax")
    Traceback (most recent call last):
    ...
    ImportError: emlp_sym.nn.flax needs not_a_framework, which is not installed: \
pip install "emlp_sym[flax]"
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"emlp_sym.nn.{front} needs {module.split('.')[0]}, which is not installed: "
            f"pip install \"emlp_sym[{extra}]\""
        ) from e
