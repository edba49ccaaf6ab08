"""Function configuration, read once from the environment the construct sets.

The construct sets exactly the variables named in :data:`ENVIRONMENT_VARIABLES`
and the handler reads nothing else (besides what the Lambda runtime and
botocore read for themselves: region, credentials, ``AWS_LAMBDA_LOG_LEVEL``).
A missing or malformed variable is a deployment bug, so :func:`load` reports
every problem at once and the function fails during init, before it can
touch a message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

__all__ = [
    "DEFAULT_ON_CONFLICT",
    "ENVIRONMENT_VARIABLES",
    "FALLBACK_VARIABLES",
    "ON_CONFLICT_CHOICES",
    "Config",
    "ConfigurationError",
    "load",
]

#: Every environment variable the handler reads; the construct's tests compare
#: this tuple with the variables it sets.
ENVIRONMENT_VARIABLES = (
    "EVENTS_TABLE_NAME",
    "ERRORS_TABLE_NAME",
    "QUARANTINE_QUEUE_URL",
    "DEAD_LETTER_QUEUE_URL",
    "TTL_DAYS",
    "MAX_RECEIVE_COUNT",
    "METRICS_NAMESPACE",
    "PIPELINE_NAME",
    "ON_CONFLICT",
)

#: Variables read only when another is absent (fallback -> the variable it stands in for). A function
#: configured before the quarantine queue existed has only ``DEAD_LETTER_QUEUE_URL`` and keeps
#: quarantining there; the construct sets ``QUARANTINE_QUEUE_URL`` and not the fallback.
FALLBACK_VARIABLES = {"DEAD_LETTER_QUEUE_URL": "QUARANTINE_QUEUE_URL"}

#: ``ON_CONFLICT`` values. ``record``: the first write wins and the conflict is
#: recorded (error record, ``Conflicts`` metric); ``quarantine``: the later
#: event is also sent to the quarantine queue for a person to decide.
ON_CONFLICT_CHOICES = ("record", "quarantine")
#: Used when ``ON_CONFLICT`` is not set, so a function deployed before the
#: variable existed keeps starting.
DEFAULT_ON_CONFLICT = "record"

_SECONDS_PER_DAY = 86_400


class ConfigurationError(ValueError):
    """The function's environment is missing a variable or holds a bad value."""


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    """Settings for one deployed pipeline, as set by the construct.

    Example::

        config = load({"EVENTS_TABLE_NAME": "shipment-events-prod", ...})
        config.ttl_seconds  # 7_776_000 for TTL_DAYS=90
    """

    events_table_name: str
    errors_table_name: str
    #: The source queue's DLQ; used only when ``quarantine_queue_url`` is empty (see :attr:`quarantine_destination`).
    dead_letter_queue_url: str
    ttl_days: int
    max_receive_count: int
    metrics_namespace: str
    pipeline_name: str
    on_conflict: str = DEFAULT_ON_CONFLICT
    #: The queue quarantined copies go to, apart from the DLQ (where SQS moves messages whose retries ran out).
    quarantine_queue_url: str = ""

    @property
    def quarantine_destination(self) -> str:
        """The URL quarantined copies are sent to: the quarantine queue, or the DLQ when none is configured."""
        return self.quarantine_queue_url or self.dead_letter_queue_url

    @property
    def ttl_seconds(self) -> int:
        """How long stored events and error records live, in seconds."""
        return self.ttl_days * _SECONDS_PER_DAY


def load(environ: Mapping[str, str]) -> Config:
    """Build a :class:`Config` from ``environ`` (normally ``os.environ``).

    Raises :class:`ConfigurationError` naming every missing or invalid
    variable, so one failed deploy shows all of them.
    """
    problems: list[str] = []

    def text(name: str) -> str:
        value = environ.get(name, "")
        if not value:
            problems.append(f"{name} is not set; the construct sets it")
        return value

    def positive_int(name: str) -> int:
        raw = text(name)
        if not raw:
            return 0
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            problems.append(f"{name} must be a whole number >= 1, got {raw!r}")
        return value

    quarantine_queue_url = environ.get("QUARANTINE_QUEUE_URL", "")
    # Only a function configured before the quarantine queue existed lacks it; it quarantines to its DLQ.
    dead_letter_queue_url = "" if quarantine_queue_url else environ.get("DEAD_LETTER_QUEUE_URL", "")
    on_conflict = environ.get("ON_CONFLICT") or DEFAULT_ON_CONFLICT
    if on_conflict not in ON_CONFLICT_CHOICES:
        problems.append(f"ON_CONFLICT must be one of {', '.join(ON_CONFLICT_CHOICES)}, got {on_conflict!r}")
    config = Config(
        events_table_name=text("EVENTS_TABLE_NAME"),
        errors_table_name=text("ERRORS_TABLE_NAME"),
        dead_letter_queue_url=dead_letter_queue_url,
        ttl_days=positive_int("TTL_DAYS"),
        max_receive_count=positive_int("MAX_RECEIVE_COUNT"),
        metrics_namespace=text("METRICS_NAMESPACE"),
        pipeline_name=text("PIPELINE_NAME"),
        on_conflict=on_conflict,
        quarantine_queue_url=quarantine_queue_url,
    )
    if not (quarantine_queue_url or dead_letter_queue_url):
        problems.append("QUARANTINE_QUEUE_URL is not set; the construct sets it")
    if problems:
        raise ConfigurationError("invalid function environment: " + "; ".join(problems))
    return config
