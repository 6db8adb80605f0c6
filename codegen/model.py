"""The catalog model: one class per catalog concept.

The loader/validator (validate.py) builds these from YAML; the renderer
(render.py) reads them. Nothing here knows about C naming (see naming.py)
or about files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Union

SCALAR_TYPES = ("bool", "int", "uint", "double", "string", "timestamp", "duration")
LEVELS = ("debug", "info", "warn", "error")
CORRELATIONS = ("none", "begin", "follow")
PII_POLICIES = ("none", "hash", "redact", "drop", "scrub")
# Wire units of a duration (the C value is always nanoseconds), with the
# nanoseconds in one unit.
DURATION_UNITS = {"ns": 1, "us": 1000, "ms": 1000000, "s": 1000000000}

# `deprecated:` is False, True, or the reason given in the catalog.
Deprecation = Union[bool, str]


@dataclass(frozen=True)
class Pos:
    """Where a node sits in its source file (1-based line and column)."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass
class EnumValue:
    name: str  # the catalog (and C) name
    description: Optional[str] = None
    deprecated: Deprecation = False
    wire: Optional[str] = None  # the string written on the wire, when not the name
    pos: Optional[Pos] = None


@dataclass
class Enum:
    name: str
    values: List[EnumValue]
    description: Optional[str] = None
    pos: Optional[Pos] = None


@dataclass
class Type:
    """A field type: a scalar, an enum reference, attributes, or list<T>."""

    base: str  # one of SCALAR_TYPES, "enum" or "attributes"
    is_list: bool = False
    enum: Optional[Enum] = None  # set when base == "enum"

    @property
    def spelling(self) -> str:
        inner = self.enum.name if self.base == "enum" and self.enum else self.base
        return f"list<{inner}>" if self.is_list else inner


@dataclass
class Field:
    name: str
    type: Type
    optional: bool = False
    pii: str = "none"
    description: Optional[str] = None
    unit: Optional[str] = None
    deprecated: Deprecation = False
    # The JSON key, when not the name (catalog `key:`, or a duration's name
    # with its wire unit as suffix).
    wire_key: Optional[str] = None
    # Optional scalars: the value written when unset (bool, int, float, str,
    # or an enum value's catalog name); None: the field is omitted.
    default: object = None
    min: Optional[float] = None  # int for int/uint/timestamp/duration
    max: Optional[float] = None
    max_length: Optional[int] = None
    max_items: Optional[int] = None
    # list<string> of code locations: the generator adds a capture helper that
    # fills it from the caller's stack (frames only, never a message).
    stacktrace: bool = False
    pos: Optional[Pos] = None


@dataclass
class Event:
    name: str  # dotted, e.g. "upload.received"
    fields: List[Field]
    description: Optional[str] = None
    category: Optional[str] = None
    level: str = "info"
    correlation: str = "none"
    sample_rate: float = 1.0
    deprecated: Deprecation = False
    kind: str = "event"  # event | span_start | span_stop | span_exception
    span: Optional["Span"] = None  # for span_* kinds: the span it belongs to
    pos: Optional[Pos] = None

    @property
    def required_fields(self) -> List[Field]:
        return [f for f in self.fields if not f.optional]

    @property
    def optional_fields(self) -> List[Field]:
        return [f for f in self.fields if f.optional]


@dataclass
class Span:
    """A timed operation. The catalog declares the span; the model derives three
    events from it (suffixes per SpanNaming): <name>.start (the fields),
    <name>.stop (fields + duration_ns: duration) and <name>.exception (fields
    + duration_ns + error_type: string [+ the error message field])."""

    name: str
    fields: List[Field]
    description: Optional[str] = None
    category: Optional[str] = None
    level: str = "info"
    sample_rate: float = 1.0
    deprecated: Deprecation = False
    pos: Optional[Pos] = None
    start: Optional[Event] = None
    stop: Optional[Event] = None
    exception: Optional[Event] = None


@dataclass
class SpanNaming:
    """How a catalog names the events its spans derive (catalog `span_events:`):
    the suffixes of the start, stop and failure events, the wire unit of
    their duration (written as duration_<unit>), and the name of an optional
    error message field (pii: scrub) on the failure event, if any."""

    start: str = "start"
    stop: str = "stop"
    failure: str = "exception"
    duration_unit: str = "ns"
    error_message: Optional[str] = None
    pos: Optional[Pos] = None

    @property
    def duration_key(self) -> str:
        return f"duration_{self.duration_unit}"


@dataclass
class Diagnostic:
    pos: Pos
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.severity}: {self.message}"


@dataclass
class Catalog:
    name: str
    prefix: str
    format_version: int = 1
    version: int = 1
    description: Optional[str] = None
    enums: List[Enum] = field(default_factory=list)
    context: List[Field] = field(default_factory=list)
    # Declared events followed by the events derived from spans, in catalog
    # order; event ids are indexes into this list.
    events: List[Event] = field(default_factory=list)
    spans: List[Span] = field(default_factory=list)
    span_naming: SpanNaming = field(default_factory=SpanNaming)
    source_path: str = ""  # as given on the command line (appears in banners)
    source_hash: str = ""  # sha256 hex of the source bytes
    pos: Optional[Pos] = None
