"""End-to-end flows of the example programs in examples/, one class per seed.

Each class runs its example binary (path in BEACON_EXAMPLE_<NAME>, set by the
ctest registration in examples/CMakeLists.txt; skipped when unset) with a
file: sink, parses every line with Python's json and checks the flow the
example walks: event names in order, correlation ids shared where the flow
correlates, span ids and durations, context fields, and that no value the
example passed to a PII-marked field leaves the process in clear text.

The examples run twice, without and with BEACON_HASH_KEY. Without a key a
`hash` field is written as "[REDACTED]" (fail closed, presence kept); with
one, as a keyed hash. Raw values never appear and what does appear has the
policy's shape.

    BEACON_EXAMPLE_TRACKER=build/bin/tracker-demo \\
        python3 -m unittest tests.integration.test_examples.TrackerDemoTest -v
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import tempfile
import unittest
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Environment that could change where events go or whether they are sent.
CLEAN_ENV_DROP = ("BEACON_SINKS", "BEACON_DEBUG", "BEACON_DISABLED", "BEACON_SAMPLE_RATE",
                  "BEACON_HASH_KEY", "BEACON_HASH_KEY_ID", "BEACON_SPOOL_DIR")
HASH_KEY = "hex:6b657920666f72206578616d706c65732c206e6f7420666f722070726f642121"

HEX32 = re.compile(r"[0-9a-f]{32}\Z")
HEX16 = re.compile(r"[0-9a-f]{16}\Z")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\Z")
# A frame from beacon_backtrace_capture: "symbol+0x1a", "module+0x1234" or "??".
FRAME = re.compile(r"(?:[^/\s]+\+0x[0-9a-f]+|\?\?)\Z")
BACKTRACE_MAX_FRAMES = 32
REDACTED = "[REDACTED]"

Event = Dict[str, Any]


def load_catalog(name: str) -> Dict[str, Any]:
    with open(os.path.join(REPO, "schema", f"{name}.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def wire_key(name: str, spec: Dict[str, Any]) -> str:
    """The JSON key of a field (docs/catalog.md): `key:`, or a duration's
    name with its unit as suffix, or the name."""
    if "key" in spec:
        return spec["key"]
    unit = spec.get("unit")
    if spec.get("type") == "duration" and unit and not name.endswith("_" + unit):
        return f"{name}_{unit}"
    return name


def field_specs(fields: Optional[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """JSON key → spec, with the `name: type` shorthand expanded."""
    out = {}
    for name, spec in (fields or {}).items():
        spec = spec if isinstance(spec, dict) else {"type": spec}
        out[wire_key(name, spec)] = spec
    return out


def span_naming(catalog: Dict[str, Any]) -> Dict[str, Any]:
    """The catalog's span_events with their defaults."""
    se = catalog.get("span_events") or {}
    return {"start": se.get("start", "start"), "stop": se.get("stop", "stop"),
            "failure": se.get("failure", "exception"),
            "unit": se.get("duration_unit", "ns"),
            "duration": "duration_" + se.get("duration_unit", "ns"),
            "error_message": se.get("error_message")}


def event_fields(catalog: Dict[str, Any]) -> Dict[str, Dict[str, Dict[str, Any]]]:
    """Every event name the catalog defines (span-derived ones included) → fields."""
    out = {name: field_specs(body.get("fields"))
           for name, body in (catalog.get("events") or {}).items()}
    sn = span_naming(catalog)
    for name, body in (catalog.get("spans") or {}).items():
        fields = field_specs(body.get("fields"))
        duration = {sn["duration"]: {"type": "duration", "unit": sn["unit"]}}
        failure = dict(fields, **duration, error_type={"type": "string"})
        if sn["error_message"]:
            failure[sn["error_message"]] = {"type": "string", "pii": "scrub"}
        out[f"{name}.{sn['start']}"] = dict(fields)
        out[f"{name}.{sn['stop']}"] = dict(fields, **duration)
        out[f"{name}.{sn['failure']}"] = failure
    return out


def run_example(path: str, hash_key: Optional[str]) -> Tuple[subprocess.CompletedProcess, str]:
    with tempfile.TemporaryDirectory(prefix="beacon_example_") as tmp:
        out = os.path.join(tmp, "events.ndjson")
        env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
        env["BEACON_SINKS"] = f"file:{out}"
        if hash_key:
            env["BEACON_HASH_KEY"] = hash_key
        proc = subprocess.run([path], capture_output=True, text=True, env=env, timeout=120)
        text = ""
        if os.path.exists(out):
            with open(out, encoding="utf-8") as f:
                text = f.read()
        return proc, text


class DemoFlow:
    """Checks every example shares; subclasses name the example and its flow."""

    NAME = ""                     # example / catalog name
    CATALOG = ""                  # catalog file in schema/ (default NAME)
    EXPECTED: Sequence[str] = ()  # event names, in emission order
    # Values the example passes to PII-marked fields or keeps out of events
    # entirely; none may appear anywhere in the output.
    SECRETS: Sequence[str] = ()

    runs: List[Tuple[str, subprocess.CompletedProcess, str, List[Event]]]
    events: List[Event]

    @classmethod
    def setUpClass(cls) -> None:
        var = f"BEACON_EXAMPLE_{cls.NAME.upper()}"
        path = os.environ.get(var, "")
        if not path or not os.access(path, os.X_OK):
            raise unittest.SkipTest(f"{var} does not name an executable")
        cls.catalog = load_catalog(cls.CATALOG or cls.NAME)
        cls.fields = event_fields(cls.catalog)
        cls.runs = []
        for label, key in (("unkeyed", None), ("keyed", HASH_KEY)):
            proc, text = run_example(path, key)
            events = [json.loads(line) for line in text.splitlines()]
            cls.runs.append((label, proc, text, events))
        cls.events = cls.runs[1][3]

    # --- helpers -------------------------------------------------------------

    def named(self, name: str) -> List[Event]:
        return [e for e in self.events if e["event"] == name]

    def one(self, name: str) -> Event:
        found = self.named(name)
        self.assertEqual(len(found), 1, f"expected one {name} event")
        return found[0]

    def assert_child_of(self, ev: Event, span_start: Event) -> None:
        """ev was emitted inside the span that span_start opened."""
        self.assertEqual(ev.get("trace_id"), span_start["trace_id"], ev["event"])
        self.assertEqual(ev.get("parent_span_id"), span_start["span_id"], ev["event"])

    # --- shared checks ---------------------------------------------------------

    def test_example_exits_zero_with_no_diagnostics_but_the_missing_key(self) -> None:
        for label, proc, _, _ in self.runs:
            with self.subTest(run=label):
                self.assertEqual(proc.returncode, 0, proc.stderr)
                lines = proc.stderr.splitlines()
                if label == "unkeyed" and lines:
                    # Without a key, hash fields are redacted and said so once.
                    self.assertEqual(len(lines), 1, proc.stderr)
                    self.assertIn('pii: hash fields are written as "[REDACTED]"', lines[0])
                else:
                    self.assertEqual(proc.stderr, "")

    def test_events_arrive_in_flow_order(self) -> None:
        for label, _, _, events in self.runs:
            with self.subTest(run=label):
                self.assertEqual([e["event"] for e in events], list(self.EXPECTED))

    def test_every_event_is_stamped_for_its_catalog(self) -> None:
        for e in self.events:
            self.assertEqual(e["catalog"], self.catalog["catalog"])
            self.assertEqual(e["version"], self.catalog.get("version", 1))
            self.assertRegex(e["time"], RFC3339)
            self.assertRegex(e["id"], HEX32)
        self.assertEqual(len({e["id"] for e in self.events}), len(self.events))

    def test_events_carry_only_catalog_fields(self) -> None:
        context = set(field_specs(self.catalog.get("context")))
        for e in self.events:
            self.assertIn(e["event"], self.fields)
            self.assertLessEqual(set(e["data"]), set(self.fields[e["event"]]), e["event"])
            self.assertLessEqual(set(e.get("context", {})), context, e["event"])

    def test_each_span_start_is_closed_once_with_its_ids_and_duration(self) -> None:
        spans = self.catalog.get("spans") or {}
        sn = span_naming(self.catalog)
        for name in spans:
            starts = self.named(f"{name}.{sn['start']}")
            ends = self.named(f"{name}.{sn['stop']}") + self.named(f"{name}.{sn['failure']}")
            self.assertEqual(len(starts), len(ends), name)
            for start in starts:
                self.assertRegex(start["trace_id"], HEX32)
                self.assertRegex(start["span_id"], HEX16)
                closing = [e for e in ends if e["span_id"] == start["span_id"]]
                self.assertEqual(len(closing), 1, f"{name} span {start['span_id']}")
                end = closing[0]
                self.assertEqual(end["trace_id"], start["trace_id"])
                self.assertEqual(end.get("parent_span_id"), start.get("parent_span_id"))
                duration = end["data"][sn["duration"]]
                self.assertIsInstance(duration, float if sn["unit"] == "s" else int)
                self.assertGreaterEqual(duration, 0)
                if end["event"].endswith("." + sn["failure"]):
                    self.assertEqual(end["level"], "error")
                    self.assertTrue(end["data"]["error_type"])

    def test_pii_values_never_appear_in_clear_text(self) -> None:
        for label, _, text, _ in self.runs:
            for secret in self.SECRETS:
                with self.subTest(run=label, value=secret):
                    self.assertNotIn(secret, text)

    def test_pii_fields_have_their_policy_shape_when_present(self) -> None:
        context = field_specs(self.catalog.get("context"))
        for label, _, _, events in self.runs:
            for e in events:
                pairs = [(self.fields[e["event"]], e["data"]), (context, e.get("context", {}))]
                for specs, values in pairs:
                    for name, value in values.items():
                        pii = specs[name].get("pii", "none")
                        with self.subTest(run=label, event=e["event"], field=name):
                            self.assertNotEqual(pii, "drop")
                            if pii == "redact":
                                self.assertIn(value, (REDACTED, [REDACTED] * len(value or [])))
                            elif pii == "hash":
                                items = value if isinstance(value, list) else [value]
                                for item in items:
                                    if label == "unkeyed":
                                        self.assertEqual(item, REDACTED)
                                    else:
                                        self.assertRegex(item, HEX32)


class ObserverDemoTest(DemoFlow, unittest.TestCase):
    NAME = "observer"
    EXPECTED = ("upload.received", "upload.processed", "upload.received", "upload.failed",
                "patients.queried", "clinical.query", "clinical.response", "clinical.fetch",
                "clinical.fetch_success", "synopsis.generated", "plaud.fetched")
    SECRETS = ("MRN-0042-7781", "patient-5521", "A-99812", "jane.doe@example.org")

    def test_follow_events_carry_the_handle_their_begin_event_returned(self) -> None:
        rx = self.named("upload.received")
        self.assertEqual(self.one("upload.processed")["trace_id"], rx[0]["trace_id"])
        self.assertEqual(self.one("upload.failed")["trace_id"], rx[1]["trace_id"])
        # The handle names the begin event's own span: its follow events'
        # parent.
        self.assertRegex(rx[0]["span_id"], "^[0-9a-f]{16}$")
        self.assertEqual(self.one("upload.processed")["parent_span_id"], rx[0]["span_id"])
        self.assertEqual(self.one("upload.failed")["parent_span_id"], rx[1]["span_id"])
        self.assertEqual(self.one("synopsis.generated")["parent_span_id"],
                         self.one("clinical.fetch")["span_id"])
        self.assertNotEqual(rx[0]["trace_id"], rx[1]["trace_id"])
        self.assertEqual(self.one("clinical.response")["trace_id"],
                         self.one("clinical.query")["trace_id"])
        self.assertEqual(self.one("clinical.fetch_success")["trace_id"],
                         self.one("clinical.fetch")["trace_id"])
        self.assertEqual(self.one("synopsis.generated")["trace_id"],
                         self.one("clinical.fetch")["trace_id"])

    def test_durations_are_milliseconds_under_duration_ms(self) -> None:
        # The seed's emitters send duration_ms in milliseconds.
        self.assertEqual(self.one("clinical.fetch_success")["data"]["duration_ms"], 840)
        self.assertEqual(self.one("synopsis.generated")["data"]["duration_ms"], 2400)
        self.assertEqual(self.one("plaud.fetched")["data"]["duration_ms"], 310)

    def test_stages_are_the_seeds(self) -> None:
        stages = {e["category"] for e in self.events}
        self.assertEqual(stages, {"upload", "query", "ai-query", "fetch", "synopsis",
                                  "plaud-fetch"})

    def test_unset_field_with_a_default_is_sent_with_it(self) -> None:
        self.assertEqual(self.one("plaud.fetched")["data"]["new_count"], 0)

    def test_values_the_seed_sends_are_not_rejected(self) -> None:
        # No invented limits: free strings stay strings.
        self.assertEqual(self.one("patients.queried")["data"]["query_type"], "recent")


class FederatedDemoTest(DemoFlow, unittest.TestCase):
    NAME = "federated"
    EXPECTED = ("schema_generation_start", "schema_upload_success", "schema_generation_end",
                "dataset_connected", "ehr_session_initialised", "task_accepted_by_pod",
                "task_accepted", "execution_time", "filtering_complete", "patient_eligibility",
                "batch_progress", "grouping_summary", "ehr_query_complete",
                "ehr_token_refreshed", "algorithm_progress", "algorithm_progress",
                "missing_column", "trial_filter_summary", "algorithm_progress",
                "algorithm_progress", "task_complete", "task_accepted", "task_error")
    # PID-40417 and the rest of the message belong to the failure that
    # task_error reports: only its frames may leave.
    SECRETS = ("dr.jane.modeller", "PID-99812", "PID-40417", "cannot read pixel data")

    def test_every_catalog_event_is_emitted(self) -> None:
        self.assertEqual({e["event"] for e in self.events}, set(self.catalog["events"]))
        self.assertEqual(len(self.catalog["events"]), 19)

    def test_task_end_events_carry_the_handle_task_accepted_returned(self) -> None:
        accepted = self.named("task_accepted")
        self.assertEqual(self.one("task_complete")["trace_id"], accepted[0]["trace_id"])
        self.assertEqual(self.one("task_error")["trace_id"], accepted[1]["trace_id"])
        self.assertNotEqual(accepted[0]["trace_id"], accepted[1]["trace_id"])
        self.assertEqual(self.one("task_complete")["parent_span_id"], accepted[0]["span_id"])
        self.assertEqual(self.one("task_error")["parent_span_id"], accepted[1]["span_id"])

    def test_work_under_the_pushed_task_handle_joins_the_task(self) -> None:
        names = [e["event"] for e in self.events]
        first = self.named("task_accepted")[0]
        inside = self.events[names.index("task_accepted") + 1:names.index("task_complete")]
        self.assertTrue(inside)
        for ev in inside:
            self.assert_child_of(ev, first)
        # Before the task, and after the pop, events belong to no trace.
        self.assertNotIn("trace_id", self.one("task_accepted_by_pod"))

    def test_algorithm_steps_are_enum_names_in_lifecycle_order(self) -> None:
        steps = [e["data"]["step"] for e in self.named("algorithm_progress")]
        self.assertEqual(steps, ["run_start", "epoch_start", "epoch_end", "run_end"])
        run_start = self.named("algorithm_progress")[0]["data"]
        self.assertNotIn("current_epoch", run_start)  # optional, unset: omitted, not null
        self.assertEqual(self.named("algorithm_progress")[1]["data"]["current_epoch"], 1)

    def test_datetime_fields_are_rfc3339_timestamps(self) -> None:
        self.assertRegex(self.one("task_complete")["data"]["datetime"], RFC3339)
        self.assertRegex(self.one("dataset_connected")["data"]["connection_datetime"], RFC3339)

    def test_schema_initiation_source_is_spelled_as_the_seed_does(self) -> None:
        self.assertEqual(self.one("schema_generation_start")["data"]["source_of_initiation"],
                         "PREFECT_SCHEMA_WORKER")

    def test_file_name_is_redacted_and_column_name_kept(self) -> None:
        data = self.one("missing_column")["data"]
        self.assertEqual(data["file_name"], REDACTED)
        self.assertEqual(data["column_name"], "Pixel Data")

    def test_task_error_sends_frames_and_type_but_no_message(self) -> None:
        data = self.one("task_error")["data"]
        self.assertEqual(data["error_type"], "RuntimeError")
        self.assertLessEqual(set(data), {"task_id", "pod_name", "modeller_username",
                                         "error_type", "stacktrace_frames"})

    def test_task_error_frames_are_the_captured_code_locations(self) -> None:
        frames = self.one("task_error")["data"]["stacktrace_frames"]
        if platform.libc_ver()[0] != "glibc":
            self.assertEqual(frames, [])  # no backtrace(): captured nothing
            return
        # report_task_error, main and the C library's startup at least.
        self.assertGreaterEqual(len(frames), 3)
        self.assertLessEqual(len(frames), BACKTRACE_MAX_FRAMES)
        for frame in frames:
            self.assertRegex(frame, FRAME)
        self.assertTrue(any(f.startswith(("libc.so", "__libc_start_main")) for f in frames),
                        frames)

    def test_list_and_measurement_fields_keep_their_types(self) -> None:
        tf = self.one("trial_filter_summary")["data"]
        self.assertEqual(tf["missing_columns"], ["Pixel Data", "Laterality"])
        self.assertEqual(tf["rows_missing"], 4)
        # The seed's duration_seconds: float, in seconds.
        et = self.one("execution_time")["data"]
        self.assertNotIn("duration_ns", et)
        self.assertIsInstance(et["duration_seconds"], float)
        self.assertGreaterEqual(et["duration_seconds"], 0)
        self.assertLess(et["duration_seconds"], 60)


class BridgeDemoTest(DemoFlow, unittest.TestCase):
    NAME = "bridge"
    EXPECTED = ("tool.execution.start", "tool.result_size", "tool.execution.stop",
                "tool.execution.start", "tool.execution.exception", "worker.queue.dropped")

    def test_measurement_emitted_inside_a_span_joins_its_trace(self) -> None:
        start = self.named("tool.execution.start")[0]
        self.assert_child_of(self.one("tool.result_size"), start)

    def test_host_correlation_id_rides_in_context_per_request(self) -> None:
        ids = [e.get("context", {}).get("correlation_id") for e in self.events]
        self.assertEqual(ids, ["host-req-5f2a"] * 3 + ["host-req-5f2b"] * 2 + [None])
        for e in self.events:
            self.assertEqual(e["context"]["worker_id"], "worker-3")

    def test_measurements_are_typed_fields_and_metadata_an_object(self) -> None:
        data = self.one("tool.result_size")["data"]
        self.assertIsInstance(data["bytes"], int)
        self.assertGreater(data["bytes"], 0)
        self.assertEqual(data["metadata"], {"encoding": "json", "attempt": 1})
        stop = self.one("tool.execution.stop")["data"]
        self.assertEqual(stop["metadata"], {"tool": "summarize", "adapter": "grpc"})

    def test_failed_tool_ends_its_span_with_the_exception_type(self) -> None:
        exc = self.one("tool.execution.exception")
        self.assertEqual(exc["data"]["tool"], "fetch_url")
        self.assertEqual(exc["data"]["error_type"], "TimeoutError")

    def test_queue_report_counts_no_drops(self) -> None:
        self.assertEqual(self.one("worker.queue.dropped")["data"]["dropped"], 0)

    def test_event_emitted_while_disabled_is_not_delivered(self) -> None:
        self.assertEqual([e for e in self.events if e["data"].get("tool") == "muted"], [])


class WebapiDemoTest(DemoFlow, unittest.TestCase):
    NAME = "webapi"
    EXPECTED = ("api.request.start", "oe.start", "api.request.stop", "api.request.start",
                "oe.moderation", "oe.interact", "api.request.stop")
    SECRETS = ("user_8841", "sess_c0ffee42", "Which of these articles")

    def test_oe_events_belong_to_their_request_span(self) -> None:
        first, second = self.named("api.request.start")
        self.assert_child_of(self.one("oe.start"), first)
        self.assert_child_of(self.one("oe.moderation"), second)
        self.assert_child_of(self.one("oe.interact"), second)
        self.assertNotEqual(first["trace_id"], second["trace_id"])

    def test_content_id_is_in_the_context_of_every_event(self) -> None:
        for e in self.events:
            self.assertEqual(e["context"]["gdata_id"], "gd-2291", e["event"])

    def test_request_stop_reports_the_status_code(self) -> None:
        codes = [e["data"]["status_code"] for e in self.named("api.request.stop")]
        self.assertEqual(codes, [201, 200])

    def test_moderation_sends_counts_and_categories_not_text(self) -> None:
        data = self.one("oe.moderation")["data"]
        self.assertEqual(data["verdict"], "flagged")
        self.assertEqual(data["categories"], ["off_topic"])
        self.assertEqual(data["message_length"], len("Which of these articles should I read first?"))


class TrackerDemoTest(DemoFlow, unittest.TestCase):
    NAME = "tracker"
    EXPECTED = ("button_click",
                "api.generate.started", "generation.params", "generation.started",
                "generation.completed", "api.generate.completed",
                "api.generate.started", "generation.params", "generation.started",
                "generation.failed", "error.captured", "api.generate.failed",
                "checkout.completed")
    SECRETS = ("user_51207", "sess_9d4e71", "jane.roe@example.com")

    def test_generation_span_nests_in_the_request_span(self) -> None:
        requests = self.named("api.generate.started")
        generations = self.named("generation.started")
        self.assertEqual(len(requests), 2)
        for request, generation in zip(requests, generations):
            self.assert_child_of(generation, request)
        self.assert_child_of(self.named("generation.params")[0], requests[0])
        self.assert_child_of(self.one("error.captured"), requests[1])

    def test_context_set_per_request_is_on_every_event(self) -> None:
        ids = [e["context"]["request_id"] for e in self.events]
        self.assertEqual(ids, ["req_0001"] + ["req_0002"] * 5 + ["req_0003"] * 6 + ["req_0004"])
        for e in self.events:
            self.assertEqual(e["context"]["hostname"], "myapp.example")
        self.assertEqual(self.one("button_click")["context"]["path"], "/signup")

    def test_categories_follow_the_seed(self) -> None:
        self.assertEqual(self.one("button_click")["category"], "user")
        self.assertEqual(self.one("checkout.completed")["category"], "payment")
        self.assertEqual(self.one("error.captured")["category"], "error")
        self.assertEqual(self.named("generation.started")[0]["category"], "generation")

    def test_completed_generation_reports_credits_used(self) -> None:
        stop = self.one("generation.completed")["data"]
        self.assertEqual((stop["model"], stop["credits_cost"], stop["credits_used"]),
                         ("flux-dev", 10, 10))

    def test_generation_events_are_named_and_timed_as_the_seed_sends_them(self) -> None:
        # The seed's duration tracking: .started / .completed / .failed, with
        # duration_ms an integer count of milliseconds.
        for name in ("generation.completed", "generation.failed", "api.generate.completed"):
            data = self.named(name)[0]["data"]
            self.assertNotIn("duration_ns", data)
            self.assertIsInstance(data["duration_ms"], int)
            self.assertGreaterEqual(data["duration_ms"], 0)
            self.assertLess(data["duration_ms"], 60_000)

    def test_failed_generation_carries_the_scrubbed_error_text(self) -> None:
        # The seed sends error=str(e); here the message leaves scrubbed.
        data = self.one("generation.failed")["data"]
        self.assertEqual(data["error_type"], "UpstreamRejected")
        self.assertEqual(data["error"], "provider refused prompt for [email]")
        self.assertNotIn("error", self.one("api.generate.failed")["data"])

    def test_scoped_request_span_ends_at_scope_exit(self) -> None:
        # The request span of the successful request is opened with the
        # scoped form and never ended explicitly: its stop event comes from
        # leaving the scope, after the generation's, with the context still set.
        done = self.one("api.generate.completed")
        self.assertEqual(done["data"]["method"], "POST")
        self.assertEqual(done["context"]["request_id"], "req_0002")
        self.assertEqual(done["span_id"], self.named("api.generate.started")[0]["span_id"])

    def test_error_event_keeps_type_and_frames(self) -> None:
        data = self.one("error.captured")["data"]
        self.assertEqual(data["error_type"], "UpstreamRejected")
        self.assertEqual(data["stack_frames"], ["app.py:88 in generate",
                                                "models.py:41 in run_flux"])

    def test_checkout_amount_is_a_number(self) -> None:
        data = self.one("checkout.completed")["data"]
        self.assertEqual((data["package_id"], data["amount"]), ("creator", 9.99))


if __name__ == "__main__":
    unittest.main()
