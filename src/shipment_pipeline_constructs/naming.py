"""Physical resource names derived from the environment suffix.

Names follow one pattern (``shipment-events-prod``,
``shipment-event-processor-prod``), the reference design's, so runbooks and
dashboards can be written against them. :data:`MAX_SUFFIX_LENGTH` keeps the longest name within its
service's limit (EventBridge archive names: 48 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SUFFIX_LENGTH = 32
#: Lower-case letters, digits and inner hyphens. Use it with ``fullmatch``: ``$`` matches before a trailing newline.
SUFFIX_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


@dataclass(frozen=True)
class ResourceNames:
    """The names of everything one pipeline creates, for one environment suffix.

    Attributes:
        suffix: The environment suffix every name ends with, e.g. ``prod``.
    """

    suffix: str

    @property
    def pipeline(self) -> str:
        """Name of the pipeline as a whole: metric dimension and name prefix."""
        return f"shipment-events-{self.suffix}"

    @property
    def event_bus(self) -> str:
        """Custom event bus."""
        return f"shipment-events-{self.suffix}"

    @property
    def rule(self) -> str:
        """Rule that forwards shipment events to the queue."""
        return f"shipment-events-to-queue-{self.suffix}"

    @property
    def archive(self) -> str:
        """Event archive of the bus (48 characters at most)."""
        return f"shipment-events-{self.suffix}"

    @property
    def queue(self) -> str:
        """Source queue the processor consumes."""
        return f"shipment-events-{self.suffix}"

    @property
    def dead_letter_queue(self) -> str:
        """Dead-letter queue of the source queue."""
        return f"shipment-events-dlq-{self.suffix}"

    @property
    def quarantine_queue(self) -> str:
        """Queue of quarantined events (invalid, or in conflict), kept apart from the DLQ's exhausted retries."""
        return f"shipment-events-quarantine-{self.suffix}"

    @property
    def target_dead_letter_queue(self) -> str:
        """Dead-letter queue of the EventBridge target (events the rule could not deliver)."""
        return f"shipment-events-target-dlq-{self.suffix}"

    @property
    def function(self) -> str:
        """Processor function."""
        return f"shipment-event-processor-{self.suffix}"

    @property
    def log_group(self) -> str:
        """Processor log group, where Lambda would put it."""
        return f"/aws/lambda/{self.function}"

    @property
    def events_table(self) -> str:
        """Table of shipment events."""
        return f"shipment-events-{self.suffix}"

    @property
    def errors_table(self) -> str:
        """Table of error records (quarantined and failed messages)."""
        return f"shipment-event-errors-{self.suffix}"

    @property
    def schema_registry(self) -> str:
        """EventBridge schema registry holding the pipeline's event schema (with ``publish_schema``)."""
        return f"shipment-events-{self.suffix}"
