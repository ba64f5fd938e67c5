"""The seed's two versions of its docs page import emlp in two ways: ``import emlp`` then
``emlp.nn.EMLP``, and emlp 0.x's paths (``emlp.solver.*``, ``emlp.models.*``, ``LieLinear``).
Both must work with ``emlp`` renamed to ``emlp_sym``."""

import contextlib
import io
import os
import subprocess
import sys

# The older seed page's cells, renamed; its torch DataLoader is ours, 500 epochs are 3.
OLDER_SEED = '''
from emlp_sym.solver.representation import V
from emlp_sym.solver.groups import SO13

def T(p,q=0):
    return (V**p*V.T**q)

print(T(2,3))
print(T(2,3)(SO13()))

from emlp_sym.models.datasets import Inertia
from emlp_sym.solver.groups import SO,O,S,Z
trainset = Inertia(1000) # Initialize dataset with 1000 examples
testset = Inertia(2000)
G = SO(3)
print(f"Input type: {trainset.rep_in(G)}, output type: {trainset.rep_out(G)}")

from emlp_sym.models.mlp import EMLP,MLP
model = EMLP(trainset.rep_in,trainset.rep_out,group=G,num_layers=3,ch=384)

BS=500
lr=3e-3
NUM_EPOCHS=3

import objax
import jax.numpy as jnp
import numpy as np
from emlp_sym.datasets import DataLoader
from jax import vmap

opt = objax.optimizer.Adam(model.vars())

@objax.Function.with_vars(model.vars())
def loss(x, y,training=True):
    yhat = model(x, training=training)
    return ((yhat-y)**2).mean()

gv = objax.GradValues(loss, model.vars())

@objax.Function.with_vars(model.vars()+opt.vars())
def train_op(x, y, lr):
    g, v = gv(x, y)
    opt(lr=lr, grads=g)
    return v

train_op = objax.Jit(train_op)
test_loss = objax.Jit(objax.ForceArgs(loss, training=False))

trainloader = DataLoader(trainset,batch_size=BS,shuffle=True)
testloader = DataLoader(testset,batch_size=BS,shuffle=True)

test_losses = []
train_losses = []
for epoch in range(NUM_EPOCHS):
    train_losses.append(np.mean([train_op(jnp.array(x),jnp.array(y),lr) for (x,y) in trainloader]))
    if not epoch%10:
        test_losses.append(np.mean([test_loss(jnp.array(x),jnp.array(y)) for (x,y) in testloader]))

def rel_err(a,b):
    return jnp.sqrt(((a-b)**2).mean())/(jnp.sqrt((a**2).mean())+jnp.sqrt((b**2).mean()))#

rin,rout = trainset.rep_in(G),trainset.rep_out(G)

def equivariance_err(mb):
    x,y = mb
    x,y= jnp.array(x),jnp.array(y)
    gs = G.samples(x.shape[0])
    rho_gin = vmap(rin.rho_dense)(gs)
    rho_gout = vmap(rout.rho_dense)(gs)
    y1 = model((rho_gin@x[...,None])[...,0],training=False)
    y2 = (rho_gout@model(x,training=False)[...,None])[...,0]
    return rel_err(y1,y2)

print(f"Average test equivariance error {np.mean([equivariance_err(mb) for mb in testloader]):.2e}")

from emlp_sym.models.mlp import uniform_rep
r = uniform_rep(512,G)
print(r)

from objax.module import Module
from emlp_sym.models.mlp import Sequential,EMLPBlock,LieLinear

class EMLP(Module):
    def __init__(self,rep_in,rep_out,group,ch=384,num_layers=3):
        super().__init__()
        reps = [rep_in(group)]+num_layers*[uniform_rep(ch,group)]
        self.network = Sequential(
            *[EMLPBlock(rin,rout) for rin,rout in zip(reps,reps[1:])],
            LieLinear(reps[-1],rep_out(group))
        )
    def __call__(self,x,training=True):
        return self.network(x)
'''


def test_older_seed_page_runs_and_prints_what_it_prints():
    namespace = {"__name__": "__seed__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(OLDER_SEED, "older seed page", "exec"), namespace)
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["V⊗V⊗V*⊗V*⊗V*", "V²⊗V*³", "Input type: 5V⁰+5V, output type: V²"]
    assert lines[-1] == "122V⁰+40V+12V²+3V³+V⁴"
    assert float(lines[3].split()[-1]) < 1e-6
    # the trimmed EMLP of the page, built from LieLinear, is an equivariant model
    from emlp_sym.testing import equivariance_error

    trimmed = namespace["EMLP"](namespace["Inertia"](10).rep_in, namespace["Inertia"](10).rep_out,
                                group=namespace["G"], ch=64, num_layers=2)
    ds = namespace["testset"]
    G = namespace["G"]
    err = equivariance_error(trimmed, ds.rep_in(G), ds.rep_out(G), ds.X[:20], G.samples(3, seed=0))
    assert max(err) < 1e-5


def test_import_emlp_sym_then_use_a_subpackage():
    """``import emlp`` then ``emlp.nn.EMLP(...)``, in a fresh interpreter."""
    code = ("import emlp_sym\n"
            "ds = emlp_sym.datasets.Inertia(10)\n"
            "G = emlp_sym.groups.SO(3)\n"
            "model = emlp_sym.nn.EMLP(ds.rep_in, ds.rep_out, group=G, num_layers=1, ch=16)\n"
            "print(type(model).__name__, emlp_sym.__version__)\n")
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "EMLP"
