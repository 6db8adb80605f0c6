"""A scriptable HTTP(S) receiver on 127.0.0.1 for the HTTP sink tests.

Each test starts its own Receiver, scripts how it answers successive
requests, points beacon at it and stops it. Answers (see Answer):
  ok / status N with headers and body, "never" (read the request, never
  answer), "reset" (read part of the body, then reset the connection),
  "trickle" (answer one byte a second). Bodies are decoded from gzip and
  zstd (libzstd through ctypes) and kept with their path and headers.

    with Receiver([Answer.status(503)] * 3 + [Answer.ok()]) as rx:
        ... BEACON_SINKS=f"json+http://127.0.0.1:{rx.port}/ingest" ...
        rx.bodies()
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gzip
import http.server
import os
import socket
import ssl
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Union


def zstd_decompress(data: bytes) -> bytes:
    """Decodes one zstd frame with the system's libzstd."""
    name = ctypes.util.find_library("zstd") or "libzstd.so.1"
    lib = ctypes.CDLL(name)
    lib.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
    lib.ZSTD_getFrameContentSize.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.ZSTD_decompress.restype = ctypes.c_size_t
    lib.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                    ctypes.c_size_t]
    lib.ZSTD_isError.restype = ctypes.c_uint
    lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
    size = lib.ZSTD_getFrameContentSize(data, len(data))
    if size >= 2**63:
        raise ValueError("zstd frame without a content size")
    out = ctypes.create_string_buffer(max(size, 1))
    got = lib.ZSTD_decompress(out, size, data, len(data))
    if lib.ZSTD_isError(got):
        raise ValueError("bad zstd frame")
    return out.raw[:got]


@dataclass
class Answer:
    kind: str = "status"              # status | never | reset | trickle
    code: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @staticmethod
    def ok(body: bytes = b"", headers: Optional[Dict[str, str]] = None) -> "Answer":
        return Answer("status", 200, headers or {}, body)

    @staticmethod
    def status(code: int, headers: Optional[Dict[str, str]] = None,
               body: bytes = b"") -> "Answer":
        return Answer("status", code, headers or {}, body)

    @staticmethod
    def never() -> "Answer":
        return Answer("never")

    @staticmethod
    def reset() -> "Answer":
        return Answer("reset")

    @staticmethod
    def trickle() -> "Answer":
        return Answer("trickle")


@dataclass
class Request:
    path: str
    headers: Dict[str, str]
    raw: bytes          # as sent (maybe compressed)
    body: bytes         # decoded
    answered: int       # status sent (0: none)


Script = Union[Sequence[Answer], Callable[[int, "Request"], Answer]]


class Receiver:
    """Threaded HTTP(S) server on 127.0.0.1 (on `port`, or any free one); the
    last scripted answer repeats."""

    def __init__(self, script: Optional[Script] = None, tls: Optional[tuple] = None,
                 max_body: int = 0, port: int = 0):
        self.script = script if script is not None else [Answer.ok()]
        self.requests: List[Request] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.count = 0
        self.max_body = max_body  # > 0: answer 413 to larger bodies
        rx = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                rx._handle(self)

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls[0], tls[1])
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def url(self, scheme: str, path: str = "") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _answer_for(self, i: int, req: Request) -> Answer:
        if callable(self.script):
            return self.script(i, req)
        seq = list(self.script)
        return seq[i] if i < len(seq) else seq[-1]

    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        with self.lock:
            i = self.count
            self.count += 1
        headers = {k.lower(): v for k, v in h.headers.items()}
        length = int(headers.get("content-length", "0"))
        req = Request(h.path, headers, b"", b"", 0)
        answer = self._answer_for(i, req)
        if answer.kind == "reset":
            h.rfile.read(min(length, 16))
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return
        raw = h.rfile.read(length)
        enc = headers.get("content-encoding", "")
        body = gzip.decompress(raw) if enc == "gzip" else \
            zstd_decompress(raw) if enc == "zstd" else raw
        req.raw, req.body = raw, body
        if answer.kind == "status" and self.max_body and len(body) > self.max_body:
            answer = Answer.status(413)
        if answer.kind == "never":
            self.stopping.wait(60)
            h.close_connection = True
            return
        if answer.kind == "trickle":
            try:
                h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                h.wfile.flush()
                for _ in range(100):
                    if self.stopping.wait(1):
                        break
                    h.wfile.write(b"x")
                    h.wfile.flush()
            except OSError:
                pass
            h.close_connection = True
            return
        req.answered = answer.code
        with self.lock:
            self.requests.append(req)
        h.send_response(answer.code)
        for k, v in answer.headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(answer.body)))
        h.end_headers()
        h.wfile.write(answer.body)

    def accepted(self) -> List[Request]:
        """Requests answered with a 2xx."""
        with self.lock:
            return [r for r in self.requests if 200 <= r.answered < 300]

    def all(self) -> List[Request]:
        with self.lock:
            return list(self.requests)


def free_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_cert(directory: str) -> tuple:
    """A self-signed certificate for 127.0.0.1 made with openssl: (cert, key)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key
