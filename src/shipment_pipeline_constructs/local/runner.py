"""Run a synthesized pipeline on one machine: :class:`LocalPipeline` and :func:`run_local`.

``LocalPipeline`` starts the emulator, creates the resources from the
template (:mod:`.provision`), imports the bundled handler from the cloud
assembly and polls the queue with a local event source mapping
(:mod:`.stand_ins`); leaving the ``with`` block stops all of it (also on
errors and Ctrl-C). Its other methods send, drain and replay
(:mod:`.traffic`), read the emulator's state (:mod:`.state`) and report
(:mod:`.report`). ``run_local`` is what ``shipment-pipeline local`` runs:
synthesize if needed, send, drain, report.

Time is compressed: every receive uses a visibility timeout of
``visibility_timeout`` seconds (default 1; with an injected DynamoDB outage,
long enough that a message outlives it, see
:func:`.faults.visibility_timeout_for_outage`) instead of the queue's (360 s
for the defaults), and the batching window shrinks by the same factor, so a
message that fails five times reaches the dead-letter queue in seconds. The
queue itself is created with its real visibility timeout. While an invocation
runs, the poller keeps its batch invisible (as the 6 x function timeout rule
does in AWS), so a slow invocation is never received twice.

What moto 5.2 cannot represent, and what happens instead:

* the rule's target retry policy and dead-letter config are stored but never
  used (moto's delivery to SQS cannot fail), so ``target_dlq`` is always 0
  locally: it is reported from the real queue all the same;
* messages redriven to the DLQ carry no ``DeadLetterQueueSourceArn``; the
  report finds them by message id, which SQS keeps on redrive;
* ``StartMessageMoveTask`` (redrive from the DLQ) is not implemented;
* ``TestEventPattern`` is missing: matching is moto's own pattern engine,
  and ``InputPath`` on targets is ignored (the construct sets none); the
  SQS body is moto's rendering of the envelope, without ``account``;
* replays ignore the replay's time window and rule selection, and give
  replayed events new ids (with ``replay-name`` set, as in EventBridge);
* moto's Lambda event source mapping would consume the queue itself (in
  Docker), so the mapping created in moto (on a placeholder function) is
  detached from the queue and :mod:`.poller` stands in for it, consuming
  while that mapping is enabled (its workers take turns receiving, because
  moto's receive races with its own redrive);
* IAM is not enforced (nor are queue policies, KMS key policies or the
  ``aws:SecureTransport`` deny): :mod:`.permissions` checks in the template
  that every grant the run relied on is there (``missing_permissions``);
* moto publishes no SQS metrics: :mod:`.queue_metrics` reports the source
  queue's ``ApproximateAgeOfOldestMessage`` every second (``status`` reads it);
* TTL never expires items, point-in-time recovery and deletion protection
  are not set;
* moto's SQS costs grow with the number of messages in a queue, so
  :meth:`LocalPipeline.send` keeps the local queue shallow (at most 30
  messages) by pausing between PutEvents calls.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..app_runner import find_template
from ..ops.contract import AssetContract
from . import stand_ins, state, traffic
from .emulator import REGION, Emulator, emulator_environment
from .faults import FaultInjector, visibility_timeout_for_outage
from .function import FunctionOutput, LocalFunction
from .load import SendResult, generate_load, read_entries
from .permissions import missing_permissions
from .poller import LocalEventSourceMapping
from .provision import Deployment, provision
from .queue_metrics import OldestMessageReporter
from .report import reconcile, run_report, summary_lines
from .template import PipelineTemplate, TemplateError, load_pipeline

__all__ = ["LocalPipeline", "find_template", "run_local", "summary_lines"]

_POLLER_THREADS = "local-esm-"


class LocalPipeline:
    """One pipeline running in an embedded emulator, for as long as the ``with`` block lasts.

    Example::

        with LocalPipeline(template_path) as pipeline:
            pipeline.send(read_entries(Path("examples/basic/sample-event.json")))
            pipeline.drain(timeout=60)
            print(pipeline.report())
    """

    def __init__(
        self,
        template_path: Path,
        *,
        faults: FaultInjector | None = None,
        visibility_timeout: int | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        if visibility_timeout is not None and visibility_timeout < 1:
            raise ValueError("visibility_timeout must be at least 1 second (SQS counts whole seconds)")
        self.template: PipelineTemplate = load_pipeline(template_path, parameters)
        self.faults = faults or FaultInjector()
        self.visibility_timeout = visibility_timeout or visibility_timeout_for_outage(
            self.faults.outage_seconds, stand_ins.max_receive_count(self.template)
        )
        self.sent = 0
        self.elapsed = 0.0
        self.drained = False
        self._started: float | None = None
        self._stack = contextlib.ExitStack()

    # -- lifecycle -------------------------------------------------------

    def __enter__(self) -> LocalPipeline:
        with contextlib.ExitStack() as stack:
            emulator = stack.enter_context(Emulator())
            stack.enter_context(emulator_environment(emulator.endpoint_url))
            self.endpoint_url = emulator.endpoint_url
            self.clients = _clients(emulator.endpoint_url)
            self.deployment: Deployment = provision(self.template, self.clients)
            self.function: LocalFunction = stand_ins.local_function(self.template, self.deployment)
            stack.callback(self.function.close)
            for client in self.function.botocore_clients():
                if client.meta.service_model.service_name == "dynamodb":
                    stack.callback(
                        self.faults.install(client, table_name=self.events_table, errors_table_name=self.errors_table)
                    )
            # Five invocations share one execution environment here (in Lambda each has
            # its own), so the handler's connection pool overflows harmlessly.
            stack.enter_context(_quiet_logger("urllib3.connectionpool"))
            self.output = stack.enter_context(
                FunctionOutput(thread_prefix=_POLLER_THREADS, logger_name=self.function.module.__name__.split(".")[0])
            )
            self.mapping: LocalEventSourceMapping = stand_ins.event_source_mapping(
                self.template,
                self.deployment,
                sqs=self.clients.sqs,
                function=self.function,
                visibility_timeout=self.visibility_timeout,
                faults=self.faults,
                lambda_client=self.clients.lambda_,
            )
            self.mapping.start()
            stack.callback(self.mapping.stop)
            # What SQS reports to CloudWatch and moto does not: status reads the oldest message's age from it.
            self.queue_metrics = OldestMessageReporter(self.clients.cloudwatch, self.queue_url.rsplit("/", 1)[-1])
            self.queue_metrics.start()
            stack.callback(self.queue_metrics.stop)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    # -- what the pipeline is made of ----------------------------------------

    @property
    def events_table(self) -> str:
        """The events table's name in the emulator."""
        return self.deployment.physical_id(self.template, "events_table")

    @property
    def errors_table(self) -> str:
        """The errors table's name in the emulator."""
        return self.deployment.physical_id(self.template, "errors_table")

    @property
    def queue_url(self) -> str:
        """The source queue's URL in the emulator."""
        return self.deployment.physical_id(self.template, "queue")

    @property
    def dead_letter_queue_url(self) -> str:
        """The dead-letter queue's URL in the emulator."""
        return self.deployment.physical_id(self.template, "dead_letter_queue")

    @property
    def quarantine_queue_url(self) -> str:
        """The quarantine queue's URL in the emulator (the DLQ's in a template from before that queue existed)."""
        role = "quarantine_queue" if self.template.logical_id("quarantine_queue") else "dead_letter_queue"
        return self.deployment.physical_id(self.template, role)

    @property
    def max_receive_count(self) -> int:
        """Receives before SQS moves a message to the DLQ (the template's redrive policy)."""
        return stand_ins.max_receive_count(self.template)

    def settings(self) -> dict[str, Any]:
        """The settings the run used, template values next to their local stand-ins."""
        return stand_ins.run_settings(self.template, self.deployment, self.mapping, self.visibility_timeout)

    # -- running it ------------------------------------------------------------

    def send(
        self,
        entries: list[dict[str, Any]],
        *,
        max_queued: int = 30,
        progress: traffic.Progress | None = None,
    ) -> SendResult:
        """PutEvents on the pipeline's bus, pausing while more than ``max_queued`` messages wait in the queue.

        The pause keeps moto's queue shallow (see :func:`.traffic.send_paced`).
        The clock for events per second starts at the first send; ``progress``
        is called as in :meth:`drain`.
        """
        self._started = self._started or time.monotonic()
        result = traffic.send_paced(
            events=self.clients.events,
            sqs=self.clients.sqs,
            queue_url=self.queue_url,
            bus_name=self.deployment.bus_name,
            mapping=self.mapping,
            entries=entries,
            max_queued=max_queued,
            progress=progress,
        )
        self.sent += result.sent
        return result

    def queued(self) -> int:
        """Messages in the source queue: visible, in flight (or waiting to reappear) and delayed."""
        return state.queued(self.clients.sqs, self.queue_url)

    def drain(self, timeout: float = 120.0, progress: traffic.Progress | None = None) -> bool:
        """Wait until the source queue is empty and no invocation runs; ``progress(received, queued)`` on every check."""
        drained = traffic.wait_until_drained(
            sqs=self.clients.sqs, queue_url=self.queue_url, mapping=self.mapping, timeout=timeout, progress=progress
        )
        if self._started:
            self.elapsed = time.monotonic() - self._started
        self.drained = drained
        return drained

    def replay_archive(self, name: str = "local-replay") -> None:
        """Replay everything the archive holds onto the bus (moto replays synchronously)."""
        if not self.deployment.archive_name:
            raise TemplateError("the pipeline has no archive to replay")
        traffic.replay_archive(
            self.clients.events, archive_name=self.deployment.archive_name, bus_name=self.deployment.bus_name, name=name
        )

    # -- what happened -----------------------------------------------------------

    def scan(self, table: str) -> list[dict[str, Any]]:
        """Every item of ``table`` (low-level attribute values)."""
        return state.scan(self.clients.dynamodb, table)

    def peek(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message in ``queue_url``, left in the queue (received, then made visible again)."""
        return state.peek(self.clients.sqs, queue_url)

    def report(self) -> dict[str, Any]:
        """The JSON report: the headline counts first, then details (see :mod:`.report`)."""
        target_dlq = 0
        if self.template.logical_id("target_dead_letter_queue"):
            target_dlq = len(self.peek(self.deployment.physical_id(self.template, "target_dead_letter_queue")))
        package = self.function.module.__package__
        outcome = reconcile(
            ledger=self.mapping.ledger,
            parse=_parser(str(package), self.function.code_dir),
            fingerprint=importlib.import_module(f"{package}.fingerprint").content_fingerprint,
            items=self.scan(self.events_table),
            error_records=self.scan(self.errors_table),
            # Quarantine copies are told apart by their attributes, in whichever queue they are.
            dlq_messages=self.peek(self.dead_letter_queue_url)
            + (self.peek(self.quarantine_queue_url) if self.quarantine_queue_url != self.dead_letter_queue_url else []),
            target_dlq=target_dlq,
            in_queue=self.queued(),
        )
        return run_report(
            sent=self.sent,
            outcome=outcome,
            elapsed=self.elapsed or 0.0,
            drained=self.drained,
            missing_permissions=missing_permissions(self.template),
            injected={
                "transient_failures": self.faults.injected_failures,
                "outage_failures": self.faults.outage_failures,
                "crashes": self.faults.crashes,
            },
            documents=self.output.documents,
            settings=self.settings(),
        )


def run_local(
    *,
    app_dir: Path = Path("examples/basic"),
    cdk_out: Path | None = None,
    suffix: str = "dev",
    entries: list[dict[str, Any]] | None = None,
    events_file: Path | None = None,
    count: int = 0,
    duplicate_rate: float = 0.0,
    invalid_rate: float = 0.0,
    transient_failure_rate: float = 0.0,
    crash_rate: float = 0.0,
    outage_seconds: float = 0.0,
    outage_after_seconds: float = 0.0,
    timeout: float = 120.0,
    seed: int | None = None,
    function_log: Path | None = None,
    progress: traffic.Progress | None = None,
    parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run the pipeline of ``cdk_out`` (else of ``app_dir``, synthesized) locally, return the report.

    Sends ``entries``, then the entries of ``events_file``, then ``count``
    generated events, waits until everything is drained (or ``timeout``
    seconds) and reconciles. ``parameters`` gives the template's
    CloudFormation parameters values (as ``cdk deploy --parameters``); the
    others take their defaults. ``outage_seconds`` of DynamoDB outage start
    ``outage_after_seconds`` after the pipeline started (see :mod:`.faults`).
    ``function_log`` receives the handler's log
    records and EMF documents as JSON lines.

    Example::

        report = run_local(count=500, duplicate_rate=0.1, invalid_rate=0.05, transient_failure_rate=0.2)
        assert report["unaccounted"] == 0
    """
    template_path = find_template(app_dir=app_dir, cdk_out=cdk_out, suffix=suffix)
    to_send = list(entries or [])
    if events_file:
        to_send += read_entries(events_file)
    if count:
        # Generated events follow the contract of the asset the template names, so a custom contract's
        # pipeline receives events in its own field names and types.
        contract = AssetContract.of_pipeline(load_pipeline(template_path, parameters)).contract
        to_send += generate_load(
            count, duplicate_rate=duplicate_rate, invalid_rate=invalid_rate, seed=seed, contract=contract
        ).entries
    faults = FaultInjector(
        transient_failure_rate=transient_failure_rate,
        crash_rate=crash_rate,
        outage_seconds=outage_seconds,
        outage_after_seconds=outage_after_seconds,
        seed=seed,
    )
    with LocalPipeline(template_path, faults=faults, parameters=parameters) as pipeline:
        sent = pipeline.send(to_send, progress=progress)
        pipeline.drain(timeout=timeout, progress=progress)
        report = pipeline.report()
        if function_log:
            function_log.parent.mkdir(parents=True, exist_ok=True)
            function_log.write_text(
                "".join(line + "\n" for line in pipeline.output.log_lines + pipeline.output.documents)
            )
    report["rejected_by_put_events"] = sent.failed
    report["retargeted_to_local_bus"] = sent.retargeted
    return report


def _parser(package: str, code_dir: Path) -> Callable[[str], Any]:
    """The running handler's own ``parse_event``, with its asset's contract (when it knows contracts)."""
    parse = importlib.import_module(f"{package}.events").parse_event
    try:
        contract_module = importlib.import_module(f"{package}.contract")
    except ModuleNotFoundError:  # a handler from before contracts: one fixed contract
        return parse  # type: ignore[no-any-return]
    contract = contract_module.load_contract(code_dir, with_hook=False)
    return lambda body: parse(body, contract)


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _clients(endpoint_url: str) -> SimpleNamespace:
    import boto3

    session = boto3.session.Session(region_name=REGION, aws_access_key_id="local", aws_secret_access_key="local")
    clients = {
        name: session.client(name, endpoint_url=endpoint_url)
        for name in ("sqs", "dynamodb", "events", "iam", "cloudwatch")
    }
    # "lambda" is a keyword: the attribute is lambda_.
    return SimpleNamespace(**clients, lambda_=session.client("lambda", endpoint_url=endpoint_url))
