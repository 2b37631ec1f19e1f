"""The layering holds by test, not by convention: models/ and screens/ each import as a DAG,
and models/ never reaches the UI.

The graph is read from the source with ``ast`` (no module is imported), so an import placed in a
function to dodge a cycle is still an edge: such an import is only lazy, it does not make the
two modules independent. ``if TYPE_CHECKING:`` blocks are skipped (they never run).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "screens", "tui")
UI_ROOTS = ("textual", "rich", "tui", "screens")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(name: str, path: Path) -> list[tuple[str, int]]:
    """Every dotted name the module imports, at any depth (functions included), with its line.
    ``from pkg import mod`` yields ``pkg.mod``; the caller keeps what is a module."""
    is_package = path.name == "__init__.py"
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                out.extend((alias.name, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    package = name if is_package else name.rpartition(".")[0]
                    for _ in range(child.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{child.module}" if child.module else package
                else:
                    base = child.module or ""
                out.append((base, child.lineno))
                out.extend((f"{base}.{alias.name}", child.lineno) for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return out


def graph(package: str) -> dict[str, dict[str, int]]:
    """module -> {module of the same package it imports: first line}."""
    known = modules(package)
    edges: dict[str, dict[str, int]] = {m: {} for m in known}
    for name, path in known.items():
        for target, line in imported_names(name, path):
            if target in known and target != name and target != package:
                edges[name].setdefault(target, line)
    return edges


def find_cycle(edges: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None: a depth-first search."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(edges, WHITE)
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(edges[node]):
            if colour[nxt] == GREY:
                return stack[stack.index(nxt):] + [nxt]
            if colour[nxt] == WHITE and (found := dfs(nxt)):
                return found
        stack.pop()
        colour[node] = BLACK
        return None

    for start in sorted(edges):
        if colour[start] == WHITE and (found := dfs(start)):
            return found
    return None


def describe(cycle: list[str], edges: dict[str, dict[str, int]]) -> str:
    return " -> ".join(f"{a} (line {edges[a][b]})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}"


@pytest.mark.parametrize("edges, cycle", [
    ({"a": {}, "b": {"a": 1}}, None),
    ({"a": {"b": 1}, "b": {"c": 1}, "c": {}}, None),
    ({"a": {"b": 1}, "b": {"a": 2}}, ["a", "b", "a"]),
    ({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}, ["a", "b", "c", "a"]),
    ({"a": {"b": 1, "c": 1}, "b": {"c": 1}, "c": {}}, None),  # a diamond is not a cycle
])
def test_find_cycle(edges, cycle):
    assert find_cycle(edges) == cycle


def test_a_function_level_import_is_an_edge(tmp_path, monkeypatch):
    """An import inside a function counts; one under ``if TYPE_CHECKING`` does not."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg import b\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import c\n"
                              "from . import a\n")
    (pkg / "c.py").write_text("import pkg.b\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    edges = graph("pkg")
    assert edges == {"pkg": {}, "pkg.a": {"pkg.b": 2}, "pkg.b": {"pkg.a": 4}, "pkg.c": {"pkg.b": 1}}
    assert find_cycle(edges) == ["pkg.a", "pkg.b", "pkg.a"]


@pytest.mark.parametrize("package", ["models", "screens"])
def test_package_imports_without_a_cycle(package):
    edges = graph(package)
    assert len(edges) > 10  # the package was read, not an empty folder
    cycle = find_cycle(edges)
    assert cycle is None, f"{package}/ has an import cycle: {describe(cycle, edges)}"


def test_models_never_import_the_ui():
    """Plain commands and the county server load models/ without textual, rich or the app."""
    found = [f"{name} line {line}: {target}"
             for name, path in modules("models").items()
             for target, line in imported_names(name, path)
             if target.split(".")[0] in UI_ROOTS]
    assert found == []


@pytest.mark.parametrize("leaf", ["models.errors", "models.masking", "models.coerce", "models.sanitize",
                                  "models.provenance", "models.fileaccess"])
def test_leaf_modules_import_nothing_of_the_app(leaf):
    """The helpers every model uses stay at the bottom, so using them can never close a cycle."""
    assert graph("models")[leaf] == {}
