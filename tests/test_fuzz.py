"""Fuzzing (issue 14, part 5): random text, numbers and objects into the expression parser, the
CLI and the public constructors. Each example must end, within :data:`TIME_BOUND` seconds, in
a result or in one of the library's documented errors (an ``EmlpSymError``; argparse's exit
status 2 for the CLI): never a hang, never a NumPy/JAX/SymPy/Python traceback.

Group parameters are drawn small (up to 12) and huge (up to 10**100): a group of huge degree
(``S(10**9)``, ``SO(5000)``, ``Rot90(1000)``) is refused by its constructor's memory guard,
at once (see docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emlp_sym import groups as G
from emlp_sym.cli import main as cli
from emlp_sym.cli.parse import parse_group, parse_rep
from emlp_sym.errors import EmlpSymError
from emlp_sym.groups.base import Group
from emlp_sym.reps import Matrix, Scalar, T, V, Vector
from emlp_sym.reps.expr import Rep

TIME_BOUND = 20.0  # seconds per example (generous: CI machines are shared and slow)
SOLVE_MAX_SIZE = 200  # examples this small are also solved


class TimeBoundExceeded(AssertionError):  # a test failure: Hypothesis shrinks and prints it
    pass


@contextlib.contextmanager
def time_bound(seconds: float = TIME_BOUND):
    def on_alarm(signum, frame):
        raise TimeBoundExceeded(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def documented(call):
    """Run ``call`` within the time bound; return its result, or the EmlpSymError it raised.
    Anything else propagates and fails the test (Hypothesis prints the input)."""
    with time_bound():
        try:
            return call()
        except EmlpSymError as e:
            assert str(e).strip(), "an error without a message"
            return e


@pytest.fixture(autouse=True, scope="module")
def small_memory_limit():
    """Refuse big allocations fast: a fuzzed input must not take the machine's memory."""
    old = os.environ.get("EMLP_SYM_MEMORY_LIMIT")
    os.environ["EMLP_SYM_MEMORY_LIMIT"] = "256M"
    yield
    if old is None:
        del os.environ["EMLP_SYM_MEMORY_LIMIT"]
    else:
        os.environ["EMLP_SYM_MEMORY_LIMIT"] = old


# -- strategies -------------------------------------------------------------------------------
HUGE = st.sampled_from([2**63 - 1, 2**63, 2**64 + 1, 10**18, 10**100, -(2**63), -(10**30)])
INTS = st.one_of(st.integers(-3, 6), st.integers(-(10**12), 10**12), HUGE)
SMALL_INTS = st.integers(0, 3)
REP_ATOMS = st.sampled_from(["V", "Scalar", "Vector", "Matrix", "T(1)", "T(2,1)", "T(0,2)"])
#: group parameters: small, and huge (refused by the constructors' memory guards)
DEGREES = st.one_of(st.integers(-3, 12), st.sampled_from(
    [40, 300, 1000, 10**4, 10**6, 10**9, 10**12, 2**63, 10**100]))
GROUP_TEXTS = st.sampled_from(["S(3)", "Z(4)", "SO(2)", "O(3)", "S(2)*Z(2)", "SO(3)", "Sp(1)",
                               "Cube()", "SO13()"])


def rep_text(ints):
    """Expressions of the rep grammar, nested, with numbers drawn from ``ints``."""
    def grow(children):
        return st.one_of(
            st.tuples(children, st.sampled_from(["+", "*", ">>", "<<"]), children)
            .map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            st.tuples(children, ints).map(lambda t: f"({t[0]})**{t[1]}"),
            st.tuples(ints, children).map(lambda t: f"{t[0]}*{t[1]}"),
            children.map(lambda c: f"({c}).T"),
            st.tuples(ints, ints).map(lambda t: f"T({t[0]},{t[1]})"),
        )
    return st.recursive(REP_ATOMS | ints.map(str), grow, max_leaves=6)


def mutated(texts):
    """Valid-looking text with random characters (unicode included) inserted or cut."""
    return st.tuples(texts, st.integers(0, 40), st.text(max_size=4), st.integers(0, 3)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + t[3]:])


ANY_TEXT = st.one_of(st.text(max_size=40), mutated(rep_text(INTS)), mutated(GROUP_TEXTS))
OBJECTS = st.one_of(
    INTS, st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), st.none(),
    st.booleans(), st.just(Fraction(1, 2)), st.just(1j), st.just(np.int64(3)),
    st.just(np.float32(2.0)), st.lists(st.integers(0, 3), max_size=3),
    st.just(object()), st.just(G.S(3)), st.just(V), st.just(V(G.SO(3))),
)


def _exercise(rep):
    """Use a parsed rep as a user would: bind it, size it, print it, solve it if small."""
    assert isinstance(rep, Rep)
    for group in (G.S(3), G.SO(2)):
        bound = documented(lambda g=group: rep(g))
        if isinstance(bound, EmlpSymError):
            continue
        size = documented(bound.size)
        if isinstance(size, int) and size <= SOLVE_MAX_SIZE:
            documented(lambda b=bound: str(b))
            documented(bound.equivariant_dim)


# -- the parser -------------------------------------------------------------------------------
@given(rep_text(INTS))
def test_rep_grammar_with_any_numbers(text):
    rep = documented(lambda: parse_rep(text))
    if not isinstance(rep, EmlpSymError):
        _exercise(rep)


@given(ANY_TEXT)
def test_rep_parser_with_any_text(text):
    rep = documented(lambda: parse_rep(text))
    if not isinstance(rep, EmlpSymError):
        _exercise(rep)


@given(st.one_of(ANY_TEXT, GROUP_TEXTS,
                 st.tuples(st.sampled_from(sorted(["S", "Z", "SO", "O", "Sp", "SU", "U",
                                                   "Rot90", "SO13", "Cube", "DirectProduct",
                                                   "ZksZnxZn", "C", "D", "GL", "SL", "Foo"])),
                           st.lists(DEGREES, max_size=3))
                 .map(lambda t: f"{t[0]}({','.join(map(str, t[1]))})")))
def test_group_parser_with_any_text(text):
    group = documented(lambda: parse_group(text))
    assert isinstance(group, (Group, EmlpSymError))


# -- the CLI ----------------------------------------------------------------------------------
def run_cli(argv):
    """``main(argv)`` within the time bound: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with time_bound(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as e:  # argparse: 2 for a bad command line, 0 for --help
            status = e.code
    return status, out.getvalue(), err.getvalue()


def _check_cli(argv):
    status, out, err = run_cli(argv)
    assert status in (0, 2), (status, err)
    assert "Traceback" not in err
    if status == 2 and err:
        assert len(err.strip().splitlines()) == 1, err  # one line
        assert err.startswith("emlp-sym"), err


@given(rep_text(SMALL_INTS), GROUP_TEXTS | ANY_TEXT, st.booleans())
def test_cli_basis(rep, group, exact):
    _check_cli(["basis", rep, "--group", group, *(["--exact"] if exact else [])])


@given(ANY_TEXT, ANY_TEXT)
def test_cli_basis_with_any_text(rep, group):
    _check_cli(["basis", rep, "--group", group])


TRAIN_OPTIONS = ["--dataset", "--group", "--model", "--framework", "--epochs", "--ch",
                 "--num-layers", "--batch-size", "--lr", "--seed", "--n-train", "--n-test",
                 "--devices", "--checkpoint-every", "--out"]
TRAIN_VALUES = st.one_of(INTS.map(str), st.text(max_size=8), st.sampled_from(
    ["nan", "inf", "-1", "0", "1e309", "EMLP", "MLP", "objax", "Inertia", "SO(3)", "all"]))


@given(st.lists(st.tuples(st.sampled_from(TRAIN_OPTIONS), TRAIN_VALUES), max_size=4),
       st.lists(st.sampled_from(["--quiet", "--resume", "--no-standardize", "--compile",
                                 "--bogus", "train", "-x"]), max_size=2))
def test_cli_train_arguments(monkeypatch_module, options, flags):
    """Every command line either fails argparse/validation in one line, or reaches the
    training call with a config that validates."""
    argv = ["train", *[s for pair in options for s in pair], *flags]
    _check_cli(argv)


@given(st.lists(st.one_of(st.text(max_size=10), st.sampled_from(
    ["train", "evaluate", "basis", "--help", "-h", "--group", "--exact", "V", "S(3)"])),
    max_size=5))
def test_cli_any_argv(monkeypatch_module, argv):
    _check_cli(argv)


@pytest.fixture(scope="module")
def monkeypatch_module():
    """``train`` only validates its config (a fuzzed command line must not start a run), and
    no distributed runtime is joined."""
    from emlp_sym import distributed
    from emlp_sym.cli import train as train_module

    def validate_only(cfg):
        cfg.validate()
        return {"train_mse": 0.0, "test_mse": 0.0, "equivariance_error": 0.0}

    mp = pytest.MonkeyPatch()
    mp.setattr(train_module, "train", validate_only)
    mp.setattr(train_module, "evaluate", lambda *a, **k: {})
    mp.setattr(distributed, "initialize", lambda config: None)
    yield mp
    mp.undo()


# -- the public constructors and operators ----------------------------------------------------
GROUP_CTORS = {"S": G.S, "Z": G.Z, "SO": G.SO, "O": G.O, "Sp": G.Sp, "SU": G.SU, "U": G.U,
               "Rot90": G.Rot90, "C": G.C, "D": G.D, "SL": G.SL, "GL": G.GL,
               "Trivial": G.Trivial, "Scaling": G.Scaling}
SMALL_OR_ODD = st.one_of(DEGREES, st.floats(allow_nan=True), st.text(max_size=4),
                         st.none(), st.booleans(), st.just(np.int64(3)), st.just(Fraction(3)),
                         st.just(3.0), st.just(object()), st.just(-(10**30)))


@given(st.sampled_from(sorted(GROUP_CTORS)), SMALL_OR_ODD)
def test_group_constructors(name, arg):
    group = documented(lambda: GROUP_CTORS[name](arg))
    assert isinstance(group, (Group, EmlpSymError))


@given(st.tuples(SMALL_OR_ODD, SMALL_OR_ODD))
def test_two_argument_constructors(args):
    for ctor in (G.ZksZnxZn, T, lambda G_, d: G.Embed(G.SO(2), d, G_)):
        documented(lambda c=ctor: c(*args))


@given(OBJECTS)
def test_group_products_with_any_object(x):
    for product in (lambda: G.S(3) * x, lambda: x * G.S(3)):
        result = documented(product)
        assert isinstance(result, (Group, EmlpSymError))


REPS = st.sampled_from([V, Scalar, Vector, Matrix, T(1, 1), V**2, V(G.S(3)), V(G.SO(2)),
                        (V + Scalar)(G.O(3))])
OPS = {
    "rep + x": lambda r, x: r + x, "x + rep": lambda r, x: x + r,
    "rep * x": lambda r, x: r * x, "x * rep": lambda r, x: x * r,
    "rep >> x": lambda r, x: r >> x, "rep << x": lambda r, x: r << x,
    "rep ** x": lambda r, x: r**x, "rep(x)": lambda r, x: r(x),
}


@given(REPS, st.sampled_from(sorted(OPS)), OBJECTS)
def test_rep_operators_with_any_object(rep, op, x):
    result = documented(lambda: OPS[op](rep, x))
    if isinstance(result, Rep) and result.G is not None:
        size = documented(result.size)
        assert isinstance(size, (int, EmlpSymError))


def test_the_time_bound_fires():
    """The guard itself works: a hang would be reported, not waited for."""
    import time

    with pytest.raises(TimeBoundExceeded), time_bound(0.2):
        while True:
            time.sleep(0.01)
