"""C-level view of a catalog: what the templates print, computed once.

render.py hands these views to the Jinja2 templates (templates/macros.j2
holds the C of every wrapper, helper and descriptor), which only spell them
in C (STYLE rule 8). Public C names come from naming.py; this module adds C
types, parameter and member lists, field flags and bounds, the tests the
direct _emit makes, the file-private `<prefix>__*` names of the .c files and
the JSON_MAX bound.
"""
from __future__ import annotations

import re
from types import SimpleNamespace as View
from typing import Dict, List, Optional

from . import naming
from . import wire
from .model import Catalog, Enum, Event, Field, Span

ABI = 4

# The member of every event struct with optional scalar fields that holds
# their values: set only through the setters, which also set the presence
# bit. A field assigned as `ev.rows = 7` does not compile; its value lives
# at `ev.opt_.rows`, a name that says it is not for direct use.
OPT_MEMBER = "opt_"

C_SCALAR = {
    "bool": "bool",
    "int": "int64_t",
    "uint": "uint64_t",
    "double": "double",
    "string": "const char *",
    "timestamp": "int64_t",
    "duration": "int64_t",
}

BEACON_TYPE = {
    "bool": "BEACON_TYPE_BOOL",
    "int": "BEACON_TYPE_INT",
    "uint": "BEACON_TYPE_UINT",
    "double": "BEACON_TYPE_DOUBLE",
    "string": "BEACON_TYPE_STRING",
    "timestamp": "BEACON_TYPE_TIMESTAMP",
    "duration": "BEACON_TYPE_DURATION",
    "enum": "BEACON_TYPE_ENUM",
    "attributes": "BEACON_TYPE_ATTRIBUTES",
}

CLI_GETTER = {
    "bool": "beacon_cli_bool",
    "int": "beacon_cli_int",
    "uint": "beacon_cli_uint",
    "double": "beacon_cli_double",
    "string": "beacon_cli_string",
    "timestamp": "beacon_cli_int",
    "duration": "beacon_cli_int",
}

KIND = {
    "event": "BEACON_KIND_EVENT",
    "span_start": "BEACON_KIND_SPAN_START",
    "span_stop": "BEACON_KIND_SPAN_STOP",
    "span_exception": "BEACON_KIND_SPAN_EXCEPTION",
}


# --- file-private names (static symbols of the generated .c files) -----------
# They use a double underscore after the prefix: public names are
# <prefix>_<catalog name> and catalog names start with a letter, so the two
# sets can never meet.

def _priv(cat: Catalog, rest: str) -> str:
    return f"{cat.prefix}__{rest}"


# --- text helpers ------------------------------------------------------------

# Printable ASCII without a double quote or backslash: characters that are
# their own JSON and C spelling (the common case, so the per-character loops
# can be skipped).
_PLAIN = re.compile(r'[ !#-\[\]-~]*\Z')


def c_comment(text: Optional[str]) -> str:
    """One line of comment text: whitespace collapsed, and nothing that could
    end the comment or form a trigraph."""
    if not text:
        return ""
    s = " ".join(str(text).split())
    s = s.replace("*/", "* /").replace("/*", "/ *")
    while "??" in s:
        s = s.replace("??", "? ?")
    return s


def c_string(text: Optional[str]) -> str:
    """A C string literal for `text` (NULL for None). Non-ASCII bytes become
    three-digit octal escapes (a hex escape would swallow following hex
    digits); '?' after '?' is escaped so no trigraph can form."""
    if text is None:
        return "NULL"
    text = str(text)
    if _PLAIN.match(text) and "??" not in text:
        return f'"{text}"'
    out = ['"']
    prev = ""
    for b in str(text).encode("utf-8"):
        ch = chr(b)
        if ch == '"' or ch == "\\":
            piece = "\\" + ch
        elif ch == "\n":
            piece = "\\n"
        elif ch == "\t":
            piece = "\\t"
        elif ch == "?" and prev == "?":
            piece = "\\?"
        elif 0x20 <= b < 0x7F:
            piece = ch
        else:
            piece = "\\%03o" % b
        out.append(piece)
        prev = ch
    out.append('"')
    return "".join(out)


def deprecated_attr(d, enumerator: bool = False) -> str:
    """The attribute (with a trailing space) marking a deprecated item: the
    catalog's reason in the compiler's message when it gives one; "" when
    `d` is false."""
    if not d:
        return ""
    macro = "BEACON_DEPRECATED_ENUMERATOR" if enumerator else "BEACON_DEPRECATED"
    if isinstance(d, str):
        return f"{macro}_MSG({c_string(d)}) "
    return f"{macro} "


def first_deprecation(*items):
    """The first deprecation among items (a reason, True), else False."""
    return next((i for i in items if i), False)


def decl(ctype: str, name: str) -> str:
    """`const char *` + `x` -> `const char *x`; `int64_t` + `x` -> `int64_t x`."""
    return f"{ctype}{name}" if ctype.endswith("*") else f"{ctype} {name}"


def unique(base: str, taken) -> str:
    name = base
    while name in taken:
        name += "_"
    return name


def number_literal(v, kind: str) -> str:
    """A number as a C literal of kind "i" (int64_t), "u" (uint64_t) or "d"
    (double); None spells zero."""
    if v is None:
        return "0.0" if kind == "d" else "0"
    if kind == "u":
        return "UINT64_C(%d)" % int(v)
    if kind == "d":
        return double_literal(v)
    return int_literal(int(v))


def int_literal(v: int) -> str:
    if v == -(2 ** 63):
        return "INT64_MIN"
    return f"INT64_C({v})"


def double_literal(v: float) -> str:
    r = repr(float(v))
    if r in ("inf", "-inf", "nan"):  # the validator only lets finite numbers through
        raise ValueError(f"not a finite number: {r}")
    return r


# --- JSON_MAX ----------------------------------------------------------------
# Upper bound of the canonical JSON that beacon_gen_to_json writes for one
# event (DESIGN §4), without "context" (to_json never includes it), plus one
# byte for the terminating NUL, so `char buf[X_JSON_MAX]` always suffices.
#
# Method: every key that can appear is counted with its quotes, colon and a
# comma. Values the generator knows (event, catalog and category names,
# version, level) are counted at their exact escaped length. For the rest:
#   - ids: trace_id 32 hex, span_id / parent_span_id 16 hex, id 32 hex;
#   - time: a quoted RFC 3339 string counted at 35 characters;
#   - each byte of a caller string costs at most 6 output bytes (`\u00XX`);
#     invalid UTF-8 becomes U+FFFD (3 bytes raw, 6 escaped) per byte, and a
#     scrub placeholder never exceeds 6 bytes per input byte it replaces, so
#     the same bound holds after scrubbing; a PII field is counted at the
#     largest of raw, "[REDACTED]" and a 32-hex hash; NULL prints `null`;
#   - int/uint/duration at most 20 characters, double at most 24 (%.17g) or
#     `null`, bool 5, an enum its longest value name quoted (or 20 for an
#     out-of-range number), timestamp a quoted 35-character string;
#   - a list holds at most max_items elements, each followed by a comma;
#   - attributes hold at most max_items entries of a key and any scalar value,
#     keys and string values bounded by max_length;
#   - "hash_key" (the key id, at most 64 plain characters) when the event
#     has a `pii: hash` field;
#   - "truncated" may list every field of the event.
# An event gets a bound only when every string, list and attributes field is
# bounded (max_length / max_items as described in docs/generated-api.md).

_ESC_MAX = 6
_NUM_MAX = 20
_DOUBLE_MAX = 24
_TIME_MAX = 35 + 2
_HASH_MAX = 32 + 2
_REDACTED = len('"[REDACTED]"')
_HASH_KEY_ID_MAX = 64  # "hash_key": ids are 1..64 chars of [A-Za-z0-9._:-]


def _json_str_len(s: str) -> int:
    """Exact escaped length (with quotes) of a known string."""
    if _PLAIN.match(s):
        return len(s) + 2
    n = 2
    for ch in s:
        if ch in '"\\':
            n += 2
        elif ord(ch) < 0x20:
            n += 6
        else:
            n += len(ch.encode("utf-8"))
    return n


def _key(name: str) -> int:
    return _json_str_len(name) + 2  # "name": and the separating comma


def _string_max(max_length: Optional[int], pii: str) -> Optional[int]:
    if max_length is None:
        return None
    raw = 2 + _ESC_MAX * max_length
    if pii == "hash":
        raw = max(raw, _HASH_MAX)
    if pii == "redact":
        raw = max(raw, _REDACTED)
    return max(raw, 4)  # null


def _scalar_max(base: str, f: Field) -> Optional[int]:
    if base == "bool":
        return 5
    if base in ("int", "uint", "duration"):
        return _NUM_MAX
    if base == "double":
        return _DOUBLE_MAX
    if base == "timestamp":
        return _TIME_MAX
    if base == "enum":
        longest = max((_json_str_len(wire.enum_value_wire(v)) for v in f.type.enum.values),
                      default=2)
        return max(longest, _NUM_MAX)
    if base == "string":
        return _string_max(f.max_length, f.pii)
    return None


def field_json_max(f: Field) -> Optional[int]:
    """Bound of the value of `f` in "data" (None: unbounded)."""
    base = f.type.base
    if base == "attributes":
        if f.max_items is None or f.max_length is None:
            return None
        key = 2 + _ESC_MAX * f.max_length
        val = max(5, _NUM_MAX, _DOUBLE_MAX, _string_max(f.max_length, "none"))
        whole = 2 + f.max_items * (key + 1 + val + 1)
        if f.pii == "redact":
            whole = max(whole, _REDACTED)
        if f.pii == "hash":
            whole = max(whole, 2 + f.max_items * (key + 1 + _HASH_MAX + 1))
        return whole
    item = _scalar_max(base, f)
    if item is None:
        return None
    if not f.type.is_list:
        return item
    if f.max_items is None:
        return None
    if base == "string" and f.pii == "redact":
        item = max(item, _REDACTED)
    return 2 + f.max_items * (item + 1)


def event_json_max(cat: Catalog, ev: Event) -> int:
    """JSON_MAX of `ev` (see the method above); 0 when unbounded."""
    data = 2
    for f in ev.fields:
        v = field_json_max(f)
        if v is None:
            return 0
        data += _key(wire.field_key(f)) + v
    total = 2  # { }
    total += _key("event") + _json_str_len(ev.name)
    total += _key("time") + _TIME_MAX
    total += _key("id") + 34
    total += _key("catalog") + _json_str_len(cat.name)
    total += _key("version") + len(str(cat.version))
    total += _key("level") + max(_json_str_len(lv) for lv in ("debug", "info", "warn", "error"))
    if ev.category is not None:
        total += _key("category") + _json_str_len(ev.category)
    total += _key("trace_id") + 34
    total += _key("span_id") + 18
    total += _key("parent_span_id") + 18
    total += _key("data") + data
    if any(f.pii == "hash" for f in ev.fields):
        total += _key("hash_key") + 2 + _HASH_KEY_ID_MAX
    total += _key("truncated") + 2 + sum(_json_str_len(wire.field_key(f)) + 1 for f in ev.fields)
    return total + 1  # the NUL


# --- fields ------------------------------------------------------------------

def _elem_ctype(cat: Catalog, f: Field) -> str:
    if f.type.base == "enum":
        return naming.enum_type(cat, f.type.enum)
    if f.type.base == "attributes":
        return "beacon_attr"
    return C_SCALAR[f.type.base]


def _items_ctype(cat: Catalog, f: Field) -> str:
    """Type of the items pointer of a list or attributes field."""
    elem = _elem_ctype(cat, f)
    if elem.endswith("*"):
        return f"{elem}const *"
    return f"const {elem} *"


def _is_seq(f: Field) -> bool:
    return f.type.is_list or f.type.base == "attributes"


def _var(ctype: str, name: str) -> View:
    """One declaration (a struct member, parameter or local) for the templates'
    `decl` filter."""
    return View(type=ctype, name=name)


def _default_view(cat: Catalog, f: Field, var: str) -> Optional[View]:
    """The static object holding f's catalog default (its address goes in
    the descriptor), or None."""
    d = wire.field_default(f)
    if d is None:
        return None
    base = f.type.base
    if base == "enum":
        value = naming.enum_value_const(cat, f.type.enum,
                                        next(v for v in f.type.enum.values if v.name == d))
    elif base == "bool":
        value = "true" if d else "false"
    elif base == "string":
        value = c_string(d)
    else:
        value = number_literal(d, {"uint": "u", "double": "d"}.get(base, "i"))
    ctype = _elem_ctype(cat, f)
    ctype = f"static {ctype}const " if ctype.endswith("*") else f"static const {ctype}"
    return View(var=var, decl=f"{ctype}{var}" if ctype.endswith(" ") else f"{ctype} {var}",
                value=value)


def field_desc(cat: Catalog, ev_type: Optional[str], f: Field, presence_bit: int,
               default_var: Optional[str] = None, member: Optional[str] = None) -> View:
    """What the beacon_field_desc of one field records; ev_type is None for a
    context field (no struct, offsets 0); default_var names the object
    holding its default, if it has one; member is its place in the struct
    (default: the field's member name)."""
    flags = []
    if f.optional:
        flags.append("BEACON_FIELD_OPTIONAL")
    if f.deprecated:
        flags.append("BEACON_FIELD_DEPRECATED")
    if f.min is not None:
        flags.append("BEACON_FIELD_HAS_MIN")
    if f.max is not None:
        flags.append("BEACON_FIELD_HAS_MAX")
    base = f.type.base
    return View(
        name=f.name,
        description=f.description,
        unit=f.unit,
        type_const=BEACON_TYPE[base],
        is_list=1 if f.type.is_list else 0,
        pii_const="BEACON_PII_" + (f.pii or "none").upper(),
        flags=flags,
        presence_bit=presence_bit,
        struct=ev_type,
        member=member or naming.field_member(f),
        count_member=naming.field_count_member(f) if _is_seq(f) else None,
        enum_desc=naming.enum_desc(cat, f.type.enum) if base == "enum" else None,
        bound_kind={"uint": "u", "double": "d"}.get(base, "i"),
        min=f.min,
        max=f.max,
        max_length=f.max_length or 0,
        max_items=f.max_items or 0,
        key=f.wire_key,
        default=_default_view(cat, f, default_var) if default_var else None,
        duration_unit="BEACON_UNIT_" + (f.unit if base == "duration" and f.unit else "ns").upper(),
    )


# Functions the wrapper bodies call; a parameter of that name would shadow them.
_CALLED = frozenset(("memset", "beacon_gen_span_start", "beacon_gen_span_finish",
                     "beacon_gen_emit", "beacon_gen_to_json", "beacon_gen_context_set"))


def _param(member: str, taken) -> str:
    """Parameter name for a struct member: the member name, unless that
    would shadow a function the wrapper calls."""
    return unique(member, set(taken) | _CALLED) if member in _CALLED else member


def _field_view(cat: Catalog, ev: Event, ev_type: str, f: Field, index: int,
                presence_bit: int, taken) -> View:
    """One event field. Optional scalars get presence bit `presence_bit`
    (-1 for every other field: optional strings, lists and attributes are
    present when their pointer is not NULL) and live in the opt_ member."""
    member = naming.field_member(f)
    seq = _is_seq(f)
    if seq:
        count_member = naming.field_count_member(f)
        items_t = _items_ctype(cat, f)
        kind = "attributes: entries + count" if f.type.base == "attributes" else "list: items + count"
        if f.optional:
            kind += "; optional: present when not NULL"
        desc = c_comment(f.description)
        members = [View(type=items_t, name=member, comment=f"{desc} ({kind})" if desc else kind),
                   View(type="size_t", name=count_member, comment="")]
        value_members = [member, count_member]
        value_params = [_param(m, taken) for m in value_members]
        params = [_var(items_t, value_params[0]), _var("size_t", value_params[1])]
        setter_params = [_var(items_t, "items"), _var("size_t", "count")]
        stores = [View(member=member, value="items"), View(member=count_member, value="count")]
    else:
        ctype = _elem_ctype(cat, f)
        comment = c_comment(f.description)
        notes = []
        if f.type.base == "string":
            notes.append("borrowed until emit returns")
            if f.optional:
                notes.append("optional: present when not NULL")
        # An optional scalar's value sits in the opt_ member, set only by its
        # setter (which marks it present).
        path = f"{OPT_MEMBER}.{member}" if presence_bit >= 0 else member
        if presence_bit >= 0:
            notes.append(f"set only with {naming.event_setter(cat, ev, f)}")
        if notes:
            note = "; ".join(notes)
            comment = f"{comment} ({note})" if comment else note
        members = [View(type=ctype, name=member, comment=comment)]
        value_members = [path]
        value_params = [_param(member, taken)]
        params = [_var(ctype, value_params[0])]
        setter_params = params
        stores = [View(member=path, value=value_params[0])]
    byte, bit = divmod(presence_bit, 8) if presence_bit >= 0 else (0, 0)
    return View(
        field=f,
        name=f.name,
        index=index,
        member=member,
        # Where the value is, from the struct: opt_.<member> for optional scalars.
        path=value_members[0],
        in_opt=presence_bit >= 0,
        seq=seq,
        optional=f.optional,
        members=members,
        params=params,
        value_members=value_members,
        value_params=value_params,
        setter_params=setter_params,
        stores=stores,
        has_bit=presence_bit >= 0,
        present_byte=byte,
        present_mask=1 << bit,
        presence_bit=presence_bit,
        desc=field_desc(cat, ev_type, f, presence_bit,
                        _priv(cat, f"{ev_type[len(cat.prefix) + 1:]}__{f.name}_default"),
                        member=value_members[0]),
    )


def _doc_field(f: Field) -> str:
    d = c_comment(f.description)
    return f" ({d.rstrip('.')})" if d else ""


# --- events ------------------------------------------------------------------

def _capture_view(cat: Catalog, ev: Event, fv: View) -> View:
    """The capture helper of a `stacktrace: true` field: the caller's frames
    into caller memory (bt), then the field pointed at them."""
    f = fv.field
    unset = "left unset" if f.optional else "set to an empty list"
    return View(
        name=naming.event_capture(cat, ev, f),
        field=fv,
        # No frames (no backtrace() on this platform) leaves an optional
        # field unset: an empty list would claim the stack was empty.
        setter=naming.event_setter(cat, ev, f) if f.optional else None,
        deprecated=ev.deprecated or f.deprecated,
        doc=(f"Records the caller's stack frames into bt and points {f.name} at them: code "
             f"locations only, never an error message or argument values. bt is caller memory, "
             f"borrowed: it must outlive the emit. Returns the frame count; 0 where backtrace() "
             f"is unavailable ({f.name} is then {unset}); NULL ev or bt returns 0. "
             f"Thread-safe for distinct bt; not async-signal-safe."),
    )


# --- direct emit ---------------------------------------------------------------
# Events of scalars and strings only get an _emit that writes the ring record
# itself (layout in beacon_gen.h) instead of having beacon_gen_emit walk the
# descriptor: beacon_gen_claim / beacon_gen_publish inline for the plain case,
# beacon_gen_begin / beacon_gen_end (in an out-of-line helper) for the rest,
# or, for begin events (a lifecycle handle for the caller), beacon_gen_reserve /
# beacon_gen_commit. It checks inline what the runtime would reject and hands
# anything rejected to beacon_gen_emit, which reports and counts it; lists
# and attributes always take that path. The C is in templates/macros.j2.

_DIRECT_TYPES = frozenset(("bool", "int", "uint", "double", "string", "timestamp",
                           "duration", "enum"))
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2 ** 63), 2 ** 63 - 1, 2 ** 64 - 1


def direct_emit(ev: Event) -> bool:
    """True when the generated _emit of `ev` writes its record directly."""
    return all(not f.type.is_list and f.type.base in _DIRECT_TYPES for f in ev.fields)


def _rejects(cat: Catalog, fv: View) -> List[View]:
    """The tests that are true when the runtime's validation would reject the
    field's value (emit.c check_value / validate_field), one per condition:
    `test` names the comparison, `bound` (of literal `kind`) its operand."""
    f = fv.field
    base = f.type.base
    out: List[View] = []

    def add(test: str, bound=None, kind=None, low=None, high=None) -> None:
        out.append(View(test=test, member=fv.path, bound=bound, kind=kind, low=low,
                        high=high, optional=fv.has_bit, present_byte=fv.present_byte,
                        present_mask=fv.present_mask))

    if base == "string":
        if not f.optional:
            add("null")
    elif base == "enum":
        add("enum_below")
        add("enum_above", bound=naming.enum_count_const(cat, f.type.enum))
    elif base == "double":
        if f.min is not None or f.max is not None:  # NaN fails any bound
            add("outside", low=f.min, high=f.max)
    elif base == "uint":
        if f.min is not None and int(f.min) > 0:
            add("below", int(f.min), "u")
        if f.max is not None and int(f.max) < _UINT64_MAX:
            add("above", int(f.max), "u")
    elif base in ("int", "timestamp", "duration"):
        if f.min is not None and int(f.min) > _INT64_MIN:
            add("below", int(f.min), "i")
        if f.max is not None and int(f.max) < _INT64_MAX:
            add("above", int(f.max), "i")
    return out


def _direct_view(cat: Catalog, ev: Event, fields: List[View]) -> View:
    """What the direct _emit of `ev` needs: the reject tests, the string
    fields it copies after the struct, and its helpers' names. Locals are
    named len_<member> and str_<member>: a member name cannot turn them into
    an identifier the code uses (a field named beacon_gen_kept would make
    <member>_len the scan function's name)."""
    rejects = [r for fv in fields for r in _rejects(cat, fv)]
    strings = []
    for fv in fields:
        f = fv.field
        if f.type.base != "string":
            continue
        strings.append(View(
            member=fv.member,
            optional=f.optional,
            cut=(f"beacon_gen_scrub_cut({f.max_length}u)" if f.pii == "scrub" and f.max_length
                 else (f.max_length or 0)),
            length=f"len_{fv.member}",
            value=f"str_{fv.member}",
        ))
    mangled = naming.mangle(ev.name)
    return View(
        rejects=rejects,
        strings=strings,
        fill=_priv(cat, f"{mangled}_fill"),
        slow=_priv(cat, f"{mangled}_emit_slow"),
    )


def _setter_view(cat: Catalog, ev: Event, fv: View) -> View:
    f = fv.field
    if fv.seq:
        own = ("items (and keys/strings) borrowed until emit returns; "
               "NULL items unsets (count is then ignored)")
        how = "present when items is not NULL, so an empty list is items non-NULL, count 0"
    elif f.type.base == "string":
        own = "borrowed until emit returns; NULL unsets"
        how = "present when not NULL; assigning the member directly works too"
    else:
        own = "stored by value"
        how = "the only way to set it: the setter also marks it present"
    return View(
        own=own,
        name=naming.event_setter(cat, ev, f),
        deprecated=ev.deprecated or f.deprecated,
        doc=(f"Sets optional field {f.name}{_doc_field(f)}: {how}; "
             f"{own}; NULL ev is a no-op."),
        field=fv,
    )


def _event_view(cat: Catalog, ev: Event) -> View:
    t = naming.event_type(cat, ev)
    names = {naming.field_member(f) for f in ev.fields} | {
        naming.field_count_member(f) for f in ev.fields if _is_seq(f)}
    fields = []
    opt = 0
    for i, f in enumerate(ev.fields):
        bit = -1
        if f.optional and not _is_seq(f) and f.type.base != "string":
            bit = opt
            opt += 1
        fields.append(_field_view(cat, ev, t, f, i, bit, names))
    required = [fv for fv in fields if not fv.optional]
    follow = ev.correlation == "follow"
    corr = unique("correlation", names) if follow else None
    make_params = ([_var("beacon_lifecycle", corr)] if follow else []) + [
        p for fv in required for p in fv.params]
    setters = [_setter_view(cat, ev, fv) for fv in fields if fv.optional]
    json_max = event_json_max(cat, ev)
    begin = ev.correlation == "begin"
    if ev.kind == "event":
        what = c_comment(ev.description) or f"Event {ev.name}."
    else:
        what = c_comment(ev.description) or f"Span event {ev.name}."
    mangled = naming.mangle(ev.name)
    return View(
        event=ev,
        name=ev.name,
        type=t,
        # The name of the event pointer in setters and capture helpers.
        ptr=unique("ev", names),
        id_const=naming.event_id_const(cat, ev),
        doc=f"{ev.name}: {what}",
        deprecated=ev.deprecated,
        fields=fields,
        required=required,
        has_presence=opt > 0,
        present_size=(opt + 7) // 8,
        top_fields=[fv for fv in fields if not fv.in_opt],
        opt_fields=[fv for fv in fields if fv.in_opt],
        opt_member=OPT_MEMBER,
        make=naming.event_make(cat, ev),
        make_params=make_params,
        correlation_param=corr,
        make_deprecated=first_deprecation(ev.deprecated,
                                          *(f.deprecated for f in ev.required_fields)),
        make_doc=(f"Builds {ev.name} from every required field in catalog order"
                  + ("; correlation is the handle its begin event's emit returned (the event "
                     "carries its trace, and the begin event's span as parent_span_id)"
                     if follow else "")
                  + "; strings and lists are borrowed until emit returns."),
        setters=setters,
        captures=[_capture_view(cat, ev, fv) for fv in fields if fv.field.stacktrace],
        to_json=naming.event_to_json(cat, ev),
        to_json_doc=(f"Writes {ev.name} as canonical JSON (no context) into buf[0..cap) and "
                     "returns the length needed, like snprintf; NULL ev returns 0; no malloc."),
        emit=naming.event_emit(cat, ev),
        emit_doc=(f"Hands {ev.name} to the runtime (values copied; thread-safe)"
                  + ("; *out (may be NULL) receives the lifecycle handle (trace id and this "
                     "event's span id; all-zero when not accepted), which its follow events' "
                     "constructors take and beacon_context_push_lifecycle makes the current "
                     "context" if begin else "")
                  + "; NULL ev returns BEACON_ERR_INVALID_ARGUMENT."),
        direct=_direct_view(cat, ev, fields) if direct_emit(ev) else None,
        begin=begin,
        follow=follow,
        json_max_const=naming.event_json_max(cat, ev) if json_max else None,
        json_max=json_max,
        desc=naming.event_desc(cat, ev),
        fields_array=_priv(cat, f"{mangled}_fields") if fields else None,
        state=_priv(cat, f"{mangled}_state"),
        # C callers get an inline form of _emit (an event the configuration
        # refuses costs no call), except for deprecated events, whose
        # warning belongs to the caller's use of the function.
        inline_emit=(View(emit=_priv(cat, f"{mangled}_emit_inline"),
                           kept=_priv(cat, f"{mangled}_emit_kept"))
                      if not ev.deprecated else None),
        catalog_desc=naming.catalog_desc(cat),
        category=ev.category,
        description=ev.description,
        level_const=f"BEACON_LEVEL_{ev.level.upper()}",
        correlation_const=f"BEACON_CORR_{ev.correlation.upper()}",
        kind_const=KIND[ev.kind],
        sample_rate=ev.sample_rate,
        cli=_cli_view(cat, ev, fields),
    )


def _cli_field(cat: Catalog, ev: Event, fv: View) -> View:
    """How the generated CLI fetches field `fv` (by its index) from the
    parsed arguments."""
    f = fv.field
    if f.type.base == "attributes":
        how = "attributes"
    elif f.type.is_list:
        how = "list"
    elif f.type.base == "enum":
        how = "enum"
    else:
        how = "scalar"
    return View(
        how=how,
        index=fv.index,
        items_type=_items_ctype(cat, f) if how == "list" else None,
        enum_type=naming.enum_type(cat, f.type.enum) if how == "enum" else None,
        getter=CLI_GETTER.get(f.type.base) if how == "scalar" else None,
        setter=naming.event_setter(cat, ev, f) if f.optional else None,
    )


def _cli_view(cat: Catalog, ev: Event, fields: List[View]) -> View:
    return View(
        fn=_priv(cat, f"cli_{naming.mangle(ev.name)}"),
        required=[_cli_field(cat, ev, fv) for fv in fields if not fv.optional],
        optional=[_cli_field(cat, ev, fv) for fv in fields if fv.optional],
        span_event=ev.kind != "event",
    )


# --- spans -------------------------------------------------------------------

def _finish_view(ev: View, start: View, extra: Dict[str, str]) -> View:
    """What the span's end/fail passes to `ev`'s _make (the span's start
    values, plus the `extra` locals by field name) and which optional start
    fields it copies over."""
    args = []
    for fv in ev.required:
        if fv.name in extra:
            args.append(View(local=extra[fv.name], start_member=None))
        else:
            args.extend(View(local=None, start_member=m) for m in fv.value_members)
    src = {fv.name: fv for fv in start.fields}
    copies = [View(setter=sv.name, field=src[sv.field.name]) for sv in ev.setters
              if sv.field.name in src]
    # Optional fields the span adds (the error message): set from a local
    # when it is not NULL.
    sets = [View(setter=sv.name, local=extra[sv.field.name]) for sv in ev.setters
            if sv.field.name not in src and sv.field.name in extra]
    return View(event=ev, args=args, copies=copies, sets=sets)


def _span_view(cat: Catalog, s: Span, evs: Dict[str, View]) -> View:
    start, stop, exc = evs[s.start.name], evs[s.stop.name], evs[s.exception.name]
    st = naming.span_type(cat, s)
    names = {naming.field_member(f) for f in s.fields} | {
        naming.field_count_member(f) for f in s.fields if _is_seq(f)}
    local = unique("span", names)
    setters = []
    for sv in start.setters:
        f = sv.field.field
        setters.append(View(
            name=naming.span_setter(cat, s, f),
            event_setter=sv.name,
            field=sv.field,
            deprecated=s.deprecated or f.deprecated,
            doc=(f"Sets optional field {f.name}{_doc_field(f)} on the span; it is reported "
                 f"by {s.stop.name} / {s.exception.name} (the start event is already sent); "
                 + sv.own.replace("emit returns", "end/fail returns") + "; NULL span is a no-op."),
        ))
    what = c_comment(s.description) or f"Span {s.name}."
    message = cat.span_naming.error_message
    fail_extra = {"duration_ns": "duration_ns", "error_type": "error_type"}
    fail_params = ", const char *error_type"
    fail_doc = (f"Closes the span and emits {s.exception.name} with its duration and "
                "error_type (borrowed for the call)")
    if message:
        fail_extra[message] = "message"
        fail_params += ", const char *message"
        fail_doc += (f", and message as {message} (scrubbed; borrowed for the call; "
                     "NULL leaves it out)")
    return View(
        name=s.name,
        type=st,
        local=local,
        doc=f"{s.name}: {what} Open span: its ids and the field values end/fail reuse.",
        start=start,
        deprecated=s.deprecated,
        begin=naming.span_begin(cat, s),
        begin_params=[p for fv in start.required for p in fv.params],
        make_args=[p for fv in start.required for p in fv.value_params],
        begin_deprecated=first_deprecation(s.deprecated,
                                           *(f.deprecated for f in s.fields if not f.optional)),
        begin_doc=(f"Opens span {s.name} and emits {s.start.name}; strings and lists are "
                   "borrowed until end/fail returns. Thread-safe."),
        setters=setters,
        end=naming.span_end(cat, s),
        end_finish=_finish_view(stop, start, {"duration_ns": "duration_ns"}),
        end_doc=(f"Closes the span and emits {s.stop.name} with its duration; "
                 "NULL span returns BEACON_ERR_INVALID_ARGUMENT."),
        fail=naming.span_fail(cat, s),
        fail_finish=_finish_view(exc, start, fail_extra),
        fail_params=fail_params,
        fail_doc=fail_doc + "; NULL span returns BEACON_ERR_INVALID_ARGUMENT.",
        scoped=naming.span_scoped(cat, s),
        end_scope=naming.span_end_scope(cat, s),
        scoped_variadic=bool(start.required),
    )


# --- enums -------------------------------------------------------------------

def _enum_view(cat: Catalog, e: Enum) -> View:
    base = naming.mangle(e.name)
    values = [View(
        const=naming.enum_value_const(cat, e, v),
        number=i,
        name=v.name,
        wire=wire.enum_value_wire(v),
        comment=c_comment(v.description),
        description=v.description,
        deprecated=1 if v.deprecated else 0,
        deprecation=v.deprecated,
    ) for i, v in enumerate(e.values)]
    return View(
        enum=e,
        name=e.name,
        type=naming.enum_type(cat, e),
        doc=f"{e.name}: {c_comment(e.description) or 'Catalog enum ' + e.name + '.'}",
        values=values,
        count_const=naming.enum_count_const(cat, e),
        count=len(e.values),
        to_string=naming.enum_to_string(cat, e),
        from_string=naming.enum_from_string(cat, e),
        desc=naming.enum_desc(cat, e),
        names_array=_priv(cat, f"{base}_names"),
        descriptions_array=_priv(cat, f"{base}_descriptions"),
        deprecated_array=_priv(cat, f"{base}_deprecated"),
        size_check=_priv(cat, f"{base}_is_int_sized"),
    )


# --- usage example -----------------------------------------------------------

_EXAMPLE_ARG = {"bool": "true", "int": "1", "uint": "1", "double": "0.5",
                "string": '"text"', "timestamp": "0", "duration": "1000"}


def _example(cat: Catalog) -> Optional[View]:
    """A short @code example for the header, built on the first declared
    event that needs no trace id from another event: its _make arguments and
    one optional scalar field to set."""
    ev = next((e for e in cat.events if e.kind == "event" and e.correlation != "follow"), None)
    if ev is None:
        return None
    args = []
    for f in ev.required_fields:
        if _is_seq(f):
            args += ["NULL", "0"]
        elif f.type.base == "enum":
            args.append(naming.enum_value_const(cat, f.type.enum, f.type.enum.values[0]))
        else:
            args.append(_EXAMPLE_ARG[f.type.base])
    opt = next((f for f in ev.optional_fields if not _is_seq(f)), None)
    setter = setter_arg = None
    if opt is not None:
        setter = naming.event_setter(cat, ev, opt)
        setter_arg = (naming.enum_value_const(cat, opt.type.enum, opt.type.enum.values[0])
                      if opt.type.base == "enum" else _EXAMPLE_ARG[opt.type.base])
    return View(
        type=naming.event_type(cat, ev),
        make=naming.event_make(cat, ev),
        args=args,
        setter=setter,
        setter_arg=setter_arg,
        emit=naming.event_emit(cat, ev),
        begin=ev.correlation == "begin",
    )


# --- catalog -----------------------------------------------------------------

def catalog_view(cat: Catalog, version: str) -> View:
    enums = [_enum_view(cat, e) for e in cat.enums]
    events = [_event_view(cat, ev) for ev in cat.events]
    by_name = {v.name: v for v in events}
    spans = [_span_view(cat, s, by_name) for s in cat.spans]
    context = []
    for i, f in enumerate(cat.context):
        string = f.type.base == "string" and not f.type.is_list
        context.append(View(
            name=f.name,
            index=i,
            setter=naming.context_setter(cat, f),
            param=_var(_elem_ctype(cat, f), naming.field_member(f)),
            # A NULL string unsets the context field.
            null_unsets=string,
            deprecated=f.deprecated,
            doc=(f"Sets context field {f.name}{_doc_field(f)} for the calling thread "
                 f"({'copied; NULL unsets' if string else 'copied'}); it appears in every "
                 "event of the catalog this thread emits."),
            desc=field_desc(cat, None, f, -1),
        ))
    source = cat.source_path.replace("\\", "/")
    header = naming.header_file(cat)
    return View(
        name=cat.name,
        prefix=cat.prefix,
        version=version,
        catalog_version=int(cat.version),
        abi=ABI,
        source=c_comment(source),
        hash=cat.source_hash,
        header=header,
        source_file=naming.source_file(cat),
        cli_file=naming.cli_file(cat),
        cli_program=naming.cli_program(cat),
        guard=naming.include_guard(cat),
        abi_error=f"{header} was generated for beacon ABI {ABI}",
        description=cat.description,
        enums=enums,
        events=events,
        spans=spans,
        context=context,
        context_clear=naming.context_clear(cat),
        example=_example(cat),
        event_id_type=naming.event_id_type(cat),
        event_count_const=naming.event_count_const(cat),
        event_count=len(events),
        event_names=naming.event_name_table(cat),
        event_descs=naming.event_desc_table(cat),
        catalog_desc=naming.catalog_desc(cat),
        enums_array=_priv(cat, "enums"),
        context_array=_priv(cat, "context"),
        cli_events=_priv(cat, "cli_events"),
    )
