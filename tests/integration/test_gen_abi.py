"""The contract between generated code and the runtime, checked on real
compiler output:

- a program that includes a generated header sees no runtime internals (no
  thread-local declaration, no ring or lane layout) as C++ and as C built
  with BEACON_GEN_NO_INLINE; as C otherwise it sees the inline _emit's
  (<beacon/beacon_gen_inline.h>) and its object references runtime symbols
  named after BEACON_GEN_ABI only;
- generated code links against symbols named after BEACON_GEN_ABI, so an
  object written for another ABI (unversioned, ABI-2 or ABI-3 names) fails to link
  against the runtime, while current generated code links;
- generated code built with BEACON_GEN_NO_INLINE references no thread-local
  variable of the runtime;
- the shared runtime loads with dlopen (no static-TLS requirement).

BEACON_RUNTIME_SHARED names the built shared runtime (libbeacon.so).
Run from the repository root.
"""
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

INCLUDE = os.path.join(ROOT, "runtime", "include")
FIXTURE = os.path.join(ROOT, "tests", "codegen", "fixtures", "full.yaml")
CC = os.environ.get("CC") or "cc"
CXX = shutil.which("g++") or shutil.which("clang++")
LIB = os.environ.get("BEACON_RUNTIME_SHARED", "")
INTERNALS = ("__thread", "_Thread_local", "beacon_gen_ring", "beacon_gen_lane",
             "beacon_gen4_lane_tls", "beacon_gen_globals")

USER = r"""
#include "fd_events.h"

int main(void) {
    fd_upload_received ev = fd_upload_received_make(true, FD_RECORD_TYPE_AUDIO);
    return fd_upload_received_emit(&ev, NULL) == BEACON_OK ? 0 : 1;
}
"""

# An object compiled against an older contract: it calls the entry point by
# a name this runtime no longer exports.
OLD_OBJECT = r"""
struct hdr;
extern int %s(const struct hdr *ev, void *out_trace);
int main(void) {
    return %s((const struct hdr *)0, (void *)0);
}
"""


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


class GeneratedCodeAbi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="beacon-abi-")
        cat, diags = load_catalog(FIXTURE, display_path="tests/codegen/fixtures/full.yaml")
        assert cat is not None, [str(d) for d in diags]
        for name, text in render(cat).items():
            with open(os.path.join(cls.tmp, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        cls.user = cls.path("user.c")
        with open(cls.user, "w") as fh:
            fh.write(USER)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp, name)

    def preprocess(self, cmd, src):
        r = run([*cmd, "-E", "-I", INCLUDE, "-I", self.tmp, src])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def compile(self, src, obj, *extra):
        r = run([CC, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", INCLUDE, "-I",
                 self.tmp, *extra, "-c", src, "-o", obj])
        self.assertEqual(r.returncode, 0, r.stderr)
        return obj

    def undefined(self, obj):
        r = run(["nm", "-u", obj])
        self.assertEqual(r.returncode, 0, r.stderr)
        return {line.split()[-1] for line in r.stdout.splitlines() if line.strip()}

    def test_program_built_without_the_inline_path_sees_no_runtime_internals(self):
        seen = self.preprocess([CC, "-std=c11", "-DBEACON_GEN_NO_INLINE"], self.user)
        for word in INTERNALS:
            self.assertNotIn(word, seen)
        # The generated .c does see them: the check above can fail.
        source = self.preprocess([CC, "-std=c11"], self.path("fd_events.c"))
        self.assertIn("beacon_gen_ring", source)
        self.assertIn("__thread", source)

    def test_program_on_the_inline_path_references_abi_versioned_symbols_only(self):
        seen = self.preprocess([CC, "-std=c11"], self.user)
        self.assertIn("fd__upload_received_emit_inline(&ev", seen)
        undef = self.undefined(self.compile(self.user, self.path("user_inline.o"), "-fPIE"))
        runtime = {s for s in undef if s.startswith("beacon_")}
        self.assertIn("beacon_gen4_lane_tls", runtime)
        self.assertEqual({s for s in runtime if not s.startswith("beacon_gen4_")}, set())
        # Past its verdict the event goes to the rest of the generated emit.
        self.assertIn("fd__upload_received_emit_kept", undef)

    def test_program_including_a_generated_header_compiles_as_cpp(self):
        if CXX is None:
            self.skipTest("no C++ compiler")
        cpp = self.path("user.cpp")
        shutil.copyfile(self.user, cpp)
        seen = self.preprocess([CXX, "-std=c++17"], cpp)
        for word in INTERNALS:
            self.assertNotIn(word, seen)
        r = run([CXX, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-I", INCLUDE, "-I", self.tmp,
                 "-c", cpp, "-o", self.path("user_cpp.o")])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_generated_code_references_abi_versioned_symbols_only(self):
        undef = self.undefined(self.compile(self.path("fd_events.c"), self.path("fd.o")))
        runtime = {s for s in undef if s.startswith("beacon_gen")}
        self.assertIn("beacon_gen4_emit", runtime)
        self.assertEqual({s for s in runtime if not s.startswith("beacon_gen4_")}, set())

    def test_no_inline_build_references_no_thread_local(self):
        inline = self.undefined(self.compile(self.path("fd_events.c"), self.path("in.o"), "-fPIE"))
        self.assertIn("beacon_gen4_lane_tls", inline)
        out = self.undefined(self.compile(self.path("fd_events.c"), self.path("out.o"), "-fPIE",
                                          "-DBEACON_GEN_NO_INLINE"))
        self.assertNotIn("beacon_gen4_lane_tls", out)
        self.assertNotIn("beacon_gen4_g", out)
        self.assertIn("beacon_gen4_reserve", out)

    @unittest.skipUnless(os.path.exists(LIB), "BEACON_RUNTIME_SHARED not set")
    def test_current_generated_code_links(self):
        objs = [self.compile(self.path("fd_events.c"), self.path("link_fd.o")),
                self.compile(self.user, self.path("link_user.o"))]
        r = run([CC, *objs, LIB, "-o", self.path("user"), "-lm"])
        self.assertEqual(r.returncode, 0, r.stderr)

    @unittest.skipUnless(os.path.exists(LIB), "BEACON_RUNTIME_SHARED not set")
    def test_object_for_another_abi_fails_to_link(self):
        # ABI 3 returned a trace id where ABI 4 returns a lifecycle handle.
        for name in ("beacon_gen_emit", "beacon_gen2_emit", "beacon_gen3_emit",
                     "beacon_gen3_reserve"):
            with self.subTest(symbol=name):
                src = self.path(f"old_{name}.c")
                with open(src, "w") as fh:
                    fh.write(OLD_OBJECT % (name, name))
                obj = self.compile(src, self.path(f"old_{name}.o"))
                r = run([CC, obj, LIB, "-o", self.path(f"old_{name}")])
                self.assertNotEqual(r.returncode, 0, "linked an object of another ABI")
                self.assertIn(name, r.stderr)

    @unittest.skipUnless(os.path.exists(LIB), "BEACON_RUNTIME_SHARED not set")
    def test_shared_runtime_needs_no_static_tls(self):
        r = run(["readelf", "-d", LIB])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("SONAME", r.stdout)
        self.assertNotIn("STATIC_TLS", r.stdout)


if __name__ == "__main__":
    unittest.main()
