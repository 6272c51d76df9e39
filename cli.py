"""The `postag` command line: parse options, call one pipeline, render the result with Rich.

No logic lives here. TensorFlow is imported only inside the commands that need it, so `postag --help`
and `postag corpora list` stay fast.
"""

from __future__ import annotations

import functools
import sys

import typer
from rich.console import Console

app = typer.Typer(
    name="postag",
    help="Part-of-speech tagging: tag text files, train taggers on your corpora, compare architectures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
corpora_app = typer.Typer(help="Named corpora: list, inspect, download.", no_args_is_help=True)
sanity_app = typer.Typer(help="Sanity checks of the deep-learning block and of the TensorFlow install.",
                         no_args_is_help=True)
app.add_typer(corpora_app, name="corpora")
app.add_typer(sanity_app, name="sanity")

console = Console()
err_console = Console(stderr=True)

USAGE_EXIT = 2  # bad input from the user: a corpus line, a missing file or model, an unknown option value


def _user_error_types() -> tuple[type[BaseException], ...]:
    from corpora import CorpusError

    types: list[type[BaseException]] = [CorpusError]
    if "tagger" in sys.modules:  # only when the command already needed TensorFlow
        from tagger import ConfigError, ModelError

        types += [ModelError, ConfigError]
    from pipelines.errors import PipelineError

    types.append(PipelineError)
    return tuple(types)


def user_errors(command):
    """Turn a user mistake into one line on stderr and exit code 2; a bug still shows its traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as error:
            if isinstance(error, _user_error_types()):
                err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
                raise typer.Exit(USAGE_EXIT) from None
            raise

    return wrapper


def main() -> None:
    app()


if __name__ == "__main__":
    main()
