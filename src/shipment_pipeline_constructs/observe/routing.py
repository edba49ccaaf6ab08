"""Alert routing: each alarm's severity and runbook link, and where each severity's notifications go.

Without :class:`AlarmRouting` every alarm notifies the pipeline's alarm topic
on ALARM and on OK, as it always has. With it, critical alarms (and the
composite ``PipelineUnhealthy``) go to ``critical`` on ALARM and OK, warnings
go to ``warning`` on ALARM, and ``extra_actions`` hear every ALARM. A
severity left at ``None`` keeps going to the alarm topic, where
``alarm_emails`` subscribe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aws_cdk import Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns

from .. import defaults
from ..shape import (
    ALARM_DEFAULTS,
    ALARM_IDS,
    CRITICAL,
    PIPELINE_UNHEALTHY,
    SEVERITIES,
    WARNING,
    alarm_description,
    runbook_link,
)
from ..validation import Problems
from .alarms import ALARM_DEFINITIONS, UNHEALTHY_DESCRIPTION
from .thresholds import AlarmThresholds

#: ``critical`` or ``warning``.
Severity = Literal["critical", "warning"]

# An absolute http(s) URL without whitespace: the description ends with it, and ``status`` reads it back.
_URL = re.compile(r"https?://[^\s#]+(#\S*)?")
_DESCRIPTIONS = {definition.name: definition.description for definition in ALARM_DEFINITIONS}
_DESCRIPTIONS[PIPELINE_UNHEALTHY] = UNHEALTHY_DESCRIPTION


@dataclass(frozen=True)
class AlarmRouting:
    """Where each severity of alarm goes, and each alarm's severity and runbook link.

    Each alarm is ``critical`` (data at risk or not flowing: page someone) or
    ``warning`` (degraded, every event still kept: working hours); the
    documentation's "Dashboard and alarms" page lists each default and why.
    The composite alarm ``PipelineUnhealthy`` (in ALARM while any critical alarm
    is) is routed with the critical ones: it is the one alarm to page on.

    A destination is an SNS topic (``sns.ITopic``), any CloudWatch alarm action
    (``cloudwatch_actions.LambdaAction``, ``SsmAction`` for an OpsItem...), or a
    list of them. ``None`` sends that severity to the pipeline's alarm topic
    (``alarm_topic``, or the one the construct creates), on ALARM and OK, as
    without routing; ``alarm_emails`` subscribe to that topic.

    Example::

        ShipmentEventPipeline(
            stack, "Pipeline",
            alarm_routing=AlarmRouting(
                critical=pager_topic,
                warning=team_topic,
                severities={"QueueBacklog": "critical"},
                runbook_links={"DeadLetterMessages": "https://wiki.example.com/shipments#dlq"},
            ),
        )

    Attributes:
        critical: Where critical alarms and ``PipelineUnhealthy`` notify, on ALARM
            and on OK (whoever was paged learns that it cleared). Default: ``None``
            (the alarm topic).
        warning: Where warning alarms notify, on ALARM only (a warning that clears
            needs no message). Default: ``None`` (the alarm topic, on ALARM and OK).
        extra_actions: Actions every alarm of the pipeline (``PipelineUnhealthy``
            included) also triggers on ALARM, whatever its severity, e.g. a ticketing
            function. Default: none.
        severities: Severity by alarm id (``"QueueBacklog": "critical"``), replacing
            the default of that alarm. Default: none (every alarm keeps its default).
        runbook_links: Runbook link by alarm id (``PipelineUnhealthy`` included),
            replacing ``runbook_base_url#<alarm-anchor>`` for that alarm. Default: none.
        runbook_base_url: The page whose sections are the alarms' runbooks; an alarm
            links to ``<runbook_base_url>#<alarm-anchor>`` (``#queue-backlog``,
            ``#dead-letter-messages``...). Default: ``None``, the documentation site's runbook,
            ``https://shipment-pipeline.github.io/shipment-pipeline-constructs/operate/``.
    """

    critical: sns.ITopic | cloudwatch.IAlarmAction | Sequence[sns.ITopic | cloudwatch.IAlarmAction] | None = None
    warning: sns.ITopic | cloudwatch.IAlarmAction | Sequence[sns.ITopic | cloudwatch.IAlarmAction] | None = None
    extra_actions: Sequence[sns.ITopic | cloudwatch.IAlarmAction] = ()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    runbook_links: Mapping[str, str] = field(default_factory=dict)
    runbook_base_url: str | None = None

    def destinations(self, severity: str) -> list[Any] | None:
        """The topics and actions of ``severity``; ``None`` means the pipeline's alarm topic."""
        chosen = self.critical if severity == CRITICAL else self.warning
        if chosen is None:
            return None
        return list(chosen) if isinstance(chosen, (list, tuple)) else [chosen]

    def collect_problems(self, problems: Problems, *, enabled: Sequence[str] | None, uses_alarm_topic: bool) -> None:
        """Add a problem for every setting that cannot work (types are checked before, by the construct).

        ``enabled`` holds the ids of the alarms that are on (``None`` when the
        thresholds are invalid, so unknown); ``uses_alarm_topic`` says that
        ``alarm_topic`` or ``alarm_emails`` is given.
        """
        for name in ("critical", "warning"):
            chosen = getattr(self, name)
            if isinstance(chosen, (list, tuple)) and not chosen and not problems.mistyped(f"alarm_routing.{name}"):
                problems.add(
                    f"alarm_routing.{name} is an empty list: those alarms would notify no one; give at least "
                    "one topic or action, or None for the alarm topic (or turn the alarms off in alarms=)"
                )
        self._collect_id_problems(problems, enabled)
        self._collect_link_problems(problems)
        if enabled is None or any(
            problems.mistyped(f"alarm_routing.{name}") for name in ("critical", "warning", "severities")
        ):
            return
        if not enabled:
            problems.add(
                "alarm_routing routes the pipeline's alarms, but every alarm is off (alarms=): drop "
                "alarm_routing, or turn alarms on"
            )
            return
        severities = resolved_severities(enabled, self)
        if uses_alarm_topic and all(self.destinations(severity) is not None for severity in severities.values()):
            problems.add(
                "alarm_routing sends every severity elsewhere, so no alarm would notify the alarm topic that "
                "alarm_topic / alarm_emails set up: leave alarm_routing.critical or .warning as None (that "
                "severity then goes to the alarm topic), or put the topic in alarm_routing and drop "
                "alarm_topic / alarm_emails"
            )
        for severity, name in ((CRITICAL, "critical"), (WARNING, "warning")):
            if self.destinations(severity) and severity not in severities.values():
                problems.add(
                    f"alarm_routing.{name} is given, but no alarm that is on is {severity}: set an alarm's "
                    f"severity with alarm_routing.severities, or drop alarm_routing.{name}"
                )

    def _collect_id_problems(self, problems: Problems, enabled: Sequence[str] | None) -> None:
        known = {"severities": ALARM_IDS, "runbook_links": (*ALARM_IDS, PIPELINE_UNHEALTHY)}
        for prop, ids in known.items():
            if problems.mistyped(f"alarm_routing.{prop}"):
                continue
            for alarm_id in getattr(self, prop):
                if alarm_id not in ids:
                    problems.add(
                        f"alarm_routing.{prop}: {alarm_id!r} is not an alarm of the pipeline; its alarms are "
                        f"{', '.join(ids)}"
                    )
                elif enabled is not None and alarm_id in ALARM_DEFAULTS and alarm_id not in enabled:
                    field_name = ALARM_DEFAULTS[alarm_id].threshold_field
                    problems.add(
                        f"alarm_routing.{prop}[{alarm_id!r}]: that alarm is off (alarms.{field_name} is None): "
                        f"drop it from alarm_routing.{prop}, or turn the alarm on"
                    )

    def _collect_link_problems(self, problems: Problems) -> None:
        base = self.runbook_base_url
        if (
            base is not None
            and not problems.mistyped("alarm_routing.runbook_base_url")
            and not Token.is_unresolved(base)
        ):
            if not _URL.fullmatch(base) or "#" in base:
                problems.add(
                    f"alarm_routing.runbook_base_url must be an http(s) URL without spaces or '#' (each alarm "
                    f"adds its own #anchor), got {base!r}"
                )
        if problems.mistyped("alarm_routing.runbook_links"):
            return
        for alarm_id, link in self.runbook_links.items():
            if Token.is_unresolved(link) or alarm_id not in _DESCRIPTIONS:
                continue
            if not _URL.fullmatch(link):
                problems.add(
                    f"alarm_routing.runbook_links[{alarm_id!r}] must be an http(s) URL without spaces, got {link!r}"
                )
                continue
            length = len(alarm_description(self._severity_as_given(alarm_id), _DESCRIPTIONS[alarm_id], link))
            if length > defaults.MAX_ALARM_DESCRIPTION_LENGTH:
                problems.add(
                    f"alarm_routing.runbook_links[{alarm_id!r}] makes the alarm's description {length} characters; "
                    f"CloudWatch takes at most {defaults.MAX_ALARM_DESCRIPTION_LENGTH}: use a shorter link"
                )

    def _severity_as_given(self, alarm_id: str) -> str:
        """The severity of ``alarm_id`` (``PipelineUnhealthy`` included), also while ``severities`` is invalid."""
        if alarm_id == PIPELINE_UNHEALTHY:
            return CRITICAL
        chosen = self.severities.get(alarm_id) if isinstance(self.severities, Mapping) else None
        return chosen if chosen in SEVERITIES else ALARM_DEFAULTS[alarm_id].severity


def collect_routing_problems(
    problems: Problems,
    routing: AlarmRouting | None,
    *,
    alarms: AlarmThresholds | None,
    alarm_topic: object | None,
    alarm_emails: Sequence[str],
) -> None:
    """The construct's check of ``alarm_routing`` against ``alarms``, ``alarm_topic`` and ``alarm_emails``."""
    if routing is None or problems.mistyped("alarm_routing"):
        return
    thresholds = alarms if alarms is not None else AlarmThresholds()
    enabled = None if problems.mistyped("alarms") else enabled_alarm_ids(thresholds)
    uses_topic = alarm_topic is not None or (not problems.mistyped("alarm_emails") and bool(alarm_emails))
    routing.collect_problems(problems, enabled=enabled, uses_alarm_topic=uses_topic)


def enabled_alarm_ids(thresholds: AlarmThresholds) -> list[str]:
    """The ids of the alarms ``thresholds`` turns on, in catalogue order."""
    on = thresholds.enabled()
    return [alarm_id for alarm_id, default in ALARM_DEFAULTS.items() if default.threshold_field in on]


def resolved_severities(alarm_ids: Sequence[str], routing: AlarmRouting | None) -> dict[str, str]:
    """Each alarm's severity: ``routing.severities``, else its default (``shape.ALARM_DEFAULTS``)."""
    chosen = routing.severities if routing else {}
    return {alarm_id: chosen.get(alarm_id, ALARM_DEFAULTS[alarm_id].severity) for alarm_id in alarm_ids}


def resolved_runbook_links(alarm_ids: Sequence[str], routing: AlarmRouting | None) -> dict[str, str]:
    """Each alarm's runbook link (``PipelineUnhealthy``'s too): ``routing.runbook_links``, else its docs section."""
    base = (routing.runbook_base_url if routing else None) or defaults.RUNBOOK_URL
    chosen = routing.runbook_links if routing else {}
    return {
        alarm_id: chosen.get(alarm_id, runbook_link(base, alarm_id)) for alarm_id in (*alarm_ids, PIPELINE_UNHEALTHY)
    }


def notify_by_severity(
    alarms: Mapping[str, cloudwatch.AlarmBase],
    severities: Mapping[str, str],
    routing: AlarmRouting | None,
    topic: sns.ITopic | None,
) -> None:
    """Add each alarm's actions for its severity (see the module docstring); ``topic`` is the alarm topic."""
    actions = _Actions()
    extra = list(routing.extra_actions) if routing else []
    for alarm_id, alarm in alarms.items():
        severity = severities[alarm_id]
        routed = routing.destinations(severity) if routing else None
        if routed is None:
            if topic is None:
                raise ValueError(f"{alarm_id} goes to the alarm topic, but there is none")  # validation prevents it
            on_alarm, on_ok = [topic], [topic]
        else:
            on_alarm, on_ok = routed, routed if severity == CRITICAL else []
        alarm.add_alarm_action(*actions.of([*on_alarm, *extra]))
        if on_ok:
            alarm.add_ok_action(*actions.of(on_ok))


def needs_alarm_topic(severities: Mapping[str, str], routing: AlarmRouting | None) -> bool:
    """True when some alarm notifies the alarm topic (so the construct creates one unless ``alarm_topic`` is given)."""
    return any(routing is None or routing.destinations(severity) is None for severity in severities.values())


class _Actions:
    """Alarm actions for topics and actions, one ``SnsAction`` per topic, each target once per alarm."""

    def __init__(self) -> None:
        self._sns: dict[int, cloudwatch.IAlarmAction] = {}

    def of(self, targets: Sequence[Any]) -> list[cloudwatch.IAlarmAction]:
        unique = list({id(target): target for target in targets}.values())
        return [self._action(target) for target in unique]

    def _action(self, target: Any) -> cloudwatch.IAlarmAction:
        # A topic has an ARN to publish to; an alarm action binds itself to the alarm.
        if not hasattr(target, "topic_arn"):
            return target
        if id(target) not in self._sns:
            self._sns[id(target)] = cloudwatch_actions.SnsAction(target)
        return self._sns[id(target)]
