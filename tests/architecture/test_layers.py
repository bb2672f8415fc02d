"""The layers of docs/architecture.md, kept by reading every module's imports.

Rule: a module imports only modules of its own part or of a lower layer, never one above it or a
sibling part of its own layer; and no chain of imports, counting those inside functions, leads back
to where it started (an import tucked into a function to dodge a cycle is still a cycle).

    0 core         safewatch (config, records, taxonomy, statuses, errors, platforms, citations, …)
    1 classifier   classifier
    1 node         index.node (the embedded Elasticsearch launcher, a tool of its own)
    2 storage      index.storage (mappings, schema, repository, ingest, queries, evidence store)
    3 casework     index.casework (lifecycle, notices, accounts, tips, cases, reports, rescoring, …)
    4 crawlers     crawlers
    4 review_ui    review_ui
    5 commands     safewatch.commands, safewatch.__main__ (the `safewatch` command and the demo)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("safewatch", "classifier", "index", "crawlers", "review_ui")
LAYERS = (  # (prefix, layer, part): the longest matching prefix decides
    ("safewatch.commands", 5, "commands"), ("safewatch.__main__", 5, "commands"), ("safewatch", 0, "core"),
    ("classifier", 1, "classifier"), ("index.node", 1, "node"), ("index.storage", 2, "storage"),
    ("index.casework", 3, "casework"), ("index", 2, "storage"), ("crawlers", 4, "crawlers"),
    ("review_ui", 4, "review_ui"),
)


def layer_of(module: str) -> tuple[int, str]:
    for prefix, layer, part in sorted(LAYERS, key=lambda entry: -len(entry[0])):
        if module == prefix or module.startswith(prefix + "."):
            return layer, part
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to docs/architecture.md")


def module_files() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(module: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(imported project module, line) for every import of `path`, in functions too; imports under
    `if TYPE_CHECKING:` are left out (they never run)."""
    found = []

    def visit(node) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                base = child.module if not child.level else ".".join(
                    module.split(".")[:len(module.split(".")) - child.level + (path.name == "__init__.py")]
                    + [child.module])
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    found.append((full if full in known else base, child.lineno))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return [(name, line) for name, line in found if name.split(".")[0] in PACKAGES and name != module]


def import_graph() -> dict[str, list[tuple[str, int]]]:
    files = module_files()
    known = set(files)
    return {module: imports_of(module, path, known) for module, path in files.items()}


def violations(graph: dict[str, list[tuple[str, int]]]) -> list[str]:
    found = []
    for module, imported in sorted(graph.items()):
        layer, part = layer_of(module)
        for name, line in imported:
            other_layer, other_part = layer_of(name)
            if other_layer > layer:
                found.append(f"{module}:{line} imports {name}: {part} (layer {layer}) may not import {other_part} "
                             f"(layer {other_layer}), which is above it")
            elif other_layer == layer and other_part != part:
                found.append(f"{module}:{line} imports {name}: {part} and {other_part} are side by side in "
                             f"layer {layer}; what both need belongs in a layer below")
    return found


def cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    edges = {module: sorted({name for name, _ in imported if name in graph}) for module, imported in graph.items()}
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        path.append(module)
        for name in edges[module]:
            if state.get(name) == 1:
                found.append(path[path.index(name):] + [name])
            elif name not in state:
                walk(name, path)
        path.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            walk(module, [])
    return found


def test_every_module_imports_only_its_own_part_and_the_layers_below():
    assert violations(import_graph()) == []


def test_no_chain_of_imports_leads_back_to_where_it_started():
    assert cycles(import_graph()) == []


def test_the_checks_catch_an_upward_import_a_sideways_import_and_a_cycle():
    graph = {"index.storage.repository": [("index.casework.lifecycle", 3)],
             "index.casework.lifecycle": [("index.storage.repository", 1)],
             "crawlers.pipelines": [("review_ui.post", 7)], "review_ui.post": [], "safewatch.records": []}
    assert [line.split(":")[0] for line in violations(graph)] == ["crawlers.pipelines", "index.storage.repository"]
    assert cycles(graph) == [["index.casework.lifecycle", "index.storage.repository", "index.casework.lifecycle"]]
    inner = {"a.x": [("a.y", 10)], "a.y": [("a.x", 20)]}
    assert cycles(inner)  # an import inside a function counts: imports_of reads them all


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from review_ui import post\n"
                      "def f():\n    from index.casework import lifecycle\n    import crawlers.run\n")
    found = imports_of("safewatch.mod", source, {"index.casework.lifecycle"})
    assert found == [("index.casework.lifecycle", 5), ("crawlers.run", 6)]
