"""What goes to the terminal: the two consoles, user data as literal text, JSON, and user mistakes as one line."""

from __future__ import annotations

import functools
import re
import shlex
import sys

import typer
from rich.console import Console

from common.errors import PostagError, shorten
from common.extras import missing_extra_message

console = Console()
err_console = Console(stderr=True)

USAGE_EXIT = 2  # bad input from the user: a corpus line, a missing file or model, an unknown option value
INTERRUPTED_EXIT = 130

MESSAGE_LIMIT = 2000  # characters of an error line: the file and line come first, so they always show

# Control characters and everything str.splitlines() breaks at: written as escapes, they cannot break the line.
_LINE_BREAKING = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(message: str) -> str:
    """The message as one line of bounded length: a path or a word may hold line ends or be huge."""
    escaped = _LINE_BREAKING.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), message)
    return shorten(escaped, MESSAGE_LIMIT)


def _os_error_message(error: OSError) -> str:
    where = f"{shorten(error.filename)}: " if error.filename is not None else ""
    return f"{where}{error.strerror or error}"


def user_errors(command):
    """Turn a user mistake into one line on stderr and exit code 2; a bug still shows its traceback.

    An OSError (a file that cannot be read or written, a name too long, a full disk) is the machine's
    answer to what the user asked for, not a bug in postag: it is shown the same way. So is a module of an
    optional extra that is not installed (TensorFlow in the light install): one line naming the extra.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(INTERRUPTED_EXIT) from None
        except ModuleNotFoundError as error:
            message = missing_extra_message(error)
            if message is None:
                raise
            _print_error(message)
            raise typer.Exit(USAGE_EXIT) from None
        except (PostagError, OSError) as error:
            message = _os_error_message(error) if isinstance(error, OSError) else str(error)
            _print_error(message)
            raise typer.Exit(USAGE_EXIT) from None

    return wrapper


def _print_error(message: str) -> None:
    # One line, never read as Rich markup: user data ("[via ...", a path with a line end) stays text.
    err_console.print("[red]error:[/red] ", text(one_line(message)), sep="", highlight=False, soft_wrap=True)


def text(value):
    """User data (words, tags, paths) as literal text: never read as Rich markup."""
    from rich.text import Text

    return Text(str(value))


def say(message: str, err: bool = False) -> None:
    """One message that may hold user data: printed as it is, never as markup, never wrapped mid-word."""
    (err_console if err else console).print(text(message), soft_wrap=True)


def megabytes(size: int | None) -> str:
    return "-" if size is None else f"{size / 1e6:.1f} MB"


def print_json(data) -> None:
    """Data (dataclasses, lists of them, dicts) as indented JSON on stdout."""
    import dataclasses
    import json

    if dataclasses.is_dataclass(data):
        data = dataclasses.asdict(data)
    elif isinstance(data, list):
        data = [dataclasses.asdict(item) if dataclasses.is_dataclass(item) else item for item in data]
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def training_interrupted(result, output) -> None:
    """Exit 130 after Ctrl-C stopped a training, saying what was kept."""
    where = f"; the best epoch so far ({result.best_epoch}) is saved in {output}" if result.best_epoch else ""
    err_console.print(text(f"training interrupted{where}"))
    raise typer.Exit(INTERRUPTED_EXIT)


def command_line(context: typer.Context) -> str:
    """The running command as it could be typed again: `postag`, the subcommands, and every option and argument
    the user gave (defaults left out), read from the parsed parameters. Written into reports and models."""
    parts = ["postag", *context.command_path.split()[1:]]
    for parameter in context.command.params:
        source = context.get_parameter_source(parameter.name)
        value = context.params.get(parameter.name)
        if source is None or source.name == "DEFAULT" or value is None:
            continue
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if parameter.param_type_name == "argument":
            parts += [str(item) for item in values]
        elif getattr(parameter, "is_flag", False) and isinstance(value, bool):
            parts += (parameter.opts if value else parameter.secondary_opts)[:1]
        else:
            for item in values:
                parts += [parameter.opts[0], str(item)]
    return shlex.join(parts)
