"""Tests of the catalog loader and validator (codegen/validate.py).

Every file in invalid/ lists the diagnostics it must produce in leading
`# expect: LINE:COL: SEVERITY: MESSAGE` comments; the test compares the exact
list, in order. Files in valid/ must load, with exactly the warnings they list
the same way (usually none).

Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/codegen -p 'test_*.py'
"""
from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import sys
import tempfile
import textwrap
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codegen import naming  # noqa: E402
from codegen.validate import load_catalog  # noqa: E402

EXPECT_RE = re.compile(r"#\s*expect:\s*(.*\S)\s*$")


def expected_diagnostics(path: str):
    """The `# expect:` lines of a file, as 'line:col: severity: message'."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    return [m.group(1) for m in map(EXPECT_RE.match, text.splitlines()) if m]


def rendered(diags):
    return [f"{d.pos.line}:{d.pos.col}: {d.severity}: {d.message}" for d in diags]


class TempCatalogs:
    """Writes catalog text to temporary files for the tests that need an
    inline catalog."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="beacon-validate-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, text: str, name: str = "catalog.yaml") -> str:
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text))
        return path


class InvalidCatalogs(unittest.TestCase):
    def test_there_are_at_least_thirty_invalid_catalogs(self):
        self.assertGreaterEqual(len(glob.glob(os.path.join(HERE, "invalid", "*.yaml"))), 30)

    def test_each_invalid_catalog_reports_exactly_its_expected_diagnostics(self):
        files = sorted(glob.glob(os.path.join(HERE, "invalid", "*.yaml")))
        for path in files:
            with self.subTest(catalog=os.path.basename(path)):
                want = expected_diagnostics(path)
                self.assertTrue(want, "an invalid catalog must list what it expects")
                cat, diags = load_catalog(path)
                self.assertIsNone(cat)
                self.assertEqual(rendered(diags), want)
                self.assertTrue(any(d.severity == "error" for d in diags))

    def test_diagnostics_name_the_display_path(self):
        path = os.path.join(HERE, "invalid", "03_unknown_field_key.yaml")
        _, diags = load_catalog(path, display_path="catalogs/typo.yaml")
        self.assertEqual([str(d) for d in diags],
                         ["catalogs/typo.yaml:" + d for d in expected_diagnostics(path)])

    def test_diagnostics_name_the_path_without_display_path(self):
        path = os.path.join(HERE, "invalid", "03_unknown_field_key.yaml")
        _, diags = load_catalog(path)
        self.assertEqual({d.pos.path for d in diags}, {path})

    def test_several_errors_are_reported_in_one_run(self):
        path = os.path.join(HERE, "invalid", "38_many_errors.yaml")
        _, diags = load_catalog(path)
        self.assertGreaterEqual(sum(d.severity == "error" for d in diags), 5)

    def test_missing_file_is_an_error_not_an_exception(self):
        cat, diags = load_catalog(os.path.join(HERE, "no-such-catalog.yaml"))
        self.assertIsNone(cat)
        self.assertEqual(len(diags), 1)
        self.assertEqual(diags[0].severity, "error")
        self.assertTrue(diags[0].message.startswith("cannot read catalog"))


class ValidCatalogs(unittest.TestCase):
    def valid_files(self):
        files = sorted(glob.glob(os.path.join(HERE, "valid", "*.yaml")))
        files += sorted(glob.glob(os.path.join(HERE, "fixtures", "*.yaml")))
        files += sorted(glob.glob(os.path.join(ROOT, "schema", "*.yaml")))
        return files

    def test_valid_catalogs_load_without_errors(self):
        files = self.valid_files()
        self.assertTrue(files)
        for path in files:
            with self.subTest(catalog=os.path.relpath(path, ROOT)):
                cat, diags = load_catalog(path)
                self.assertEqual([str(d) for d in diags if d.severity == "error"], [])
                self.assertIsNotNone(cat)

    def test_own_valid_catalogs_warn_exactly_as_listed(self):
        for path in sorted(glob.glob(os.path.join(HERE, "valid", "*.yaml"))):
            with self.subTest(catalog=os.path.basename(path)):
                _, diags = load_catalog(path)
                self.assertEqual(rendered(diags), expected_diagnostics(path))

    def test_every_feature_catalog_builds_the_expected_model(self):
        cat, _ = load_catalog(os.path.join(HERE, "valid", "every_feature.yaml"))
        self.assertEqual((cat.name, cat.prefix, cat.format_version, cat.version),
                         ("every_feature", "evf", 1, 7))
        self.assertEqual([e.name for e in cat.enums], ["record_type", "outcome"])
        self.assertEqual([f.name for f in cat.context],
                         ["session_id", "user_id", "tenant", "region", "request_start",
                          "attempt"])
        self.assertTrue(all(f.optional for f in cat.context))
        ev = {e.name: e for e in cat.events}
        received = ev["upload.received"]
        self.assertEqual((received.correlation, received.category, received.level),
                         ("begin", "user", "info"))
        self.assertEqual(ev["upload.failed"].correlation, "follow")
        self.assertEqual(ev["upload.failed"].sample_rate, 0.5)
        self.assertTrue(ev["upload.debug"].deprecated)
        self.assertEqual(ev["upload.debug"].sample_rate, 0.0)
        self.assertEqual(ev["heartbeat"].fields, [])
        self.assertEqual(ev["heartbeat"].level, "warn")

    def test_enum_values_keep_catalog_order_descriptions_and_deprecation(self):
        cat, _ = load_catalog(os.path.join(HERE, "valid", "every_feature.yaml"))
        values = [(v.name, v.description, v.deprecated) for v in cat.enums[0].values]
        self.assertEqual(values, [
            ("audio", "Audio recording.", False),
            ("transcript", "Plain-text transcript.", False),
            ("note", "Clinician note.", True),
            ("legacy", None, True),
            ("other", None, False),
        ])

    def test_enum_value_names_are_read_as_written_not_as_yaml_booleans(self):
        cat, _ = load_catalog(os.path.join(HERE, "valid", "every_feature.yaml"))
        self.assertEqual([v.name for v in cat.enums[1].values], ["ok", "yes", "off"])

    def test_fields_carry_types_and_constraints(self):
        cat, _ = load_catalog(os.path.join(HERE, "valid", "every_feature.yaml"))
        fields = {f.name: f for f in cat.events[0].fields}
        self.assertEqual(fields["mrn"].type.spelling, "string")
        self.assertEqual((fields["mrn"].optional, fields["mrn"].pii, fields["mrn"].max_length),
                         (True, "hash", 64))
        self.assertEqual((fields["tags"].type.base, fields["tags"].type.is_list,
                          fields["tags"].max_items), ("string", True, 32))
        self.assertEqual(fields["kinds"].type.spelling, "list<record_type>")
        self.assertIs(fields["kinds"].type.enum, cat.enums[0])
        self.assertEqual(fields["record_type"].type.base, "enum")
        self.assertEqual((fields["size"].min, fields["size"].max), (0, 1000000000))
        self.assertIsInstance(fields["size"].max, int)
        self.assertEqual((fields["offset"].min, fields["offset"].max), (-1000, 1000))
        self.assertEqual((fields["ratio"].min, fields["ratio"].max), (-0.5, 2.5))
        self.assertEqual((fields["deltas"].min, fields["deltas"].max), (-5, 5))
        self.assertEqual(fields["took"].unit, "ns")
        self.assertEqual(fields["extra"].type.spelling, "attributes")
        self.assertEqual((fields["extra"].max_items, fields["extra"].max_length,
                          fields["extra"].pii), (16, 128, "scrub"))
        self.assertTrue(fields["old_field"].deprecated)
        self.assertEqual(fields["old_field"].description, "Superseded.")

    def test_stacktrace_marks_only_the_fields_that_set_it(self):
        cat, _ = load_catalog(os.path.join(HERE, "valid", "every_feature.yaml"))
        ev = {e.name: e for e in cat.events}
        marked = [(e.name, f.name) for e in cat.events for f in e.fields if f.stacktrace]
        self.assertEqual(marked, [("upload.failed", "frames")])
        self.assertEqual(ev["upload.failed"].fields[-1].type.spelling, "list<string>")

    def test_shorthand_field_spec_is_just_the_type(self):
        cat, _ = load_catalog(os.path.join(HERE, "valid", "every_feature.yaml"))
        count = [f for f in cat.events[0].fields if f.name == "count"][0]
        self.assertEqual((count.type.spelling, count.optional, count.pii), ("int", False, "none"))
        self.assertEqual(count.type.base, "int")
        self.assertFalse(count.type.is_list)
        flags = [f for f in cat.events[0].fields if f.name == "flags"][0]
        self.assertEqual(flags.type.spelling, "list<bool>")

    def test_fields_keep_catalog_order_and_positions(self):
        path = os.path.join(HERE, "valid", "every_feature.yaml")
        cat, _ = load_catalog(path)
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for field in cat.events[0].fields:
            line = lines[field.pos.line - 1]
            self.assertEqual(line[field.pos.col - 1:].split(":")[0], field.name)

    def test_source_path_and_hash(self):
        path = os.path.join(HERE, "valid", "minimal.yaml")
        cat, diags = load_catalog(path, display_path="valid/minimal.yaml")
        self.assertEqual(diags, [])
        with open(path, "rb") as f:
            self.assertEqual(cat.source_hash, hashlib.sha256(f.read()).hexdigest())
        self.assertEqual(cat.source_path, "valid/minimal.yaml")
        cat, _ = load_catalog(path)
        self.assertEqual(cat.source_path, path)

    def test_defaults_of_a_minimal_catalog(self):
        cat, _ = load_catalog(os.path.join(HERE, "valid", "minimal.yaml"))
        self.assertEqual((cat.name, cat.prefix, cat.version, cat.format_version),
                         ("minimal", "minimal", 1, 1))
        self.assertEqual((cat.enums, cat.context, cat.events, cat.spans), ([], [], [], []))


class Spans(TempCatalogs, unittest.TestCase):
    CATALOG = """\
        beacon: 1
        catalog: spans
        prefix: sp
        events:
          job.queued:
            description: Declared events come first.
        spans:
          tool.execution:
            description: A tool ran.
            category: tool
            level: warn
            sample_rate: 0.5
            deprecated: true
            fields:
              tool: {type: string, max_length: 64}
              attempt: {type: uint, optional: true}
          job.run:
            description: A job ran.
        """

    def load(self):
        cat, diags = load_catalog(self.write(self.CATALOG))
        self.assertEqual(diags, [])
        return cat

    def test_span_events_follow_declared_events_in_span_order(self):
        cat = self.load()
        self.assertEqual([e.name for e in cat.events], [
            "job.queued",
            "tool.execution.start", "tool.execution.stop", "tool.execution.exception",
            "job.run.start", "job.run.stop", "job.run.exception",
        ])
        self.assertEqual([e.kind for e in cat.events[1:4]],
                         ["span_start", "span_stop", "span_exception"])
        self.assertEqual(cat.events[0].kind, "event")

    def test_span_links_its_derived_events_both_ways(self):
        cat = self.load()
        span = cat.spans[0]
        self.assertEqual((span.start, span.stop, span.exception), tuple(cat.events[1:4]))
        for ev in cat.events[1:4]:
            self.assertIs(ev.span, span)
        self.assertIsNone(cat.events[0].span)

    def test_derived_events_carry_the_span_fields_plus_duration_and_error_type(self):
        span = self.load().spans[0]
        self.assertEqual([f.name for f in span.start.fields], ["tool", "attempt"])
        self.assertEqual([f.name for f in span.stop.fields], ["tool", "attempt", "duration_ns"])
        self.assertEqual([f.name for f in span.exception.fields],
                         ["tool", "attempt", "duration_ns", "error_type"])
        duration = span.stop.fields[2]
        self.assertEqual((duration.type.spelling, duration.unit, duration.optional),
                         ("duration", "ns", False))
        error_type = span.exception.fields[3]
        self.assertEqual((error_type.type.spelling, error_type.max_length, error_type.optional),
                         ("string", 256, False))
        self.assertEqual(span.start.fields[0].max_length, 64)
        self.assertTrue(span.stop.fields[1].optional)

    def test_derived_events_inherit_span_attributes_and_exception_is_an_error(self):
        span = self.load().spans[0]
        for ev in (span.start, span.stop, span.exception):
            self.assertEqual((ev.category, ev.sample_rate, ev.deprecated), ("tool", 0.5, True))
            self.assertEqual(ev.correlation, "none")
        self.assertEqual((span.start.level, span.stop.level, span.exception.level),
                         ("warn", "warn", "error"))

    def test_derived_events_generate_no_colliding_symbols(self):
        self.assertEqual(naming.collisions(self.load()), {})


class PiiNames(TempCatalogs, unittest.TestCase):
    def catalog(self, fields: str) -> str:
        return self.write("beacon: 1\ncatalog: pii\nevents:\n  e:\n    description: E.\n"
                          "    fields:\n" + textwrap.indent(textwrap.dedent(fields), "      "))

    def test_pii_looking_name_warns_and_still_loads(self):
        cat, diags = load_catalog(self.catalog("patient_email: string\n"))
        self.assertIsNotNone(cat)
        self.assertEqual(rendered(diags), [
            "7:7: warning: field 'patient_email' looks like personal data; set pii: "
            "(hash, redact, drop, scrub or none)"])

    def test_strict_mode_turns_the_pii_warning_into_an_error(self):
        cat, diags = load_catalog(self.catalog("patient_email: string\n"), strict=True)
        self.assertIsNone(cat)
        self.assertEqual(rendered(diags), [
            "7:7: error: field 'patient_email' looks like personal data; set pii: "
            "(hash, redact, drop, scrub or none)"])

    def test_strict_mode_keeps_missing_descriptions_as_warnings(self):
        path = self.write("beacon: 1\ncatalog: s\nevents:\n  e: {}\n")
        cat, diags = load_catalog(path, strict=True)
        self.assertIsNotNone(cat)
        self.assertEqual(rendered(diags), ["4:3: warning: event 'e' has no description"])

    def test_explicit_pii_none_silences_the_warning(self):
        cat, diags = load_catalog(self.catalog("client_ip: {type: string, pii: none}\n"),
                                  strict=True)
        self.assertIsNotNone(cat)
        self.assertEqual(diags, [])

    def test_which_names_look_personal(self):
        personal = ["email", "user_email", "phone", "mobile_number", "home_address", "street",
                    "zip", "postcode", "mrn", "athena_mrn", "ssn", "dob", "birthdate",
                    "client_ip", "ipaddr", "passport_no", "iban", "card_number", "patient_id",
                    "name", "first_name", "last_name", "full_name", "user_name", "username",
                    "mail"]
        neutral = ["file_name", "dataset_name", "algorithm_name", "column_name", "event_type",
                   "tool", "description", "tip", "zipped", "recipient_count", "error"]
        fields = "".join(f"{n}: string\n" for n in personal + neutral)
        _, diags = load_catalog(self.catalog(fields))
        warned = [re.search(r"field '([^']+)'", d.message).group(1) for d in diags]
        self.assertEqual(warned, personal)

    def test_only_types_pii_can_act_on_are_checked(self):
        fields = ("has_patient_info: bool\npatient_count: uint\nemail_sent_at: timestamp\n"
                  "patient_tags: list<string>\npatient_extra: attributes\n")
        _, diags = load_catalog(self.catalog(fields))
        self.assertEqual([re.search(r"field '([^']+)'", d.message).group(1) for d in diags],
                         ["patient_tags", "patient_extra"])


class Misc(TempCatalogs, unittest.TestCase):
    def test_diagnostics_are_sorted_by_position_across_sections(self):
        # spans are checked after events but appear first in the file
        path = self.write("""\
            beacon: 1
            catalog: order
            spans:
              s:
                description: S.
                levl: info
            events:
              e:
                description: E.
                levl: info
            """)
        _, diags = load_catalog(path)
        self.assertEqual([(d.pos.line, d.pos.col) for d in diags], [(6, 5), (10, 5)])

    def test_enum_may_be_used_before_it_is_declared(self):
        path = self.write("""\
            beacon: 1
            catalog: later
            events:
              e:
                description: E.
                fields: {kind: kind}
            enums:
              kind:
                description: K.
                values: {a: A.}
            """)
        cat, diags = load_catalog(path)
        self.assertEqual(diags, [])
        self.assertIs(cat.events[0].fields[0].type.enum, cat.enums[0])

    def test_anchors_and_aliases_are_followed(self):
        path = self.write("""\
            beacon: 1
            catalog: alias
            events:
              a:
                description: A.
                fields: &shared {n: int, s: {type: string, optional: true}}
              b:
                description: B.
                fields: *shared
            """)
        cat, diags = load_catalog(path)
        self.assertEqual(diags, [])
        self.assertEqual([f.name for f in cat.events[1].fields], ["n", "s"])
        self.assertIsNot(cat.events[0].fields[0], cat.events[1].fields[0])

    def test_syntax_error_message_does_not_depend_on_libyaml(self):
        text = "beacon: 1\ncatalog: x\nevents: {a: [}\n"
        try:
            yaml.compose(text, Loader=yaml.SafeLoader)
            self.fail("the pure-Python loader accepted a broken document")
        except yaml.MarkedYAMLError as exc:
            want = (f"{exc.problem_mark.line + 1}:{exc.problem_mark.column + 1}: "
                    f"error: {exc.problem}")
        cat, diags = load_catalog(self.write(text))
        self.assertIsNone(cat)
        self.assertEqual(rendered(diags), [want])

    def test_control_characters_are_reported_at_their_position(self):
        path = self.write("beacon: 1\ncatalog: x\ndescription: a\x01b\n")
        _, diags = load_catalog(path)
        self.assertEqual(rendered(diags), [
            "3:15: error: special characters are not allowed (character #x0001)"])

    def test_context_field_optional_is_accepted(self):
        path = self.write("beacon: 1\ncatalog: c\ncontext:\n"
                          "  tenant: {type: string, optional: true}\n  region: string\n")
        cat, diags = load_catalog(path)
        self.assertEqual(diags, [])
        self.assertEqual([(f.name, f.optional) for f in cat.context],
                         [("tenant", True), ("region", True)])

    def test_large_catalog_loads_quickly(self):
        import time
        lines = ["beacon: 1", "catalog: big", "events:"]
        for i in range(1000):
            lines += [f"  area{i % 10}.event_{i}:", "    description: Generated.",
                      "    fields:", "      count: {type: uint, max: 100}",
                      "      label: {type: string, optional: true, max_length: 32}",
                      "      tags: list<string>"]
        path = self.write("\n".join(lines) + "\n")
        start = time.monotonic()
        cat, diags = load_catalog(path)
        elapsed = time.monotonic() - start
        self.assertEqual(diags, [])
        self.assertEqual(len(cat.events), 1000)
        # generous: only a quadratic slip would come near it
        self.assertLess(elapsed, 5.0)


if __name__ == "__main__":
    unittest.main()
