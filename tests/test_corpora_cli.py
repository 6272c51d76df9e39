"""CLI: `postag corpora list|info|stats` and `postag tokenize`, through typer's CliRunner on cli.app."""

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import cli

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(cli.app, list(args), input=input)


def test_corpora_list_json_reports_presence(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NLTK_DATA", str(tmp_path / "nltk"))
    (tmp_path / "nltk" / "corpora").mkdir(parents=True)
    (tmp_path / "nltk" / "corpora" / "brown.zip").write_bytes(b"x" * 10)
    result = invoke("corpora", "list", "--json")
    assert result.exit_code == 0, result.output
    entries = {entry["name"]: entry for entry in json.loads(result.output)}
    assert entries["nltk:brown"]["present"] is True and entries["nltk:brown"]["size_bytes"] == 10
    assert entries["ud:en_ewt"]["present"] is False and entries["ud:en_ewt"]["license"] == "CC BY-SA 4.0"
    assert len(entries) >= 18


def test_corpora_list_table(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    result = invoke("corpora", "list")
    assert result.exit_code == 0
    assert "ud:en_ewt" in result.output and "nltk:treebank" in result.output and "CC BY-SA 4.0" in result.output


def test_corpora_list_and_help_import_neither_tensorflow_nor_nltk():
    script = (
        "import sys\nfrom typer.testing import CliRunner\nimport cli\n"
        "for args in (['corpora', 'list'], ['--help'], ['corpora', '--help']):\n"
        "    assert CliRunner().invoke(cli.app, args).exit_code == 0\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'nltk', 'numpy') if m in sys.modules]\n"
        "print('heavy:', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout


def test_corpora_info_for_an_absent_corpus_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    result = invoke("corpora", "info", "ud:ko_kaist")
    assert result.exit_code == 0
    assert "UD_Korean-Kaist" in result.output and "postag corpora download ud:ko_kaist" in result.output


def test_corpora_info_json_with_counts(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    folder = tmp_path / "ud_english_pud"
    folder.mkdir()
    (folder / "en_pud-ud-test.conllu").write_bytes((FIXTURES / "corpora_sample.conllu").read_bytes())
    result = invoke("corpora", "info", "ud:en_pud", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["splits"][2] == {"split": "test", "sentences": 3, "tokens": 12, "tags": 6}
    assert info["entry"]["splits"] == ["test"]


def test_corpora_info_unknown_name_is_one_red_line_exit_2():
    result = invoke("corpora", "info", "ud:xx_none")
    assert result.exit_code == 2
    assert "unknown UD treebank 'ud:xx_none'; known: " in result.output and "Traceback" not in result.output


def test_corpora_stats_json_on_a_file_with_split():
    result = invoke("corpora", "stats", str(FIXTURES / "corpora_sample.pos"), "--split", "2/1", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert [s["sentences"] for s in stats["splits"]] == [2, 1]
    assert stats["splits"][1]["oov_rate"] == 1.0  # "Stop" and "!" never occur in train
    assert stats["tag_counts"]["train"]["."] == 2


def test_corpora_stats_tables_show_words_literally(tmp_path):
    path = tmp_path / "odd.pos"
    path.write_text("[bold]/NN [red]x/VB\n[bold]/VB ok/JJ\n")  # Rich markup in words must print as is
    result = invoke("corpora", "stats", str(path), "--format", "wordtag")
    assert result.exit_code == 0, result.output
    assert "[bold]" in result.output and "ambiguous words in train: 1 forms" in result.output


def test_corpora_stats_column_options(tmp_path):
    result = invoke("corpora", "stats", str(FIXTURES / "corpora_sample_columns.txt"), "--tag-column", "3", "--json")
    assert result.exit_code == 0, result.output
    assert "B-NP" in json.loads(result.output)["tag_counts"]["train"]


def test_corpora_stats_user_errors_are_one_line_exit_2(tmp_path):
    missing = invoke("corpora", "stats", str(tmp_path / "absent.conllu"))
    assert missing.exit_code == 2 and "no such file or directory" in missing.output
    named = invoke("corpora", "stats", "ud:en_ewt", "--split", "90/10")
    assert named.exit_code == 2 and "named corpus" in named.output
    bad_column = invoke("corpora", "stats", str(FIXTURES / "corpora_sample_columns.txt"), "--tag-column", "7")
    assert bad_column.exit_code == 2 and "corpora_sample_columns.txt:3: no tag column 7" in bad_column.output
    for result in (missing, named, bad_column):
        assert "Traceback" not in result.output


def test_tokenize_text_one_sentence_a_line(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes("\ufeffHello world. Dr. Who is here!\r\n\r\nNew paragraph".encode("utf-8"))
    result = invoke("tokenize", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == "Hello world .\nDr. Who is here !\nNew paragraph\n"


def test_tokenize_json_offsets_point_into_the_text(tmp_path):
    text = "Don't panic.\r\nIt's fine."
    path = tmp_path / "in.txt"
    path.write_bytes(text.encode("utf-8"))
    result = invoke("tokenize", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    words = [w for sentence in data["sentences"] for w in sentence["words"]]
    assert [w["word"] for w in words][:3] == ["Do", "n't", "panic"]
    assert all(text[w["start"]:w["end"]] == w["word"] for w in words)
    assert data["sentences"][1]["text"] == "It's fine."


def test_tokenize_reads_standard_input():
    result = invoke("tokenize", "-", input="One. Two.")
    assert result.exit_code == 0 and result.output == "One .\nTwo .\n"


def test_tokenize_errors(tmp_path):
    bad_format = invoke("tokenize", "-", "--format", "xml", input="x")
    assert bad_format.exit_code == 2 and "text or json" in bad_format.output
    missing = invoke("tokenize", str(tmp_path / "absent.txt"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"ok\n\xff\xfe")
    undecodable = invoke("tokenize", str(binary))
    assert undecodable.exit_code == 2 and "bin.txt: not valid UTF-8 at byte 3" in undecodable.output
