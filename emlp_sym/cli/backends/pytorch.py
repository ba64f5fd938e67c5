"""The PyTorch backend: ``emlp_sym.nn.pytorch`` modules, ``torch.optim.Adam``, autograd.

The step runs eagerly by default: on a 2-core CPU ``torch.compile`` makes the seed model's
step ~25% faster but takes 30-60 s to compile, about what a default run of ``emlp-sym train``
spends stepping. Pass ``compile=True`` for longer runs.
"""

from __future__ import annotations

from emlp_sym.nn import pytorch as front

torch = front.torch  # imported by the front, or an ImportError naming the extra


class Backend:
    name = "pytorch"

    def __init__(self, model, rep_in, rep_out, group, ch, num_layers, stats, seed, *,
                 compile: bool = False):
        generator = torch.Generator().manual_seed(int(seed))
        net = {"EMLP": front.EMLP, "MLP": front.MLP}[model](
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
