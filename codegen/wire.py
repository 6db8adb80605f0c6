"""What a catalog item looks like on the wire (docs/wire-format.md), read
through one accessor per fact so that diff.py, eventschema.py and docs.py
agree: a field's JSON key and unit, an enum value's wire string, a field's
default, and how strictly a PII policy guards a value.
"""
from __future__ import annotations

from typing import List, Optional

from .model import DURATION_UNITS, Enum, EnumValue, Field

# PII policies from least to most protective, by what leaves the process:
#   none   the value itself
#   scrub  the text minus the identifiers the scrubber recognises
#   hash   a keyed pseudonym: not the value, but equal values still join
#   redact only the fact that a value was there
#   drop   nothing at all
PII_STRICTNESS = ("none", "scrub", "hash", "redact", "drop")

REDACTED = "[REDACTED]"
# A pii: hash value: the keyed hash, or REDACTED when the runtime has no key.
HASHED_OR_REDACTED = r"^([0-9a-f]{32}|\[REDACTED\])$"


def pii_rank(policy: str) -> int:
    """Position of `policy` in PII_STRICTNESS (higher is more protective)."""
    return PII_STRICTNESS.index(policy)


def field_key(f: Field) -> str:
    """The key the field's value is written under in `data` / `context`."""
    return getattr(f, "wire_key", None) or f.name


def field_unit(f: Field) -> Optional[str]:
    """The unit of the field's wire value, if the catalog names one."""
    return f.unit


def duration_scale(f: Field) -> int:
    """Nanoseconds per wire unit of a duration field (1 for ns or no unit)."""
    return DURATION_UNITS.get(f.unit or "ns", 1)


def duration_is_number(f: Field) -> bool:
    """A duration in seconds is written as a JSON number, others as integers."""
    return f.unit == "s"


def field_default(f: Field):
    """The value written when an optional field is unset (None: none)."""
    return getattr(f, "default", None)


def enum_value_wire(v: EnumValue) -> str:
    """The string an enum value is written as."""
    return getattr(v, "wire", None) or v.name


def enum_wire_values(e: Enum) -> List[str]:
    return [enum_value_wire(v) for v in e.values]


def deprecation(item) -> Optional[str]:
    """'deprecated' or 'deprecated: <reason>' for a deprecated item, else None."""
    d = getattr(item, "deprecated", False)
    if not d:
        return None
    return f"deprecated: {d}" if isinstance(d, str) else "deprecated"
