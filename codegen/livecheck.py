"""Holds a stream of canonical NDJSON against a catalog: each line is parsed
and validated against its event's schema from eventschema.py (the one home
of the wire rules) with python3-jsonschema; this module only words the
findings. A PII field's value is never repeated in a finding, so a report can
go to a CI log even when the stream leaked it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from . import eventschema
from .model import Catalog, Event, Field


@dataclass
class Finding:
    line: int
    event: Optional[str]
    path: str  # JSON path such as data.mrn, or "" for the whole line
    message: str

    def __str__(self) -> str:
        where = f"{self.event}: " if self.event else ""
        at = f"{self.path}: " if self.path else ""
        return f"{self.line}: {where}{at}{self.message}"


@dataclass
class Report:
    lines: int = 0  # non-blank lines read
    events: int = 0  # lines that parsed as a JSON object with an event name
    bad_lines: int = 0  # lines with at least one finding
    findings: List[Finding] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.findings is None:
            self.findings = []

    @property
    def clean(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        return (f"{self.lines} lines, {self.events} events, {self.bad_lines} breaking the "
                f"catalog, {len(self.findings)} findings")


def _path(parts: Iterable[object]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _shown(value: object, f: Optional[Field]) -> str:
    if f is not None and f.pii != "none":
        return "a value"  # never echo what may be personal data
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _describe(err, cat: Catalog, ev: Event) -> str:
    """Words one jsonschema error in catalog terms."""
    path = list(err.absolute_path)
    f = eventschema.field_at(cat, ev, path)
    v, kw, inst = err.validator, err.validator_value, err.instance
    if kw is None:
        kw = ""
    if v == "required":
        missing = [k for k in kw if isinstance(inst, dict) and k not in inst]
        names = ", ".join(missing)
        if path in (["data"], ["context"]):
            return f"missing required field {names}"
        return f"missing required key {names}"
    if v == "additionalProperties":
        extra = [k for k in inst if k not in err.schema.get("properties", {})] \
            if isinstance(inst, dict) else []
        if path == ["data"]:
            return f"unknown field {', '.join(extra)} (not in the catalog, or pii: drop)"
        if path == ["context"]:
            return f"unknown context field {', '.join(extra)}"
        return f"unknown key {', '.join(extra)}"
    if f is not None and f.pii == "hash" and v == "pattern":
        return ('raw value where pii: hash demands a keyed hash (32 lowercase hex) '
                'or "[REDACTED]"')
    if f is not None and f.pii == "redact" and v == "const":
        return 'raw value where pii: redact demands "[REDACTED]"'
    if v == "type":
        want = kw if isinstance(kw, str) else " or ".join(kw)
        return f"expected {want}, got {_shown(inst, f)}"
    if v == "const":
        return f"expected {json.dumps(kw)}, got {_shown(inst, f)}"
    if v == "enum":
        return f"{_shown(inst, f)} is not one of {', '.join(map(str, kw))}"
    if v == "pattern":
        return f"{_shown(inst, f)} is not in the expected form ({err.schema.get('pattern')})"
    if v == "minimum":
        return f"{_shown(inst, f)} is below min {_num(kw)}"
    if v == "maximum":
        return f"{_shown(inst, f)} is above max {_num(kw)}"
    if v == "maxLength":
        return f"string longer than max_length {kw}"
    if v in ("maxItems", "maxProperties"):
        return f"more than max_items {kw} items"
    if v == "uniqueItems":
        return "a name is listed twice"
    if v == "minItems":
        return "empty list"
    return err.message if f is None or f.pii == "none" else f"fails '{v}'"


class Checker:
    """Validates canonical JSON lines against one catalog. Needs
    python3-jsonschema (Draft202012Validator)."""

    def __init__(self, cat: Catalog) -> None:
        from jsonschema import Draft202012Validator  # late: only this command needs it

        self.cat = cat
        self.events: Dict[str, Event] = {ev.name: ev for ev in cat.events}
        self.validators = {name: Draft202012Validator(s)
                           for name, s in eventschema.event_schemas(cat).items()}

    def check_line(self, number: int, text: str) -> List[Finding]:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            return [Finding(number, None, "", f"invalid JSON: {exc.msg} at column {exc.colno}")]
        if not isinstance(doc, dict):
            return [Finding(number, None, "", "not a JSON object")]
        name = doc.get("event")
        if not isinstance(name, str):
            return [Finding(number, None, "", "no \"event\" name")]
        ev = self.events.get(name)
        if ev is None:
            return [Finding(number, name, "",
                            f"unknown event (not in catalog '{self.cat.name}')")]
        errs = sorted(self.validators[name].iter_errors(doc),
                      key=lambda e: [str(p) for p in e.absolute_path])
        out: List[Finding] = []
        for e in errs:
            f = Finding(number, name, _path(e.absolute_path), _describe(e, self.cat, ev))
            if f not in out:  # `required` fails once per missing key, worded once for all
                out.append(f)
        return out

    def check(self, lines: Iterable[str]) -> Report:
        r = Report()
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            r.lines += 1
            found = self.check_line(number, text)
            if not (found and found[0].path == "" and found[0].event is None):
                r.events += 1
            if found:
                r.bad_lines += 1
                r.findings.extend(found)
        return r

