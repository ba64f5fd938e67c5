"""GPU-ready: importing emlp_sym, building reps and solving bases start no JAX backend at all
(so on a GPU machine they allocate no accelerator memory: JAX creates a GPU client, and
preallocates, only when a backend is first used); the bases come back as host NumPy arrays, and
the first backend is started by the model's parameters."""

import os
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    from jax._src import xla_bridge

    def started():
        return xla_bridge.backends_are_initialized()

    import emlp_sym
    import emlp_sym.nn, emlp_sym.groups, emlp_sym.reps, emlp_sym.solvers
    from emlp_sym.groups import O, S, SO, SO13
    from emlp_sym.nn import emlp_architecture, emlp_plan, init_emlp, uniform_rep
    from emlp_sym.reps import V
    import numpy as np
    assert not started(), "import"
    reps = [(V**2 >> V**2)(SO(3)), (V**3)(S(5)), (V**3 >> V)(O(4)), (V**2)(SO13()),
            (V**6)(SO(3))]
    assert not started(), "building reps"
    for rep in reps:  # Lie (dense), orbits, orbits then Lie
        Q = rep.equivariant_basis()
        assert type(Q) is np.ndarray and Q.shape[0] == rep.size(), (rep, type(Q))
    P = (uniform_rep(96, SO(3)) >> uniform_rep(96, SO(3))).equivariant_projector()
    assert not started(), "solving bases"
    plan = emlp_plan(emlp_architecture(V**2, V, SO(3), ch=32, num_layers=1))
    bases = [t.basis for block in plan.blocks for t in block.linear.weight_terms]
    assert bases and all(type(B) is np.ndarray for B in bases)
    assert not started(), "layer plans"
    init_emlp(plan, 0)  # the first array: now JAX starts its backends, and not before
    assert started(), "parameters"
    print("OK")
""")


def test_import_reps_and_solves_start_no_backend():
    env = dict(os.environ)
    for var in ("JAX_PLATFORMS", "XLA_FLAGS"):  # JAX picks its platforms as a user's would
        env.pop(var, None)
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("OK"), out.stderr[-3000:]
