"""Compiles the generated code of every fixture with every available compiler.

- <prefix>_events.c with gcc and clang, -std=c99 and -std=c11, -Wall -Wextra
  -Wpedantic -Werror (the header is checked through it);
- the header from C++17 (g++ and clang++) via a tiny .cpp calling a constructor;
- <prefix>_emit_main.c the same way as the .c (needs <beacon/beacon_cli.h>);
- compile_fail/missing_required.c must be rejected, naming the constructor;
- compile_fail/optional_assigned.c (an optional scalar assigned as a member,
  which would be silently left out of the event) must be rejected by C and
  C++ compilers, while the setter and an optional string's member compile;
- a probe program linked with the generated .c and stub runtime entry points
  checks that constructors, setters, spans and context wrappers store what the
  descriptors say (offsets, presence bits, ids);
- the real runtime's to_json of a worst-case event fits its JSON_MAX;
- deprecation reasons from the catalog appear in the compilers' warnings
  (C and C++);
- a scoped span ends at scope exit, and defaults, duration units, JSON keys
  and enum wire strings reach the real runtime's output.
Run from the repository root.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codegen.render import render  # noqa: E402
from codegen.validate import load_catalog  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")
INCLUDE = os.path.join(ROOT, "runtime", "include")
RUNTIME_SRC = os.path.join(ROOT, "runtime", "src")
HAVE_CLI_H = os.path.exists(os.path.join(INCLUDE, "beacon", "beacon_cli.h"))
C_COMPILERS = [c for c in ("gcc", "clang") if shutil.which(c)]
CXX_COMPILERS = [c for c in ("g++", "clang++") if shutil.which(c)]
C_FLAGS = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]

# One constructor call per fixture, for the C++ check.
CPP_CALLS = {
    "full": "fd_upload_received ev = fd_upload_received_make(true, FD_RECORD_TYPE_AUDIO);\n"
            "    fd_upload_received_set_mrn(&ev, \"m\");\n"
            "    return ev.has_patient_info ? 0 : 1;",
    "minimal": "tiny_hello ev = tiny_hello_make(\"world\");\n    return ev.who ? 0 : 1;",
    "required_only": "ro_paint_done ev = ro_paint_done_make(RO_COLOR_RED, 1.5, 2, \"n\", "
                     "nullptr, 0);\n    return ev.coats == 2 ? 0 : 1;",
    "wire": "wd_request_done ev = wd_request_done_make(WD_HTTP_METHOD_GET, 1);\n"
            "    wd_request_done_set_via(&ev, WD_HTTP_METHOD_POST);\n"
            "    return ev.took == 1 ? 0 : 1;",
}

# Uses every item of the wire fixture deprecated with a reason.
DEPRECATED_USE = """#include "wd_events.h"

int use(void);

int use(void) {
    wd_job_begun old = wd_job_begun_make("j");
    wd_request_done ev = wd_request_done_make(WD_HTTP_METHOD_TRACE, 1);
    wd_request_done_set_legacy_code(&ev, 3);
    wd_old_job_span span = wd_old_job_begin();
    return old.job != 0 && ev.opt_.legacy_code == 3 && span.state.flags != 99;
}
"""
DEPRECATION_REASONS = ("Use job.started.", "Use retries.", "Use get.", "Use job.")

# Runs a scoped span that ends at scope exit, one that fails first, a
# fieldless scoped span, and an event with unset defaulted fields, through
# the real runtime to stdout.
SCOPED_PROBE = r"""#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include <beacon/beacon.h>

#include "wd_events.h"

static void nap_ms(long ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static void work(int fail) {
    wd_job_scoped(span, "nightly");
    nap_ms(20);
    if (fail) {
        (void)wd_job_fail(&span, "Timeout", "call jane.roe@example.com");
    }
}

int main(void) {
    if (beacon_init(NULL) != BEACON_OK) return 1;
    work(0);
    work(1);
    {
        wd_tick_scoped(t);
    }
    wd_request_done ev = wd_request_done_make(WD_HTTP_METHOD_GET, 1500000000);
    wd_request_done_set_took_us(&ev, 2500000);
    wd_request_done_set_elapsed(&ev, 1500000000);
    wd_request_done_set_raw(&ev, 7);
    if (wd_request_done_emit(&ev) != BEACON_OK) return 2;
    wd_http_method m = WD_HTTP_METHOD_GET;
    if (strcmp(wd_http_method_to_string(WD_HTTP_METHOD_POST), "POST") != 0) return 3;
    if (!wd_http_method_from_string("POST", &m) || m != WD_HTTP_METHOD_POST) return 4;
    if (wd_http_method_from_string("post", NULL)) return 5;
    return beacon_shutdown(2000) == BEACON_OK ? 0 : 6;
}
"""


def fixture_names():
    return sorted(f[:-5] for f in os.listdir(FIXTURES) if f.endswith(".yaml"))


def generate(name, out):
    cat, diags = load_catalog(os.path.join(FIXTURES, name + ".yaml"),
                              display_path=f"tests/codegen/fixtures/{name}.yaml")
    assert cat is not None, [str(d) for d in diags]
    files = render(cat, cli=True)
    for fname, text in files.items():
        with open(os.path.join(out, fname), "w", encoding="utf-8") as fh:
            fh.write(text)
    return cat, files


def compile_c(cc, std, src, out_dir, extra=()):
    cmd = [cc, f"-std={std}", *C_FLAGS, "-I", INCLUDE, "-I", out_dir, *extra, "-c", src,
           "-o", os.path.join(out_dir, "out.o")]
    return subprocess.run(cmd, capture_output=True, text=True)


class GeneratedCodeCompiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="beacon-compile-")
        cls.dirs = {}
        cls.cats = {}
        for name in fixture_names():
            d = os.path.join(cls.tmp, name)
            os.makedirs(d)
            cls.cats[name], _ = generate(name, d)
            cls.dirs[name] = d

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def file(self, name, suffix):
        return os.path.join(self.dirs[name], f"{self.cats[name].prefix}{suffix}")

    def test_source_compiles_warning_free_as_c99_and_c11(self):
        self.assertTrue(C_COMPILERS, "no C compiler found")
        for name in fixture_names():
            for cc in C_COMPILERS:
                for std in ("c99", "c11"):
                    with self.subTest(fixture=name, cc=cc, std=std):
                        r = compile_c(cc, std, self.file(name, "_events.c"), self.dirs[name])
                        self.assertEqual(r.returncode, 0, r.stderr)

    def test_header_compiles_warning_free_as_cpp17(self):
        if not CXX_COMPILERS:
            self.skipTest("no C++ compiler found")
        for name in fixture_names():
            prefix = self.cats[name].prefix
            src = os.path.join(self.dirs[name], "use_header.cpp")
            with open(src, "w") as fh:
                fh.write(f'#include "{prefix}_events.h"\n\nint main() {{\n    '
                         f'{CPP_CALLS[name]}\n}}\n')
            for cxx in CXX_COMPILERS:
                with self.subTest(fixture=name, cxx=cxx):
                    r = subprocess.run([cxx, "-std=c++17", *C_FLAGS, "-I", INCLUDE, "-I",
                                        self.dirs[name], "-c", src, "-o",
                                        os.path.join(self.dirs[name], "cpp.o")],
                                       capture_output=True, text=True)
                    self.assertEqual(r.returncode, 0, r.stderr)

    @unittest.skipUnless(HAVE_CLI_H, "runtime/include/beacon/beacon_cli.h does not exist yet; "
                                     "the CLI source cannot be compiled")
    def test_cli_source_compiles_warning_free(self):
        for name in fixture_names():
            for cc in C_COMPILERS:
                for std in ("c99", "c11"):
                    with self.subTest(fixture=name, cc=cc, std=std):
                        r = compile_c(cc, std, self.file(name, "_emit_main.c"), self.dirs[name])
                        self.assertEqual(r.returncode, 0, r.stderr)

    def test_header_usage_example_compiles(self):
        for name in fixture_names():
            with open(self.file(name, "_events.h")) as fh:
                header = fh.read()
            if "@code" not in header:
                continue
            code = header.split("@code\n", 1)[1].split(" * @endcode", 1)[0]
            body = "\n".join(line[len(" *   "):] for line in code.splitlines())
            src = os.path.join(self.dirs[name], "example.c")
            with open(src, "w") as fh:
                fh.write(f'#include "{self.cats[name].prefix}_events.h"\n\n'
                         f"beacon_status example(void);\n\nbeacon_status example(void) {{\n"
                         f"{body}\nreturn st;\n}}\n")
            for cc in C_COMPILERS:
                with self.subTest(fixture=name, cc=cc):
                    r = compile_c(cc, "c11", src, self.dirs[name])
                    self.assertEqual(r.returncode, 0, r.stderr)

    def test_missing_required_argument_does_not_compile(self):
        src = os.path.join(HERE, "compile_fail", "missing_required.c")
        for cc in C_COMPILERS:
            with self.subTest(cc=cc):
                r = compile_c(cc, "c11", src, self.dirs["full"])
                self.assertNotEqual(r.returncode, 0, "a call missing a required field compiled")
                self.assertIn("fd_upload_failed_make", r.stderr)
                self.assertIn("too few arguments", r.stderr)

    def test_call_with_every_required_argument_compiles(self):
        src = os.path.join(HERE, "compile_fail", "all_required.c")
        for cc in C_COMPILERS:
            with self.subTest(cc=cc):
                r = compile_c(cc, "c11", src, self.dirs["full"])
                self.assertEqual(r.returncode, 0, r.stderr)

    def test_assigning_an_optional_scalar_member_does_not_compile(self):
        bad = os.path.join(HERE, "compile_fail", "optional_assigned.c")
        good = os.path.join(HERE, "compile_fail", "optional_set.c")
        for cc in C_COMPILERS + CXX_COMPILERS:
            cxx = cc in CXX_COMPILERS
            extra = ("-x", "c++") if cxx else ()
            std = "c++17" if cxx else "c11"
            with self.subTest(cc=cc):
                r = compile_c(cc, std, bad, self.dirs["full"], extra)
                self.assertNotEqual(r.returncode, 0, "an optional scalar member was assignable")
                self.assertIn("retry_after", r.stderr)
                r = compile_c(cc, std, good, self.dirs["full"], extra)
                self.assertEqual(r.returncode, 0, r.stderr)

    def test_wrappers_store_what_the_descriptors_describe(self):
        probe = os.path.join(self.dirs["full"], "probe.c")
        with open(probe, "w") as fh:
            fh.write(PROBE)
        for cc in C_COMPILERS:
            with self.subTest(cc=cc):
                exe = os.path.join(self.dirs["full"], f"probe-{cc}")
                r = subprocess.run([cc, "-std=c11", *C_FLAGS, "-I", INCLUDE, "-I",
                                    self.dirs["full"], probe, self.file("full", "_events.c"),
                                    "-o", exe], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                run = subprocess.run([exe], capture_output=True, text=True)
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                self.assertIn("probe: all checks passed", run.stdout)

    def test_deprecation_reasons_reach_the_compiler_message(self):
        src = os.path.join(self.dirs["wire"], "deprecated_use.c")
        with open(src, "w") as fh:
            fh.write(DEPRECATED_USE)
        cpp = os.path.join(self.dirs["wire"], "deprecated_use.cpp")
        with open(cpp, "w") as fh:
            fh.write(DEPRECATED_USE.replace("int use(void);\n\n", "").replace(
                "(void)", "()"))
        builds = [(cc, "-std=c11", src) for cc in C_COMPILERS]
        builds += [(cxx, "-std=c++17", cpp) for cxx in CXX_COMPILERS]
        for cc, std, path in builds:
            with self.subTest(cc=cc):
                r = subprocess.run([cc, std, "-Wall", "-I", INCLUDE, "-I", self.dirs["wire"],
                                    "-c", path, "-o", os.path.join(self.dirs["wire"], "dep.o")],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                for reason in DEPRECATION_REASONS:
                    self.assertIn(f"{reason}", r.stderr)
                self.assertIn("wd_job_begun_make", r.stderr)
                self.assertIn("WD_HTTP_METHOD_TRACE", r.stderr)

    @unittest.skipUnless(os.path.isdir(RUNTIME_SRC), "runtime/src does not exist")
    def test_scoped_span_ends_at_scope_exit_and_wire_form_follows_the_catalog(self):
        src = os.path.join(self.dirs["wire"], "scoped.c")
        with open(src, "w") as fh:
            fh.write(SCOPED_PROBE)
        exe = os.path.join(self.dirs["wire"], "scoped")
        runtime = sorted(os.path.join(d, f) for d, _, fs in os.walk(RUNTIME_SRC)
                         for f in fs if f.endswith(".c") and os.path.basename(d) != "cli")
        # The runtime's own warning set is its build's business, as for JSON_MAX.
        r = subprocess.run([C_COMPILERS[0], "-std=c11", "-I", INCLUDE, "-I",
                            RUNTIME_SRC, "-I", self.dirs["wire"], src,
                            self.file("wire", "_events.c"), *runtime, "-o", exe, "-lpthread",
                            "-lcurl", "-lz", "-lzstd", "-lcrypto", "-lm"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BEACON_")}
        env["BEACON_SINKS"] = "stdout"
        run = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        events = [json.loads(line) for line in run.stdout.splitlines()]
        self.assertEqual([e["event"] for e in events],
                         ["job.started", "job.completed", "job.started", "job.failed",
                          "tick.started", "tick.completed", "request.done"])
        done, failed = events[1], events[3]
        self.assertEqual(done["span_id"], events[0]["span_id"])
        self.assertEqual(failed["span_id"], events[2]["span_id"])
        for ev in (done, failed):
            self.assertNotIn("duration_ns", ev["data"])
            self.assertIsInstance(ev["data"]["duration_ms"], int)
            self.assertGreaterEqual(ev["data"]["duration_ms"], 20)
            self.assertLess(ev["data"]["duration_ms"], 10000)
        self.assertEqual(done["data"]["job"], "nightly")
        self.assertNotIn("error", done["data"])
        self.assertEqual((failed["data"]["error_type"], failed["data"]["error"]),
                         ("Timeout", "call [email]"))
        self.assertEqual(failed["level"], "error")
        self.assertEqual(events[-1]["data"], {
            "method": "GET", "took_ms": 1500, "took_us": 2500, "elapsed_seconds": 1.5,
            "raw": 7, "retries": 0, "delta": -3, "ratio": 0.5, "cached": False,
            "region": "eu-west", "via": "POST"})

    @unittest.skipUnless(os.path.isdir(RUNTIME_SRC), "runtime/src does not exist")
    def test_runtime_json_of_worst_case_event_parses_and_fits_json_max(self):
        src = os.path.join(self.dirs["full"], "json_max.c")
        with open(src, "w") as fh:
            fh.write(JSON_MAX_PROBE)
        exe = os.path.join(self.dirs["full"], "json_max")
        runtime = sorted(os.path.join(d, f) for d, _, fs in os.walk(RUNTIME_SRC)
                         for f in fs if f.endswith(".c") and os.path.basename(d) != "cli")
        cc = C_COMPILERS[0]
        r = subprocess.run([cc, "-std=c11", "-I", INCLUDE, "-I", RUNTIME_SRC, "-I",
                            self.dirs["full"], src, self.file("full", "_events.c"), *runtime,
                            "-o", exe, "-lpthread", "-lcurl", "-lz", "-lzstd", "-lcrypto", "-lm"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        run = subprocess.run([exe], capture_output=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        first, text = run.stdout.split(b"\n", 1)
        needed, bound = (int(x) for x in first.split())
        obj = json.loads(text.rstrip(b"\n"))
        self.assertEqual(len(text.rstrip(b"\n")), needed)
        self.assertLess(needed, bound)
        self.assertEqual(len(obj["data"]), 23)  # raw PII: every field, `secret` too


# Fills every field of metrics.sample with its longest value (strings of
# control bytes, which escape to 6 bytes each) and prints the length the
# runtime's to_json needs, FD_METRICS_SAMPLE_JSON_MAX and the JSON itself.
JSON_MAX_PROBE = r"""
#include "fd_events.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    static char s4[5], s8[9], s10[11], s12[4][13], v12[13];
    static const bool flags[4] = {true, true, true, true};
    static const int64_t ints[3] = {INT64_MIN, INT64_MIN, INT64_MIN};
    static const uint64_t uints[2] = {UINT64_MAX, UINT64_MAX};
    static const double dbls[2] = {-2.2250738585072014e-308, -2.2250738585072014e-308};
    static const fd_record_type kinds[3] = {FD_RECORD_TYPE_TRANSCRIPT, FD_RECORD_TYPE_TRANSCRIPT,
                                            FD_RECORD_TYPE_TRANSCRIPT};
    static char buf[16384];
    const char *names[2];
    beacon_attr meta[4];
    int i;
    memset(s4, 1, 4);
    memset(s8, 1, 8);
    memset(s10, 1, 10);
    memset(v12, 1, 12);
    names[0] = names[1] = s10;
    for (i = 0; i < 4; i++) {
        memset(s12[i], 1, 12);
        s12[i][11] = (char)('a' + i);
        meta[i] = beacon_attr_str(s12[i], v12);
    }
    fd_metrics_sample ev = fd_metrics_sample_make(INT64_MIN, UINT64_MAX, dbls[0], INT64_MIN,
                                                  INT64_MIN, FD_RECORD_TYPE_TRANSCRIPT, s8, flags,
                                                  4, ints, 3, kinds, 3, names, 2);
    fd_metrics_sample_set_secret(&ev, s4);
    fd_metrics_sample_set_sizes(&ev, uints, 2);
    fd_metrics_sample_set_weights(&ev, dbls, 2);
    fd_metrics_sample_set_stamps(&ev, ints, 2);
    fd_metrics_sample_set_waits(&ev, ints, 2);
    fd_metrics_sample_set_meta(&ev, meta, 4);
    fd_metrics_sample_set_opt_flag(&ev, false);
    fd_metrics_sample_set_opt_count(&ev, INT64_MIN);
    fd_metrics_sample_set_opt_total(&ev, UINT64_MAX);
    fd_metrics_sample_set_opt_ratio(&ev, dbls[0]);
    fd_metrics_sample_set_opt_at(&ev, INT64_MIN);
    fd_metrics_sample_set_opt_kind(&ev, FD_OUTCOME_FAILED);
    ev.hdr.time_ns = INT64_MIN;
    memset(ev.hdr.trace_id.bytes, 0xEE, sizeof ev.hdr.trace_id.bytes);
    memset(ev.hdr.span_id.bytes, 0xEE, sizeof ev.hdr.span_id.bytes);
    memset(ev.hdr.parent_span_id.bytes, 0xEE, sizeof ev.hdr.parent_span_id.bytes);
    size_t n = beacon_gen_to_json(&ev.hdr, buf, sizeof buf, BEACON_JSON_RAW_PII);
    printf("%zu %d\n%s\n", n, FD_METRICS_SAMPLE_JSON_MAX, buf);
    return n < sizeof buf ? 0 : 1;
}
"""

# Linked with the generated fd_events.c in place of the runtime: the stubs
# record what the wrappers hand over, the checks read it back through the
# descriptors, exactly as the runtime would.
PROBE = r"""
#include "fd_events.h"

#include <beacon/beacon_gen_inline.h>

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond)                                                   \
    do {                                                              \
        if (!(cond)) {                                                \
            printf("FAIL line %d: %s\n", __LINE__, #cond);            \
            failures++;                                               \
        }                                                             \
    } while (0)

static unsigned char emitted[4096];
static int emit_calls;
static uint32_t ctx_index;
static const void *ctx_value;
static int ctx_cleared;

size_t beacon_gen_to_json(const beacon_event_hdr *ev, char *buf, size_t cap, unsigned flags) {
    (void)buf;
    (void)cap;
    (void)flags;
    return ev != NULL ? 42u : 0u;
}

beacon_status beacon_gen_emit(const beacon_event_hdr *ev, beacon_lifecycle *out) {
    if (ev->desc->struct_size > sizeof emitted) {
        return BEACON_ERR_INVALID_EVENT;
    }
    memcpy(emitted, ev, ev->desc->struct_size);
    emit_calls++;
    if (out != NULL) {
        memset(out->trace_id.bytes, 0xAB, sizeof out->trace_id.bytes);
        memset(out->span_id.bytes, 0xBC, sizeof out->span_id.bytes);
    }
    return BEACON_OK;
}

/* The inline path of beacon_gen_begin never runs here: the epoch stays 0
 * (emit closed), so every direct emit goes through beacon_gen_reserve. */
#if BEACON_GEN_INLINE
__thread beacon_gen_lane beacon_gen_lane_tls;
beacon_gen_globals beacon_gen_g;
#endif

void beacon_gen_notify(beacon_gen_ring *r) {
    (void)r;
}

void beacon_gen_correlate(beacon_event_hdr *copy) {
    (void)copy;
}

void beacon_gen_sampled(beacon_gen_ring *r) {
    (void)r;
}

/* The runtime's clock, when ticks are not the TSC (beacon_gen_g.tsc is 0). */
uint64_t beacon_gen_now(void) {
    return 1;
}

/* Never called: no verdict refuses an event here (the generation stays 0). */
beacon_status beacon_gen_refuse(unsigned kind) {
    (void)kind;
    return BEACON_ERR_DISABLED;
}

void *beacon_gen_context_ref(const beacon_catalog_desc *catalog) {
    (void)catalog;
    return NULL;
}

/* The direct emit writes a record; commit turns it back into a struct in
 * `emitted` the way the runtime's decoder does (string offsets -> pointers),
 * so the checks below read both paths alike. */
static unsigned char record[8192];
static size_t record_size;

void *beacon_gen_reserve(const beacon_event_hdr *ev, size_t size, beacon_gen_slot *slot,
                         beacon_lifecycle *out) {
    if (size > sizeof record || size < BEACON_GEN_RECORD_STRUCT_OFFSET + ev->desc->struct_size) {
        slot->status = BEACON_ERR_INVALID_EVENT;
        return NULL;
    }
    memset(record, 0xCD, sizeof record);
    record_size = size;
    slot->ring = record;
    slot->ring_bytes = size;
    slot->status = BEACON_OK;
    if (out != NULL) {
        memset(out->trace_id.bytes, 0xAB, sizeof out->trace_id.bytes);
        memset(out->span_id.bytes, 0xBC, sizeof out->span_id.bytes);
    }
    return record + BEACON_GEN_RECORD_STRUCT_OFFSET;
}

beacon_status beacon_gen_commit(beacon_gen_slot *slot) {
    const unsigned char *copy = record + BEACON_GEN_RECORD_STRUCT_OFFSET;
    const beacon_event_desc *d = ((const beacon_event_hdr *)(const void *)copy)->desc;
    uint32_t i;
    if (slot->ring != record) {
        return BEACON_ERR_INVALID_ARGUMENT;
    }
    memcpy(emitted, copy, d->struct_size);
    for (i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        uintptr_t off;
        const char *p;
        if (f->type != BEACON_TYPE_STRING || f->is_list) {
            continue;
        }
        memcpy(&off, emitted + f->offset, sizeof off);
        p = off != 0 ? (const char *)record + off : NULL;
        if (p != NULL && (off % 8 != 0 || off + strlen(p) >= record_size)) {
            printf("FAIL: string %s outside its record\n", f->name);
            failures++;
        }
        memcpy(emitted + f->offset, &p, sizeof p);
    }
    slot->ring = NULL;
    emit_calls++;
    return BEACON_OK;
}

beacon_status beacon_gen_context_set(const beacon_catalog_desc *catalog, uint32_t index,
                                     const void *value) {
    if (catalog != &fd_catalog) {
        return BEACON_ERR_INVALID_ARGUMENT;
    }
    ctx_index = index;
    ctx_value = value;
    return BEACON_OK;
}

void beacon_gen_context_clear(const beacon_catalog_desc *catalog) {
    ctx_cleared = catalog == &fd_catalog;
}

void beacon_gen_span_start(beacon_span_state *st) {
    memset(st->trace_id.bytes, 0x11, sizeof st->trace_id.bytes);
    memset(st->span_id.bytes, 0x22, sizeof st->span_id.bytes);
    memset(st->parent_span_id.bytes, 0x33, sizeof st->parent_span_id.bytes);
    st->start_mono_ns = 100;
}

int64_t beacon_gen_span_finish(beacon_span_state *st) {
    (void)st;
    return 777;
}

uint32_t beacon_gen_abi(void) {
    return BEACON_GEN_ABI;
}

/* Frames the capture stub reports, and the skip it was last asked for. */
static size_t stub_frames;
static unsigned stub_skip;

size_t beacon_backtrace_capture(beacon_backtrace *bt, unsigned skip) {
    size_t i;
    stub_skip = skip;
    for (i = 0; i < stub_frames; i++) {
        bt->text[i * 2] = (char)('a' + i);
        bt->text[i * 2 + 1] = '\0';
        bt->frames[i] = &bt->text[i * 2];
    }
    bt->count = stub_frames;
    return stub_frames;
}

static const beacon_field_desc *field(const beacon_event_desc *d, const char *name) {
    uint32_t i;
    for (i = 0; i < d->field_count; i++) {
        if (strcmp(d->fields[i].name, name) == 0) {
            return &d->fields[i];
        }
    }
    printf("FAIL: no field %s in %s\n", name, d->name);
    failures++;
    return NULL;
}

static const void *at(const void *ev, uint32_t offset) {
    return (const unsigned char *)ev + offset;
}

/* Whether optional field f of ev is set, by the runtime's rule: its
 * presence bit for scalars, a non-NULL pointer for strings and lists. */
static int present(const void *ev, const beacon_field_desc *f) {
    const beacon_event_desc *d = ((const beacon_event_hdr *)ev)->desc;
    const unsigned char *bits = at(ev, d->presence_offset);
    const void *p;
    if (!(f->flags & BEACON_FIELD_OPTIONAL)) {
        return 0;
    }
    if (f->presence_bit >= 0) {
        return (bits[f->presence_bit / 8] >> (f->presence_bit % 8)) & 1;
    }
    memcpy(&p, at(ev, f->offset), sizeof p);
    return p != NULL;
}

static int count_present(const void *ev) {
    const beacon_event_desc *d = ((const beacon_event_hdr *)ev)->desc;
    int n = 0;
    uint32_t i;
    for (i = 0; i < d->field_count; i++) {
        n += present(ev, &d->fields[i]);
    }
    return n;
}

static void follow_make_stores_trace_parent_and_values(void) {
    beacon_lifecycle corr;
    const beacon_event_desc *d = &fd_upload_failed_desc;
    memset(&corr, 0, sizeof corr);
    memset(corr.trace_id.bytes, 7, sizeof corr.trace_id.bytes);
    memset(corr.span_id.bytes, 8, sizeof corr.span_id.bytes);
    fd_upload_failed ev = fd_upload_failed_make(corr, "boom", 3);
    CHECK(ev.hdr.desc == d);
    CHECK(memcmp(&ev.hdr.trace_id, &corr.trace_id, sizeof corr.trace_id) == 0);
    CHECK(memcmp(&ev.hdr.parent_span_id, &corr.span_id, sizeof corr.span_id) == 0);
    CHECK(ev.hdr.span_id.bytes[0] == 0);
    CHECK(strcmp(*(const char *const *)at(&ev, field(d, "error")->offset), "boom") == 0);
    CHECK(*(const uint64_t *)at(&ev, field(d, "attempt")->offset) == 3);
    CHECK(count_present(&ev) == 0);
    fd_upload_failed_set_retry_after(&ev, 5);
    CHECK(present(&ev, field(d, "retry_after")));
    CHECK(*(const int64_t *)at(&ev, field(d, "retry_after")->offset) == 5);
    CHECK(fd_upload_failed_emit(&ev) == BEACON_OK);
    CHECK(fd_upload_failed_emit(NULL) == BEACON_ERR_INVALID_ARGUMENT);
    CHECK(fd_upload_failed_to_json(&ev, NULL, 0) == 42);
    CHECK(fd_upload_failed_to_json(NULL, NULL, 0) == 0);
}

static void each_setter_sets_only_its_own_presence_bit(void) {
    static const bool flags[2] = {true, false};
    static const int64_t counts[1] = {1};
    static const fd_record_type kinds[1] = {FD_RECORD_TYPE_TRANSCRIPT};
    static const char *const names[2] = {"a", "b"};
    static const uint64_t sizes[3] = {1, 2, 3};
    static const double weights[1] = {0.5};
    beacon_attr meta[1];
    const beacon_event_desc *d = &fd_metrics_sample_desc;
    meta[0] = beacon_attr_int("k", 1);
    fd_metrics_sample ev = fd_metrics_sample_make(-1, 2, 0.25, 4, 5, (fd_record_type)2, "lbl",
                                                  flags, 2, counts, 1, kinds, 1, names, 2);
    CHECK(*(const int64_t *)at(&ev, field(d, "count")->offset) == -1);
    CHECK(*(const double *)at(&ev, field(d, "ratio")->offset) == 0.25);
    CHECK(*(const int *)at(&ev, field(d, "kind")->offset) == 2);
    CHECK(*(const size_t *)at(&ev, field(d, "flags")->count_offset) == 2);
    CHECK(*(const char *const *const *)at(&ev, field(d, "names")->offset) == names);
    CHECK(*(const size_t *)at(&ev, field(d, "names")->count_offset) == 2);
    CHECK(count_present(&ev) == 0);
    fd_metrics_sample_set_secret(&ev, "s");
    CHECK(present(&ev, field(d, "secret")) && count_present(&ev) == 1);
    fd_metrics_sample_set_sizes(&ev, sizes, 3);
    CHECK(present(&ev, field(d, "sizes")) && count_present(&ev) == 2);
    CHECK(*(const size_t *)at(&ev, field(d, "sizes")->count_offset) == 3);
    fd_metrics_sample_set_weights(&ev, weights, 1);
    fd_metrics_sample_set_stamps(&ev, counts, 1);
    fd_metrics_sample_set_waits(&ev, counts, 1);
    fd_metrics_sample_set_meta(&ev, meta, 1);
    CHECK(*(const beacon_attr *const *)at(&ev, field(d, "meta")->offset) == meta);
    fd_metrics_sample_set_opt_flag(&ev, true);
    fd_metrics_sample_set_opt_count(&ev, 9);
    CHECK(count_present(&ev) == 8);
    fd_metrics_sample_set_opt_total(&ev, 10);
    CHECK(present(&ev, field(d, "opt_total")) && count_present(&ev) == 9);
    CHECK(*(const uint64_t *)at(&ev, field(d, "opt_total")->offset) == 10);
    fd_metrics_sample_set_opt_ratio(&ev, 1.0);
    fd_metrics_sample_set_opt_at(&ev, 11);
    fd_metrics_sample_set_opt_kind(&ev, FD_OUTCOME_FAILED);
    CHECK(count_present(&ev) == 12);
    CHECK(*(const int *)at(&ev, field(d, "opt_kind")->offset) == 1);
    fd_metrics_sample_set_secret(&ev, NULL);
    CHECK(!present(&ev, field(d, "secret")) && count_present(&ev) == 11);
    fd_metrics_sample_set_opt_flag(NULL, true); /* no-op, no crash */
}

static void begin_event_returns_handle(void) {
    beacon_lifecycle trace;
    fd_upload_received ev = fd_upload_received_make(true, FD_RECORD_TYPE_AUDIO);
    memset(&trace, 0, sizeof trace);
    CHECK(fd_upload_received_emit(&ev, &trace) == BEACON_OK);
    CHECK(trace.trace_id.bytes[0] == 0xAB && trace.trace_id.bytes[15] == 0xAB);
    CHECK(trace.span_id.bytes[0] == 0xBC && trace.span_id.bytes[7] == 0xBC);
    CHECK(fd_upload_received_emit(&ev, NULL) == BEACON_OK);
}

static void span_end_and_fail_carry_ids_fields_and_duration(void) {
    static const char *const args[1] = {"-v"};
    fd_tool_execution_span span;
    const fd_tool_execution_stop *stop = (const fd_tool_execution_stop *)emitted;
    const fd_tool_execution_exception *exc = (const fd_tool_execution_exception *)emitted;
    int before = emit_calls;
    span = fd_tool_execution_begin("grep");
    CHECK(emit_calls == before + 1);
    CHECK(((const beacon_event_hdr *)emitted)->desc == &fd_tool_execution_start_desc);
    CHECK(span.start.hdr.span_id.bytes[0] == 0x22);
    fd_tool_execution_span_set_exit_code(&span, 3);
    fd_tool_execution_span_set_args(&span, args, 1);
    CHECK(fd_tool_execution_end(&span) == BEACON_OK);
    CHECK(stop->hdr.desc == &fd_tool_execution_stop_desc);
    CHECK(stop->hdr.trace_id.bytes[3] == 0x11 && stop->hdr.span_id.bytes[7] == 0x22 &&
          stop->hdr.parent_span_id.bytes[0] == 0x33);
    CHECK(strcmp(stop->tool, "grep") == 0);
    CHECK(stop->duration_ns == 777);
    CHECK(stop->opt_.exit_code == 3 && present(stop, field(&fd_tool_execution_stop_desc, "exit_code")));
    CHECK(stop->args == args && stop->args_count == 1);
    CHECK(*(const int64_t *)at(stop, field(&fd_tool_execution_stop_desc, "duration_ns")->offset) ==
          777);
    span = fd_tool_execution_begin("sed");
    CHECK(fd_tool_execution_fail(&span, "timeout") == BEACON_OK);
    CHECK(exc->hdr.desc == &fd_tool_execution_exception_desc);
    CHECK(strcmp(exc->error_type, "timeout") == 0 && strcmp(exc->tool, "sed") == 0);
    CHECK(exc->duration_ns == 777 && count_present(exc) == 0);
    CHECK(fd_tool_execution_end(NULL) == BEACON_ERR_INVALID_ARGUMENT);
}

static void capture_points_stacktrace_fields_at_the_frames(void) {
    const beacon_event_desc *d = &fd_task_crashed_desc;
    beacon_backtrace bt, cause;
    fd_task_crashed ev = fd_task_crashed_make("Oops", NULL, 0);
    stub_frames = 3;
    CHECK(fd_task_crashed_capture_frames(&ev, &bt) == 3);
    CHECK(stub_skip == 1); /* the helper's own frame is left out */
    CHECK(*(const char *const *const *)at(&ev, field(d, "frames")->offset) == bt.frames);
    CHECK(*(const size_t *)at(&ev, field(d, "frames")->count_offset) == 3);
    CHECK(strcmp(ev.frames[2], "c") == 0);
    CHECK(count_present(&ev) == 0);
    stub_frames = 2;
    CHECK(fd_task_crashed_capture_cause_frames(&ev, &cause) == 2);
    CHECK(present(&ev, field(d, "cause_frames")) && count_present(&ev) == 1);
    CHECK(ev.cause_frames == cause.frames && ev.cause_frames_count == 2);
    stub_frames = 0; /* no backtrace() on the platform */
    CHECK(fd_task_crashed_capture_cause_frames(&ev, &cause) == 0);
    CHECK(!present(&ev, field(d, "cause_frames")) && ev.cause_frames == NULL &&
          ev.cause_frames_count == 0);
    CHECK(fd_task_crashed_capture_frames(&ev, &bt) == 0);
    CHECK(ev.frames == bt.frames && ev.frames_count == 0);
    CHECK(fd_task_crashed_capture_frames(NULL, &bt) == 0);
    CHECK(fd_task_crashed_capture_frames(&ev, NULL) == 0);
}

static void context_setters_pass_index_and_value(void) {
    CHECK(fd_context_set_session_id("sess") == BEACON_OK);
    CHECK(ctx_index == 0 && ctx_value != NULL &&
          strcmp(*(const char *const *)ctx_value, "sess") == 0);
    CHECK(fd_context_set_session_id(NULL) == BEACON_OK);
    CHECK(ctx_index == 0 && ctx_value == NULL);
    CHECK(fd_context_set_shard(9) == BEACON_OK);
    CHECK(ctx_index == 2 && *(const int64_t *)ctx_value == 9);
    fd_context_clear();
    CHECK(ctx_cleared);
    CHECK(fd_catalog.context_count == 4 && strcmp(fd_catalog.context[3].name, "region") == 0);
    CHECK(fd_catalog.context[3].enum_desc == &fd_record_type_desc);
}

static void enums_convert_both_ways(void) {
    fd_record_type t = FD_RECORD_TYPE_AUDIO;
    CHECK(strcmp(fd_record_type_to_string(FD_RECORD_TYPE_TRANSCRIPT), "transcript") == 0);
    CHECK(fd_record_type_to_string((fd_record_type)3) == NULL);
    CHECK(fd_record_type_to_string((fd_record_type)-1) == NULL);
    CHECK(fd_record_type_from_string("transcript", &t) && t == FD_RECORD_TYPE_TRANSCRIPT);
    CHECK(!fd_record_type_from_string("video", &t) && t == FD_RECORD_TYPE_TRANSCRIPT);
    CHECK(!fd_record_type_from_string(NULL, &t));
    CHECK(fd_record_type_from_string("audio", NULL));
    CHECK(fd_record_type_desc.count == 3 && fd_record_type_desc.deprecated[2] == 1 &&
          fd_record_type_desc.deprecated[0] == 0);
    CHECK(fd_outcome_desc.descriptions[0] == NULL &&
          strcmp(fd_outcome_desc.descriptions[1], "Did not work.") == 0);
}

static void catalog_tables_are_consistent(void) {
    uint32_t i;
    CHECK(fd_catalog.abi == BEACON_GEN_ABI && fd_catalog.version == 7);
    CHECK(fd_catalog.event_count == FD_EVENT_COUNT && fd_catalog.enum_count == 2);
    for (i = 0; i < FD_EVENT_COUNT; i++) {
        CHECK(fd_catalog.events[i]->id == i);
        CHECK(fd_catalog.events[i]->catalog == &fd_catalog);
        CHECK(strcmp(fd_catalog.events[i]->name, fd_event_names[i]) == 0);
        CHECK(fd_catalog.events[i]->state != NULL);
    }
    CHECK(fd_event_descs[FD_EVENT_METRICS_SAMPLE] == &fd_metrics_sample_desc);
    CHECK(fd_metrics_sample_desc.struct_size == sizeof(fd_metrics_sample));
    CHECK(fd_metrics_sample_desc.json_max == FD_METRICS_SAMPLE_JSON_MAX);
    CHECK(fd_upload_received_desc.correlation == BEACON_CORR_BEGIN &&
          fd_upload_received_desc.sample_rate == 0.25);
    CHECK(fd_app_started_desc.fields == NULL && fd_app_started_desc.field_count == 0);
    CHECK(fd_tool_execution_exception_desc.kind == BEACON_KIND_SPAN_EXCEPTION &&
          fd_tool_execution_exception_desc.level == BEACON_LEVEL_ERROR);
    CHECK(field(&fd_upload_failed_desc, "attempt")->min.u == 1 &&
          field(&fd_upload_failed_desc, "attempt")->max.u == 10 &&
          field(&fd_upload_failed_desc, "attempt")->flags ==
              (BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX));
    CHECK(field(&fd_upload_received_desc, "mrn")->pii == BEACON_PII_HASH &&
          field(&fd_upload_received_desc, "mrn")->max_length == 64);
    CHECK(field(&fd_upload_received_desc, "tags")->is_list == 1 &&
          field(&fd_upload_received_desc, "tags")->type == BEACON_TYPE_STRING);
}

int main(void) {
    follow_make_stores_trace_parent_and_values();
    each_setter_sets_only_its_own_presence_bit();
    begin_event_returns_handle();
    span_end_and_fail_carry_ids_fields_and_duration();
    capture_points_stacktrace_fields_at_the_frames();
    context_setters_pass_index_and_value();
    enums_convert_both_ways();
    catalog_tables_are_consistent();
    if (failures == 0) {
        printf("probe: all checks passed\n");
    }
    return failures == 0 ? 0 : 1;
}
"""


if __name__ == "__main__":
    unittest.main()
