"""beacon-gen live-check: NDJSON with planted violations is reported line by
line with a summary and exit 1; real runtime output is clean (exit 0); a PII
value is never repeated in a report. Run from the repository root.
"""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import emitters  # noqa: E402
from emitters import ROOT  # noqa: E402

try:
    import jsonschema  # noqa: F401
except ImportError:  # pragma: no cover - make deps installs python3-jsonschema
    jsonschema = None

PYTHON = sys.executable
PLANTED = "tests/codegen/livecheck/observer_planted.ndjson"


def live_check(catalog, path="-", stdin=None):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([PYTHON, "-m", "codegen", "live-check", catalog, path], cwd=ROOT,
                          env=env, input=stdin, capture_output=True, text=True)


@unittest.skipIf(jsonschema is None, "python3-jsonschema is not installed")
class Planted(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.r = live_check("schema/observer.yaml", PLANTED)
        cls.out = cls.r.stdout.splitlines()

    def findings(self, line):
        prefix = f"{PLANTED}:{line}: "
        return [x[len(prefix):] for x in self.out if x.startswith(prefix)]

    def test_exits_1_with_a_summary(self):
        self.assertEqual(self.r.returncode, 1, self.r.stderr)
        self.assertEqual(self.out[-1], f"{PLANTED}: 7 lines, 6 events, 5 breaking the catalog, "
                                       f"9 findings")

    def test_clean_lines_have_no_findings(self):
        self.assertEqual(self.findings(1), [])
        self.assertEqual(self.findings(7), [])

    def test_every_violation_of_a_line_is_reported(self):
        self.assertEqual(self.findings(2), [
            "upload.received: data: unknown field extra (not in the catalog, or pii: drop)",
            'upload.received: data.has_patient_info: expected boolean, got "yes"',
            "upload.received: data.mrn: raw value where pii: hash demands a keyed hash "
            '(32 lowercase hex) or "[REDACTED]"',
            'upload.received: data.record_type: "video" is not one of audio, transcript, '
            'document, note',
        ])

    def test_missing_field_and_raw_hash_value(self):
        # confidence 1.5 is what the seed may send: the catalog sets no max.
        self.assertEqual(self.findings(4), [
            "upload.processed: data: missing required field tags_count",
            "upload.processed: data.patient_id: raw value where pii: hash demands a keyed hash "
            '(32 lowercase hex) or "[REDACTED]"',
        ])

    def test_invalid_json_unknown_event_and_missing_trace_id(self):
        self.assertEqual(self.findings(5), ["invalid JSON: Expecting value at column 1"])
        self.assertEqual(self.findings(6), ["upload.deleted: unknown event (not in catalog "
                                            "'observer')"])
        self.assertEqual(self.findings(8), ["upload.failed: missing required key trace_id"])

    def test_pii_values_never_appear_in_the_report(self):
        for secret in ("MRN-0042-7781", "P-77"):
            self.assertNotIn(secret, self.r.stdout)


@unittest.skipIf(jsonschema is None, "python3-jsonschema is not installed")
class RuntimeStreams(unittest.TestCase):
    def setUp(self):
        if emitters.bin_dir() is None:
            self.skipTest("no built emitters (build first, or set BEACON_BIN_DIR)")

    def test_real_output_of_every_catalog_is_clean_from_stdin(self):
        for path in emitters.CATALOGS:
            cat = emitters.load(path)
            for key in (None, emitters.HASH_KEY):
                with self.subTest(catalog=path, hash_key=bool(key)):
                    lines = emitters.emit(cat, key)
                    r = live_check(path, "-", "\n".join(lines) + "\n")
                    self.assertEqual(r.returncode, 0, r.stdout)
                    n = len(cat.events)
                    self.assertEqual(r.stdout, f"<stdin>: {n} lines, {n} events, 0 breaking "
                                               f"the catalog, 0 findings\n")

    def test_raw_redact_value_and_stream_of_another_catalog_are_reported(self):
        cat = emitters.load("tests/unit/catalogs/privacy.yaml")
        doc = json.loads(emitters.emit(cat, emitters.HASH_KEY)[0])
        doc["data"]["f_redact"] = "Jane Roe"
        doc["context"]["ctx_hash"] = "jane@example.com"
        r = live_check("tests/unit/catalogs/privacy.yaml", "-", json.dumps(doc) + "\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn('1: record.stored: context.ctx_hash: raw value where pii: hash demands',
                      r.stdout)
        self.assertIn('1: record.stored: data.f_redact: raw value where pii: redact demands '
                      '"[REDACTED]"', r.stdout)
        self.assertNotIn("Jane", r.stdout)
        self.assertNotIn("jane@", r.stdout)
        webapi = emitters.emit(emitters.load("schema/webapi.yaml"))
        r = live_check("schema/observer.yaml", "-", "\n".join(webapi) + "\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("oe.start: unknown event (not in catalog 'observer')", r.stdout)


if __name__ == "__main__":
    unittest.main()
