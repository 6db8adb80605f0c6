"""The beacon-gen command line: load and validate a catalog, render it, write
the files that changed. All checking lives in validate.py and all output in
render.py; this module only moves bytes and chooses exit codes.

  beacon-gen generate CATALOG -o DIR [--cli] [--check] [--strict] [--source-name NAME]
  beacon-gen check CATALOG [--strict] [--source-name NAME]
  beacon-gen --version

Exit codes: 0 ok; 1 --check found stale files, or a file could not be
written; 2 the catalog has errors (nothing is written) or bad usage.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Dict, List, Optional

from . import __version__


def _load(args: argparse.Namespace):
    """(catalog or None, had_errors) after printing every diagnostic."""
    from .validate import load_catalog  # imported late: --version needs no YAML

    catalog, diags = load_catalog(args.catalog, strict=args.strict, display_path=args.catalog)
    for d in diags:
        print(str(d), file=sys.stderr)
    failed = catalog is None or any(d.severity == "error" for d in diags)
    if catalog is not None:
        # Banners name the catalog as the build knows it (CMake passes a
        # stable repo-relative name), so output does not depend on the cwd.
        catalog.source_path = args.source_name or args.catalog
    return catalog, failed


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _write_if_changed(path: str, data: bytes) -> bool:
    """Writes `data` unless the file already holds it (keeps make and ninja
    from rebuilding). Writes to a temporary name first so a reader never sees
    half a file. Returns True when the file was written."""
    if _read(path) == data:
        return False
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return True


def _generate(args: argparse.Namespace) -> int:
    from .render import render

    catalog, failed = _load(args)
    if failed:
        return 2
    files: Dict[str, str] = render(catalog, cli=args.cli)
    outputs = {os.path.join(args.output, name): text.encode("utf-8")
               for name, text in sorted(files.items())}
    if args.check:
        stale: List[str] = []
        for path, data in outputs.items():
            current = _read(path)
            if current is None:
                print(f"{path}: missing (run beacon-gen generate)", file=sys.stderr)
                stale.append(path)
            elif current != data:
                print(f"{path}: out of date (run beacon-gen generate)", file=sys.stderr)
                stale.append(path)
        return 1 if stale else 0
    try:
        os.makedirs(args.output, exist_ok=True)
        for path, data in outputs.items():
            _write_if_changed(path, data)
    except OSError as exc:
        print(f"beacon-gen: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    _, failed = _load(args)
    return 2 if failed else 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="beacon-gen",
        description="Generate C code from a beacon event catalog.")
    p.add_argument("--version", action="version", version=f"beacon-gen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("catalog", metavar="CATALOG", help="the catalog YAML file")
        sp.add_argument("--strict", action="store_true",
                        help="treat warnings (e.g. likely PII without a pii: policy) as errors")
        sp.add_argument("--source-name", metavar="NAME",
                        help="catalog path to write in banners (default: CATALOG as given)")

    g = sub.add_parser("generate", help="write <prefix>_events.h/.c (and the CLI source)")
    common(g)
    g.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    g.add_argument("--cli", action="store_true", help="also write <prefix>_emit_main.c")
    g.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 naming each file that differs from DIR")
    g.set_defaults(run=_generate)

    c = sub.add_parser("check", help="validate the catalog only")
    common(c)
    c.set_defaults(run=_check)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    # A run is a short batch job that builds and drops millions of small,
    # acyclic objects (YAML nodes, views, template output); the cyclic
    # collector's passes over them took a third of its time and found
    # nothing to free. Memory is returned at exit.
    gc.disable()
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_usage(sys.stderr)
        return 2
    return args.run(args)
