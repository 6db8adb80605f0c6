"""Compares two versions of a catalog and classifies every change as breaking
or compatible for the two parties a catalog binds: the code that emits the
events (the generated C API) and the readers of the wire (docs/wire-format.md).
The rules, and why each sits where it does, are in docs/governance.md; this
module is their only home. cli.py loads the two catalogs and prints.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from . import wire
from .model import Catalog, Enum, Event, Field, Pos, Span

BREAKING = "breaking"
COMPATIBLE = "compatible"

JSON_FORMAT = 1  # version of the --format json document


@dataclass
class Change:
    classification: str  # BREAKING | COMPATIBLE
    kind: str  # stable code, e.g. "field.removed"
    subject: Dict[str, str]  # {"event": ..., "field": ...}, {"enum": ..., "value": ...}, ...
    message: str
    old: Optional[Pos] = None
    new: Optional[Pos] = None

    @property
    def where(self) -> Optional[Pos]:
        """Where a reader looks: the old place of a removed item, else the new one."""
        if self.kind.endswith("removed") and self.old is not None:
            return self.old
        return self.new or self.old


@dataclass
class Verdict:
    old_version: int
    new_version: int
    changes: List[Change] = field(default_factory=list)

    @property
    def breaking(self) -> List[Change]:
        return [c for c in self.changes if c.classification == BREAKING]

    @property
    def compatible(self) -> List[Change]:
        return [c for c in self.changes if c.classification == COMPATIBLE]

    @property
    def required_bump(self) -> str:
        """'increase' (breaking changes), 'recommended' (compatible changes
        only) or 'none' (nothing changed)."""
        if self.breaking:
            return "increase"
        return "recommended" if self.changes else "none"

    @property
    def ok(self) -> bool:
        """False when breaking changes come without a version increase, or
        the version went backwards."""
        if self.new_version < self.old_version:
            return False
        return not self.breaking or self.new_version > self.old_version


class _Differ:
    def __init__(self) -> None:
        self.changes: List[Change] = []

    def add(self, classification: str, kind: str, subject: Dict[str, str], message: str,
            old=None, new=None) -> None:
        self.changes.append(Change(classification, kind, subject, message,
                                   getattr(old, "pos", None), getattr(new, "pos", None)))

    # --- catalog ------------------------------------------------------------

    def catalog(self, a: Catalog, b: Catalog) -> None:
        top = {"catalog": b.name}
        if a.name != b.name:
            self.add(BREAKING, "catalog.renamed", top,
                     f"catalog renamed '{a.name}' -> '{b.name}' (every event carries the name)",
                     a, b)
        if a.prefix != b.prefix:
            self.add(BREAKING, "catalog.prefix_changed", top,
                     f"C prefix changed '{a.prefix}' -> '{b.prefix}' (every generated symbol "
                     f"is renamed)", a, b)
        if a.description != b.description:
            self.add(COMPATIBLE, "catalog.description_changed", top,
                     "catalog description changed", a, b)
        self.enums(a.enums, b.enums)
        self.fields({"context": ""}, None, a.context, b.context, a, b)
        self.events([e for e in a.events if e.span is None],
                    [e for e in b.events if e.span is None])
        self.spans(a.spans, b.spans)

    # --- enums --------------------------------------------------------------

    def enums(self, old: Sequence[Enum], new: Sequence[Enum]) -> None:
        olds = {e.name: e for e in old}
        news = {e.name: e for e in new}
        for name, e in olds.items():
            if name not in news:
                self.add(BREAKING, "enum.removed", {"enum": name}, f"enum '{name}' removed", old=e)
        for name, e in news.items():
            if name not in olds:
                self.add(COMPATIBLE, "enum.added", {"enum": name}, f"enum '{name}' added", new=e)
                continue
            o = olds[name]
            if o.description != e.description:
                self.add(COMPATIBLE, "enum.description_changed", {"enum": name},
                         f"description of enum '{name}' changed", o, e)
            ov = {v.name: v for v in o.values}
            nv = {v.name: v for v in e.values}
            for vname, v in ov.items():
                s = {"enum": name, "value": vname}
                if vname not in nv:
                    self.add(BREAKING, "enum.value_removed", s,
                             f"value '{vname}' removed from enum '{name}'", old=v)
                    continue
                w = nv[vname]
                if wire.enum_value_wire(v) != wire.enum_value_wire(w):
                    self.add(BREAKING, "enum.value_wire_changed", s,
                             f"value '{vname}' of enum '{name}' is written "
                             f"'{wire.enum_value_wire(w)}' instead of "
                             f"'{wire.enum_value_wire(v)}'", v, w)
                self.deprecation(s, f"value '{vname}' of enum '{name}'", v, w)
                if v.description != w.description:
                    self.add(COMPATIBLE, "enum.value_description_changed", s,
                             f"description of value '{vname}' of enum '{name}' changed", v, w)
            for vname, w in nv.items():
                if vname not in ov:
                    self.add(COMPATIBLE, "enum.value_added", {"enum": name, "value": vname},
                             f"value '{vname}' added to enum '{name}'", new=w)

    # --- events and spans ---------------------------------------------------

    def events(self, old: Sequence[Event], new: Sequence[Event]) -> None:
        olds = {e.name: e for e in old}
        news = {e.name: e for e in new}
        for name, e in olds.items():
            if name not in news:
                self.add(BREAKING, "event.removed", {"event": name},
                         f"event '{name}' removed{_renamed(e, olds, news, _same_event)}",
                         old=e)
        for name, e in news.items():
            if name not in olds:
                self.add(COMPATIBLE, "event.added", {"event": name},
                         f"event '{name}' added", new=e)
                continue
            o = olds[name]
            s = {"event": name}
            what = f"event '{name}'"
            self.attributes(s, what, o, e)
            if o.correlation != e.correlation:
                self.add(BREAKING, "event.correlation_changed", s,
                         f"correlation of {what} changed '{o.correlation}' -> "
                         f"'{e.correlation}'", o, e)
            self.fields(s, what, o.fields, e.fields, o, e)

    def spans(self, old: Sequence[Span], new: Sequence[Span]) -> None:
        olds = {s.name: s for s in old}
        news = {s.name: s for s in new}
        for name, s in olds.items():
            if name not in news:
                self.add(BREAKING, "span.removed", {"span": name},
                         f"span '{name}' removed (or renamed), with its "
                         f"{', '.join(_derived_names(s))} events", old=s)
        for name, s in news.items():
            if name not in olds:
                self.add(COMPATIBLE, "span.added", {"span": name},
                         f"span '{name}' added, with its {', '.join(_derived_names(s))} events",
                         new=s)
                continue
            o = olds[name]
            subj = {"span": name}
            what = f"span '{name}'"
            self.attributes(subj, what, o, s)
            self.fields(subj, what, o.fields, s.fields, o, s)
            for suffix in ("start", "stop", "exception"):
                oe, ne = getattr(o, suffix), getattr(s, suffix)
                if oe is None or ne is None:
                    continue
                if oe.name != ne.name:
                    self.add(BREAKING, "span.event_renamed", subj,
                             f"{suffix} event of {what} renamed '{oe.name}' -> '{ne.name}'",
                             o, s)
                # The fields the span adds to its derived events (its duration,
                # the failure's error), compared like declared ones.
                declared = {f.name for f in s.fields} | {f.name for f in o.fields}
                self.fields({"event": ne.name}, f"event '{ne.name}'",
                            [f for f in oe.fields if f.name not in declared],
                            [f for f in ne.fields if f.name not in declared], oe, ne)

    def attributes(self, s: Dict[str, str], what: str, o, n) -> None:
        """Keys events and spans share."""
        if o.level != n.level:
            self.add(BREAKING, "event.level_changed", s,
                     f"level of {what} changed '{o.level}' -> '{n.level}'", o, n)
        if o.category != n.category:
            self.add(BREAKING, "event.category_changed", s,
                     f"category of {what} changed {_shown(o.category)} -> "
                     f"{_shown(n.category)}", o, n)
        if o.sample_rate != n.sample_rate:
            self.add(COMPATIBLE, "event.sample_rate_changed", s,
                     f"sample_rate of {what} changed {o.sample_rate:g} -> {n.sample_rate:g}",
                     o, n)
        self.deprecation(s, what, o, n)
        if o.description != n.description:
            self.add(COMPATIBLE, "event.description_changed", s,
                     f"description of {what} changed", o, n)

    def deprecation(self, s: Dict[str, str], what: str, o, n) -> None:
        a, b = wire.deprecation(o), wire.deprecation(n)
        if a == b:
            return
        kind = _kind(s)
        if b is None:
            self.add(COMPATIBLE, f"{kind}.undeprecated", s, f"{what} is no longer deprecated",
                     o, n)
        elif a is None:
            self.add(COMPATIBLE, f"{kind}.deprecated", s, f"{what} is now {b}", o, n)
        else:
            self.add(COMPATIBLE, f"{kind}.deprecation_changed", s,
                     f"{what}: '{a}' -> '{b}'", o, n)

    # --- fields -------------------------------------------------------------

    def fields(self, owner: Dict[str, str], what: Optional[str], old: Sequence[Field],
               new: Sequence[Field], old_owner, new_owner) -> None:
        """Fields of one owner: `what` names the event or span (None: the
        catalog's context)."""
        context = what is None

        def label(name: str) -> str:
            return f"context field '{name}'" if context else f"field '{name}' of {what}"

        olds = {f.name: f for f in old}
        news = {f.name: f for f in new}
        for name, f in olds.items():
            if name not in news:
                self.add(BREAKING, "field.removed", _subject(owner, name),
                         f"{label(name)} removed{_renamed(f, olds, news, _same_field)}", old=f,
                         new=None if context else new_owner)
        for name, f in news.items():
            s = _subject(owner, name)
            if name not in olds:
                if f.optional or context:
                    self.add(COMPATIBLE, "field.added_optional", s,
                             f"optional {label(name)} added", new=f)
                else:
                    self.add(BREAKING, "field.added_required", s,
                             f"required {label(name)} added (emitters must now set it)", new=f)
                continue
            self.field(s, label(name), olds[name], f, context)

    def field(self, s: Dict[str, str], what: str, o: Field, n: Field, context: bool) -> None:
        if o.type.spelling != n.type.spelling:
            self.add(BREAKING, "field.type_changed", s,
                     f"type of {what} changed '{o.type.spelling}' -> '{n.type.spelling}'", o, n)
        if not context and o.optional != n.optional:
            if n.optional:
                self.add(BREAKING, "field.required_to_optional", s,
                         f"{what} became optional (readers can no longer rely on it; the "
                         f"constructor loses an argument)", o, n)
            else:
                self.add(BREAKING, "field.optional_to_required", s,
                         f"{what} became required", o, n)
        if wire.field_key(o) != wire.field_key(n):
            self.add(BREAKING, "field.wire_key_changed", s,
                     f"{what} is written as '{wire.field_key(n)}' instead of "
                     f"'{wire.field_key(o)}'", o, n)
        if wire.field_unit(o) != wire.field_unit(n):
            self.add(BREAKING, "field.unit_changed", s,
                     f"unit of {what} changed {_shown(wire.field_unit(o))} -> "
                     f"{_shown(wire.field_unit(n))}", o, n)
        if wire.field_default(o) != wire.field_default(n):
            self.add(BREAKING, "field.default_changed", s,
                     f"default of {what} changed {_shown(wire.field_default(o))} -> "
                     f"{_shown(wire.field_default(n))}", o, n)
        self.bound(s, what, "min", o.min, n.min, lower=True, o=o, n=n)
        for key in ("max", "max_length", "max_items"):
            self.bound(s, what, key, getattr(o, key), getattr(n, key), lower=False, o=o, n=n)
        self.pii(s, what, o, n)
        if o.stacktrace and not n.stacktrace:
            self.add(BREAKING, "field.stacktrace_removed", s,
                     f"{what} lost stacktrace: true (its capture function is gone)", o, n)
        elif n.stacktrace and not o.stacktrace:
            self.add(COMPATIBLE, "field.stacktrace_added", s,
                     f"{what} gained stacktrace: true (a capture function)", o, n)
        self.deprecation(s, what, o, n)
        if o.description != n.description:
            self.add(COMPATIBLE, "field.description_changed", s,
                     f"description of {what} changed", o, n)

    def bound(self, s, what: str, key: str, a, b, lower: bool, o: Field, n: Field) -> None:
        """A lower bound (min) tightens when it rises or appears; an upper bound
        (max, max_length, max_items) when it falls or appears."""
        if a == b:
            return
        if a is None:
            tightened = True
        elif b is None:
            tightened = False
        else:
            tightened = b > a if lower else b < a
        text = f"{key} of {what} {_bound_text(a)} -> {_bound_text(b)}"
        if tightened:
            self.add(BREAKING, "field.constraint_tightened", dict(s, constraint=key),
                     f"{text} (values valid before may now be rejected or cut)", o, n)
        else:
            self.add(COMPATIBLE, "field.constraint_loosened", dict(s, constraint=key), text, o, n)

    def pii(self, s, what: str, o: Field, n: Field) -> None:
        if o.pii == n.pii:
            return
        text = f"pii of {what} changed '{o.pii}' -> '{n.pii}'"
        if wire.pii_rank(n.pii) < wire.pii_rank(o.pii):
            self.add(BREAKING, "field.pii_loosened", s,
                     f"{text}: more of the value leaves the process", o, n)
        elif n.pii == "drop":
            self.add(BREAKING, "field.pii_dropped", s,
                     f"{text}: the field is no longer sent", o, n)
        else:
            self.add(COMPATIBLE, "field.pii_tightened", s,
                     f"{text}: less of the value leaves the process", o, n)


def _kind(s: Dict[str, str]) -> str:
    """The kind prefix of a subject: field, value (of an enum), span or event."""
    if "field" in s:
        return "field"
    if "value" in s:
        return "enum.value"
    return "span" if "span" in s else "event"


def _same_field(a: Field, b: Field) -> bool:
    return a.type.spelling == b.type.spelling


def _same_event(a: Event, b: Event) -> bool:
    return [(f.name, f.type.spelling) for f in a.fields] == \
        [(f.name, f.type.spelling) for f in b.fields]


def _renamed(item, olds: Dict[str, object], news: Dict[str, object], same) -> str:
    """' (renamed to 'x'?)' when exactly one added item looks like `item`
    renamed, else ' (or renamed)': a rename is a removal plus an addition,
    and says so."""
    added = [n for n, v in news.items() if n not in olds and same(item, v)]
    return f" (renamed to '{added[0]}'?)" if len(added) == 1 else " (or renamed)"


def _subject(owner: Dict[str, str], name: str) -> Dict[str, str]:
    if "context" in owner:
        return {"context": name}
    return dict(owner, field=name)


def _derived_names(s: Span) -> List[str]:
    return [getattr(s, k).name for k in ("start", "stop", "exception") if getattr(s, k)]


def _shown(v) -> str:
    return "(none)" if v is None else f"'{v}'"


def _bound_text(v) -> str:
    if v is None:
        return "(none)"
    return f"{v:g}" if isinstance(v, float) else str(v)


def diff(old: Catalog, new: Catalog) -> Verdict:
    """Every change from `old` to `new`, in catalog order (catalog, enums,
    context, events, spans), with the version verdict. Pure."""
    d = _Differ()
    d.catalog(old, new)
    return Verdict(old.version, new.version, d.changes)


# --- output -----------------------------------------------------------------


def _where(p: Optional[Pos]) -> Optional[Dict[str, object]]:
    return None if p is None else {"path": p.path, "line": p.line}


def _bump_sentence(v: Verdict) -> str:
    need = v.required_bump
    if v.new_version < v.old_version:
        return (f"version went backwards ({v.old_version} -> {v.new_version}); a catalog's "
                f"version only ever increases")
    if need == "increase":
        if v.new_version > v.old_version:
            return (f"breaking changes demand a version increase: "
                    f"{v.old_version} -> {v.new_version} does")
        return (f"breaking changes demand a version increase: set version to at least "
                f"{v.old_version + 1} (it is still {v.new_version})")
    if need == "recommended":
        return (f"compatible changes only: no version increase required "
                f"(version {v.old_version} -> {v.new_version})")
    return f"no changes (version {v.old_version} -> {v.new_version})"


def format_text(v: Verdict) -> str:
    """One line per change, `path:line: classification: message [kind]`, then
    the verdict."""
    lines = []
    for c in v.changes:
        p = c.where
        loc = f"{p.path}:{p.line}: " if p else ""
        lines.append(f"{loc}{c.classification}: {c.message} [{c.kind}]")
    lines.append(f"{len(v.breaking)} breaking, {len(v.compatible)} compatible; "
                 f"{_bump_sentence(v)}")
    return "\n".join(lines) + "\n"


def format_json(v: Verdict, old_path: str, new_path: str) -> str:
    """The --format json document (schema in docs/governance.md)."""
    doc = {
        "format": JSON_FORMAT,
        "old": {"path": old_path, "version": v.old_version},
        "new": {"path": new_path, "version": v.new_version},
        "summary": {"breaking": len(v.breaking), "compatible": len(v.compatible)},
        "version_bump": {"required": v.required_bump,
                         "minimum": v.old_version + 1 if v.breaking else v.old_version,
                         "ok": v.ok},
        "changes": [{"classification": c.classification, "kind": c.kind,
                     "subject": c.subject, "message": c.message,
                     "old": _where(c.old), "new": _where(c.new)} for c in v.changes],
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
