"""An HTTP/1.1 proxy on 127.0.0.1 that holds every request for a fixed time: a stand-in for a network round trip.

moto's server answers in a millisecond or two on loopback, where a real
DynamoDB call from Lambda pays a network round trip. The proxy holds each
request until a fixed delay (5 ms by default) after it fully arrived, then
forwards it, so a handler that issues requests one after another pays the
delay per request and a handler that overlaps them pays it about once.

It is deliberately small and cheap (raw sockets, one thread per client
connection, no header parsing beyond ``Content-Length``) and runs in its own
process, so that its CPU time neither counts against the handlers nor
competes with moto's. Clients keep their connection alive, as they would
with DynamoDB; upstream, one connection per request, because moto's server
closes its connection after each response. Upstream requests go one at a
time: moto's threads share one GIL anyway, and letting ten of them contend
for it made moto slower overall (about 4 ms per request instead of 2); the
queue keeps the emulator's own cost per request what it is sequentially.

    python bench/latency_proxy.py --upstream-port PORT [--delay-ms 5]

prints ``{"endpoint": URL}`` and serves until its standard input closes; a
line on standard input sets a new delay (in ms), which the proxy confirms
with ``{"delay_ms": N}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sys
import threading
import time
from typing import BinaryIO

__all__ = ["LatencyProxy"]


class LatencyProxy:
    """Forward HTTP requests arriving on ``127.0.0.1:<port>`` to ``127.0.0.1:<upstream_port>`` after ``delay_seconds``.

    ``delay_seconds`` may be changed while the proxy runs.
    """

    def __init__(self, *, upstream_port: int, delay_seconds: float) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self.delay_seconds = delay_seconds
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stopping = threading.Event()
        self._upstream_lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="latency-proxy", daemon=True)

    def start(self) -> int:
        """Start accepting connections in a background thread and return the port."""
        self._thread.start()
        return self._listener.getsockname()[1]

    def stop(self) -> None:
        """Stop accepting connections; open client connections end with the process."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        # Each message goes out in one sendall; TCP_NODELAY keeps the kernel
        # from holding its last segment back for a delayed ACK (40 ms on Linux).
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with client, client.makefile("rb") as reader:
            while (request := _read_message(reader)) is not None:
                arrived, raw = request
                time.sleep(max(0.0, arrived + self.delay_seconds - time.monotonic()))
                response = self._forward(raw)
                if response is None:
                    return
                client.sendall(_keep_alive(response))

    def _forward(self, raw: bytes) -> bytes | None:
        """Send one request upstream (one at a time) and return the raw response, or None if none came."""
        with self._upstream_lock, socket.create_connection(self._upstream) as upstream:
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            upstream.sendall(raw)
            with upstream.makefile("rb") as answer:
                response = _read_message(answer)
        return None if response is None else response[1]


def _read_message(reader: BinaryIO) -> tuple[float, bytes] | None:
    """Read one HTTP message with a ``Content-Length`` body; return (arrival time, raw bytes) or None at EOF."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline()
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = reader.read(length) if length else b""
    return time.monotonic(), head + body


def _keep_alive(response: bytes) -> bytes:
    """Drop moto's ``Connection: close`` so the client keeps its connection to the proxy."""
    head, _, body = response.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def main() -> None:
    """Serve until stdin closes; each line read from stdin sets a new delay in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=5.0, help="added to every request (default 5)")
    args = parser.parse_args()
    proxy = LatencyProxy(upstream_port=args.upstream_port, delay_seconds=args.delay_ms / 1000)
    try:
        print(json.dumps({"endpoint": f"http://127.0.0.1:{proxy.start()}"}), flush=True)
        for line in sys.stdin:
            proxy.delay_seconds = float(line) / 1000
            print(json.dumps({"delay_ms": float(line)}), flush=True)
    finally:
        proxy.stop()


if __name__ == "__main__":
    main()
