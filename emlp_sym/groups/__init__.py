"""Matrix groups: the symmetry side of a representation."""

from emlp_sym.groups.base import Group
from emlp_sym.groups.embedded import DkeR3, Embed, O2eR3, Scaling, SO2eR3
from emlp_sym.groups.finite import (
    C,
    Cube,
    D,
    PermutationGroup,
    Rot90,
    RubiksCube,
    S,
    Z,
    ZksZnxZn,
)
from emlp_sym.groups.lie import (
    GL,
    O11,
    O13,
    SL,
    SO,
    SO13,
    SU,
    Lorentz,
    O,
    SO11p,
    SO13p,
    Sp,
    Trivial,
    U,
)

# mean_abs_rel_err and its deprecated name rel_err: helpers, not groups, so not in __all__
# (the CLI lists it)
from emlp_sym.groups.metrics import mean_abs_rel_err as mean_abs_rel_err
from emlp_sym.groups.metrics import rel_err as rel_err
from emlp_sym.groups.product import DirectProduct

__all__ = [
    "Group", "PermutationGroup", "DirectProduct",
    "SO", "O", "SO13", "SO13p", "O13", "SO11p", "O11", "Lorentz", "Sp", "SU", "U", "SL", "GL",
    "Trivial", "S", "Z", "C", "D", "Rot90", "Cube", "RubiksCube", "ZksZnxZn",
    "Scaling", "Embed", "SO2eR3", "O2eR3", "DkeR3",
]
