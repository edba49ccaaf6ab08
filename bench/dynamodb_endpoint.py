"""A minimal DynamoDB-protocol endpoint on 127.0.0.1 that serves concurrent requests in parallel.

moto's server (``endpoint.py``) emulates DynamoDB faithfully but serves one
request at a time, spending milliseconds of CPU on each, so ten concurrent
requests cost ten of those in a row; DynamoDB serves them in parallel. This
endpoint models that: every connection has its own thread
(``ThreadingHTTPServer``, HTTP/1.1 keep-alive), each request is held for a
fixed delay (5 ms by default) by a sleep in that thread, so concurrent
requests overlap as network round trips do, and is then applied to items
kept in memory under one lock.

It implements only what the benchmark's handlers and setup call, in
botocore's JSON 1.0 protocol (``POST /``, ``X-Amz-Target:
DynamoDB_20120810.<Operation>``, ``Content-Type: application/x-amz-json-1.0``):

* ``CreateTable``: the key schema is kept (global secondary indexes are
  accepted and ignored); the table is ACTIVE at once, so the benchmark does
  not wait for it and there is no ``DescribeTable``.
* ``PutItem`` with an optional ``ConditionExpression`` made of
  ``attribute_not_exists(name)`` terms joined by ``AND`` (``#name`` aliases
  allowed); a failed condition is HTTP 400 ``ConditionalCheckFailedException``,
  carrying the stored ``Item`` when ``ReturnValuesOnConditionCheckFailure``
  is ``ALL_OLD``.
* ``DeleteItem`` by key, unconditional.
* ``TransactWriteItems`` of ``Put`` actions with such conditions, all or
  nothing; a failed condition cancels it: ``TransactionCanceledException``
  with one ``CancellationReasons`` entry per action, in order. The
  ``ClientRequestToken`` botocore adds is accepted and ignored.
* ``Scan`` of a whole table in one page (no filters, no 1 MB paging).

Responses carry ``x-amzn-RequestId`` and ``x-amz-crc32`` as DynamoDB's do
(botocore verifies the CRC when the header is there); errors have
DynamoDB's shape (HTTP 400, ``{"__type": "com.amazonaws.dynamodb.v20120810#<Code>", ...}``).
Any other operation, parameter or expression is refused with a 400 rather
than guessed at. It does not check signatures or credentials, item sizes or
attribute types, and never throttles: a benchmark fixture, not an emulator.

    python bench/dynamodb_endpoint.py [--delay-ms 5]

prints ``{"endpoint": URL}`` and serves until its standard input closes; a
line on standard input sets a new delay in ms, confirmed with
``{"delay_ms": N}`` (the protocol of ``latency_proxy.py``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["DynamoDBEndpoint"]

_TARGET_PREFIX = "DynamoDB_20120810."
_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_PUT = {  # the parameters supported
    "TableName",
    "Item",
    "ConditionExpression",
    "ExpressionAttributeNames",
    "ReturnValuesOnConditionCheckFailure",
}
_NOT_EXISTS = re.compile(r"attribute_not_exists\(\s*(#?[A-Za-z0-9_.-]+)\s*\)")
_CONDITION_FAILED = "The conditional request failed"


class ApiError(Exception):
    """An error response: HTTP 400, body ``{"__type": prefix + code, message_key: message, **fields}``."""

    def __init__(self, code: str, message: str, prefix: str = _ERROR_PREFIX, message_key: str = "message", **fields):
        super().__init__(message)
        self.body = {"__type": prefix + code, message_key: message} | fields


def _only(request: dict[str, Any], allowed: set[str]) -> None:
    if unsupported := set(request) - allowed:
        raise ApiError("ValidationException", f"not supported by this endpoint: {sorted(unsupported)}")


def _absent(request: dict[str, Any]) -> list[str]:
    """The attributes that a ``ConditionExpression`` of ``attribute_not_exists`` terms requires to be absent."""
    expression, aliases = request.get("ConditionExpression", ""), request.get("ExpressionAttributeNames", {})
    names = []
    for term in re.split(r"\s+AND\s+", expression.strip(), flags=re.IGNORECASE) if expression else []:
        match = _NOT_EXISTS.fullmatch(term.strip())
        if not (name := match and (aliases.get(match[1]) if match[1].startswith("#") else match[1])):
            raise ApiError("ValidationException", f"ConditionExpression not supported here: {expression!r}")
        names.append(name)
    return names


class _Store:
    """Tables of items in memory; an operation holds the lock while it reads or writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, list[str]] = {}  # table name -> key attribute names, HASH first
        self._items: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}  # table name -> key -> item

    def _key(self, put: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """(table, key) of a put; each key attribute is one ``{"S" | "N" | "B": value}``."""
        if put["TableName"] not in self._keys:
            raise ApiError("ResourceNotFoundException", "Requested resource not found")
        try:
            return put["TableName"], tuple(next(iter(put["Item"][key].items())) for key in self._keys[put["TableName"]])
        except (KeyError, StopIteration, AttributeError):
            raise ApiError("ValidationException", "One of the required keys was not given a value") from None

    def _fails(self, table: str, key: tuple[Any, ...], absent: list[str]) -> bool:
        existing = self._items[table].get(key, {})
        return any(name in existing for name in absent)

    def create_table(self, request: dict[str, Any]) -> dict[str, Any]:
        # Indexes are accepted (the errors table has one) and not kept: nothing here queries them.
        _only(request, {"TableName", "KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes"})
        name, schema = request["TableName"], sorted(request["KeySchema"], key=lambda key: key["KeyType"] != "HASH")
        with self._lock:
            if name in self._keys:
                raise ApiError("ResourceInUseException", f"Table already exists: {name}")
            self._keys[name], self._items[name] = [key["AttributeName"] for key in schema], {}
        return {"TableDescription": {"TableName": name, "KeySchema": request["KeySchema"], "TableStatus": "ACTIVE"}}

    def put_item(self, request: dict[str, Any]) -> dict[str, Any]:
        _only(request, _PUT)
        absent = _absent(request)
        with self._lock:
            table, key = self._key(request)
            if self._fails(table, key, absent):
                stored: dict[str, Any] = (
                    {"Item": self._items[table][key]}
                    if request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    else {}
                )
                raise ApiError("ConditionalCheckFailedException", _CONDITION_FAILED, **stored)
            self._items[table][key] = request["Item"]
        return {}  # no ReturnValues: an empty object, as DynamoDB answers

    def delete_item(self, request: dict[str, Any]) -> dict[str, Any]:
        _only(request, {"TableName", "Key"})
        with self._lock:
            table, key = self._key({"TableName": request["TableName"], "Item": request["Key"]})
            self._items[table].pop(key, None)
        return {}

    def transact_write_items(self, request: dict[str, Any]) -> dict[str, Any]:
        _only(request, {"TransactItems", "ClientRequestToken"})  # botocore always adds a token; not honoured
        if any(set(action) != {"Put"} for action in request["TransactItems"]):
            raise ApiError("ValidationException", "only Put actions are supported by this endpoint")
        puts = [action["Put"] for action in request["TransactItems"]]
        for put in puts:
            _only(put, _PUT)
        conditions = [_absent(put) for put in puts]
        with self._lock:  # all conditions are checked, then all puts applied, under one lock: all or nothing
            keys = [self._key(put) for put in puts]
            if len(set(keys)) < len(keys):
                message = "Transaction request cannot include multiple operations on one item"
                raise ApiError("ValidationException", message)
            failed = [self._fails(table, key, absent) for (table, key), absent in zip(keys, conditions, strict=True)]
            if any(failed):
                reasons = [
                    {"Code": "ConditionalCheckFailed", "Message": _CONDITION_FAILED} if fails else {"Code": "None"}
                    for fails in failed
                ]
                codes = ", ".join(reason["Code"] for reason in reasons)
                raise ApiError(
                    "TransactionCanceledException",
                    f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                    message_key="Message",  # as DynamoDB spells it in this error
                    CancellationReasons=reasons,
                )
            for (table, key), put in zip(keys, puts, strict=True):
                self._items[table][key] = put["Item"]
        return {}

    def scan(self, request: dict[str, Any]) -> dict[str, Any]:
        _only(request, {"TableName"})  # the whole table in one page: no filters, no 1 MB pages
        with self._lock:
            if request["TableName"] not in self._items:
                raise ApiError("ResourceNotFoundException", "Requested resource not found")
            items = list(self._items[request["TableName"]].values())
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}


_OPERATIONS = {
    "CreateTable": _Store.create_table,
    "PutItem": _Store.put_item,
    "DeleteItem": _Store.delete_item,
    "TransactWriteItems": _Store.transact_write_items,
    "Scan": _Store.scan,
}
_request_ids = itertools.count()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as with DynamoDB
    disable_nagle_algorithm = True  # no delayed-ACK stalls on small messages
    wbufsize = -1  # buffered: headers and body leave in one send, at the flush after do_POST
    server: DynamoDBEndpoint

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.server.delay_seconds > 0:
            time.sleep(self.server.delay_seconds)  # the round trip; other threads' requests go on meanwhile
        target = self.headers.get("X-Amz-Target", "")
        try:
            name = target.removeprefix(_TARGET_PREFIX) if target.startswith(_TARGET_PREFIX) else None
            operation = _OPERATIONS.get(name or "")
            if operation is None:
                raise ApiError("UnknownOperationException", target, "com.amazon.coral.service#")
            status, payload = 200, operation(self.server.store, json.loads(body))
        except ApiError as error:
            status, payload = 400, error.body
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # a malformed request
            status, payload = 400, ApiError("ValidationException", f"malformed request: {error!r}").body
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", f"BENCH{next(_request_ids):020d}")
        self.send_header("x-amz-crc32", str(zlib.crc32(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature http.server calls
        pass  # one access-log line per request otherwise


class DynamoDBEndpoint(ThreadingHTTPServer):
    """The endpoint on ``127.0.0.1`` (a free port); ``delay_seconds`` may be changed while it runs."""

    daemon_threads = True  # idle keep-alive connections do not hold up the exit
    request_queue_size = 64  # ten clients connecting at once overflow the default backlog of 5

    def __init__(self, *, delay_seconds: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay_seconds = delay_seconds
        self.store = _Store()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def main() -> None:
    """Serve until stdin closes; each line read from stdin sets a new delay in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=5.0, help="added to every request (default 5)")
    args = parser.parse_args()
    server = DynamoDBEndpoint(delay_seconds=args.delay_ms / 1000)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="dynamodb-endpoint", daemon=True)
    thread.start()
    try:
        print(json.dumps({"endpoint": server.url}), flush=True)
        for line in sys.stdin:
            server.delay_seconds = float(line) / 1000
            print(json.dumps({"delay_ms": float(line)}), flush=True)
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
