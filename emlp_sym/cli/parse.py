"""Safe parsing of representation and group expressions typed by users (no ``eval``).

Only this grammar is accepted, walked from Python's ``ast``:

- reps: ``V``, ``Vector``, ``Scalar``, ``Matrix``, ``T(p[, q])``, integers, ``+``, ``*``,
  ``**`` (integer), ``>>``, ``<<``, ``.T`` and parentheses;
- groups: a known family called with integer arguments (``SO(3)``, ``SO13()``, ``S(4)``),
  products with ``*``.
"""

from __future__ import annotations

import ast
import warnings

from emlp_sym import groups as G
from emlp_sym.errors import ConfigError, EmlpSymError
from emlp_sym.reps import Matrix, Scalar, T, V, Vector


class ParseError(ConfigError):
    """The text is not a valid expression; the message says what was wrong.

    A :class:`~emlp_sym.errors.ConfigError` (so a ``ValueError`` too).

    >>> parse_rep("V**-1")
    Traceback (most recent call last):
    ...
    emlp_sym.cli.parse.ParseError: invalid rep expression 'V**-1': the power in rep**k must be \
a non-negative integer, got -1
    """


GROUPS = {name: getattr(G, name) for name in G.__all__ if name not in ("Group", "PermutationGroup")}
REP_NAMES = {"V": V, "Vector": Vector, "Scalar": Scalar, "Matrix": Matrix}


def _int(node, text):
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(
        node.value, bool
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_int(node.operand, text)
    raise ParseError(f"expected an integer in {text!r}, got {ast.unparse(node)!r}")


def _tree(text: str):
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty expression")
    try:
        with warnings.catch_warnings():  # e.g. "1if": Python would print a SyntaxWarning
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ParseError(f"cannot parse {text!r}: {e.msg}") from None


def _construct(name: str, args: list):
    """``GROUPS[name](*args)``, with a wrong number of arguments a ParseError, not Python's
    bare TypeError (the library's own errors pass through)."""
    try:
        return GROUPS[name](*args)
    except TypeError as e:
        if isinstance(e, EmlpSymError):
            raise
        raise ParseError(f"{name}({', '.join(map(str, args))}): wrong number of arguments "
                         f"({e})") from None


def parse_group(text: str):
    """``"SO(3)"``, ``"S(4)*Z(3)"``, ``"SO13()"`` → a Group.

    >>> parse_group("S(4)*Z(3)")
    S(4)×Z(3)
    >>> parse_group("SO(3)").d
    3
    """

    def walk(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            return walk(node.left) * walk(node.right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            ctor = GROUPS.get(node.func.id)
            if ctor is None:
                raise ParseError(f"unknown group {node.func.id!r}; known: {', '.join(GROUPS)}")
            if node.keywords:
                raise ParseError("group arguments are positional integers")
            return _construct(node.func.id, [_int(a, text) for a in node.args])
        if isinstance(node, ast.Name) and node.id in GROUPS:
            return _construct(node.id, [])
        raise ParseError(f"not a group expression: {ast.unparse(node)!r} (try SO(3) or S(4))")

    return walk(_tree(text))


MAX_NUMBER_BITS = 256  # a number written as a power, like 2**10, may have this many bits


def _number_power(base: int, k: int, text: str) -> int:
    """``base**k`` for a multiplicity such as ``2**3*V``, refused (instead of computed for
    ever) when the result would be absurdly large."""
    if k < 0:
        raise ParseError(f"a negative power of a number is not a multiplicity, in {text!r}")
    if abs(base) > 1 and k * (abs(base).bit_length() - 1) > MAX_NUMBER_BITS:
        raise ParseError(f"{base}**{k} is too large a number (over 2**{MAX_NUMBER_BITS}), in "
                         f"{text!r}")
    return base**k


def parse_rep(text: str):
    """``"V**2>>V**2"``, ``"5*Scalar+5*V"``, ``"T(2,3)"`` → an unbound Rep.

    >>> rep = parse_rep("5*Scalar+5*V")
    >>> rep, rep(G.SO(3)).size()
    (5V⁰+5V, 20)
    """
    ops = {
        ast.Add: lambda a, b: a + b,
        ast.Mult: lambda a, b: a * b,
        ast.RShift: lambda a, b: a >> b,
        ast.LShift: lambda a, b: a << b,
    }

    def walk(node):
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                base, k = walk(node.left), _int(node.right, text)
                return _number_power(base, k, text) if isinstance(base, int) else base**k
            op = ops.get(type(node.op))
            if op is None:
                raise ParseError(f"operator {type(node.op).__name__} is not allowed in {text!r}")
            left, right = walk(node.left), walk(node.right)
            if isinstance(left, int) and isinstance(right, int) and op in (ops[ast.RShift],
                                                                             ops[ast.LShift]):
                # 1 << 10**18 would allocate without end: shifts are for representations
                raise ParseError(f"{ast.unparse(node)!r} shifts numbers; >> and << map "
                                 f"between representations, in {text!r}")
            return op(left, right)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in REP_NAMES:
                raise ParseError(f"unknown name {node.id!r}; use V, Scalar, Matrix or T(p,q)")
            return REP_NAMES[node.id]
        if isinstance(node, ast.Attribute) and node.attr == "T":
            value = walk(node.value)
            if isinstance(value, int):
                raise ParseError(f"{ast.unparse(node)!r}: .T needs a representation, not a "
                                 f"number, in {text!r}")
            return value.T
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "T":
            if node.keywords:  # T(1, p=2) must not silently mean T(1)
                raise ParseError(f"T(p, q) takes positional integers, in {text!r}")
            return T(*[_int(a, text) for a in node.args])
        raise ParseError(f"not allowed in a rep expression: {ast.unparse(node)!r}")

    try:
        rep = walk(_tree(text))
    except (TypeError, ValueError) as e:
        if isinstance(e, ParseError):
            raise
        raise ParseError(f"invalid rep expression {text!r}: {e}") from None
    if isinstance(rep, int):
        raise ParseError(f"{text!r} is a number, not a representation")
    return rep
