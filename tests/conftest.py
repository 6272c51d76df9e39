import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
SHARED = REPO.parent / "shared"


def shared_data_dir() -> Path | None:
    """POSTAG_DATA_DIR if set, else ../shared/data beside the checkout, if present."""
    configured = os.environ.get("POSTAG_DATA_DIR")
    candidate = Path(configured) if configured else SHARED / "data"
    return candidate if candidate.is_dir() else None


def ewt_dir() -> Path | None:
    root = shared_data_dir()
    if root and (root / "ud_english_ewt" / "en_ewt-ud-train.conllu").is_file():
        return root
    return None


@pytest.fixture
def requires_ewt(monkeypatch):
    root = ewt_dir()
    if root is None:
        pytest.skip("UD English EWT v2.16 not found: set POSTAG_DATA_DIR to a folder holding ud_english_ewt/")
    monkeypatch.setenv("POSTAG_DATA_DIR", str(root))
    return root


@pytest.fixture
def tiny_conllu() -> Path:
    return FIXTURES / "tiny.conllu"


@pytest.fixture(scope="session")
def tiny_sentences():
    from corpora import read_conllu

    return read_conllu(FIXTURES / "tiny.conllu")


def pytest_configure(config):
    """The fuzzing suite's profile: fuzz-long when `-m fuzz` selects it, fuzz-fast in every other run.

    HYPOTHESIS_PROFILE=fuzz-long or fuzz-fast overrides the choice.
    """
    import fuzzing

    selected = re.search(r"(?<!not )\bfuzz\b", config.getoption("markexpr") or "")
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "")
    fuzzing.PROFILE = chosen if chosen.startswith("fuzz-") else ("fuzz-long" if selected else "fuzz-fast")
