"""Memory estimates of a layer, refused before it allocates (issue 14, part 1).

The solvers guard every basis they solve (:mod:`emlp_sym.solvers.memory`). A layer adds large
arrays of its own, estimated here from the reps alone and refused with a
:class:`~emlp_sym.errors.ResourceError` (naming the layer, its reps and sizes, the estimate and
what to do) when over :func:`~emlp_sym.solvers.memory.memory_limit`:

* the canonical layouts of ``rep_in`` and ``rep_out`` (an int64 permutation of each);
* the dense weight between the tensor (non-scalar) blocks that ``linear_apply`` forms on every
  forward pass, ``(Σ m_b s_b) × (Σ m_a s_a)`` over tensor types, with its gradient;
* the bases a plan stores, summed as they are solved (so a plan stops at most one basis, itself
  guarded by the solver, past the limit);
* the parameters, with their gradients and the optimizer's two moments.

Sizes are float32 (the layers' parameter type); with ``jax_enable_x64`` arrays are twice as
large, so the limit is a little optimistic there.
"""

from __future__ import annotations

from emlp_sym.solvers.memory import ENV_VAR, check_allocation, check_layout

__all__ = ["ADVICE", "BasisBudget", "check_dense_weight", "check_layouts", "check_parameters"]

PARAM_BYTES = 4  # float32
PARAM_COPIES = 4  # the values, their gradients and Adam's two moments
DENSE_WEIGHT_COPIES = 3  # the dense weight, its blocks before concatenation, its gradient
#: what a layer's ResourceError suggests instead
ADVICE = (f"use smaller reps or fewer channels (a smaller ch), or a higher {ENV_VAR} "
          "(bytes, or like '8G')")


def _reps(rep_in, rep_out) -> str:
    return f"{rep_in} → {rep_out} (sizes {rep_in.size()} → {rep_out.size()})"


def check_layouts(*reps) -> None:
    """Refuse reps whose canonical layouts alone would not fit (``V**1000``).

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> check_layouts(V(S(3)))  # fits: nothing happens
    >>> check_layouts((V**40)(S(3)))
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ResourceError: the canonical layout for ...
    """
    for rep in reps:
        check_layout(rep, ADVICE)


def check_dense_weight(layer: str, in_blocks, out_blocks, rep_in, rep_out) -> None:
    """Refuse a layer whose dense tensor-to-tensor weight (with its gradient) would not fit.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.core.linear import type_blocks
    >>> rep = V(S(3))
    >>> _, blocks, _ = type_blocks(rep, rep)
    >>> check_dense_weight("Linear", blocks, blocks, rep, rep)  # fits: nothing happens
    """
    rows = sum(b.m * b.s for b in out_blocks if b.s > 1)
    cols = sum(b.m * b.s for b in in_blocks if b.s > 1)
    check_allocation(DENSE_WEIGHT_COPIES * rows * cols * PARAM_BYTES,
                     f"the {rows} × {cols} dense tensor weight of {layer}",
                     _reps(rep_in, rep_out), ADVICE)


def check_parameters(layer: str, count: int, rep_in, rep_out) -> None:
    """Refuse a layer whose ``count`` parameters (with gradients and optimizer moments) would
    not fit.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> check_parameters("Linear", 10, V(S(3)), V(S(3)))  # fits: nothing happens
    >>> check_parameters("Linear", 10**15, V(S(3)), V(S(3)))
    Traceback (most recent call last):
    ...
    emlp_sym.errors.ResourceError: the 1000000000000000 parameters of Linear (with gradients ...
    """
    check_allocation(PARAM_COPIES * int(count) * PARAM_BYTES,
                     f"the {count} parameters of {layer} (with gradients and optimizer state)",
                     _reps(rep_in, rep_out), ADVICE)


class BasisBudget:
    """The bytes of the bases one plan holds so far; :meth:`add` refuses once they are over
    the limit.

    >>> from emlp_sym.groups import S
    >>> from emlp_sym.reps import V
    >>> import numpy as np
    >>> budget = BasisBudget("Linear", V(S(3)), V(S(3)))
    >>> budget.add(np.zeros(1000))
    >>> budget.nbytes
    8000
    """

    def __init__(self, layer: str, rep_in, rep_out):
        self.layer, self.rep_in, self.rep_out = layer, rep_in, rep_out
        self.nbytes = 0

    def add(self, basis) -> None:
        self.nbytes += int(basis.nbytes)
        check_allocation(self.nbytes, f"the equivariant bases of {self.layer}",
                         _reps(self.rep_in, self.rep_out), ADVICE)
