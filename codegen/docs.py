"""The catalog reference: Markdown (and with html=True one self-contained
HTML page) describing every event, field, type, constraint, PII policy,
correlation role, context field, enum and span, each event with an example
line written by the real runtime.

Example lines come from the catalog's generated emitter (`<prefix>-emit`):
run_emitter() feeds it samples.py's input and reads what its file sink wrote;
read_examples() takes such NDJSON from a file. Only the values that change on
every run (time, event id, trace and span ids) are replaced by fixed ones, so
the reference is byte-stable; every other byte is the serializer's.
Rendering is pure; templates/docs/ lays the view model out.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from typing import Dict, List, Optional

import jinja2

from . import __version__, samples, wire
from .model import Catalog, Enum, Event, Field, Span

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates", "docs")

# The deployment key the examples are hashed with: a throwaway, published here.
EXAMPLE_HASH_KEY = "hex:000102030405060708090a0b0c0d0e0f"
EXAMPLE_HASH_KEY_ID = "example"

# Values that differ on every run, replaced in the header of an example line
# (the keys before "context"/"data", so a data field of the same name is kept).
VOLATILE = {
    "time": "2026-11-22T05:30:00.123456789Z",
    "id": "6b1f3f0c2d4e4a5b8c9d0e1f2a3b4c5d",
    "trace_id": samples.SAMPLE_TRACE_ID,
    "span_id": "00f067aa0ba902b7",
    "parent_span_id": "53995c3f42cd8ad8",
}
_VOLATILE_RE = re.compile(r'"(' + "|".join(VOLATILE) + r')":"[^"]*"')


class EmitterError(Exception):
    pass


def normalize(line: str) -> str:
    """`line` with its volatile header values replaced by fixed ones."""
    cut = len(line)
    for marker in (',"context":{', ',"data":{'):
        i = line.find(marker)
        if i != -1:
            cut = min(cut, i)
    head = _VOLATILE_RE.sub(lambda m: f'"{m.group(1)}":"{VOLATILE[m.group(1)]}"', line[:cut])
    return head + line[cut:]


def read_examples(text: str) -> Dict[str, str]:
    """{event name: normalized line} from NDJSON, the first line per event."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            name = json.loads(line).get("event")
        except (ValueError, AttributeError):
            continue
        if isinstance(name, str) and name not in out:
            out[name] = normalize(line)
    return out


def run_emitter(cat: Catalog, program: str) -> Dict[str, str]:
    """Runs the catalog's emitter on samples.lines() with the example hash key
    and a file sink; returns read_examples() of what it wrote. Raises
    EmitterError when the emitter fails or misses an event."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEACON_")}
    env.update(BEACON_HASH_KEY=EXAMPLE_HASH_KEY, BEACON_HASH_KEY_ID=EXAMPLE_HASH_KEY_ID)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "examples.ndjson")
        cmd = [program, "--sink", f"file:{out}"] + samples.context_args(cat) + ["-"]
        stdin = "".join(line + "\n" for line in samples.lines(cat))
        try:
            proc = subprocess.run(cmd, input=stdin.encode("utf-8"), env=env,
                                  capture_output=True, timeout=60)
        except OSError as exc:
            raise EmitterError(f"cannot run {program}: {exc.strerror}") from None
        if proc.returncode != 0:
            raise EmitterError(f"{program} exited {proc.returncode}: "
                               f"{proc.stderr.decode('utf-8', 'replace').strip()}")
        with open(out, encoding="utf-8") as fh:
            examples = read_examples(fh.read())
    missing = [ev.name for ev in cat.events if ev.name not in examples]
    if missing:
        raise EmitterError(f"{program} wrote no line for {', '.join(missing)}")
    return examples


# --- view model -------------------------------------------------------------


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def constraints(f: Field) -> List[str]:
    out = []
    if f.min is not None:
        out.append(f"min {_num(f.min)}")
    if f.max is not None:
        out.append(f"max {_num(f.max)}")
    if f.max_length is not None:
        out.append(f"max_length {f.max_length}")
    if f.max_items is not None:
        out.append(f"max_items {f.max_items}")
    unit = wire.field_unit(f)
    if unit:
        out.append(f"unit {unit}")
    default = wire.field_default(f)
    if default is not None:
        out.append(f"default {default}")
    if f.stacktrace:
        out.append("stacktrace")
    return out


def _field(f: Field, context: bool = False) -> Dict[str, object]:
    return {
        "name": wire.field_key(f),
        "type": f.type.spelling,
        "required": "no" if (f.optional or context) else "yes",
        "constraints": ", ".join(constraints(f)),
        "pii": f.pii,
        "description": f.description or "",
        "deprecated": wire.deprecation(f) or "",
    }


def _anchor(name: str) -> str:
    return "event-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _event(ev: Event, examples: Dict[str, str]) -> Dict[str, object]:
    origin = ""
    if ev.span is not None:
        origin = f"derived from span `{ev.span.name}` ({ev.kind.replace('span_', '')})"
    return {
        "name": ev.name,
        "anchor": _anchor(ev.name),
        "description": ev.description or "",
        "level": ev.level,
        "category": ev.category or "",
        "correlation": ev.correlation,
        "sample_rate": _num(ev.sample_rate),
        "deprecated": wire.deprecation(ev) or "",
        "origin": origin,
        "fields": [_field(f) for f in ev.fields],
        "example": examples.get(ev.name, ""),
        "search": " ".join([ev.name, ev.description or "", ev.category or "", ev.level]
                           + [f.name for f in ev.fields]).lower(),
    }


def _enum(e: Enum) -> Dict[str, object]:
    return {"name": e.name, "description": e.description or "",
            "entries": [{"name": wire.enum_value_wire(v), "description": v.description or "",
                        "deprecated": wire.deprecation(v) or ""} for v in e.values]}


def _span(s: Span) -> Dict[str, object]:
    derived = [getattr(s, k) for k in ("start", "stop", "exception") if getattr(s, k)]
    return {"name": s.name, "description": s.description or "",
            "events": [{"name": ev.name, "anchor": _anchor(ev.name)} for ev in derived],
            "fields": [_field(f) for f in s.fields]}


def view(cat: Catalog, examples: Dict[str, str]) -> Dict[str, object]:
    """Everything the templates show, as strings and lists."""
    events = [_event(ev, examples) for ev in cat.events]
    return {
        "catalog": cat.name,
        "prefix": cat.prefix,
        "version": cat.version,
        "description": cat.description or "",
        "source": cat.source_path,
        "generator": __version__,
        "context": [_field(f, context=True) for f in cat.context],
        "enums": [_enum(e) for e in cat.enums],
        "events": events,
        "spans": [_span(s) for s in cat.spans],
        "categories": sorted({ev.category for ev in cat.events if ev.category}),
        "levels": [lv for lv in ("debug", "info", "warn", "error")
                   if any(ev.level == lv for ev in cat.events)],
        "has_examples": any(ev["example"] for ev in events),
        "hash_key_id": EXAMPLE_HASH_KEY_ID,
    }


# --- rendering --------------------------------------------------------------

_env: Optional[jinja2.Environment] = None


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _environment() -> jinja2.Environment:
    global _env
    if _env is None:
        _env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
                                  autoescape=jinja2.select_autoescape(["html"]),
                                  trim_blocks=True, lstrip_blocks=True,
                                  keep_trailing_newline=True,
                                  undefined=jinja2.StrictUndefined)
        _env.filters["cell"] = _cell
    return _env


def render(cat: Catalog, examples: Dict[str, str], html: bool = False) -> Dict[str, str]:
    """{file name: text}: <catalog>.md, and <catalog>.html when html=True."""
    v = view(cat, examples)
    env = _environment()
    files = {f"{cat.name}.md": env.get_template("catalog.md.j2").render(**v)}
    if html:
        files[f"{cat.name}.html"] = env.get_template("catalog.html.j2").render(**v)
    return files
