"""The beacon-gen command line: load and validate a catalog, render it, write
the files that changed. All checking lives in validate.py and all output in
render.py; this module only moves bytes and chooses exit codes.

  beacon-gen generate CATALOG -o DIR [--cli] [--check] [--strict] [--source-name NAME]
  beacon-gen check CATALOG [--strict] [--source-name NAME]
  beacon-gen diff OLD NEW [--format text|json]
  beacon-gen docs CATALOG -o DIR [--emitter PROGRAM | --examples FILE] [--html] [--check]
  beacon-gen jsonschema CATALOG -o DIR [--check]
  beacon-gen live-check CATALOG [FILE|-]
  beacon-gen --version

Exit codes: 0 ok; 1 --check found stale files, a file could not be written,
diff found breaking changes without a version increase, or live-check found
events that break the catalog; 2 a catalog has errors (nothing is written) or
bad usage. The governance commands (diff, docs, jsonschema, live-check) are
described in docs/governance.md.
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

from . import __version__


def _load(args: argparse.Namespace):
    """(catalog or None, had_errors) after printing every diagnostic."""
    return _load_path(args.catalog, getattr(args, "strict", False),
                      getattr(args, "source_name", None))


def _load_path(path: str, strict: bool = False, source_name: Optional[str] = None):
    """_load for one path; `git:REF:PATH` reads PATH as committed in REF."""
    from .validate import load_catalog  # imported late: --version needs no YAML

    if path.startswith("git:"):
        with tempfile.TemporaryDirectory() as tmp:
            copy = _git_show(path, tmp)
            if copy is None:
                return None, True
            catalog, diags = load_catalog(copy, strict=strict, display_path=path)
    else:
        catalog, diags = load_catalog(path, strict=strict, display_path=path)
    for d in diags:
        print(str(d), file=sys.stderr)
    failed = catalog is None or any(d.severity == "error" for d in diags)
    if catalog is not None:
        # Banners name the catalog as the build knows it (CMake passes a
        # stable repo-relative name), so output does not depend on the cwd.
        catalog.source_path = source_name or path
    return catalog, failed


def _git_show(spec: str, directory: str) -> Optional[str]:
    """Writes the catalog `git:REF:PATH` names (`git show REF:PATH`, so PATH
    is from the repository root, or ./relative to the current directory)
    into `directory`; returns the copy's path, or None after saying why."""
    ref, sep, path = spec[len("git:"):].partition(":")
    if not sep or not ref or not path:
        print(f"beacon-gen: '{spec}' is not git:REF:PATH", file=sys.stderr)
        return None
    try:
        proc = subprocess.run(["git", "show", f"{ref}:{path}"], capture_output=True)
    except OSError as exc:
        print(f"beacon-gen: cannot run git: {exc.strerror}", file=sys.stderr)
        return None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        print(f"beacon-gen: cannot read {spec}: {err}", file=sys.stderr)
        return None
    copy = os.path.join(directory, "catalog.yaml")
    with open(copy, "wb") as fh:
        fh.write(proc.stdout)
    return copy


def _write_tree(directory: str, files: Dict[str, str], check: bool, hint: str) -> int:
    """Writes {name: text} under `directory`, or with check=True compares and
    names each stale file. Returns the exit code."""
    outputs = {os.path.join(directory, name): text.encode("utf-8")
               for name, text in sorted(files.items())}
    if check:
        stale = 0
        for path, data in outputs.items():
            current = _read(path)
            if current != data:
                state = "missing" if current is None else "out of date"
                print(f"{path}: {state} (run {hint})", file=sys.stderr)
                stale += 1
        return 1 if stale else 0
    try:
        os.makedirs(directory, exist_ok=True)
        for path, data in outputs.items():
            _write_if_changed(path, data)
    except OSError as exc:
        print(f"beacon-gen: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


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
    return _write_tree(args.output, files, args.check, "beacon-gen generate")


def _check(args: argparse.Namespace) -> int:
    _, failed = _load(args)
    return 2 if failed else 0


def _diff(args: argparse.Namespace) -> int:
    from . import diff

    old, old_failed = _load_path(args.old)
    new, new_failed = _load_path(args.new)
    if old_failed or new_failed:
        return 2
    verdict = diff.diff(old, new)
    if args.format == "json":
        sys.stdout.write(diff.format_json(verdict, args.old, args.new))
    else:
        sys.stdout.write(diff.format_text(verdict))
    return 0 if verdict.ok else 1


def _jsonschema(args: argparse.Namespace) -> int:
    from . import eventschema

    catalog, failed = _load(args)
    if failed:
        return 2
    return _write_tree(args.output, eventschema.render(catalog), args.check,
                       "beacon-gen jsonschema")


def _live_check(args: argparse.Namespace) -> int:
    catalog, failed = _load(args)
    if failed:
        return 2
    try:
        from .livecheck import Checker

        checker = Checker(catalog)
    except ImportError:
        print("beacon-gen: live-check needs python3-jsonschema (Debian: "
              "apt-get install python3-jsonschema)", file=sys.stderr)
        return 2
    try:
        if args.input == "-":
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
            report = checker.check(stream)
        else:
            with open(args.input, encoding="utf-8", errors="replace") as fh:
                report = checker.check(fh)
    except OSError as exc:
        print(f"beacon-gen: cannot read {args.input}: {exc.strerror}", file=sys.stderr)
        return 2
    name = "<stdin>" if args.input == "-" else args.input
    for f in report.findings:
        print(f"{name}:{f}")
    print(f"{name}: {report.summary()}")
    return 0 if report.clean else 1


def _docs(args: argparse.Namespace) -> int:
    from . import docs

    catalog, failed = _load(args)
    if failed:
        return 2
    try:
        if args.emitter:
            examples = docs.run_emitter(catalog, args.emitter)
        elif args.examples:
            with open(args.examples, encoding="utf-8") as fh:
                examples = docs.read_examples(fh.read())
        else:
            examples = {}
    except OSError as exc:
        print(f"beacon-gen: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    except docs.EmitterError as exc:
        print(f"beacon-gen: examples: {exc}", file=sys.stderr)
        return 1
    files = docs.render(catalog, examples, html=args.html)
    return _write_tree(args.output, files, args.check, "beacon-gen docs")


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

    d = sub.add_parser("diff", help="classify the changes between two catalog versions")
    d.add_argument("old", metavar="OLD", help="catalog file, or git:REF:PATH")
    d.add_argument("new", metavar="NEW", help="catalog file, or git:REF:PATH")
    d.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default) or a JSON document for CI")
    d.set_defaults(run=_diff)

    o = sub.add_parser("docs", help="write the catalog's reference (Markdown, --html)")
    common(o)
    o.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    src = o.add_mutually_exclusive_group()
    src.add_argument("--emitter", metavar="PROGRAM",
                     help="the catalog's built <prefix>-emit: run it to make the example lines")
    src.add_argument("--examples", metavar="FILE",
                     help="NDJSON from the catalog's emitter to take the example lines from")
    o.add_argument("--html", action="store_true",
                   help="also write <catalog>.html, one self-contained searchable page")
    o.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 naming each file that differs from DIR")
    o.set_defaults(run=_docs)

    j = sub.add_parser("jsonschema", help="write a JSON Schema (2020-12) per event")
    common(j)
    j.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    j.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 naming each file that differs from DIR")
    j.set_defaults(run=_jsonschema)

    lc = sub.add_parser("live-check", help="check canonical NDJSON against the catalog")
    common(lc)
    lc.add_argument("input", metavar="FILE", nargs="?", default="-",
                    help="NDJSON file, or - for stdin (default)")
    lc.set_defaults(run=_live_check)
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
