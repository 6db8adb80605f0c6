"""Each seed's example program pointed at its seed's kind of destination
through BEACON_SINKS, against the loopback receiver (receiver.py). The events
a destination receives (by id) are the ones the same run wrote to a file sink
with the same routing, so nothing is lost or invented on the way:

  observer  → JSON, one canonical event per POST, 2 s timeout
  federated → Datadog Logs intake v2
  webapi    → JSON with envelope=events ({"events":[…]})
  tracker   → Umami for the user, generation and payment categories,
              a file for error and system
  bridge    → OTLP/HTTP protobuf, and stderr TELEMETRY: lines as before

The binaries come from BEACON_EXAMPLE_<NAME> (set by the ctest registration).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from typing import List

sys.path.insert(0, os.path.dirname(__file__))
from receiver import Receiver  # noqa: E402
from test_http import (HAVE_VALIDATORS, clean_env, ids_datadog, ids_json,  # noqa: E402
                       ids_otlp, ids_umami)


def example(name: str) -> str:
    return os.environ.get(f"BEACON_EXAMPLE_{name.upper()}", "")


def file_ids(path: str) -> List[str]:
    with open(path) as f:
        return [json.loads(line)["id"] for line in f if line.strip()]


class SeedDestinationTest(unittest.TestCase):
    def run_example(self, name: str, sinks: str, **env: str) -> subprocess.CompletedProcess:
        prog = example(name)
        if not (prog and os.access(prog, os.X_OK)):
            self.skipTest(f"BEACON_EXAMPLE_{name.upper()} not set")
        e = clean_env(BEACON_SINKS=sinks, **env)
        r = subprocess.run([prog], env=e, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_observer_posts_one_json_event_per_request(self):
        with Receiver() as rx:
            with tempfile.TemporaryDirectory() as d:
                copy = os.path.join(d, "copy.ndjson")
                self.run_example("observer", f"json+http://127.0.0.1:{rx.port}/events?batch=1"
                                 f"&timeout_ms=2000;file:{copy}")
                self.assertEqual(len(rx.accepted()), len(file_ids(copy)))
                self.assertEqual({i for r in rx.accepted() for i in ids_json(r)},
                                 set(file_ids(copy)))

    def test_federated_ships_to_datadog(self):
        with tempfile.TemporaryDirectory() as d, Receiver() as rx:
            copy = os.path.join(d, "copy.ndjson")
            self.run_example("federated", f"datadog+http://127.0.0.1:{rx.port};file:{copy}",
                             DD_API_KEY="dd-key-for-tests")
            got = {i for r in rx.accepted() for i in ids_datadog(r)}
            self.assertEqual(got, set(file_ids(copy)))
            self.assertEqual(rx.accepted()[0].headers["dd-api-key"], "dd-key-for-tests")

    def test_webapi_posts_an_events_envelope(self):
        with tempfile.TemporaryDirectory() as d, Receiver() as rx:
            copy = os.path.join(d, "copy.ndjson")
            self.run_example("webapi", f"json+http://127.0.0.1:{rx.port}/api/telemetry"
                             f"?envelope=events;file:{copy}")
            for req in rx.accepted():
                self.assertEqual(list(json.loads(req.body)), ["events"])
            got = {i for r in rx.accepted() for i in ids_json(r)}
            self.assertEqual(got, set(file_ids(copy)))

    def test_tracker_routes_product_events_to_umami_and_errors_to_a_file(self):
        with tempfile.TemporaryDirectory() as d, Receiver() as rx:
            errors = os.path.join(d, "errors.ndjson")
            product = os.path.join(d, "product.ndjson")
            umami_route = "filter=category:user,category:generation,category:payment"
            file_route = "filter=category:error,category:system"
            self.run_example("tracker", f"umami+http://127.0.0.1:{rx.port}?website=trk-site&"
                             f"{umami_route};file:{errors}?{file_route};"
                             f"file:{product}?{umami_route}")
            got = {i for r in rx.accepted() for i in ids_umami(r)}
            self.assertEqual(got, set(file_ids(product)))
            self.assertTrue(got)
            with open(errors) as f:
                cats = {json.loads(line)["category"] for line in f}
            self.assertTrue(cats)
            self.assertLessEqual(cats, {"error", "system"})

    @unittest.skipUnless(HAVE_VALIDATORS, "node or tests/node/node_modules missing (npm ci)")
    def test_bridge_sends_otlp_and_keeps_its_telemetry_lines(self):
        with tempfile.TemporaryDirectory() as d, Receiver() as rx:
            copy = os.path.join(d, "copy.ndjson")
            r = self.run_example("bridge", f"otlp+http://127.0.0.1:{rx.port};"
                                 f"stderr?prefix=TELEMETRY:;file:{copy}")
            got = {i for req in rx.accepted() for i in ids_otlp("protobuf")(req)}
            self.assertEqual(got, set(file_ids(copy)))
            lines = [x for x in r.stderr.splitlines() if x.startswith("TELEMETRY:")]
            self.assertEqual(len(lines), len(got))


if __name__ == "__main__":
    unittest.main()
