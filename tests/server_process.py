"""Helpers of the server tests: `postag serve` in a child process on a free loopback port, stopped on the way out.

Every loop here is bounded in time, and the server never outlives the `with` block (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(url: str, body: dict | bytes | None = None, headers: dict | None = None,
            timeout: float = 60) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET (body None) or a POST (a dict is sent as JSON)."""
    data = json.dumps(body).encode("utf-8") if isinstance(body, dict) else body
    sent = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})},
                                  method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(sent, timeout=timeout) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}): {process.stderr.read()[-2000:]}")
        try:
            if request(base + "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {seconds:.0f} s")


@contextlib.contextmanager
def running_server(*arguments: str, env: dict | None = None, command: list[str] | None = None):
    """(base URL, the process) of `postag serve ARGUMENTS --port P` (or `command` with --port P appended)."""
    port = free_port()
    command = (command or [sys.executable, str(REPO / "cli.py"), "serve"]) + [*arguments, "--port", str(port),
                                                                             "--no-access-log"]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, process
    finally:
        stop(process)


def stop(process: subprocess.Popen, seconds: float = 30) -> None:
    """SIGTERM, then SIGKILL to the whole process group if it has not exited in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
