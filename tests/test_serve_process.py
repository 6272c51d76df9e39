"""`postag serve` as a process on 127.0.0.1: SIGTERM drains, a disconnect costs nothing further, a body past
the cap is refused unread, several workers share their metrics, and start-up mistakes are one line."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from server_process import REPO, free_port, request, running_server

LONG_TEXT = "Time flies like an arrow, and fruit flies like a banana. " * 4000  # 52,000 words


def metric(base: str, name: str) -> float:
    """The sum of a metric's samples whose line starts with `name` (labels included in `name` or not)."""
    text = request(base + "/metrics")[2].decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def raw_http(port: int, head: str, body: bytes = b"", read: bool = True, timeout: float = 30) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(head.encode("latin-1") + body)
        if not read:
            return b""
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def test_sigterm_lets_the_request_in_flight_finish_then_exits():
    with running_server() as (base, process):
        answers = []
        sender = threading.Thread(target=lambda: answers.append(request(base + "/v1/tag", {"text": LONG_TEXT})))
        sender.start()
        time.sleep(0.5)  # the request is being tagged
        process.send_signal(signal.SIGTERM)
        sender.join(60)
        assert process.wait(30) == 0
    status, _, body = answers[0]
    assert status == 200
    assert sum(len(s["words"]) for s in json.loads(body)["sentences"]) == 13 * 4000


def test_a_client_that_disconnects_costs_nothing_further():
    with running_server("--batch-words", "1024") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        body = json.dumps({"text": LONG_TEXT}).encode()
        head = (f"POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(head.encode() + body)
            deadline = time.monotonic() + 30
            while metric(base, "postag_batch_words_count") == 0 and time.monotonic() < deadline:
                time.sleep(0.02)  # until its first part is tagged
        # The connection is closed: the parts not yet tagged are dropped.
        time.sleep(1.5)
        tagged = metric(base, "postag_batch_words_sum")
        assert 0 < tagged < 52_000 / 2, tagged
        assert metric(base, "postag_tokens_tagged_total") == 0  # no answer was made
        time.sleep(1.0)
        assert metric(base, "postag_batch_words_sum") == tagged  # and nothing more is tagged for it
        assert request(base + "/v1/tag", {"text": "Still here."})[0] == 200


def test_a_body_past_the_cap_is_refused_without_being_read():
    with running_server("--max-body-mb", "1") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        # Only the head is sent: the answer comes all the same, and at once.
        started = time.monotonic()
        answer = raw_http(port, "POST /v1/tag HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                "Content-Length: 1000000000\r\n\r\n")
        assert time.monotonic() - started < 10
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        assert "1,000,000,000 bytes" in json.loads(body)["error"]


def test_several_workers_answer_and_share_their_metrics():
    with running_server("--workers", "2") as (base, _):
        for index in range(6):
            status, _, body = request(base + "/v1/tag", {"text": f"Request number {index} is here."})
            assert status == 200 and json.loads(body)["model"] == "en_ewt"
        assert metric(base, 'postag_http_requests_total{path="/v1/tag",status="200"}') == 6


def run_serve(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, str(REPO / "cli.py"), "serve", *arguments], cwd=REPO, timeout=60,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("arguments, words", [
    (["--host", "0.0.0.0"], "API key"),
    (["--model", "no_such_model"], "no model"),
    (["--workers", "0"], "positive"),
    (["--api-key-file", "/no/such/key"], "no/such/key"),
])
def test_start_up_mistakes_are_one_line(arguments, words):
    done = run_serve(*arguments, "--port", str(free_port()))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr, done.stderr


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        done = run_serve("--port", str(taken.getsockname()[1]))
    assert done.returncode == 2
    assert re.fullmatch(r"error: cannot listen on 127\.0\.0\.1:\d+: .+\n", done.stderr), done.stderr


def test_an_api_key_file_guards_tagging(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("s3cret-key-" * 3 + "\n", encoding="utf-8")
    with running_server("--api-key-file", str(key_file)) as (base, _):
        assert request(base + "/v1/tag", {"text": "Hi."})[0] == 401
        assert request(base + "/v1/tag", {"text": "Hi."}, {"Authorization": "Bearer " + "s3cret-key-" * 3})[0] == 200


def test_answers_on_a_kept_connection_do_not_wait_for_acknowledgements():
    """TCP_NODELAY on the server's connections: without it every answer waited 40 ms (Nagle's algorithm against
    the client's delayed acknowledgement)."""
    import http.client

    with running_server() as (base, _):
        connection = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=30)
        times = []
        for _ in range(20):
            started = time.perf_counter()
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            times.append(time.perf_counter() - started)
        connection.close()
    assert sorted(times)[10] < 0.02, times
