"""The embedded AWS emulator: moto's threaded server on 127.0.0.1, always stopped.

moto is the optional extra ``local`` (``pip install
shipment-pipeline-constructs[local]``); it is imported only when an emulator
starts, so the construct itself never needs it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import urllib.request
from collections.abc import Iterator
from typing import Any

__all__ = [
    "Emulator",
    "MissingEmulatorError",
    "detach_moto_consumers",
    "emulator_environment",
    "oldest_message_age_seconds",
]

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account

# Dummy credentials: a local run must never find (and never use) real ones.
_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


class MissingEmulatorError(RuntimeError):
    """moto is not installed."""


class Emulator:
    """moto's ``ThreadedMotoServer`` on a free port of 127.0.0.1, empty when it starts and emptied when it stops.

    moto keeps resources in process-wide state, so run one emulator per
    process at a time.

    Example::

        with Emulator() as emulator:
            boto3.client("sqs", endpoint_url=emulator.endpoint_url, region_name=REGION)
    """

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as error:
            raise MissingEmulatorError(
                "the local runner needs moto: pip install 'shipment-pipeline-constructs[local]'"
            ) from error
        # One access-log line per request otherwise.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = _free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._server: Any = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._running = False
        self._restore_parser: Any = None

    def start(self) -> Emulator:
        """Start moto's server on 127.0.0.1 and return this emulator, ready for clients."""
        self._restore_parser = _memoize_jsonpath_parser()
        try:
            self._server.start()
            self._running = True
            self.reset()
        except BaseException:
            self.stop()
            raise
        return self

    def reset(self) -> None:
        """Forget every resource: moto keeps its state per process, not per server."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        """Stop the server (a no-op when it is not running)."""
        if self._running:
            self._running = False
            try:
                self.reset()
                self._server.stop()
            finally:
                self._restore_parser()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def emulator_environment(endpoint_url: str) -> Iterator[None]:
    """Point every botocore client created inside the block at the emulator, with dummy credentials.

    The bundled handler creates its clients at import from the environment,
    exactly as in Lambda; this is how it finds the emulator. The previous
    environment is restored on exit.
    """
    overrides = dict(_ENVIRONMENT, AWS_ENDPOINT_URL=endpoint_url)
    # Anything that could send a client elsewhere or pick real credentials.
    removed = [
        name
        for name in os.environ
        if name.startswith("AWS_ENDPOINT_URL_") or name in ("AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    ]
    saved = {name: os.environ.get(name) for name in [*overrides, *removed]}
    os.environ.update(overrides)
    for name in removed:
        del os.environ[name]
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def detach_moto_consumers(queue_name: str) -> None:
    """Keep moto from consuming ``queue_name`` itself through the event source mappings it holds.

    moto invokes a mapped function (in Docker) from SendMessage; the local
    poller stands in for Lambda instead. The mappings stay in moto's Lambda
    API (Get/List/UpdateEventSourceMapping work, ``Enabled`` included), which
    is what the poller reads. The emulator runs in this process, so its
    state is reachable here.
    """
    from moto.sqs.models import sqs_backends

    sqs_backends[ACCOUNT_ID][REGION].get_queue(queue_name).lambda_event_source_mappings.clear()


def oldest_message_age_seconds(queue_name: str) -> float | None:
    """Seconds since the emulator received the oldest message still in ``queue_name`` (``None`` when empty).

    What SQS reports as ``ApproximateAgeOfOldestMessage``, and no SQS API
    returns: read from the emulator's own state (it runs in this process).
    """
    import time

    from moto.sqs.models import sqs_backends

    # Milliseconds since the epoch; moto's annotation says None (its value before the message is sent).
    stamps = (
        getattr(message, "sent_timestamp", None)
        for message in sqs_backends[ACCOUNT_ID][REGION].get_queue(queue_name)._messages
    )
    sent = [int(stamp) for stamp in stamps if stamp is not None]
    return (time.time() * 1000 - min(sent)) / 1000 if sent else None


def _memoize_jsonpath_parser() -> Any:
    """Cache jsonpath parsing while the emulator runs; returns the function that undoes it.

    moto renders every event for every rule target through eight jsonpath
    expressions, each parsed again by a freshly generated parser: about 10 ms
    per event per rule, most of a local run's CPU time. The expressions are
    the same every time and parsing is deterministic, so a cache changes
    nothing but speed (about 4x end to end).
    """
    try:
        import jsonpath_ng.ext as jsonpath_ext
    except ImportError:  # a moto without jsonpath: nothing to speed up
        return lambda: None
    original = jsonpath_ext.parse
    jsonpath_ext.parse = functools.lru_cache(maxsize=256)(original)

    def restore() -> None:
        jsonpath_ext.parse = original

    return restore


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
