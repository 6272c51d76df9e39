"""The one base class of every error a user can cause; the CLI catches it once and prints one line."""


class PostagError(ValueError):
    """Bad input from a user: a corpus line, a missing file or model, an option value. Exit code 2."""
