"""C-level view of a catalog: everything the templates print, computed once.

render.py hands these views to the Jinja2 templates, which only lay them out
(STYLE rule 8). Public C names come from naming.py; this module adds C types,
parameter lists, wrapper bodies, descriptor initializers, the file-private
`<prefix>__*` names of the .c files and the JSON_MAX bound.
"""
from __future__ import annotations

from types import SimpleNamespace as View
from typing import Dict, List, Optional, Tuple

from . import naming
from .model import Catalog, Enum, Event, Field, Span

ABI = 2

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


def decl(ctype: str, name: str) -> str:
    """`const char *` + `x` -> `const char *x`; `int64_t` + `x` -> `int64_t x`."""
    return f"{ctype}{name}" if ctype.endswith("*") else f"{ctype} {name}"


def unique(base: str, taken) -> str:
    name = base
    while name in taken:
        name += "_"
    return name


def _int_lit(v: int) -> str:
    if v == -(2 ** 63):
        return "INT64_MIN"
    return f"INT64_C({v})"


def _double_lit(v: float) -> str:
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
        longest = max((_json_str_len(v.name) for v in f.type.enum.values), default=2)
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
        data += _key(f.name) + v
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
    total += _key("truncated") + 2 + sum(_json_str_len(f.name) + 1 for f in ev.fields)
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


def _bound(f: Field, v) -> str:
    if v is None:
        return {"uint": "{.u = 0}", "double": "{.d = 0.0}"}.get(f.type.base, "{.i = 0}")
    if f.type.base == "uint":
        return "{.u = UINT64_C(%d)}" % int(v)
    if f.type.base == "double":
        return "{.d = %s}" % _double_lit(v)
    return "{.i = %s}" % _int_lit(int(v))


def _pii(f: Field) -> str:
    return "BEACON_PII_" + (f.pii or "none").upper()


def field_desc_lines(cat: Catalog, ev_type: Optional[str], f: Field,
                     presence_bit: int) -> List[str]:
    """Designated initializer members of one beacon_field_desc (all of them,
    so the data reads the same whatever the compiler's warning set)."""
    flags = []
    if f.optional:
        flags.append("BEACON_FIELD_OPTIONAL")
    if f.deprecated:
        flags.append("BEACON_FIELD_DEPRECATED")
    if f.min is not None:
        flags.append("BEACON_FIELD_HAS_MIN")
    if f.max is not None:
        flags.append("BEACON_FIELD_HAS_MAX")
    member = naming.field_member(f)
    if ev_type is None:
        offset = count_offset = "0"
    else:
        offset = f"(uint32_t)offsetof({ev_type}, {member})"
        count_offset = (f"(uint32_t)offsetof({ev_type}, {naming.field_count_member(f)})"
                        if _is_seq(f) else "0")
    enum_desc = ("&" + naming.enum_desc(cat, f.type.enum)) if f.type.base == "enum" else "NULL"
    return [
        f".name = {c_string(f.name)}",
        f".description = {c_string(f.description)}",
        f".unit = {c_string(f.unit)}",
        f".type = {BEACON_TYPE[f.type.base]}",
        f".is_list = {1 if f.type.is_list else 0}",
        f".pii = {_pii(f)}",
        f".flags = {' | '.join(flags) if flags else '0'}",
        f".presence_bit = {presence_bit}",
        f".offset = {offset}",
        f".count_offset = {count_offset}",
        f".enum_desc = {enum_desc}",
        f".min = {_bound(f, f.min)}",
        f".max = {_bound(f, f.max)}",
        f".max_length = {f.max_length or 0}",
        f".max_items = {f.max_items or 0}",
    ]


# Functions the wrapper bodies call; a parameter of that name would shadow them.
_CALLED = frozenset(("memset", "beacon_gen_span_start", "beacon_gen_span_finish",
                     "beacon_gen_emit", "beacon_gen_to_json", "beacon_gen_context_set"))


def _param(member: str, taken) -> str:
    """Parameter name for a struct member: the member name, unless that
    would shadow a function the wrapper calls."""
    return unique(member, set(taken) | _CALLED) if member in _CALLED else member


def _field_view(cat: Catalog, ev: Event, ev_type: str, f: Field, index: int,
                presence_bit: int, ptr: str, taken) -> View:
    member = naming.field_member(f)
    seq = _is_seq(f)
    if seq:
        count_member = naming.field_count_member(f)
        items_t = _items_ctype(cat, f)
        kind = "attributes: entries + count" if f.type.base == "attributes" else "list: items + count"
        desc = c_comment(f.description)
        members = [View(decl=decl(items_t, member), comment=f"{desc} ({kind})" if desc else kind),
                   View(decl=decl("size_t", count_member), comment="")]
        value_members = [member, count_member]
        value_params = [_param(m, taken) for m in value_members]
        make_params = [decl(items_t, value_params[0]), decl("size_t", value_params[1])]
        setter_params = [decl(items_t, "items"), "size_t count"]
        setter_args = ["items", "count"]
        setter_store = [f"{ptr}->{member} = items;", f"{ptr}->{count_member} = count;"]
    else:
        ctype = _elem_ctype(cat, f)
        comment = c_comment(f.description)
        if f.type.base == "string":
            comment = (comment + " " if comment else "") + "(borrowed until emit returns)"
            comment = comment[1:-1] if comment.startswith("(") else comment
        members = [View(decl=decl(ctype, member), comment=comment)]
        value_members = [member]
        value_params = [_param(member, taken)]
        make_params = [decl(ctype, value_params[0])]
        setter_params = list(make_params)
        setter_args = list(value_params)
        setter_store = [f"{ptr}->{member} = {value_params[0]};"]
    byte, bit = divmod(presence_bit, 8) if presence_bit >= 0 else (0, 0)
    mask = 1 << bit
    set_bit = f"{ptr}->present[{byte}] = (uint8_t)({ptr}->present[{byte}] | 0x{mask:02X}u);"
    clear_bit = f"{ptr}->present[{byte}] = (uint8_t)({ptr}->present[{byte}] & 0x{0xFF ^ mask:02X}u);"
    if f.optional and f.type.base == "string" and not f.type.is_list:
        setter_body = [f"if ({value_params[0]} == NULL) {{", f"    {clear_bit}", "} else {",
                       f"    {set_bit}", "}"] + setter_store
    else:
        setter_body = [set_bit] + setter_store
    return View(
        field=f,
        name=f.name,
        index=index,
        member=member,
        seq=seq,
        optional=f.optional,
        members=members,
        make_params=make_params,
        value_members=value_members,
        value_params=value_params,
        setter_params=setter_params,
        setter_args=setter_args,
        setter_body=setter_body,
        present_byte=byte,
        present_mask=f"0x{mask:02X}u",
        presence_bit=presence_bit,
        clear_bit=clear_bit,
    )


def _doc_field(f: Field) -> str:
    d = c_comment(f.description)
    return f" ({d.rstrip('.')})" if d else ""


# --- events ------------------------------------------------------------------

def _capture_view(cat: Catalog, ev: Event, ev_type: str, ptr: str, fv: View) -> View:
    """The capture helper of a `stacktrace: true` field: the caller's frames
    into caller memory (bt), then the field pointed at them. Skip 1 leaves out
    the helper itself, so the first frame is the code that failed."""
    f = fv.field
    items, count = f"{ptr}->{fv.value_members[0]}", f"{ptr}->{fv.value_members[1]}"
    body = [f"if ({ptr} == NULL || bt == NULL) {{", "    return 0;", "}",
            "size_t n = beacon_backtrace_capture(bt, 1);"]
    if f.optional:
        # No frames (no backtrace() on this platform) leaves the field unset:
        # an empty list would claim the stack was empty.
        setter = naming.event_setter(cat, ev, f)
        body += ["if (n == 0) {", f"    {fv.clear_bit}",
                 f"    {items} = NULL;", f"    {count} = 0;",
                 "} else {", f"    {setter}({ptr}, bt->frames, n);", "}"]
    else:
        body += [f"{items} = bt->frames;", f"{count} = n;"]
    body.append("return n;")
    unset = "left unset" if f.optional else "set to an empty list"
    return View(
        name=naming.event_capture(cat, ev, f),
        params=f"{ev_type} *{ptr}, beacon_backtrace *bt",
        body=body,
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
# or, for begin events (a new trace id for the caller), beacon_gen_reserve /
# beacon_gen_commit. It checks inline what the runtime would reject and hands
# anything rejected to beacon_gen_emit, which reports and counts it; lists
# and attributes always take that path.

_DIRECT_TYPES = frozenset(("bool", "int", "uint", "double", "string", "timestamp",
                           "duration", "enum"))
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2 ** 63), 2 ** 63 - 1, 2 ** 64 - 1


def direct_emit(ev: Event) -> bool:
    """True when the generated _emit of `ev` writes its record directly."""
    return all(not f.type.is_list and f.type.base in _DIRECT_TYPES for f in ev.fields)


def _rejects(cat: Catalog, fv: View) -> List[str]:
    """C conditions, each true when the runtime's validation would reject
    the field's value (emit.c check_value / validate_field)."""
    f, v = fv.field, f"ev->{fv.member}"
    base = f.type.base
    out: List[str] = []
    if base == "string":
        if not f.optional:
            out.append(f"{v} == NULL")
        return out
    if base == "enum":
        out += [f"(int){v} < 0", f"(int){v} >= {naming.enum_count_const(cat, f.type.enum)}"]
    elif base == "double":
        tests = []
        if f.min is not None:
            tests.append(f"{v} >= {_double_lit(f.min)}")
        if f.max is not None:
            tests.append(f"{v} <= {_double_lit(f.max)}")
        if tests:  # negated, so NaN is rejected whenever there is a bound
            out.append(f"!({' && '.join(tests)})")
    elif base == "uint":
        if f.min is not None and int(f.min) > 0:
            out.append(f"{v} < UINT64_C({int(f.min)})")
        if f.max is not None and int(f.max) < _UINT64_MAX:
            out.append(f"{v} > UINT64_C({int(f.max)})")
    elif base in ("int", "timestamp", "duration"):
        if f.min is not None and int(f.min) > _INT64_MIN:
            out.append(f"{v} < {_int_lit(int(f.min))}")
        if f.max is not None and int(f.max) < _INT64_MAX:
            out.append(f"{v} > {_int_lit(int(f.max))}")
    if f.optional:
        present = f"(ev->present[{fv.present_byte}] & {fv.present_mask}) != 0"
        out = [f"({present} && {x})" for x in out]
    return out


def _direct_emit(cat: Catalog, ev: Event, t: str, fields: List[View],
                 begin: bool) -> Tuple[List[str], List[str]]:
    """The direct _emit of `ev`: (top-level helper functions, statements of
    the _emit after its NULL check).

    Non-begin events: the time-stamp counter is read first, so that its
    latency overlaps the checks; beacon_gen_claim takes the plain case inline
    with no call, and anything else (context, spans, sampling draws, a full
    ring) goes to an out-of-line helper that calls beacon_gen_begin /
    beacon_gen_end, so the common path stays small. Both copy the record
    with one fill helper."""
    out_trace = "out_trace" if begin else "NULL"
    fallback = f"return beacon_gen_emit(&ev->hdr, {out_trace});"
    rejects = [f"ev->hdr.desc != &{naming.event_desc(cat, ev)}"]
    for fv in fields:
        rejects += _rejects(cat, fv)
    body = [] if begin else ["uint64_t ticks = beacon_gen_ticks();"]
    body += ["/* What the runtime would reject goes the descriptor-driven way, which",
             " * reports and counts it. */"]
    body.append("if (" + rejects[0] + (" ||" if len(rejects) > 1 else ") {"))
    for i, r in enumerate(rejects[1:], 1):
        body.append("    " + r + (" ||" if i < len(rejects) - 1 else ") {"))
    body += ["    " + fallback, "}"]
    body.append("size_t size = BEACON_GEN_RECORD_STRUCT_OFFSET + BEACON_GEN_ALIGN8(sizeof *ev);")
    # (member, value expression, length local, parameter declarations,
    # arguments). Locals are named len_<member> and str_<member>: a member
    # name cannot turn them into an identifier the code uses (a field named
    # beacon_gen_kept would make <member>_len the scan function's name).
    strings = []
    for fv in fields:
        f = fv.field
        if f.type.base != "string":
            continue
        cut = 0 if f.pii == "scrub" else (f.max_length or 0)
        length = f"len_{fv.member}"
        if f.optional:
            value = f"str_{fv.member}"
            present = f"(ev->present[{fv.present_byte}] & {fv.present_mask}) != 0"
            body += [f"const char *{value} = NULL;",
                     f"size_t {length} = 0;",
                     f"if ({present} && ev->{fv.member} != NULL) {{",
                     f"    {value} = ev->{fv.member};",
                     f"    {length} = beacon_gen_kept_len({value}, {cut});",
                     f"    size += BEACON_GEN_ALIGN8({length} + 1);",
                     "}"]
            params, args = [f"const char *{value}", f"size_t {length}"], [value, length]
        else:
            value = f"ev->{fv.member}"
            body += [f"size_t {length} = beacon_gen_kept_len({value}, {cut});",
                     f"size += BEACON_GEN_ALIGN8({length} + 1);"]
            params, args = [f"size_t {length}"], [length]
        strings.append((fv.member, value, length, params, args))

    fill = _priv(cat, f"{naming.mangle(ev.name)}_fill")
    fill_params = ", ".join(["void *room", f"const {t} *ev"] + [p for s in strings for p in s[3]])
    fill_args = ", ".join(["room", "ev"] + [a for s in strings for a in s[4]])
    helpers = [f"/* Copies {c_comment(ev.name)} into the record reserved at room (its struct copy's",
               " * place)" + (", strings after the struct. */" if strings else ". */"),
               f"static inline void {fill}({fill_params}) {{",
               f"    {t} *copy = ({t} *)room;",
               "    memcpy(copy, ev, sizeof *ev);"]
    if strings:
        helpers += ["    /* Strings follow the struct; their pointers become record offsets. */",
                    "    char *rec = (char *)copy - BEACON_GEN_RECORD_STRUCT_OFFSET;",
                    "    size_t pos = BEACON_GEN_RECORD_STRUCT_OFFSET + BEACON_GEN_ALIGN8(sizeof *ev);"]
        for i, (member, value, length, _, _) in enumerate(strings):
            call = f"beacon_gen_put_string(rec, pos, &copy->{member}, {value}, {length});"
            helpers.append(f"    pos = {call}" if i < len(strings) - 1 else f"    (void){call}")
    helpers.append("}")

    if begin:
        body += ["beacon_gen_slot slot;",
                 f"void *room = beacon_gen_reserve(&ev->hdr, size, &slot, {out_trace});",
                 "if (room == NULL) {", "    return slot.status;", "}",
                 f"{fill}({fill_args});",
                 "return beacon_gen_commit(&slot);"]
        return helpers, body

    slow = _priv(cat, f"{naming.mangle(ev.name)}_emit_slow")
    extra = [p for s in strings for p in s[3]]
    slow_params = ", ".join([f"const {t} *ev", "size_t size", "uint64_t ticks"] + extra)
    slow_args = ", ".join(["ev", "size", "ticks"] + [a for s in strings for a in s[4]])
    helpers += ["",
                f"/* {c_comment(ev.name)} when beacon_gen_claim declines: context, spans, sampling",
                " * draws, a full ring, the runtime's path. */",
                f"static BEACON_GEN_NOINLINE beacon_status {slow}({slow_params}) {{",
                "    beacon_gen_fast fast;",
                "    beacon_gen_slot slot;",
                "    void *room = beacon_gen_begin(&ev->hdr, size, ticks, &fast, &slot);",
                "    if (room == NULL) {",
                "        return slot.status;",
                "    }",
                f"    {fill}({fill_args});",
                "    return beacon_gen_end(&fast, &slot);",
                "}"]
    body += ["beacon_gen_fast fast;",
             "void *room = beacon_gen_claim(&ev->hdr, size, ticks, &fast);",
             "if (room == NULL) {",
             f"    return {slow}({slow_args});",
             "}",
             f"{fill}({fill_args});",
             "return beacon_gen_publish(&fast);"]
    return helpers, body


def _event_view(cat: Catalog, ev: Event) -> View:
    t = naming.event_type(cat, ev)
    names = {naming.field_member(f) for f in ev.fields} | {
        naming.field_count_member(f) for f in ev.fields if _is_seq(f)}
    ptr = unique("ev", names)
    corr = unique("correlation", names)
    fields = []
    opt = 0
    for i, f in enumerate(ev.fields):
        bit = -1
        if f.optional:
            bit = opt
            opt += 1
        fields.append(_field_view(cat, ev, t, f, i, bit, ptr, names))
    n_present = (opt + 7) // 8
    deprecated = ev.deprecated or any(f.deprecated for f in ev.required_fields)
    make_params = []
    if ev.correlation == "follow":
        make_params.append(f"beacon_trace_id {corr}")
    for fv in fields:
        if not fv.optional:
            make_params.extend(fv.make_params)
    # One compound literal, built straight in the caller's memory: zeroing
    # a local and copying it out makes compilers reload freshly stored
    # fields with wider loads (a store-forwarding stall on every _make).
    hdr = f".desc = &{naming.event_desc(cat, ev)}"
    if ev.correlation == "follow":
        hdr += f", .trace_id = {corr}"
    make_body = [f"return ({t}){{", f"    .hdr = {{{hdr}}},"]
    for fv in fields:
        if not fv.optional:
            make_body.extend(f"    .{m} = {p}," for m, p in zip(fv.value_members, fv.value_params))
    make_body.append("};")

    setters = []
    for fv in fields:
        if not fv.optional:
            continue
        f = fv.field
        if fv.seq:
            own = ("items (and keys/strings) borrowed until emit returns; "
                   "items may be NULL only when count is 0")
        elif f.type.base == "string":
            own = "borrowed until emit returns; NULL unsets"
        else:
            own = "stored by value"
        setters.append(View(
            own=own,
            name=naming.event_setter(cat, ev, f),
            params=", ".join([f"{t} *{ptr}"] + fv.setter_params),
            body=[f"if ({ptr} == NULL) {{", "    return;", "}"] + fv.setter_body,
            deprecated=ev.deprecated or f.deprecated,
            doc=(f"Sets optional field {f.name}{_doc_field(f)} and its presence bit; "
                 f"{own}; NULL ev is a no-op."),
            field=fv,
        ))

    captures = [_capture_view(cat, ev, t, ptr, fv) for fv in fields if fv.field.stacktrace]

    desc_fields = [field_desc_lines(cat, t, fv.field, fv.presence_bit) for fv in fields]
    json_max = event_json_max(cat, ev)
    begin = ev.correlation == "begin"
    emit_params = f"const {t} *ev" + (", beacon_trace_id *out_trace" if begin else "")
    if ev.kind == "event":
        what = c_comment(ev.description) or f"Event {ev.name}."
    else:
        what = c_comment(ev.description) or f"Span event {ev.name}."
    state = _priv(cat, f"{naming.mangle(ev.name)}_state")
    direct = _direct_emit(cat, ev, t, fields, begin) if direct_emit(ev) else None
    return View(
        event=ev,
        name=ev.name,
        name_literal=c_string(ev.name),
        type=t,
        id_const=naming.event_id_const(cat, ev),
        doc=f"{ev.name}: {what}",
        deprecated=ev.deprecated,
        fields=fields,
        has_presence=opt > 0,
        present_size=n_present,
        make=naming.event_make(cat, ev),
        make_params=", ".join(make_params) if make_params else "void",
        make_body=make_body,
        make_deprecated=deprecated,
        make_doc=(f"Builds {ev.name} from every required field in catalog order"
                  + ("; correlation is the trace id a begin event returned" if ev.correlation == "follow" else "")
                  + "; strings and lists are borrowed until emit returns."),
        setters=setters,
        captures=captures,
        to_json=naming.event_to_json(cat, ev),
        to_json_doc=(f"Writes {ev.name} as canonical JSON (no context) into buf[0..cap) and "
                     "returns the length needed, like snprintf; NULL ev returns 0; no malloc."),
        emit=naming.event_emit(cat, ev),
        emit_params=emit_params,
        emit_call="beacon_gen_emit(&ev->hdr, out_trace)" if begin else "beacon_gen_emit(&ev->hdr, NULL)",
        emit_helpers=direct[0] if direct else None,
        emit_body=direct[1] if direct else None,
        emit_doc=(f"Hands {ev.name} to the runtime (values copied; thread-safe)"
                  + ("; *out_trace (may be NULL) receives the new trace id" if begin else "")
                  + "; NULL ev returns BEACON_ERR_INVALID_ARGUMENT."),
        begin=begin,
        follow=ev.correlation == "follow",
        json_max_const=naming.event_json_max(cat, ev),
        json_max=json_max,
        json_max_value=naming.event_json_max(cat, ev) if json_max else "0",
        desc=naming.event_desc(cat, ev),
        fields_array=_priv(cat, f"{naming.mangle(ev.name)}_fields") if fields else "NULL",
        desc_fields=desc_fields,
        state=state,
        desc_lines=[
            f".catalog = &{naming.catalog_desc(cat)}",
            f".name = {c_string(ev.name)}",
            f".category = {c_string(ev.category)}",
            f".description = {c_string(ev.description)}",
            f".id = {naming.event_id_const(cat, ev)}",
            f".level = BEACON_LEVEL_{ev.level.upper()}",
            f".correlation = BEACON_CORR_{ev.correlation.upper()}",
            f".kind = {KIND[ev.kind]}",
            f".deprecated = {1 if ev.deprecated else 0}",
            f".sample_rate = {_double_lit(ev.sample_rate)}",
            f".struct_size = (uint32_t)sizeof({t})",
            ".presence_offset = " + (f"(uint32_t)offsetof({t}, present)" if opt else "0"),
            ".fields = " + (_priv(cat, f"{naming.mangle(ev.name)}_fields") if fields else "NULL"),
            f".field_count = {len(fields)}",
            ".json_max = " + (naming.event_json_max(cat, ev) if json_max else "0"),
            f".state = &{state}",
        ],
        cli=_cli_view(cat, ev, fields),
    )


def _cli_value(cat: Catalog, f: Field, i: int) -> Tuple[List[str], List[str]]:
    """(statements, argument expressions) fetching field `i` from the CLI."""
    if f.type.base == "attributes":
        return ([f"size_t count_{i} = 0;",
                 f"const beacon_attr *items_{i} = beacon_cli_attrs(cli, {i}, &count_{i});"],
                [f"items_{i}", f"count_{i}"])
    if f.type.is_list:
        return ([f"size_t count_{i} = 0;",
                 f"const void *items_{i} = beacon_cli_list(cli, {i}, &count_{i});"],
                [f"({_items_ctype(cat, f)})items_{i}", f"count_{i}"])
    if f.type.base == "enum":
        return [], [f"({naming.enum_type(cat, f.type.enum)})beacon_cli_enum(cli, {i})"]
    return [], [f"{CLI_GETTER[f.type.base]}(cli, {i})"]


def _cli_view(cat: Catalog, ev: Event, fields: List[View]) -> View:
    pre: List[str] = []
    args: List[str] = []
    if ev.correlation == "follow":
        pre += ["const beacon_trace_id *correlation = beacon_cli_correlation(cli);",
                "if (correlation == NULL) {", "    return 2;", "}"]
        args.append("*correlation")
    for fv in fields:
        if fv.optional:
            continue
        s, a = _cli_value(cat, fv.field, fv.index)
        pre += s
        args += a
    body = pre + [f"{naming.event_type(cat, ev)} ev = {naming.event_make(cat, ev)}({', '.join(args)});"]
    if ev.kind != "event":
        body += ["const beacon_trace_id *trace_id = beacon_cli_correlation(cli);",
                 "if (trace_id != NULL) {", "    ev.hdr.trace_id = *trace_id;", "}"]
    for fv in fields:
        if not fv.optional:
            continue
        s, a = _cli_value(cat, fv.field, fv.index)
        body.append(f"if (beacon_cli_has(cli, {fv.index})) {{")
        body += ["    " + x for x in s]
        body.append(f"    {naming.event_setter(cat, ev, fv.field)}(&ev, {', '.join(a)});")
        body.append("}")
    if ev.correlation == "begin":
        body += ["beacon_trace_id trace;", "memset(&trace, 0, sizeof trace);",
                 f"beacon_status st = {naming.event_emit(cat, ev)}(&ev, &trace);",
                 "return beacon_cli_finish(cli, st, &trace);"]
    else:
        body += [f"beacon_status st = {naming.event_emit(cat, ev)}(&ev);",
                 "return beacon_cli_finish(cli, st, NULL);"]
    return View(fn=_priv(cat, f"cli_{naming.mangle(ev.name)}"), body=body)


# --- spans -------------------------------------------------------------------

def _span_view(cat: Catalog, s: Span, evs: Dict[str, View]) -> View:
    start, stop, exc = evs[s.start.name], evs[s.stop.name], evs[s.exception.name]
    st = naming.span_type(cat, s)
    names = {naming.field_member(f) for f in s.fields} | {
        naming.field_count_member(f) for f in s.fields if _is_seq(f)}
    local = unique("span", names)
    begin_params = []
    make_args = []
    for fv in start.fields:
        if not fv.optional:
            begin_params.extend(fv.make_params)
            make_args.extend(fv.value_params)
    ids = ["hdr.trace_id = {s}.trace_id;", "hdr.span_id = {s}.span_id;",
           "hdr.parent_span_id = {s}.parent_span_id;"]
    begin_body = [f"{st} {local};", f"memset(&{local}, 0, sizeof {local});",
                  f"beacon_gen_span_start(&{local}.state);",
                  f"{local}.start = {start.make}({', '.join(make_args)});"]
    begin_body += [f"{local}.start." + x.format(s=f"{local}.state") for x in ids]
    begin_body += [f"(void){start.emit}(&{local}.start);", f"return {local};"]

    def finish(ev: View, extra: Dict[str, str]) -> List[str]:
        args = []
        for fv in ev.fields:
            if fv.optional:
                continue
            if fv.name in extra:
                args.append(extra[fv.name])
            else:
                args.extend(f"span->start.{m}" for m in fv.value_members)
        body = ["if (span == NULL) {", "    return BEACON_ERR_INVALID_ARGUMENT;", "}",
                "int64_t duration_ns = beacon_gen_span_finish(&span->state);",
                f"{ev.type} ev = {ev.make}({', '.join(args)});"]
        body += ["ev." + x.format(s="span->state") for x in ids]
        src = {fv.name: fv for fv in start.fields}
        for sv in ev.setters:
            fv = src[sv.field.name]
            body.append(f"if ((span->start.present[{fv.present_byte}] & {fv.present_mask}) != 0) {{")
            args = [f"span->start.{m}" for m in fv.value_members]
            body.append(f"    {sv.name}(&ev, {', '.join(args)});")
            body.append("}")
        body.append(f"return {ev.emit}(&ev);")
        return body

    setters = []
    for sv in start.setters:
        f = sv.field.field
        params = ", ".join(sv.field.setter_params)
        setters.append(View(
            name=naming.span_setter(cat, s, f),
            params=f"{st} *{local}, {params}",
            body=[f"if ({local} == NULL) {{", "    return;", "}",
                  f"{sv.name}(&{local}->start, {', '.join(sv.field.setter_args)});"],
            deprecated=s.deprecated or f.deprecated,
            doc=(f"Sets optional field {f.name}{_doc_field(f)} on the span; it is reported "
                 f"by {s.stop.name} / {s.exception.name} (the start event is already sent); "
                 + sv.own.replace("emit returns", "end/fail returns") + "; NULL span is a no-op."),
        ))
    what = c_comment(s.description) or f"Span {s.name}."
    return View(
        name=s.name,
        type=st,
        doc=f"{s.name}: {what} Open span: its ids and the field values end/fail reuse.",
        start_type=start.type,
        deprecated=s.deprecated,
        begin=naming.span_begin(cat, s),
        begin_params=", ".join(begin_params) if begin_params else "void",
        begin_body=begin_body,
        begin_deprecated=s.deprecated or any(f.deprecated for f in s.fields if not f.optional),
        begin_doc=(f"Opens span {s.name} and emits {s.start.name}; strings and lists are "
                   "borrowed until end/fail returns. Thread-safe."),
        setters=setters,
        end=naming.span_end(cat, s),
        end_body=finish(stop, {"duration_ns": "duration_ns"}),
        end_doc=(f"Closes the span and emits {s.stop.name} with duration_ns; "
                 "NULL span returns BEACON_ERR_INVALID_ARGUMENT."),
        fail=naming.span_fail(cat, s),
        fail_body=finish(exc, {"duration_ns": "duration_ns", "error_type": "error_type"}),
        fail_doc=(f"Closes the span and emits {s.exception.name} with duration_ns and "
                  "error_type (borrowed for the call); NULL span returns BEACON_ERR_INVALID_ARGUMENT."),
    )


# --- enums -------------------------------------------------------------------

def _enum_view(cat: Catalog, e: Enum) -> View:
    t = naming.enum_type(cat, e)
    base = naming.mangle(e.name)
    values = []
    for i, v in enumerate(e.values):
        const = naming.enum_value_const(cat, e, v)
        values.append(View(
            const=const,
            number=i,
            decl=(f"{const} BEACON_DEPRECATED_ENUMERATOR = {i}" if v.deprecated else f"{const} = {i}"),
            comment=c_comment(v.description),
            literal=c_string(v.name),
            description=c_string(v.description),
            deprecated=1 if v.deprecated else 0,
        ))
    return View(
        enum=e,
        name_literal=c_string(e.name),
        type=t,
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


def _example(cat: Catalog) -> List[str]:
    """Lines of a short @code example for the header, built on the first
    declared event that needs no trace id from another event."""
    ev = next((e for e in cat.events if e.kind == "event" and e.correlation != "follow"), None)
    if ev is None:
        return []
    args = []
    for f in ev.required_fields:
        if _is_seq(f):
            args += ["NULL", "0"]
        elif f.type.base == "enum":
            args.append(naming.enum_value_const(cat, f.type.enum, f.type.enum.values[0]))
        else:
            args.append(_EXAMPLE_ARG[f.type.base])
    t = naming.event_type(cat, ev)
    lines = [f"{t} ev = {naming.event_make(cat, ev)}({', '.join(args)});"]
    opt = next((f for f in ev.optional_fields if not _is_seq(f)), None)
    if opt is not None:
        arg = (naming.enum_value_const(cat, opt.type.enum, opt.type.enum.values[0])
               if opt.type.base == "enum" else _EXAMPLE_ARG[opt.type.base])
        lines.append(f"{naming.event_setter(cat, ev, opt)}(&ev, {arg});")
    tail = ", &trace" if ev.correlation == "begin" else ""
    if tail:
        lines.append("beacon_trace_id trace;")
    lines.append(f"beacon_status st = {naming.event_emit(cat, ev)}(&ev{tail});")
    return [c_comment(x) for x in lines]


# --- catalog -----------------------------------------------------------------

def catalog_view(cat: Catalog, version: str) -> View:
    enums = [_enum_view(cat, e) for e in cat.enums]
    events = [_event_view(cat, ev) for ev in cat.events]
    by_name = {v.name: v for v in events}
    spans = [_span_view(cat, s, by_name) for s in cat.spans]
    context = []
    for i, f in enumerate(cat.context):
        member = naming.field_member(f)
        if f.type.base == "string" and not f.type.is_list:
            arg = f"{member} != NULL ? (const void *)&{member} : NULL"
            own = "copied; NULL unsets"
        else:
            arg = f"&{member}"
            own = "copied"
        context.append(View(
            name=f.name,
            setter=naming.context_setter(cat, f),
            param=decl(_elem_ctype(cat, f), member),
            body=[f"return beacon_gen_context_set(&{naming.catalog_desc(cat)}, {i}, {arg});"],
            deprecated=f.deprecated,
            doc=(f"Sets context field {f.name}{_doc_field(f)} for the calling thread "
                 f"({own}); it appears in every event of the catalog this thread emits."),
            desc_lines=field_desc_lines(cat, None, f, -1),
        ))
    source = cat.source_path.replace("\\", "/")
    header = naming.header_file(cat)
    return View(
        name=cat.name,
        prefix=cat.prefix,
        version=version,
        abi=ABI,
        source=c_comment(source),
        hash=cat.source_hash,
        header=header,
        source_file=naming.source_file(cat),
        cli_file=naming.cli_file(cat),
        cli_program=naming.cli_program(cat),
        guard=naming.include_guard(cat),
        abi_error=c_string(f"{header} was generated for beacon ABI {ABI}"),
        description=c_comment(cat.description),
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
        catalog_lines=[
            ".abi = BEACON_GEN_ABI",
            f".name = {c_string(cat.name)}",
            f".prefix = {c_string(cat.prefix)}",
            f".hash = {c_string(cat.source_hash)}",
            f".version = {_int_lit(int(cat.version))}",
            f".description = {c_string(cat.description)}",
            f".events = {naming.event_desc_table(cat) if events else 'NULL'}",
            f".event_count = {len(events)}",
            f".enums = {_priv(cat, 'enums') if enums else 'NULL'}",
            f".enum_count = {len(enums)}",
            f".context = {_priv(cat, 'context') if context else 'NULL'}",
            f".context_count = {len(context)}",
        ],
    )
