"""Sample input for a catalog's generated command-line emitter
(`<prefix>-emit`): one `EVENT field=value ...` line per event with every field
set to a value its constraints accept, and `--context` arguments for every
context field. The emitter, i.e. the real runtime, turns these into the
example JSON lines of the reference (docs.py); nothing here writes JSON.
"""
from __future__ import annotations

import shlex
from typing import List, Optional

from . import wire
from .model import Catalog, Event, Field, Type

# A fixed trace id for follow and span events, so their examples show one.
SAMPLE_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SAMPLE_TIME = "2026-11-22T05:30:00.123456789Z"
# Texts chosen to show what a policy does: the scrubber replaces the address.
SCRUB_TEXT = "timeout after 3 retries, reported by ops@example.com"


def _clamp(v, f: Field):
    if f.min is not None and v < f.min:
        v = f.min
    if f.max is not None and v > f.max:
        v = f.max
    return v


def _number_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)


def _string(f: Field, index: int = 0) -> str:
    text = SCRUB_TEXT if f.pii == "scrub" else f"example-{f.name.replace('_', '-')}"
    if index:
        text = f"{text} #{index + 1}" if f.pii == "scrub" else f"{text}-{index + 1}"
    if f.max_length is not None:
        text = text.encode("utf-8")[: f.max_length].decode("utf-8", "ignore")
    return text


def scalar_value(t: Type, f: Field, index: int = 0) -> Optional[str]:
    """A value of base type t the emitter parses and the runtime accepts."""
    b = t.base
    if b == "bool":
        return "true"
    if b in ("int", "uint"):
        return _number_text(_clamp(42 + index, f))
    if b == "double":
        return _number_text(_clamp(0.5 + index, f))
    if b == "duration":
        return _number_text(_clamp(1_500_000 + index, f))  # 1.5 ms in ns
    if b == "timestamp":
        if f.min is not None or f.max is not None:
            return _number_text(_clamp(1_795_325_400_123_456_789, f))
        return SAMPLE_TIME
    if b == "enum":
        values = [v for v in t.enum.values if not v.deprecated] or t.enum.values
        return wire.enum_value_wire(values[index % len(values)])
    return _string(f, index)


def field_args(f: Field) -> List[str]:
    """`name=value` arguments for one field."""
    t = f.type
    if t.base == "attributes":
        n = 2 if f.max_items is None else min(2, f.max_items)
        pairs = [("region", _string(f)), ("count", "3")][:n]
        return [f"{f.name}.{k}={v}" for k, v in pairs]
    if t.is_list:
        n = 2 if f.max_items is None else min(2, f.max_items)
        return [f"{f.name}={scalar_value(t, f, i)}" for i in range(n)]
    return [f"{f.name}={scalar_value(t, f)}"]


def event_line(ev: Event) -> str:
    """The emitter's stdin line for `ev` with every field set."""
    args = [ev.name]
    if ev.correlation == "follow" or ev.span is not None:
        args.append(f"correlation={SAMPLE_TRACE_ID}")
    for f in ev.fields:
        args += field_args(f)
    return " ".join(shlex.quote(a) for a in args)


def context_args(cat: Catalog) -> List[str]:
    """`--context` arguments setting every context field."""
    out: List[str] = []
    for f in cat.context:
        out += ["--context", f"{f.name}={scalar_value(f.type, f)}"]
    return out


def lines(cat: Catalog) -> List[str]:
    """One emitter line per event, in catalog order."""
    return [event_line(ev) for ev in cat.events]
