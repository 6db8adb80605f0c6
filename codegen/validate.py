"""Checks a catalog (format version 1) and builds the model the renderer reads.

loader.py turns the file into position-carrying YAML nodes; this module walks
them, reports every problem it finds in one run (each at the line and column
of the offending key or value), and returns a model.Catalog only when there is
no error. Name collisions in the generated C are judged by naming.py's list of
generated symbols, so the validator and the renderer cannot disagree.

Rules worth knowing beyond the format itself:
- A field whose name looks like personal data gets a warning (an error with
  strict=True) unless it sets `pii:`. Only fields `pii:` can apply to are
  checked (string, list<string>, attributes): a bool such as
  `has_patient_info` cannot carry the data itself. The name matches when one
  of its `_`-separated words is in PII_TOKENS, or when the whole name is in
  PII_NAMES; a bare `name` token is too common (file_name, dataset_name) to
  match on its own.
- `stacktrace: true` marks a list<string> event field as stack frames; the
  generator adds a capture helper for it. Span fields cannot take it: the
  span's end/fail build their events themselves.
- Mapping keys are taken as written, so an enum value may be called `yes` or
  `off` even though YAML 1.1 would read those as booleans.
- Numbers such as `1e9`, which YAML 1.1 reads as strings, are accepted where
  a number is expected.
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from . import naming
from .loader import load_source, node_pos
from .model import (CORRELATIONS, DURATION_UNITS, LEVELS, PII_POLICIES, SCALAR_TYPES, Catalog,
                    Deprecation, Diagnostic, Enum, EnumValue, Event, Field, Pos, Span,
                    SpanNaming, Type)
from .suggest import closest, did_you_mean

FORMAT_VERSION = 1

NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
EVENT_NAME_RE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*\Z")
LIST_RE = re.compile(r"list<(.*)>\Z", re.S)
# Floats YAML 1.1 leaves as strings because they lack a dot ("1e9", "-2E+3").
BARE_EXP_FLOAT_RE = re.compile(r"[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+\Z")
# A JSON key given with `key:`, and an enum value's wire string: characters
# that need no escaping in JSON or C.
WIRE_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
WIRE_VALUE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/+-]*\Z")

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
UINT64_MAX = 2 ** 64 - 1
UINT32_MAX = 2 ** 32 - 1

BUILTIN_TYPES = SCALAR_TYPES + ("attributes",)
NUMERIC_TYPES = frozenset(("int", "uint", "double", "timestamp", "duration"))
INTEGER_TYPES = frozenset(("int", "uint", "timestamp", "duration"))

TOP_KEYS = ("beacon", "catalog", "prefix", "version", "description", "enums", "context",
            "events", "spans", "span_events")
ENUM_KEYS = ("description", "values")
ENUM_VALUE_KEYS = ("description", "deprecated", "wire")
SPAN_EVENTS_KEYS = ("start", "stop", "failure", "duration_unit", "error_message")
EVENT_KEYS = ("description", "category", "level", "correlation", "sample_rate", "deprecated",
              "fields")
SPAN_KEYS = ("description", "category", "level", "sample_rate", "deprecated", "fields")
FIELD_KEYS = ("type", "optional", "min", "max", "max_length", "max_items", "unit", "pii",
              "description", "deprecated", "stacktrace", "key", "default")

PII_TOKENS = frozenset("""email mail phone mobile address street postcode zip mrn ssn dob
    birthdate ip ipaddr passport iban card patient firstname lastname fullname
    username""".split())
PII_NAMES = frozenset("name first_name last_name full_name user_name".split())

# Lower-case names the C standard library defines as macros or objects; a
# struct member or parameter of that name breaks the generated code.
C_RESERVED = frozenset("""errno assert offsetof stdin stdout stderr noreturn complex
    imaginary setjmp va_arg va_start va_end va_copy""".split())
# Members generated event structs have besides the fields (opt_ holds the
# optional scalars).
STRUCT_MEMBERS = ("hdr", "present", "opt_")
# Fields a span adds to its derived stop/exception events.
SPAN_ADDED_FIELDS = ("duration_ns", "error_type")
ERROR_TYPE_MAX_LENGTH = 256
ERROR_MESSAGE_MAX_LENGTH = 1024

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"

NAME_HINT = "use lower snake case ([a-z][a-z0-9_]*)"
EVENT_NAME_HINT = "use dotted lower snake case, e.g. 'upload.received'"

Pairs = List[Tuple[str, yaml.Node, yaml.Node]]
Keys = Dict[str, Tuple[yaml.Node, yaml.Node]]


def looks_personal(name: str) -> bool:
    """True when a field name suggests it carries personal data."""
    return name in PII_NAMES or any(t in PII_TOKENS for t in re.split(r"[_.]", name))


def pii_applies(t: Type) -> bool:
    """Whether a `pii:` policy other than none can act on values of type t."""
    return t.base in ("string", "attributes")


def _one_of(choices: Sequence[str]) -> str:
    return ", ".join(choices)


class _Validator:
    def __init__(self, path: str, strict: bool) -> None:
        self.path = path
        self.strict = strict
        self.diags: List[Diagnostic] = []
        self._ctor = yaml.constructor.SafeConstructor()
        self.enums: Dict[str, Enum] = {}
        self.follow_nodes: List[Tuple[str, yaml.Node]] = []
        self.has_begin = False

    # --- reporting ----------------------------------------------------------

    def pos(self, node: yaml.Node) -> Pos:
        return node_pos(self.path, node)

    def error(self, node: yaml.Node, message: str) -> None:
        self.diags.append(Diagnostic(self.pos(node), "error", message))

    def warning(self, node: yaml.Node, message: str) -> None:
        self.diags.append(Diagnostic(self.pos(node), "warning", message))

    # --- node helpers -------------------------------------------------------

    @staticmethod
    def is_null(node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.tag == _NULL

    @staticmethod
    def is_str(node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.tag == _STR

    @staticmethod
    def shown(node: yaml.Node) -> str:
        """A node as quoted in messages: strings quoted, other scalars as written."""
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        if node.tag == _NULL:
            return "nothing" if node.value in ("", "~") else node.value
        if node.tag == _STR:
            return f"'{node.value}'"
        return node.value

    def scalar(self, node: yaml.Node):
        """The Python value of a scalar node (None for non-scalars)."""
        if not isinstance(node, yaml.ScalarNode):
            return None
        try:
            return self._ctor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value

    def number(self, node: yaml.Node):
        """int or float for a numeric scalar, else None (bools are not numbers)."""
        if not isinstance(node, yaml.ScalarNode):
            return None
        if node.tag in (_INT, _FLOAT):
            v = self.scalar(node)
            return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        if node.tag == _STR and not node.style and BARE_EXP_FLOAT_RE.match(node.value):
            return float(node.value.replace("_", ""))
        return None

    def integer(self, node: yaml.Node) -> Optional[int]:
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT:
            v = self.scalar(node)
            if isinstance(v, int) and not isinstance(v, bool):
                return v
        return None

    def pairs(self, node: yaml.Node, what: str, expected: str = "a mapping") -> Optional[Pairs]:
        """(name, key node, value node) of a mapping in file order; [] for an
        empty value; None (after reporting) for anything else."""
        if self.is_null(node):
            return []
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be {expected}, got {self.shown(node)}")
            return None
        out: Pairs = []
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.tag == _MERGE:
                self.error(k, "merge keys ('<<') are not supported")
            elif not isinstance(k, yaml.ScalarNode):
                self.error(k, f"keys in {what} must be names, got {self.shown(k)}")
            else:
                out.append((k.value, k, v))
        return out

    def keys(self, pairs: Pairs, allowed: Sequence[str], what: str) -> Keys:
        found: Keys = {}
        for name, k, v in pairs:
            if name not in allowed:
                self.error(k, f"unknown key '{name}' in {what}{did_you_mean(name, allowed)}")
            else:
                found[name] = (k, v)
        return found

    @staticmethod
    def subject(key: str, what: Optional[str]) -> str:
        return f"{key} of {what}" if what else key

    def text(self, d: Keys, key: str, what: Optional[str]) -> Optional[str]:
        if key not in d:
            return None
        node = d[key][1]
        if not self.is_str(node):
            self.error(node, f"{self.subject(key, what)} must be a string, got {self.shown(node)}")
            return None
        return node.value

    def flag(self, d: Keys, key: str, what: str) -> bool:
        if key not in d:
            return False
        node = d[key][1]
        v = self.scalar(node) if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL else None
        if not isinstance(v, bool):
            self.error(node, f"{key} of {what} must be true or false, got {self.shown(node)}")
            return False
        return v

    def deprecation(self, d: Keys, what: str) -> Deprecation:
        """`deprecated:` is true/false or the reason (a non-empty string)."""
        if "deprecated" not in d:
            return False
        node = d["deprecated"][1]
        if self.is_str(node):
            reason = " ".join(node.value.split())
            if reason:
                return reason
        elif isinstance(node, yaml.ScalarNode) and node.tag == _BOOL:
            return bool(self.scalar(node))
        self.error(node, f"deprecated of {what} must be true, false or a reason, "
                         f"got {self.shown(node)}")
        return False

    def choice(self, d: Keys, key: str, label: str, choices: Sequence[str], what: str,
               default: str) -> str:
        if key not in d:
            return default
        node = d[key][1]
        if not self.is_str(node):
            self.error(node, f"{key} of {what} must be one of {_one_of(choices)}, "
                             f"got {self.shown(node)}")
            return default
        if node.value not in choices:
            best = closest(node.value, choices)
            hint = f"; did you mean '{best}'?" if best else f"; expected one of {_one_of(choices)}"
            self.error(node, f"unknown {label} '{node.value}' in {what}{hint}")
            return default
        return node.value

    def description(self, d: Keys, what: str) -> Optional[str]:
        return self.text(d, "description", what)

    # --- catalog ------------------------------------------------------------

    def catalog(self, root: yaml.Node) -> Optional[Catalog]:
        top = self.pairs(root, "the catalog")
        if top is None:
            return None
        d = self.keys(top, TOP_KEYS, "catalog")
        for key in ("beacon", "catalog"):
            if key not in d:
                self.error(root, f"missing required key '{key}' in catalog")

        fmt = FORMAT_VERSION
        if "beacon" in d:
            node = d["beacon"][1]
            v = self.integer(node)
            if v is None:
                self.error(node, f"beacon must be the catalog format version {FORMAT_VERSION}, "
                                 f"got {self.shown(node)}")
            elif v != FORMAT_VERSION:
                self.error(node, f"unsupported catalog format version {v}; this generator "
                                 f"reads version {FORMAT_VERSION}")
            else:
                fmt = v

        name = self.catalog_name(d)
        prefix = self.prefix(d, name)

        version = 1
        if "version" in d:
            node = d["version"][1]
            v = self.integer(node)
            if v is None or v < 1 or v > INT64_MAX:
                self.error(node, f"version must be an integer >= 1, got {self.shown(node)}")
            else:
                version = v

        cat = Catalog(name=name or "", prefix=prefix or "", format_version=fmt, version=version,
                      description=self.text(d, "description", None), pos=self.pos(root))

        # Enums first: fields anywhere in the file may refer to them.
        if "enums" in d:
            cat.enums = self.enum_section(d["enums"][1])
        if "context" in d:
            cat.context = self.context_section(d["context"][1])
        declared: List[Event] = []
        if "events" in d:
            declared = self.event_section(d["events"][1])
        if "span_events" in d:
            cat.span_naming = self.span_naming(d["span_events"][1])
        if "spans" in d:
            cat.spans = self.span_section(d["spans"][1], cat.span_naming)

        if not self.has_begin:
            for ev_name, node in self.follow_nodes:
                self.error(node, f"event '{ev_name}' has correlation 'follow' but no event "
                                 f"in the catalog has correlation 'begin'")

        cat.events = declared + self.derived_events(declared, cat.spans, cat.span_naming)
        if name is not None and prefix is not None:
            self.symbol_collisions(cat)
        else:
            # The prefix is broken and already reported; collisions between
            # the catalog's own names do not depend on it, so still report them.
            cat.prefix = "catalog"
            self.symbol_collisions(cat)
            cat.prefix = prefix or ""
        return cat

    def catalog_name(self, d: Keys) -> Optional[str]:
        if "catalog" not in d:
            return None
        node = d["catalog"][1]
        if not self.is_str(node):
            self.error(node, f"catalog must be a string, got {self.shown(node)}")
            return None
        if not NAME_RE.match(node.value):
            self.error(node, f"invalid catalog name '{node.value}'; {NAME_HINT}")
            return None
        return node.value

    def prefix(self, d: Keys, name: Optional[str]) -> Optional[str]:
        if "prefix" in d:
            node = d["prefix"][1]
            if not self.is_str(node):
                self.error(node, f"prefix must be a string, got {self.shown(node)}")
                return None
            value, source = node.value, ""
            if not NAME_RE.match(value):
                self.error(node, f"invalid prefix '{value}'; {NAME_HINT}")
                return None
        elif name is not None:
            node, value, source = d["catalog"][1], name, " (the default, taken from the catalog name)"
        else:
            return None
        if value in naming.C_KEYWORDS:
            self.error(node, f"prefix '{value}'{source} is a C keyword")
            return None
        if value == "beacon" or value.startswith("beacon_"):
            self.error(node, f"prefix '{value}'{source} is reserved for the runtime's own symbols")
            return None
        return value

    # --- enums --------------------------------------------------------------

    def enum_section(self, node: yaml.Node) -> List[Enum]:
        out: List[Enum] = []
        for name, k, v in self.pairs(node, "enums", "a mapping of enum names to enums") or []:
            if not NAME_RE.match(name):
                self.error(k, f"invalid enum name '{name}'; {NAME_HINT}")
                continue
            if name in BUILTIN_TYPES or name == "list":
                self.error(k, f"enum name '{name}' is a built-in type name")
                continue
            if name in naming.C_KEYWORDS:
                self.error(k, f"enum name '{name}' is a C keyword")
            e = Enum(name=name, values=[], pos=self.pos(k))
            self.enums[name] = e
            out.append(e)
            what = f"enum '{name}'"
            body = self.pairs(v, what)
            if body is None:
                continue
            d = self.keys(body, ENUM_KEYS, what)
            e.description = self.description(d, what)
            if "description" not in d:
                self.warning(k, f"{what} has no description")
            if "values" not in d:
                self.error(k, f"missing required key 'values' in {what}")
                continue
            vk, vv = d["values"]
            values = self.pairs(vv, f"values of {what}",
                                "a mapping of value names to descriptions")
            if values is None:
                continue
            if not values:
                self.error(vk, f"{what} has no values")
            for vname, vkey, vbody in values:
                ev = self.enum_value(vname, vkey, vbody, name)
                if ev is not None:
                    e.values.append(ev)
        return out

    def enum_value(self, name: str, k: yaml.Node, v: yaml.Node, enum: str) -> Optional[EnumValue]:
        if not NAME_RE.match(name):
            self.error(k, f"invalid value name '{name}' in enum '{enum}'; {NAME_HINT}")
            return None
        ev = EnumValue(name=name, pos=self.pos(k))
        what = f"value '{name}' of enum '{enum}'"
        if self.is_null(v):
            return ev
        if self.is_str(v):
            ev.description = v.value
            return ev
        if isinstance(v, yaml.MappingNode):
            d = self.keys(self.pairs(v, what) or [], ENUM_VALUE_KEYS, what)
            ev.description = self.description(d, what)
            ev.deprecated = self.deprecation(d, what)
            if "wire" in d:
                node = d["wire"][1]
                if not self.is_str(node) or not WIRE_VALUE_RE.match(node.value):
                    self.error(node, f"wire of {what} must be a string of letters, digits and "
                                     f"_ . : / + -, got {self.shown(node)}")
                else:
                    ev.wire = node.value
            return ev
        self.error(v, f"{what} must be a description, a mapping or empty, got {self.shown(v)}")
        return None

    # --- fields -------------------------------------------------------------

    def parse_type(self, node: yaml.Node, what: str, context: bool) -> Optional[Type]:
        if not self.is_str(node):
            self.error(node, f"type of {what} must be a string, got {self.shown(node)}")
            return None
        text = node.value
        if any(c.isspace() for c in text):
            self.error(node, f"type '{text}' of {what} must be written without spaces: "
                             f"'{''.join(text.split())}'")
            return None
        candidates = list(BUILTIN_TYPES) + list(self.enums)
        m = LIST_RE.match(text)
        if m:
            inner = m.group(1)
            if inner == "list" or inner.startswith("list<"):
                self.error(node, f"type '{text}' of {what} nests lists; lists cannot be nested")
                return None
            if inner == "attributes":
                self.error(node, f"type '{text}' of {what} is not supported; attributes is "
                                 f"already a collection, use 'attributes'")
                return None
            t = self.element_type(inner)
            if t is None:
                best = closest(inner, candidates)
                hint = f"; did you mean 'list<{best}>'?" if best else ""
                self.error(node, f"unknown type '{inner}' in '{text}' for {what}{hint}")
                return None
            t.is_list = True
        elif text == "list":
            self.error(node, f"type 'list' of {what} needs an element type, e.g. 'list<string>'")
            return None
        elif text.startswith("list<") or text.startswith("list["):
            self.error(node, f"malformed list type '{text}' for {what}; write 'list<T>'")
            return None
        elif text == "attributes":
            t = Type("attributes")
        else:
            t = self.element_type(text)
            if t is None:
                self.error(node, f"unknown type '{text}' for {what}"
                                 f"{did_you_mean(text, candidates)}")
                return None
        if context and (t.is_list or t.base == "attributes"):
            self.error(node, f"{what} cannot have type '{text}'; context fields take scalar "
                             f"and enum types")
            return None
        return t

    def element_type(self, name: str) -> Optional[Type]:
        if name in SCALAR_TYPES:
            return Type(name)
        if name in self.enums:
            return Type("enum", enum=self.enums[name])
        return None

    def field(self, name: str, k: yaml.Node, v: yaml.Node, context: bool,
              span: Optional[str] = None) -> Optional[Field]:
        what = f"context field '{name}'" if context else f"field '{name}'"
        ok = True
        if not NAME_RE.match(name):
            self.error(k, f"invalid field name '{name}'; {NAME_HINT}")
            ok = False
        elif name in naming.C_KEYWORDS:
            self.error(k, f"field name '{name}' is a C keyword")
            ok = False
        elif name in C_RESERVED:
            self.error(k, f"field name '{name}' is reserved by the C standard library")
            ok = False
        elif not context and name in STRUCT_MEMBERS:
            self.error(k, f"field name '{name}' is reserved (every generated event struct has "
                          f"a member of that name)")
            ok = False

        if self.is_str(v):  # shorthand: `count: int`
            d: Keys = {"type": (k, v)}
        elif isinstance(v, yaml.MappingNode):
            d = self.keys(self.pairs(v, what) or [], FIELD_KEYS, what)
        elif self.is_null(v):
            self.error(k, f"missing required key 'type' in {what}")
            return None
        else:
            self.error(v, f"{what} must be a type name or a mapping, got {self.shown(v)}")
            return None

        t = None
        if "type" in d:
            t = self.parse_type(d["type"][1], what, context)
        else:
            self.error(k, f"missing required key 'type' in {what}")

        f = Field(name=name, type=t or Type("string"), pos=self.pos(k))
        # Every context field is optional by nature; `optional:` is accepted there
        # (and checked) but changes nothing.
        f.optional = self.flag(d, "optional", what) or context
        f.deprecated = self.deprecation(d, what)
        f.description = self.description(d, what)
        f.unit = self.text(d, "unit", what)
        self.wire_form(f, d, what, t, context)
        f.pii = self.choice(d, "pii", "pii policy", PII_POLICIES, what, "none")
        f.min = self.bound(d, "min", what, t)
        f.max = self.bound(d, "max", what, t)
        if f.min is not None and f.max is not None and f.min > f.max:
            self.error(d["max"][1], f"min ({d['min'][1].value}) is greater than max "
                                    f"({d['max'][1].value}) in {what}")
        f.max_length = self.limit(d, "max_length", what, t,
                                  t is not None and (t.base == "string" or t.base == "attributes"))
        f.max_items = self.limit(d, "max_items", what, t,
                                 t is not None and (t.is_list or t.base == "attributes"))
        if "default" in d:
            f.default = self.default(f, d, what, t, context)
        f.stacktrace = self.flag(d, "stacktrace", what)
        if f.stacktrace and t is not None and not (t.is_list and t.base == "string"):
            self.error(d["stacktrace"][0], f"stacktrace does not apply to {what} of type "
                                           f"'{t.spelling}'; stack frames are a 'list<string>'")
            f.stacktrace = False
        elif f.stacktrace and span is not None:
            # end/fail rebuild the derived events from the span's stored
            # values, so there is no event the caller could capture into.
            self.error(d["stacktrace"][0], f"stacktrace is not supported on {what} of {span}; "
                                           f"declare an event for the failure instead")
            f.stacktrace = False

        if t is not None and "pii" in d and f.pii != "none" and not pii_applies(t):
            self.error(d["pii"][1], f"pii '{f.pii}' does not apply to {what} of type "
                                    f"'{t.spelling}'; only string, list<string> and attributes "
                                    f"fields can be redacted")
        if t is not None and "pii" not in d and pii_applies(t) and looks_personal(name):
            message = (f"field '{name}' looks like personal data; set pii: "
                       f"(hash, redact, drop, scrub or none)")
            (self.error if self.strict else self.warning)(k, message)
        return f if ok and t is not None else None

    def wire_form(self, f: Field, d: Keys, what: str, t: Optional[Type], context: bool) -> None:
        """The unit and JSON key of f: a duration's unit is its wire unit
        (the key gets it as a suffix unless the name ends with it); on other
        numbers it is free text; `key:` names the JSON key outright."""
        if t is not None and f.unit is not None:
            node = d["unit"][1]
            if t.base == "duration":
                if f.unit not in DURATION_UNITS:
                    self.error(node, f"unknown unit '{f.unit}' for duration {what}; durations "
                                     f"are written in {_one_of(list(DURATION_UNITS))}"
                                     f"{did_you_mean(f.unit, list(DURATION_UNITS))}")
                    f.unit = None
                elif not f.name.endswith("_" + f.unit):
                    f.wire_key = f"{f.name}_{f.unit}"
            elif t.base not in NUMERIC_TYPES:
                self.error(d["unit"][0], f"unit does not apply to {what} of type "
                                         f"'{t.spelling}'; units name what a number or "
                                         f"duration counts")
                f.unit = None
        if "key" in d:
            node = d["key"][1]
            if not self.is_str(node) or not WIRE_KEY_RE.match(node.value):
                self.error(node, f"key of {what} must be a JSON key of letters, digits and "
                                 f"underscores, got {self.shown(node)}")
            else:
                f.wire_key = node.value if node.value != f.name else None

    def default(self, f: Field, d: Keys, what: str, t: Optional[Type], context: bool):
        """The checked `default:` of f (None after reporting a problem)."""
        k, node = d["default"]
        if t is None:
            return None
        if context:
            self.error(k, f"default does not apply to {what}; an unset context field is "
                          f"omitted")
            return None
        if not f.optional:
            self.error(k, f"default applies to optional fields only; {what} is required")
            return None
        if t.is_list or t.base == "attributes":
            self.error(k, f"default does not apply to {what} of type '{t.spelling}'; only "
                          f"scalar fields take one")
            return None
        wrong = f"default of {what} must be {{}} for type '{t.spelling}', got {self.shown(node)}"
        if t.base == "bool":
            v = self.scalar(node) if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL else None
            if not isinstance(v, bool):
                self.error(node, wrong.format("true or false"))
                return None
            return v
        if t.base == "string":
            if not self.is_str(node):
                self.error(node, wrong.format("a string"))
                return None
            if f.max_length is not None and len(node.value.encode("utf-8")) > f.max_length:
                self.error(node, f"default of {what} is longer than its max_length "
                                 f"({f.max_length} bytes)")
                return None
            return node.value
        if t.base == "enum":
            names = [v.name for v in t.enum.values]
            if not self.is_str(node) or node.value not in names:
                got = node.value if self.is_str(node) else ""
                self.error(node, wrong.format(f"a value of enum '{t.enum.name}'")
                           + did_you_mean(got, names))
                return None
            return node.value
        v = self.number(node)
        if v is None:
            self.error(node, wrong.format("a number"))
            return None
        if t.base == "double":
            if not math.isfinite(v):
                self.error(node, wrong.format("a finite number"))
                return None
            v = float(v)
        else:
            if isinstance(v, float):
                if not (math.isfinite(v) and v.is_integer()):
                    self.error(node, wrong.format("an integer"))
                    return None
                v = int(v)
            lo, hi = (0, UINT64_MAX) if t.base == "uint" else (INT64_MIN, INT64_MAX)
            if not lo <= v <= hi:
                self.error(node, f"default of {what} does not fit type '{t.spelling}'")
                return None
        if (f.min is not None and v < f.min) or (f.max is not None and v > f.max):
            self.error(node, f"default {node.value} of {what} is outside its min/max")
            return None
        return v

    def bound(self, d: Keys, key: str, what: str, t: Optional[Type]):
        if key not in d:
            return None
        k, node = d[key]
        v = self.number(node)
        if v is None:
            self.error(node, f"{key} of {what} must be a number, got {self.shown(node)}")
            return None
        if t is None:
            return None
        if t.base not in NUMERIC_TYPES:
            self.error(k, f"{key} does not apply to {what} of type '{t.spelling}'")
            return None
        if t.base == "double":
            if not math.isfinite(v):
                self.error(node, f"{key} of {what} must be a finite number, got {node.value}")
                return None
            return float(v)
        if isinstance(v, float):
            if not (math.isfinite(v) and v.is_integer()):
                self.error(node, f"{key} of {what} must be an integer for type "
                                 f"'{t.spelling}', got {node.value}")
                return None
            v = int(v)
        if t.base == "uint":
            if v < 0:
                self.error(node, f"{key} of uint {what} must not be negative")
                return None
            if v > UINT64_MAX:
                self.error(node, f"{key} of {what} does not fit type 'uint'")
                return None
        elif not INT64_MIN <= v <= INT64_MAX:
            self.error(node, f"{key} of {what} does not fit type '{t.base}'")
            return None
        return v

    def limit(self, d: Keys, key: str, what: str, t: Optional[Type],
              applies: bool) -> Optional[int]:
        if key not in d:
            return None
        k, node = d[key]
        v = self.integer(node)
        if v is None or v < 1:
            self.error(node, f"{key} of {what} must be an integer >= 1, got {self.shown(node)}")
            return None
        if v > UINT32_MAX:
            self.error(node, f"{key} of {what} must be at most {UINT32_MAX}")
            return None
        if t is not None and not applies:
            self.error(k, f"{key} does not apply to {what} of type '{t.spelling}'")
            return None
        return v

    def fields(self, node: yaml.Node, owner: str, context: bool = False,
               span: Optional[str] = None) -> List[Field]:
        out: List[Field] = []
        members: Dict[str, str] = {}  # struct member -> field that generates it
        keys: Dict[str, str] = {}  # JSON key -> field written under it
        for name, k, v in self.pairs(node, f"fields of {owner}",
                                     "a mapping of field names to field specs") or []:
            f = self.field(name, k, v, context, span)
            if f is None:
                continue
            out.append(f)
            key = f.wire_key or f.name
            if keys.get(key, name) != name:
                self.error(k, f"field '{name}' is written under key '{key}', as is field "
                              f"'{keys[key]}' of {owner}")
            keys.setdefault(key, name)
            if context:
                continue
            generated = [name]
            if f.type.is_list or f.type.base == "attributes":
                generated.append(naming.field_count_member(f))
            for member in generated:
                other = members.get(member)
                if other is not None:
                    self.error(k, f"field '{name}' collides with field '{other}' in the "
                                  f"generated struct (both generate member '{member}')")
                    break
            else:
                for member in generated:
                    members[member] = name
        return out

    def context_section(self, node: yaml.Node) -> List[Field]:
        return self.fields(node, "context", context=True) if not self.is_null(node) else []

    # --- events and spans ---------------------------------------------------

    def event_name(self, name: str, k: yaml.Node, kind: str) -> bool:
        if EVENT_NAME_RE.match(name):
            return True
        self.error(k, f"invalid {kind} name '{name}'; {EVENT_NAME_HINT}")
        return False

    def common(self, name: str, k: yaml.Node, v: yaml.Node, kind: str,
               allowed: Sequence[str]) -> Tuple[Keys, Dict[str, object]]:
        """Keys shared by events and spans."""
        what = f"{kind} '{name}'"
        body = self.pairs(v, what)
        d = self.keys(body or [], allowed, what)
        attrs: Dict[str, object] = {}
        attrs["description"] = self.description(d, what)
        if "description" not in d and body is not None:
            self.warning(k, f"{what} has no description")
        attrs["category"] = self.text(d, "category", what)
        attrs["level"] = self.choice(d, "level", "level", LEVELS, what, "info")
        attrs["deprecated"] = self.deprecation(d, what)
        rate = 1.0
        if "sample_rate" in d:
            node = d["sample_rate"][1]
            r = self.number(node)
            if r is None or not 0.0 <= r <= 1.0:
                self.error(node, f"sample_rate of {what} must be a number between 0 and 1, "
                                 f"got {self.shown(node)}")
            else:
                rate = float(r)
        attrs["sample_rate"] = rate
        return d, attrs

    def event_section(self, node: yaml.Node) -> List[Event]:
        out: List[Event] = []
        for name, k, v in self.pairs(node, "events", "a mapping of event names to events") or []:
            valid = self.event_name(name, k, "event")
            d, attrs = self.common(name, k, v, "event", EVENT_KEYS)
            what = f"event '{name}'"
            corr = self.choice(d, "correlation", "correlation", CORRELATIONS, what, "none")
            if corr == "begin":
                self.has_begin = True
            elif corr == "follow":
                self.follow_nodes.append((name, d["correlation"][1]))
            fields = self.fields(d["fields"][1], what) if "fields" in d else []
            if corr == "follow":
                for f in fields:
                    if f.name == "correlation":
                        self.error(self.find_key(d["fields"][1], "correlation"),
                                   "field name 'correlation' is reserved in follow events "
                                   "(the constructor takes the trace id under that name)")
            if valid:
                out.append(Event(name=name, fields=fields, correlation=corr, pos=self.pos(k),
                                 **attrs))
        return out

    @staticmethod
    def find_key(mapping: yaml.Node, key: str) -> yaml.Node:
        for k, _ in mapping.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
        return mapping

    def span_naming(self, node: yaml.Node) -> SpanNaming:
        what = "span_events"
        sn = SpanNaming(pos=self.pos(node))
        d = self.keys(self.pairs(node, what) or [], SPAN_EVENTS_KEYS, what)
        for key in ("start", "stop", "failure"):
            v = self.text(d, key, what)
            if v is None:
                continue
            if not NAME_RE.match(v):
                self.error(d[key][1], f"{key} of {what} must be one lower snake case name "
                                      f"(the last part of the event name), got '{v}'")
                continue
            setattr(sn, key, v)
        suffixes = [sn.start, sn.stop, sn.failure]
        if len(set(suffixes)) != 3:
            self.error(node, f"the start, stop and failure suffixes of {what} must differ, "
                             f"got {', '.join(suffixes)}")
        sn.duration_unit = self.choice(d, "duration_unit", "duration unit",
                                       list(DURATION_UNITS), what, "ns")
        msg = self.text(d, "error_message", what)
        if msg is not None:
            if not NAME_RE.match(msg) or msg in SPAN_ADDED_FIELDS:
                self.error(d["error_message"][1], f"error_message of {what} must be a field "
                                                  f"name other than {_one_of(SPAN_ADDED_FIELDS)}"
                                                  f", got '{msg}'")
            else:
                sn.error_message = msg
        return sn

    def span_section(self, node: yaml.Node, naming_: SpanNaming) -> List[Span]:
        out: List[Span] = []
        added = set(SPAN_ADDED_FIELDS) | {naming_.duration_key}
        if naming_.error_message:
            added.add(naming_.error_message)
        for name, k, v in self.pairs(node, "spans", "a mapping of span names to spans") or []:
            valid = self.event_name(name, k, "span")
            what = f"span '{name}'"
            d, attrs = self.common(name, k, v, "span", SPAN_KEYS)
            fields = self.fields(d["fields"][1], what, span=what) if "fields" in d else []
            for f in fields:
                hit = f.name if f.name in added else (f.wire_key if f.wire_key in added else None)
                if hit:
                    self.error(self.find_key(d["fields"][1], f.name),
                               f"field '{f.name}' of {what} collides with the '{hit}' "
                               f"field the span adds to its derived events")
            if valid:
                out.append(Span(name=name, fields=fields, pos=self.pos(k), **attrs))
        return out

    def derived_events(self, declared: List[Event], spans: List[Span],
                       sn: SpanNaming) -> List[Event]:
        """The start/stop/failure events of every span, in span order, named
        per `sn`. An event already declared under a derived name is reported
        and kept as declared."""
        by_name = {ev.name: ev for ev in declared}
        out: List[Event] = []
        for s in spans:
            # The C member stays duration_ns (the C value is nanoseconds);
            # the wire key and value follow the catalog's duration unit.
            duration = Field(name="duration_ns", type=Type("duration"), unit=sn.duration_unit,
                             wire_key=None if sn.duration_unit == "ns" else sn.duration_key,
                             description="Time from the start of the span.", pos=s.pos)
            error_type = Field(name="error_type", type=Type("string"),
                               max_length=ERROR_TYPE_MAX_LENGTH,
                               description="Kind of failure that ended the span.", pos=s.pos)
            failure = [dataclasses.replace(duration), error_type]
            if sn.error_message:
                failure.append(Field(name=sn.error_message, type=Type("string"), optional=True,
                                     pii="scrub", max_length=ERROR_MESSAGE_MAX_LENGTH,
                                     description="Error message (scrubbed).", pos=s.pos))
            kinds = (
                ("start", sn.start, "span_start", s.level, []),
                ("stop", sn.stop, "span_stop", s.level, [duration]),
                ("exception", sn.failure, "span_exception", "error", failure),
            )
            for attr, suffix, kind, level, extra in kinds:
                ev = Event(name=f"{s.name}.{suffix}",
                           fields=[dataclasses.replace(f) for f in s.fields] + extra,
                           description=s.description, category=s.category, level=level,
                           sample_rate=s.sample_rate, deprecated=s.deprecated, kind=kind,
                           span=s, pos=s.pos)
                setattr(s, attr, ev)
                other = by_name.get(ev.name)
                if other is None:
                    out.append(ev)
                    continue
                if (other.pos.line, other.pos.col) > (s.pos.line, s.pos.col):
                    self.diags.append(Diagnostic(
                        other.pos, "error",
                        f"event '{other.name}' duplicates the {suffix} event derived from "
                        f"span '{s.name}'"))
                else:
                    self.diags.append(Diagnostic(
                        s.pos, "error",
                        f"span '{s.name}' derives event '{ev.name}', which is already "
                        f"declared in events"))
        return out

    # --- generated C names --------------------------------------------------

    def symbol_collisions(self, cat: Catalog) -> None:
        """Reports every pair of catalog items that would generate the same C
        symbol, once per pair, at the later of the two. Events derived from a
        span are reported as the span."""
        where: Dict[str, Tuple[str, Optional[Pos]]] = {}

        def put(origin: str, owner: str, pos: Optional[Pos]) -> None:
            where[origin] = (owner, pos)

        for f in cat.context:
            put(f"context field '{f.name}'", f"context field '{f.name}'", f.pos)
        for e in cat.enums:
            put(f"enum '{e.name}'", f"enum '{e.name}'", e.pos)
            for v in e.values:
                o = f"value '{v.name}' of enum '{e.name}'"
                put(o, o, v.pos)
        for ev in cat.events:
            owner_ev = f"span '{ev.span.name}'" if ev.span else f"event '{ev.name}'"
            put(f"event '{ev.name}'", owner_ev, ev.pos)
            for f in ev.fields:
                owner_f = (f"field '{f.name}' of span '{ev.span.name}'" if ev.span
                           else f"field '{f.name}' of event '{ev.name}'")
                put(f"field '{f.name}' of event '{ev.name}'", owner_f, f.pos)
        for s in cat.spans:
            put(f"span '{s.name}'", f"span '{s.name}'", s.pos)
            for f in s.fields:
                o = f"field '{f.name}' of span '{s.name}'"
                put(o, o, f.pos)

        def key(p: Optional[Pos]) -> Tuple[int, int]:
            return (p.line, p.col) if p is not None else (0, 0)

        reported = set()
        for sym, origins in naming.collisions(cat).items():
            owners: List[Tuple[str, Optional[Pos]]] = []
            for o in origins:
                entry = where.get(o, (o, None))
                if entry[0] not in [w for w, _ in owners]:
                    owners.append(entry)
            for i in range(len(owners)):
                for j in range(i + 1, len(owners)):
                    a, b = owners[i], owners[j]
                    pair = frozenset((a[0], b[0]))
                    if pair in reported:
                        continue
                    reported.add(pair)
                    later, earlier = (a, b) if key(a[1]) > key(b[1]) else (b, a)
                    pos = later[1] or earlier[1] or cat.pos
                    self.diags.append(Diagnostic(
                        pos, "error",
                        f"{later[0]} collides with {earlier[0]} after C name mangling "
                        f"(both generate '{sym}')"))


def load_catalog(path: str, strict: bool = False,
                 display_path: Optional[str] = None) -> Tuple[Optional[Catalog], List[Diagnostic]]:
    """Reads, checks and builds the catalog at `path`.

    Returns (catalog, diagnostics): the catalog is None when any diagnostic is
    an error. Diagnostics (warnings included) are sorted by line and column and
    name `display_path` (default: `path`). With strict=True, fields that look
    like personal data without `pii:` are errors instead of warnings.
    """
    src = load_source(path, display_path)
    if src.root is None:
        return None, src.diagnostics
    v = _Validator(src.path, strict)
    cat = v.catalog(src.root)
    diags = sorted(src.diagnostics + v.diags, key=lambda d: (d.pos.line, d.pos.col))
    if cat is None or any(d.severity == "error" for d in diags):
        return None, diags
    cat.source_path = src.path
    cat.source_hash = src.sha256
    return cat, diags
