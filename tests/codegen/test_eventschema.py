"""beacon-gen jsonschema: the per-event JSON Schemas (draft 2020-12) accept
what the real runtime writes, through each shipped catalog's built emitter
and the privacy fixture's, with and without a hash key, and reject broken
events. Run from the repository root after a build.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import emitters  # noqa: E402
from emitters import ROOT  # noqa: E402

from codegen import eventschema  # noqa: E402

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover - make deps installs python3-jsonschema
    Draft202012Validator = None

PYTHON = sys.executable


@unittest.skipIf(Draft202012Validator is None, "python3-jsonschema is not installed")
class RuntimeOutput(unittest.TestCase):
    def setUp(self):
        if emitters.bin_dir() is None:
            self.skipTest("no built emitters (build first, or set BEACON_BIN_DIR)")

    def validators(self, cat):
        out = {}
        for name, schema in eventschema.event_schemas(cat).items():
            Draft202012Validator.check_schema(schema)
            out[name] = Draft202012Validator(schema)
        return out

    def assert_valid(self, validators, line):
        doc = json.loads(line)
        errors = [f"{list(e.absolute_path)}: {e.message}"
                  for e in validators[doc["event"]].iter_errors(doc)]
        self.assertEqual(errors, [], line)

    def test_every_event_of_every_catalog_validates_with_and_without_a_hash_key(self):
        for path in emitters.CATALOGS:
            cat = emitters.load(path)
            validators = self.validators(cat)
            for key in (None, emitters.HASH_KEY):
                with self.subTest(catalog=path, hash_key=bool(key)):
                    lines = emitters.emit(cat, key)
                    self.assertEqual(len(lines), len(cat.events))
                    for line in lines:
                        self.assert_valid(validators, line)

    def test_redacted_forms_are_the_ones_the_schema_describes(self):
        cat = emitters.load("tests/unit/catalogs/privacy.yaml")
        validators = self.validators(cat)
        keyed = json.loads(emitters.emit(cat, emitters.HASH_KEY)[0])
        self.assertRegex(keyed["data"]["f_hash"], "^[0-9a-f]{32}$")
        self.assertEqual(keyed["data"]["f_redact"], "[REDACTED]")
        self.assertNotIn("f_drop", keyed["data"])
        self.assertIn("[email]", keyed["data"]["f_scrub"])
        self.assertIn("hash_key", keyed)
        unkeyed = json.loads(emitters.emit(cat)[0])
        self.assertEqual(unkeyed["data"]["f_hash"], "[REDACTED]")  # no key: never raw
        for doc in (keyed, unkeyed):
            self.assert_valid(validators, json.dumps(doc))

    def test_truncated_values_validate(self):
        cat = emitters.load("tests/unit/catalogs/privacy.yaml")
        line = emitters.emit(cat, None, ["record.stored f_short=" + "x" * 40])[0]
        doc = json.loads(line)
        self.assertEqual(doc["truncated"], ["f_short"])
        self.assert_valid(self.validators(cat), line)

    def test_broken_events_are_rejected(self):
        cat = emitters.load("schema/observer.yaml")
        validators = self.validators(cat)
        lines = {json.loads(x)["event"]: json.loads(x)
                 for x in emitters.emit(cat, emitters.HASH_KEY)}
        good = lines["upload.processed"]
        self.assert_valid(validators, json.dumps(good))

        def broken(mutate):
            doc = copy.deepcopy(good)
            mutate(doc)
            return list(validators["upload.processed"].iter_errors(doc))

        cases = {
            "wrong type": lambda d: d["data"].update(tags_count="42"),
            "missing required field": lambda d: d["data"].pop("transcript_id"),
            "unknown field": lambda d: d["data"].update(extra=1),
            "raw value where a hash is required": lambda d: d["data"].update(patient_id="P-1"),
            "number as text": lambda d: d["data"].update(confidence="1.5"),
            "negative uint": lambda d: d["data"].update(tags_count=-1),
            "string over max_length": lambda d: d["data"].update(category="c" * 65),
            "unknown top-level key": lambda d: d.update(extra=True),
            "wrong level": lambda d: d.update(level="error"),
            "wrong catalog version": lambda d: d.update(version=2),
            "follow event without trace id": lambda d: d.pop("trace_id"),
            "all-zero trace id": lambda d: d.update(trace_id="0" * 32),
            "bad time": lambda d: d.update(time="2026-11-22 05:30:00"),
            "truncated names no cuttable field": lambda d: d.update(truncated=["confidence"]),
        }
        for name, mutate in cases.items():
            with self.subTest(case=name):
                self.assertNotEqual(broken(mutate), [])

    def test_wrong_enum_value_is_rejected(self):
        cat = emitters.load("schema/observer.yaml")
        doc = json.loads(emitters.emit(cat)[0])
        doc["data"]["record_type"] = "video"
        v = Draft202012Validator(eventschema.event_schema(cat, cat.events[0]))
        self.assertFalse(v.is_valid(doc))


class Command(unittest.TestCase):
    def run_cli(self, *args):
        env = dict(os.environ, PYTHONPATH=ROOT)
        return subprocess.run([PYTHON, "-m", "codegen", "jsonschema", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)

    def test_writes_one_schema_per_event_and_check_finds_them_fresh(self):
        with tempfile.TemporaryDirectory() as out:
            r = self.run_cli("schema/webapi.yaml", "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            names = sorted(os.listdir(out))
            self.assertEqual(names, sorted(f"{e}.schema.json" for e in (
                "oe.start", "oe.moderation", "oe.interact", "api.request.start",
                "api.request.stop", "api.request.exception")))
            with open(os.path.join(out, "oe.interact.schema.json"), encoding="utf-8") as fh:
                schema = json.load(fh)
            self.assertEqual(schema["$schema"], "https://json-schema.org/draft/2020-12/schema")
            self.assertEqual(schema["properties"]["data"]["properties"]["rating"],
                             {"type": "integer", "minimum": -1, "maximum": 1,
                              "description": "Feedback given: -1, 0 or 1."})
            self.assertEqual(self.run_cli("schema/webapi.yaml", "-o", out, "--check").returncode, 0)
            os.remove(os.path.join(out, "oe.start.schema.json"))
            r = self.run_cli("schema/webapi.yaml", "-o", out, "--check")
            self.assertEqual(r.returncode, 1)
            self.assertIn("oe.start.schema.json: missing", r.stderr)

    def test_hash_field_schema_demands_hex_or_redacted_and_context_is_closed(self):
        cat = emitters.load("schema/webapi.yaml")
        s = eventschema.event_schema(cat, cat.events[0])
        ctx = s["properties"]["context"]
        uid = Draft202012Validator(ctx["properties"]["uid"])
        self.assertTrue(uid.is_valid("0123456789abcdef0123456789abcdef"))
        self.assertTrue(uid.is_valid("[REDACTED]"))
        self.assertFalse(uid.is_valid("alice"))
        self.assertFalse(uid.is_valid("[REDACTED]x"))
        self.assertFalse(ctx["additionalProperties"])
        self.assertNotIn("required", ctx)


if __name__ == "__main__":
    unittest.main()
