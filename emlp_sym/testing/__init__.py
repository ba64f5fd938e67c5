"""Tools to property-test equivariance: Hypothesis strategies and assertions."""

from emlp_sym.testing import strategies
from emlp_sym.testing.equivariance import (
    assert_equivariant,
    equivariance_error,
    paired_equivariance_error,
    rel_err,
    rms_rel_err,
)

# rel_err: the deprecated name of rms_rel_err
__all__ = ["strategies", "assert_equivariant", "equivariance_error",
           "paired_equivariance_error", "rms_rel_err", "rel_err"]
