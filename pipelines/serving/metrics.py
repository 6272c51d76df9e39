"""`GET /metrics` in the Prometheus text format, by prometheus_client: requests by path and status, their
latency, tokens tagged, batch sizes, requests in progress.

With several worker processes (`postag serve --workers N`) the parent sets PROMETHEUS_MULTIPROC_DIR before
they start; each worker then writes its values to files there, and whichever worker answers /metrics sums
them all (prometheus_client's multiprocess mode), so a scrape sees the whole server.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Paths are labelled by route; anything else is "other", so random paths cannot grow the label set.
ROUTES = ("/", "/v1/tag", "/v1/models", "/healthz", "/metrics")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
WORD_BUCKETS = (1, 16, 64, 256, 1024, 4096, 16384, 65536)
PART_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    """The server's metrics, in a registry of its own (several apps in one process, as in the tests, each
    count their own)."""

    def __init__(self):
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIR))
        # In multiprocess mode the values live in files; the registry that answers a scrape is built per scrape.
        self.registry = None if self.multiprocess else CollectorRegistry()
        where = {"registry": self.registry}
        self.requests = Counter("postag_http_requests", "HTTP requests answered, by path and status",
                                ["path", "status"], **where)
        self.latency = Histogram("postag_http_request_duration_seconds", "Time from a request's arrival to its "
                                 "answer, by path", ["path"], buckets=LATENCY_BUCKETS, **where)
        self.in_progress = Gauge("postag_http_requests_in_progress", "Requests being answered",
                                 multiprocess_mode="livesum", **where)
        self.tokens = Counter("postag_tokens_tagged", "Words tagged, by model", ["model"], **where)
        self.batch_words = Histogram("postag_batch_words", "Words in each tagging batch", buckets=WORD_BUCKETS,
                                     **where)
        self.batch_parts = Histogram("postag_batch_parts", "Request parts in each tagging batch (a request is one "
                                     "part unless it is long)", buckets=PART_BUCKETS, **where)

    def observe_batch(self, words: int, parts: int) -> None:
        self.batch_words.observe(words)
        self.batch_parts.observe(parts)

    def exposition(self) -> tuple[bytes, str]:
        """(the text format, its content type)."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_label(path: str) -> str:
    return path if path in ROUTES else "other"


class MetricsMiddleware:
    """An ASGI middleware that counts every HTTP answer by path and status and times it."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import time

        started = time.perf_counter()
        status = {"code": 499}  # nginx's "client closed request": no answer was started

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        path = route_label(scope.get("path", ""))
        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, sending)
        except Exception:
            status["code"] = 500
            raise
        finally:
            self.metrics.in_progress.dec()
            self.metrics.requests.labels(path, str(status["code"])).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - started)
