"""What every front's tests share: random layer reps, the seed's model, and the core's outputs
on given parameters (each front must match them)."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import emlp_sym.nn as enn
from emlp_sym.groups import SO
from emlp_sym.reps import T, V
from emlp_sym.testing import strategies as est

LAYER_FAMILIES = ("SO", "O", "S", "Z", "D", "C", "SO13", "Sp", "Trivial", "Cube")


@st.composite
def rep_pairs(draw, max_size=40):
    """``(G, rep_in, rep_out)``: two random reps of one random group."""
    G = draw(est.groups(LAYER_FAMILIES, max_d=4))
    rin = draw(est.reps(G, max_size=max_size, max_leaves=3))
    rout = draw(est.reps(G, max_size=max_size, max_leaves=3))
    return G, rin, rout


def small_emlp_case():
    """A small EMLP (all layer kinds, tensor and scalar types) and a batch for it."""
    G = SO(3)
    rin, rout = (2 * T(0) + 2 * V + V**2)(G), (T(0) + V)(G)
    x = np.random.default_rng(0).standard_normal((5, rin.size())).astype(np.float32)
    return G, rin, rout, x


def core_emlp_outputs(rep_in, rep_out, G, params, x, ch=24, num_layers=2):
    """The core's pure EMLP on ``x`` with a parameter tree: what every front must give."""
    plan = enn.emlp_plan(enn.emlp_architecture(rep_in, rep_out, G, ch=ch, num_layers=num_layers))
    return np.asarray(enn.emlp_apply(plan, jax.tree.map(jnp.asarray, params), jnp.asarray(x)))


def core_mlp_outputs(rep_in, rep_out, G, params, x, ch=24, num_layers=2):
    arch = enn.mlp_architecture(rep_in, rep_out, G, ch=ch, num_layers=num_layers)
    return np.asarray(enn.mlp_apply(arch, jax.tree.map(jnp.asarray, params), jnp.asarray(x)))


def random_params(like, seed=0):
    """A parameter tree shaped like ``like`` with random (not initial) values."""
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda a: rng.standard_normal(np.shape(a)).astype(np.float32) * 0.3,
                        like)


def rel_diff(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))
