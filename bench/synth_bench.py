"""Benchmark: synthesizing the default ShipmentEventPipeline against the same resources written by hand.

    python bench/synth_bench.py [--rounds N] [--profile | --profile-only]

Each measurement is a fresh interpreter (a child process), as ``cdk synth``
runs one: it imports aws-cdk-lib, builds one stack and synthesizes it. The
two subjects take turns, round by round, so drift on a shared machine hits
them alike:

* ``pipeline``: ``ShipmentEventPipeline(Stack(app, "S"), "P"); app.synth()``.
* ``baseline``: ``baseline_stack.build(Stack(app, "S")); app.synth()``, the
  same 29 resources with plain L2 constructs (see ``baseline_stack.py``).

Reported per subject, as medians over the rounds: CPU and wall time of
build + synth alone (measured inside the child, imports excluded) and of the
whole child process. CPU time counts Python and jsii's Node.js process
together (``/proc``; ``wait4`` for the whole process), and is the figure to
compare on a shared machine: wall time there mostly measures the other
tenants. Then the ratios pipeline / baseline.

``--profile`` then builds and synthesizes the pipeline once more, part by
part: the CPU seconds and jsii round trips (requests to Node.js) under each
stage function of the package, and a cProfile of a second, warm build +
synth by cumulative time, so the part that dominates is named with its
numbers.

Needs only the project's environment; no network, no AWS account. Both
children get the same jsii environment (``jsii_env.QUIET_JSII_ENV``: no
banners, the package cache on). A round is two interpreters of about 16
CPU seconds each; ``--profile`` adds one of about 25.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUBJECTS = ("pipeline", "baseline")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: The construct's parts as the profile reports them: the package's functions whose names start so.
PART_PREFIXES = ("create_", "connect_", "acknowledge_", "wire_", "grant_", "_validate")


def build(subject: str):
    """Build the subject's app (after aws_cdk is imported); returns the app."""
    from aws_cdk import App, Stack

    app = App()
    stack = Stack(app, "S")
    if subject == "pipeline":
        from shipment_pipeline_constructs import ShipmentEventPipeline

        ShipmentEventPipeline(stack, "P")
    else:
        sys.path.insert(0, str(HERE))
        import baseline_stack

        baseline_stack.build(stack)
    return app


def child(subject: str) -> None:
    """Run one measurement in this process and print it as JSON."""
    from shipment_pipeline_constructs.jsii_env import quiet_jsii

    quiet_jsii()
    import aws_cdk  # noqa: F401  (imports and jsii start-up are not build + synth)
    import aws_cdk.aws_cloudwatch  # noqa: F401
    import aws_cdk.aws_lambda  # noqa: F401

    if subject == "baseline":
        sys.path.insert(0, str(HERE))
        import baseline_stack  # noqa: F401
    else:
        import shipment_pipeline_constructs.pipeline  # noqa: F401
    requests = count_jsii_requests()
    start, cpu = time.perf_counter(), cpu_seconds()
    app = build(subject)
    resources = len(app.synth().get_stack_by_name("S").template["Resources"])
    print(
        json.dumps(
            {
                "build_synth_s": time.perf_counter() - start,
                "build_synth_cpu_s": cpu_seconds() - cpu,
                "jsii_requests": requests["count"],
                "resources": resources,
            }
        )
    )


def count_jsii_requests() -> dict[str, int]:
    """Count, from now on, the requests Python sends to jsii's Node.js process (each waits for its answer)."""
    from jsii._kernel.providers.process import _NodeProcess

    counter = {"count": 0}
    send = _NodeProcess.send

    def counted_send(*args, **kwargs):
        counter["count"] += 1
        return send(*args, **kwargs)

    _NodeProcess.send = counted_send  # type: ignore[method-assign]
    return counter


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its live child processes (jsii's Node.js), from /proc."""
    total = time.process_time()
    pending = [os.getpid()]
    while pending:
        pid = pending.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for child_pid in children:
            try:
                fields = Path(f"/proc/{child_pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
            pending.append(int(child_pid))
    return total


def measure(subject: str) -> dict:
    """One fresh interpreter: wall time, CPU time (with its children), and its own build + synth time."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", subject]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    assert process.stdout is not None and process.stderr is not None  # both are pipes (above)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{subject} child failed (exit {process.returncode}):\n{stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, **result}


def profile() -> None:
    """Time one build + synth of the pipeline part by part (with its jsii round trips), then cProfile another."""
    from shipment_pipeline_constructs.jsii_env import quiet_jsii

    quiet_jsii()
    import aws_cdk  # noqa: F401

    import shipment_pipeline_constructs.pipeline  # noqa: F401

    requests = count_jsii_requests()
    parts: dict[str, list[float]] = {}
    _time_parts(requests, parts)

    start, calls = cpu_seconds(), requests["count"]
    app = build("pipeline")
    built, built_calls = cpu_seconds(), requests["count"]
    app.synth()
    done = cpu_seconds()
    total = done - start
    print(
        f"\none build + synth of the pipeline, part by part (CPU seconds, Python and Node.js): {total:.2f} s, "
        f"{requests['count'] - calls} jsii calls"
    )
    print(
        f"{'part (inclusive: observe holds alarms, topic, dashboard)':<58} {'cpu s':>6} {'share':>6} {'jsii calls':>10}"
    )
    rows: list[tuple[str, float, float]] = [
        ("ShipmentEventPipeline(...), the whole build", built - start, built_calls - calls)
    ]
    rows += [(label, seconds, jsii_calls) for label, (seconds, jsii_calls) in parts.items()]
    rows.append(("App.synth (CloudFormation rendering, in Node.js)", done - built, requests["count"] - built_calls))
    for label, seconds, jsii_calls in rows:
        print(f"{label:<58} {seconds:>6.2f} {seconds / total:>6.0%} {jsii_calls:>10.0f}")

    profiler = cProfile.Profile()
    profiler.enable()
    build("pipeline").synth()
    profiler.disable()
    print("\ncProfile of a second build + synth (same process, warm), top entries by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)


def _time_parts(counter: dict, parts: dict) -> None:
    """Wrap the package's part functions wherever the package refers to them; ``parts`` fills in call order."""
    modules = [m for name, m in list(sys.modules.items()) if name.startswith("shipment_pipeline_constructs") and m]
    targets = {
        value: f"{Path(module.__file__ or module.__name__).name} {name}"
        for module in modules
        for name, value in vars(module).items()
        if name.startswith(PART_PREFIXES) and callable(value) and getattr(value, "__module__", None) == module.__name__
    }
    for target, label in targets.items():
        timed = _timed(target, label, counter, parts)
        for module in modules:
            for attribute, value in list(vars(module).items()):
                if value is target:
                    setattr(module, attribute, timed)


def _timed(target, label: str, counter: dict, parts: dict):
    def timed(*args, **kwargs):
        start, calls = cpu_seconds(), counter["count"]
        try:
            return target(*args, **kwargs)
        finally:
            seconds, jsii_calls = parts.get(label, [0.0, 0])
            parts[label] = [seconds + cpu_seconds() - start, jsii_calls + counter["count"] - calls]

    return timed


def main() -> None:
    """Time both subjects, alternately, in fresh interpreters; print medians, ratios and (optionally) the profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="fresh interpreters per subject (default: 2)")
    parser.add_argument("--profile", action="store_true", help="then profile one build + synth of the pipeline")
    parser.add_argument("--profile-only", action="store_true", help="only the profile, no timing")
    parser.add_argument("--child", choices=SUBJECTS, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.profile_child:
        profile()
        return
    if not args.profile_only:
        compare(args.rounds)
    if args.profile or args.profile_only:
        sys.stdout.flush()
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--profile-child"], check=True)


def compare(rounds: int) -> None:
    """Measure both subjects ``rounds`` times each, taking turns, and print medians and ratios."""
    runs: dict[str, list[dict]] = {subject: [] for subject in SUBJECTS}
    for round_number in range(rounds):
        order = SUBJECTS if round_number % 2 == 0 else SUBJECTS[::-1]
        for subject in order:
            runs[subject].append(measure(subject))
    medians = {
        subject: {field: statistics.median(run[field] for run in runs[subject]) for field in runs[subject][0]}
        for subject in SUBJECTS
    }
    print(
        f"synthesis, {rounds} fresh interpreters per subject, medians (Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    print(f"{'':<20} {'whole process':>17}   {'build + synth':>27}")
    print(
        f"{'subject':<10} {'resources':>9} {'cpu s':>8} {'wall s':>8}   {'cpu s':>8} {'wall s':>8} {'jsii':>9}"
        "   cpu s per run"
    )
    for subject in SUBJECTS:
        m = medians[subject]
        each = " ".join(f"{run['build_synth_cpu_s']:.2f}" for run in runs[subject])
        print(
            f"{subject:<10} {m['resources']:>9.0f} {m['cpu_s']:>8.2f} {m['wall_s']:>8.2f}   "
            f"{m['build_synth_cpu_s']:>8.2f} {m['build_synth_s']:>8.2f} {m['jsii_requests']:>9.0f}   {each}"
        )
    print(
        "ratio pipeline / baseline: "
        + ", ".join(
            f"{label} {medians['pipeline'][field] / medians['baseline'][field]:.2f}"
            for label, field in (
                ("build + synth cpu", "build_synth_cpu_s"),
                ("jsii requests", "jsii_requests"),
                ("whole process cpu", "cpu_s"),
                ("build + synth wall", "build_synth_s"),
                ("whole process wall", "wall_s"),
            )
        )
    )


if __name__ == "__main__":
    main()
