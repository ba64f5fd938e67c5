"""The PyTorch backend: ``emlp_sym.nn.pytorch`` modules, ``torch.optim.Adam``, autograd.

The step runs eagerly by default: on a 2-core CPU ``torch.compile`` makes the seed model's
step ~25% faster but takes 30-60 s to compile, about what a default run of ``emlp-sym train``
spends stepping. Pass ``compile=True`` for longer runs. One device only: ``parallel`` over
more than one device is refused (data parallelism here is JAX's sharding).
"""

from __future__ import annotations

import numpy as np

from emlp_sym.cli.backends import model_class
from emlp_sym.errors import ConfigError
from emlp_sym.nn import pytorch as front

torch = front._layers.torch  # imported by the front, or an ImportError naming the extra


class Backend:
    """The PyTorch backend (one device): the front's ``torch.nn.Module``, ``torch.optim.Adam``."""

    name = "pytorch"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 compile: bool = False, parallel=None):
        if parallel is not None and parallel.num_devices > 1:
            raise ConfigError(f"the pytorch backend trains on one device, not "
                              f"{parallel.num_devices}: pass --devices 1 (or train on several "
                              f"devices with a JAX front: objax, flax, linen, haiku, equinox)")
        self.parallel = None
        generator = torch.Generator().manual_seed(int(seed))
        net = model_class(front, model)(
            rep_in, rep_out, group, ch=ch, num_layers=num_layers, generator=generator)
        self.model = net if stats is None else front.Standardize(net, stats)
        self.opt = torch.optim.Adam(self.model.parameters(), betas=(0.9, 0.999), eps=1e-8)
        self._forward = torch.compile(self.model) if compile else self.model

    def _mse(self, x, y):
        return torch.nn.functional.mse_loss(self._forward(torch.as_tensor(x)), torch.as_tensor(y))

    def step(self, x, y, lr):
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.zero_grad(set_to_none=True)
        loss = self._mse(x, y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def loss(self, x, y):
        with torch.no_grad():
            return float(self._mse(x, y))

    def predict(self, x):
        with torch.no_grad():
            return self._forward(torch.as_tensor(x)).numpy()

    def export_params(self):
        return front.export_params(self.model)

    def import_params(self, params):
        front.import_params(self.model, params)

    def export_state(self) -> dict:
        """The model's state dict (parameters) and Adam's per-parameter state (``step``,
        ``exp_avg``, ``exp_avg_sq``), as NumPy arrays named ``model/<name>`` and
        ``adam/<index>/<field>``, for checkpoints (cli/checkpoint.py)."""
        state = {f"model/{k}": v.detach().cpu().numpy().copy()
                 for k, v in self.model.state_dict().items()}
        for index, fields in self.opt.state_dict()["state"].items():
            for field, value in fields.items():
                state[f"adam/{index}/{field}"] = np.asarray(
                    value.detach().cpu().numpy() if torch.is_tensor(value) else value).copy()
        return state

    def import_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s output exactly (names and shapes must match)."""
        current = self.model.state_dict()
        model = {k[len("model/"):]: v for k, v in state.items() if k.startswith("model/")}
        adam = {k: v for k, v in state.items() if k.startswith("adam/")}
        if set(model) != set(current) or len(model) + len(adam) != len(state):
            raise ConfigError("the checkpoint's training state does not fit this model "
                              f"({len(state)} arrays saved; {len(current)} model arrays "
                              "expected, besides Adam's)")
        for name, value in model.items():
            if np.shape(value) != tuple(current[name].shape):
                raise ConfigError(f"the checkpoint's model/{name} has shape {np.shape(value)}, "
                                  f"the model's {tuple(current[name].shape)}")
        params = list(self.model.parameters())
        opt_state: dict = {}
        for key, value in adam.items():
            _, index, field = key.split("/", 2)
            if not index.isdigit() or int(index) >= len(params):
                raise ConfigError(f"the checkpoint's {key} names no parameter of this model")
            opt_state.setdefault(int(index), {})[field] = torch.from_numpy(np.array(value))
        for index, fields in opt_state.items():
            for field in ("exp_avg", "exp_avg_sq"):
                if field in fields and fields[field].shape != params[index].shape:
                    raise ConfigError(f"the checkpoint's adam/{index}/{field} has shape "
                                      f"{tuple(fields[field].shape)}, the parameter's "
                                      f"{tuple(params[index].shape)}")
        self.model.load_state_dict(
            {k: torch.from_numpy(np.array(v)).to(current[k].dtype) for k, v in model.items()})
        groups = self.opt.state_dict()["param_groups"]
        self.opt.load_state_dict({"state": opt_state, "param_groups": groups})
