"""Data parallelism (emlp_sym.cli.sharding): device-count parsing, batch checks, and the core's
own training step on 4 forced CPU devices giving one device's losses."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym.cli.sharding import DataParallel, data_parallel, parse_devices, select_devices
from emlp_sym.errors import ConfigError


@given(st.integers(1, 10_000))
def test_parse_devices_reads_counts(n):
    assert parse_devices(str(n)) == n and parse_devices(n) == n


def test_parse_devices_all_and_bad_values():
    assert parse_devices("all") is None and parse_devices(" ALL ") is None
    for bad in ("0", "-2", "four", "", 2.5, True, None):
        with pytest.raises(ConfigError, match="positive integer or 'all'"):
            parse_devices(bad)


def test_more_devices_than_present_is_refused_with_the_cpu_hint():
    import jax

    n = len(jax.local_devices()) + 1
    with pytest.raises(ConfigError, match=f"asked for {n} devices.*device_count={n}"):
        select_devices(n)


def test_one_device_keeps_the_batch_whole():
    dp = data_parallel(1)
    x = np.arange(14, dtype=np.float32).reshape(7, 2)
    assert dp.num_devices == 1 and not dp.multi_process and dp.process_rows(7) == slice(0, 7)
    np.testing.assert_array_equal(np.asarray(dp.shard_batch(x)), x)
    with pytest.raises(ConfigError, match="at least one device"):
        DataParallel([])


# Run in a fresh process: the device count is fixed when JAX starts.
FOUR_DEVICES = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    from emlp_sym.datasets import Inertia
    from emlp_sym.errors import ConfigError
    from emlp_sym.groups import SO
    from emlp_sym.nn import emlp_apply, emlp_architecture, emlp_plan, init_emlp
    from emlp_sym.cli.sharding import data_parallel

    assert jax.device_count() == 4
    ds = Inertia(32, seed=0)
    plan = emlp_plan(emlp_architecture(ds.rep_in, ds.rep_out, SO(3), ch=16, num_layers=1))

    def loss(params, x, y):
        return jnp.mean((emlp_apply(plan, params, x) - y) ** 2)

    @jax.jit
    def sgd(params, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        return jax.tree.map(lambda p, g: p - 1e-2 * g, params, grads), value

    def run(dp):
        params = init_emlp(plan, 0)
        params = params if dp is None else dp.replicate(params)
        losses = []
        for step in range(3):
            x, y = ds.X[8 * step: 8 * step + 16], ds.Y[8 * step: 8 * step + 16]
            if dp is not None:
                x, y = dp.shard_batch(x), dp.shard_batch(y)
            params, value = sgd(params, x, y)
            losses.append(float(value))
        return losses, params, x

    one, p1, _ = run(None)
    four, p4, x4 = run(data_parallel("all"))
    np.testing.assert_allclose(four, one, rtol=1e-5)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6), p4, p1)
    # really split: 4 row blocks of 4, parameters on all 4 devices, gradients all-reduced
    assert [s.data.shape[0] for s in x4.addressable_shards] == [4, 4, 4, 4]
    assert all(len(p.sharding.device_set) == 4 for p in jax.tree.leaves(p4))
    dp = data_parallel("all")
    hlo = sgd.lower(dp.replicate(init_emlp(plan, 0)), dp.shard_batch(ds.X[:16]),
                    dp.shard_batch(ds.Y[:16])).compile().as_text()
    assert "all-reduce" in hlo
    # evaluation batches that do not divide are replicated, training batches refused
    assert dp.put(ds.X[:10]).sharding.is_fully_replicated
    assert not dp.put(ds.X[:12]).sharding.is_fully_replicated
    try:
        dp.shard_batch(ds.X[:10])
    except ConfigError as e:
        assert "8 or 12" in str(e), e
    else:
        raise AssertionError("a batch of 10 over 4 devices was accepted")
    assert len(data_parallel(2).devices) == 2
    print("OK")
""")


def test_core_step_on_four_devices_matches_one():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
           "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, "-c", FOUR_DEVICES], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("OK"), out.stderr[-3000:]
