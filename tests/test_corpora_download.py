"""UD downloads against a real HTTP server on 127.0.0.1 serving fixture files: success, sidecar checksum
records, a checksum mismatch, a 404, a refused connection and a cut-off transfer. Nothing half-written."""

import hashlib
import http.server
import socket
import threading
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpora import CorpusError, CorpusNotFoundError, download_corpus, load_named_corpus, ud
from corpora.download import ChecksumError, download

MIRROR = Path(__file__).parent / "fixtures" / "corpora_ud_mirror"


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        if self.path.startswith("/cut/"):
            # Promise 1000 bytes, send 10, hang up: a download interrupted mid-file.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"1\tHalf\t_\t")
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server():
    handler = partial(MirrorHandler, directory=str(MIRROR))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def data_dir(tmp_path, monkeypatch, server):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POSTAG_UD_BASE_URL", server)
    return tmp_path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_download_on_first_load_records_checksums_and_verifies_later_loads(data_dir):
    corpus = load_named_corpus("ud:de_gsd")
    assert [len(corpus.train), len(corpus.dev), len(corpus.test)] == [2, 1, 1]
    assert corpus.train[0].words == ("Der", "Hund", "schläft", ".")
    folder = data_dir / "ud_german_gsd"
    assert leftovers(folder) == sorted(
        [f"de_gsd-ud-{s}.conllu" for s in ("train", "dev", "test")]
        + [f"de_gsd-ud-{s}.conllu.sha256" for s in ("train", "dev", "test")]
    )
    train = folder / "de_gsd-ud-train.conllu"
    assert train.read_bytes() == (MIRROR / "UD_German-GSD" / "r2.16" / train.name).read_bytes()
    assert (folder / "de_gsd-ud-train.conllu.sha256").read_text() == (
        f"{hashlib.sha256(train.read_bytes()).hexdigest()}  {train.name}\n"
    )
    assert load_named_corpus("ud:de_gsd").train == corpus.train  # served from the cache, verified
    train.write_text(train.read_text()[:-40])  # damaged after download
    with pytest.raises(CorpusError, match=r"de_gsd-ud-train.conllu: SHA-256 does not match the record made at "
                                          r"download \(de_gsd-ud-train.conllu.sha256\)"):
        load_named_corpus("ud:de_gsd")


def test_test_only_treebank_has_empty_train_and_dev(data_dir):
    corpus = load_named_corpus("ud:en_pud")
    assert corpus.train == [] and corpus.dev == [] and corpus.test[0].words == ("It", "works", ".")


def test_checksum_mismatch_keeps_nothing(data_dir, monkeypatch):
    entry = ud.UD_TREEBANKS["de_gsd"]
    wrong = {f"de_gsd-ud-{s}.conllu": "0" * 64 for s in ("train", "dev", "test")}
    monkeypatch.setitem(ud.UD_TREEBANKS, "de_gsd", ud.UDTreebank(**{**entry.__dict__, "sha256": wrong}))
    with pytest.raises(ChecksumError, match=r"has SHA-256 [0-9a-f]{64}, expected 0{64}; the file was not kept"):
        load_named_corpus("ud:de_gsd")
    assert leftovers(data_dir) == []


def test_http_404_is_a_clear_error_and_keeps_nothing(data_dir):
    with pytest.raises(CorpusNotFoundError) as error:
        load_named_corpus("ud:fr_gsd")  # not on the mirror
    message = str(error.value)
    assert "HTTP 404" in message and "postag corpora download ud:fr_gsd" in message
    assert "UD_French-GSD/r2.16/fr_gsd-ud-train.conllu" in message
    assert leftovers(data_dir) == []


def test_release_missing_on_the_server_is_a_404_in_its_own_folder(data_dir):
    with pytest.raises(CorpusNotFoundError, match="HTTP 404"):
        load_named_corpus("ud:de_gsd@2.15")
    assert leftovers(data_dir / "ud_german_gsd_r2.15") == []


def test_connection_refused_is_a_clear_error(tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POSTAG_UD_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(CorpusNotFoundError, match="refused"):
        load_named_corpus("ud:de_gsd")
    assert leftovers(tmp_path) == []


def test_cut_off_transfer_keeps_nothing(server, tmp_path):
    target = tmp_path / "x.conllu"
    with pytest.raises(CorpusNotFoundError, match="download of .* failed|stopped after"):
        download(f"{server}/cut/x.conllu", target)
    assert leftovers(tmp_path) == []


def test_download_reports_progress(server, tmp_path):
    seen = []
    path = download(f"{server}/UD_English-PUD/r2.16/en_pud-ud-test.conllu", tmp_path / "t.conllu",
                    progress=lambda done, total: seen.append((done, total)))
    assert path.read_bytes() == (MIRROR / "UD_English-PUD" / "r2.16" / "en_pud-ud-test.conllu").read_bytes()
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_download_corpus_and_cli(data_dir):
    import cli

    paths = download_corpus("ud:en_pud")
    assert [p.name for p in paths] == ["en_pud-ud-test.conllu"]
    result = CliRunner().invoke(cli.app, ["corpora", "download", "ud:de_gsd"])
    assert result.exit_code == 0, result.output
    assert "ud:de_gsd: present and verified" in result.output
    assert (data_dir / "ud_german_gsd" / "de_gsd-ud-dev.conllu").is_file()
    failed = CliRunner().invoke(cli.app, ["corpora", "download", "ud:fr_gsd"])
    assert failed.exit_code == 2 and "HTTP 404" in failed.output and "Traceback" not in failed.output
