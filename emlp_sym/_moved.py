"""Old import paths of modules that moved: importable, with a ``DeprecationWarning``.

Release 0.1 kept the layer core and the fronts side by side in ``emlp_sym/nn/``; they now live
in ``emlp_sym/nn/core/`` and one package per front. Code written against the old paths
(``import emlp_sym.nn.linear``, ``from emlp_sym.nn.objax_compat import ensure_objax``) keeps
working: a finder on ``sys.meta_path`` answers for exactly the names in :data:`MOVED`, warns
once per import, and hands back the module at its new path (the same module object, so its
classes and caches are shared).

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     import emlp_sym.nn.linear as old
>>> import emlp_sym.nn.core.linear as new
>>> old is new, caught[0].category.__name__
(True, 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: old dotted path → new dotted path
MOVED = {
    **{f"emlp_sym.nn.{m}": f"emlp_sym.nn.core.{m}" for m in (
        "allocation", "architecture", "augmentation", "bilinear", "dynamics", "gates", "keys",
        "layer_memory", "linear", "optim", "params", "permute", "plan_cache")},
    "emlp_sym.nn.objax_dynamics": "emlp_sym.nn.objax.dynamics",
    "emlp_sym.nn.flax_dynamics": "emlp_sym.nn.flax.dynamics",
    "emlp_sym.nn.objax_compat": "emlp_sym.nn.objax.compat",
    "emlp_sym.nn.sharding": "emlp_sym.cli.sharding",
}


class _MovedLoader(importlib.abc.Loader):
    def __init__(self, new: str):
        self.new = new

    def create_module(self, spec):
        warnings.warn(f"{spec.name} moved to {self.new}; import it from there",
                      DeprecationWarning, stacklevel=2)
        # the import system files what this returns under the old name in sys.modules;
        # returning the real module keeps one object per module
        real = importlib.import_module(self.new)
        self._real_spec = real.__spec__
        return real

    def exec_module(self, module):
        # already executed under its new name; the import system set __spec__ to the old
        # name's spec on the way, so give the module its own back
        module.__spec__ = self._real_spec


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _MovedLoader(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (emlp_sym.nn's import does it)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
