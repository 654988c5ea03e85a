"""The layout keeps its promises: arrows one way, SQL in the store, the summarizer's face.

DESIGN.md draws the arrows ``telegram/ → briefing/ → store/`` and ``jobs → briefing/,
ingest/``; only ``store/`` speaks SQL; ``bot/`` reaches the summarizer through its
``__init__``; and the summarizer stays pure. These tests read the imports of every module
(function-level imports included) so that a shortcut shows up in review as a failing test,
not months later as a tangle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 60


def modules(package: str) -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module of ``package``, migrations left out."""
    root = REPO / package
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(REPO).with_suffix("")
        if "migrations" in relative.parts:
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        yield ".".join(parts), path


def imports_of(name: str, path: Path) -> set[str]:
    """Every module name ``path`` imports, anywhere in it, with relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def room(module: str) -> str:
    """The part of the house a module belongs to: ``bot.telegram``, ``bot.jobs``, ..."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" else parts[0]


BOT = dict(modules("bot"))
SUMMARIZER = dict(modules("summarizer"))


def test_only_the_store_speaks_sql() -> None:
    outside = [
        name
        for name, path in BOT.items()
        if room(name) != "bot.store" and "sqlalchemy" in path.read_text(encoding="utf-8")
    ]
    assert outside == []


def test_bot_uses_the_summarizer_only_through_its_face() -> None:
    bypassing = sorted(
        f"{name} imports {target}"
        for name, path in BOT.items()
        for target in imports_of(name, path)
        if target.startswith("summarizer.") and target.split(".")[1] not in _public_names()
    )
    assert bypassing == []


def _public_names() -> set[str]:
    """What ``from summarizer import X`` may name: the names in ``summarizer.__all__``."""
    tree = ast.parse((REPO / "summarizer" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


@pytest.mark.parametrize(
    ("rooms", "forbidden"),
    [
        (("summarizer",), ("bot", "httpx", "sqlalchemy", "telegram", "apscheduler")),
        (("bot.store",), ("bot.briefing", "bot.telegram", "bot.jobs", "bot.ingest", "telegram")),
        (("bot.briefing",), ("bot.telegram", "bot.jobs", "telegram", "apscheduler")),
        (("bot.telegram",), ("bot.jobs", "apscheduler")),
        (("bot.ingest",), ("bot.telegram", "bot.briefing", "bot.jobs", "telegram")),
    ],
)
def test_arrows_point_one_way(rooms: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    everything = {**BOT, **SUMMARIZER}
    wrong = sorted(
        f"{name} imports {target}"
        for name, path in everything.items()
        if room(name) in rooms
        for target in imports_of(name, path)
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    )
    assert wrong == []


def test_no_import_cycle_between_the_rooms_of_bot() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in BOT.items():
        for target in imports_of(name, path):
            if target.split(".")[0] == "bot" and room(target) != room(name):
                graph[room(name)].add(room(target))
    cycles = [f"{a} <-> {b}" for a in graph for b in graph[a] if a < b and a in graph.get(b, ())]
    assert cycles == []
    assert _is_acyclic(graph), "a longer cycle between the rooms of bot/"


def _is_acyclic(graph: dict[str, set[str]]) -> bool:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str) -> bool:
        if state.get(node) == 1:
            return False
        if state.get(node) == 2:
            return True
        state[node] = 1
        ok = all(visit(next_node) for next_node in graph.get(node, ()))
        state[node] = 2
        return ok

    return all(visit(node) for node in list(graph))


def test_no_function_in_bot_runs_past_sixty_lines() -> None:
    long = sorted(
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for name, path in BOT.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    )
    assert long == []
