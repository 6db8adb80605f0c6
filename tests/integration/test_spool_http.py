"""The disk spool of HTTP sinks end to end, against the scripted receiver on
127.0.0.1 (receiver.py): the generated CLI (BEACON_CLI, e.g. obs-emit) and a
program that leaves without beacon_shutdown() (BEACON_EXIT_PROBE) spool what
a receiver that is down cannot take; a later process with the receiver up
delivers it. Every id is accounted for: the ids received (no id twice) are
the ids delivered plus those replayed, and the counters obey

    emitted + replayed == delivered + spooled + the dropped_* counters

(dropped_spool_evicted aside: those events were counted spooled before).
The spool's segment files are read back here with their layout
(runtime/src/spool/segment.h) to know which events reached the disk.

    BEACON_CLI=build/bin/obs-emit BEACON_EXIT_PROBE=build/bin/beacon-exit-probe \
        python3 -m unittest tests.integration.test_spool_http -v
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import Dict, List, Optional, Set, Tuple

sys.path.insert(0, os.path.dirname(__file__))
from receiver import Answer, Receiver, free_port  # noqa: E402

CLI = os.environ.get("BEACON_CLI", "")
PROBE = os.environ.get("BEACON_EXIT_PROBE", "")
DROPS = ("dropped_queue_full", "dropped_sampled", "dropped_filtered", "dropped_invalid",
         "dropped_shutdown", "dropped_sink_error", "dropped_reentrant", "dropped_rejected",
         "dropped_send_failed", "dropped_too_large", "dropped_buffer_full")


def clean_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BEACON_", "OTEL_", "DD_"))}
    env.update(extra)
    return env


def lines(n: int, start: int = 0) -> str:
    return "".join(f"patients.queried result_count={i} query_type=recent\n"
                   for i in range(start, start + n))


def stats_of(stderr: str) -> dict:
    for line in stderr.splitlines():
        if line.startswith("{\"total\""):
            return json.loads(line)["total"]
    raise AssertionError(f"no stats in: {stderr[-2000:]}")


def emit(spec: str, n: int, start: int = 0, **env: str) -> Tuple[int, dict, str]:
    proc = subprocess.run([CLI, "--stats", "-"], input=lines(n, start),
                          env=clean_env(BEACON_SINKS=spec, **env), capture_output=True,
                          text=True, timeout=60)
    return proc.returncode, stats_of(proc.stderr), proc.stderr


# --- the spool's files ------------------------------------------------------------

def _crc32c_table() -> List[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def segment_files(root: str) -> List[str]:
    out = []
    for d, _, files in os.walk(root):
        out.extend(os.path.join(d, f) for f in files if f.startswith("seg-"))
    return sorted(out)


def pending_records(root: str) -> List[Tuple[int, bytes]]:
    """(events, payload) of every whole, pending record whose checksums hold."""
    out = []
    for path in segment_files(root):
        with open(path, "rb") as fh:
            buf = fh.read()
        if buf[:12] != b"BEACONSPOOL\0":
            continue
        off = 16
        while off + 32 <= len(buf):
            hdr = buf[off:off + 32]
            if hdr[:4] != b"BSR1":
                off += 1
                continue
            length, events = struct.unpack_from("<II", hdr, 8)
            pcrc, hcrc = struct.unpack_from("<II", hdr, 24)
            head = bytearray(hdr[:28])
            head[4] = 0
            if crc32c(bytes(head)) != hcrc or off + 32 + length > len(buf):
                off += 1
                continue
            payload = buf[off + 32:off + 32 + length]
            if crc32c(payload) == pcrc and hdr[4] == 0:
                out.append((events, payload))
            off += 32 + length
    return out


def ids_json(body: bytes) -> List[str]:
    doc = json.loads(body)
    return [e["id"] for e in doc["events"]] if "events" in doc else [doc["id"]]


def received_ids(rx: Receiver) -> List[str]:
    """Ids of every event the receiver accepted; every body must parse."""
    out = []
    for req in rx.accepted():
        out.extend(ids_json(req.body))
    return out


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "BEACON_CLI not set")
class SpoolHttpTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="beacon_spool_")
        self.root = os.path.join(self.tmp, "spool")
        self.port = free_port()

    def tearDown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def spec(self, extra: str = "") -> str:
        return (f"json+http://127.0.0.1:{self.port}/?retries=0&spool={self.root}"
                + (f"&{extra}" if extra else ""))

    def balanced(self, t: dict) -> None:
        self.assertEqual(t["emitted"] + t["replayed"],
                         t["delivered"] + t["spooled"] + sum(t[k] for k in DROPS), t)

    def deliver_all(self, n_new: int = 0, extra: str = "") -> Tuple[dict, List[str]]:
        """A new process with the receiver up: what it sent, by id."""
        with Receiver(port=self.port) as rx:
            rc, t, err = emit(self.spec(extra), n_new, start=1000)
            self.assertEqual(rc, 0, err)
            ids = received_ids(rx)
        self.balanced(t)
        self.assertEqual(len(ids), len(set(ids)), "an event was delivered twice")
        self.assertEqual(len(ids), t["delivered"], t)
        return t, ids

    # --- down, then up ------------------------------------------------------------

    def test_server_down_spools_and_a_new_process_delivers_every_event(self):
        rc, t, err = emit(self.spec(), 40)
        self.assertEqual(rc, 0, err)
        self.assertEqual(t["spooled"], 40, t)
        self.assertEqual(t["delivered"], 0)
        self.assertGreater(t["spool_pending_bytes"], 0)
        self.balanced(t)
        spooled = [i for _, body in pending_records(self.root) for i in ids_json(body)]
        self.assertEqual(len(set(spooled)), 40)
        rc, t2, err = emit(self.spec(), 10, start=40)
        self.assertEqual(t2["spooled"], 10, t2)
        spooled = [i for _, body in pending_records(self.root) for i in ids_json(body)]

        t3, ids = self.deliver_all(n_new=5)
        self.assertEqual(t3["replayed"], 50, t3)
        self.assertEqual(t3["delivered"], 55, t3)
        self.assertEqual(t3["spool_pending_bytes"], 0, t3)
        self.assertTrue(set(spooled) <= set(ids))
        self.assertEqual(segment_files(self.root), [])

    def test_spool_files_are_private_and_not_inherited(self):
        # A process kept alive (stdin open) after it spooled: its spool
        # descriptors are close-on-exec, its files 0600 in 0700 directories.
        proc = subprocess.Popen([CLI, "-"], stdin=subprocess.PIPE, text=True,
                                env=clean_env(BEACON_SINKS=self.spec("batch=1&linger_ms=0")),
                                stderr=subprocess.DEVNULL)
        try:
            proc.stdin.write(lines(3))
            proc.stdin.flush()
            deadline = time.monotonic() + 10
            while not pending_records(self.root) and time.monotonic() < deadline:
                time.sleep(0.05)
            held = []
            fd_dir = f"/proc/{proc.pid}/fd"
            for fd in os.listdir(fd_dir):
                try:
                    target = os.readlink(os.path.join(fd_dir, fd))
                except OSError:
                    continue
                if target.startswith(self.root):
                    with open(f"/proc/{proc.pid}/fdinfo/{fd}") as fh:
                        flags = int(fh.read().split("flags:")[1].split()[0], 8)
                    held.append((target, flags))
            self.assertTrue(held, "no spool file held open")
            for target, flags in held:
                self.assertTrue(flags & os.O_CLOEXEC, f"{target} is inherited by exec")
        finally:
            proc.stdin.close()
            proc.wait(30)
        self.assertEqual(stat.S_IMODE(os.stat(self.root).st_mode), 0o700)
        for d, dirs, files in os.walk(self.root):
            for name in dirs:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, name)).st_mode), 0o700)
            for name in files:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, name)).st_mode), 0o600,
                                 name)

    def test_spool_dir_from_the_environment_and_a_rejected_replay(self):
        spec = f"json+http://127.0.0.1:{self.port}/?retries=0"
        rc, t, err = emit(spec, 6, BEACON_SPOOL_DIR=self.root)
        self.assertEqual(t["spooled"], 6, t)
        with Receiver([Answer.status(400)], port=self.port) as rx:
            rc, t, err = emit(spec, 0, BEACON_SPOOL_DIR=self.root)
            self.assertEqual(len(rx.all()), 1)
        self.assertEqual(t["replayed"], 6, t)
        self.assertEqual(t["dropped_rejected"], 6, t)
        self.balanced(t)
        self.assertEqual(pending_records(self.root), [])

    def test_a_full_buffer_spools_instead_of_dropping(self):
        with Receiver([Answer.never()], port=self.port):
            rc, t, err = emit(self.spec("max_buffer_bytes=2048&batch=4&concurrency=1"), 200,
                              BEACON_SHUTDOWN_TIMEOUT_MS="400")
        self.balanced(t)
        self.assertEqual(t["dropped_buffer_full"], 0, t)
        self.assertEqual(t["dropped_shutdown"], 0, t)
        self.assertEqual(t["spooled"], 200, t)
        self.assertEqual(sum(e for e, _ in pending_records(self.root)), 200)

    # --- crashes and exits ------------------------------------------------------------

    def test_sigkill_while_spooling_loses_nothing_that_reached_the_spool(self):
        proc = subprocess.Popen([CLI, "-"], stdin=subprocess.PIPE, text=True,
                                env=clean_env(BEACON_SINKS=self.spec("batch=5&linger_ms=0")),
                                stderr=subprocess.DEVNULL)
        stop = threading.Event()

        def feed() -> None:
            i = 0
            try:
                while not stop.is_set():
                    proc.stdin.write(lines(20, i))
                    proc.stdin.flush()
                    i += 20
                    time.sleep(0.002)
            except (BrokenPipeError, ValueError, OSError):
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        deadline = time.monotonic() + 20
        while len(pending_records(self.root)) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stop.set()
        feeder.join(5)
        try:
            proc.stdin.close()
        except OSError:
            pass
        spooled = {i for _, body in pending_records(self.root) for i in ids_json(body)}
        self.assertGreaterEqual(len(spooled), 20)

        t, ids = self.deliver_all()
        self.assertEqual(set(ids), spooled)
        self.assertEqual(t["replayed"], len(spooled), t)
        self.assertLessEqual(t["spool_corrupt"], 1, t)  # at most the torn tail

    def run_probe(self, n: int, how: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([PROBE, str(n), how], capture_output=True, text=True, timeout=60,
                              env=clean_env(BEACON_SINKS=self.spec(), **env))

    @unittest.skipUnless(PROBE and os.access(PROBE, os.X_OK), "BEACON_EXIT_PROBE not set")
    def test_returning_from_main_without_shutdown_spools_for_a_server_that_hangs(self):
        for how in ("return", "exit"):
            with self.subTest(how), Receiver([Answer.never()], port=self.port):
                t0 = time.monotonic()
                r = self.run_probe(7, how, BEACON_EXIT_TIMEOUT_MS="600")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(sum(e for e, _ in pending_records(self.root)), 14)
        t, ids = self.deliver_all()
        self.assertEqual(t["replayed"], 14, t)
        self.assertEqual(len(ids), 14)

    @unittest.skipUnless(PROBE and os.access(PROBE, os.X_OK), "BEACON_EXIT_PROBE not set")
    def test_returning_from_main_with_the_server_down_spools_and_exit_underscore_does_not(self):
        r = self.run_probe(5, "return")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sum(e for e, _ in pending_records(self.root)), 5)
        r = self.run_probe(4, "_exit")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sum(e for e, _ in pending_records(self.root)), 5)

    # --- a disk that fills up, a damaged directory, the size bound -----------------

    def test_disk_full_counts_what_the_spool_refused_as_send_failed(self):
        def limit() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

        proc = subprocess.run([CLI, "--stats", "-"], input=lines(60), capture_output=True,
                              text=True, timeout=60, preexec_fn=limit,
                              env=clean_env(BEACON_SINKS=self.spec("batch=5")))
        t = stats_of(proc.stderr)
        self.balanced(t)
        self.assertGreater(t["spooled"], 0, t)
        self.assertGreater(t["dropped_send_failed"], 0, t)
        self.assertEqual(t["spooled"] + t["dropped_send_failed"], 60, t)
        self.assertEqual(proc.stderr.count("cannot write to the spool"), 1, proc.stderr)
        self.assertEqual(sum(e for e, _ in pending_records(self.root)), t["spooled"])
        t2, ids = self.deliver_all()
        self.assertEqual(t2["replayed"], t["spooled"], t2)
        self.assertEqual(t2["spool_corrupt"], 0, t2)

    def test_damaged_and_truncated_segments_are_skipped_and_counted(self):
        for k in range(3):
            emit(self.spec("batch=4"), 8, start=100 * k)
        segs = segment_files(self.root)
        self.assertEqual(len(segs), 3)
        good = [ids_json(body) for _, body in pending_records(self.root)]
        self.assertEqual(len(good), 6)
        with open(segs[0], "r+b") as fh:       # a flipped byte in a payload
            fh.seek(16 + 32 + 10)
            b = fh.read(1)
            fh.seek(16 + 32 + 10)
            fh.write(bytes([b[0] ^ 0x20]))
        size = os.path.getsize(segs[2])         # a torn tail
        with open(segs[2], "r+b") as fh:
            fh.truncate(size - 7)
        with open(os.path.join(os.path.dirname(segs[0]), "seg-0000000000000001.bsp"),
                  "wb") as fh:                  # not a segment at all
            fh.write(os.urandom(300))
        intact = {i for _, body in pending_records(self.root) for i in ids_json(body)}
        self.assertEqual(len(intact), 16)

        t, ids = self.deliver_all()
        self.assertEqual(set(ids), intact)
        self.assertEqual(t["replayed"], 16, t)
        self.assertGreaterEqual(t["spool_corrupt"], 3, t)

    def test_size_bound_evicts_the_oldest_and_counts_its_events(self):
        rc, t, err = emit(self.spec("batch=10&spool_max_bytes=65536"), 600)
        self.assertEqual(t["spooled"], 600, t)
        self.assertGreater(t["dropped_spool_evicted"], 0, t)
        self.assertLessEqual(t["spool_pending_bytes"], 65536, t)
        left = sum(e for e, _ in pending_records(self.root))
        self.assertEqual(left + t["dropped_spool_evicted"], 600)
        t2, ids = self.deliver_all(extra="spool_max_bytes=65536")
        self.assertEqual(t2["replayed"], left, t2)
        self.assertEqual(len(ids), left)

    def test_two_processes_share_one_directory(self):
        procs = [subprocess.Popen([CLI, "--stats", "-"], stdin=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  env=clean_env(BEACON_SINKS=self.spec("batch=3")))
                 for _ in range(2)]
        outs = [p.communicate(lines(90, 1000 * k), timeout=60) for k, p in enumerate(procs)]
        stats = [stats_of(err) for _, err in outs]
        self.assertEqual([s["spooled"] for s in stats], [90, 90], stats)
        t, ids = self.deliver_all()
        self.assertEqual(t["replayed"], 180, t)
        self.assertEqual(len(set(ids)), 180)
        self.assertEqual(t["spool_corrupt"], 0, t)

    def test_two_processes_starting_together_replay_each_record_once(self):
        emit(self.spec("batch=4"), 60)
        spooled = {i for _, body in pending_records(self.root) for i in ids_json(body)}
        self.assertEqual(len(spooled), 60)
        with Receiver(port=self.port) as rx:
            procs = [subprocess.Popen([CLI, "--stats", "-"], stdin=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True,
                                      env=clean_env(BEACON_SINKS=self.spec()))
                     for _ in range(2)]
            outs = [p.communicate(lines(3, 500 * k), timeout=60) for k, p in enumerate(procs)]
            ids = received_ids(rx)
        stats = [stats_of(err) for _, err in outs]
        self.assertEqual(len(ids), len(set(ids)), "a record was replayed twice")
        self.assertEqual(sum(t["replayed"] for t in stats), 60, stats)
        self.assertTrue(spooled <= set(ids))
        self.assertEqual(len(ids), 66)

    # --- configuration ------------------------------------------------------------------

    def test_bad_spool_options_are_refused_with_the_option_named(self):
        for extra, word in (("spool=relative/dir", "spool"), ("spool_max_bytes=10",
                                                               "spool_max_bytes"),
                            ("spool_sync=always", "spool_sync")):
            with self.subTest(extra):
                spec = f"json+http://127.0.0.1:{self.port}/?{extra}"
                proc = subprocess.run([CLI, "--stats", "-"], input=lines(1),
                                      capture_output=True, text=True, timeout=30,
                                      env=clean_env(BEACON_SINKS=spec))
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn(f"option {word} wants", proc.stderr)


if __name__ == "__main__":
    unittest.main()
