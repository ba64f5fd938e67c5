"""The PyTorch front's modules (re-exported by :mod:`emlp_sym.nn.pytorch`).

See the package docstring for the idiom; the maths is the core's
(:mod:`emlp_sym.nn.core`).
"""

from __future__ import annotations

import math
import os
import sys
from collections import OrderedDict

import numpy as np

from emlp_sym.nn._optional import require
from emlp_sym.nn.core import architecture as arch
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.bilinear import bilinear_plan
from emlp_sym.nn.core.gates import gate_plan
from emlp_sym.nn.core.linear import check_input, linear_plan
from emlp_sym.nn.core.params import check_params, map_params
from emlp_sym.reps.expr import Rep

# The core solves bases with JAX, so XLA's thread pool lives in every process that uses this
# front; with OpenMP's default spin-waiting, torch's threads and XLA's starve each other (on 2
# cores a torch MLP step took 372 ms instead of 13 ms after JAX started). Passive waiting costs
# nothing measurable here. It must be set before torch loads OpenMP; a user's choice wins.


def prefer_passive_openmp(environ=os.environ, modules=sys.modules) -> None:
    """Make OpenMP wait passively unless torch is loaded already or the user chose a policy.

    >>> env = {"OMP_WAIT_POLICY": "ACTIVE"}
    >>> prefer_passive_openmp(env, modules={}); env["OMP_WAIT_POLICY"]
    'ACTIVE'
    """
    if "torch" not in modules:
        environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


prefer_passive_openmp()
torch = require("torch", extra="torch", front="pytorch")
nn = torch.nn

from emlp_sym.nn.pytorch import _ops as ops  # noqa: E402  (after the check that torch is there)

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "Dense", "EMLPBlock", "EMLP", "MLP",
           "Standardize", "uniform_rep", "gated", "gate_indices", "export_params", "import_params"]

Generator = torch.Generator


def _check(x, n: int, rep: Rep, layer: str) -> None:
    """The core's input check, against a size computed once (``Rep.size()`` is not free)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{layer} expects a torch tensor, got {type(x).__name__}")
    if x.ndim < 1 or x.shape[-1] != n:
        check_input(x, rep, layer)


def _buffers(module: nn.Module, prefix: str, arrays) -> list[str]:
    """Register arrays as non-persistent float32 buffers ``prefix0, prefix1, ...``."""
    names = [f"{prefix}{k}" for k in range(len(arrays))]
    for name, a in zip(names, arrays, strict=True):
        module.register_buffer(name, torch.as_tensor(a, dtype=torch.float32), persistent=False)
    return names


def _hold_params(module: nn.Module, spec: wiring.ModuleSpec) -> None:
    """An ``nn.Parameter`` per parameter of the core's ``spec``, named as it names them."""
    module.spec = spec
    for p in spec.params:
        setattr(module, p.name, nn.Parameter(torch.empty(p.shape)))


def _draw_params(module: nn.Module, generator: Generator | None) -> None:
    """Each parameter drawn from the core's initialiser, with torch's generator (the global
    one if None): normal with standard deviation ``scale``, uniform on ``[0, scale)``, zero."""
    with torch.no_grad():
        for p in module.spec.params:
            param, init = getattr(module, p.name), p.init
            if init.distribution == "normal":
                param.normal_(0.0, init.scale, generator=generator)
            elif init.distribution == "uniform":
                param.uniform_(0.0, init.scale, generator=generator)
            else:
                param.zero_()


def _build(spec: wiring.ModuleSpec, generator: Generator | None):
    """This front's module for a core spec (a part of a model)."""
    cls = _CLASSES[spec.kind]
    return cls(*spec.args, generator=generator) if spec.has_params else cls(*spec.args)


def _sizes(blocks) -> list[int]:
    return [blk.m * blk.s for blk in blocks]


class Linear(nn.Module):
    """Equivariant linear layer ``rep_in → rep_out``. ``w`` and ``b`` are the coefficients of
    the weight and bias in their equivariant bases (the core's ``LinearPlan``); the forward pass
    builds the dense weight from them and applies it with ``F.linear``.

    >>> import torch
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> layer = Linear(V(SO(3)), (Scalar + V)(SO(3)))
    >>> layer(torch.ones(2, 3)).shape, layer.w.shape, layer.b.shape
    (torch.Size([2, 4]), torch.Size([1]), torch.Size([1]))
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, generator: Generator | None = None):
        super().__init__()
        self.plan = plan = linear_plan(rep_in, rep_out)
        self.rep_in, self.rep_out = rep_in, rep_out
        self.n_in, self.n_out = rep_in.size(), rep_out.size()
        _hold_params(self, wiring.linear_spec(plan))  # w, b
        self._bases = _buffers(self, "basis", [t.basis for t in plan.weight_terms])
        self._bias_bases = _buffers(self, "bias_basis", [t.basis for t in plan.bias_terms])
        inv = None if plan.in_gather is None else np.argsort(plan.in_gather)
        self.rows = ops.Join(plan.out_gather, [self.n_out], dim=0)
        self.cols = ops.Join(inv, [self.n_in], dim=1)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Generator | None = None) -> None:
        _draw_params(self, generator)

    def weight(self) -> torch.Tensor:
        """The dense ``(n_out, n_in)`` weight matrix in the user's layouts."""
        W = ops.canonical_layout_weight(self.plan, self.w, [getattr(self, n) for n in self._bases])
        return self.rows([self.cols([W])])

    def bias(self) -> torch.Tensor:
        """The bias vector in the user's layout."""
        bases = [getattr(self, n) for n in self._bias_bases]
        b = ops.canonical_layout_bias(self.plan, self.b, bases)
        return self.rows([b])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(..., rep_in.size())`` → ``(..., rep_out.size())``."""
        _check(x, self.n_in, self.rep_in, "Linear")
        return nn.functional.linear(x, self.weight(), self.bias())

    def extra_repr(self) -> str:
        return f"{self.rep_in} → {self.rep_out}"


class BiLinear(nn.Module):
    """EMLP's equivariant bilinear layer ``x ↦ 0.1 · W(x) x``; ``w`` in the core's
    ``BiLinearPlan`` layout, so parameters travel between fronts.

    >>> import torch
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> layer = BiLinear((Scalar + V)(SO(3)), V(SO(3)))
    >>> layer(torch.ones(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, generator: Generator | None = None):
        super().__init__()
        self.plan = plan = bilinear_plan(rep_in, rep_out)
        self.rep_in, self.rep_out = rep_in, rep_out
        self.n_in, self.n_out = rep_in.size(), rep_out.size()
        _hold_params(self, wiring.bilinear_spec(plan))  # w
        self.inputs = ops.Blocks(plan.in_gather, _sizes(plan.in_blocks))
        self.outputs = ops.Join(plan.out_gather, _sizes(plan.out_blocks))
        self.gathers = [None if p.gather is None else ops.Blocks(p.gather, [len(p.gather)])
                        for p in ops.pair_terms(plan)]
        if any(g is not None for g in self.gathers):  # registered, for their buffers
            self._gathers = nn.ModuleList(g for g in self.gathers if g is not None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Generator | None = None) -> None:
        _draw_params(self, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(..., rep_in.size())`` → ``(..., rep_out.size())``."""
        _check(x, self.n_in, self.rep_in, "BiLinear")
        batch, N = x.shape[:-1], math.prod(x.shape[:-1])
        if not self.plan.out_blocks:
            return x.new_zeros(*batch, 0)
        ys = ops.bilinear(self.plan, self.w, self.inputs(x.reshape(N, self.n_in)), self.gathers)
        y = self.outputs([x.new_zeros(N, blk.m * blk.s) if v is None else v
                          for v, blk in zip(ys, self.plan.out_blocks, strict=True)])
        return y.reshape(*batch, self.n_out)

    def extra_repr(self) -> str:
        return f"{self.rep_in} → {self.rep_out}"


class GatedNonlinearity(nn.Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep`` (no parameters).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> act = GatedNonlinearity(V(SO(3)))  # input: the vector, then its gate scalar
    >>> act(torch.tensor([[1.0, 2.0, 2.0, 0.0]])).tolist()  # times sigmoid(0) = 1/2
    [[0.5, 1.0, 1.0]]
    """

    def __init__(self, rep: Rep):
        super().__init__()
        self.rep, self.plan = rep, gate_plan(rep)
        self.spec = wiring.nonlinearity_spec(self.plan)
        self.inputs = ops.gate_blocks(self.plan)
        self.outputs = ops.Join(self.plan.to_user, [s.m * s.s for s in self.plan.segments])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(..., gated(rep).size())`` → ``(..., rep.size())``."""
        plan = self.plan
        if not isinstance(x, torch.Tensor) or x.ndim < 1 \
                or x.shape[-1] != plan.size + plan.n_gates:
            raise ValueError(f"GatedNonlinearity expects gated({plan.rep}) inputs (last "
                             f"dimension {plan.size + plan.n_gates}), got shape "
                             f"{tuple(getattr(x, 'shape', ()))}")
        if not plan.segments:
            return x[..., :0]
        return self.outputs(ops.gates(plan, self.inputs(x)))

    def extra_repr(self) -> str:
        return f"gated({self.rep}) → {self.rep}"


class Dense(nn.Module):
    """The MLP's dense layer ``x @ w + b``: ``w`` of shape ``(n_in, n_out)`` (the core's
    layout and Glorot-normal initialisation), ``b`` zero.

    >>> import torch
    >>> layer = Dense(3, 2)
    >>> layer(torch.ones(4, 3)).shape, layer.w.shape
    (torch.Size([4, 2]), torch.Size([3, 2]))
    """

    def __init__(self, n_in: int, n_out: int, *, generator: Generator | None = None):
        super().__init__()
        _hold_params(self, wiring.dense_spec(n_in, n_out))  # w, b
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Generator | None = None) -> None:
        _draw_params(self, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # F.linear of wᵀ: one addmm on w as it is stored, as nn.Linear does on its weight
        return nn.functional.linear(x, self.w.t(), self.b)

    def extra_repr(self) -> str:
        return f"{self.w.shape[0]} → {self.w.shape[1]}"


class EMLPBlock(nn.Module):
    """G-linear map, bilinear layer with a shortcut, and gated nonlinearity.

    >>> import torch
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> from emlp_sym.nn import uniform_rep
    >>> block = EMLPBlock(V(SO(3)), uniform_rep(16, SO(3)))
    >>> block(torch.ones(2, 3)).shape
    torch.Size([2, 16])
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, generator: Generator | None = None):
        super().__init__()
        self.spec = wiring.emlp_block_spec(arch.emlp_block_plan(rep_in, rep_out))
        for name, part in self.spec.children:  # linear, bilinear, nonlinearity
            setattr(self, name, _build(part, generator))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return wiring.forward(self.spec, lambda name, h: getattr(self, name)(h), x)


class EMLP(nn.Sequential):
    """Equivariant MLP: ``block0``, ``block1``, ... (:class:`EMLPBlock`), then a ``readout``
    :class:`Linear`.

    ``ch`` is the hidden width (an int, spread by :func:`uniform_rep`), a representation, or a
    list of them, one per hidden layer; ``rep_in`` / ``rep_out`` may be unbound (``V**2``) or
    functions of the group (``ds.rep_in``), as in the seed.

    >>> import torch
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> seeded = torch.Generator().manual_seed(0)
    >>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1, generator=seeded)
    >>> model(torch.ones(2, 4)).shape, [name for name, _ in model.named_children()]
    (torch.Size([2, 9]), ['block0', 'readout'])
    """

    def __init__(self, rep_in, rep_out, group, ch=384, num_layers: int = 3, *,
                 generator: Generator | None = None):
        a = arch.emlp_architecture(rep_in, rep_out, group, ch, num_layers)
        spec = wiring.emlp_spec(arch.emlp_plan(a))
        # nn.Sequential runs the parts in order: the core's EMLP rule (wiring.forward)
        super().__init__(OrderedDict((name, _build(part, generator))
                                     for name, part in spec.children))
        self.architecture, self.G, self.rep_in, self.rep_out = a, group, a.rep_in, a.rep_out
        self.spec = spec


class MLP(nn.Sequential):
    """The non-equivariant baseline with the EMLP's signature: :class:`Dense` layers
    ``layer0``, ``layer1``, ... each followed by Swish (``act0``, ...), then ``readout``;
    Glorot-normal ``w`` and zero ``b``, as every front's MLP (from ``generator``, or torch's
    global generator).

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> model = MLP(Scalar + V, V**2, SO(3), ch=16, num_layers=2)
    >>> [name for name, _ in model.named_children()]
    ['layer0', 'act0', 'layer1', 'act1', 'readout']
    """

    def __init__(self, rep_in, rep_out, group, ch=384, num_layers: int = 3, *,
                 generator: Generator | None = None):
        a = arch.mlp_architecture(rep_in, rep_out, group, ch, num_layers)
        spec = wiring.mlp_spec(a)
        # nn.Sequential with Swish after each hidden layer: the core's MLP rule (wiring.forward)
        layers = OrderedDict()
        *hidden, (readout, last) = spec.children
        for k, (name, part) in enumerate(hidden):
            layers[name], layers[f"act{k}"] = _build(part, generator), nn.SiLU()
        layers[readout] = _build(last, generator)
        super().__init__(layers)
        self.architecture, self.G, self.rep_in, self.rep_out = a, group, a.rep_in, a.rep_out
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check(x, self.architecture.widths[0], self.rep_in, "MLP")
        return super().forward(x)


_STATS = ("muin", "sin", "muout", "sout")


class Standardize(nn.Module):
    """Wrap a model to standardize inputs (and un-standardize outputs) with dataset stats.

    ``ds_stats`` is ``(muin, sin)`` or ``(muin, sin, muout, sout)``, kept as buffers (saved in
    ``state_dict()``, as ``BatchNorm`` keeps its statistics).

    >>> import torch
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> import numpy as np
    >>> stats = (np.zeros(4), np.full(4, 2.0), np.zeros(9), np.ones(9))
    >>> model = Standardize(EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1), stats)
    >>> model(torch.ones(2, 4)).shape
    torch.Size([2, 9])
    """

    def __init__(self, model: nn.Module, ds_stats):
        super().__init__()
        self.model = model
        stats = arch.check_stats(ds_stats)
        self._stats = _STATS[: len(stats)]
        for name, s in zip(self._stats, stats, strict=True):
            self.register_buffer(name, torch.as_tensor(s))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return arch.standardize(self.model, [getattr(self, n) for n in self._stats], x)


# ---------------------------------------------------------------------------------------------
# The core's parameter tree: the modules' own parameters, named and shaped as the core's

_CLASSES = {"linear": Linear, "bilinear": BiLinear, "nonlinearity": GatedNonlinearity,
            "dense": Dense, "emlp_block": EMLPBlock, "emlp": EMLP, "mlp": MLP}


def _params(obj) -> dict:
    """The model's ``nn.Parameter`` s as the core's tree."""
    model = obj.model if isinstance(obj, Standardize) else obj
    if not isinstance(model, tuple(_CLASSES.values())):
        raise TypeError(f"expected an emlp_sym PyTorch model (EMLP, MLP, a layer or "
                        f"Standardize), got {type(obj).__name__}")
    return wiring.collect(model.spec, model, lambda m, name, k: getattr(m, name), getattr)


def export_params(obj) -> dict:
    """The model's parameters as the core's tree of NumPy arrays (``emlp_sym.nn.save_params``
    writes it; every front's ``import_params`` reads it).

    >>> import torch
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> params = export_params(Linear(V(SO(3)), V(SO(3))))
    >>> {k: v.shape for k, v in params.items()}
    {'w': (1,), 'b': (0,)}
    """
    return map_params(lambda p: p.detach().cpu().numpy().copy(), _params(obj))


def import_params(obj, params):
    """Load a core parameter tree (saved by any front) into ``obj`` in place; returns ``obj``.
    Raises a ``ValueError`` naming every missing, extra or misshapen entry.

    >>> import torch
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> a, b = Linear(V(SO(3)), V(SO(3))), Linear(V(SO(3)), V(SO(3)))
    >>> _ = import_params(b, export_params(a))
    >>> bool(torch.equal(a.w, b.w))
    True
    """
    check_params(export_params(obj), params)
    with torch.no_grad():
        map_params(lambda p, value: p.copy_(torch.as_tensor(np.array(value), dtype=p.dtype)),
                   _params(obj), params)
    return obj
