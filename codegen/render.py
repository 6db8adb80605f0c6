"""Pure rendering: a validated model.Catalog in, {file name: text} out.

cmodel.py computes every name, type and initializer; the Jinja2 templates in
templates/ only lay them out. Nothing here touches the file system except to
read the templates, and the output depends on nothing but the catalog and the
generator version (no timestamps), so reruns are byte-identical.
"""
from __future__ import annotations

import os
from typing import Dict

import jinja2

from . import __version__, cmodel, naming
from .model import Catalog

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

_env = None


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
    return _env


def render(catalog: Catalog, cli: bool = False) -> Dict[str, str]:
    """The generated files of `catalog`: <prefix>_events.h and .c, plus
    <prefix>_emit_main.c when `cli` is true. The catalog must have passed
    validation (codegen.validate.load_catalog)."""
    env = _environment()
    view = cmodel.catalog_view(catalog, __version__, cli)
    jobs = [(naming.header_file(catalog), "events.h.j2"),
            (naming.source_file(catalog), "events.c.j2")]
    if cli:
        jobs.append((naming.cli_file(catalog), "emit_main.c.j2"))
    out: Dict[str, str] = {}
    for name, template in jobs:
        out[name] = env.get_template(template).render(c=view, file=name)
    return out
