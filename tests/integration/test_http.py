"""HTTP delivery end to end: the generated CLI (BEACON_CLI, e.g. obs-emit)
sends events through each HTTP sink to a scripted receiver on 127.0.0.1
(receiver.py). For every script the events received, de-duplicated by id,
are exactly the emitted ones minus what the counters say was dropped. OTLP
bodies are decoded by the OpenTelemetry definitions and CloudEvents bodies by
the CloudEvents SDK (tests/node, installed by `npm ci`); without node those
two checks are skipped with a message.

    BEACON_CLI=build/bin/obs-emit python3 -m unittest tests.integration.test_http -v
"""
from __future__ import annotations

import base64
import email.utils
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(__file__))
from receiver import Answer, Receiver, Request, free_port, make_cert  # noqa: E402

CLI = os.environ.get("BEACON_CLI", "")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE_DIR = os.path.join(REPO, "tests", "node")
NODE = shutil.which("node")
HAVE_VALIDATORS = bool(NODE) and os.path.isdir(os.path.join(NODE_DIR, "node_modules"))
DROPS = ("dropped_queue_full", "dropped_sampled", "dropped_filtered", "dropped_invalid",
         "dropped_shutdown", "dropped_sink_error", "dropped_rejected", "dropped_send_failed",
         "dropped_too_large", "dropped_buffer_full")
ENV_DROP = ("BEACON_SINKS", "BEACON_DEBUG", "BEACON_DISABLED", "BEACON_SAMPLE_RATE",
            "BEACON_TIMEOUT_MS", "BEACON_SHUTDOWN_TIMEOUT_MS", "OTEL_SDK_DISABLED", "DD_API_KEY",
            "DD_SITE", "DD_TAGS")


def lines(n: int, start: int = 0) -> str:
    return "".join(f"patients.queried result_count={i} query_type=recent\n"
                   for i in range(start, start + n))


def clean_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ENV_DROP and not k.startswith("OTEL_EXPORTER_OTLP")}
    env.update(extra)
    return env


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, elapsed: float):
        self.rc = proc.returncode
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.stats = None
        for line in proc.stderr.splitlines():
            if line.startswith("{\"total\""):
                self.stats = json.loads(line)
        self.total = self.stats["total"] if self.stats else {}


def emit(sink: Optional[str], n: int, **env: str) -> Run:
    e = clean_env(**env)
    if sink is not None:
        e["BEACON_SINKS"] = sink
    t = time.monotonic()
    proc = subprocess.run([CLI, "--stats", "-"], input=lines(n), env=e, capture_output=True,
                          text=True, timeout=60)
    return Run(proc, time.monotonic() - t)


def node(script: str, *args: str, body: bytes) -> object:
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(body)
    try:
        out = subprocess.run([NODE, os.path.join(NODE_DIR, script), *args, f.name],
                             capture_output=True, text=True, timeout=30)
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        raise AssertionError(f"{script} refused the body: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


# --- reading each format back to event ids --------------------------------------

def ids_json(r: Request) -> List[str]:
    doc = json.loads(r.body)
    return [e["id"] for e in doc["events"]] if "events" in doc else [doc["id"]]


def ids_ndjson(r: Request) -> List[str]:
    return [json.loads(line)["id"] for line in r.body.decode().splitlines()]


def otlp_records(r: Request, mode: str) -> List[dict]:
    doc = node("decode_otlp.js", mode, body=r.body)
    out = []
    for rl in doc["resourceLogs"]:
        for sl in rl["scopeLogs"]:
            out.extend(sl["logRecords"])
    return out


def attr(rec: dict, key: str):
    for a in rec.get("attributes", []):
        if a["key"] == key:
            return a["value"]
    return None


def ids_otlp(mode: str):
    return lambda r: [attr(rec, "event.id")["stringValue"] for rec in otlp_records(r, mode)]


def ids_datadog(r: Request) -> List[str]:
    return [e["id"] for e in json.loads(r.body)]


def ids_cloudevents(r: Request) -> List[str]:
    return [e["id"] for e in node("decode_cloudevents.js", r.headers["content-type"],
                                  body=r.body)]


def ids_umami(r: Request) -> List[str]:
    return [json.loads(r.body)["payload"]["data"]["id"]]


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "BEACON_CLI not set")
class HttpDeliveryTest(unittest.TestCase):
    def check_accounting(self, run: Run, rx: Receiver, reader, n: int) -> set:
        """The received set (2xx answers, by id) is what the counters say."""
        self.assertIsNotNone(run.stats, run.stderr)
        t = run.total
        self.assertEqual(t["emitted"], n)
        self.assertEqual(t["emitted"] + t["replayed"],
                         t["delivered"] + t["spooled"] + sum(t[k] for k in DROPS), t)
        got = set()
        for req in rx.accepted():
            got.update(reader(req))
        self.assertEqual(len(got), t["delivered"], t)
        return got

    # --- formats ----------------------------------------------------------------------

    def test_json_batches_events_with_the_resource(self):
        with Receiver() as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/ingest", 20)
            self.assertEqual(run.rc, 0, run.stderr)
            self.check_accounting(run, rx, ids_json, 20)
            self.assertEqual(run.total["delivered"], 20)
            req = rx.accepted()[0]
            self.assertEqual(req.path, "/ingest")
            self.assertEqual(req.headers["content-type"], "application/json")
            self.assertIn("resource", json.loads(req.body))

    def test_json_envelope_events_is_exactly_an_events_array(self):
        with Receiver() as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/v1/telemetry?envelope=events", 5)
            self.check_accounting(run, rx, ids_json, 5)
            for req in rx.accepted():
                self.assertEqual(list(json.loads(req.body)), ["events"])

    def test_json_batch_1_posts_one_canonical_object_per_request(self):
        with Receiver() as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/events?batch=1&timeout_ms=2000", 4)
            self.check_accounting(run, rx, ids_json, 4)
            self.assertEqual(len(rx.accepted()), 4)
            self.assertEqual(json.loads(rx.accepted()[0].body)["event"], "patients.queried")

    def test_ndjson_one_event_per_line(self):
        with Receiver() as rx:
            run = emit(f"ndjson+http://127.0.0.1:{rx.port}/", 30)
            self.check_accounting(run, rx, ids_ndjson, 30)
            self.assertEqual(rx.accepted()[0].headers["content-type"], "application/x-ndjson")
            self.assertTrue(rx.accepted()[0].body.endswith(b"\n"))

    @unittest.skipUnless(HAVE_VALIDATORS, "node or tests/node/node_modules missing (npm ci)")
    def test_otlp_protobuf_decodes_with_the_opentelemetry_definitions(self):
        with Receiver() as rx:
            run = emit(f"otlp+http://127.0.0.1:{rx.port}", 12,
                       OTEL_RESOURCE_ATTRIBUTES="service.name=obs-test,team=core")
            got = self.check_accounting(run, rx, ids_otlp("protobuf"), 12)
            self.assertEqual(len(got), 12)
            req = rx.accepted()[0]
            self.assertEqual(req.path, "/v1/logs")
            self.assertEqual(req.headers["content-type"], "application/x-protobuf")
            doc = node("decode_otlp.js", "protobuf", body=req.body)
            rl = doc["resourceLogs"][0]
            res = {a["key"]: a["value"]["stringValue"] for a in rl["resource"]["attributes"]}
            self.assertEqual(res["service.name"], "obs-test")
            self.assertEqual(res["team"], "core")
            sl = rl["scopeLogs"][0]
            self.assertEqual(sl["scope"]["name"], "observer")
            rec = sl["logRecords"][0]
            self.assertEqual(rec["eventName"], "patients.queried")
            self.assertEqual(rec["severityNumber"], 9)
            self.assertEqual(rec["severityText"], "INFO")
            self.assertEqual(attr(rec, "result_count"), {"intValue": "0"})
            self.assertEqual(attr(rec, "query_type"), {"stringValue": "recent"})
            self.assertGreater(int(rec["timeUnixNano"]), 1_600_000_000 * 10**9)

    @unittest.skipUnless(HAVE_VALIDATORS, "node or tests/node/node_modules missing (npm ci)")
    def test_otlp_json_reads_the_same_as_protobuf(self):
        trace = "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"
        recs = {}
        for mode, q in (("protobuf", ""), ("json", "?protocol=json")):
            with Receiver() as rx:
                e = clean_env(BEACON_SINKS=f"otlp+http://127.0.0.1:{rx.port}{q}")
                subprocess.run([CLI, "--traceparent", trace, "patients.queried",
                                "result_count=7", "query_type=recent"], env=e, check=True,
                               capture_output=True, timeout=30)
                self.assertEqual(len(rx.accepted()), 1)
                if mode == "json":
                    self.assertEqual(rx.accepted()[0].headers["content-type"],
                                     "application/json")
                recs[mode] = otlp_records(rx.accepted()[0], mode)[0]
        for rec in recs.values():
            self.assertEqual(rec["traceId"], "0123456789abcdef0123456789abcdef")
            self.assertEqual(rec["flags"], 1)
        strip = ("observedTimeUnixNano", "timeUnixNano", "attributes")
        a = {k: v for k, v in recs["protobuf"].items() if k not in strip}
        b = {k: v for k, v in recs["json"].items() if k not in strip}
        self.assertEqual(a, b)
        keys = lambda r: [x["key"] for x in r["attributes"]]  # noqa: E731
        self.assertEqual(keys(recs["protobuf"]), keys(recs["json"]))

    def test_otlp_partial_success_counts_rejected_records_without_retry(self):
        # The response names how many records were rejected, not which: exactly
        # that many of the request's events count as dropped_rejected, the rest
        # as delivered, and nothing is retried.
        json_body = json.dumps({"partialSuccess": {"rejectedLogRecords": "2",
                                                   "errorMessage": "bad"}}).encode()
        # ExportLogsServiceResponse{partial_success{rejected_log_records: 2,
        # error_message: "bad"}}
        proto_body = bytes([0x0A, 0x07, 0x08, 0x02, 0x12, 0x03]) + b"bad"
        for protocol, body, ctype in (("json", json_body, "application/json"),
                                      ("protobuf", proto_body, "application/x-protobuf")):
            with self.subTest(protocol), Receiver([Answer.ok(body, {"Content-Type": ctype})]) as rx:
                run = emit(f"otlp+http://127.0.0.1:{rx.port}?protocol={protocol}", 6)
                self.assertEqual(len(rx.all()), 1)
                t = run.total
                self.assertEqual(t["dropped_rejected"], 2, t)
                self.assertEqual(t["delivered"], 4, t)
                self.assertEqual(t["retries"], 0, t)
                self.assertEqual(t["emitted"], t["delivered"] + sum(t[k] for k in DROPS), t)
        # More rejected than sent: every event of the request, no more.
        body = json.dumps({"partialSuccess": {"rejectedLogRecords": 99}}).encode()
        with Receiver([Answer.ok(body, {"Content-Type": "application/json"})]) as rx:
            run = emit(f"otlp+http://127.0.0.1:{rx.port}?protocol=json", 3)
            self.assertEqual((run.total["dropped_rejected"], run.total["delivered"]), (3, 0))

    def test_datadog_logs_intake_v2(self):
        with Receiver() as rx:
            run = emit(f"datadog+http://127.0.0.1:{rx.port}", 1200,
                       DD_API_KEY="dd-secret-0123456789", BEACON_DEBUG="1",
                       OTEL_SERVICE_NAME="fed")
            self.check_accounting(run, rx, ids_datadog, 1200)
            self.assertEqual(run.total["delivered"], 1200)
            for req in rx.accepted():
                self.assertEqual(req.path, "/api/v2/logs")
                self.assertEqual(req.headers["dd-api-key"], "dd-secret-0123456789")
                entries = json.loads(req.body)
                self.assertLessEqual(len(entries), 1000)
                self.assertLessEqual(len(req.body), 5_000_000)
            e = json.loads(rx.accepted()[0].body)[0]
            self.assertEqual((e["service"], e["status"], e["message"], e["ddsource"]),
                             ("fed", "info", "patients.queried", "beacon"))
            self.assertIn("result_count", e)
            self.assertNotIn("dd-secret", run.stderr)

    @unittest.skipUnless(HAVE_VALIDATORS, "node or tests/node/node_modules missing (npm ci)")
    def test_cloudevents_batch_and_structured_validate_with_the_sdk(self):
        with Receiver() as rx:
            run = emit(f"cloudevents+http://127.0.0.1:{rx.port}/ce", 5)
            self.check_accounting(run, rx, ids_cloudevents, 5)
            self.assertEqual(rx.accepted()[0].headers["content-type"],
                             "application/cloudevents-batch+json")
        with Receiver() as rx:
            run = emit(f"cloudevents+http://127.0.0.1:{rx.port}/ce?mode=structured", 3)
            self.check_accounting(run, rx, ids_cloudevents, 3)
            self.assertEqual(len(rx.accepted()), 3)
            req = rx.accepted()[0]
            self.assertEqual(req.headers["content-type"], "application/cloudevents+json")
            ev = node("decode_cloudevents.js", req.headers["content-type"], body=req.body)[0]
            self.assertEqual(ev["type"], "patients.queried")
            self.assertEqual(ev["specversion"], "1.0")
            self.assertEqual(ev["data"]["query_type"], "recent")

    def test_umami_sends_one_event_per_request_with_a_user_agent(self):
        with Receiver() as rx:
            run = emit(f"umami+http://127.0.0.1:{rx.port}?website=site-1", 3)
            self.check_accounting(run, rx, ids_umami, 3)
            self.assertEqual(len(rx.accepted()), 3)
            req = rx.accepted()[0]
            self.assertEqual(req.path, "/api/send")
            self.assertTrue(req.headers["user-agent"].startswith("beacon/"))
            doc = json.loads(req.body)
            self.assertEqual(doc["type"], "event")
            self.assertEqual(doc["payload"]["website"], "site-1")
            self.assertEqual(doc["payload"]["name"], "patients.queried")

    # --- delivery rules -----------------------------------------------------------------

    def test_gzip_and_zstd_bodies_decode_to_the_same_events(self):
        for comp in ("gzip", "zstd"):
            with self.subTest(comp), Receiver() as rx:
                run = emit(f"ndjson+http://127.0.0.1:{rx.port}/?compression={comp}", 50)
                self.check_accounting(run, rx, ids_ndjson, 50)
                self.assertEqual(run.total["delivered"], 50)
                self.assertEqual(rx.accepted()[0].headers["content-encoding"], comp)
                self.assertLess(len(rx.accepted()[0].raw), len(rx.accepted()[0].body))

    def test_connection_refused_is_retried_then_counted_send_failed(self):
        port = free_port()
        run = emit(f"json+http://127.0.0.1:{port}/?retries=2", 5)
        self.assertNotEqual(run.rc, 0)
        self.assertEqual(run.total["dropped_send_failed"], 5)
        self.assertEqual(run.total["retries"], 2)
        self.assertLess(run.elapsed, 5)

    def test_503_three_times_then_200_delivers_everything(self):
        script = [Answer.status(503)] * 3 + [Answer.ok()]
        with Receiver(script) as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/", 10)
            self.assertEqual(run.rc, 0, run.stderr)
            self.check_accounting(run, rx, ids_json, 10)
            self.assertEqual(run.total["delivered"], 10)
            self.assertEqual(run.total["retries"], 3)
            self.assertEqual(len(rx.all()), 4)

    def test_429_retry_after_seconds_and_http_date_are_honoured(self):
        date = email.utils.formatdate(time.time() + 1, usegmt=True)
        for value in ("1", date):
            with self.subTest(value), \
                    Receiver([Answer.status(429, {"Retry-After": value}), Answer.ok()]) as rx:
                run = emit(f"json+http://127.0.0.1:{rx.port}/", 3)
                self.check_accounting(run, rx, ids_json, 3)
                self.assertEqual(run.total["delivered"], 3)
                self.assertEqual(run.total["retries"], 1)
                if value == "1":
                    self.assertGreaterEqual(run.elapsed, 0.9)

    def test_400_is_rejected_and_never_retried(self):
        with Receiver([Answer.status(400)]) as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/", 4)
            self.assertEqual(len(rx.all()), 1)
            self.assertEqual(run.total["dropped_rejected"], 4)
            self.assertEqual(run.total["retries"], 0)
            self.assertNotEqual(run.rc, 0)

    def test_413_splits_the_batch_until_it_fits(self):
        with Receiver(max_body=1200) as rx:
            run = emit(f"ndjson+http://127.0.0.1:{rx.port}/", 16)
            got = self.check_accounting(run, rx, ids_ndjson, 16)
            self.assertEqual(len(got), 16)
            self.assertTrue(any(r.answered == 413 for r in rx.all()))
        with Receiver(max_body=10) as rx:
            run = emit(f"ndjson+http://127.0.0.1:{rx.port}/", 4)
            self.assertEqual(run.total["dropped_too_large"], 4)

    def test_shutdown_returns_by_its_deadline_against_a_server_that_never_answers(self):
        # The process's own start and exit, measured against a server that
        # answers, are subtracted (they grow under sanitizers and load); the
        # in-process bound (deadline + 100 ms) is test_http_sink's.
        with Receiver() as rx:
            base = emit(f"json+http://127.0.0.1:{rx.port}/", 8).elapsed
        with Receiver([Answer.never()]) as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/?timeout_ms=30000", 8,
                       BEACON_SHUTDOWN_TIMEOUT_MS="1000")
            self.assertLess(run.elapsed - base, 1.0 + 0.1 + 0.25)
            self.assertEqual(run.total["dropped_shutdown"], 8)
            self.assertEqual(run.total["emitted"], 8)

    def test_trickling_server_times_out_per_request(self):
        with Receiver([Answer.trickle()]) as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/?timeout_ms=300&retries=1", 3)
            self.assertEqual(run.total["dropped_send_failed"], 3)
            self.assertEqual(run.total["retries"], 1)
            self.assertLess(run.elapsed, 3)

    def test_reset_mid_body_is_retried(self):
        with Receiver([Answer.reset(), Answer.ok()]) as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/", 6)
            self.check_accounting(run, rx, ids_json, 6)
            self.assertEqual(run.total["delivered"], 6)
            self.assertGreaterEqual(run.total["retries"], 1)

    def test_a_full_buffer_drops_new_batches_and_counts_them(self):
        with Receiver([Answer.never()]) as rx:
            run = emit(f"ndjson+http://127.0.0.1:{rx.port}/?max_buffer_bytes=2048&batch=4"
                       f"&concurrency=1", 200, BEACON_SHUTDOWN_TIMEOUT_MS="300")
            t = run.total
            self.assertGreater(t["dropped_buffer_full"], 100)
            self.assertEqual(t["emitted"], t["dropped_buffer_full"] + t["dropped_shutdown"])

    def test_tls_is_verified_by_default_and_accepted_with_ca_file(self):
        with tempfile.TemporaryDirectory() as d:
            cert, key = make_cert(d)
            with Receiver(tls=(cert, key)) as rx:
                run = emit(f"json+https://127.0.0.1:{rx.port}/?retries=0", 2)
                self.assertEqual(run.total["dropped_send_failed"], 2)
                self.assertEqual(len(rx.all()), 0)
                run = emit(f"json+https://127.0.0.1:{rx.port}/?ca_file={cert}", 2)
                self.check_accounting(run, rx, ids_json, 2)
                self.assertEqual(run.total["delivered"], 2)

    # --- configuration ------------------------------------------------------------------

    def test_header_values_never_appear_in_stats_or_diagnostics(self):
        with Receiver([Answer.status(401)]) as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/?headers=Authorization=Bearer%20"
                       f"tok-s3cr3t,X-Team=core", 2, BEACON_DEBUG="1")
            self.assertEqual(rx.all()[0].headers["authorization"], "Bearer tok-s3cr3t")
            self.assertEqual(rx.all()[0].headers["x-team"], "core")
            self.assertNotIn("s3cr3t", run.stderr)
            self.assertIn("headers=***", run.stderr)

    def test_url_credentials_are_sent_as_basic_auth_and_never_shown(self):
        secret = "pa%40ss-w0rd"
        basic = "Basic " + base64.b64encode(b"ingest:pa@ss-w0rd").decode()
        with Receiver([Answer.status(401)]) as rx:
            run = emit(f"json+http://ingest:{secret}@127.0.0.1:{rx.port}/?batch=2", 2,
                       BEACON_DEBUG="1")
            self.assertEqual(rx.all()[0].headers["authorization"], basic)
            self.assertEqual(run.total["dropped_rejected"], 2)
            self.assertIn(f"json+http://***@127.0.0.1:{rx.port}/", run.stderr)
        with Receiver() as rx:
            run = emit(None, 1, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://ingest:{secret}@127.0.0.1:"
                       f"{rx.port}", BEACON_DEBUG="1")
            self.assertEqual(run.total["delivered"], 1, run.stderr)
            self.assertEqual(rx.all()[0].headers["authorization"], basic)
            self.assertEqual(rx.all()[0].path, "/v1/logs")
            runs = [run]
        refused = emit(f"otlp+http://ingest:{secret}@127.0.0.1:1?compression=brotli", 1,
                       BEACON_DEBUG="1")
        self.assertNotEqual(refused.rc, 0)
        self.assertIn("compression", refused.stderr)
        for r in runs + [refused]:
            self.assertNotIn("w0rd", r.stderr)
            self.assertNotIn(base64.b64encode(b"ingest:pa@ss-w0rd").decode(), r.stderr)

    def test_otlp_grpc_protocol_warns_once_and_sends_http_protobuf(self):
        with Receiver() as rx:
            run = emit(f"otlp+http://127.0.0.1:{rx.port};otlp+http://127.0.0.1:{rx.port}/v1/x", 2,
                       OTEL_EXPORTER_OTLP_PROTOCOL="grpc")
            self.assertEqual(run.stderr.count("gRPC"), 1, run.stderr)
            self.assertEqual(run.total["delivered"], 2)
            self.assertEqual(len(rx.accepted()), 2)
            for req in rx.accepted():
                self.assertEqual(req.headers["content-type"], "application/x-protobuf")
        with Receiver() as rx:
            run = emit(None, 1, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{rx.port}",
                       OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="grpc")
            self.assertEqual(run.stderr.count("gRPC"), 1, run.stderr)
            self.assertEqual(run.total["delivered"], 1)

    @unittest.skipUnless(HAVE_VALIDATORS, "node or tests/node/node_modules missing (npm ci)")
    def test_otel_exporter_environment_adds_an_otlp_sink(self):
        with Receiver() as rx:
            run = emit(None, 3, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{rx.port}",
                       OTEL_EXPORTER_OTLP_PROTOCOL="http/json",
                       OTEL_EXPORTER_OTLP_HEADERS="api-key=k3y-v4lue",
                       OTEL_EXPORTER_OTLP_COMPRESSION="gzip", BEACON_DEBUG="1")
            self.check_accounting(run, rx, ids_otlp("json"), 3)
            req = rx.accepted()[0]
            self.assertEqual(req.path, "/v1/logs")
            self.assertEqual(req.headers["api-key"], "k3y-v4lue")
            self.assertEqual(req.headers["content-encoding"], "gzip")
            self.assertNotIn("k3y-v4lue", run.stderr)

    def test_otel_sdk_disabled_switches_beacon_off(self):
        with Receiver() as rx:
            run = emit(f"json+http://127.0.0.1:{rx.port}/", 3, OTEL_SDK_DISABLED="true")
            self.assertEqual(len(rx.all()), 0)
            self.assertEqual(run.total["delivered"], 0)

    def test_bad_options_are_refused_at_init(self):
        for spec in ("json+http://127.0.0.1:1/?compression=brotli",
                     "otlp+http://127.0.0.1:1?protocol=thrift", "umami+http://127.0.0.1:1",
                     "json+http:no-host", "ndjson+http://127.0.0.1:1/?batch=x"):
            with self.subTest(spec):
                run = emit(spec, 1)
                self.assertNotEqual(run.rc, 0)


if __name__ == "__main__":
    unittest.main()
