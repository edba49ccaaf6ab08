"""SQS's age-of-oldest-message metric, reported for the local source queue.

SQS publishes ``ApproximateAgeOfOldestMessage`` (namespace ``AWS/SQS``,
dimension ``QueueName``) to CloudWatch every minute; moto publishes nothing.
While a local pipeline runs, :class:`OldestMessageReporter` puts the same
metric into the emulator's CloudWatch every ``interval_seconds``, computed
from when the emulator received each message still in the queue (in flight
included, as SQS counts it). ``shipment-pipeline status --endpoint-url ...``
then shows the oldest message's age, and its time left before the queue's
retention deletes it, as it does against AWS.
"""

from __future__ import annotations

import datetime
import threading
from typing import TYPE_CHECKING

from .emulator import oldest_message_age_seconds

if TYPE_CHECKING:
    from types_boto3_cloudwatch import CloudWatchClient

__all__ = ["OldestMessageReporter"]

NAMESPACE = "AWS/SQS"
METRIC_NAME = "ApproximateAgeOfOldestMessage"


class OldestMessageReporter:
    """Publishes the queue's oldest-message age (0 when empty) every ``interval_seconds`` until stopped.

    Example::

        reporter = OldestMessageReporter(cloudwatch, "shipment-events-dev")
        reporter.start(); ...; reporter.stop()
    """

    def __init__(self, cloudwatch: CloudWatchClient, queue_name: str, *, interval_seconds: float = 1.0) -> None:
        self._cloudwatch = cloudwatch
        self.queue_name = queue_name
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[BaseException] = []

    def report_once(self) -> float:
        """Publish one datapoint now; returns the age it published, in seconds."""
        age = oldest_message_age_seconds(self.queue_name) or 0.0
        self._cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {
                    "MetricName": METRIC_NAME,
                    "Dimensions": [{"Name": "QueueName", "Value": self.queue_name}],
                    "Timestamp": datetime.datetime.now(datetime.timezone.utc),
                    "Value": age,
                    "Unit": "Seconds",
                }
            ],
        )
        return age

    def start(self) -> None:
        """Report in a background thread."""
        self._thread = threading.Thread(target=self._run, name="local-sqs-metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reporting."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                self.report_once()
            except Exception as error:  # the emulator is gone (shutdown): nothing left to report
                if not self._stop.is_set():
                    self.errors.append(error)
                return
