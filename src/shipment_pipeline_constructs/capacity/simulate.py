"""A discrete-time simulation of the source queue, its consumers and the table behind them.

Each step of ``step_seconds``:

1. the load's arrivals join the queue (whole messages; the fraction carries
   to the next step), as one cohort stamped with the step's start;
2. messages older than the queue's retention expire;
3. Lambda's pollers grow by the documented scale-up rate while messages
   wait, and fall back to their initial number when the queue is empty;
   consumers = min(pollers, max concurrency, the account's free concurrency);
4. a free consumer takes a batch of up to the batch size of the oldest
   visible messages (a standard queue is only roughly FIFO), holds them in
   flight for :meth:`ProcessingModel.batch_seconds` (a partial batch also
   waits out the batching window), deletes them and takes the next; the
   table may accept fewer writes (on-demand ceiling, or provisioned
   capacity with its burst bucket and auto scaling), and the excess is
   throttled and stays in the queue;
5. the error rate of the processed messages goes to the DLQ;
6. the alarms see the step's visible messages (waiting, not in a running
   batch), the oldest message's age, the DLQ depth and the throttled writes.

Message counts are whole numbers, so ``arrived == processed + expired +
remaining`` holds exactly. The oldest message's age counts messages in a
running batch too, as SQS's ``ApproximateAgeOfOldestMessage`` does.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field

from ..shape import ALARM_ID
from .alarms import SIMULATED_ALARMS, AlarmRule, AlarmTracker, default_alarm_rules
from .figures import FIGURES
from .load import Load
from .model import ConsumerSettings, PollerScaling, ProcessingModel, effective_batch_size

__all__ = ["Sample", "Scenario", "SimulationResult", "Workload", "simulate"]

#: How long the simulation runs on after the load's segments when the queue never drains.
DEFAULT_HORIZON_AFTER_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Workload:
    """What the events are like and what else shares the account.

    Attributes:
        event_bytes: Size of one event (write units per item, batch payload). Default: ``1024``.
        error_rate: Share of processed events that end in the DLQ. Default: ``0.001``.
        duplicate_rate: Extra deliveries, each one more conditional write. Default: ``0.01``.
        hot_key_share: Share of the peak carried by one shipment id (one partition). Default: ``0.01``.
        entries_per_put: Events per PutEvents request from the producers. Default: ``1``.
        account_concurrency: The Region's Lambda concurrency quota. Default: ``1000``.
        other_concurrency: Concurrency other functions of the account use at the peak. Default: ``0``.
    """

    event_bytes: int = 1024
    error_rate: float = 0.001
    duplicate_rate: float = 0.01
    hot_key_share: float = 0.01
    entries_per_put: int = 1
    account_concurrency: int = int(FIGURES["lambda_account_concurrency"].value)
    other_concurrency: int = 0

    @property
    def write_units_per_event(self) -> float:
        """Write units one event costs: 1 per KB of item, plus the duplicates' conditional writes."""
        return math.ceil(self.event_bytes / 1024) * (1 + self.duplicate_rate)


@dataclass(frozen=True)
class Scenario:
    """Everything one simulation needs."""

    load: Load
    settings: ConsumerSettings
    processing: ProcessingModel
    workload: Workload = Workload()
    poller: PollerScaling = PollerScaling()
    alarm_rules: dict[str, AlarmRule] | None = None
    step_seconds: float = 1.0
    horizon_after_seconds: float = DEFAULT_HORIZON_AFTER_SECONDS
    #: Stop as soon as the oldest message is older than this (a search that only needs to know "too slow").
    give_up_age_seconds: float | None = None


@dataclass(frozen=True)
class Sample:
    """The state at the end of one step."""

    seconds: float
    arrived: int
    processed: int
    queued: int
    visible: int
    oldest_age_seconds: float
    consumers: int  # the most batches running at once during the step
    dead_letter: int
    throttled: float
    write_capacity: float | None


@dataclass
class SimulationResult:
    """What happened: totals, peaks, drain and alarm transitions, and every step's :class:`Sample`."""

    scenario: Scenario
    samples: list[Sample]
    arrived: int
    processed: int
    expired: int
    remaining: int
    dead_lettered: int
    throttled_writes: float
    alarms: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    @property
    def peak_backlog(self) -> Sample:
        """The step with the most visible messages (the ``QueueBacklog`` metric)."""
        return max(self.samples, key=lambda sample: (sample.visible, -sample.seconds))

    @property
    def peak_queued(self) -> Sample:
        """The step with the most messages in the queue, in flight included."""
        return max(self.samples, key=lambda sample: (sample.queued, -sample.seconds))

    @property
    def peak_age(self) -> Sample:
        """The step with the oldest message (the ``OldestMessageAge`` metric)."""
        return max(self.samples, key=lambda sample: (sample.oldest_age_seconds, -sample.seconds))

    @property
    def drained_at_seconds(self) -> float | None:
        """When the queue is first back to its steady level after the peak ends; ``None`` if it never is.

        The steady level is what the load after the peak keeps in the queue
        by itself (its rate x one batch and window, Little's law); after a
        burst with nothing behind it, an empty queue.
        """
        end = self.scenario.load.peak_end_seconds
        level = steady_level(self.scenario)
        return next((s.seconds for s in self.samples if s.seconds >= end and s.queued <= level), None)

    @property
    def drain_seconds(self) -> float | None:
        """How long after the peak ends the queue is empty again (0 when nothing was left)."""
        drained = self.drained_at_seconds
        return None if drained is None else max(0.0, drained - self.scenario.load.peak_end_seconds)

    @property
    def max_consumers(self) -> int:
        """The most concurrent batches at any step."""
        return max(sample.consumers for sample in self.samples)

    def alarm_times(self, name: str) -> tuple[float | None, float | None]:
        """When ``name`` first fired, and when it cleared after that (``None``: never)."""
        transitions = self.alarms.get(name, [])
        fired = next((time for time, state in transitions if state == "ALARM"), None)
        if fired is None:
            return None, None
        cleared = next((time for time, state in transitions if state == "OK" and time > fired), None)
        return fired, cleared


def steady_level(scenario: Scenario) -> float:
    """Messages the load after the peak keeps in the queue on its own: its rate x (one full batch + the window)."""
    batch = effective_batch_size(scenario.settings.batch_size, scenario.workload.event_bytes)
    holding = scenario.processing.batch_seconds(batch) + scenario.settings.batching_window_seconds
    return scenario.load.rate_after * holding


class _Table:
    """The events table's write allowance: on-demand ceiling, or provisioned capacity with burst and auto scaling."""

    def __init__(self, settings: ConsumerSettings, baseline_units: float) -> None:
        self.provisioned = settings.provisioned
        new_table = FIGURES["dynamodb_new_on_demand_write_units"].value
        self.on_demand_limit = min(FIGURES["dynamodb_table_write_units"].value, max(new_table, 2 * baseline_units))
        self.burst_seconds = FIGURES["dynamodb_burst_seconds"].value
        self.breach_minutes = int(FIGURES["autoscaling_breach_minutes"].value)
        self.update_seconds = FIGURES["autoscaling_update_seconds"].value
        self.capacity: float | None = None
        if self.provisioned is not None:
            minimum, maximum, target = self.provisioned
            # Before the peak, auto scaling has settled on the baseline at the target utilization.
            self.capacity = float(min(maximum, max(minimum, math.ceil(baseline_units / (target / 100)))))
            self.bank = self.capacity * self.burst_seconds
        self._minute_used = 0.0
        self._minute_elapsed = 0.0
        self._breaches = 0
        self._pending: tuple[float, float] | None = None

    def allowance(self, step: float) -> float:
        """Write units available in the next step."""
        if self.capacity is None:
            return self.on_demand_limit * step
        return self.capacity * step + self.bank

    def consume(self, now: float, step: float, used: float) -> None:
        """Account ``used`` write units; run auto scaling's per-minute rule."""
        if self.capacity is None:
            return
        self.bank = min(self.capacity * self.burst_seconds, max(0.0, self.bank + self.capacity * step - used))
        if self._pending is not None and now >= self._pending[0]:
            self.capacity = self._pending[1]
            self._pending = None
        self._minute_used += used
        self._minute_elapsed += step
        if self._minute_elapsed < 60 - 1e-9:
            return
        _, maximum, target = self.provisioned or (0, 0, 0)
        rate = self._minute_used / self._minute_elapsed
        self._breaches = self._breaches + 1 if rate > self.capacity * target / 100 else 0
        if self._breaches >= self.breach_minutes and self._pending is None and self.capacity < maximum:
            wanted = min(float(maximum), math.ceil(rate / (target / 100)))
            if wanted > self.capacity:
                self._pending = (now + self.update_seconds, wanted)
            self._breaches = 0
        self._minute_used = self._minute_elapsed = 0.0


class _Queue:
    """Visible messages as cohorts (oldest first) and running batches as groups keyed by their finish time."""

    def __init__(self, retention_seconds: float) -> None:
        self.retention_seconds = retention_seconds
        self.cohorts: deque[list[float]] = deque()  # [arrival seconds, messages], visible
        self.visible = 0
        self.in_flight = 0
        self.busy = 0  # consumers holding a batch
        self.groups: dict[float, list[float]] = {}  # finish -> [consumers, messages, oldest arrival]
        self.finishes: list[float] = []  # heap of the keys of groups

    def arrive(self, at: float, messages: int) -> None:
        self.cohorts.append([at, messages])
        self.visible += messages

    def expire(self, now: float) -> int:
        """Drop visible messages older than the retention; returns how many."""
        expired = 0
        while self.cohorts and now - self.cohorts[0][0] > self.retention_seconds:
            expired += int(self.cohorts[0][1])
            self.cohorts.popleft()
        self.visible -= expired
        return expired

    def take(self, messages: int) -> float:
        """Move ``messages`` of the oldest visible messages into a batch; returns the oldest one's arrival."""
        oldest = self.cohorts[0][0]
        left = messages
        while left:
            head = self.cohorts[0]
            if head[1] <= left:
                left -= int(head[1])
                self.cohorts.popleft()
            else:
                head[1] -= left
                left = 0
        self.visible -= messages
        self.in_flight += messages
        return oldest

    def start(self, finish: float, consumers: int, messages: int, oldest: float) -> None:
        group = self.groups.get(finish)
        if group is None:
            self.groups[finish] = [consumers, messages, oldest]
            heapq.heappush(self.finishes, finish)
        else:
            group[0] += consumers
            group[1] += messages
            group[2] = min(group[2], oldest)
        self.busy += consumers

    def finish_before(self, end: float) -> tuple[float, int, float] | None:
        """The next group finishing before ``end``: ``(finish, messages, oldest arrival)``, taken off the queue."""
        if not self.finishes or self.finishes[0] >= end:
            return None
        finish = heapq.heappop(self.finishes)
        consumers, messages, oldest = self.groups.pop(finish)
        self.busy -= int(consumers)
        self.in_flight -= int(messages)
        return finish, int(messages), oldest

    def oldest_arrival(self) -> float | None:
        """Arrival of the oldest message not yet deleted (visible or in a running batch)."""
        candidates = [group[2] for group in self.groups.values()]
        if self.cohorts:
            candidates.append(self.cohorts[0][0])
        return min(candidates, default=None)


def simulate(scenario: Scenario) -> SimulationResult:  # noqa: PLR0915 - one time step, read top to bottom (split next)
    """Run ``scenario`` until the load is over, the queue is empty and the alarms are back to OK, or the horizon.

    Batches are discrete: a consumer takes up to a batch of visible messages,
    holds them (in flight) for the batch's duration, then deletes them and
    takes the next. Within a step, consumers that finish start again at once.
    Batch finish times are rounded to an eighth of a full batch's duration,
    so consumers that started together stay one group.
    """
    settings, processing, workload, poller = scenario.settings, scenario.processing, scenario.workload, scenario.poller
    step = scenario.step_seconds
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"step_seconds must be positive, got {step}")
    rules = scenario.alarm_rules if scenario.alarm_rules is not None else default_alarm_rules()
    trackers = {
        name: AlarmTracker(name, rule, SIMULATED_ALARMS[name])
        for name, rule in rules.items()
        if name in SIMULATED_ALARMS
    }
    batch_limit = effective_batch_size(settings.batch_size, workload.event_bytes)
    grid = processing.batch_seconds(batch_limit) / 8
    units = workload.write_units_per_event
    table = _Table(settings, scenario.load.baseline_rate * units)
    free_concurrency = max(0, workload.account_concurrency - workload.other_concurrency)
    horizon = scenario.load.duration_seconds + scenario.horizon_after_seconds
    quiet_after = scenario.load.duration_seconds + max(
        (rule.period_seconds * rule.evaluation_periods for rule in rules.values()), default=0
    )

    steady = steady_level(scenario)
    queue = _Queue(settings.retention_seconds)
    arrived = processed = expired = dead_lettered = 0
    arrival_carry = error_carry = throttled_total = 0.0
    pollers = float(poller.initial)
    left_over = False
    busy_last_step = 0
    samples: list[Sample] = []
    index = 0
    while True:
        start = index * step
        now = start + step
        index += 1
        incoming = scenario.load.arrivals(start, now) + arrival_carry
        new = int(incoming)
        arrival_carry = incoming - new
        if new:
            queue.arrive(start, new)
            arrived += new
        expired += queue.expire(now)

        # Lambda adds pollers while messages are still waiting after a step; with none waiting it scales back
        # towards the batches the load keeps busy, never below the initial number.
        if left_over:
            pollers = min(poller.maximum, pollers + poller.per_minute / 60 * step)
        else:
            pollers = max(float(poller.initial), float(busy_last_step))
        consumers = min(int(pollers), settings.max_concurrency, free_concurrency)
        allowed = table.allowance(step) / units  # records the table accepts this step
        taken = 0
        throttled = 0.0
        done_this_step = 0
        most_busy = queue.busy
        deleted_age = 0.0  # the oldest age a message reached before its batch deleted it, this step
        moment = start
        while True:
            free = consumers - queue.busy
            if free > 0 and queue.visible:
                wanted = min(queue.visible, free * batch_limit)
                count = min(wanted, int(allowed - taken))
                # What the free consumers wanted beyond the table's allowance: throttled writes.
                throttled = max(throttled, (wanted - count) * units)
                if count > 0:
                    used = min(free, count)
                    batch = count / used
                    duration = processing.batch_seconds(batch)
                    if wanted < free * batch_limit:
                        # Too few messages for full batches: the poller waits out the batching window.
                        duration += settings.batching_window_seconds
                    finish = max(moment + grid, round((moment + duration) / grid) * grid)
                    queue.start(finish, used, count, queue.take(count))
                    taken += count
                    most_busy = max(most_busy, queue.busy)
            finished = queue.finish_before(now)
            if finished is None:
                break
            moment, messages, oldest_deleted = finished
            done_this_step += messages
            deleted_age = max(deleted_age, moment - oldest_deleted)
        table.consume(now, step, taken * units)
        throttled_total += throttled
        processed += done_this_step
        left_over = queue.visible > 0
        busy_last_step = most_busy
        errors = done_this_step * workload.error_rate + error_carry
        dead_lettered += int(errors)
        error_carry = errors - int(errors)

        oldest = queue.oldest_arrival()
        age = max(now - oldest if oldest is not None else 0.0, deleted_age)
        queued = queue.visible + queue.in_flight
        values = {
            ALARM_ID.queue_backlog: queue.visible,
            ALARM_ID.oldest_message_age: age,
            ALARM_ID.dead_letter_messages: dead_lettered,
            ALARM_ID.table_throttles: throttled,
        }
        for name, tracker in trackers.items():
            tracker.observe(now, values[name])
        samples.append(
            Sample(
                now,
                new,
                done_this_step,
                queued,
                queue.visible,
                age,
                most_busy,
                dead_lettered,
                throttled,
                table.capacity,
            )
        )
        settled = not any(t.in_alarm for name, t in trackers.items() if name != ALARM_ID.dead_letter_messages)
        gave_up = scenario.give_up_age_seconds is not None and age > scenario.give_up_age_seconds
        if gave_up or now >= horizon or (now >= quiet_after and queued <= steady and settled):
            break
    return SimulationResult(
        scenario=scenario,
        samples=samples,
        arrived=arrived,
        processed=processed,
        expired=expired,
        remaining=queue.visible + queue.in_flight,
        dead_lettered=dead_lettered,
        throttled_writes=throttled_total,
        alarms={name: list(tracker.transitions) for name, tracker in trackers.items()},
    )
