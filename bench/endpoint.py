"""moto's server for the benchmark, run as a child process.

It runs in its own process so that the benchmark's CPU-time figures count
the handlers' work only, not the emulator's. It prints one JSON line,
``{"moto": URL}``, then serves on 127.0.0.1 until its standard input closes
(the benchmark exiting, however it exits), and stops the server.

    python bench/endpoint.py
"""

from __future__ import annotations

import json
import logging
import socket
import sys

from moto.server import ThreadedMotoServer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    """Serve until stdin closes."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        print(json.dumps({"moto": f"http://127.0.0.1:{port}"}), flush=True)
        sys.stdin.read()
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
