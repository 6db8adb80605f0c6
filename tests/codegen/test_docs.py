"""beacon-gen docs: the Markdown reference covers every event, field, enum,
context field and span with an example line the runtime wrote; the HTML page
searches and filters in a real headless Chromium. Run from the repository
root after a build (the examples come from the built emitters).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import emitters  # noqa: E402
from browser import Browser, find_browser  # noqa: E402
from emitters import ROOT  # noqa: E402

from codegen import docs, eventschema, wire  # noqa: E402

PYTHON = sys.executable


def run_docs(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([PYTHON, "-m", "codegen", "docs", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


class Examples(unittest.TestCase):
    def test_normalize_replaces_only_volatile_header_values(self):
        line = ('{"event":"a.b","time":"2030-01-01T00:00:00.000000001Z","id":"' + "1" * 32 +
                '","catalog":"c","version":1,"level":"info","trace_id":"' + "2" * 32 +
                '","data":{"id":"keep","time":"keep"}}')
        out = docs.normalize(line)
        self.assertIn('"time":"2026-11-22T05:30:00.123456789Z"', out)
        self.assertIn(f'"id":"{docs.VOLATILE["id"]}"', out)
        self.assertIn(f'"trace_id":"{docs.VOLATILE["trace_id"]}"', out)
        self.assertTrue(out.endswith('"data":{"id":"keep","time":"keep"}}'))

    def test_read_examples_keeps_the_first_line_per_event(self):
        text = '{"event":"a","n":1}\nnot json\n\n{"event":"a","n":2}\n{"event":"b"}\n'
        self.assertEqual(docs.read_examples(text), {"a": '{"event":"a","n":1}',
                                                    "b": '{"event":"b"}'})


class Reference(unittest.TestCase):
    def setUp(self):
        if emitters.bin_dir() is None:
            self.skipTest("no built emitters (build first, or set BEACON_BIN_DIR)")

    def test_every_catalog_item_is_in_the_markdown(self):
        for name in ("observer", "federated", "bridge", "webapi", "tracker"):
            path = f"schema/{name}.yaml"
            cat = emitters.load(path)
            with open(os.path.join(ROOT, "docs", "events", f"{name}.md"), encoding="utf-8") as fh:
                md = fh.read()
            with self.subTest(catalog=name):
                for ev in cat.events:
                    self.assertIn(f"### `{ev.name}`", md)
                    for f in ev.fields:
                        self.assertIn(f"| `{wire.field_key(f)}` | `{f.type.spelling}` |", md)
                for e in cat.enums:
                    self.assertIn(f"### `{e.name}`", md)
                    for v in e.values:
                        self.assertIn(f"| `{wire.enum_value_wire(v)}` |", md)
                for f in cat.context:
                    self.assertIn(f"| `{wire.field_key(f)}` | `{f.type.spelling}` | no |", md)
                for s in cat.spans:
                    self.assertIn(f"### `{s.name}`", md)

    def test_examples_are_runtime_lines_that_validate_against_the_schemas(self):
        from jsonschema import Draft202012Validator

        for path in emitters.CATALOGS:
            cat = emitters.load(path)
            with self.subTest(catalog=path):
                examples = docs.run_emitter(cat, emitters.emitter(cat))
                self.assertEqual(sorted(examples), sorted(ev.name for ev in cat.events))
                for ev in cat.events:
                    doc = json.loads(examples[ev.name])
                    v = Draft202012Validator(eventschema.event_schema(cat, ev))
                    self.assertEqual([e.message for e in v.iter_errors(doc)], [], ev.name)
                    self.assertEqual(doc["time"], docs.VOLATILE["time"])

    def test_observer_example_shows_the_hashed_and_scrubbed_forms(self):
        with open(os.path.join(ROOT, "docs", "events", "observer.md"), encoding="utf-8") as fh:
            md = fh.read()
        self.assertNotIn("example-patient-id", md)  # pii: hash, sent as a keyed hash
        self.assertRegex(md, r'"patient_id":"[0-9a-f]{32}"')
        self.assertIn("reported by [email]", md)  # pii: scrub, done by the runtime
        self.assertIn('"hash_key":"example"', md)

    def test_failing_emitter_is_an_error(self):
        with tempfile.TemporaryDirectory() as out:
            r = run_docs("schema/webapi.yaml", "-o", out, "--emitter", "/bin/false")
            self.assertEqual(r.returncode, 1)
            self.assertIn("/bin/false exited 1", r.stderr)
            self.assertEqual(os.listdir(out), [])

    def test_examples_file_gives_the_same_reference_as_the_emitter(self):
        cat = emitters.load("schema/webapi.yaml")
        with tempfile.TemporaryDirectory() as out:
            ndjson = os.path.join(out, "ex.ndjson")
            with open(ndjson, "w", encoding="utf-8") as fh:
                fh.write("\n".join(emitters.emit(cat, docs.EXAMPLE_HASH_KEY)) + "\n")
            r = run_docs("schema/webapi.yaml", "-o", out, "--examples", ndjson)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "webapi.md"), encoding="utf-8") as fh:
                md = fh.read()
        for ev in cat.events:
            self.assertIn(f'{{"event":"{ev.name}","time":"{docs.VOLATILE["time"]}"', md)


@unittest.skipIf(find_browser() is None, "chromium is not installed (make deps)")
class HtmlPage(unittest.TestCase):
    VISIBLE = "Array.from(document.querySelectorAll('section.event:not(.hidden)'))" \
              ".map(function(e){return e.dataset.name;})"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        r = run_docs("schema/federated.yaml", "-o", cls.tmp.name, "--html")
        assert r.returncode == 0, r.stderr
        cls.page = os.path.join(cls.tmp.name, "federated.html")
        cls.cat = emitters.load("schema/federated.yaml")
        cls.browser = Browser(find_browser())

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.tmp.cleanup()

    def setUp(self):
        self.browser.open("file://" + self.page)

    def visible(self):
        return self.browser.evaluate(self.VISIBLE)

    def choose(self, select, value):
        self.browser.evaluate(
            f"(function(){{var s=document.getElementById('{select}');s.value='{value}';"
            f"s.dispatchEvent(new Event('change'));}})()")

    def test_page_is_self_contained(self):
        with open(self.page, encoding="utf-8") as fh:
            html = fh.read()
        self.assertNotRegex(html, r'(src|href)="(https?:)?//')
        self.assertIn("<style>", html)
        self.assertIn("<script>", html)

    def test_all_events_show_before_any_search(self):
        self.assertEqual(self.visible(), [ev.name for ev in self.cat.events])
        self.assertEqual(self.browser.evaluate("document.getElementById('count').textContent"),
                         f"{len(self.cat.events)} of {len(self.cat.events)} events")

    def test_typing_into_search_hides_events_that_do_not_match(self):
        self.browser.click("#search")
        self.browser.type_text("schema_gen")
        self.assertEqual(self.browser.evaluate("document.getElementById('search').value"),
                         "schema_gen")
        self.assertEqual(self.visible(), ["schema_generation_end", "schema_generation_start"])

    def test_search_matches_field_names(self):
        self.browser.click("#search")
        self.browser.type_text("rows_missing")
        self.assertEqual(self.visible(), ["trial_filter_summary"])

    def test_search_without_match_says_so(self):
        self.browser.click("#search")
        self.browser.type_text("zzzz")
        self.assertEqual(self.visible(), [])
        self.assertFalse(self.browser.evaluate(
            "document.getElementById('none').classList.contains('hidden')"))

    def test_level_filter_shows_only_that_level(self):
        self.choose("level", "error")
        want = [ev.name for ev in self.cat.events if ev.level == "error"]
        self.assertTrue(want)
        self.assertEqual(self.visible(), want)

    def test_category_filter_combines_with_search(self):
        category = self.cat.events[0].category
        self.choose("category", category)
        in_category = [ev.name for ev in self.cat.events if ev.category == category]
        self.assertEqual(self.visible(), in_category)
        self.browser.click("#search")
        self.browser.type_text(self.cat.events[0].name)
        self.assertEqual(self.visible(), [self.cat.events[0].name])


if __name__ == "__main__":
    unittest.main()
