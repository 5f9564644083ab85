"""Which top-level Rust modules in ``src/`` use which others.

A module's dependencies are the ``crate::<name>`` (and ``super::<name>`` resolving to the crate
root) paths in its files, outside comments, string literals and ``#[cfg(test)]`` modules.
``python tests/architecture/module_deps.py`` prints the graph and any cycle.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

_COMMENT_OR_STRING = re.compile(
    r"//[^\n]*|/\*.*?\*/|b?r(#*)\".*?\"\1|b?\"(?:\\.|[^\"\\])*\"|b?'(?:\\.|[^'\\])'",
    re.S,
)
_CFG_TEST = re.compile(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{")
_PATH = re.compile(r"\b((?:crate|super)(?:::(?:super))*)::(\{|\w+)")


def strip_code(text: str) -> str:
    text = _COMMENT_OR_STRING.sub(" ", text)
    # Test modules come last in a file by convention; what they import is not a layer edge.
    m = _CFG_TEST.search(text)
    return text[: m.start()] if m else text


def _module_path(file: Path) -> list[str]:
    parts = list(file.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts.pop()
    return parts


def _group_heads(text: str, start: int) -> list[str]:
    """First names of each item in a ``{a::b, c, d::{e}}`` use group starting at ``start``."""
    depth, item, heads = 0, "", []
    for ch in text[start + 1 :]:
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                break
            depth -= 1
        if depth == 0 and ch == ",":
            heads.append(item)
            item = ""
        elif depth == 0:
            item += ch
    heads.append(item)
    return [h.strip().split("::")[0].strip() for h in heads if h.strip()]


def dependencies() -> dict[str, set[str]]:
    tops = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if p.suffix == ".rs" or p.is_dir()}
    tops.discard("lib")
    graph: dict[str, set[str]] = {t: set() for t in tops}
    for file in SRC.rglob("*.rs"):
        path = _module_path(file)
        if not path:
            continue
        owner = path[0]
        text = strip_code(file.read_text())
        for m in _PATH.finditer(text):
            prefix, name = m.group(1), m.group(2)
            if prefix.startswith("crate"):
                base: list[str] = []
            else:
                base = path[: len(path) - prefix.count("super")]
            names = _group_heads(text, m.end(2) - 1) if name == "{" else [name]
            for n in names:
                target = (base + [n])[0]
                if target in tops and target != owner:
                    graph[owner].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
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
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


if __name__ == "__main__":
    g = dependencies()
    for mod in sorted(g):
        print(f"{mod:12} -> {', '.join(sorted(g[mod])) or '-'}")
    for c in cycles(g):
        print(f"cycle ({len(c)} modules): {' '.join(c)}")
    sys.exit(1 if cycles(g) else 0)
