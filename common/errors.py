"""The one base class of every error a user can cause; the CLI catches it once and prints one line."""

ECHO_LIMIT = 80  # characters of a user's string (a name, a token, a value) that an error message repeats


class PostagError(ValueError):
    """Bad input from a user: a corpus line, a missing file or model, an option value. Exit code 2."""


def shorten(text: object, limit: int = ECHO_LIMIT) -> str:
    """`text` cut to `limit` characters with an ellipsis in the middle: a 100,000-character name must not fill
    the screen, and a long path keeps its end, the file's own name."""
    text = str(text)
    if len(text) <= limit:
        return text
    head = max(limit - 1, 0) * 2 // 3
    tail = max(limit - 1 - head, 0)
    return text[:head] + "…" + (text[-tail:] if tail else "")


def quoted(text: object, limit: int = ECHO_LIMIT) -> str:
    """repr() of the shortened text, for messages that show a user's string in quotes: 'word…'."""
    return repr(shorten(text, limit))
