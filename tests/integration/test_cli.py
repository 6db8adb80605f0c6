"""End-to-end tests of a generated `<prefix>-emit` binary.

Drives the real executable named by BEACON_CLI (skipped when unset), learns
the catalog's events and fields from its own `--list` / `--describe` output,
and checks exit codes, exact error messages, stdin mode and the typed values
that arrive in a file: sink (parsed with Python's json). BEACON_CLI_CATALOG
names the catalog (e.g. "observer"); when set, `--version` must mention it.

    BEACON_CLI=build/bin/obs-emit BEACON_CLI_CATALOG=observer \\
        python3 -m unittest tests/integration/test_cli.py -v
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

CLI = os.environ.get("BEACON_CLI", "")
CATALOG = os.environ.get("BEACON_CLI_CATALOG", "")
PROG = os.path.basename(CLI)
SCALARS = ("bool", "int", "uint", "double", "string", "timestamp", "duration")
TRACE = "0123456789abcdef0123456789abcdef"
# What a begin event prints: its handle, as a traceparent value.
HANDLE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-01\n$")

# Environment that could change where events go or whether they are sent.
CLEAN_ENV_DROP = ("BEACON_SINKS", "BEACON_DEBUG", "BEACON_DISABLED", "BEACON_SAMPLE_RATE",
                  "BEACON_HASH_KEY", "BEACON_SPOOL_DIR")


def cli_available() -> bool:
    return bool(CLI) and os.path.isfile(CLI) and os.access(CLI, os.X_OK)


# --- what --describe says ------------------------------------------------------

@dataclass
class Field:
    name: str
    type: str            # catalog spelling: int, list<string>, record_type, attributes
    required: bool
    deprecated: bool = False
    extras: Dict[str, str] = field(default_factory=dict)

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list<")

    @property
    def base(self) -> str:
        return self.type[5:-1] if self.is_list else self.type

    @property
    def is_enum(self) -> bool:
        return "values" in self.extras

    @property
    def kind(self) -> str:
        """bool..duration, 'enum' or 'attributes'."""
        return "enum" if self.is_enum else self.base

    @property
    def values(self) -> List[str]:
        return self.extras["values"].split("|") if self.is_enum else []

    @property
    def live_values(self) -> List[str]:
        dep = set(self.extras.get("deprecated_values", "").split("|"))
        return [v for v in self.values if v not in dep] or self.values

    @property
    def pii(self) -> str:
        return self.extras.get("pii", "none")

    def bound(self, key: str) -> Optional[float]:
        v = self.extras.get(key)
        if v is None:
            return None
        return int(v) if re.fullmatch(r"[+-]?\d+", v) else float(v)


@dataclass
class Event:
    name: str
    level: str
    category: str
    kind: str = "event"
    correlation: str = "none"
    sample_rate: float = 1.0
    fields: List[Field] = field(default_factory=list)

    @property
    def follow(self) -> bool:
        return self.correlation.startswith("follow")

    @property
    def begin(self) -> bool:
        return self.correlation.startswith("begin")

    @property
    def always_sent(self) -> bool:
        return self.sample_rate >= 1.0


FIELD_LINE = re.compile(r"^  (\S+) (\S+) (required|optional)(.*)$")
EXTRA = re.compile(r" (min|max|max_length|max_items|values|deprecated_values|key|pii)=(\S+)")
# Nanoseconds per wire unit of a duration (docs/catalog.md).
DURATION_SCALE = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}


def parse_describe(text: str, ev: Event) -> None:
    in_fields = False
    for line in text.splitlines():
        if not in_fields:
            key, _, val = line.partition(": ")
            if key == "kind":
                ev.kind = val
            elif key == "correlation":
                ev.correlation = val
            elif key == "sample_rate":
                ev.sample_rate = float(val)
            elif line == "fields:":
                in_fields = True
            continue
        m = FIELD_LINE.match(line)
        if not m or m.group(1) == "correlation" and m.group(2) == "handle":
            continue
        rest = m.group(4)
        extras: Dict[str, str] = {}
        unit = re.search(r" unit=(.*)$", rest)
        if unit:
            extras["unit"] = unit.group(1)
            rest = rest[: unit.start()]
        for em in EXTRA.finditer(rest):
            extras[em.group(1)] = em.group(2)
        ev.fields.append(Field(m.group(1), m.group(2), m.group(3) == "required",
                               deprecated=rest.split(" ")[1:2] == ["deprecated"], extras=extras))


# --- values -------------------------------------------------------------------

def clamp(v, f: Field):
    lo, hi = f.bound("min"), f.bound("max")
    if lo is not None and v < lo:
        v = lo
    if hi is not None and v > hi:
        v = hi
    return v


def good_value(f: Field) -> Tuple[str, object]:
    """A value the field accepts and the JSON it should arrive as."""
    k = f.kind
    if k == "bool":
        return "true", True
    if k in ("int", "uint"):
        v = int(clamp(1, f))
        return str(v), v
    if k == "double":
        v = float(clamp(0.5, f))
        return repr(v), v
    if k == "string":
        return "x", "x"
    if k == "timestamp":
        if f.bound("min") is None and f.bound("max") is None:
            return "2026-11-22T05:30:00.123456789Z", "2026-11-22T05:30:00.123456789Z"
        v = int(clamp(1_000_000_000, f))
        return str(v), None
    if k == "duration":
        v = int(clamp(250_000_000, f))
        return ("250ms", v) if v == 250_000_000 else (str(v), v)
    if k == "enum":
        v = f.live_values[0]
        return v, v
    raise AssertionError(f"no good value for {f.type}")


def field_args(f: Field) -> Tuple[List[str], object]:
    if f.kind == "attributes":
        return [f"{f.name}.k=5"], {"k": 5}
    text, want = good_value(f)
    if f.is_list:
        return [f"{f.name}={text}"], [want]
    return [f"{f.name}={text}"], want


def minimal_args(ev: Event, skip: Optional[str] = None) -> Tuple[List[str], Dict[str, object]]:
    args: List[str] = [ev.name]
    want: Dict[str, object] = {}
    for f in ev.fields:
        if f.required and f.name != skip:
            a, w = field_args(f)
            args += a
            want[f.name] = w
    if ev.follow:
        args.append(f"correlation={TRACE}")
    return args, want


def spelling(f: Field) -> str:
    elem = "one of " + "|".join(f.values) if f.is_enum else f.base
    return f"list<{f.base}> element {elem}" if f.is_list else elem


GOOD: Dict[str, List[Tuple[str, object]]] = {
    "bool": [("true", True), ("false", False), ("1", True), ("0", False), ("yes", True),
             ("no", False)],
    "int": [("-9223372036854775808", -9223372036854775808),
            ("9223372036854775807", 9223372036854775807), ("+42", 42), ("0", 0)],
    "uint": [("18446744073709551615", 18446744073709551615), ("0", 0), ("+7", 7)],
    "double": [("0.25", 0.25), ("-1e300", -1e300), ("3", 3.0), ("nan", None), ("inf", None)],
    "string": [("hello world", "hello world"), ("", ""), ("ünïcode ✓", "ünïcode ✓")],
    "timestamp": [("2026-11-22T05:30:00.123456789Z", "2026-11-22T05:30:00.123456789Z"),
                  ("2026-11-22T06:30:00+01:00", "2026-11-22T05:30:00.000000000Z"),
                  ("2026-11-22t05:30:00.5z", "2026-11-22T05:30:00.500000000Z"),
                  ("1000000000", "1970-01-01T00:00:01.000000000Z")],
    "duration": [("250ms", 250_000_000), ("1.5s", 1_500_000_000), ("1h30m", 5_400_000_000_000),
                 ("42", 42), ("3us", 3000), ("2ns", 2)],
}

BAD: Dict[str, List[str]] = {
    "bool": ["maybe", "TRUE", "2", ""],
    "int": ["12x", "9223372036854775808", "-9223372036854775809", "", "1.0", " 1", "0x10"],
    "uint": ["-1", "18446744073709551616", "abc", ""],
    "double": ["1.5x", "", "1e999", "--1"],
    "timestamp": ["2026-02-30T00:00:00Z", "yesterday", "2026-11-22T05:30:00",
                  "2026-11-22T24:00:00Z", ""],
    "duration": ["1.5", "3 days", "ms", "1h30", ""],
    "enum": ["no_such_value_zz", ""],
}


def same_json(got, want) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)):
        return float(got) == want or (math.isnan(want) and math.isnan(got))
    return got == want


# --- the harness --------------------------------------------------------------

@unittest.skipUnless(cli_available(), "set BEACON_CLI to an <prefix>-emit binary")
class CliTest(unittest.TestCase):
    events: List[Event] = []

    @classmethod
    def setUpClass(cls) -> None:
        out = cls.run_cli_static(["--list"])
        assert out.returncode == 0, out.stderr
        cls.events = []
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) < 3:
                continue
            ev = Event(parts[0], parts[1], parts[2])
            d = cls.run_cli_static(["--describe", ev.name])
            assert d.returncode == 0, d.stderr
            parse_describe(d.stdout, ev)
            cls.events.append(ev)

    @staticmethod
    def run_cli_static(args: List[str], stdin: Optional[str] = None,
                       env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
        e = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
        e.update(env or {})
        return subprocess.run([CLI] + args, input=stdin, capture_output=True, text=True,
                              env=e, timeout=60)

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="beacon_cli_it_")
        self.path = os.path.join(self.dir, "events.ndjson")
        self.sink = ["--sink", f"file:{self.path}"]

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_cli(self, args, **kw) -> subprocess.CompletedProcess:
        return self.run_cli_static(args, **kw)

    def emit(self, args, **kw) -> subprocess.CompletedProcess:
        return self.run_cli_static(self.sink + args, **kw)

    def written(self) -> List[dict]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def expect_bad(self, args: List[str], message: str) -> None:
        r = self.emit(args)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr, message + "\n")
        self.assertEqual(self.written(), [])

    # Picks an always-sent plain event with a field of `kind`; prefers fields
    # without PII handling or bounds, which would change the value on the way.
    def find_field(self, kind: str, want_list: Optional[bool] = False,
                   unbounded: bool = False) -> Tuple[Event, Field]:
        best = None
        for ev in self.events:
            if not ev.always_sent:
                continue
            for f in ev.fields:
                if f.kind != kind or (want_list is not None and f.is_list != want_list):
                    continue
                if f.pii != "none" or int(f.extras.get("max_length", "1000000")) < 32:
                    continue
                bounded = "min" in f.extras or "max" in f.extras
                if unbounded and bounded:
                    continue
                if best is None or (not bounded and ev.kind == "event"):
                    best = (ev, f)
        if best is None:
            self.skipTest(f"catalog has no suitable {kind} field")
        return best

    def find_checked_field(self) -> Tuple[Event, Field]:
        """Any field whose values are checked client-side (not string/attributes)."""
        for kind in ("int", "uint", "double", "bool", "timestamp", "duration", "enum"):
            try:
                return self.find_field(kind, want_list=None)
            except unittest.SkipTest:
                continue
        self.skipTest("catalog has no field with a checked type")

    def line_with(self, ev: Event, f: Field, values: List[str]) -> List[str]:
        args, _ = minimal_args(ev, skip=f.name)
        return args + [f"{f.name}={v}" for v in values]

    # --- options ------------------------------------------------------------

    def test_help_exits_0_and_documents_every_type(self):
        r = self.run_cli(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(f"usage: {PROG} ", r.stdout)
        for t in SCALARS + ("enum", "list<T>", "attributes", "correlation="):
            self.assertIn(t, r.stdout)

    def test_version_exits_0_and_names_catalog(self):
        r = self.run_cli(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith(PROG))
        if CATALOG:
            self.assertIn(f"catalog {CATALOG} ", r.stdout)

    def test_unknown_option_exits_2(self):
        r = self.run_cli(["--frobnicate"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, f"{PROG}: unknown option '--frobnicate' (see '{PROG} --help')\n")

    def test_no_arguments_prints_usage_and_exits_2(self):
        r = self.run_cli([])
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith(f"usage: {PROG} "))

    def test_list_has_events_with_valid_levels(self):
        self.assertTrue(self.events)
        for ev in self.events:
            self.assertIn(ev.level, ("debug", "info", "warn", "error"), ev.name)
            self.assertRegex(ev.name, r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")

    def test_describe_unknown_event_exits_2(self):
        r = self.run_cli(["--describe", "no.such.event.zz"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, f"{PROG}: unknown event 'no.such.event.zz' (see '{PROG} --list')\n")

    def test_bad_sink_spec_exits_2(self):
        ev = self.events[0]
        args, _ = minimal_args(ev)
        r = self.run_cli(["--sink", "nosuch-scheme:x"] + args)
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith(f"{PROG}: --sink 'nosuch-scheme:x': "), r.stderr)

    # --- every event --------------------------------------------------------

    def test_every_event_minimal_line_is_delivered(self):
        for ev in self.events:
            with self.subTest(event=ev.name):
                if os.path.exists(self.path):
                    os.unlink(self.path)
                args, want = minimal_args(ev)
                r = self.emit(args)
                self.assertEqual(r.returncode, 0, r.stderr)
                got = self.written()
                if not ev.always_sent:
                    self.assertLessEqual(len(got), 1)
                    continue
                self.assertEqual(len(got), 1, r.stderr)
                self.assertEqual(got[0]["event"], ev.name)
                self.assertEqual(got[0]["level"], ev.level)
                if CATALOG:
                    self.assertEqual(got[0]["catalog"], CATALOG)
                by_name = {f.name: f for f in ev.fields}
                for name, value in want.items():
                    f = by_name[name]
                    if f.pii != "none" or value is None:
                        continue
                    # The wire key and unit the catalog gives the field.
                    key = f.extras.get("key", name)
                    scale = DURATION_SCALE.get(f.extras.get("unit", ""), 1)
                    if f.kind == "duration" and scale != 1:
                        value = value / scale if scale == 1_000_000_000 else int(value / scale)
                    self.assertTrue(same_json(got[0]["data"][key], value),
                                    f"{key}: {got[0]['data'].get(key)!r} != {value!r}")
                if ev.begin:
                    handle = HANDLE.match(r.stdout)
                    self.assertIsNotNone(handle, r.stdout)
                    self.assertEqual(got[0]["trace_id"], handle.group(1))
                    self.assertEqual(got[0]["span_id"], handle.group(2))
                else:
                    self.assertEqual(r.stdout, "")
                if ev.follow:
                    self.assertEqual(got[0]["trace_id"], TRACE)

    def test_every_required_field_is_enforced(self):
        for ev in self.events:
            for f in ev.fields:
                if not f.required:
                    continue
                with self.subTest(event=ev.name, field=f.name):
                    args, _ = minimal_args(ev, skip=f.name)
                    self.expect_bad(args, f"{PROG}: {ev.name}: missing required field "
                                          f"'{f.name}' ({f.type})")

    def test_follow_events_require_correlation(self):
        follows = [ev for ev in self.events if ev.follow]
        if not follows:
            self.skipTest("catalog has no follow event")
        for ev in follows:
            with self.subTest(event=ev.name):
                args, _ = minimal_args(ev)
                args.remove(f"correlation={TRACE}")
                self.expect_bad(args, f"{PROG}: {ev.name}: missing required field 'correlation' "
                                      "(the handle printed by the begin event)")
                self.expect_bad(args + ["correlation=xyz"],
                                f"{PROG}: {ev.name}: field 'correlation': expected the handle a "
                                "begin event printed (00-<32 hex>-<16 hex>-<2 hex>) or a trace id "
                                "(32 hex digits, not all zero), got 'xyz'")

    def test_follow_event_takes_the_handle_printed_by_begin_event(self):
        begin = next((e for e in self.events if e.begin and e.always_sent), None)
        follow = next((e for e in self.events if e.follow and e.always_sent), None)
        if begin is None or follow is None:
            self.skipTest("catalog lacks an always-sent begin/follow pair")
        r = self.emit(minimal_args(begin)[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        handle = HANDLE.match(r.stdout)
        self.assertIsNotNone(handle, r.stdout)
        trace, span = handle.groups()
        args, _ = minimal_args(follow)
        args[-1] = f"correlation={r.stdout.strip()}"
        r = self.emit(args)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.written()
        self.assertEqual([g["trace_id"] for g in got], [trace, trace])
        # The follow event names the begin event's span as its parent.
        self.assertEqual(got[0]["span_id"], span)
        self.assertEqual(got[1]["parent_span_id"], span)

    # --- typed values -------------------------------------------------------

    def check_good(self, kind: str, cases: List[Tuple[str, object]]):
        ev, f = self.find_field(kind, want_list=None, unbounded=True)
        for text, want in cases:
            with self.subTest(event=ev.name, field=f.name, value=text):
                if os.path.exists(self.path):
                    os.unlink(self.path)
                r = self.emit(self.line_with(ev, f, [text]))
                self.assertEqual(r.returncode, 0, r.stderr)
                got = self.written()
                self.assertEqual(len(got), 1)
                value = got[0]["data"][f.name]
                if f.is_list:
                    self.assertEqual(len(value), 1)
                    value = value[0]
                self.assertTrue(same_json(value, want), f"{value!r} != {want!r}")

    def test_bool_values(self):
        self.check_good("bool", GOOD["bool"])

    def test_int_values_including_extremes(self):
        self.check_good("int", GOOD["int"])

    def test_uint_values_including_max(self):
        self.check_good("uint", GOOD["uint"])

    def test_double_values_and_nonfinite_as_null(self):
        self.check_good("double", GOOD["double"])

    def test_string_values_as_is(self):
        self.check_good("string", GOOD["string"])

    def test_timestamp_values_rfc3339_and_ns(self):
        self.check_good("timestamp", GOOD["timestamp"])

    def test_duration_values_with_units(self):
        self.check_good("duration", GOOD["duration"])

    def test_enum_values_by_name(self):
        ev, f = self.find_field("enum", want_list=None)
        self.check_good("enum", [(v, v) for v in f.values])

    def test_bad_values_are_rejected_with_exact_message(self):
        for kind, values in BAD.items():
            for want_list in (False, True):
                try:
                    ev, f = self.find_field(kind, want_list=want_list)
                except unittest.SkipTest:
                    continue
                for v in values:
                    with self.subTest(event=ev.name, field=f.name, value=v):
                        self.expect_bad(self.line_with(ev, f, [v]),
                                        f"{PROG}: {ev.name}: field '{f.name}': expected "
                                        f"{spelling(f)}, got '{v}'")

    def test_list_repeats_append_in_order(self):
        ev, f = self.find_field("string", want_list=True)
        r = self.emit(self.line_with(ev, f, ["a", "b b", ""]))
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.written()
        if ev.always_sent:
            self.assertEqual(got[0]["data"][f.name], ["a", "b b", ""])

    def test_attributes_are_typed_by_inference_and_suffix(self):
        ev, f = self.find_field("attributes", want_list=None)
        args, _ = minimal_args(ev, skip=f.name)
        args += [f"{f.name}.i=-5", f"{f.name}.d=0.5", f"{f.name}.b=true", f"{f.name}.s=hello",
                 f"{f.name}.zip=01234", f"{f.name}.forced:string=42", f"{f.name}.u=18446744073709551615"]
        r = self.emit(args)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.written()[0]["data"][f.name]
        self.assertEqual(got, {"i": -5, "d": 0.5, "b": True, "s": "hello", "zip": "01234",
                               "forced": "42", "u": 18446744073709551615})

    def test_attributes_need_a_key(self):
        ev, f = self.find_field("attributes", want_list=None)
        args, _ = minimal_args(ev, skip=f.name)
        self.expect_bad(args + [f"{f.name}=5"],
                        f"{PROG}: {ev.name}: field '{f.name}': expected attributes entry "
                        f"{f.name}.KEY=VALUE, got '{f.name}=5'")

    def test_bounds_violation_exits_2_naming_the_field(self):
        for ev in self.events:
            for f in ev.fields:
                if f.kind in ("int", "uint", "duration") and not f.is_list and "max" in f.extras:
                    args, _ = minimal_args(ev, skip=f.name)
                    hi = f.bound("max")
                    r = self.emit(args + [f"{f.name}={int(hi) + 1}"])
                    self.assertEqual(r.returncode, 2, r.stderr)
                    shown = "" if f.pii != "none" else f" = {int(hi) + 1}"
                    self.assertEqual(r.stderr, f"{PROG}: {ev.name}: field '{f.name}'{shown} "
                                               f"is above max {int(hi)}\n")
                    return
        self.skipTest("catalog has no integer field with a max")

    def test_nan_in_bounded_field_exits_2_naming_the_field_and_rule(self):
        for ev in self.events:
            for f in ev.fields:
                if f.kind == "double" and not f.is_list and ("max" in f.extras or
                                                             "min" in f.extras):
                    args, _ = minimal_args(ev, skip=f.name)
                    r = self.emit(args + [f"{f.name}=nan"])
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertEqual(r.stderr, f"{PROG}: {ev.name}: field '{f.name}' is NaN "
                                               f"but the field has bounds\n")
                    self.assertEqual(r.stdout, "")
                    return
        self.skipTest("catalog has no bounded double field")

    # --- bad lines ------------------------------------------------------------

    def test_field_given_twice_is_rejected(self):
        ev, f = self.find_field("string", want_list=False)
        self.expect_bad(self.line_with(ev, f, ["a", "b"]),
                        f"{PROG}: {ev.name}: field '{f.name}' given twice")

    def test_unknown_field_suggests_nearest(self):
        ev = next((e for e in self.events if any(len(f.name) >= 4 for f in e.fields)), None)
        if ev is None:
            self.skipTest("no field name long enough to misspell")
        f = next(f for f in ev.fields if len(f.name) >= 4)
        typo = f.name[0] + f.name[2] + f.name[1] + f.name[3:]
        if typo == f.name or any(g.name == typo for g in ev.fields):
            self.skipTest("typo collides")
        args, _ = minimal_args(ev)
        self.expect_bad(args + [f"{typo}=1"],
                        f"{PROG}: {ev.name}: unknown field '{typo}' (did you mean '{f.name}'?)")

    def test_unknown_event_suggests_nearest(self):
        ev = max(self.events, key=lambda e: len(e.name))
        typo = ev.name[:-1]
        if any(e.name == typo for e in self.events):
            self.skipTest("typo collides")
        self.expect_bad([typo], f"{PROG}: unknown event '{typo}' (did you mean '{ev.name}'?)")

    def test_control_characters_in_values_are_escaped(self):
        ev, f = self.find_checked_field()
        self.expect_bad(self.line_with(ev, f, ["1\x1b[2J\n"]),
                        f"{PROG}: {ev.name}: field '{f.name}': expected {spelling(f)}, "
                        "got '1\\x1B[2J\\x0A'")

    def test_long_values_are_truncated_in_messages(self):
        ev, f = self.find_checked_field()
        self.expect_bad(self.line_with(ev, f, ["9" * 100 + "x\x01"]),
                        f"{PROG}: {ev.name}: field '{f.name}': expected {spelling(f)}, "
                        f"got '{'9' * 64}'...")

    # --- stdin mode -----------------------------------------------------------

    def test_stdin_mode_emits_good_lines_and_counts_bad_ones(self):
        ev = next((e for e in self.events if e.always_sent), None)
        if ev is None:
            self.skipTest("no always-sent event")
        good = " ".join(f"'{a}'" for a in minimal_args(ev)[0])
        text = f"# comment\n\n{good}\nno.such.event.zz\n   \n{good}\n"
        r = self.emit(["-"], stdin=text)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, f"{PROG}: line 4: unknown event 'no.such.event.zz' "
                                   f"(see '{PROG} --list')\n"
                                   f"{PROG}: 1 of 3 event lines failed\n")
        self.assertEqual([g["event"] for g in self.written()], [ev.name, ev.name])

    def test_stdin_mode_all_good_exits_0(self):
        ev = next((e for e in self.events if e.always_sent), None)
        if ev is None:
            self.skipTest("no always-sent event")
        good = " ".join(f'"{a}"' for a in minimal_args(ev)[0])
        r = self.emit(["-"], stdin=(good + "\n") * 50)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.written()), 50)

    def test_stdin_mode_reports_unterminated_quote(self):
        r = self.emit(["-"], stdin="some.event 'unterminated\n")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, f"{PROG}: line 1: unterminated single quote\n"
                                   f"{PROG}: 1 of 1 event lines failed\n")

    # --- runtime --------------------------------------------------------------

    def test_kill_switch_exits_0_and_sends_nothing(self):
        ev = self.events[0]
        r = self.emit(minimal_args(ev)[0], env={"BEACON_DISABLED": "1"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.written(), [])

    def test_undeliverable_sink_exits_1(self):
        ev = next((e for e in self.events if e.always_sent), None)
        if ev is None:
            self.skipTest("no always-sent event")
        bad = os.path.join(self.dir, "missing", "dir", "events.ndjson")
        r = self.run_cli(["--sink", f"file:{bad}"] + minimal_args(ev)[0])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{PROG}: 1 event not delivered", r.stderr)

    def test_stats_prints_json_counters(self):
        ev = next((e for e in self.events if e.always_sent and not e.begin), None)
        if ev is None:
            self.skipTest("no always-sent event")
        r = self.emit(["--stats"] + minimal_args(ev)[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        stats = json.loads(r.stderr.splitlines()[-1])  # after any warning
        self.assertEqual(stats["total"]["delivered"], 1)

    COUNTERS = ["emitted", "delivered", "dropped_queue_full", "dropped_sampled",
                "dropped_filtered", "dropped_invalid", "dropped_shutdown", "dropped_sink_error",
                "dropped_reentrant", "dropped_rejected", "dropped_send_failed",
                "dropped_too_large", "dropped_buffer_full", "retries", "spooled", "replayed",
                "dropped_spool_evicted", "spool_corrupt", "spool_pending_bytes"]

    def test_threads_spread_stdin_over_producers_and_stats_name_every_counter(self):
        ev = next((e for e in self.events if e.always_sent and not e.begin), None)
        if ev is None:
            self.skipTest("no always-sent event")
        good = " ".join(f'"{a}"' for a in minimal_args(ev)[0])
        r = self.emit(["--stats", "--threads", "4", "-"], stdin=(good + "\n") * 400)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.written()), 400)
        stats = json.loads(r.stderr.splitlines()[-1])  # after any warning
        for scope in [stats["total"], stats["sinks"][0]]:
            self.assertEqual(sorted(k for k in scope if k != "spec"), sorted(self.COUNTERS))
        sink = stats["sinks"][0]
        self.assertEqual(sink["spec"], f"file:{self.path}")
        self.assertEqual(sink["emitted"], 400)
        self.assertEqual(sink["delivered"], 400)
        self.assertEqual(sum(sink[k] for k in self.COUNTERS[1:]), sink["emitted"])

    def test_threads_needs_a_count_and_stdin_mode(self):
        r = self.emit(["--threads", "0", "-"], stdin="")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--threads wants a number from 1 to 256", r.stderr)
        ev = self.events[0]
        r = self.emit(["--threads", "2"] + minimal_args(ev)[0])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--threads works with '-' (stdin) only", r.stderr)



# --- context fields and trace continuation (privacy fixture catalog) -------------

PRV = os.environ.get("BEACON_PRV_EMIT", "")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@unittest.skipUnless(PRV and os.access(PRV, os.X_OK), "BEACON_PRV_EMIT not set")
class ContextCliTest(unittest.TestCase):
    """--context and --traceparent of `prv-emit` (tests/unit/catalogs/privacy.yaml)."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="beacon_cli_ctx_")
        self.path = os.path.join(self.dir, "events.ndjson")

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_prv(self, args: List[str], stdin: Optional[str] = None,
                env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
        e = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
        e.update(env or {})
        return subprocess.run([PRV, "--sink", f"file:{self.path}"] + args, input=stdin,
                              capture_output=True, text=True, env=e, timeout=60)

    def written(self) -> List[dict]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def test_context_values_are_typed_and_sent_with_the_event(self):
        r = self.run_prv(["--context", "ctx_plain=req-7", "--context", "ctx_tenant=-42",
                          "work.note", "seq=1"])
        self.assertEqual(r.returncode, 0, r.stderr)
        ev = self.written()[0]
        self.assertEqual(ev["context"], {"ctx_plain": "req-7", "ctx_tenant": -42})
        self.assertLess(list(ev).index("context"), list(ev).index("data"))

    def test_context_applies_to_every_stdin_line_and_thread(self):
        lines = "".join(f"work.note seq={i}\n" for i in range(40))
        r = self.run_prv(["--context", "ctx_plain=p", "--threads", "3", "-"], stdin=lines)
        self.assertEqual(r.returncode, 0, r.stderr)
        evs = self.written()
        self.assertEqual(len(evs), 40)
        for ev in evs:
            self.assertEqual(ev["context"], {"ctx_plain": "p"})

    def test_unknown_context_field_exits_2_with_suggestion(self):
        r = self.run_prv(["--context", "ctx_plan=1", "work.note", "seq=1"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, f"{os.path.basename(PRV)}: --context: unknown context field "
                                   "'ctx_plan' (did you mean 'ctx_plain'?)\n")
        self.assertEqual(self.written(), [])

    def test_bad_context_value_exits_2_naming_the_type(self):
        r = self.run_prv(["--context", "ctx_tenant=abc", "work.note", "seq=1"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, f"{os.path.basename(PRV)}: --context: field 'ctx_tenant': "
                                   "expected int, got 'abc'\n")
        self.assertEqual(self.written(), [])

    def test_context_without_value_exits_2(self):
        r = self.run_prv(["--context", "ctx_tenant", "work.note", "seq=1"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--context wants FIELD=VALUE", r.stderr)

    def test_context_field_given_twice_exits_2(self):
        r = self.run_prv(["--context", "ctx_plain=a", "--context", "ctx_plain=b",
                          "work.note", "seq=1"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("given twice", r.stderr)

    def test_traceparent_is_continued(self):
        r = self.run_prv(["--traceparent", TRACEPARENT, "work.note", "seq=1"])
        self.assertEqual(r.returncode, 0, r.stderr)
        ev = self.written()[0]
        self.assertEqual(ev["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(ev["parent_span_id"], "00f067aa0ba902b7")

    def test_traceparent_reaches_span_events_and_stdin_threads(self):
        lines = "".join(f"work.note seq={i}\n" for i in range(10)) + "job.run.start job=x\n"
        r = self.run_prv(["--traceparent", TRACEPARENT, "--threads", "2", "-"], stdin=lines)
        self.assertEqual(r.returncode, 0, r.stderr)
        evs = self.written()
        self.assertEqual(len(evs), 11)
        for ev in evs:
            self.assertEqual(ev["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")

    def test_invalid_traceparent_is_ignored_and_debug_says_so(self):
        r = self.run_prv(["--traceparent", "00-nothex-00f067aa0ba902b7-01", "work.note", "seq=1"],
                         env={"BEACON_DEBUG": "1"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ignoring invalid --traceparent", r.stderr)
        ev = self.written()[0]
        self.assertNotIn("trace_id", ev)
        self.assertNotIn("parent_span_id", ev)
        quiet = self.run_prv(["--traceparent", "garbage", "work.note", "seq=2"])
        self.assertEqual(quiet.returncode, 0)
        self.assertEqual(quiet.stderr, "")

    def test_begin_event_under_traceparent_continues_its_trace(self):
        r = self.run_prv(["--traceparent", TRACEPARENT, "session.opened", "origin=web"])
        self.assertEqual(r.returncode, 0, r.stderr)
        handle = HANDLE.match(r.stdout)
        self.assertIsNotNone(handle, r.stdout)
        trace, span = handle.groups()
        self.assertEqual(trace, "4bf92f3577b34da6a3ce929d0e0e4736")
        ev = self.written()[0]
        self.assertEqual(ev["trace_id"], trace)
        self.assertEqual(ev["parent_span_id"], "00f067aa0ba902b7")
        self.assertEqual(ev["span_id"], span)
        self.assertNotEqual(ev["span_id"], "00f067aa0ba902b7")

    def test_the_handle_a_begin_event_printed_continues_as_traceparent(self):
        r = self.run_prv(["session.opened", "origin=web"])
        self.assertEqual(r.returncode, 0, r.stderr)
        handle = HANDLE.match(r.stdout)
        self.assertIsNotNone(handle, r.stdout)
        trace, span = handle.groups()
        r = self.run_prv(["--traceparent", r.stdout.strip(), "work.note", "seq=1"])
        self.assertEqual(r.returncode, 0, r.stderr)
        note = self.written()[-1]
        self.assertEqual(note["event"], "work.note")
        self.assertEqual(note["trace_id"], trace)
        self.assertEqual(note["parent_span_id"], span)

    def test_help_lists_context_fields_with_their_policy(self):
        r = subprocess.run([PRV, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertIn("--context F=V", r.stdout)
        self.assertIn("--traceparent H", r.stdout)
        self.assertRegex(r.stdout, r"ctx_hash +string, pii: hash")


if __name__ == "__main__":
    unittest.main()
