"""Reads a catalog file into a YAML node tree that remembers where every key
and value came from, so the validator (validate.py) can point at the exact
line and column of each problem.

PyYAML's ordinary loaders silently keep the last of two equal mapping keys;
this module composes nodes instead and reports every duplicate key itself.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import List, Optional

import yaml

from .model import Diagnostic, Pos

# libyaml composes several times faster than the pure-Python loader and gives
# the same marks. Its error texts differ, so a failed parse is repeated with
# the pure-Python loader to keep messages identical on every machine.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLoader(_BASE_LOADER):
    """The safe loader, resolving each distinct scalar's tag once: a catalog
    repeats the same keys and values thousands of times, and the resolver's
    pattern tests were a third of the load time. The tag depends only on the
    node kind, the text and whether it was quoted (safe loaders have no path
    resolvers)."""

    _tags: dict = {}

    def resolve(self, kind, value, implicit):
        key = (kind, value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag


_FAST_LOADER = _FastLoader


@dataclass
class Source:
    """A catalog file after reading and composing."""

    path: str  # as shown in diagnostics
    data: bytes = b""
    sha256: str = ""
    root: Optional[yaml.Node] = None  # None when unreadable, unparsable or empty
    diagnostics: List[Diagnostic] = field(default_factory=list)


def node_pos(path: str, node: yaml.Node) -> Pos:
    """1-based position of a node's first character (yaml marks are 0-based)."""
    return Pos(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _error(src: Source, line: int, col: int, message: str) -> None:
    src.diagnostics.append(Diagnostic(Pos(src.path, line, col), "error", message))


def _compose(text: str, loader: type) -> Optional[yaml.Node]:
    return yaml.compose(text, Loader=loader)


def _syntax_error(src: Source, text: str, exc: yaml.YAMLError) -> None:
    try:
        _compose(text, yaml.SafeLoader)
    except yaml.YAMLError as again:
        exc = again
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        _error(src, line, col, f"{exc.reason} (character #x{exc.character:04x})")
        return
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    if mark is None:
        _error(src, 1, 1, problem)
    else:
        _error(src, mark.line + 1, mark.column + 1, problem)


def _drop_duplicate_keys(src: Source, root: yaml.Node) -> None:
    """Reports every repeated key of every mapping and removes the repeats, so
    the validator sees the first definition only. Iterative: a hostile file
    nests deeper than Python's recursion limit."""
    seen_nodes = set()
    stack = [root]
    mapping, sequence, scalar = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is scalar:
            continue
        if id(node) in seen_nodes:  # aliases share nodes, and may form cycles
            continue
        seen_nodes.add(id(node))
        if kind is mapping:
            keys = set()
            kept = []
            for key, value in node.value:
                if type(key) is scalar:
                    if key.value in keys:
                        p = node_pos(src.path, key)
                        _error(src, p.line, p.col, f"duplicate key '{key.value}'")
                        continue
                    keys.add(key.value)
                kept.append((key, value))
                stack.append(value)
            node.value = kept
        elif kind is sequence:
            stack.extend(node.value)


def load_source(path: str, display_path: Optional[str] = None) -> Source:
    """Reads and composes `path`. Never raises for a bad file: every problem
    becomes an error diagnostic in the returned Source."""
    src = Source(path=display_path or path)
    try:
        with open(path, "rb") as f:
            src.data = f.read()
    except OSError as exc:
        _error(src, 1, 1, f"cannot read catalog: {exc.strerror or exc}")
        return src
    src.sha256 = hashlib.sha256(src.data).hexdigest()
    try:
        text = src.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = src.data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        _error(src, line, col, "catalog is not valid UTF-8")
        return src
    try:
        src.root = _compose(text, _FAST_LOADER)
    except yaml.YAMLError as exc:
        _syntax_error(src, text, exc)
        return src
    except RecursionError:
        _error(src, 1, 1, "catalog nests too deeply")
        return src
    if src.root is None:
        _error(src, 1, 1, "catalog is empty")
        return src
    _drop_duplicate_keys(src, src.root)
    return src
