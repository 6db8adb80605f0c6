"""Derives one JSON Schema (draft 2020-12) per event from a catalog: the
canonical event JSON of docs/wire-format.md as an untrusted sink receives it,
PII policies applied. This module is the one home of the wire's type rules;
livecheck.py validates streams against these schemas rather than restating
them. Pure: catalog in, {file name: schema} out.
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional

from . import wire
from .model import Catalog, Event, Field, Type

DIALECT = "https://json-schema.org/draft/2020-12/schema"

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
UINT64_MAX = 2 ** 64 - 1

TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$"
ID_PATTERN = "^[0-9a-f]{32}$"
TRACE_ID_PATTERN = "^(?!0{32})[0-9a-f]{32}$"
SPAN_ID_PATTERN = "^(?!0{16})[0-9a-f]{16}$"
HASH_KEY_PATTERN = "^[A-Za-z0-9._:-]{1,64}$"

# Without a key the runtime writes "[REDACTED]" in place of the hash.
HASHED = {"type": "string", "pattern": wire.HASHED_OR_REDACTED,
          "description": 'pii: hash, a keyed hash: 32 lowercase hex, or "[REDACTED]" '
                         "when the runtime has no hash key"}
REDACTED = {"const": wire.REDACTED, "description": "pii: redact"}
ATTRIBUTE_SCALAR = {"type": ["string", "number", "boolean", "null"]}


def schema_file(ev: Event) -> str:
    """Output file name of an event's schema."""
    return f"{ev.name}.schema.json"


def _scalar(t: Type, f: Field) -> Dict[str, object]:
    """Schema of one value of base type t (an element, for lists)."""
    b = t.base
    if b == "bool":
        return {"type": "boolean"}
    if b == "duration" and wire.duration_scale(f) != 1:
        # The catalog's bounds are nanoseconds; the wire value is in the
        # field's unit (truncated toward zero; seconds as a number).
        scale = wire.duration_scale(f)
        number = wire.duration_is_number(f)
        s = {"type": "number" if number else "integer"}
        if f.min is not None:
            s["minimum"] = f.min / scale if number else int(f.min / scale)
        if f.max is not None:
            s["maximum"] = f.max / scale if number else int(f.max / scale)
        return s
    if b in ("int", "uint", "duration"):
        s: Dict[str, object] = {"type": "integer",
                                "minimum": 0 if b == "uint" else INT64_MIN,
                                "maximum": UINT64_MAX if b == "uint" else INT64_MAX}
        if f.min is not None:
            s["minimum"] = f.min
        if f.max is not None:
            s["maximum"] = f.max
        return s
    if b == "double":
        s = {"type": "number"}
        if f.min is not None:
            s["minimum"] = f.min
        if f.max is not None:
            s["maximum"] = f.max
        if f.min is None and f.max is None:
            return {"type": ["number", "null"]}  # NaN and infinities are written as null
        return s
    if b == "timestamp":
        # Bounds on a timestamp are checked at emit; the wire text is not
        # compared here.
        return {"type": "string", "pattern": TIME_PATTERN}
    if b == "enum":
        return {"enum": wire.enum_wire_values(t.enum)}
    # string, with its PII policy applied
    if f.pii == "hash":
        return dict(HASHED)
    if f.pii == "redact":
        return dict(REDACTED)
    s = {"type": "string"}
    if f.max_length is not None:
        # max_length counts bytes; a string of at most N bytes has at most N
        # characters, so this bound is necessary, and exact for ASCII.
        s["maxLength"] = f.max_length
    return s


def field_schema(f: Field) -> Dict[str, object]:
    """Schema of a field's value on the wire."""
    t = f.type
    if t.base == "attributes":
        if f.pii == "hash":
            value: Dict[str, object] = dict(HASHED)
        elif f.pii == "redact":
            value = dict(REDACTED)
        else:
            value = dict(ATTRIBUTE_SCALAR)
            if f.max_length is not None:
                value["maxLength"] = f.max_length  # applies to the string values only
        s: Dict[str, object] = {"type": "object", "additionalProperties": value}
        if f.max_items is not None:
            s["maxProperties"] = f.max_items
    elif t.is_list:
        s = {"type": "array", "items": _scalar(t, f)}
        if f.max_items is not None:
            s["maxItems"] = f.max_items
    else:
        s = _scalar(t, f)
    if f.description:
        s = dict(s, description=f.description)
    return s


def _sent(f: Field) -> bool:
    """Whether an untrusted sink ever receives the field."""
    return f.pii != "drop"


def _always_sent(f: Field) -> bool:
    """Whether every event carries the field: required, and not subject to a
    policy that leaves it out (drop)."""
    return (not f.optional or wire.field_default(f) is not None) and f.pii != "drop"


def _object(fields: List[Field], key_prefix: str = "") -> Dict[str, object]:
    props = {wire.field_key(f): field_schema(f) for f in fields if _sent(f)}
    s: Dict[str, object] = {"type": "object", "properties": props,
                            "additionalProperties": False}
    required = [wire.field_key(f) for f in fields if _always_sent(f)]
    if required:
        s["required"] = required
    return s


def _truncatable(f: Field) -> bool:
    return _sent(f) and (f.max_length is not None or f.max_items is not None)


def event_schema(cat: Catalog, ev: Event) -> Dict[str, object]:
    """The JSON Schema of `ev`'s canonical JSON."""
    props: Dict[str, object] = {
        "event": {"const": ev.name},
        "time": {"type": "string", "pattern": TIME_PATTERN},
        "id": {"type": "string", "pattern": ID_PATTERN},
        "catalog": {"const": cat.name},
        "version": {"const": cat.version},
        "level": {"const": ev.level},
    }
    required = ["event", "time", "id", "catalog", "version", "level"]
    if ev.category is not None:
        props["category"] = {"const": ev.category}
        required.append("category")
    props["trace_id"] = {"type": "string", "pattern": TRACE_ID_PATTERN}
    if ev.correlation in ("begin", "follow"):
        required.append("trace_id")
    props["span_id"] = {"type": "string", "pattern": SPAN_ID_PATTERN}
    props["parent_span_id"] = {"type": "string", "pattern": SPAN_ID_PATTERN}
    if cat.context:
        props["context"] = _object(cat.context)
    props["data"] = _object(ev.fields)
    required.append("data")
    if any(f.pii == "hash" for f in list(ev.fields) + list(cat.context)):
        props["hash_key"] = {"type": "string", "pattern": HASH_KEY_PATTERN}
    cut = [wire.field_key(f) for f in ev.fields if _truncatable(f)]
    cut += [f"context.{wire.field_key(f)}" for f in cat.context if _truncatable(f)]
    if cut:
        props["truncated"] = {"type": "array", "items": {"enum": cut}, "uniqueItems": True,
                              "minItems": 1}
    props["resource"] = {"type": "object", "additionalProperties": {"type": "string"}}
    s: Dict[str, object] = {
        "$schema": DIALECT,
        "$id": f"urn:beacon:{cat.name}:{cat.version}:{ev.name}",
        "title": f"{cat.name} {ev.name}",
    }
    if ev.description:
        s["description"] = ev.description
    s.update({"type": "object", "properties": props, "required": required,
              "additionalProperties": False})
    return s


def event_schemas(cat: Catalog) -> Dict[str, Dict[str, object]]:
    """{event name: schema} for every event, declared and span-derived."""
    return {ev.name: event_schema(cat, ev) for ev in cat.events}


def render(cat: Catalog) -> Dict[str, str]:
    """{file name: JSON text}: one schema per event, stable bytes."""
    return {schema_file(ev): json.dumps(event_schema(cat, ev), indent=2, ensure_ascii=False)
            + "\n" for ev in cat.events}


def field_at(cat: Catalog, ev: Optional[Event], path: List[object]) -> Optional[Field]:
    """The catalog field a JSON path such as ['data', 'mrn', 0] points into."""
    if len(path) < 2 or not isinstance(path[1], str):
        return None
    fields = ev.fields if path[0] == "data" and ev is not None else (
        cat.context if path[0] == "context" else [])
    for f in fields:
        if wire.field_key(f) == path[1]:
            return f
    return None
