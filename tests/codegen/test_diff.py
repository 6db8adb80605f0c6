"""beacon-gen diff: pairs of catalogs whose changes have a known
classification, the version verdict and exit status, the JSON document for
CI, and reading a committed version with git:REF:PATH. Run from the
repository root.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codegen import diff  # noqa: E402
from codegen.validate import load_catalog  # noqa: E402

PAIR = os.path.join(HERE, "diff")
PYTHON = sys.executable

BASE = """\
beacon: 1
catalog: app
version: 1
enums:
  color:
    description: A color.
    values: {red: Red., green: Green.}
context:
  tenant: {type: string, max_length: 32, description: Tenant.}
events:
  job.started:
    description: A job started.
    category: jobs
    correlation: begin
    fields:
      name: {type: string, max_length: 64, pii: none, description: Job name.}
      size: {type: uint, min: 1, max: 100, description: Size.}
      owner: {type: string, optional: true, pii: hash, description: Owner.}
      color: {type: color, optional: true}
  job.done:
    description: A job ended.
    category: jobs
    correlation: follow
    fields:
      ok: {type: bool, description: Success.}
spans:
  step:
    description: A step.
    fields:
      label: {type: string, max_length: 16, description: Step label.}
"""


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def load(path):
    cat, diags = load_catalog(path)
    assert cat is not None, [str(d) for d in diags]
    return cat


class Pairs(unittest.TestCase):
    """BASE against one edit of it."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def verdict(self, old_text, new_text):
        old = load(write(self.tmp.name, "old.yaml", old_text))
        new = load(write(self.tmp.name, "new.yaml", new_text))
        return diff.diff(old, new)

    def kinds(self, new_text, old_text=BASE):
        return {(c.kind, c.classification) for c in self.verdict(old_text, new_text).changes}

    def edit(self, old, new, count=1):
        self.assertEqual(BASE.count(old), count, old)
        return BASE.replace(old, new)

    def test_identical_catalogs_have_no_changes_and_need_no_bump(self):
        v = self.verdict(BASE, BASE)
        self.assertEqual(v.changes, [])
        self.assertEqual(v.required_bump, "none")
        self.assertTrue(v.ok)

    def test_removed_field_is_breaking(self):
        k = self.kinds(self.edit("      ok: {type: bool, description: Success.}\n", "      x: {type: bool, optional: true}\n"))
        self.assertIn(("field.removed", "breaking"), k)
        self.assertIn(("field.added_optional", "compatible"), k)

    def test_rename_is_a_removal_and_an_addition_named_as_a_likely_rename(self):
        v = self.verdict(BASE, self.edit("size: {type: uint,", "volume: {type: uint,"))
        self.assertEqual([(c.kind, c.classification) for c in v.changes],
                         [("field.removed", "breaking"), ("field.added_required", "breaking")])
        self.assertEqual(v.changes[0].message,
                         "field 'size' of event 'job.started' removed (renamed to 'volume'?)")
        v = self.verdict(BASE, self.edit("  job.done:", "  job.finished:"))
        self.assertEqual(v.changes[0].message, "event 'job.done' removed (renamed to "
                                               "'job.finished'?)")

    def test_new_required_field_on_existing_event_is_breaking(self):
        k = self.kinds(self.edit("      ok: {type: bool, description: Success.}\n",
                                 "      ok: {type: bool, description: Success.}\n"
                                 "      code: {type: int}\n"))
        self.assertEqual(k, {("field.added_required", "breaking")})

    def test_new_optional_field_is_compatible(self):
        k = self.kinds(self.edit("      ok: {type: bool, description: Success.}\n",
                                 "      ok: {type: bool, description: Success.}\n"
                                 "      code: {type: int, optional: true}\n"))
        self.assertEqual(k, {("field.added_optional", "compatible")})

    def test_type_change_is_breaking(self):
        k = self.kinds(self.edit("size: {type: uint,", "size: {type: int,"))
        self.assertEqual(k, {("field.type_changed", "breaking")})

    def test_optional_to_required_and_back_are_breaking(self):
        k = self.kinds(self.edit("owner: {type: string, optional: true,", "owner: {type: string,"))
        self.assertEqual(k, {("field.optional_to_required", "breaking")})
        k = self.kinds(self.edit("ok: {type: bool,", "ok: {type: bool, optional: true,"))
        self.assertEqual(k, {("field.required_to_optional", "breaking")})

    def test_enum_value_removed_is_breaking_and_added_is_compatible(self):
        self.assertEqual(self.kinds(self.edit("{red: Red., green: Green.}", "{red: Red.}")),
                         {("enum.value_removed", "breaking")})
        self.assertEqual(self.kinds(self.edit("{red: Red., green: Green.}",
                                              "{red: Red., green: Green., blue: Blue.}")),
                         {("enum.value_added", "compatible")})

    def test_raised_min_lowered_max_and_new_limits_are_tightened(self):
        for old, new in (("min: 1, max: 100", "min: 2, max: 100"),
                         ("min: 1, max: 100", "min: 1, max: 99"),
                         ("max_length: 64, pii: none", "max_length: 63, pii: none"),
                         ("label: {type: string, max_length: 16,", "label: {type: string, max_length: 8,")):
            with self.subTest(new=new):
                self.assertEqual(self.kinds(self.edit(old, new)),
                                 {("field.constraint_tightened", "breaking")})
        k = self.kinds(self.edit("owner: {type: string, optional: true, pii: hash,",
                                 "owner: {type: string, optional: true, pii: hash, max_length: 9,"))
        self.assertEqual(k, {("field.constraint_tightened", "breaking")})

    def test_lowered_min_raised_max_and_removed_limits_are_loosened(self):
        for old, new in (("min: 1, max: 100", "min: 0, max: 100"),
                         ("min: 1, max: 100", "min: 1, max: 1000"),
                         ("min: 1, max: 100", "max: 100"),
                         ("name: {type: string, max_length: 64,", "name: {type: string,")):
            with self.subTest(new=new):
                self.assertEqual(self.kinds(self.edit(old, new)),
                                 {("field.constraint_loosened", "compatible")})

    def test_loosened_pii_policy_is_breaking(self):
        for old, new in (("hash", "none"), ("hash", "scrub")):
            with self.subTest(old=old, new=new):
                k = self.kinds(self.edit(f"pii: {old}, description: Owner.",
                                         f"pii: {new}, description: Owner."))
                self.assertEqual(k, {("field.pii_loosened", "breaking")})
        text = BASE.replace("pii: hash, description: Owner.", "pii: redact, description: Owner.")
        k = self.kinds(text.replace("pii: redact", "pii: scrub"), old_text=text)
        self.assertEqual(k, {("field.pii_loosened", "breaking")})

    def test_tightened_pii_policy_is_compatible_unless_it_drops_the_field(self):
        k = self.kinds(self.edit("pii: hash, description: Owner.", "pii: redact, description: Owner."))
        self.assertEqual(k, {("field.pii_tightened", "compatible")})
        k = self.kinds(self.edit("pii: none, description: Job name.", "pii: scrub, description: Job name."))
        self.assertEqual(k, {("field.pii_tightened", "compatible")})
        k = self.kinds(self.edit("pii: hash, description: Owner.", "pii: drop, description: Owner."))
        self.assertEqual(k, {("field.pii_dropped", "breaking")})

    def test_correlation_level_and_category_changes_are_breaking(self):
        self.assertEqual(self.kinds(self.edit("correlation: follow", "correlation: none")),
                         {("event.correlation_changed", "breaking")})
        self.assertEqual(self.kinds(self.edit("    category: jobs\n    correlation: follow",
                                              "    category: ops\n    correlation: follow")),
                         {("event.category_changed", "breaking")})
        self.assertEqual(self.kinds(self.edit("    correlation: follow\n",
                                              "    correlation: follow\n    level: warn\n")),
                         {("event.level_changed", "breaking")})

    def test_descriptions_deprecation_and_sampling_are_compatible(self):
        text = self.edit("description: A job ended.", "description: A job finished.")
        text = text.replace("    correlation: follow\n",
                            "    correlation: follow\n    sample_rate: 0.5\n    deprecated: true\n")
        text = text.replace("{red: Red., green: Green.}", "{red: Red., green: Lime.}")
        self.assertEqual(self.kinds(text), {("event.description_changed", "compatible"),
                                            ("event.sample_rate_changed", "compatible"),
                                            ("event.deprecated", "compatible"),
                                            ("enum.value_description_changed", "compatible")})

    def test_events_and_spans_added_are_compatible_and_removed_breaking(self):
        added = BASE + "  other:\n    description: Another span.\n"
        added = added.replace("events:\n", "events:\n  new.event:\n    description: New.\n")
        self.assertEqual(self.kinds(added), {("event.added", "compatible"),
                                             ("span.added", "compatible")})
        self.assertEqual(self.kinds(BASE, old_text=added), {("event.removed", "breaking"),
                                                            ("span.removed", "breaking")})

    def test_required_span_field_added_is_breaking(self):
        k = self.kinds(BASE + "      phase: {type: int}\n")
        self.assertEqual(k, {("field.added_required", "breaking")})

    def test_fields_a_span_adds_to_its_events_are_compared(self):
        old = load(write(self.tmp.name, "old.yaml", BASE))
        new = load(write(self.tmp.name, "new.yaml", BASE))
        duration = next(f for f in new.spans[0].stop.fields if f.name == "duration_ns")
        duration.unit = "ms"
        kinds = [(c.kind, c.subject) for c in diff.diff(old, new).changes]
        self.assertEqual(kinds, [("field.unit_changed", {"event": "step.stop",
                                                         "field": "duration_ns"})])

    def test_context_fields_added_are_compatible_and_removed_breaking(self):
        more = self.edit("context:\n", "context:\n  region: string\n")
        self.assertEqual(self.kinds(more), {("field.added_optional", "compatible")})
        self.assertEqual(self.kinds(BASE, old_text=more), {("field.removed", "breaking")})

    def test_breaking_change_is_ok_only_with_a_version_increase(self):
        broken = self.edit("correlation: follow", "correlation: none")
        v = self.verdict(BASE, broken)
        self.assertEqual(v.required_bump, "increase")
        self.assertFalse(v.ok)
        v = self.verdict(BASE, broken.replace("version: 1", "version: 2"))
        self.assertTrue(v.ok)

    def test_compatible_change_recommends_but_does_not_demand_a_bump(self):
        v = self.verdict(BASE, self.edit("description: A job ended.", "description: Done."))
        self.assertEqual(v.required_bump, "recommended")
        self.assertTrue(v.ok)

    def test_version_going_backwards_is_never_ok(self):
        v = self.verdict(BASE.replace("version: 1", "version: 5"), BASE)
        self.assertFalse(v.ok)


class ShippedPair(unittest.TestCase):
    """tests/codegen/diff/base.yaml -> changed.yaml, every change known."""

    EXPECTED = [
        ("catalog.description_changed", "compatible", {"catalog": "shop"}),
        ("enum.value_removed", "breaking", {"enum": "payment", "value": "voucher"}),
        ("enum.value_added", "compatible", {"enum": "payment", "value": "wallet"}),
        ("field.removed", "breaking", {"context": "region"}),
        ("field.added_optional", "compatible", {"context": "tenant"}),
        ("event.removed", "breaking", {"event": "legacy.ping"}),
        ("event.level_changed", "breaking", {"event": "cart.updated"}),
        ("field.constraint_tightened", "breaking",
         {"event": "cart.updated", "field": "items", "constraint": "max"}),
        ("field.constraint_loosened", "compatible",
         {"event": "cart.updated", "field": "note", "constraint": "max_length"}),
        ("field.pii_loosened", "breaking", {"event": "cart.updated", "field": "note"}),
        ("field.pii_tightened", "compatible", {"event": "cart.updated", "field": "email"}),
        ("event.description_changed", "compatible", {"event": "order.placed"}),
        ("field.type_changed", "breaking", {"event": "order.placed", "field": "total"}),
        ("field.optional_to_required", "breaking", {"event": "order.placed", "field": "coupon"}),
        ("field.deprecated", "compatible", {"event": "order.placed", "field": "gift"}),
        ("field.added_optional", "compatible", {"event": "order.placed", "field": "channel"}),
        ("event.correlation_changed", "breaking", {"event": "order.shipped"}),
        ("field.constraint_loosened", "compatible",
         {"event": "order.shipped", "field": "carrier", "constraint": "max_length"}),
        ("field.added_required", "breaking", {"event": "order.shipped", "field": "tracking"}),
        ("event.added", "compatible", {"event": "order.cancelled"}),
        ("field.constraint_tightened", "breaking",
         {"span": "checkout", "field": "step", "constraint": "max_length"}),
    ]

    def run_cli(self, *args, cwd=ROOT):
        env = dict(os.environ, PYTHONPATH=ROOT)
        return subprocess.run([PYTHON, "-m", "codegen", "diff", *args], cwd=cwd, env=env,
                              capture_output=True, text=True)

    def test_every_change_is_classified_as_expected_in_json(self):
        r = self.run_cli(os.path.join(PAIR, "base.yaml"), os.path.join(PAIR, "changed.yaml"),
                         "--format", "json")
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["format"], 1)
        got = [(c["kind"], c["classification"], c["subject"]) for c in doc["changes"]]
        self.assertEqual(got, self.EXPECTED)
        self.assertEqual(doc["summary"], {"breaking": 11, "compatible": 10})
        self.assertEqual(doc["version_bump"], {"required": "increase", "minimum": 4, "ok": False})
        self.assertEqual(doc["old"]["version"], 3)
        removed = next(c for c in doc["changes"] if c["kind"] == "event.removed")
        self.assertEqual(removed["old"], {"path": os.path.join(PAIR, "base.yaml"), "line": 44})
        self.assertIsNone(removed["new"])

    def test_text_output_names_file_line_and_classification(self):
        r = self.run_cli("tests/codegen/diff/base.yaml", "tests/codegen/diff/changed.yaml")
        self.assertEqual(r.returncode, 1)
        self.assertIn("tests/codegen/diff/changed.yaml:34: breaking: type of field 'total' of "
                      "event 'order.placed' changed 'double' -> 'int' [field.type_changed]",
                      r.stdout)
        self.assertIn("tests/codegen/diff/base.yaml:44: breaking: event 'legacy.ping' removed",
                      r.stdout)
        self.assertIn("set version to at least 4 (it is still 3)", r.stdout)

    def test_version_increase_makes_the_same_changes_pass(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(PAIR, "changed.yaml"), encoding="utf-8") as fh:
                bumped = write(tmp, "bumped.yaml", fh.read().replace("version: 3", "version: 4"))
            r = self.run_cli(os.path.join(PAIR, "base.yaml"), bumped)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("3 -> 4 does", r.stdout)

    def test_invalid_catalog_exits_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = write(tmp, "bad.yaml", "beacon: 1\ncatalog: x\nevents: {a.b: {fields: {f: nope}}}\n")
            r = self.run_cli(os.path.join(PAIR, "base.yaml"), bad)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown type 'nope'", r.stderr)

    def test_git_ref_reads_the_committed_version(self):
        with tempfile.TemporaryDirectory() as repo:
            def git(*args):
                subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                                *args], cwd=repo, check=True, capture_output=True)
            git("init", "-q")
            write(repo, "catalog.yaml", BASE)
            git("add", "catalog.yaml")
            git("commit", "-qm", "first")
            write(repo, "catalog.yaml", BASE.replace("correlation: follow", "correlation: none"))
            r = self.run_cli("git:HEAD:catalog.yaml", "catalog.yaml", cwd=repo)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("correlation of event 'job.done' changed 'follow' -> 'none'", r.stdout)
            r = self.run_cli("git:HEAD:catalog.yaml", "git:HEAD:catalog.yaml", cwd=repo)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = self.run_cli("git:nosuchref:catalog.yaml", "catalog.yaml", cwd=repo)
            self.assertEqual(r.returncode, 2)
            self.assertIn("cannot read git:nosuchref:catalog.yaml", r.stderr)


if __name__ == "__main__":
    unittest.main()
