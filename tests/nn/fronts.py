"""Every front's idiom behind one small interface, so tests/nn/test_fronts.py runs each shared
test (equivariance, training, gradients, parity with the core, parameters, bad input) on every
front; each front's own file keeps only what is that front's own.

A recipe's ``make(F, seeding)`` builds a module from the front package ``F`` with the front's
seeding keywords (``rngs=``, ``key=``, ``generator=`` or none); the adapter initialises and
runs it the front's way. Handles are what the front's user holds: the module itself, or for
linen and Haiku the module with its variables.
"""

import weakref
from dataclasses import dataclass, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from layer_cases import random_params

from emlp_sym.groups import SO13
from emlp_sym.nn.core.allocation import gated
from emlp_sym.nn.core.params import flatten_params


@dataclass(frozen=True)
class Recipe:
    """``make(F, seeding)`` builds the module; ``n_in()`` is its input size (asked only when
    the test gives no input to initialise with: the reps may be unbound, on purpose)."""

    make: Any
    n_in: Any
    key: Any = None  # hashable when equal recipes build equal modules: their compiles shared


def layer_recipe(name, *args):
    """``F.<name>(*args, <seeding>)``; the gate has no parameters, hence no seeding."""
    if name == "GatedNonlinearity":
        return Recipe(lambda F, seeding: F.GatedNonlinearity(*args),
                      lambda: gated(args[0]).size())
    return Recipe(lambda F, seeding: getattr(F, name)(*args, **seeding),
                  lambda: args[0].size())


def model_recipe(kind, rep_in, rep_out, G, ch=24, num_layers=2, stats=None):
    """An EMLP or MLP, inside ``Standardize`` when ``stats`` are given."""

    def make(F, seeding):
        model = getattr(F, kind)(rep_in, rep_out, G, ch=ch, num_layers=num_layers, **seeding)
        return model if stats is None else F.Standardize(model, stats)

    key = None if stats is not None else (kind, rep_in, rep_out, G, ch, num_layers)
    return Recipe(make, lambda: rep_in(G).size(), key)


class Front:
    """The interface; subclasses implement ``build`` and the methods that differ."""

    name: str
    module: Any  # the front's package (emlp_sym.nn.<name>)

    def build(self, recipe, seed=0, x=None, quick=False):
        """The handle of the recipe's module. ``x``: an input to initialise with (linen and
        Haiku); ``quick``: random parameters of the right shapes drawn with NumPy instead of
        the front's initializers (no compilation; equivariance holds for any parameters)."""
        raise NotImplementedError

    def layer(self, name, *args, seed=0, x=None):
        return self.build(layer_recipe(name, *args), seed, x, quick=True)

    def model(self, kind, rep_in, rep_out, G, ch=24, num_layers=2, seed=0, stats=None):
        """An EMLP or MLP (in ``Standardize`` with ``stats``); linen and Haiku draw random
        parameters with NumPy (the front's initializers are tested in its own file)."""
        recipe = model_recipe(kind, rep_in, rep_out, G, ch, num_layers, stats)
        return self.build(recipe, seed, quick=True)

    def apply(self, handle, x) -> np.ndarray:
        raise NotImplementedError

    def fn(self, handle):
        """The handle as a function of ``x`` alone (what ``assert_equivariant`` calls)."""
        return lambda x: self.apply(handle, x)

    def export(self, handle) -> dict:
        return self.module.export_params(handle)

    def load(self, handle, params):
        """``handle`` holding the core tree ``params`` (the same object where the front
        loads in place)."""
        return self.module.import_params(handle, params)

    def adam(self, handle, x, y, steps, lr=1e-2):
        """``steps`` jitted Adam steps on the MSE: the trained handle and the losses."""
        raise NotImplementedError

    def grads(self, handle, x) -> dict:
        """The gradients of ``sum(model(x)**2)``, flat by parameter name."""
        raise NotImplementedError

    def for_boosts(self, handle):
        """The handle and the relative tolerance for SO(1,3), whose boosts amplify float32
        rounding."""
        return handle, 1e-4


def _optax_steps(loss, params, steps, lr):
    import optax

    opt = optax.adam(lr)

    @jax.jit
    def step(params, state):
        value, g = jax.value_and_grad(loss)(params)
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), state, value

    state, losses = opt.init(params), []
    for _ in range(steps):
        params, state, value = step(params, state)
        losses.append(float(value))
    return params, losses


class Objax(Front):
    name = "objax"

    def __init__(self):
        from emlp_sym.nn import objax as eo
        from emlp_sym.nn.objax.compat import ensure_objax

        self.module, self.objax = eo, ensure_objax()
        self._jitted = weakref.WeakKeyDictionary()

    def build(self, recipe, seed=0, x=None, quick=False):
        self.objax.random.DEFAULT_GENERATOR.seed(seed)
        return recipe.make(self.module, {})

    def apply(self, handle, x):
        """Under ``objax.Jit`` (one compile per model and shape, not one per operation; it
        reads the variables' current values at each call)."""
        if handle not in self._jitted:
            self._jitted[handle] = self.objax.Jit(handle, handle.vars())
        return np.asarray(self._jitted[handle](jnp.asarray(x)))

    def adam(self, handle, x, y, steps, lr=1e-2):
        objax, model = self.objax, handle
        opt = objax.optimizer.Adam(model.vars())

        @objax.Function.with_vars(model.vars())
        def loss(x, y):
            return ((model(x) - y) ** 2).mean()

        gv = objax.GradValues(loss, model.vars())

        @objax.Function.with_vars(model.vars() + opt.vars())
        def step(x, y):
            g, v = gv(x, y)
            opt(lr=lr, grads=g)
            return v

        step = objax.Jit(step)
        return model, [float(step(x, y)[0]) for _ in range(steps)]

    def grads(self, handle, x):
        objax, model = self.objax, handle

        @objax.Function.with_vars(model.vars())
        def loss(x):
            return (model(x) ** 2).sum()

        grads = objax.Jit(objax.Grad(loss, model.vars()))(jnp.asarray(x))
        return {name: np.asarray(g) for name, g in zip(model.vars().keys(), grads, strict=True)}


class Flax(Front):
    name = "flax"

    def __init__(self):
        from flax import nnx

        from emlp_sym.nn import flax as ef

        self.module, self.nnx = ef, nnx
        self._run = nnx.jit(lambda module, x: module(x))

    def build(self, recipe, seed=0, x=None, quick=False):
        return recipe.make(self.module, {"rngs": self.nnx.Rngs(seed)})

    def apply(self, handle, x):
        return np.asarray(self._run(handle, jnp.asarray(x)))

    def adam(self, handle, x, y, steps, lr=1e-2):
        import optax

        nnx = self.nnx
        optimizer = nnx.Optimizer(handle, optax.adam(lr), wrt=nnx.Param)

        @nnx.jit
        def step(model, optimizer, x, y):
            loss, grads = nnx.value_and_grad(lambda m: ((m(x) - y) ** 2).mean())(model)
            optimizer.update(model, grads)
            return loss

        return handle, [float(step(handle, optimizer, x, y)) for _ in range(steps)]

    def grads(self, handle, x):
        nnx = self.nnx
        grads = nnx.jit(nnx.grad(lambda m, x: (m(x) ** 2).sum()))(handle, jnp.asarray(x))
        return flatten_params(jax.device_get(nnx.to_pure_dict(grads)))


@dataclass(frozen=True)
class Bound:
    """A functional front's model with its variables, and its jitted apply."""

    module: Any
    variables: Any
    run: Any

    def __call__(self, x):
        return self.run(self.variables, jnp.asarray(x))


class Linen(Front):
    name = "linen"

    def __init__(self):
        from emlp_sym.nn import linen as L

        self.module, self._built = L, {}

    def _init(self, init, recipe, seed, x, quick):
        x = jnp.zeros((2, recipe.n_in()), jnp.float32) if x is None else jnp.asarray(x)
        if quick:
            shapes = jax.eval_shape(init, jax.random.key(0), x)
            zeros = jax.tree.map(lambda s: np.zeros(s.shape, s.dtype), shapes)
            return jax.tree.map(jnp.asarray, random_params(zeros, seed))
        return jax.jit(init)(jax.random.key(seed), x)

    def _module(self, recipe):
        """The module and its jitted apply (one per equal recipe: one compile per shape)."""
        if recipe.key is not None and recipe.key in self._built:
            return self._built[recipe.key]
        module = self._transform(recipe)
        built = module, jax.jit(module.apply)
        if recipe.key is not None:
            self._built[recipe.key] = built
        return built

    def _transform(self, recipe):
        return recipe.make(self.module, {})

    def build(self, recipe, seed=0, x=None, quick=False):
        module, run = self._module(recipe)
        return Bound(module, self._init(module.init, recipe, seed, x, quick), run)

    def apply(self, handle, x):
        return np.asarray(handle(x))

    def export(self, handle):
        return self.module.export_params(handle.variables)

    def load(self, handle, params):
        return replace(handle, variables=self.module.import_params(handle.variables, params))

    def adam(self, handle, x, y, steps, lr=1e-2):
        apply = handle.module.apply
        params, losses = _optax_steps(
            lambda p: jnp.mean((apply({"params": p}, x) - y) ** 2),
            handle.variables["params"], steps, lr)
        return replace(handle, variables={"params": params}), losses

    def grads(self, handle, x):
        grads = jax.jit(jax.grad(lambda v: jnp.sum(handle.module.apply(v, x) ** 2)))(
            handle.variables)
        return {jax.tree_util.keystr(path): np.asarray(g)
                for path, g in jax.tree_util.tree_leaves_with_path(grads)}


class Haiku(Linen):
    name = "haiku"

    def __init__(self):
        import haiku as hk

        from emlp_sym.nn import haiku as eh

        self.module, self.hk, self._built = eh, hk, {}

    def _transform(self, recipe):
        return self.hk.without_apply_rng(
            self.hk.transform(lambda x: recipe.make(self.module, {})(x)))

    def adam(self, handle, x, y, steps, lr=1e-2):
        apply = handle.module.apply
        params, losses = _optax_steps(lambda p: jnp.mean((apply(p, x) - y) ** 2),
                                      handle.variables, steps, lr)
        return replace(handle, variables=params), losses


class Equinox(Front):
    name = "equinox"

    def __init__(self):
        import equinox as eqx

        from emlp_sym.nn import equinox as F

        self.module, self.eqx = F, eqx
        self._run = eqx.filter_jit(lambda model, x: model(x))

    def build(self, recipe, seed=0, x=None, quick=False):
        return recipe.make(self.module, {"key": seed})

    def apply(self, handle, x):
        return np.asarray(self._run(handle, jnp.asarray(x)))

    def adam(self, handle, x, y, steps, lr=1e-2):
        import optax

        eqx = self.eqx
        opt = optax.adam(lr)

        @eqx.filter_jit
        def step(model, opt_state):
            loss, grads = eqx.filter_value_and_grad(lambda m: jnp.mean((m(x) - y) ** 2))(model)
            updates, opt_state = opt.update(grads, opt_state)
            return eqx.apply_updates(model, updates), opt_state, loss

        model, opt_state, losses = handle, opt.init(eqx.filter(handle, eqx.is_array)), []
        for _ in range(steps):
            model, opt_state, loss = step(model, opt_state)
            losses.append(float(loss))
        return model, losses

    def grads(self, handle, x):
        eqx = self.eqx
        grads = eqx.filter_jit(eqx.filter_grad(lambda m, x: jnp.sum(m(x) ** 2)))(
            handle, jnp.asarray(x))
        return flatten_params(self.module.export_params(grads))


class PyTorch(Front):
    name = "pytorch"

    def __init__(self):
        import torch

        from emlp_sym.nn import pytorch as P

        self.module, self.torch = P, torch

    def build(self, recipe, seed=0, x=None, quick=False):
        return recipe.make(self.module, {"generator": self.torch.Generator().manual_seed(seed)})

    def _tensor(self, handle, x):
        dtype = next((b.dtype for b in handle.parameters()), self.torch.float32)
        return self.torch.as_tensor(np.array(x), dtype=dtype)  # a writable copy

    def apply(self, handle, x):
        with self.torch.no_grad():
            return handle(self._tensor(handle, x)).numpy()

    def adam(self, handle, x, y, steps, lr=1e-2):
        torch = self.torch
        opt = torch.optim.Adam(handle.parameters(), lr=lr)
        x, y = self._tensor(handle, x), self._tensor(handle, y)
        losses = []
        for _ in range(steps):
            opt.zero_grad()
            loss = ((handle(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return handle, losses

    def grads(self, handle, x):
        handle.zero_grad()
        (handle(self._tensor(handle, x)) ** 2).sum().backward()
        return {name: p.grad.numpy() for name, p in handle.named_parameters()}

    def for_boosts(self, handle):
        """float64 instead of a looser tolerance: the port's maths checked to 1e-5."""
        return handle.double(), 1e-5


ADAPTERS = {"objax": Objax, "flax": Flax, "linen": Linen, "haiku": Haiku, "equinox": Equinox,
            "pytorch": PyTorch}
#: What each front needs installed (skipped, as its own test file is, without it).
REQUIRES = {"objax": (), "flax": ("flax.nnx", "optax"), "linen": ("flax.linen", "optax"),
            "haiku": ("haiku", "optax"), "equinox": ("equinox", "optax"), "pytorch": ("torch",)}


def load_front(name) -> Front:
    for module in REQUIRES[name]:
        pytest.importorskip(module)
    return ADAPTERS[name]()


def is_boosted(G) -> bool:
    return G == SO13()
