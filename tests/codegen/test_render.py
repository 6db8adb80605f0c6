"""Golden-file and command-line tests of the generator's rendering half.

Every fixture in fixtures/ is rendered and compared byte for byte with
golden/<fixture>/. After an intended change to the generated code, refresh
the golden files with

    BEACON_UPDATE_GOLDEN=1 /usr/bin/python3 -m unittest discover -s tests/codegen -p 'test_*.py'

and review the diff. Run from the repository root.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codegen import __version__, cmodel  # noqa: E402
from codegen.render import render  # noqa: E402
from codegen.validate import load_catalog  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")
GOLDEN = os.path.join(HERE, "golden")
UPDATE = os.environ.get("BEACON_UPDATE_GOLDEN") == "1"
PYTHON = sys.executable


def fixture_names():
    return sorted(f[:-5] for f in os.listdir(FIXTURES) if f.endswith(".yaml"))


def display(name):
    """The repo-relative path banners show, whatever the cwd."""
    return f"tests/codegen/fixtures/{name}.yaml"


def load(name):
    cat, diags = load_catalog(os.path.join(FIXTURES, name + ".yaml"), display_path=display(name))
    errors = [str(d) for d in diags if d.severity == "error"]
    if cat is None or errors:
        raise AssertionError(f"fixture {name} does not validate: {errors}")
    return cat


def run_cli(*args, cwd=ROOT):
    return subprocess.run([PYTHON, "-m", "codegen", *args], cwd=cwd, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=ROOT))


def read(path):
    with open(path, "rb") as fh:
        return fh.read()


class GoldenFiles(unittest.TestCase):
    def test_every_fixture_renders_exactly_the_golden_files(self):
        for name in fixture_names():
            with self.subTest(fixture=name):
                files = render(load(name), cli=True)
                gold = os.path.join(GOLDEN, name)
                if UPDATE:
                    shutil.rmtree(gold, ignore_errors=True)
                    os.makedirs(gold)
                    for fname, text in files.items():
                        with open(os.path.join(gold, fname), "wb") as fh:
                            fh.write(text.encode("utf-8"))
                self.assertTrue(os.path.isdir(gold), f"no golden files for {name}; "
                                "run with BEACON_UPDATE_GOLDEN=1")
                self.assertEqual(sorted(os.listdir(gold)), sorted(files))
                for fname, text in files.items():
                    self.assertEqual(read(os.path.join(gold, fname)).decode("utf-8"), text,
                                     f"{name}/{fname} differs from the golden file")

    def test_render_is_deterministic(self):
        for name in fixture_names():
            with self.subTest(fixture=name):
                self.assertEqual(render(load(name), cli=True), render(load(name), cli=True))

    def test_without_cli_only_header_and_source_are_rendered(self):
        self.assertEqual(sorted(render(load("minimal"), cli=False)),
                         ["tiny_events.c", "tiny_events.h"])


class GeneratedContent(unittest.TestCase):
    """Spot checks of the generated C. Long declarations are wrapped, so
    comparisons ignore how whitespace is laid out."""

    def assertIn(self, needle, hay, msg=None):  # noqa: N802 - unittest naming
        flat = lambda t: re.sub(r"\s+", " ", t)  # noqa: E731
        if flat(needle) not in flat(hay):
            self.fail(msg or f"not found in generated code: {needle!r}")

    def assertNotIn(self, needle, hay, msg=None):  # noqa: N802
        flat = lambda t: re.sub(r"\s+", " ", t)  # noqa: E731
        if flat(needle) in flat(hay):
            self.fail(msg or f"unexpectedly found in generated code: {needle!r}")

    @classmethod
    def setUpClass(cls):
        cls.full = render(load("full"), cli=True)
        cls.h = cls.full["fd_events.h"]
        cls.c = cls.full["fd_events.c"]

    def test_banner_names_version_source_hash_and_do_not_edit(self):
        cat = load("full")
        for text in self.full.values():
            head = text.split("*/", 1)[0]
            self.assertIn(f"beacon-gen {__version__}", head)
            self.assertIn("tests/codegen/fixtures/full.yaml", head)
            self.assertIn(cat.source_hash, head)
            self.assertIn("DO NOT EDIT", head)
            self.assertIsNone(re.search(r"\b20\d\d-\d\d-\d\d", head), "banner has a date")

    def test_header_checks_abi_and_has_guard_and_extern_c(self):
        self.assertIn("#if !defined(BEACON_GEN_ABI) || BEACON_GEN_ABI != 4\n"
                      "#error \"fd_events.h was generated for beacon ABI 4\"", self.h)
        self.assertTrue(self.h.rstrip().endswith("#endif /* FD_EVENTS_H */"))
        self.assertIn('extern "C" {', self.h)

    def test_sections_appear_in_the_documented_order(self):
        order = ["Includes and ABI check", "Catalog enums", "Event ids and tables", "Events",
                 "Spans", "Context", "Descriptors"]
        for fname in ("fd_events.h", "fd_events.c"):
            found = re.findall(r"/\* ===== (.*?) ===== \*/", self.full[fname])
            self.assertEqual(found, order + ["Inline _emit"] if fname.endswith(".h") else order,
                             fname)

    def test_enums_number_from_zero_and_mark_deprecated_values(self):
        self.assertIn("FD_RECORD_TYPE_AUDIO = 0,", self.h)
        self.assertIn("FD_RECORD_TYPE_NOTE BEACON_DEPRECATED_ENUMERATOR = 2,", self.h)
        self.assertIn("#define FD_RECORD_TYPE_COUNT 3", self.h)

    def test_make_takes_required_fields_in_order_and_follow_takes_correlation_first(self):
        self.assertIn("fd_upload_received fd_upload_received_make(bool has_patient_info, "
                      "fd_record_type record_type);", self.h)
        self.assertIn("fd_upload_failed fd_upload_failed_make(beacon_lifecycle correlation, "
                      "const char *error,\n                                       "
                      "uint64_t attempt);", self.h)
        # The handle's trace, and the begin event's span as the parent.
        self.assertIn(".hdr = {.desc = &fd_upload_failed_desc, .trace_id = correlation.trace_id, "
                      ".parent_span_id = correlation.span_id},", self.c)
        self.assertIn("fd_app_started fd_app_started_make(void);", self.h)

    def test_begin_events_return_the_lifecycle_handle(self):
        self.assertIn("beacon_status fd_upload_received_emit(const fd_upload_received *ev, "
                      "beacon_lifecycle *out);", self.h)
        self.assertIn("beacon_status fd_upload_failed_emit(const fd_upload_failed *ev);", self.h)

    def test_presence_bits_only_for_events_with_optional_scalars(self):
        ro = render(load("required_only"))["ro_events.h"]
        self.assertNotIn("present[", ro)
        self.assertNotIn("_set_", ro)
        struct = re.search(r"typedef struct fd_metrics_sample \{(.*?)\} fd_metrics_sample;",
                           self.h, re.S).group(1)
        # 10 optional fields, 6 of them scalars: strings and lists need no bit.
        self.assertIn("uint8_t present[1];", struct)
        struct = re.search(r"typedef struct fd_upload_received \{(.*?)\} fd_upload_received;",
                           self.h, re.S).group(1)
        self.assertNotIn("present[", struct)  # optional string, list, attributes only

    def test_presence_bit_index_counts_optional_scalars_only(self):
        # opt_total is the 3rd optional scalar of metrics.sample: byte 0, bit 2.
        self.assertIn("ev->present[0] = (uint8_t)(ev->present[0] | 0x04u);\n"
                      "    ev->opt_.opt_total = opt_total;", self.c)
        block = re.search(r"\.name = \"opt_total\",(.*?)\}", self.c, re.S).group(1)
        self.assertIn(".presence_bit = 2,", block)
        self.assertIn(".offset = (uint32_t)offsetof(fd_metrics_sample, opt_.opt_total),", block)
        block = re.search(r"\.name = \"sizes\",(.*?)\}", self.c, re.S).group(1)
        self.assertIn(".presence_bit = -1,", block)

    def test_optional_scalars_live_in_the_opt_member(self):
        struct = re.search(r"typedef struct fd_upload_failed \{(.*?)\} fd_upload_failed;",
                           self.h, re.S).group(1)
        self.assertRegex(struct, r"struct \{\n\s+int64_t retry_after; /\* set only with "
                                 r"fd_upload_failed_set_retry_after \*/\n\s+\} opt_;")
        self.assertNotRegex(struct, r"\n    int64_t retry_after;")

    def test_deprecated_event_and_field_functions_are_marked(self):
        for decl in ("BEACON_DEPRECATED fd_legacy_ping fd_legacy_ping_make(",
                     "BEACON_DEPRECATED beacon_status fd_legacy_ping_emit(",
                     "BEACON_DEPRECATED size_t fd_legacy_ping_to_json(",
                     "BEACON_DEPRECATED fd_field_retired fd_field_retired_make(",
                     "BEACON_DEPRECATED void fd_field_retired_set_old_note(",
                     "BEACON_DEPRECATED fd_job_batch_span fd_job_batch_begin("):
            self.assertIn(decl, self.h)
        self.assertNotIn("BEACON_DEPRECATED size_t fd_field_retired_to_json", self.h)
        self.assertIn('#pragma GCC diagnostic ignored "-Wdeprecated-declarations"', self.c)

    def test_json_max_only_for_fully_bounded_events(self):
        self.assertNotIn("FD_UPLOAD_RECEIVED_JSON_MAX", self.h)  # unbounded attributes
        self.assertIn("#define FD_METRICS_SAMPLE_JSON_MAX ", self.h)
        self.assertIn(".json_max = FD_METRICS_SAMPLE_JSON_MAX,", self.c)
        block = re.search(r"fd_upload_received_desc = \{(.*?)\};", self.c, re.S).group(1)
        self.assertIn(".json_max = 0,", block)

    def test_spans_reuse_start_fields_and_add_duration_and_error_type(self):
        self.assertIn("fd_tool_execution_span fd_tool_execution_begin(const char *tool);", self.h)
        self.assertIn("void fd_tool_execution_span_set_exit_code(fd_tool_execution_span *span, "
                      "int64_t exit_code);", self.h)
        self.assertIn("beacon_status fd_tool_execution_fail(fd_tool_execution_span *span, "
                      "const char *error_type);", self.h)
        self.assertIn("fd_tool_execution_exception_make(span->start.tool, duration_ns, error_type)",
                      self.c)

    def test_stacktrace_fields_get_a_capture_helper_skipping_its_own_frame(self):
        self.assertIn("size_t fd_task_crashed_capture_frames(fd_task_crashed *ev, "
                      "beacon_backtrace *bt);", self.h)
        self.assertIn("size_t fd_task_crashed_capture_cause_frames(fd_task_crashed *ev, "
                      "beacon_backtrace *bt);", self.h)
        self.assertEqual(self.c.count("beacon_backtrace_capture(bt, 1);"), 2)
        self.assertIn("fd_task_crashed_set_cause_frames(ev, bt->frames, n);", self.c)
        # Only fields marked stacktrace: other list<string> fields get none.
        self.assertEqual(len(re.findall(r"_capture_\w+\(", self.h)), 2)

    def test_context_strings_pass_null_to_unset(self):
        self.assertIn("beacon_gen_context_set(&fd_catalog, 0, session_id != NULL ? "
                      "(const void *)&session_id : NULL);", self.c)
        self.assertIn("beacon_gen_context_set(&fd_catalog, 2, &shard);", self.c)

    def test_c_string_literals_escape_quotes_backslashes_and_trigraphs(self):
        self.assertIn(r'.description = "Every feature of the catalog format, with \"quotes\" '
                      r'and a back\\slash?\?",', self.c)
        for text in self.full.values():
            self.assertNotIn("??", text.replace("?\\?", ""))

    def test_every_function_declaration_has_a_doc_comment(self):
        lines = self.h.splitlines()
        seen = 0
        for i, line in enumerate(lines):
            # A declaration starts in column 0 with its return type.
            if re.match(r"^(BEACON_DEPRECATED )?(const )?[a-z_][a-z0-9_]*[ *]+\w+\(", line):
                seen += 1
                self.assertTrue(lines[i - 1].startswith("/*") and lines[i - 1].endswith("*/"),
                                f"no doc comment above: {line}")
        self.assertGreater(seen, 70)


class JsonMax(unittest.TestCase):
    """The bound must hold for the worst values a caller can pass."""

    def worst_event_json(self, cat, ev):
        worst_str = lambda n: "\x01" * n  # noqa: E731 - every byte escapes to \u0001
        data = {}
        for f in ev.fields:
            base = f.type.base
            if base == "attributes":
                v = {worst_str(f.max_length - 1) + chr(0x41 + i): worst_str(f.max_length)
                     for i in range(f.max_items)}
            else:
                item = {"bool": False, "int": -2 ** 63, "uint": 2 ** 64 - 1,
                        "duration": -2 ** 63, "double": -2.2250738585072014e-308,
                        "timestamp": "2262-04-11T23:47:16.854775807Z",
                        "string": worst_str(f.max_length or 0),
                        "enum": max((v.name for v in (f.type.enum.values if f.type.enum else [])),
                                    key=len, default="")}[base]
                v = [item] * f.max_items if f.type.is_list else item
            data[f.name] = v
        obj = {"event": ev.name, "time": "2262-04-11T23:47:16.854775807Z", "id": "f" * 32,
               "catalog": cat.name, "version": cat.version, "level": ev.level,
               "category": ev.category, "trace_id": "a" * 32, "span_id": "b" * 16,
               "parent_span_id": "c" * 16, "data": data, "truncated": [f.name for f in ev.fields]}
        obj = {k: v for k, v in obj.items() if v is not None}
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)

    def test_bound_exceeds_worst_case_output_of_every_bounded_event(self):
        checked = 0
        for name in fixture_names():
            cat = load(name)
            for ev in cat.events:
                bound = cmodel.event_json_max(cat, ev)
                if not bound:
                    continue
                text = self.worst_event_json(cat, ev)
                self.assertLessEqual(len(text) + 1, bound, f"{name}: {ev.name}")
                checked += 1
        self.assertGreater(checked, 5)

    def test_unbounded_string_list_or_attributes_gives_no_bound(self):
        cat = load("full")
        by_name = {ev.name: ev for ev in cat.events}
        self.assertEqual(cmodel.event_json_max(cat, by_name["upload.received"]), 0)
        self.assertEqual(cmodel.event_json_max(cat, by_name["tool.execution.start"]), 0)
        self.assertGreater(cmodel.event_json_max(cat, by_name["app.started"]), 0)


class CommandLine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="beacon-gen-test-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def generate(self, out, *extra, fixture="full"):
        return run_cli("generate", f"tests/codegen/fixtures/{fixture}.yaml", "-o", out, *extra)

    def test_generate_writes_exactly_what_render_returns(self):
        r = self.generate(self.tmp, "--cli")
        self.assertEqual(r.returncode, 0, r.stderr)
        files = render(load("full"), cli=True)
        self.assertEqual(sorted(os.listdir(self.tmp)), sorted(files))
        for fname, text in files.items():
            self.assertEqual(read(os.path.join(self.tmp, fname)), text.encode("utf-8"), fname)

    def test_two_runs_write_identical_bytes(self):
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        self.assertEqual(self.generate(a, "--cli").returncode, 0)
        self.assertEqual(self.generate(b, "--cli").returncode, 0)
        self.assertEqual(sorted(os.listdir(a)), sorted(os.listdir(b)))
        for fname in os.listdir(a):
            self.assertEqual(read(os.path.join(a, fname)), read(os.path.join(b, fname)))

    def test_unchanged_files_are_not_rewritten(self):
        self.assertEqual(self.generate(self.tmp).returncode, 0)
        path = os.path.join(self.tmp, "fd_events.h")
        os.utime(path, (1000000, 1000000))
        self.assertEqual(self.generate(self.tmp).returncode, 0)
        self.assertEqual(os.stat(path).st_mtime, 1000000)

    def test_check_exits_0_when_files_are_fresh(self):
        self.assertEqual(self.generate(self.tmp, "--cli").returncode, 0)
        r = self.generate(self.tmp, "--cli", "--check")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_check_exits_1_and_names_stale_and_missing_files(self):
        self.assertEqual(self.generate(self.tmp).returncode, 0)
        with open(os.path.join(self.tmp, "fd_events.c"), "a") as fh:
            fh.write("/* edited */\n")
        before = sorted(os.listdir(self.tmp))
        r = self.generate(self.tmp, "--cli", "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("fd_events.c", r.stderr)
        self.assertIn("fd_emit_main.c", r.stderr)  # missing
        self.assertNotIn("fd_events.h", r.stderr)
        self.assertEqual(sorted(os.listdir(self.tmp)), before, "--check wrote files")

    def test_invalid_catalog_exits_2_with_located_errors_and_writes_nothing(self):
        bad = os.path.join(self.tmp, "bad.yaml")
        with open(bad, "w") as fh:
            fh.write("beacon: 1\ncatalog: bad\nevents:\n  x.y:\n    fields:\n"
                     "      a: {type: strng}\n")
        out = os.path.join(self.tmp, "out")
        r = run_cli("generate", bad, "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, re.escape(bad) + r":6:\d+: error: ")
        self.assertFalse(os.path.exists(out))
        r = run_cli("check", bad)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error:", r.stderr)

    def test_check_command_accepts_a_valid_catalog(self):
        r = run_cli("check", "tests/codegen/fixtures/minimal.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_source_name_replaces_the_path_in_banners(self):
        r = self.generate(self.tmp, "--source-name", "schema/demo.yaml", fixture="minimal")
        self.assertEqual(r.returncode, 0, r.stderr)
        head = read(os.path.join(self.tmp, "tiny_events.h")).decode()
        self.assertIn("from schema/demo.yaml.", head.splitlines()[0])

    def test_version_prints_the_generator_version(self):
        r = run_cli("--version")
        self.assertEqual(r.returncode, 0)
        self.assertIn(__version__, r.stdout)

    def test_wrapper_script_runs_the_generator(self):
        r = subprocess.run([os.path.join(ROOT, "codegen", "beacon-gen"), "--version"],
                           capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(__version__, r.stdout)


if __name__ == "__main__":
    unittest.main()
