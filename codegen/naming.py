"""Every C name the generator emits is decided here, and only here.

The renderer asks this module for names; the validator asks it for the full
set of symbols a catalog would generate so it can report collisions with
C keywords, with each other, and with the generated support symbols.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from .model import Catalog, Enum, EnumValue, Event, Field, Span

C_KEYWORDS = frozenset(
    """auto break case char const continue default do double else enum extern
    float for goto if inline int long register restrict return short signed
    sizeof static struct switch typedef union unsigned void volatile while
    _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
    _Static_assert _Thread_local bool true false alignas alignof
    asm catch class const_cast decltype delete dynamic_cast explicit export
    friend mutable namespace new noexcept nullptr operator private protected
    public reinterpret_cast static_assert static_cast template this
    thread_local throw try typeid typename using virtual wchar_t""".split()
)


def mangle(name: str) -> str:
    """Dotted catalog name -> C identifier fragment ("upload.received" ->
    "upload_received")."""
    return name.replace(".", "_").replace("-", "_")


def upper(s: str) -> str:
    return s.upper()


# --- catalog-level -----------------------------------------------------------

def header_file(cat: Catalog) -> str:
    return f"{cat.prefix}_events.h"


def source_file(cat: Catalog) -> str:
    return f"{cat.prefix}_events.c"


def cli_file(cat: Catalog) -> str:
    return f"{cat.prefix}_emit_main.c"


def cli_program(cat: Catalog) -> str:
    return f"{cat.prefix}-emit"


def include_guard(cat: Catalog) -> str:
    return f"{upper(cat.prefix)}_EVENTS_H"


def catalog_desc(cat: Catalog) -> str:
    return f"{cat.prefix}_catalog"


def event_id_type(cat: Catalog) -> str:
    return f"{cat.prefix}_event_id"


def event_count_const(cat: Catalog) -> str:
    return f"{upper(cat.prefix)}_EVENT_COUNT"


def context_setter(cat: Catalog, f: Field) -> str:
    return f"{cat.prefix}_context_set_{mangle(f.name)}"


def context_clear(cat: Catalog) -> str:
    return f"{cat.prefix}_context_clear"


def event_name_table(cat: Catalog) -> str:
    return f"{cat.prefix}_event_names"


def event_desc_table(cat: Catalog) -> str:
    return f"{cat.prefix}_event_descs"


# --- enums -------------------------------------------------------------------

def enum_type(cat: Catalog, e: Enum) -> str:
    return f"{cat.prefix}_{mangle(e.name)}"


def enum_value_const(cat: Catalog, e: Enum, v: EnumValue) -> str:
    return upper(f"{cat.prefix}_{mangle(e.name)}_{mangle(v.name)}")


def enum_count_const(cat: Catalog, e: Enum) -> str:
    return upper(f"{cat.prefix}_{mangle(e.name)}_COUNT")


def enum_to_string(cat: Catalog, e: Enum) -> str:
    return f"{enum_type(cat, e)}_to_string"


def enum_from_string(cat: Catalog, e: Enum) -> str:
    return f"{enum_type(cat, e)}_from_string"


def enum_desc(cat: Catalog, e: Enum) -> str:
    return f"{enum_type(cat, e)}_desc"


# --- events ------------------------------------------------------------------

def event_type(cat: Catalog, ev: Event) -> str:
    return f"{cat.prefix}_{mangle(ev.name)}"


def event_id_const(cat: Catalog, ev: Event) -> str:
    return upper(f"{cat.prefix}_EVENT_{mangle(ev.name)}")


def event_make(cat: Catalog, ev: Event) -> str:
    return f"{event_type(cat, ev)}_make"


def event_setter(cat: Catalog, ev: Event, f: Field) -> str:
    return f"{event_type(cat, ev)}_set_{mangle(f.name)}"


def event_capture(cat: Catalog, ev: Event, f: Field) -> str:
    """Fills a `stacktrace: true` field from the caller's stack."""
    return f"{event_type(cat, ev)}_capture_{mangle(f.name)}"


def event_to_json(cat: Catalog, ev: Event) -> str:
    return f"{event_type(cat, ev)}_to_json"


def event_emit(cat: Catalog, ev: Event) -> str:
    return f"{event_type(cat, ev)}_emit"


def event_desc(cat: Catalog, ev: Event) -> str:
    return f"{event_type(cat, ev)}_desc"


def event_json_max(cat: Catalog, ev: Event) -> str:
    return upper(f"{cat.prefix}_{mangle(ev.name)}_JSON_MAX")


def field_member(f: Field) -> str:
    """Struct member holding the value (or the items pointer of a list)."""
    return mangle(f.name)


def field_count_member(f: Field) -> str:
    """Struct member holding the item count of a list/attributes field."""
    return f"{mangle(f.name)}_count"


# --- spans -------------------------------------------------------------------

def span_type(cat: Catalog, s: Span) -> str:
    return f"{cat.prefix}_{mangle(s.name)}_span"


def span_begin(cat: Catalog, s: Span) -> str:
    return f"{cat.prefix}_{mangle(s.name)}_begin"


def span_end(cat: Catalog, s: Span) -> str:
    return f"{cat.prefix}_{mangle(s.name)}_end"


def span_fail(cat: Catalog, s: Span) -> str:
    return f"{cat.prefix}_{mangle(s.name)}_fail"


def span_scoped(cat: Catalog, s: Span) -> str:
    return f"{cat.prefix}_{mangle(s.name)}_scoped"


def span_end_scope(cat: Catalog, s: Span) -> str:
    return f"{cat.prefix}_{mangle(s.name)}_end_scope"


def span_setter(cat: Catalog, s: Span, f: Field) -> str:
    return f"{cat.prefix}_{mangle(s.name)}_span_set_{mangle(f.name)}"


# --- collision checking ------------------------------------------------------

def generated_symbols(cat: Catalog) -> List[Tuple[str, str]]:
    """Every file-scope symbol the catalog would generate, with a short human
    description of where it comes from, in catalog order. The validator
    reports any symbol that appears twice."""
    out: List[Tuple[str, str]] = []
    add = out.append
    add((catalog_desc(cat), "the catalog descriptor"))
    add((event_id_type(cat), "the event id enum"))
    add((event_count_const(cat), "the event count"))
    add((event_name_table(cat), "the event name table"))
    add((event_desc_table(cat), "the event descriptor table"))
    add((context_clear(cat), "the context clear function"))
    for f in cat.context:
        add((context_setter(cat, f), f"context field '{f.name}'"))
    for e in cat.enums:
        what = f"enum '{e.name}'"
        for sym in (enum_type(cat, e), enum_count_const(cat, e), enum_to_string(cat, e),
                    enum_from_string(cat, e), enum_desc(cat, e)):
            add((sym, what))
        for v in e.values:
            add((enum_value_const(cat, e, v), f"value '{v.name}' of enum '{e.name}'"))
    for ev in cat.events:
        what = f"event '{ev.name}'"
        for sym in (event_type(cat, ev), event_id_const(cat, ev), event_make(cat, ev),
                    event_to_json(cat, ev), event_emit(cat, ev), event_desc(cat, ev),
                    event_json_max(cat, ev)):
            add((sym, what))
        for f in ev.optional_fields:
            add((event_setter(cat, ev, f), f"field '{f.name}' of event '{ev.name}'"))
        for f in ev.fields:
            if f.stacktrace:
                add((event_capture(cat, ev, f), f"field '{f.name}' of event '{ev.name}'"))
    for s in cat.spans:
        what = f"span '{s.name}'"
        for sym in (span_type(cat, s), span_begin(cat, s), span_end(cat, s), span_fail(cat, s),
                    span_scoped(cat, s), span_end_scope(cat, s)):
            add((sym, what))
        for f in s.fields:
            if f.optional:
                add((span_setter(cat, s, f), f"field '{f.name}' of span '{s.name}'"))
    return out


def collisions(cat: Catalog) -> Dict[str, List[str]]:
    """symbol -> the origins that generate it, for symbols generated twice."""
    seen: Dict[str, List[str]] = {}
    for sym, what in generated_symbols(cat):
        seen.setdefault(sym, []).append(what)
    return {s: w for s, w in seen.items() if len(w) > 1}
