"""Hypothesis strategies for groups, representations, group elements and inputs.

Public, so that users can property-test their own models the way the library tests itself::

    from hypothesis import given
    from emlp_sym.testing import strategies as est

    @given(est.bound_reps(max_size=64))
    def test_my_layer(rep): ...
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from emlp_sym import groups as g
from emlp_sym.reps import Scalar, V

# (constructor, allowed parameters) per family: small sizes keep tensor reps small.
FAMILIES = {
    "SO": (g.SO, (2, 3, 4)),
    "O": (g.O, (2, 3, 4)),
    "SO13": (lambda: g.SO13(), None),
    "SO13p": (lambda: g.SO13p(), None),
    "O13": (lambda: g.O13(), None),
    "SO11p": (lambda: g.SO11p(), None),
    "Sp": (g.Sp, (1, 2)),
    "SU": (g.SU, (2, 3)),
    "U": (g.U, (1, 2)),
    "SL": (g.SL, (2, 3)),
    "GL": (g.GL, (2, 3)),
    "S": (g.S, (2, 3, 4, 5)),
    "Z": (g.Z, (2, 3, 4, 5)),
    "C": (g.C, (2, 3, 4, 6)),
    "D": (g.D, (2, 3, 4, 6)),
    "Trivial": (g.Trivial, (1, 2, 3)),
    "Rot90": (g.Rot90, (2, 3)),
    "Cube": (lambda: g.Cube(), None),
}
REAL_FAMILIES = tuple(k for k in FAMILIES if k not in ("SU", "U"))
FINITE_FAMILIES = ("S", "Z", "C", "D", "Trivial", "Rot90", "Cube")
LIE_FAMILIES = ("SO", "O", "SO13", "SO13p", "O13", "SO11p", "Sp", "SU", "U", "SL", "GL")


@st.composite
def groups(draw, families=REAL_FAMILIES, max_d: int = 6):
    """A group from the named families with base dimension at most ``max_d``.

    ``hypothesis.find`` gives the simplest draw that meets a condition:

    >>> from hypothesis import find
    >>> G = find(groups(families=("S", "Z")), lambda G: G.d >= 4)
    >>> str(G) in ("S(4)", "Z(4)")  # the shrunk draw may be either
    True
    """
    options = []
    for name in families:
        ctor, params = FAMILIES[name]
        if params is None:
            options.append((name, ctor, None))
        else:
            options.extend((name, ctor, p) for p in params)
    name, ctor, p = draw(st.sampled_from(options))
    G = ctor() if p is None else ctor(p)
    if G.d > max_d:
        G = draw(groups(families=("S",), max_d=max_d))
    return G


def rep_trees(max_leaves: int = 4):
    """Unbound representation expression trees over ``V``, ``V*`` and ``V⁰``.

    >>> from hypothesis import find
    >>> str(find(rep_trees(), lambda rep: "⊗" in str(rep))) in ("V⊗V", "V*⊗V*", "V⊗V*")
    True
    """
    leaves = st.sampled_from([V, V.T, Scalar])

    def extend(children):
        return st.one_of(
            st.tuples(children, children).map(lambda ab: ab[0] + ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] * ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] >> ab[1]),
            children.map(lambda a: a.T),
            st.tuples(st.integers(1, 3), children).map(lambda na: na[0] * na[1]),
            st.tuples(children, st.integers(0, 2)).map(lambda ak: ak[0] ** ak[1]),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@st.composite
def reps(draw, G, max_size: int = 200, max_leaves: int = 4):
    """A rep expression bound to ``G`` with ``size() <= max_size``.

    >>> from hypothesis import find
    >>> from emlp_sym.groups import SO
    >>> rep = find(reps(SO(3), max_size=30), lambda rep: rep.size() > 9)
    >>> 9 < rep.size() <= 30  # which minimal rep Hypothesis shrinks to varies (V+V², 4V, ...)
    True
    """
    for _ in range(20):
        rep = draw(rep_trees(max_leaves))(G)
        if 0 < rep.size() <= max_size:
            return rep
    return V(G)


@st.composite
def bound_reps(draw, families=REAL_FAMILIES, max_size: int = 200, max_leaves: int = 4):
    """A group and a representation of it, drawn together.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5)
    ... @given(bound_reps(max_size=64))
    ... def test_sizes(rep):
    ...     assert 0 < rep.size() <= 64
    >>> test_sizes()  # runs Hypothesis' examples
    """
    return draw(reps(draw(groups(families)), max_size=max_size, max_leaves=max_leaves))


@st.composite
def group_elements(draw, G, n: int = 1):
    """``n`` elements of ``G`` (a JAX array ``(n, d, d)``), reproducible from the drawn seed.

    >>> from hypothesis import given, settings
    >>> from emlp_sym.groups import SO
    >>> @settings(max_examples=3)
    ... @given(group_elements(SO(3), n=2))
    ... def test_shape(gs):
    ...     assert gs.shape == (2, 3, 3)
    >>> test_shape()
    """
    seed = draw(st.integers(0, 2**31 - 1))
    return G.samples(n, seed=seed)


@st.composite
def inputs(draw, rep, batch: int = 4, scale: float = 1.0):
    """A float32 batch ``(batch, rep.size())`` of inputs, reproducible from the drawn seed.

    >>> from hypothesis import given, settings
    >>> from emlp_sym.reps import V
    >>> from emlp_sym.groups import SO
    >>> @settings(max_examples=3)
    ... @given(inputs(V(SO(3)), batch=2))
    ... def test_inputs(x):
    ...     assert x.shape == (2, 3) and x.dtype == "float32"
    >>> test_inputs()
    """
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    return (scale * rng.standard_normal((batch, rep.size()))).astype(np.float32)
