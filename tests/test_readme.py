"""The README says what the code does: its first screen's figures are the shipped model card's and the benchmark
results', and every `postag` command it names exists."""

import json
import re
from pathlib import Path

import pytest
import typer.main

from cli import app

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = README[: README.index("## Quick start")]
CARD = json.loads((REPO / "tagger/pretrained/en_ewt/metrics.json").read_text(encoding="utf-8"))
RUNTIME = json.loads((REPO / "benchmarks/results/runtime.json").read_text(encoding="utf-8"))["cold_start"]
INSTALL = json.loads((REPO / "benchmarks/results/install_size.json").read_text(encoding="utf-8"))


def percent(value: float) -> str:
    return f"{100 * value:.2f}"


# Each pattern of the first screen, and the figures its groups must show, from the file they come from.
FIGURES = [
    (r"takes\s+(\d+(?:\.\d+)?) s and (\d+) MB, median of \d+ cold starts",
     [f"{RUNTIME['median_seconds']:.2f}", f"{RUNTIME['peak_rss_bytes'] / 1e6:.0f}"]),
    (r"Keras path took (\d+(?:\.\d+)?) s and (\d+) MB",
     [f"{RUNTIME['previous_path']['seconds']:.1f}", f"{RUNTIME['previous_path']['peak_rss_bytes'] / 1e6:.0f}"]),
    (r"(\d+(?:\.\d+)?)% UPOS, (\d+(?:\.\d+)?)% XPOS and (\d+(?:\.\d+)?)% UPOS on\s+words unseen",
     [percent(CARD["test"]["accuracy"]), percent(CARD["more_tagsets"]["xpos"]["test"]["accuracy"]),
      percent(CARD["test"]["oov_accuracy"])]),
    (r"tokens (\d+(?:\.\d+)?), sentences (\d+(?:\.\d+)?), UPOS F1 (\d+(?:\.\d+)?),\s+XPOS F1 (\d+(?:\.\d+)?)",
     [percent(CARD["raw_text"]["test"][name]["f1"]) for name in ("tokens", "sentences", "upos", "xpos")]),
    (r"without extras ([\d,]+) MB in (\d+) s, (\d+) packages; with `\[train\]` ([\d,]+) MB in (\d+) s, (\d+) "
     r"packages\. An empty\s+environment is (\d+) MB",
     [f"{INSTALL['rows'][0]['bytes'] / 1e6:,.0f}", f"{INSTALL['rows'][0]['seconds']:.0f}",
      str(INSTALL['rows'][0]['packages']), f"{INSTALL['rows'][1]['bytes'] / 1e6:,.0f}",
      f"{INSTALL['rows'][1]['seconds']:.0f}", str(INSTALL['rows'][1]['packages']),
      f"{INSTALL['empty_environment_bytes'] / 1e6:.0f}"]),
]


def prose(text: str) -> str:
    """The text without its code blocks (commands and their sample output are not figures)."""
    return re.sub(r"```.*?```", "", text, flags=re.S)


@pytest.mark.parametrize("pattern, expected", FIGURES)
def test_first_screen_figures_are_the_card_and_the_results(pattern, expected):
    found = re.search(pattern, FIRST_SCREEN)
    assert found, f"the README's first screen no longer says: {pattern}"
    assert list(found.groups()) == expected


def test_every_figure_on_the_first_screen_is_checked():
    text = prose(FIRST_SCREEN)
    checked = [match.span() for pattern, _ in FIGURES for match in re.finditer(pattern, text)]
    for number in re.finditer(r"(?<![\w.])\d+\.\d+%?", text):
        before = text[max(0, number.start() - 12) : number.start()]
        if re.search(r"(v|BY(-SA)? )$", before):  # a version (v2.16) or a licence (CC BY-SA 4.0)
            continue
        assert any(start <= number.start() < end for start, end in checked), \
            f"{number.group()} ({text[max(0, number.start() - 60) : number.end()]!r}) is not checked against a file"


def named_commands(text: str) -> list[list[str]]:
    """Each `postag A B ...` the text's code (blocks and `spans`) names: the words after postag up to the first
    option, argument or end; `postag models list / info / build` names each of list, info and build."""
    found = []
    code = "\n".join(re.findall(r"```.*?```|`[^`\n]+`", text, flags=re.S))  # what a reader would type
    for match in re.finditer(r"(?<![\w-])postag((?: (?:[a-z][a-z-]*|/))+)", code):
        words = match.group(1).split()
        if words[0] == "/":
            continue
        group, rest = words[0], words[1:]
        alternatives = [rest[0]] + [rest[i + 1] for i, word in enumerate(rest[:-1]) if word == "/"] if rest else []
        found.append([group, *alternatives])
    return found


def test_every_command_the_readme_names_exists():
    command = typer.main.get_command(app)
    names = named_commands(README)
    assert ["tokenizer", "train", "attach", "relearn"] in names  # the table's rows are read
    for group, *subcommands in names:
        assert group in command.commands, f"`postag {group}` is named in the README but does not exist"
        sub = command.commands[group]
        if not hasattr(sub, "commands"):
            continue  # a command: what follows are its arguments
        for name in subcommands:
            assert name in sub.commands, f"`postag {group} {name}` is named in the README but does not exist"


def test_the_checker_sees_a_missing_command():
    assert named_commands("run `postag tokenizer memory DIR` or `postag models list / info`; postag with") == [
        ["tokenizer", "memory"], ["models", "list", "info"]]
