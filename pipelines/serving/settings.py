"""What `postag serve` was asked for: the models by name, where to listen, the API key, limits and batching.

The settings travel to uvicorn's worker processes as JSON in an environment variable (SETTINGS_VARIABLE):
each worker builds the same app from them (pipelines.serving.app.app_from_environment).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import quoted, shorten
from pipelines.errors import PipelineError

from .requests import Limits

SETTINGS_VARIABLE = "POSTAG_SERVE_SETTINGS"
API_KEY_VARIABLE = "POSTAG_API_KEY"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class ServeSettings:
    models: tuple[tuple[str, str], ...]  # (name requests use, shipped name or directory), the first the default
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    api_key: str | None = None
    limits: Limits = field(default_factory=Limits)
    batching: bool = True
    batch_window_ms: float = 1.0
    batch_words: int = 4096
    allow_origins: tuple[str, ...] = ()
    threads: int | None = None  # the tagger's batches side by side in each worker (default: cores / workers)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeSettings:
        data = json.loads(text)
        data["models"] = tuple(tuple(pair) for pair in data["models"])
        data["allow_origins"] = tuple(data["allow_origins"])
        data["limits"] = Limits(**data["limits"])
        return cls(**data)

    @property
    def tagger_threads(self) -> int:
        return self.threads or max(1, (os.cpu_count() or 1) // max(1, self.workers))


def model_names(models: list[str]) -> tuple[tuple[str, str], ...]:
    """(name, reference) of each --model: NAME=DIR names a directory; a shipped model is its own name; any
    other directory is named by its folder. Default: the default model alone."""
    from tagger import default_model

    pairs, seen = [], set()
    for given in models or [default_model()]:
        name, separator, reference = given.partition("=")
        if not separator:
            name, reference = Path(given.rstrip("/\\")).name or given, given
        if not _NAME.match(name):
            raise PipelineError(f"--model {quoted(given)}: a served name is letters, digits, '_', '.' or '-' "
                                f"(at most 64); name it with --model NAME=DIR")
        if name in seen:
            raise PipelineError(f"--model: two models named {quoted(name)}; name one with --model NAME=DIR")
        seen.add(name)
        pairs.append((name, reference))
    return tuple(pairs)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_api_key(key_file: Path | None) -> str | None:
    """The API key of --api-key-file, else of $POSTAG_API_KEY, else None."""
    if key_file is not None:
        try:
            key = Path(key_file).read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            raise PipelineError(f"{shorten(key_file)}: the API key file is not UTF-8 text") from None
        if not key:
            raise PipelineError(f"{shorten(key_file)}: the API key file is empty")
        return key
    key = os.environ.get(API_KEY_VARIABLE, "").strip()
    return key or None


def check_exposure(host: str, api_key: str | None) -> None:
    """Another host than the loopback only with an API key: the tagger would be open to the network."""
    if not is_loopback(host) and api_key is None:
        raise PipelineError(f"--host {shorten(host)} opens the server to other machines: give an API key with "
                            f"--api-key-file FILE or ${API_KEY_VARIABLE} (clients send it as 'Authorization: Bearer "
                            f"KEY')")
    if api_key is not None and len(api_key) < 16:
        raise PipelineError("the API key is shorter than 16 characters; use a long random one, e.g. from "
                            "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`")
