"""Clusters for multi-worker training: TF_CONFIG from a list of workers, and worker processes on this machine.

On real machines every worker runs the same `postag train` command with the same `--cluster` list and its
own `--task-index`; that sets TF_CONFIG as TensorFlow documents it, and pipelines.training.tagger trains under
MultiWorkerMirroredStrategy (a TF_CONFIG already in the environment works the same). Worker 0 is the chief:
it writes the model directory.

`--local-workers N` runs the same cluster on 127.0.0.1: N copies of the command, each with its TF_CONFIG,
on free ports. The chief's output is this process's; the others write to log files, whose last line is
shown if they fail. However this process ends, the workers end with it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import PipelineError

LOCALHOST = "127.0.0.1"
MAX_LOCAL_WORKERS = 64
# How long workers get to end on their own after Ctrl-C (the chief keeps its best epoch) before they are
# terminated; a worker blocked in a collective waiting for a peer never ends on its own.
GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class Cluster:
    """Every worker's host:port, in the same order on every worker, and this worker's place in the list."""

    workers: tuple[str, ...]
    task_index: int

    @classmethod
    def parse(cls, workers: str | None, task_index: int | None) -> Cluster:
        """From `--cluster h1:port,h2:port` and `--task-index I`."""
        if not workers:
            raise PipelineError("--task-index needs --cluster: every worker's host:port, comma-separated")
        addresses = tuple(address.strip() for address in workers.split(",") if address.strip())
        for address in addresses:
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise PipelineError(f"--cluster: {address[:80]!r} is not host:port (e.g. 10.0.0.2:12345)")
        if len(set(addresses)) != len(addresses):
            raise PipelineError("--cluster names a worker twice")
        if task_index is None:
            raise PipelineError(f"--cluster needs --task-index: this worker's place in the list, 0 to "
                                f"{len(addresses) - 1} (0 is the chief, which writes the model)")
        if not 0 <= task_index < len(addresses):
            raise PipelineError(f"--task-index {task_index} is not a place in a cluster of {len(addresses)} "
                                f"workers: 0 to {len(addresses) - 1}")
        return cls(addresses, task_index)

    def tf_config(self) -> str:
        """The TF_CONFIG of this worker: https://www.tensorflow.org/guide/distributed_training#TF_CONFIG."""
        return json.dumps({"cluster": {"worker": list(self.workers)},
                           "task": {"type": "worker", "index": self.task_index}})


def free_ports(count: int, host: str = LOCALHOST) -> list[int]:
    """`count` different ports nobody listens on now (held open together, so the system gives distinct ones).

    Another program could take one before a worker binds it; that worker then fails at once, saying so.
    """
    sockets = []
    try:
        for _ in range(count):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind((host, 0))
            sockets.append(listener)
        return [listener.getsockname()[1] for listener in sockets]
    finally:
        for listener in sockets:
            listener.close()


def worker_arguments(arguments: list[str], option: str = "--local-workers") -> list[str]:
    """The command-line arguments without `option` and its value (`--local-workers 2` or `--local-workers=2`)."""
    kept, skip = [], False
    for argument in arguments:
        if skip:
            skip = False
        elif argument == option:
            skip = True
        elif not argument.startswith(option + "="):
            kept.append(argument)
    return kept


@dataclass
class WorkerFailure:
    index: int
    returncode: int
    last_line: str


def run_local_workers(command: list[str], count: int, log_dir: str | Path | None = None,
                      timeout: float | None = None) -> int:
    """Run `command` as `count` workers of a cluster on 127.0.0.1 and wait for all of them.

    Each worker gets TF_CONFIG (its place in the cluster) and an equal share of the cores for TensorFlow's
    threads. Worker 0, the chief, writes to this process's stdout and stderr; worker i > 0 to
    `log_dir`/worker-i.log (a temporary folder by default). Returns the chief's exit code once every worker
    has ended; a worker that fails first ends the others and raises PipelineError with its last log line.
    Ctrl-C (or `timeout` seconds) ends them all.
    """
    if not 1 <= count <= MAX_LOCAL_WORKERS:
        raise PipelineError(f"--local-workers must be between 1 and {MAX_LOCAL_WORKERS}, not {count}")
    addresses = tuple(f"{LOCALHOST}:{port}" for port in free_ports(count))
    threads = str(max(1, (os.cpu_count() or 1) // count))
    with tempfile.TemporaryDirectory(prefix="postag-workers-") as scratch:
        logs = Path(log_dir or scratch)
        logs.mkdir(parents=True, exist_ok=True)
        processes: list[subprocess.Popen] = []
        log_files = []
        try:
            for index in range(count):
                env = {**os.environ, "TF_CONFIG": Cluster(addresses, index).tf_config()}
                env.setdefault("TF_NUM_INTRAOP_THREADS", threads)
                if index == 0:
                    output = None  # the chief's progress and results are the user's
                else:
                    output = open(logs / f"worker-{index}.log", "wb")  # noqa: SIM115 (closed below)
                    log_files.append(output)
                processes.append(subprocess.Popen(command, env=env, stdout=output,
                                                  stderr=None if output is None else subprocess.STDOUT,
                                                  preexec_fn=_end_with_parent))
            failure = _wait(processes, logs, timeout)
        except KeyboardInterrupt:
            _stop(processes, GRACE_SECONDS)
            raise
        finally:
            _stop(processes, 0.0)
            for file in log_files:
                file.close()
        if failure is not None:
            raise PipelineError(f"worker {failure.index} of {count} failed (exit code {failure.returncode}): "
                                f"{failure.last_line or 'no output'}")
        return processes[0].returncode


def _wait(processes: list[subprocess.Popen], logs: Path, timeout: float | None) -> WorkerFailure | None:
    """Wait until every worker has ended, or one other than the chief fails (then the rest cannot go on)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while any(process.poll() is None for process in processes):
        for index, process in enumerate(processes):
            if index and process.returncode not in (None, 0):
                return WorkerFailure(index, process.returncode, _last_line(logs / f"worker-{index}.log"))
        if processes[0].returncode not in (None, 0):
            return None  # the chief has told the user why
        if deadline is not None and time.monotonic() > deadline:
            raise PipelineError(f"the workers did not finish within {timeout:g} s")
        time.sleep(0.2)
    for index, process in enumerate(processes[1:], start=1):
        if process.returncode != 0 and processes[0].returncode == 0:
            return WorkerFailure(index, process.returncode, _last_line(logs / f"worker-{index}.log"))
    return None


def _stop(processes: list[subprocess.Popen], grace: float) -> None:
    """End every worker still running: after `grace` seconds on their own, SIGTERM, then SIGKILL (a worker
    may catch SIGTERM and go on)."""
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# TensorFlow's own log lines ("E0000 00:00:... file.cc:123] ..."), which follow the error as a worker shuts down.
_NATIVE_LOG = re.compile(r"^[IWEF]\d{4} ")


def _last_line(path: Path) -> str:
    """The last line of a worker's log that says something: the error, not TensorFlow's shutdown chatter."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return ""
    said = [line for line in lines if line and not _NATIVE_LOG.match(line)]
    return (said or [line for line in lines if line] or [""])[-1][:300]


def _end_with_parent() -> None:
    """In a worker, before it runs: the kernel kills it when the process that started it dies, so a killed
    `postag train --local-workers` leaves no worker behind (Linux; elsewhere the `finally` must do).

    SIGKILL, because a worker under MultiWorkerMirroredStrategy catches SIGTERM (TensorFlow's preemption
    notice) and goes on.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
