"""The `postag serve` application: a Starlette app that uvicorn runs.

    POST /v1/tag      tag raw text or sentences of words (pipelines.serving.requests says what a body holds)
    GET  /v1/models   the served models: tagsets and tags, language, corpus, licence, scores; the limits
    GET  /healthz     200 once the models are loaded
    GET  /metrics     Prometheus text format (pipelines.serving.metrics)
    GET  /            the page for people (page/index.html: no network, no CDN)

The models are loaded once, before the app is built; a request names one by its served name, never a path.
Reading a body, parsing and tokenizing it and writing the answer run in threads, tagging in the batcher's
thread (pipelines.serving.batching): the event loop only moves bytes. Every answer that is not a success is
JSON `{"error": message, "status": code}`; bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from pipelines.tagging.stream import tag_sentences

from .batching import Batcher
from .metrics import Metrics, MetricsMiddleware
from .requests import ApiError, Limits, parse_body, read_request
from .settings import SETTINGS_VARIABLE, ServeSettings
from .tagging import ServedModel, answer, error_body, load_model, prepare

PAGE = Path(__file__).parent / "page" / "index.html"
JSON_TYPE = "application/json"
CLIENT_GONE = 499  # nothing is sent: the client closed the connection


class Serving:
    """What the handlers share: the models, the limits, the batcher, the metrics, the API key."""

    def __init__(self, models: dict[str, ServedModel], settings: ServeSettings, metrics: Metrics):
        self.models = models
        self.default = next(iter(models))
        self.tagsets = {name: served.tagsets for name, served in models.items()}
        self.limits: Limits = settings.limits
        self.api_key = settings.api_key
        self.metrics = metrics
        self.batcher = Batcher(self._tag, window=settings.batch_window_ms / 1000, max_words=settings.batch_words,
                               batching=settings.batching, on_batch=metrics.observe_batch)

    def _tag(self, key, sentences):
        name, options = key
        return tag_sentences(self.models[name].tagger, sentences, options)


def create_app(models: dict[str, ServedModel], settings: ServeSettings) -> Starlette:
    """The app over models already loaded (the first is the default)."""
    if not models:
        raise ValueError("create_app needs at least one model")
    metrics = Metrics()
    serving = Serving(models, settings, metrics)
    page, page_policy = _page()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        # Parsing, tokenizing and writing answers hold the GIL: more threads than twice the cores only add
        # memory (an allocator arena each) and switching, not speed.
        import os

        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = max(4, 2 * (os.cpu_count() or 1))
        serving.batcher.start()
        try:
            yield
        finally:  # uvicorn gets here after the requests in flight are answered (SIGTERM drains them)
            await serving.batcher.close()

    async def tag_endpoint(request: Request) -> Response:
        return await _tag(request, serving)

    async def models_endpoint(request: Request) -> Response:
        limits = serving.limits
        return _json({"default": serving.default, "api_key_required": serving.api_key is not None,
                      "limits": {"max_body_bytes": limits.max_body_bytes, "max_sentences": limits.max_sentences,
                                 "max_words": limits.max_words, "timeout_seconds": limits.timeout_seconds},
                      "models": [served.description for served in models.values()]})

    async def health_endpoint(request: Request) -> Response:
        return _json({"status": "ok", "models": list(models)})

    async def metrics_endpoint(request: Request) -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    async def page_endpoint(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers={
            "Content-Security-Policy": page_policy, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})

    middleware = [Middleware(MetricsMiddleware, metrics=metrics)]
    if settings.allow_origins:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(CORSMiddleware, allow_origins=list(settings.allow_origins),
                                     allow_methods=["GET", "POST"],
                                     allow_headers=["Authorization", "Content-Type", "X-API-Key"]))
    return Starlette(
        routes=[Route("/v1/tag", tag_endpoint, methods=["POST"]),
                Route("/v1/models", models_endpoint, methods=["GET"]),
                Route("/healthz", health_endpoint, methods=["GET"]),
                Route("/metrics", metrics_endpoint, methods=["GET"]),
                Route("/", page_endpoint, methods=["GET"])],
        middleware=middleware,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """The app of the settings in $POSTAG_SERVE_SETTINGS: how each of uvicorn's worker processes builds it."""
    import os

    settings = ServeSettings.from_json(os.environ[SETTINGS_VARIABLE])
    return create_app(load_models(settings), settings)


def load_models(settings: ServeSettings) -> dict[str, ServedModel]:
    return {name: load_model(name, reference, settings.tagger_threads) for name, reference in settings.models}


# ---- POST /v1/tag ------------------------------------------------------------------------------------------

async def _tag(request: Request, serving: Serving) -> Response:
    _check_key(request, serving.api_key)
    loop = asyncio.get_running_loop()
    limits = serving.limits
    deadline = loop.time() + limits.timeout_seconds
    try:
        body = await asyncio.wait_for(_read_body(request, limits.max_body_bytes), limits.timeout_seconds)
    except asyncio.TimeoutError:
        raise ApiError(408, f"the body did not arrive within {limits.timeout_seconds:g} s") from None
    except ClientDisconnect:
        return Response(status_code=CLIENT_GONE)
    accept = request.headers.get("accept")
    work = asyncio.ensure_future(_answer(body, accept, serving))
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        done, _ = await asyncio.wait({work, gone}, timeout=max(deadline - loop.time(), 0.001),
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if work in done:
        content, media_type = work.result()  # an ApiError goes to its handler
        return Response(content, media_type=media_type)
    work.cancel()  # its parts not yet tagged are dropped from the batches
    if gone in done:
        return Response(status_code=CLIENT_GONE)
    raise ApiError(503, f"tagging took longer than this server's limit of {limits.timeout_seconds:g} s a "
                        f"request; send less text at a time")


async def _answer(body: bytes, accept: str | None, serving: Serving) -> tuple[bytes, str]:
    job = await run_in_threadpool(_prepare, body, accept, serving)
    results = await asyncio.gather(*[serving.batcher.tag((job.served.name, options), job.flat)
                                     for options in job.options])
    serving.metrics.tokens.labels(job.served.name).inc(job.words)
    return await run_in_threadpool(answer, job, results)


def _prepare(body: bytes, accept: str | None, serving: Serving):
    tag_request = read_request(parse_body(body), serving.tagsets, serving.default, accept, serving.limits)
    return prepare(tag_request, serving.models[tag_request.model], serving.limits)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to pass `limit`: from Content-Length before a byte
    is read, else once the bytes read pass it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is {int(declared):,} bytes; this server takes at most {limit:,}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the body passes {limit:,} bytes, the most this server takes")
    return bytes(body)


async def _disconnected(request: Request) -> None:
    """Returns when the client has closed the connection (the body has been read: only that can come)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _check_key(request: Request, api_key: str | None) -> None:
    if api_key is None:
        return
    given = request.headers.get("x-api-key")
    if given is None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else None
    if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"), api_key.encode("utf-8")):
        raise ApiError(401, "this server wants an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")


# ---- answers -----------------------------------------------------------------------------------------------

def _json(data) -> Response:
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), media_type=JSON_TYPE)


async def _api_error(request: Request, error: ApiError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return Response(error_body(error.status, error.message), status_code=error.status, media_type=JSON_TYPE,
                    headers=headers)


async def _http_error(request: Request, error: HTTPException) -> Response:
    """Starlette's own refusals (no such path, a method a path does not take) as JSON too."""
    messages = {404: f"no such path: {request.url.path[:200]}; the API is POST /v1/tag, GET /v1/models, "
                     f"GET /healthz, GET /metrics, and the page at /",
                405: f"{request.method} is not allowed on {request.url.path}"}
    message = messages.get(error.status_code, str(error.detail))
    return Response(error_body(error.status_code, message), status_code=error.status_code, media_type=JSON_TYPE,
                    headers=getattr(error, "headers", None))


def _page() -> tuple[bytes, str]:
    """The page, and a Content-Security-Policy that lets its own inline script and style run and nothing else
    (no other origin, no injected script), connecting only to this server."""
    html = PAGE.read_text(encoding="utf-8")
    hashes = {}
    for tag in ("script", "style"):
        hashes[tag] = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"
            for body in re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL))
    policy = (f"default-src 'none'; script-src {hashes['script']}; style-src {hashes['style']}; "
              f"connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
              f"frame-ancestors 'none'")
    return html.encode("utf-8"), policy
