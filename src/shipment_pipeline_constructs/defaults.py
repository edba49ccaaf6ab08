"""Every default of :class:`ShipmentEventPipeline`, written once.

The figures start from the reference design (30,000 events a day, at most 5
concurrent processors, 3 receives before the DLQ); where AWS guidance
differs, the default follows AWS and the comment says why.
``test/test_defaults.py`` asserts each value in a synthesized template, so
this file and the docs cannot drift apart silently. The tables' key names
are part of the construct's shape and live in :mod:`.shape`; they are
importable from here as well.
"""

from __future__ import annotations

from typing import Final

# Re-exported for code that reads every table setting here.
from .shape import (  # noqa: F401
    ERRORS_BY_SHIPMENT_INDEX,
    ERRORS_PARTITION_KEY,
    ERRORS_SORT_KEY,
    EVENTS_PARTITION_KEY,
    EVENTS_SORT_KEY,
    TABLE_TTL_ATTRIBUTE,
)

ENVIRONMENT_SUFFIX = "dev"
EVENT_SOURCE = "shipment.service"

# ingest
ARCHIVE_RETENTION_DAYS = 7
# EventBridge's own default is 24 h / 185 attempts and then *drops* the event;
# we keep the same budget but make it explicit and add a target DLQ.
TARGET_RETRY_ATTEMPTS = 185
TARGET_MAX_EVENT_AGE_HOURS = 24

# buffer
QUEUE_RETENTION_DAYS = 4
# Standard queues keep the original enqueue time, so the DLQ must keep
# messages longer than the source queue or they expire on arrival.
DEAD_LETTER_RETENTION_DAYS = 14
# AWS recommends at least 5 for Lambda consumers (the reference design said 3):
# a throttled or crashed invocation still counts as a receive.
MAX_RECEIVE_COUNT = 5
# AWS: source queue visibility timeout >= 6 x the function timeout.
VISIBILITY_TIMEOUT_FACTOR = 6

# process
MEMORY_SIZE_MIB = 512
FUNCTION_TIMEOUT_SECONDS = 60
BATCH_SIZE = 10
MAX_BATCHING_WINDOW_SECONDS = 0
# 5, the reference design's cap on concurrent functions, applied where AWS
# recommends: the event source mapping's maximum concurrency, which never throttles.
MAX_CONCURRENCY = 5
METRICS_NAMESPACE = "ShipmentPipeline"
# The event source mapping consumes as soon as it is deployed; False deploys it paused.
CONSUMPTION_ENABLED = True
# The alias the event source mapping invokes when deployments go through CodeDeploy.
LIVE_ALIAS = "live"

# store
EVENT_TTL_DAYS = 90
POINT_IN_TIME_RECOVERY = True
PROVISIONED_TARGET_UTILIZATION_PERCENT = 70
# A different event under a stored key: the first write wins and the conflict is
# recorded (error record, Conflicts metric and alarm); nothing is overwritten.
ON_CONFLICT: Final = "record"

# The bundled handler (lambda/shipment_processor) and its entry point.
HANDLER = "shipment_processor.app.handler"

# The event contract's defaults: the bundled processor's own field names in ``detail``,
# so the default contract stores exactly the items the processor always stored.
CONTRACT_ID_FIELD: Final = "shipment_id"
CONTRACT_TIMESTAMP_FIELD: Final = "event_timestamp"
CONTRACT_TYPE_FIELD: Final = "event_type"

# observe: alarm thresholds, derived from 30,000 events a day, the reference
# design's scale (about 21 a minute, 105 per 5-minute period). AlarmThresholds
# documents why each alarm exists; the numbers live here.
EVENTS_PER_MINUTE = 21
ALARM_PERIOD_MINUTES = 5
# Half an hour of that traffic (21 events a minute) waiting: the processors are
# not keeping up (at full speed they clear that in seconds), not a short burst.
QUEUE_BACKLOG_MESSAGES = 30 * EVENTS_PER_MINUTE
QUEUE_BACKLOG_EVALUATION_PERIODS = 3
# A healthy message waits seconds. 15 minutes is more than two visibility
# timeouts (2 x 360 s): messages are failing and being retried, or nothing consumes them.
OLDEST_MESSAGE_AGE_SECONDS = 15 * 60
# With a longer function timeout the default follows the visibility timeout
# (2.5 of them; with the 360 s default that is the same 15 minutes).
OLDEST_MESSAGE_AGE_VISIBILITY_TIMEOUTS = 2.5
# SQS deletes a message unread once it is older than the queue's retention. A day before that (with the
# 4-day default: at 3 days) there is still a working day to resume consumption; with a retention of 2 days
# or less, at half the retention.
MESSAGE_EXPIRY_MARGIN_SECONDS = 24 * 60 * 60
OLDEST_MESSAGE_NEAR_EXPIRY_SECONDS = QUEUE_RETENTION_DAYS * 24 * 60 * 60 - MESSAGE_EXPIRY_MARGIN_SECONDS
# A message in the DLQ failed every retry (its error record says why): a
# stored event is missing because something is broken. Critical: page.
DEAD_LETTER_MESSAGES = 1
DEAD_LETTER_PERIOD_MINUTES = 1
# A quarantined event (invalid, or in conflict) waits for a person's decision,
# but nothing is broken: one is enough to tell someone, on the 5-minute period.
QUARANTINE_MESSAGES = 1
# Failed batches return to the queue and are retried, so one error heals
# itself; errors in 2 of 3 periods (10 of 15 minutes) mean something is broken.
FUNCTION_ERRORS = 1
FUNCTION_ERRORS_EVALUATION_PERIODS = 3
FUNCTION_ERRORS_DATAPOINTS_TO_ALARM = 2
# The event source mapping's maximum concurrency never throttles, so any
# throttle means account concurrency ran out or reserved concurrency is too low.
FUNCTION_THROTTLES = 1
# EventBridge only counts an invocation as failed after all its retries.
FAILED_INVOCATIONS = 1
# On-demand tables at this scale never throttle; throttles in 2 of 3 periods
# mean a table limit or too little provisioned capacity, not a momentary burst.
TABLE_THROTTLED_REQUESTS = 1
TABLE_THROTTLES_EVALUATION_PERIODS = 3
TABLE_THROTTLES_DATAPOINTS_TO_ALARM = 2
# About 5% of the 105 events per 5 minutes at 30,000 a day: a producer is sending
# malformed events, not a one-off typo.
QUARANTINED_EVENTS = 5
# A conflict means two producers disagree about one event (same shipment and
# timestamp, different content): there is no safe automatic choice, so a single
# one in 5 minutes needs a person.
CONFLICTS = 1

# Alert routing (each alarm's default severity lives next to its id, in shape.ALARM_DEFAULTS).
# The published documentation site (mkdocs.yml's site_url), and its runbook page: each alarm links to its own
# section there (``RUNBOOK_URL#queue-backlog``) unless AlarmRouting gives another link or base URL.
DOCS_URL: Final = "https://shipment-pipeline.github.io/shipment-pipeline-constructs/"
RUNBOOK_URL: Final = DOCS_URL + "operate/"
# CloudWatch takes at most this many characters in an alarm's description (text, severity and runbook link).
MAX_ALARM_DESCRIPTION_LENGTH: Final = 1024
