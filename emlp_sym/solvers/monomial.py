"""Release 0.1's path of the one-monomial solver; its names now live where their work is done.

``numeric_basis``, ``exact_basis``, ``clear_caches`` and the limits moved to
:mod:`emlp_sym.solvers.routes` (which chooses the route to every monomial's basis),
``check_basis`` and ``snap_zeros`` to :mod:`emlp_sym.solvers.checks`, ``sparse_constraint`` to
:mod:`emlp_sym.solvers.constraints`. Reading one of them here still works, with a
``DeprecationWarning``.

>>> import warnings
>>> from emlp_sym.solvers import monomial, routes
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     old = monomial.numeric_basis
>>> old is routes.numeric_basis, caught[0].category.__name__
(True, 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import warnings

_MOVED = {
    **dict.fromkeys(("numeric_basis", "exact_basis", "clear_caches", "DENSE_LIMIT",
                     "EXACT_LIE_LIMIT"), "emlp_sym.solvers.routes"),
    **dict.fromkeys(("check_basis", "snap_zeros", "SNAP_TOL", "RESIDUAL_TOL"),
                    "emlp_sym.solvers.checks"),
    "sparse_constraint": "emlp_sym.solvers.constraints",
    "DENSE_COPIES": "emlp_sym.solvers.dense_nullspace",
    "KRYLOV_COPIES": "emlp_sym.solvers.krylov",
}


def __getattr__(name: str):
    new = _MOVED.get(name)
    if new is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(f"{__name__}.{name} moved to {new}; import it from there",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(new), name)
