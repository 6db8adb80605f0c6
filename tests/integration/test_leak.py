"""No raw PII leaves through an untrusted sink, a diagnostic or the stats.

Drives the privacy fixture catalog's real command line (`prv-emit`, named by
BEACON_PRV_EMIT; skipped when unset). Every corpus value goes into every
protected position — hash, redact and drop string fields, list elements,
attribute values and context fields (--context) — and, for values the
scrubber recognises, every scrub position. Each run writes to stderr,
stdout, an untrusted file: sink and a raw_pii=1 file: sink at once, with
BEACON_DEBUG=1 and --stats so diagnostics and counters are produced too,
plus an HTTP sink whose endpoint refuses connections, so that its events
land in its disk spool, whose files are checked like the other outputs.
The raw bytes and their JSON-escaped forms must appear in none of the
untrusted outputs and must appear in the trusted file of the same run;
hashes must equal Python's hmac.new(key, value, sha256).hexdigest()[:32].
(The C test tests/unit/test_privacy.c does the same for callback and
capture sinks.)

    BEACON_PRV_EMIT=build/bin/prv-emit python3 -m unittest tests/integration/test_leak.py -v
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest
from typing import Dict, List

PRV = os.environ.get("BEACON_PRV_EMIT", "")
KEY = bytes(range(32))
KEY_SPEC = "hex:" + KEY.hex()
KEY_ID = "leak-test"

# Anything at all: hashed, redacted or dropped.
ANY = [
    "jane.doe@example.com",
    "Jane Q. Public",
    "MRN-00482913",
    "00482913",
    "+1 (415) 555-0100",
    "4155550100",
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "Zoë Łukasiewicz-Ångström",
    "\u5f20\u4f1f",
    "O'Brien \"the\" <patient> \\ back",
    "tab\there\nnew line\x01\x1f\x7f",
    "123-45-6789",
]
# What the scrubber recognises: sent inside free text to scrub positions.
SCRUBBABLE = [
    "jane.doe@example.com",
    "+1 (415) 555-0100",
    "4155550100",
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "123-45-6789",
    "00482913",
    "192.168.10.23",
    "password=hunter2secret",
    "Bearer abcdef0123456789ghijkl",
]

CLEAN_ENV_DROP = ("BEACON_SINKS", "BEACON_DEBUG", "BEACON_DISABLED", "BEACON_SAMPLE_RATE",
                  "BEACON_HASH_KEY", "BEACON_HASH_KEY_ID", "BEACON_SPOOL_DIR",
                  "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME")


def expected_hash(value: str) -> str:
    return hmac.new(KEY, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def leak_forms(value: str) -> List[bytes]:
    """The raw bytes and every JSON-escaped spelling a writer might use."""
    forms = {value.encode("utf-8"),
             json.dumps(value, ensure_ascii=False)[1:-1].encode("utf-8"),
             json.dumps(value, ensure_ascii=True)[1:-1].encode("ascii")}
    # The secret part of a credential pair is what must not leak.
    for prefix in ("password=", "Bearer "):
        if value.startswith(prefix):
            forms = {f.replace(prefix.encode(), b"") for f in forms}
    return sorted(f for f in forms if f)


@unittest.skipUnless(PRV and os.access(PRV, os.X_OK), "BEACON_PRV_EMIT not set")
class LeakTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="beacon_leak_")
        self.untrusted = os.path.join(self.dir, "untrusted.ndjson")
        self.trusted = os.path.join(self.dir, "trusted.ndjson")
        self.spool = os.path.join(self.dir, "spool")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.closed_port = sock.getsockname()[1]
        sock.close()

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_prv(self, args: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
        e = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
        e.update(env)
        sinks = ["--sink", "stderr", "--sink", "stdout", "--sink", f"file:{self.untrusted}",
                 "--sink", f"file:{self.trusted}?raw_pii=1",
                 "--sink", f"ndjson+http://127.0.0.1:{self.closed_port}/?retries=0"
                 f"&spool={self.spool}", "--stats"]
        r = subprocess.run([PRV] + sinks + args, capture_output=True, env=e, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode("utf-8", "replace"))
        return r

    def spooled(self) -> bytes:
        """Every byte of every file in the spool (there must be some)."""
        data = b""
        for d, _, files in os.walk(self.spool):
            for name in files:
                data += self.read(os.path.join(d, name))
        self.assertIn(b"record.stored", data)
        return data

    def read(self, path: str) -> bytes:
        with open(path, "rb") as fh:
            return fh.read()

    def events(self, path: str) -> List[dict]:
        return [json.loads(line) for line in self.read(path).decode("utf-8").splitlines() if line]

    def assert_no_leak(self, value: str, outputs: Dict[str, bytes]) -> None:
        for name, data in outputs.items():
            for form in leak_forms(value):
                self.assertNotIn(form, data, f"{value!r} leaked into {name} as {form!r}")

    def protected_args(self, v: str) -> List[str]:
        return ["--context", f"ctx_hash={v}", "--context", f"ctx_redact={v}",
                "--context", f"ctx_drop={v}",
                "record.stored", f"f_hash={v}", f"f_redact={v}", f"f_drop={v}",
                f"l_hash={v}", "l_hash=second", f"l_redact={v}", f"l_drop={v}",
                f"a_hash.k={v}", f"a_redact.k={v}", f"a_drop.k={v}"]

    def test_hash_redact_drop_values_never_reach_untrusted_outputs(self):
        env = {"BEACON_DEBUG": "1", "BEACON_HASH_KEY": KEY_SPEC, "BEACON_HASH_KEY_ID": KEY_ID}
        for v in ANY:
            with self.subTest(value=v):
                for p in (self.untrusted, self.trusted):
                    if os.path.exists(p):
                        os.unlink(p)
                r = self.run_prv(self.protected_args(v), env)
                self.assert_no_leak(v, {"stdout": r.stdout, "stderr": r.stderr,
                                        "untrusted file": self.read(self.untrusted),
                                        "spool": self.spooled()})
                trusted = self.events(self.trusted)[0]
                d = trusted["data"]
                for k in ("f_hash", "f_redact", "f_drop"):
                    self.assertEqual(d[k], v)
                for k in ("l_hash", "l_redact", "l_drop"):
                    self.assertEqual(d[k][0], v)
                for k in ("a_hash", "a_redact", "a_drop"):
                    self.assertEqual(str(d[k]["k"]), v)  # 4155550100 is typed an integer
                for k in ("ctx_hash", "ctx_redact", "ctx_drop"):
                    self.assertEqual(trusted["context"][k], v)
                if v.isprintable():
                    self.assertIn(json.dumps(v, ensure_ascii=False)[1:-1].encode("utf-8"),
                                  self.read(self.trusted))

    def test_hashes_equal_python_hmac_in_every_position(self):
        env = {"BEACON_HASH_KEY": KEY_SPEC, "BEACON_HASH_KEY_ID": KEY_ID}
        for v in ANY:
            with self.subTest(value=v):
                if os.path.exists(self.untrusted):
                    os.unlink(self.untrusted)
                self.run_prv(self.protected_args(v), env)
                ev = self.events(self.untrusted)[0]
                h = expected_hash(v)
                d = ev["data"]
                self.assertEqual(d["f_hash"], h)
                self.assertEqual(d["l_hash"], [h, expected_hash("second")])
                self.assertEqual(ev["context"]["ctx_hash"], h)
                self.assertEqual(ev["context"]["ctx_redact"], "[REDACTED]")
                self.assertNotIn("ctx_drop", ev["context"])
                self.assertEqual(d["f_redact"], "[REDACTED]")
                self.assertEqual(d["l_redact"], ["[REDACTED]"])
                self.assertEqual(d["a_redact"], {"k": "[REDACTED]"})
                for k in ("f_drop", "l_drop", "a_drop"):
                    self.assertNotIn(k, d)
                # Attribute values are hashed as the JSON text they would
                # have been written as (4155550100 is typed an integer).
                self.assertEqual(d["a_hash"], {"k": h})
                self.assertEqual(ev["hash_key"], KEY_ID)
                self.assertEqual(list(ev).index("hash_key"), list(ev).index("data") + 1)

    def test_scrubbed_values_never_reach_untrusted_outputs(self):
        env = {"BEACON_DEBUG": "1"}
        for v in SCRUBBABLE:
            with self.subTest(value=v):
                for p in (self.untrusted, self.trusted):
                    if os.path.exists(p):
                        os.unlink(p)
                text = f"seen {v} today"
                r = self.run_prv(["--context", f"ctx_scrub={text}", "record.stored",
                                  f"f_scrub={text}", f"f_short={text}", f"l_scrub={text}",
                                  f"a_scrub.k={text}", f"a_scrub.n={v}"], env)
                self.assert_no_leak(v, {"stdout": r.stdout, "stderr": r.stderr,
                                        "untrusted file": self.read(self.untrusted),
                                        "spool": self.spooled()})
                ev = self.events(self.untrusted)[0]
                self.assertNotEqual(ev["data"]["f_scrub"], text)
                self.assertTrue(ev["data"]["f_scrub"].startswith("seen "), ev["data"]["f_scrub"])
                self.assertTrue(ev["data"]["f_scrub"].endswith("] today"), ev["data"]["f_scrub"])
                trusted = self.events(self.trusted)[0]
                self.assertEqual(trusted["data"]["f_scrub"], text)
                self.assertEqual(trusted["context"]["ctx_scrub"], text)

    def test_without_a_key_hash_fields_are_redacted_and_stderr_says_why(self):
        v = "jane.doe@example.com"
        r = self.run_prv(self.protected_args(v), {})
        ev = self.events(self.untrusted)[0]
        self.assertEqual(ev["data"]["f_hash"], "[REDACTED]")
        self.assertEqual(ev["data"]["l_hash"], ["[REDACTED]", "[REDACTED]"])
        self.assertEqual(ev["data"]["a_hash"], {"k": "[REDACTED]"})
        self.assertEqual(ev["context"]["ctx_hash"], "[REDACTED]")
        self.assertNotIn("hash_key", ev)
        msg = b'pii: hash fields are written as "[REDACTED]"'
        self.assertEqual(r.stderr.count(msg), 1, r.stderr)
        self.assert_no_leak(v, {"stdout": r.stdout, "stderr": r.stderr,
                                "untrusted file": self.read(self.untrusted)})


if __name__ == "__main__":
    unittest.main()
