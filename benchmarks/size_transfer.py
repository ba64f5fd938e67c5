"""Train at one size, test at others: diagram models of emlp_sym on SBMTriangles (graphs) and
InertiaN (point clouds), the trained parameters used as they are at every test size.

``sbm``: the size-transfer task of Levin, Ma, Díaz and Villar (NeurIPS 2025): 5000 graphs of
n = 50 split 3000 / 1000 / 1000 (train / validation / test, as their script splits), the
parameters of the best validation epoch kept, the test metric at n = 50, 200, 500, 1000, 2000
the mean squared error over nodes (their ``eval``: the batches' squared errors summed over
nodes, divided by graphs × n). Model: ``V + V² → V`` of S(n), hidden ``by_order(HIDDEN)``,
mean pooling (the target is a density: averages keep every layer's inputs of order one at
every n, as IGN's layers do).

``inertia``: InertiaN trained at n = 5, tested at n = 50, 500, 5000 by the relative error
``|I_pred − I|_F / |I|_F`` averaged over the test set. The target ``Σ_i m_i(|x_i|² I − x_i x_iᵀ)``
is a product of each point's mass and position, which a stack of diagram Linear layers and
gates cannot form (the gates of ``S(n)×O(3)`` hidden types are global scalars, so the output
stays linear in the positions): this model adds one per-point product ``s_i · v_i ⊗ v_i``
between two diagram layers. The layer before it averages (``mean``) so the few pooled terms it
has stay of order one; the readout sums (``sum``) over points, as the target does, so a model
right at n = 5 is right at every n.

    nice -n 10 python benchmarks/size_transfer.py sbm --trials 3
    nice -n 10 python benchmarks/size_transfer.py inertia --trials 3
    python benchmarks/size_transfer.py sbm --quick      # a smoke run, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from emlp_sym.datasets import InertiaN, SBMTriangles
from emlp_sym.groups import S
from emlp_sym.nn.core.diagram_models import (
    by_order,
    diagram_mlp_apply,
    diagram_mlp_plan,
    init_diagram_mlp,
)
from emlp_sym.nn.core.point_models import (
    init_point_product,
    point_product_apply,
    point_product_plan,
)
from emlp_sym.reps import V

HIDDEN = {0: 16, 1: 16, 2: 8}  # channels per tensor order for the graph model
SBM_SIZES = (50, 200, 500, 1000, 2000)
#: test graphs per size (the paper: 1000 at each): fewer at large n, where one graph of 2000
#: nodes costs this 2-core machine over a second; the metric averages over graphs × n nodes
SBM_TEST_GRAPHS = {50: 1000, 200: 200, 500: 60, 1000: 20, 2000: 10}
INERTIA_SIZES = (5, 50, 500, 5000)
POINT_CHANNELS = 8


# ---- the graph model --------------------------------------------------------------------------
def sbm_plan(n: int, layers: int):
    return diagram_mlp_plan(V + V**2, V, S(n), by_order(HIDDEN), num_layers=layers,
                            normalise="mean")


def train(loss, params, data, lr: float, epochs: int, batch: int, seed: int, val=None,
          log=print):
    """Adam on ``loss(params, x, y)`` over ``data = (X, Y)``; keeps the parameters of the best
    validation loss (``val = (X, Y)``) if given, else the last."""
    opt = optax.adam(optax.cosine_decay_schedule(lr, epochs * (len(data[0]) // batch)))
    state = opt.init(params)

    @jax.jit
    def step(params, state, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    val_loss = jax.jit(loss)
    X, Y = data
    best, best_params = np.inf, params
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch + 1, batch):  # drop_last, as their loader
            idx = order[start:start + batch]
            params, state, value = step(params, state, X[idx], Y[idx])
        if val is not None:
            v = float(np.mean([val_loss(params, val[0][i:i + 250], val[1][i:i + 250])
                               for i in range(0, len(val[0]), 250)]))
            if v < best:
                best, best_params = v, params
            if epoch % 10 == 0 or epoch == epochs - 1:
                log(f"  epoch {epoch:3d}  train {float(value):.3e}  val {v:.3e}")
        else:
            best_params = params
    return best_params, best


def run_sbm(trial: int, epochs: int, layers: int, sizes, test_graphs, n_graphs: int, log):
    seed = 1000 + trial
    data = SBMTriangles(N=n_graphs, n=sizes[0], seed=seed)
    X, Y = (jnp.asarray(a) for a in data.batch(range(n_graphs)))
    cut1, cut2 = int(0.6 * n_graphs), int(0.8 * n_graphs)
    plans = {n: sbm_plan(n, layers) for n in sizes}
    params = init_diagram_mlp(plans[sizes[0]], seed)

    def loss(p, x, y):
        return jnp.mean((diagram_mlp_apply(plans[sizes[0]], p, x) - y) ** 2)

    t0 = time.perf_counter()
    params, val = train(loss, params, (X[:cut1], Y[:cut1]), 3e-3, epochs, 128, seed,
                        val=(X[cut1:cut2], Y[cut1:cut2]), log=log)
    train_s = time.perf_counter() - t0
    errors, eval_s = {}, {}
    for n in sizes:
        t0 = time.perf_counter()
        apply = jax.jit(lambda p, x, plan=plans[n]: diagram_mlp_apply(plan, p, x))
        if n == sizes[0]:  # the held-out fifth of the 5000, as their test set
            tests = [(np.asarray(X[cut2:]), np.asarray(Y[cut2:]))]
        else:
            tests = SBMTriangles(N=test_graphs[n], n=n, seed=seed + 7919 * n).batches(
                max(1, 2000 // n))
        sq, nodes = 0.0, 0
        for x, y in tests:
            sq += float(jnp.sum((apply(params, jnp.asarray(x)) - y) ** 2))
            nodes += y.size
        errors[n] = sq / nodes
        eval_s[n] = time.perf_counter() - t0
        log(f"  n = {n:5d}: MSE over nodes {errors[n]:.3e}  ({eval_s[n]:.1f} s)")
    return {"seed": seed, "val_mse": val, "train_s": train_s, "mse": errors, "eval_s": eval_s}


# ---- the point-cloud model --------------------------------------------------------------------
def run_inertia(trial: int, steps: int, sizes, n_train: int, n_test: int, log):
    seed = 2000 + trial
    X, Y = (jnp.asarray(a) for a in InertiaN(N=n_train, n=sizes[0], seed=seed).batch(
        range(n_train)))
    plans = {n: point_product_plan(n, POINT_CHANNELS) for n in sizes}
    params = init_point_product(plans[sizes[0]], seed)

    def loss(p, x, y):  # relative squared error: the target's scale grows with n
        pred = point_product_apply(plans[sizes[0]], p, x)
        return jnp.mean(jnp.sum((pred - y) ** 2, -1) / jnp.sum(y**2, -1))

    t0 = time.perf_counter()
    epochs = max(1, steps * 64 // n_train)
    params, _ = train(loss, params, (X, Y), 3e-3, epochs, 64, seed, log=log)
    train_s = time.perf_counter() - t0
    errors = {}
    for n in sizes:
        apply = jax.jit(lambda p, x, plan=plans[n]: point_product_apply(plan, p, x))
        rel = []
        for x, y in InertiaN(N=n_test, n=n, seed=seed + 7919 * n).batches(
                max(1, 20000 // n)):
            pred = np.asarray(apply(params, jnp.asarray(x)))
            rel.extend(np.linalg.norm(pred - y, axis=-1) / np.linalg.norm(y, axis=-1))
        errors[n] = float(np.mean(rel))
        log(f"  n = {n:5d}: relative error {errors[n]:.3e}")
    return {"seed": seed, "train_s": train_s, "rel_error": errors}


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}, "
            f"JAX {jax.__version__} on {jax.default_backend()}")


def table(rows: list[dict], key: str, sizes) -> str:
    vals = np.array([[r[key][n] for n in sizes] for r in rows])
    head = "| | " + " | ".join(f"n = {n}" for n in sizes) + " |"
    sep = "|---|" + "---:|" * len(sizes)
    mean = "| mean | " + " | ".join(f"{m:.3g}" for m in vals.mean(0)) + " |"
    std = "| std | " + " | ".join(f"{s:.2g}" for s in vals.std(0)) + " |"
    return "\n".join([head, sep, mean, std])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=["sbm", "inertia"])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=15, help="sbm: epochs at n = 50")
    parser.add_argument("--layers", type=int, default=2, help="sbm: hidden layers")
    parser.add_argument("--steps", type=int, default=2000, help="inertia: Adam steps")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    log = print
    log(f"machine: {machine()}")
    rows, t_all = [], time.perf_counter()
    for trial in range(args.trials):
        log(f"trial {trial}")
        if args.task == "sbm":
            sizes = (12, 24) if args.quick else SBM_SIZES
            tests = {24: 20} if args.quick else SBM_TEST_GRAPHS
            rows.append(run_sbm(trial, 2 if args.quick else args.epochs, args.layers, sizes,
                                tests, 640 if args.quick else 5000, log))
        else:
            sizes = (5, 50) if args.quick else INERTIA_SIZES
            rows.append(run_inertia(trial, 50 if args.quick else args.steps, sizes,
                                    2000, 20 if args.quick else 200, log))
    key = "mse" if args.task == "sbm" else "rel_error"
    log(table(rows, key, sizes))
    result = {"task": args.task, "machine": machine(), "args": vars(args),
              "total_s": time.perf_counter() - t_all, "trials": rows,
              "test_counts": ({n: (1000 if n == sizes[0] else SBM_TEST_GRAPHS.get(n))
                               for n in sizes} if args.task == "sbm" else 200)}
    log(f"total {result['total_s']:.0f} s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1, default=float)


if __name__ == "__main__":
    main()
