"""Pure rendering: a validated model.Catalog in, {file name: text} out.

cmodel.py decides what to generate (every name, type, field list and flag);
the Jinja2 templates in templates/ spell it in C (the wrappers, helpers and
descriptors as macros in templates/macros.j2). Nothing here touches the file
system except to read the templates, and the output depends on nothing but
the catalog and the generator version (no timestamps), so reruns are
byte-identical.
"""
from __future__ import annotations

import os
import re
from typing import Dict, List

import jinja2

from . import __version__, cmodel, naming
from .model import Catalog

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

_env = None


def _params(decls) -> str:
    """A C parameter list: the declarations joined, or `void`."""
    return ", ".join(cmodel.decl(d.type, d.name) for d in decls) or "void"


# How the templates spell C literals and declarations (see templates/macros.j2).
_FILTERS = {
    "decl": lambda d: cmodel.decl(d.type, d.name),
    "params": _params,
    "cstr": cmodel.c_string,
    "comment": cmodel.c_comment,
    "literal": cmodel.number_literal,
    "mask": lambda m: "0x%02Xu" % m,
    "deprecated": cmodel.deprecated_attr,
}


def _environment() -> jinja2.Environment:
    global _env
    if _env is None:
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
        )
        _env.filters.update(_FILTERS)
    return _env


WIDTH = 100


_PARENS = re.compile(r"[()]")
_NESTING = re.compile(r"[(){}\[\],]")
_BRACKETS = re.compile(r"[(){}\[\]]")


def _split_args(inner: str) -> List[str]:
    """Top-level comma-separated pieces of an argument list."""
    if not _BRACKETS.search(inner):  # the common case: nothing nested
        return [a.strip() for a in inner.split(",")]
    parts, depth, start = [], 0, 0
    for m in _NESTING.finditer(inner):
        ch = m.group()
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            parts.append(inner[start:m.start()].strip())
            start = m.end()
    parts.append(inner[start:].strip())
    return parts


def _wrap(line: str) -> str:
    """Breaks an over-long declaration or call after its commas, aligned with
    the opening parenthesis. Only lines without string literals, comments or
    preprocessor directives are touched, so a break is always just
    whitespace between two tokens."""
    body = line.strip()
    if (len(line) <= WIDTH or '"' in line or "'" in line or body.startswith(("#", "/*", "*"))
            or "(" not in line):
        return line
    open_at = line.index("(")
    depth = 0
    if line.count("(") == 1:  # the common case: one pair
        close_at = line.find(")", open_at)
        if close_at < 0:
            return line
    else:
        for m in _PARENS.finditer(line, open_at):
            depth += 1 if m.group() == "(" else -1
            if depth == 0:
                close_at = m.start()
                break
        else:
            return line
    args = _split_args(line[open_at + 1:close_at])
    if len(args) < 2:
        return line
    indent = " " * (open_at + 1)
    if open_at + 1 > WIDTH // 2:
        indent = " " * (len(line) - len(line.lstrip()) + 8)
    out, cur = [], line[:open_at + 1]
    for i, arg in enumerate(args):
        piece = arg + ("," if i < len(args) - 1 else line[close_at:])
        if cur.strip() and not cur.endswith("(") and len(cur) + 1 + len(piece) > WIDTH:
            out.append(cur)
            cur = indent + piece
        else:
            cur = cur + ("" if cur.endswith("(") else " ") + piece
    out.append(cur)
    return "\n".join(out)


_LONG_LINE = re.compile(r"^.{%d,}$" % (WIDTH + 1), re.MULTILINE)


def _wrap_long_lines(text: str) -> str:
    return _LONG_LINE.sub(lambda m: _wrap(m.group(0)), text)


def render(catalog: Catalog, cli: bool = False) -> Dict[str, str]:
    """The generated files of `catalog`: <prefix>_events.h and .c, plus
    <prefix>_emit_main.c when `cli` is true. The catalog must have passed
    validation (codegen.validate.load_catalog)."""
    env = _environment()
    view = cmodel.catalog_view(catalog, __version__)
    jobs = [(naming.header_file(catalog), "events.h.j2"),
            (naming.source_file(catalog), "events.c.j2")]
    if cli:
        jobs.append((naming.cli_file(catalog), "emit_main.c.j2"))
    out: Dict[str, str] = {}
    for name, template in jobs:
        out[name] = _wrap_long_lines(env.get_template(template).render(c=view, file=name))
    return out
