"""The PyTorch front: ``torch.nn.Module`` s on torch tensors, trained with torch's autograd.

Unlike the JAX fronts, which call the core's apply functions, these modules run the core's
plans through a torch port of its maths (:mod:`emlp_sym.nn.pytorch._ops`): no JAX runs in the
forward or backward pass (JAX solves the bases once, when a layer is built). The coefficients
are ``nn.Parameter`` s named as in the core's parameter tree (``block0.linear.w``, ...,
``readout.b``); bases and permutations are non-persistent buffers, so ``state_dict()`` holds
just the parameters and ``.to(device)`` / ``.double()`` move everything. Initial values come
from the global torch seed (``torch.manual_seed``) or a ``generator=``, drawn like the core's
(normal · ``weight_std`` and uniform · ``bias_scale`` for Linear, standard normal for
BiLinear). Modules take float tensors ``(..., n_in)``; ``torch.compile`` works on all of them.

>>> import torch
>>> from emlp_sym.groups import SO
>>> from emlp_sym.reps import V, Scalar
>>> model = EMLP(Scalar + V, V**2, SO(3), ch=16, num_layers=1)
>>> model(torch.ones(2, 4)).shape
torch.Size([2, 9])
>>> sorted(export_params(model)["block0"])
['bilinear', 'linear']
"""

from emlp_sym.nn.pytorch import _layers
from emlp_sym.nn.pytorch._layers import *  # noqa: F403  (the names in its __all__)

__all__ = list(_layers.__all__)
