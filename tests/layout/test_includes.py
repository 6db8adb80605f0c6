"""runtime/src keeps its include rules (docs/architecture.md), and the check
itself catches a folder cycle and each forbidden include."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_includes  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
RUNTIME_SRC = os.path.join(ROOT, "runtime", "src")


def tree(files):
    """A temporary runtime/src with the given {path: text}."""
    d = tempfile.TemporaryDirectory()
    for rel, text in files.items():
        path = os.path.join(d.name, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return d


class IncludeRules(unittest.TestCase):
    def test_runtime_src_keeps_the_rules(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = check_includes.main(["check_includes.py", RUNTIME_SRC])
        self.assertEqual(rc, 0, out.getvalue())

    def problems(self, files):
        with tree(files) as root:
            return check_includes.check(root)[0]

    def test_clean_tree_passes(self):
        self.assertEqual(self.problems({
            "core/a.h": "", "emit/b.c": '#include "core/a.h"\n#include "emit/b.h"\n',
            "emit/b.h": "#include <beacon/beacon.h>\n"}), [])

    def test_folder_cycle_is_named_with_file_and_include(self):
        p = self.problems({"core/a.h": '#include "emit/b.h"\n',
                           "emit/b.h": '#include "core/a.h"\n'})
        self.assertIn('core/a.h: #include "emit/b.h": core/ may include only itself', p)
        self.assertIn("folder cycle: core -> emit -> core", p)

    def test_format_including_sinks_is_refused(self):
        p = self.problems({"sinks/s.h": "", "format/f.c": '#include "sinks/s.h"\n'})
        self.assertEqual(p, ['format/f.c: #include "sinks/s.h": formats never include sinks'])

    def test_emit_including_worker_is_refused(self):
        p = self.problems({"worker/w.h": "", "emit/e.c": '#include "worker/w.h"\n'})
        self.assertEqual(p, ['emit/e.c: #include "worker/w.h": emit never includes the worker'])

    def test_spool_including_sinks_or_formats_is_refused(self):
        p = self.problems({"sinks/s.h": "", "format/f.h": "", "core/c.h": "",
                           "spool/a.c": '#include "sinks/s.h"\n#include "format/f.h"\n'
                                        '#include "core/c.h"\n'})
        self.assertEqual(sorted(p), [
            'spool/a.c: #include "format/f.h": the spool stores bytes and never includes formats',
            'spool/a.c: #include "sinks/s.h": the spool stores bytes and never includes sinks'])

    def test_curl_only_in_transport_and_openssl_only_in_privacy(self):
        p = self.problems({"sinks/h.c": "#include <curl/curl.h>\n",
                           "format/x.c": "#include <openssl/evp.h>\n",
                           "transport/t.c": "#include <curl/curl.h>\n",
                           "privacy/p.c": "#include <openssl/evp.h>\n"})
        self.assertEqual(sorted(p), [
            "format/x.c: #include <openssl/evp.h>: only privacy/ may include openssl/*",
            "sinks/h.c: #include <curl/curl.h>: only transport/ may include curl/*"])

    def test_include_not_written_from_runtime_src_is_refused(self):
        p = self.problems({"core/a.h": "", "core/b.c": '#include "a.h"\n'})
        self.assertEqual(len(p), 1)
        self.assertTrue(p[0].startswith('core/b.c: #include "a.h": internal includes are paths'))

    def test_file_outside_a_folder_is_refused(self):
        p = self.problems({"loose.c": ""})
        self.assertEqual(p, ["loose.c: runtime/src files live in exactly one folder"])


if __name__ == "__main__":
    unittest.main()
