"""No import circles inside the package: the modules' top-level imports form a DAG.

The developers' guide asks that data flow one way (groups → reps → solvers → nn core → fronts →
cli) with no circle between modules. What runs at import time is the top-level ``import``
statements (those under ``if TYPE_CHECKING:`` never run); an import inside a function is a
forward reference, resolved when it runs (``Rep.equivariant_basis`` reaching the solvers),
and is not counted. A submodule's import of its own package is how Python loads it, not a
circle.
"""

import ast
from pathlib import Path

import emlp_sym

PACKAGE = Path(emlp_sym.__file__).parent


def module_files() -> dict[str, Path]:
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def top_level_imports(path: Path, name: str) -> set[str]:
    """Dotted names the module imports when it runs (not inside functions or classes)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)  # submodules
            elif isinstance(node, ast.If):
                visit(node.orelse if _is_type_checking(node.test) else node.body + node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body + node.orelse + node.finalbody)
                for handler in node.handlers:
                    visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    graph = {}
    for name, path in files.items():
        deps = set()
        for imported in top_level_imports(path, name):
            parts = imported.split(".")
            for k in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                target = ".".join(parts[:k])
                if target in files and target != name and not name.startswith(target + "."):
                    deps.add(target)
        graph[name] = deps
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node):
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and (circle := walk(dep)):
                return circle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (circle := walk(node)):
            return circle
    return None


def test_the_graph_sees_the_layers():
    graph = import_graph()
    assert "emlp_sym.reps.base" in graph["emlp_sym.reps.compound"]
    assert "emlp_sym.groups.base" in graph["emlp_sym.reps.base"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_circle_in_the_package():
    circle = find_circle(import_graph())
    assert circle is None, f"modules import each other at import time: {' -> '.join(circle)}"
