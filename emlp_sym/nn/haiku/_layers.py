"""The Haiku front's modules (re-exported by :mod:`emlp_sym.nn.haiku`).

See the package docstring for the idiom; the maths is the core's
(:mod:`emlp_sym.nn.core`).
"""

from __future__ import annotations

from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from emlp_sym.groups.base import Group
from emlp_sym.nn._optional import require
from emlp_sym.nn.core import architecture as arch
from emlp_sym.nn.core import bilinear as bl
from emlp_sym.nn.core import linear as ln
from emlp_sym.nn.core import wiring
from emlp_sym.nn.core.allocation import gate_indices, gated, uniform_rep
from emlp_sym.nn.core.gates import gate_plan, gated_nonlinearity
from emlp_sym.nn.core.params import check_params, flatten_params
from emlp_sym.reps.expr import Rep

hk = require("haiku", extra="haiku", front="haiku")

__all__ = ["Linear", "BiLinear", "GatedNonlinearity", "Dense", "EMLPBlock", "EMLP", "MLP",
           "Standardize", "uniform_rep", "gated", "gate_indices", "export_params", "import_params"]

SEP = "/~/"  # Haiku's separator between a module and its child in parameter paths


def _repr(module) -> str:
    args = [str(getattr(module, a)) for a in ("rep_in", "rep_out", "rep", "G", "model")
            if hasattr(module, a)]
    return f"{type(module).__name__}({', '.join(args)}, name={module.module_name!r})"


class _Module(hk.Module):
    # Haiku's automatic repr formats every constructor argument (reps, plans) each time a
    # module is built, which is every trace: it doubled the seed EMLP's tracing time
    AUTO_REPR = False


def _get_params(spec: wiring.ModuleSpec) -> dict:
    """``hk.get_parameter`` for each parameter of the core's ``spec``, named as it names
    them, drawn from its initialisers' distributions with ``hk.next_rng_key()``."""
    def init(p):
        return lambda shape, dtype: p.init.sample(
            hk.next_rng_key() if p.init.needs_key else None, shape)

    return {p.name: hk.get_parameter(p.name, p.shape, jnp.float32, init=init(p))
            for p in spec.params}


def _parts(spec: wiring.ModuleSpec) -> dict:
    """Child modules named as the core spec's children. Called from ``__init__`` (a method
    of the module would add its own name scope, ``~method``, to their parameters' paths)."""
    return {name: _CLASSES[part.kind](*part.args, name=name) for name, part in spec.children}


class _Composite(_Module):
    """A model whose parts (``self.parts``, from :func:`_parts`) are wired by the core's
    forward (``self.spec``)."""

    def __call__(self, x):
        return wiring.forward(self.spec, lambda name, h: self.parts[name](h), x)


def _inside_transform() -> bool:
    try:
        hk.running_init()
    except ValueError:
        return False
    return True


class _BuiltWhenCalled(type(hk.Module)):
    """Outside ``hk.transform``, ``EMLP(...)`` / ``MLP(...)`` return a function that builds
    the module and applies it, as the reference library's Haiku models do:
    ``hk.transform(EMLP(rep_in, rep_out, group))``. Inside a transform they are modules."""

    def __call__(cls, *args, **kwargs):
        if _inside_transform():
            return super().__call__(*args, **kwargs)
        return _ModelFunction(cls, args, kwargs)


class _ModelFunction:
    """``x ↦ cls(*args, **kwargs)(x)``, for ``hk.transform``; the model's architecture is
    checked (and its ``rep_in``, ``rep_out``, ``G`` set) now, not at the first trace."""

    def __init__(self, cls, args, kwargs):
        self.cls, self.args, self.kwargs = cls, args, kwargs
        # the model's own arguments, without its module name
        self.architecture = cls._architecture(*args, **{k: v for k, v in kwargs.items()
                                                          if k != "name"})
        a = self.architecture
        self.rep_in, self.rep_out, self.G = a.rep_in, a.rep_out, a.group

    def __call__(self, x):
        return self.cls(*self.args, **self.kwargs)(x)

    def __repr__(self):
        return f"{self.cls.__name__}({self.rep_in}, {self.rep_out}, {self.G}) (built when called)"


class Linear(_Module):
    """Equivariant linear layer ``rep_in → rep_out``: parameters ``w`` (coefficients in the
    equivariant basis, normal with ``plan.weight_std``) and ``b`` (invariant bias
    coefficients, ``uniform(0, plan.bias_scale)``). ``plan``: the layer's plan, if you have
    it (otherwise it is built, or taken from the cache).

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = hk.without_apply_rng(hk.transform(
    ...     lambda x: Linear(V(SO(3)), (Scalar + V)(SO(3)))(x)))
    >>> params = net.init(jax.random.key(0), jnp.ones((2, 3)))
    >>> net.apply(params, jnp.ones((2, 3))).shape, {k: v.shape for k, v in params["linear"].items()}
    ((2, 4), {'w': (1,), 'b': (1,)})
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, name: str | None = None, *, plan=None):
        super().__init__(name=name)
        self.plan = plan if plan is not None else ln.linear_plan(rep_in, rep_out)
        self.rep_in, self.rep_out = self.plan.rep_in, self.plan.rep_out

    def __call__(self, x):
        params = _get_params(wiring.linear_spec(self.plan))
        return ln.linear_apply(self.plan, params["w"], params["b"], x)


class BiLinear(_Module):
    """EMLP's equivariant bilinear layer ``x ↦ 0.1 · W(x) x``: parameter ``w``, standard
    normal.

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = hk.without_apply_rng(hk.transform(
    ...     lambda x: BiLinear((Scalar + V)(SO(3)), V(SO(3)))(x)))
    >>> params = net.init(jax.random.key(0), jnp.ones((2, 4)))
    >>> net.apply(params, jnp.ones((2, 4))).shape
    (2, 3)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, name: str | None = None, *, plan=None):
        super().__init__(name=name)
        self.plan = plan if plan is not None else bl.bilinear_plan(rep_in, rep_out)
        self.rep_in, self.rep_out = self.plan.rep_in, self.plan.rep_out

    def __call__(self, x):
        return bl.bilinear_apply(self.plan, _get_params(wiring.bilinear_spec(self.plan))["w"], x)


class GatedNonlinearity(_Module):
    """Gated nonlinearity: input ``gated(rep)``, output ``rep`` (no parameters).

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> act = hk.without_apply_rng(hk.transform(lambda x: GatedNonlinearity(V(SO(3)))(x)))
    >>> act.apply(act.init(None, jnp.ones((2, 4))), jnp.ones((2, 4))).shape
    (2, 3)
    """

    def __init__(self, rep: Rep, name: str | None = None, *, plan=None):
        super().__init__(name=name)
        self.plan = plan if plan is not None else gate_plan(rep)
        self.rep = self.plan.rep

    def __call__(self, x):
        return gated_nonlinearity(self.plan, x)


class Dense(_Module):
    """The MLP's dense layer ``x @ w + b`` (``w``: ``(n_in, n_out)``, the core's
    Glorot-normal initialisation; ``b`` zero).

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> net = hk.without_apply_rng(hk.transform(lambda x: Dense(3, 2)(x)))
    >>> params = net.init(jax.random.key(0), jnp.ones((1, 3)))
    >>> {k: v.shape for k, v in params["dense"].items()}
    {'w': (3, 2), 'b': (2,)}
    """

    def __init__(self, n_in: int, n_out: int, name: str | None = None):
        super().__init__(name=name)
        self.spec = wiring.dense_spec(n_in, n_out)

    def __call__(self, x):
        params = _get_params(self.spec)
        return wiring.dense_apply(params["w"], params["b"], x)


class EMLPBlock(_Composite):
    """G-linear map, bilinear layer with a shortcut, and gated nonlinearity; children
    ``linear`` and ``bilinear`` (and ``nonlinearity``, without parameters).

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> from emlp_sym.nn import uniform_rep
    >>> net = hk.without_apply_rng(hk.transform(
    ...     lambda x: EMLPBlock(V(SO(3)), uniform_rep(16, SO(3)))(x)))
    >>> params = net.init(jax.random.key(0), jnp.ones((2, 3)))
    >>> net.apply(params, jnp.ones((2, 3))).shape
    (2, 16)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, name: str | None = None):
        super().__init__(name=name)
        plan = arch.emlp_block_plan(rep_in, rep_out)
        self.rep_in, self.rep_out = plan.linear.rep_in, plan.gate.rep
        self.spec = wiring.emlp_block_spec(plan)
        self.parts = _parts(self.spec)
        self.linear, self.bilinear = self.parts["linear"], self.parts["bilinear"]
        self.nonlinearity = self.parts["nonlinearity"]


class _Model(_Composite, metaclass=_BuiltWhenCalled):
    """EMLP and MLP: the architecture from the arguments (``_architecture``), the core's spec
    from it (``_spec``), a child module per part; the hidden parts listed as ``_hidden``."""

    _hidden: str

    def __init__(self, rep_in, rep_out, group: Group, ch=384, num_layers: int = 3,
                 name: str | None = None):
        super().__init__(name=name)
        self.architecture = a = self._architecture(rep_in, rep_out, group, ch, num_layers)
        self.G, self.rep_in, self.rep_out = group, a.rep_in, a.rep_out
        self.spec = self._spec(a)
        self.parts = _parts(self.spec)
        *hidden, self.readout = self.parts.values()
        setattr(self, self._hidden, hidden)


class EMLP(_Model):
    """Equivariant MLP: ``num_layers`` EMLP blocks (``block0``, ...) then an equivariant
    linear ``readout``. ``ch``: an int width (spread by :func:`uniform_rep`), a
    representation, or a list of them, one per hidden layer.

    Outside ``hk.transform`` it returns a function that builds the module when called, so
    the reference library's ``hk.transform(EMLP(rep_in, rep_out, group))`` works:

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = hk.without_apply_rng(hk.transform(EMLP(Scalar + V, V**2, SO(3), ch=16,
    ...                                              num_layers=1)))
    >>> net.apply(net.init(jax.random.key(0), jnp.ones((2, 4))), jnp.ones((2, 4))).shape
    (2, 9)

    Inside a transform it is a module:

    >>> net = hk.without_apply_rng(hk.transform(
    ...     lambda x: EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)(x)))
    >>> params = net.init(jax.random.key(0), jnp.ones((2, 4)))
    >>> jax.jit(net.apply)(params, jnp.ones((2, 4))).shape
    (2, 9)
    """

    _hidden = "blocks"

    _architecture = staticmethod(arch.emlp_architecture)
    _spec = staticmethod(lambda architecture: wiring.emlp_spec(arch.emlp_plan(architecture)))


class MLP(_Model):
    """The non-equivariant baseline with the EMLP's signature: :class:`Dense` layers
    ``layer0``, ... (Glorot-normal ``w`` of shape ``(n_in, n_out)``, zero ``b``) with Swish
    between them, then ``readout``. Outside ``hk.transform``, as :class:`EMLP`, a function
    that builds it when called.

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = hk.without_apply_rng(hk.transform(
    ...     lambda x: MLP(Scalar + V, V**2, SO(3), ch=16, num_layers=2)(x)))
    >>> sorted(net.init(jax.random.key(0), jnp.ones((2, 4))))  # the core's names
    ['mlp/~/layer0', 'mlp/~/layer1', 'mlp/~/readout']
    """

    _hidden = "layers"

    _architecture = staticmethod(arch.mlp_architecture)
    _spec = staticmethod(wiring.mlp_spec)

    def __call__(self, x):
        ln.check_input(x, self.rep_in, "MLP")
        return super().__call__(x)


class Standardize(_Module):
    """Wrap a model to standardize inputs (and un-standardize outputs) with dataset stats
    ``(muin, sin)`` or ``(muin, sin, muout, sout)``. Build the model first and pass it in:
    ``Standardize(EMLP(...), stats)(x)``; its parameters keep the model's names.

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> import numpy as np
    >>> stats = (np.zeros(4), np.full(4, 2.0), np.zeros(9), np.ones(9))
    >>> net = hk.without_apply_rng(hk.transform(lambda x: Standardize(
    ...     EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1), stats)(x)))
    >>> params = net.init(jax.random.key(0), jnp.ones((2, 4)))
    >>> net.apply(params, jnp.ones((2, 4))).shape
    (2, 9)
    """

    def __init__(self, model, ds_stats, name: str | None = None):
        super().__init__(name=name)
        self.model = model
        self.ds_stats = arch.check_stats(ds_stats)

    def __call__(self, x):
        return arch.standardize(self.model, self.ds_stats, x)


for _cls in (Linear, BiLinear, GatedNonlinearity, Dense, EMLPBlock, EMLP, MLP, Standardize):
    _cls.__repr__ = _repr  # after the class is made: Haiku's metaclass sets its own

_CLASSES = {"linear": Linear, "bilinear": BiLinear, "nonlinearity": GatedNonlinearity,
            "dense": Dense, "emlp_block": EMLPBlock, "emlp": EMLP, "mlp": MLP}


# ---------------------------------------------------------------------------------------------
# Haiku's parameter dict <-> the core's tree


def _infer_root(paths) -> str:
    """The model's module path: the common prefix of ``paths``; for a single module path,
    its parent (``emlp/~/readout`` → ``emlp``) or itself if top-level (a lone layer)."""
    parts = [p.split(SEP) for p in paths]
    if len(set(paths)) == 1:
        return SEP.join(parts[0][:-1]) if len(parts[0]) > 1 else paths[0]
    common = []
    for level in zip(*parts, strict=False):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    if not common:
        raise ValueError(f"these parameters hold several top-level modules "
                         f"({', '.join(sorted({p[0] for p in parts}))}); pass root= the "
                         f"module path of the model")
    return SEP.join(common)


def _relative(path: str, root: str):
    """The tree path of a module under ``root`` (a list), or None if not under it."""
    if path == root:
        return []
    return path[len(root) + len(SEP):].split(SEP) if path.startswith(root + SEP) else None


def export_params(params: Mapping, root: str | None = None) -> dict:
    """Haiku's parameter dict (from ``init`` or training) as the core's tree (NumPy arrays).

    ``root`` is the model's module path (``"emlp"``, or ``"net/~/emlp"`` for a model inside
    your own module); by default the common prefix of all module paths. With ``root`` given,
    modules outside it are left out.

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = hk.without_apply_rng(hk.transform(
    ...     lambda x: EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)(x)))
    >>> params = net.init(jax.random.key(0), jnp.ones((1, 4)))
    >>> sorted(export_params(params))  # the module paths without Haiku's "emlp/~/"
    ['block0', 'readout']
    """
    if not params:
        return {}
    if root is None:
        root = _infer_root(list(params))
    tree: dict = {}
    for path, leaves in params.items():
        rel = _relative(path, root)
        if rel is None:
            continue
        node = tree
        for name in rel:
            node = node.setdefault(name, {})
        node.update({k: np.asarray(v) for k, v in leaves.items()})
    if not tree:
        raise ValueError(f"no module of these parameters is under {root!r}: "
                         f"modules {', '.join(sorted(params))}")
    return tree


def import_params(params: Mapping | None, core: Mapping, root: str | None = None) -> dict:
    """Haiku's parameter dict holding the core tree ``core`` (saved by any front).

    ``params``: the model's current parameters (from ``init``); the tree is checked against
    them (a clear ``ValueError`` names every misfit), dtypes are kept, and modules outside
    ``root`` are kept. ``params=None`` builds the dict from ``core`` alone, unchecked, under
    ``root`` (default ``"mlp"`` if the readout weight is a matrix, else ``"emlp"``).
    Returns a new dict; Haiku's parameters are immutable.

    >>> import haiku as hk, jax, jax.numpy as jnp
    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V, Scalar
    >>> net = hk.without_apply_rng(hk.transform(
    ...     lambda x: EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)(x)))
    >>> a = net.init(jax.random.key(0), jnp.ones((1, 4)))
    >>> b = import_params(net.init(jax.random.key(1), jnp.ones((1, 4))), export_params(a))
    >>> bool((net.apply(a, jnp.ones((1, 4))) == net.apply(b, jnp.ones((1, 4)))).all())
    True
    """
    if params is not None:
        root = _infer_root(list(params)) if root is None else root
        check_params(export_params(params, root), core)
        out = {k: dict(v) for k, v in params.items()}
    else:
        if root is None:
            readout = core.get("readout") if isinstance(core, Mapping) else None
            if not isinstance(readout, Mapping) or "w" not in readout:
                raise ValueError("without params, pass root= the module path of the model "
                                 "these parameters belong to")
            root = "mlp" if np.ndim(readout["w"]) == 2 else "emlp"
        out = {}
    for path, value in flatten_params(core).items():
        *mods, leaf = path.split("/")
        module = SEP.join([root, *mods])
        like = out.get(module, {}).get(leaf)
        out.setdefault(module, {})[leaf] = jnp.asarray(
            value, dtype=None if like is None else like.dtype)
    return out
