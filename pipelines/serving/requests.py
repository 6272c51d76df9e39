"""A `POST /v1/tag` body read and checked: every way it can be wrong is an ApiError with a status and a message.

    {"text": "Acme Inc. isn't here."}                          raw text, split by the model's tokenizer
    {"sentences": [["Acme", "Inc."], ["Bye", "."]]}            words already split, one list per sentence
    optional: "model" (a served name; default the first), "tagset" ("upos", "xpos", "both"; default the
    model's first), "top_k" (1 to MAX_TOP_K), "format" ("json", "conllu", "tsv"; default from Accept, else json)

400: not JSON, not UTF-8, not an object; 404: a model that is not served; 406: an Accept header that allows
none of the formats; 413: more sentences or words than the server takes; 422: an unknown field, a wrong
type, both or neither of text and sentences, an unknown tagset or format, a top_k out of range.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from common.errors import quoted, shorten

FIELDS = ("text", "sentences", "model", "tagset", "top_k", "format")
FORMATS = ("json", "conllu", "tsv")
BOTH = "both"
MAX_TOP_K = 50
# Media types of each format; CoNLL-U has no registered one, so the common unregistered names are accepted.
MEDIA_TYPES = {
    "application/json": "json",
    "text/x-conllu": "conllu",
    "text/conllu": "conllu",
    "text/tab-separated-values": "tsv",
}
CONTENT_TYPES = {"json": "application/json", "conllu": "text/x-conllu; charset=utf-8",
                 "tsv": "text/tab-separated-values; charset=utf-8"}
# A word may not hold what would break a line of TSV or CoNLL-U output.
_LINE_BREAKING = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class ApiError(Exception):
    """A request the server does not tag: an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class TagRequest:
    model: str
    tagset: str  # a head of the model, or "both"
    top_k: int
    format: str  # json, conllu or tsv
    text: str | None = None
    sentences: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; past these it is answered 413 (or 503 for time)."""

    max_body_bytes: int = 4_000_000  # 4 MB, as `postag serve --max-body-mb 4`
    max_sentences: int = 20_000
    max_words: int = 250_000
    timeout_seconds: float = 30.0


def parse_body(body: bytes) -> dict:
    """The JSON object of a body (400 when it is not one)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(400, f"the body is not UTF-8 (byte {error.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ApiError(400, f"the body is not JSON: {error.msg} at line {error.lineno} column {error.colno}") \
            from None
    except (ValueError, RecursionError) as error:  # an integer of thousands of digits; nesting too deep
        raise ApiError(400, f"the body is not JSON that can be read: {shorten(error)}") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"the body must be a JSON object such as {{\"text\": \"...\"}}, not "
                            f"{_json_type(data)}")
    return data


def read_request(data: dict, models: dict[str, tuple[str, ...]], default_model: str, accept: str | None,
                 limits: Limits) -> TagRequest:
    """A checked request from a body's object; `models`: each served name and its tagsets."""
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        raise ApiError(422, f"unknown field {quoted(unknown[0])}; the fields are {', '.join(FIELDS)}")
    model = _optional(data, "model", str, default_model)
    if model not in models:
        raise ApiError(404, f"no model {quoted(model)} is served here; served: {', '.join(models)} "
                            f"(GET /v1/models lists them)")
    tagsets = models[model]
    tagset = _optional(data, "tagset", str, tagsets[0])
    if tagset != BOTH and tagset not in tagsets:
        raise ApiError(422, f"model {model} tags with {', '.join(tagsets)}; tagset {quoted(tagset)} is not one of "
                            f"them" + (" (or both)" if len(tagsets) > 1 else ""))
    if tagset == BOTH and len(tagsets) < 2:
        raise ApiError(422, f"model {model} has one tagset ({tagsets[0]}): tagset both needs two")
    top_k = _optional(data, "top_k", int, 1)
    if not 1 <= top_k <= MAX_TOP_K:
        raise ApiError(422, f"top_k must be from 1 to {MAX_TOP_K}, not {top_k}")
    output_format = _optional(data, "format", str, None) or format_from_accept(accept)
    if output_format not in FORMATS:
        raise ApiError(422, f"format must be one of {', '.join(FORMATS)}, not {quoted(output_format)}")
    if output_format == "conllu" and top_k > 1:
        raise ApiError(422, "top_k > 1 shows probabilities, which CoNLL-U has no column for: ask for json or tsv")
    if output_format == "tsv" and tagset == BOTH:
        raise ApiError(422, "tsv shows one tagset: ask for upos or xpos, or for conllu (both columns) or json")
    if ("text" in data) == ("sentences" in data):
        raise ApiError(422, "give either text (raw text) or sentences (lists of words), not "
                            + ("both" if "text" in data else "neither"))
    if "text" in data:
        text = data["text"]
        if not isinstance(text, str):
            raise ApiError(422, f"text must be a string, not {_json_type(text)}")
        return TagRequest(model, tagset, top_k, output_format, text=text)
    return TagRequest(model, tagset, top_k, output_format, sentences=_sentences(data["sentences"], limits))


def format_from_accept(accept: str | None) -> str:
    """The format an Accept header prefers (json when it names none of them but allows anything)."""
    if not accept or not accept.strip():
        return "json"
    choices = []
    for position, item in enumerate(accept.split(",")):
        media, _, parameters = item.partition(";")
        media = media.strip().lower()
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not quality > 0:  # q=0 refuses the type (and a q that is not a number counts as 0)
            continue
        if media in MEDIA_TYPES:
            choices.append((-quality, position, MEDIA_TYPES[media]))
        elif media in ("*/*", "application/*", "text/*"):
            choices.append((-quality, position, "json" if media != "text/*" else "tsv"))
    if not choices:
        raise ApiError(406, f"Accept allows none of {', '.join(MEDIA_TYPES)} ({shorten(accept)}); or set "
                            f"\"format\" in the body")
    return min(choices)[2]


def _optional(data: dict, key: str, kind: type, default):
    if key not in data:
        return default
    value = data[key]
    # JSON's true and false are not numbers here, though Python counts bool as int.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ApiError(422, f"{key} must be {'a string' if kind is str else 'a whole number'}, not "
                            f"{_json_type(value)}")
    return value


def _sentences(value, limits: Limits) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise ApiError(422, f"sentences must be a list of lists of words, not {_json_type(value)}")
    if len(value) > limits.max_sentences:
        raise ApiError(413, f"{len(value):,} sentences: this server takes at most {limits.max_sentences:,} a request")
    words = 0
    for number, sentence in enumerate(value):
        if not isinstance(sentence, list):
            raise ApiError(422, f"sentence {number} must be a list of words, not {_json_type(sentence)}")
        words += len(sentence)
        if words > limits.max_words:
            raise ApiError(413, f"more than {limits.max_words:,} words: this server takes at most that many a "
                                f"request")
        for position, word in enumerate(sentence):
            if not isinstance(word, str):
                raise ApiError(422, f"sentence {number}, word {position}: a word must be a string, not "
                                    f"{_json_type(word)}")
            if not word or word.isspace():
                raise ApiError(422, f"sentence {number}, word {position}: an empty or all-whitespace word")
            if not _LINE_BREAKING.isdisjoint(word):
                raise ApiError(422, f"sentence {number}, word {position}: {quoted(word)} holds a tab or a line "
                                    f"break")
    return tuple(tuple(sentence) for sentence in value)


def check_size(sentences: int, words: int, limits: Limits) -> None:
    """413 for a text that split into more sentences or words than a request may hold."""
    if sentences > limits.max_sentences:
        raise ApiError(413, f"the text holds {sentences:,} sentences: this server takes at most "
                            f"{limits.max_sentences:,} a request; send it in parts")
    if words > limits.max_words:
        raise ApiError(413, f"the text holds {words:,} words: this server takes at most {limits.max_words:,} a "
                            f"request; send it in parts")


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
