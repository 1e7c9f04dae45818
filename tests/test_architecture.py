"""The arrows between modules, read from the source with ``ast`` (milliseconds, nothing imported).

- No circle: no module of ``qa/``, ``index/`` or ``ui/`` imports one that imports it
  back, directly or through others, counting imports inside functions and under
  ``TYPE_CHECKING``.
- ``ui`` sits on ``qa``: no module-level import from ``qa`` to ``ui``, and one
  function at most reaches it (the CLI's ``serve``); ``ui`` imports only ``qa``'s
  public names (``from qa import X``, X in ``qa.__all__``), nothing of ``index``.
- ``index`` is below both: it imports nothing from ``qa`` or ``ui``.
"""

from __future__ import annotations

import ast
import functools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("qa", "index", "ui")


@dataclass(frozen=True)
class Import:
    """One import of a project module, as written in ``source``."""

    source: str  # the importing module
    target: str  # the module imported: a package means its __init__
    names: tuple[str, ...]  # what ``from target import ...`` takes (submodules are targets of their own)
    function: str  # the function it is written in; "" at module level (TYPE_CHECKING blocks included)
    line: int


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the packages by dotted name; a package's ``__init__`` by the package's name."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(module: str, source: str, is_package: bool, modules: Iterable[str]) -> list[Import]:
    """The imports of project modules in ``source``, wherever they are written."""
    known = set(modules)
    found: list[Import] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, f"{function}.{child.name}" if function else child.name)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = _known_prefix(alias.name, known)
                    if target:
                        found.append(Import(module, target, (), function, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                found.extend(_from_import(module, is_package, child, function, known))
            visit(child, function)

    visit(ast.parse(source), "")
    return found


def _from_import(
    module: str, is_package: bool, node: ast.ImportFrom, function: str, known: set[str]
) -> list[Import]:
    if node.level:  # relative: from the importing module's package, up level - 1 more
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[: len(package) - (node.level - 1)] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    target = _known_prefix(base, known)
    if not target:
        return []
    out, names = [], []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        if sub in known:  # ``from qa.core import rank``: the submodule is what is imported
            out.append(Import(module, sub, (), function, node.lineno))
        else:
            names.append(alias.name)
    if names:
        out.append(Import(module, target, tuple(names), function, node.lineno))
    return out


def _known_prefix(name: str, known: set[str]) -> str:
    """``name`` if it is a project module, else its longest dotted prefix that is ("" if none)."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in known:
            return ".".join(parts[:n])
    return ""


@functools.cache
def all_imports() -> tuple[Import, ...]:
    modules = project_modules()
    out = []
    for name, path in modules.items():
        out += imports_of(name, path.read_text(encoding="utf-8"), path.name == "__init__.py", modules)
    return tuple(out)


def graph_of(imports: Iterable[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for i in imports:
        graph.setdefault(i.source, set()).add(i.target)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Circles of imports, each as the modules in order with the first repeated at the end.

    The shortest circle through each module not already on one found; so every
    tangle is reported, and no circle twice.
    """
    found: list[list[str]] = []
    seen: set[str] = set()
    for node in sorted(graph):
        if node in seen:
            continue
        cycle = _shortest_cycle(graph, node)
        if cycle:
            found.append(cycle)
            seen.update(cycle)
    return found


def _shortest_cycle(graph: Mapping[str, Iterable[str]], start: str) -> list[str] | None:
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in sorted(graph.get(current, ())):
            if nxt == start:
                back = [current]
                while back[-1] != start:
                    back.append(came_from[back[-1]])
                return [*reversed(back), start]
            if nxt not in came_from:
                came_from[nxt] = current
                queue.append(nxt)
    return None


def public_names_of_qa() -> set[str]:
    tree = ast.parse((ROOT / "qa" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError("qa/__init__.py has no __all__")


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _show(imports: Iterable[Import]) -> str:
    return "\n".join(
        f"{i.source}:{i.line} ({i.function or 'module level'}) imports {i.target} {list(i.names) or ''}"
        for i in imports
    )


# --- the rules ------------------------------------------------------------------------


def qa_to_ui_wrong(imports: Iterable[Import]) -> list[Import]:
    """Imports from qa to ui at module level, or (all of them) when more than one function has one."""
    to_ui = [i for i in imports if _in(i.source, "qa") and _in(i.target, "ui")]
    if len({(i.source, i.function) for i in to_ui}) > 1:
        return to_ui
    return [i for i in to_ui if not i.function]


def ui_to_qa_wrong(imports: Iterable[Import], public: set[str]) -> list[Import]:
    """Imports by ui of anything but ui's own modules and qa's public names."""
    return [
        i
        for i in imports
        if _in(i.source, "ui")
        and not _in(i.target, "ui")
        and not (i.target == "qa" and i.names and set(i.names) <= public)
    ]


def index_upward(imports: Iterable[Import]) -> list[Import]:
    return [i for i in imports if _in(i.source, "index") and not _in(i.target, "index")]


def test_no_module_imports_one_that_imports_it_back():
    found = cycles(graph_of(all_imports()))
    assert not found, "circles of imports:\n" + "\n".join(" -> ".join(c) for c in found)


def test_qa_reaches_ui_only_late_and_through_one_function():
    wrong = qa_to_ui_wrong(all_imports())
    assert not wrong, _show(wrong)


def test_ui_imports_only_qas_public_names():
    wrong = ui_to_qa_wrong(all_imports(), public_names_of_qa())
    assert not wrong, _show(wrong)


def test_index_imports_nothing_of_qa_or_ui():
    wrong = index_upward(all_imports())
    assert not wrong, _show(wrong)


# --- the checks can fail ----------------------------------------------------------------


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b", "a"]]),
        ({"a": {"a"}}, [["a", "a"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}, [["a", "b", "c", "a"]]),
        (
            {"a": {"b"}, "b": {"a"}, "x": {"y"}, "y": {"z"}, "z": {"x"}},
            [["a", "b", "a"], ["x", "y", "z", "x"]],
        ),
    ],
)
def test_the_cycle_finder_finds_planted_circles(graph, expected):
    assert cycles(graph) == expected


PLANTED = """
from typing import TYPE_CHECKING

import numpy
import qa.core.rank
from . import b
from .b import thing
from .. import sibling
from ui import app
from qa import Chatbot, core

if TYPE_CHECKING:
    from index.store import ArticleIndex


def serve():
    from ui.app import build_app
"""


def test_the_walker_sees_every_kind_of_import():
    modules = {"pkg", "pkg.sub", "pkg.sub.a", "pkg.sub.b", "pkg.sibling", "qa", "qa.core", "qa.core.rank"}
    modules |= {"ui", "ui.app", "index", "index.store"}
    got = [(i.target, i.names, i.function) for i in imports_of("pkg.sub.a", PLANTED, False, modules)]
    assert got == [
        ("qa.core.rank", (), ""),
        ("pkg.sub.b", (), ""),
        ("pkg.sub.b", ("thing",), ""),
        ("pkg.sibling", (), ""),
        ("ui.app", (), ""),
        ("qa.core", (), ""),
        ("qa", ("Chatbot",), ""),
        ("index.store", ("ArticleIndex",), ""),
        ("ui.app", ("build_app",), "serve"),
    ]


def test_the_rules_catch_planted_wrong_arrows():
    modules = {
        "qa",
        "qa.cli",
        "qa.chatbot",
        "qa.core",
        "ui",
        "ui.app",
        "index",
        "index.store",
        "index.remote",
    }

    def planted(module: str, source: str) -> list[Import]:
        return imports_of(module, source, False, modules)

    ui = planted("ui.app", "from qa.core import rank\nfrom qa import _secret, Chatbot\nimport index.store\n")
    assert [(i.target, i.names) for i in ui_to_qa_wrong(ui, {"Chatbot"})] == [
        ("qa.core", ("rank",)),
        ("qa", ("_secret", "Chatbot")),
        ("index.store", ()),
    ]
    assert not ui_to_qa_wrong(
        planted("ui.app", "from qa import Chatbot\nfrom ui import render\n"), {"Chatbot"}
    )

    late = planted("qa.cli", "def serve():\n    from ui import app\n")
    assert not qa_to_ui_wrong(late)
    assert qa_to_ui_wrong(planted("qa.cli", "import ui.app\n"))
    assert qa_to_ui_wrong(late + planted("qa.chatbot", "def show():\n    import ui\n"))

    assert index_upward(planted("index.store", "def f():\n    from qa import Chatbot\n"))
    # The circle this test was written against: store reached remote late, remote imported store.
    circle = planted("index.store", "def open_index():\n    from index import remote\n")
    circle += planted("index.remote", "from index.store import ArticleIndex\n")
    assert cycles(graph_of(circle)) == [["index.remote", "index.store", "index.remote"]]
