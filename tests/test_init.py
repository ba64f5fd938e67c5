"""The package's lazy surface (emlp_sym/__init__.py)."""

import emlp_sym


def test_dir_lists_the_library_packages_not_the_compat_ones():
    names = dir(emlp_sym)
    assert {"groups", "reps", "solvers", "nn", "testing"} <= set(names)
    assert "solver" not in names and "models" not in names
    # emlp 0.x's paths still import
    assert emlp_sym.solver.__name__ == "emlp_sym.solver"
    assert emlp_sym.models.__name__ == "emlp_sym.models"
    assert "solver" not in dir(emlp_sym)  # not even once imported
