"""common/files.py: atomic outputs with the umask's permissions, temporaries a later run cleans up when their
process is gone (also after SIGKILL), and a lock that keeps two runs from writing one output."""

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from common.errors import shorten
from common.files import (
    OutputLockedError,
    lock_path,
    make_staging_directory,
    open_atomically,
    output_lock,
    owner_tag,
    remove_stale_temporaries,
    replace_directory,
    staged_directory,
    write_atomically,
)

REPO = Path(__file__).parent.parent


@pytest.fixture
def umask():
    """Set the process umask for one test and put the old one back."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def start(code: str) -> subprocess.Popen:
    """A Python child running `code` from the repository root; it prints 'ready' when it got there."""
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "ready"
    return child


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(10)


# ---- permissions ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_honour_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    assert mode(write_atomically(tmp_path / "out.txt", "x")) == expected


def test_a_replaced_file_keeps_its_permissions(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "out.txt"
    path.write_text("old")
    path.chmod(0o640)
    write_atomically(path, "new")
    assert (path.read_text(), mode(path)) == ("new", 0o640)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o755), (0o002, 0o775), (0o077, 0o700)])
def test_staged_directories_honour_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    with staged_directory(tmp_path / "model") as staging:
        assert staging.name.startswith(f".model.tmp-{owner_tag()}-")
        (staging / "config.json").write_text("{}")
    assert mode(tmp_path / "model") == expected
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_replace_directory_keeps_the_old_folders_permissions(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "model"
    target.mkdir()
    target.chmod(0o750)
    staging = make_staging_directory(target)
    (staging / "new").write_text("1")
    replace_directory(staging, target)
    assert (mode(target), [p.name for p in target.iterdir()]) == (0o750, ["new"])


def test_open_atomically_leaves_nothing_when_the_block_fails(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), open_atomically(path, "w", encoding="utf-8") as file:
        file.write("half")
        raise RuntimeError
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"] and path.read_text() == "old"


# ---- stale temporaries ----------------------------------------------------------------------------------------

def test_temporaries_of_dead_processes_are_removed_and_others_kept(tmp_path):
    dead, host = dead_pid(), owner_tag().split("@")[1]
    stale = [f".model.tmp-{dead}@{host}-abcd1234", f".out.txt.{dead}@{host}.k2j4h5g6.tmp",
             f".data.conllu.{dead}@{host}.a_b_c_d1.part"]
    alive = [f".model.tmp-{owner_tag()}-abcd1234", f".model.tmp-1@{host}-abcd1234",  # pid 1 always runs
             f".model.tmp-{dead}@otherhost-abcd1234"]  # another machine's process: cannot tell
    foreign = [".model.tmp-abcd1234", "notes.tmp", f".model.tmp-{dead}@{host}-x", f"model.tmp-{dead}@{host}-abcd1234"]
    for name in stale + alive + foreign:
        (tmp_path / name).mkdir() if "model" in name else (tmp_path / name).write_text("")
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in removed) == sorted(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(alive + foreign)
    # Only NAME's, when a name is given.
    (tmp_path / f".other.tmp-{dead}@{host}-abcd1234").mkdir()
    assert remove_stale_temporaries(tmp_path, "model") == []


def test_a_stale_backup_whose_output_is_missing_is_put_back(tmp_path):
    dead, host = dead_pid(), owner_tag().split("@")[1]
    backup = tmp_path / f".model.old-{dead}@{host}-abcd1234"
    backup.mkdir()
    (backup / "config.json").write_text("the only copy")
    remove_stale_temporaries(tmp_path, "model")
    assert (tmp_path / "model" / "config.json").read_text() == "the only copy"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_sigkill_during_a_write_leaves_a_temporary_that_the_next_write_removes(tmp_path):
    child = start(f"""
        import time
        from common.files import open_atomically
        with open_atomically({str(tmp_path / "out.txt")!r}) as file:
            print("ready", flush=True)
            time.sleep(60)
    """)
    kill(child)
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(f".out.txt.{child.pid}@")
    write_atomically(tmp_path / "other.txt", "x")  # the first write into a folder cleans it
    assert [p.name for p in tmp_path.iterdir()] == ["other.txt"]


def test_sigkill_during_a_staged_write_leaves_a_folder_the_next_one_removes(tmp_path):
    child = start(f"""
        import time
        from common.files import staged_directory
        with staged_directory({str(tmp_path / "model")!r}):
            print("ready", flush=True)
            time.sleep(60)
    """)
    kill(child)
    assert len(list(tmp_path.iterdir())) == 1
    with staged_directory(tmp_path / "model") as staging:
        (staging / "weights").write_text("1")
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


# ---- one writer per output ------------------------------------------------------------------------------------

def test_a_second_writer_fails_at_once_naming_the_first(tmp_path):
    target = tmp_path / "models" / "m"
    child = start(f"""
        import time
        from common.files import output_lock
        with output_lock({str(target)!r}):
            print("ready", flush=True)
            time.sleep(60)
    """)
    try:
        shown = re.escape(shorten(target))  # a long temporary path is shortened in the middle
        with pytest.raises(OutputLockedError, match=rf"^{shown}: another postag run \(pid {child.pid} on "):
            with output_lock(target):
                pass
    finally:
        kill(child)
    # The kernel released the killed holder's lock: the output is free, its lock file is reused then removed.
    assert lock_path(target).exists()
    with output_lock(target):
        assert f"pid {os.getpid()}" in lock_path(target).read_text()
    assert list(target.parent.iterdir()) == []


def test_the_lock_cleans_every_temporary_of_its_output(tmp_path):
    # Under the lock nobody else writes the output: even temporaries named before owners were in names go.
    (tmp_path / ".m.tmp-abcd1234").mkdir()
    (tmp_path / f".m.tmp-{owner_tag()}-abcd1234").mkdir()
    (tmp_path / ".other.tmp-abcd1234").mkdir()
    with output_lock(tmp_path / "m"):
        assert sorted(p.name for p in tmp_path.iterdir()) == [".m.lock", ".other.tmp-abcd1234"]


def test_an_unheld_lock_file_left_by_a_killed_run_is_cleaned_up(tmp_path):
    child = start(f"""
        import time
        from common.files import output_lock
        with output_lock({str(tmp_path / "m")!r}):
            print("ready", flush=True)
            time.sleep(60)
    """)
    kill(child)
    (tmp_path / "someone-elses.lock").write_text("not ours")
    assert remove_stale_temporaries(tmp_path) == [tmp_path / ".m.lock"]
    assert [p.name for p in tmp_path.iterdir()] == ["someone-elses.lock"]


def test_train_refuses_an_output_another_run_is_writing(tmp_path):
    from corpora import Corpus, Sentence
    from pipelines.training.tagger import train

    corpus = Corpus("c", "custom", train=[Sentence(("a",), ("X",))])
    with output_lock(tmp_path / "model"), pytest.raises(OutputLockedError, match="another postag run"):
        train(corpus, config=None, output=tmp_path / "model")


def test_compare_refuses_an_output_another_run_is_writing(tmp_path):
    from pipelines.compare.plan import Variant
    from pipelines.compare.records import DataSource
    from pipelines.compare.run import compare

    class Config:
        architecture = "fcn"

        def to_json(self):
            return {"architecture": "fcn", "seed": 1}

    fixture = REPO / "tests" / "fixtures" / "tiny.conllu"
    source = DataSource.of(train=fixture, dev=fixture, test=fixture)
    with output_lock(tmp_path / "cmp"), pytest.raises(OutputLockedError, match="another postag run"):
        compare(source, [Variant("fcn", Config())], [1], tmp_path / "cmp")
    assert not (tmp_path / "cmp").exists()
