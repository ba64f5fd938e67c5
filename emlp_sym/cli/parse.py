"""Safe parsing of representation and group expressions typed by users (no ``eval``).

Only this grammar is accepted, walked from Python's ``ast``:

- reps: ``V``, ``Vector``, ``Scalar``, ``Matrix``, ``T(p[, q])``, integers, ``+``, ``*``,
  ``**`` (integer), ``>>``, ``<<``, ``.T`` and parentheses;
- groups: a known family called with integer arguments (``SO(3)``, ``SO13()``, ``S(4)``),
  products with ``*``.
"""

from __future__ import annotations

import ast

from emlp_sym import groups as G
from emlp_sym.reps import Matrix, Scalar, T, V, Vector


class ParseError(ValueError):
    """The text is not a valid expression; the message says what was wrong."""


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
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ParseError(f"cannot parse {text!r}: {e.msg}") from None


def parse_group(text: str):
    """``"SO(3)"``, ``"S(4)*Z(3)"``, ``"SO13()"`` → a Group."""

    def walk(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            return walk(node.left) * walk(node.right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            ctor = GROUPS.get(node.func.id)
            if ctor is None:
                raise ParseError(f"unknown group {node.func.id!r}; known: {', '.join(GROUPS)}")
            if node.keywords:
                raise ParseError("group arguments are positional integers")
            return ctor(*[_int(a, text) for a in node.args])
        if isinstance(node, ast.Name) and node.id in GROUPS:
            return GROUPS[node.id]()
        raise ParseError(f"not a group expression: {ast.unparse(node)!r} (try SO(3) or S(4))")

    return walk(_tree(text))


def parse_rep(text: str):
    """``"V**2>>V**2"``, ``"5*Scalar+5*V"``, ``"T(2,3)"`` → an unbound Rep."""
    ops = {
        ast.Add: lambda a, b: a + b,
        ast.Mult: lambda a, b: a * b,
        ast.RShift: lambda a, b: a >> b,
        ast.LShift: lambda a, b: a << b,
    }

    def walk(node):
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return walk(node.left) ** _int(node.right, text)
            op = ops.get(type(node.op))
            if op is None:
                raise ParseError(f"operator {type(node.op).__name__} is not allowed in {text!r}")
            return op(walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in REP_NAMES:
                raise ParseError(f"unknown name {node.id!r}; use V, Scalar, Matrix or T(p,q)")
            return REP_NAMES[node.id]
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return walk(node.value).T
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "T":
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
