"""`postag serve`: the tagger as an HTTP server for other programs, and a page for people (pipelines.serving).

Thin: it reads the options into ServeSettings, loads and checks the models, binds the socket (so a port in
use is one line, exit 2) and hands the app to uvicorn. With --workers N, uvicorn starts N processes that each
build the same app from the settings (passed as JSON in the environment) and load the models themselves.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import tempfile
from pathlib import Path
from typing import Annotated

from .options import option
from .terminal import say, user_errors


@user_errors
def serve(
    models: Annotated[list[str], option("--model", "A model to serve, repeatable: a shipped name (en_ewt), a model "
                                        "directory (served under its folder's name) or NAME=DIR; the first is the "
                                        "default (default: $POSTAG_MODEL, else en_ewt).", "-m")] = [],  # noqa: B006
    host: Annotated[str, option("--host", "Address to listen on. Another than the loopback needs an API key.")]
    = "127.0.0.1",
    port: Annotated[int, option("--port", "Port to listen on.", "-p")] = 8000,
    workers: Annotated[int, option("--workers", "Server processes (uvicorn's workers), each with the models "
                                   "loaded.", "-w")] = 1,
    api_key_file: Annotated[Path | None, option("--api-key-file", "A file holding the API key that POST /v1/tag "
                                                "requests must send (default: $POSTAG_API_KEY).")] = None,
    max_body_mb: Annotated[float, option("--max-body-mb", "Largest request body, in MB (413 past it).")] = 4.0,
    max_sentences: Annotated[int, option("--max-sentences", "Most sentences a request may hold.")] = 20_000,
    max_words: Annotated[int, option("--max-words", "Most words a request may hold.")] = 250_000,
    timeout: Annotated[float, option("--timeout", "Seconds a request may take (503 past it).")] = 30.0,
    batch_window_ms: Annotated[float, option("--batch-window-ms", "How long the first waiting request waits for "
                                             "others to tag with it, in milliseconds.")] = 1.0,
    batch_words: Annotated[int, option("--batch-words", "Most words tagged in one batch.")] = 4096,
    batching: Annotated[bool, option("--batching/--no-batching", "Tag concurrent requests together (off: each "
                                     "alone, for comparison).")] = True,
    allow_origins: Annotated[list[str], option("--allow-origin", "A web page origin allowed to call the API from "
                                               "a browser (CORS), repeatable, e.g. https://example.org.")]
    = [],  # noqa: B006
    threads: Annotated[int | None, option("--threads", "Tagging threads in each process (default: the cores "
                                          "shared among the workers).")] = None,
    access_log: Annotated[bool, option("--access-log/--no-access-log", "Log every request (uvicorn's access "
                                       "log).")] = True,
) -> None:
    """Serve models over HTTP: POST /v1/tag, GET /v1/models, /healthz, /metrics, and a page at /."""
    import uvicorn

    from pipelines.errors import PipelineError
    from pipelines.serving.requests import Limits
    from pipelines.serving.settings import (
        SETTINGS_VARIABLE,
        ServeSettings,
        check_exposure,
        model_names,
        read_api_key,
    )

    if workers < 1 or port < 0 or port > 65535 or timeout <= 0 or max_body_mb <= 0 or batch_words < 1:
        raise PipelineError("--workers, --batch-words, --timeout and --max-body-mb must be positive and --port "
                            "from 0 to 65535")
    api_key = read_api_key(api_key_file)
    check_exposure(host, api_key)
    settings = ServeSettings(
        models=model_names(models), host=host, port=port, workers=workers, api_key=api_key,
        limits=Limits(int(max_body_mb * 1_000_000), max_sentences, max_words, timeout), batching=batching,
        batch_window_ms=batch_window_ms, batch_words=batch_words, allow_origins=tuple(allow_origins),
        threads=threads)
    # SIGTERM: uvicorn finishes the requests in flight, then the process exits 0 (not killed by the signal).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    options = dict(log_level="info", access_log=access_log, server_header=False, lifespan="on")
    listening = _bind(host, port)  # a port in use is the user's to fix: one line, before anything loads
    names = ", ".join(name for name, _ in settings.models)
    if workers == 1:
        from pipelines.serving.app import create_app, load_models

        app = create_app(load_models(settings), settings)
        say(f"serving {names} at {_address(host, listening.getsockname()[1])} (the page at /, the API at "
            f"/v1/tag)", err=True)
        uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[listening])
        return
    from tagger import model_info

    for _, reference in settings.models:  # checked here, so that a bad model is one line, not N tracebacks
        model_info(reference)
    listening.close()
    with tempfile.TemporaryDirectory(prefix="postag-metrics-") as metrics_dir:
        os.environ[SETTINGS_VARIABLE] = settings.to_json()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        say(f"serving {names} at {_address(host, port)} in {workers} processes", err=True)
        uvicorn.run("pipelines.serving.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, **options)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (OSError, shown as one line, when it is taken or not this machine's)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it
    # every answer waited 40 ms for the client's delayed acknowledgement (Nagle's algorithm).
    listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host.strip("[]"), port))
    except OSError as error:
        listening.close()
        raise OSError(error.errno, f"cannot listen on {host}:{port}: {error.strerror}") from None
    listening.listen(2048)
    listening.set_inheritable(True)
    return listening


def _address(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
