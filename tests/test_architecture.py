"""The shape issue 15 asks of the package, read from its source (ast and tokenize; nothing is imported).

Each target is one test, and a failing test lists every offender as ``file:line name size``.
The limits and the layer table are the constants below. ``NOTELINK_ROOT=/some/checkout``
runs the checks on another checkout's files (default: the repository this file is in).

Allowed, on purpose:

* a private name may be bound by ``import notelink.x as _y`` (the alias is private, not
  what it names); dunders (``__version__``) are not private;
* ``X._name`` where X is ``self``, ``cls``, ``super()``, a name the module itself defines
  at its top level (not one it imports), ``os._exit`` and ``sys._getframe`` (stdlib,
  documented), and namedtuple's public ``_replace``/``_asdict``/``_make``/``_fields``;
  ``getattr``/``setattr``/``hasattr``/``delattr`` with a private name as a literal string
  are held to the same rule; ``X.__dict__`` only where X is ``self``;
* an import cycle among modules of ``notelink.model.embed`` (the embedders register themselves);
* a shell may import ``notelink.evaluate`` (a layer above sync, not a part of the engine).

Imports inside functions and under ``if TYPE_CHECKING:`` count as imports.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("NOTELINK_ROOT") or Path(__file__).resolve().parent.parent)
PACKAGE = "notelink"

MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250
MAX_FUNCTION_LINES = 80  # end_lineno - lineno + 1 of the def (decorators not counted)
WIKILINK_REGEXES = 1  # string literals holding r"\[\[" (a regular expression for "[[")
MAX_FIGURE_LINES = 3  # docstring or comment lines carrying a measurement or an issue number

# Top to bottom: a module may import its own layer or a lower one.
LAYERS: dict[str, tuple[str, ...]] = {
    "shells": ("notelink.cli", "notelink.cli.*", "notelink.cli_*", "notelink.daemon", "notelink.daemon.*",
               "notelink.shell", "notelink.shell.*",
               "notelink.__main__", "notelink.lsp", "notelink.lsp.*", "notelink.lsp_*"),
    "app": ("notelink.app", "notelink.app.*", "notelink.app_*"),
    "evaluate": ("notelink.evaluate", "notelink.evaluate.*"),
    "sync": ("notelink.sync", "notelink.sync.*"),
    "rank": ("notelink.rank", "notelink.rank.*"),
    "model": ("notelink.model", "notelink.model.*"),
    "vault": ("notelink.vault", "notelink.vault.*"),
    "disk": ("notelink.disk", "notelink.disk.*"),
    "text": ("notelink.text", "notelink.text.*"),
}  # fmt: skip
# Anyone may import these; they import nothing of notelink but each other.
BASE = ("notelink", "notelink.errors", "notelink.progress", "notelink.memory")
# The engine's layers, which shells reach only through the app layer ...
ENGINE_LAYERS = ("sync", "rank", "model", "vault", "disk", "text")
# ... with these exceptions: a light registry of method names, and the errors.
SHELLS_MAY_IMPORT = ("notelink.rank.registry", "notelink.errors")
CYCLES_ALLOWED_IN = "notelink.model.embed"

ALLOWED_PRIVATE_ATTRIBUTES = {"os._exit", "sys._getframe"}
NAMEDTUPLE_API = {"_replace", "_asdict", "_make", "_fields", "_field_defaults"}
OWN_RECEIVERS = {"self", "cls"}

# A docstring or comment line carrying a measurement or an issue number: a lab-notebook line,
# whose figure belongs in docs/performance.md or docs/quality.md with the command that produced it.
FIGURE = re.compile(
    r"""
      \b\d+(\.\d+)?\s?(ns|µs|ms|s|min|KB|MB|GB|KiB|MiB|GiB)\b  # a time or a size: "0.23 s", "~200 MB"
    | (?<!within\ )(?<!hiding\ )(?<!hides\ )\b\d+(\.\d+)?\s?%  # a share (not a setting: "within 10%", "hiding 30%")
    | \d×                                                       # a ratio: "2.08×", "~20× quicker" (not "256 × N")
    | \b\d{1,3}(,\d{3})+\b                                      # a big count: "50,000 notes", "1,422 MB"
    | \b\d+k\b                                                  # "10k notes"
    | \d\s?\w*,?\ (against|instead\ of|versus|vs\.?)\ ~?\d     # two figures compared: "0.10 instead of 0.75"
    | \b(issue|PR|pull\ request)s?\ \#?\d+                      # "issue 6", "PR 12"
    | \bPR\b | \bRSS\b | \bcProfile\b | \bprofiled\b
    | \bmeasured\ (in|for|at|with|by)\b | \bmeasurabl[ey]\b   # "measured for issue 6" (not "measured on the vault")
    | \btimed\ (with|by|at|in|on)\b
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Module:
    name: str  # dotted: notelink.sync.engine
    rel: str  # path from ROOT: notelink/sync/engine.py
    is_package: bool
    source: str
    tree: ast.Module


@cache
def modules() -> dict[str, Module]:
    """Every module of the package, parsed once."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        source = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        found[name] = Module(name, rel, is_package, source, ast.parse(source, rel))
    assert found, f"no modules under {ROOT / PACKAGE}"
    return found


def report(offenders: list[str], what: str, *, in_order: bool = True) -> None:
    """Fail with every offender, one a line, by file and line number (``in_order``)."""
    if in_order:
        offenders = sorted(offenders, key=lambda o: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", o)])
    if offenders:
        pytest.fail(f"{len(offenders)} {what}:\n" + "\n".join(offenders), pytrace=False)


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# --- sizes ---------------------------------------------------------------------------------


def test_no_module_over_the_line_limit() -> None:
    offenders = []
    for m in modules().values():
        n = len(m.source.splitlines())
        if n > MAX_MODULE_LINES:
            offenders.append(f"{m.rel}:1 {m.name} {n} lines")
    report(offenders, f"modules over {MAX_MODULE_LINES} lines")


def defs(kind: type | tuple[type, ...]) -> Iterator[tuple[Module, ast.AST, str]]:
    """Each def of ``kind`` (nested ones too), with its dotted name in the module."""
    for m in modules().values():
        stack: list[tuple[ast.AST, str]] = [(m.tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    qual = f"{prefix}{child.name}"
                    if isinstance(child, kind):
                        yield m, child, qual
                    stack.append((child, qual + "."))
                else:
                    stack.append((child, prefix))


def oversized(kind: type | tuple[type, ...], limit: int) -> list[str]:
    offenders = []
    for m, node, qual in defs(kind):
        n = node.end_lineno - node.lineno + 1
        if n > limit:
            offenders.append((m.rel, node.lineno, f"{m.rel}:{node.lineno} {qual} {n} lines"))
    return [line for *_, line in sorted(offenders)]


def test_no_class_over_the_line_limit() -> None:
    report(oversized(ast.ClassDef, MAX_CLASS_LINES), f"classes over {MAX_CLASS_LINES} lines")


def test_no_function_over_the_line_limit() -> None:
    offenders = oversized((ast.FunctionDef, ast.AsyncFunctionDef), MAX_FUNCTION_LINES)
    report(offenders, f"functions over {MAX_FUNCTION_LINES} lines")


# --- privacy -------------------------------------------------------------------------------


def resolve_from(m: Module, node: ast.ImportFrom) -> str:
    """The module a ``from ... import`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = m.name.split(".") if m.is_package else m.name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def in_package(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def test_no_private_name_imported_from_another_module() -> None:
    offenders = []
    for m in modules().values():
        for node in ast.walk(m.tree):
            if isinstance(node, ast.ImportFrom):
                source = resolve_from(m, node)
                if not in_package(source):
                    continue
                for alias in node.names:
                    path = [*source.split("."), alias.name]
                    if any(is_private(part) for part in path):
                        offenders.append(f"{m.rel}:{node.lineno} from {source} import {alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if in_package(alias.name) and any(is_private(part) for part in alias.name.split(".")):
                        offenders.append(f"{m.rel}:{node.lineno} import {alias.name}")
    report(offenders, "private names imported from another module")


def own_top_level_names(tree: ast.Module) -> set[str]:
    """Names a module binds at its top level itself: defs, classes, assignments (not imports)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def is_own_receiver(value: ast.expr, own: set[str]) -> bool:
    if isinstance(value, ast.Name):
        return value.id in OWN_RECEIVERS or value.id in own
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"


def test_no_reaching_into_another_objects_privates() -> None:
    offenders = []
    for m in modules().values():
        own = own_top_level_names(m.tree)
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Attribute):
                receiver, attr = node.value, node.attr
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                receiver, attr = node.args[0], node.args[1].value
            else:
                continue
            text = f"{ast.unparse(receiver)}.{attr}"
            if attr == "__dict__":
                if not (isinstance(receiver, ast.Name) and receiver.id == "self"):
                    offenders.append(f"{m.rel}:{node.lineno} {text}")
            elif (
                is_private(attr)
                and attr not in NAMEDTUPLE_API
                and text not in ALLOWED_PRIVATE_ATTRIBUTES
                and not is_own_receiver(receiver, own)
            ):
                offenders.append(f"{m.rel}:{node.lineno} {text}")
    report(offenders, "reaches into another object's private names")


# --- one wikilink pattern, no lab notebook --------------------------------------------------


def test_one_wikilink_regular_expression() -> None:
    found = [
        f"{m.rel}:{node.lineno} {node.value[:70]!r}"
        for m in modules().values()
        for node in ast.walk(m.tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and r"\[\[" in node.value
    ]
    if len(found) != WIKILINK_REGEXES:
        report(found, f"string literals hold a regular expression for '[[' ({WIKILINK_REGEXES} wanted)")


def prose_lines(m: Module) -> Iterator[tuple[int, str]]:
    """(line number, text) of every comment and every line of a bare string (docstrings)."""
    lines = m.source.splitlines()
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for n in range(node.lineno, node.end_lineno + 1):
                yield n, lines[n - 1].strip()
    for tok in tokenize.generate_tokens(io.StringIO(m.source).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string


def figure_lines() -> list[str]:
    found = []
    for m in modules().values():
        for n, text in sorted(prose_lines(m)):
            if FIGURE.search(text):
                found.append(f"{m.rel}:{n} {text}")
    return found


def test_measurements_and_issue_numbers_live_in_the_docs_not_the_code() -> None:
    found = figure_lines()
    if len(found) > MAX_FIGURE_LINES:
        what = "docstring or comment lines carry a measurement or an issue number"
        report(
            found, f"{what} (at most {MAX_FIGURE_LINES}; the figures belong in docs/performance.md or docs/quality.md)"
        )


def test_the_figure_pattern_tells_lab_notes_from_plain_numbers() -> None:
    lab = [
        "a worker takes 0.15-0.23 s to start",
        "~200 MB more resident than the run was using",
        "2 passes train in 47% of the time 5 took",
        "the steps per second of one thread: 2.08×",
        "the common case, ~20× quicker",
        "at 50,000 notes the planned bytes were ~80 MB",
        "its rough share of the time to build (10k notes, cProfile)",
        "topic precision 0.10 instead of 0.75",
        "a generated vault (issue 6)",
        "each 4-5× faster than the alternatives, measured in the PR",
        "RSS at the start of writing",
    ]
    plain = [
        "called with the fraction done, 0..1",
        "the section's id: 8 hex digits",
        "exit 130, never a traceback",
        "128 + SIGINT, as shells report a Ctrl-C",
        "scored 256 at a time, so memory stays at 256 × N",
        "the number of links within 10% of what they were",
        "hiding 30% of each note's links",
        "a correction measured on the vault, not a constant",
        "SHA-256 of the new bytes",
        "float32s, 4 bytes an entry",
        "the first 16, 32, 64 and all dimensions",
        "not ``#1`` alone",
    ]
    assert [t for t in lab if not FIGURE.search(t)] == []
    assert [t for t in plain if FIGURE.search(t)] == []


# --- imports run one way ---------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    importer: Module
    target: str
    line: int
    lazy: bool  # inside a function

    def __str__(self) -> str:
        return f"{self.importer.rel}:{self.line} {self.importer.name} → {self.target}{' (in a function)' * self.lazy}"


def import_edges(m: Module) -> Iterator[Edge]:
    """Every import of a notelink module in ``m`` (``from a import b``: a.b when that is a module)."""
    known = modules()
    in_function = {
        id(inner)
        for node in ast.walk(m.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
    }
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = resolve_from(m, node)
            targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in known else source for a in node.names]
        else:
            continue
        for target in dict.fromkeys(targets):
            if in_package(target) and target != m.name:
                yield Edge(m, target, node.lineno, id(node) in in_function)


def layer_of(name: str) -> str | None:
    if name in BASE:
        return "base"
    return next((layer for layer, patterns in LAYERS.items() if any(fnmatchcase(name, p) for p in patterns)), None)


def test_every_module_has_a_layer() -> None:
    report([f"{m.rel}:1 {m.name}" for m in modules().values() if layer_of(m.name) is None], "modules with no layer")


def test_imports_run_down_the_layers() -> None:
    order = list(LAYERS)
    offenders = []
    for m in modules().values():
        mine = layer_of(m.name)
        for edge in import_edges(m):
            theirs = layer_of(edge.target)
            if mine is None or theirs is None:
                continue  # reported by test_every_module_has_a_layer
            if mine == "base":
                upward = theirs != "base"
            else:
                upward = theirs != "base" and order.index(theirs) < order.index(mine)
            if upward:
                offenders.append(f"{edge} ({mine} imports {theirs})")
    report(offenders, "imports up the layers")


def test_shells_go_through_the_app_layer() -> None:
    offenders = []
    for m in modules().values():
        if layer_of(m.name) != "shells":
            continue
        for edge in import_edges(m):
            if layer_of(edge.target) in ENGINE_LAYERS and edge.target not in SHELLS_MAY_IMPORT:
                offenders.append(str(edge))
    report(offenders, "imports of the engine by a shell")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the graph's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    known = modules()
    edges = [e for m in known.values() for e in import_edges(m) if e.target in known]
    graph: dict[str, set[str]] = {name: set() for name in known}
    for e in edges:
        graph[e.importer.name].add(e.target)
    offenders = []
    for component in strongly_connected(graph):
        if all(name == CYCLES_ALLOWED_IN or name.startswith(CYCLES_ALLOWED_IN + ".") for name in component):
            continue
        inside = set(component)
        offenders.append(f"cycle among {', '.join(component)}:")
        offenders += [f"  {e}" for e in edges if e.importer.name in inside and e.target in inside]
    report(offenders, "lines on import cycles", in_order=False)
