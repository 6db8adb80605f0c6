"""The generated command line under load and with a hostile stdout.

`prv-emit -` fed more lines than a small queue holds waits for room instead
of dropping; a failure that repeats on every line is shown a few times and
then summarised in one line with a count; a closed stdout when a begin event
prints its handle is an exit status and a message, not death by SIGPIPE.

    BEACON_PRV_EMIT=build/bin/prv-emit \\
        python3 -m unittest tests.integration.test_cli_load -v
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import unittest
from typing import Dict, List

PRV = os.environ.get("BEACON_PRV_EMIT", "")
CLEAN_ENV_DROP = ("BEACON_SINKS", "BEACON_DEBUG", "BEACON_DISABLED", "BEACON_SAMPLE_RATE",
                  "BEACON_RING_KB", "BEACON_LOG_LEVEL", "OTEL_LOG_LEVEL", "BEACON_HASH_KEY")


@unittest.skipUnless(PRV and os.access(PRV, os.X_OK), "BEACON_PRV_EMIT not set")
class CliLoadTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="beacon_cli_load_")
        self.out = os.path.join(self.dir, "events.ndjson")

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self, extra: Dict[str, str]) -> Dict[str, str]:
        e = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
        e.update(extra)
        return e

    def run_closed_stdout(self, args: List[str], stdin: bytes) -> subprocess.CompletedProcess:
        """Runs prv-emit with stdout a pipe whose reader is gone."""
        rd, wr = os.pipe()
        os.close(rd)
        try:
            # restore_signals (the default) gives the child SIGPIPE's default
            # action, as a shell would.
            return subprocess.run([PRV] + args, input=stdin, stdout=wr, stderr=subprocess.PIPE,
                                  env=self.env({}), timeout=60)
        finally:
            os.close(wr)

    def test_stdin_waits_for_queue_room_instead_of_dropping(self):
        lines = 150_000
        r = subprocess.run([PRV, "--sink", f"file:{self.out}", "--threads", "4", "-"],
                           input=b"work.note seq=1\n" * lines, capture_output=True,
                           env=self.env({"BEACON_RING_KB": "4"}), timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(r.stderr, b"")
        with open(self.out, "rb") as fh:
            self.assertEqual(sum(1 for _ in fh), lines)

    def test_closed_stdout_for_a_handle_is_exit_1_with_a_message(self):
        r = self.run_closed_stdout(["--sink", f"file:{self.out}", "session.opened",
                                    "origin=x"], b"")
        self.assertNotEqual(r.returncode, -signal.SIGPIPE, "killed by SIGPIPE")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"cannot print the handle", r.stderr)
        with open(self.out, "rb") as fh:
            self.assertEqual(len(fh.read().splitlines()), 1)  # the event itself was sent

    def test_a_failure_repeated_on_every_line_is_summarised_with_a_count(self):
        lines = 2000
        r = self.run_closed_stdout(["--sink", f"file:{self.out}", "-"],
                                   b"session.opened origin=x\n" * lines)
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode().splitlines()
        shown = [x for x in err if "cannot print the handle: " in x]
        self.assertEqual(len(shown), 3, r.stderr)
        self.assertIn(f"{lines - 3} more lines failed like this (cannot print the handle)",
                      r.stderr.decode())
        self.assertLess(len(err), 10, r.stderr)


if __name__ == "__main__":
    unittest.main()
