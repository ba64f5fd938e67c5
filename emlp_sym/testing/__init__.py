"""Tools to property-test equivariance: Hypothesis strategies and assertions."""

from emlp_sym.testing import strategies

__all__ = ["strategies"]
