"""objax's Adam in the dense weight space of each :class:`~emlp_sym.nn.objax.Linear`: the
reference library's training step (the maths is :mod:`emlp_sym.nn.core.optim`'s).

>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V
>>> from emlp_sym.nn.objax import EMLP
>>> isinstance(WeightSpaceAdam(EMLP(V, V, SO(3), ch=8, num_layers=1)), objax.optimizer.Adam)
True
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from emlp_sym.nn.core.optim import check_dense_memory, dense_view
from emlp_sym.nn.objax._layers import Linear, Module
from emlp_sym.nn.objax.compat import ensure_objax

objax = ensure_objax()

__all__ = ["WeightSpaceAdam"]


def _linear_layers(module, seen=None):
    """Every :class:`Linear` inside ``module`` (attributes and module lists, depth first)."""
    seen = set() if seen is None else seen
    if id(module) in seen:
        return
    seen.add(id(module))
    if isinstance(module, Linear):
        yield module
    children = list(module) if isinstance(module, list) else vars(module).values()
    for child in children:
        if isinstance(child, (Module, list)):  # objax.ModuleList is both
            yield from _linear_layers(child, seen)


class WeightSpaceAdam(objax.optimizer.Adam):
    """objax's Adam, stepping in the dense weights of every :class:`Linear` of ``model`` as
    the reference library's training does (its layers hold a dense ``w`` projected in the
    forward; see :mod:`emlp_sym.nn.core.optim`); other variables get objax's Adam unchanged.
    A drop-in for ``objax.optimizer.Adam(model.vars())`` in the seed's loop:

    >>> from emlp_sym.groups import SO
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.nn.objax import EMLP
    >>> model = EMLP(V, V, SO(3), ch=8, num_layers=1)
    >>> opt = WeightSpaceAdam(model)
    >>> loss = lambda x: ((model(x) - x) ** 2).mean()
    >>> grads = objax.GradValues(loss, model.vars())(jnp.ones((4, 3)))[0]
    >>> opt(3e-3, grads)
    """

    def __init__(self, model, vc=None, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        vc = model.vars() if vc is None else vc
        super().__init__(vc, beta1, beta2, eps)
        layers = list(_linear_layers(model))
        check_dense_memory([layer.plan for layer in layers])
        views = {}
        for layer in layers:
            view = dense_view(layer.plan)
            views[id(layer.w)] = (view.lift_w, view.lower_w)
            views[id(layer.b)] = (view.lift_b, view.lower_b)
        same = (lambda x: x, lambda x: x)
        self._views = [views.get(id(ref.ref), same) for ref in self.train_vars]
        self.m = objax.ModuleList(objax.StateVar(jnp.zeros_like(lift(ref.value)))
                                  for ref, (lift, _) in zip(self.train_vars, self._views,
                                                            strict=True))
        self.v = objax.ModuleList(objax.StateVar(jnp.zeros_like(m.value)) for m in self.m)

    def __call__(self, lr: float, grads, beta1=None, beta2=None):
        if len(grads) != len(self.train_vars):
            raise ValueError(f"expected {len(self.train_vars)} gradients (one per trainable "
                             f"variable), got {len(grads)}")
        beta1 = self.beta1 if beta1 is None else beta1
        beta2 = self.beta2 if beta2 is None else beta2
        self.step.value += 1
        lr *= jnp.sqrt(1 - beta2**self.step.value) / (1 - beta1**self.step.value)
        for g, p, m, v, (lift, lower) in zip(grads, self.train_vars, self.m, self.v,
                                             self._views, strict=True):
            g = lift(g)  # objax's update, on the dense view
            m.value += (1 - beta1) * (g - m.value)
            v.value += (1 - beta2) * (g**2 - v.value)
            p.value -= lower(lr * m.value * jax.lax.rsqrt(v.value + self.eps))
