"""The one check of an --output file: a folder or a missing parent folder is refused before any work."""

import pytest

from pipelines.errors import PipelineError
from pipelines.outputs import check_output_file


def test_a_file_in_an_existing_folder_is_accepted(tmp_path):
    assert check_output_file(str(tmp_path / "vocab.json"), "vocab.json") == tmp_path / "vocab.json"


def test_a_folder_or_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(PipelineError, match=r"is a directory; give a file name such as .*vectors\.txt"):
        check_output_file(tmp_path, "vectors.txt")
    with pytest.raises(PipelineError, match="the folder .*missing does not exist"):
        check_output_file(tmp_path / "missing" / "vocab.json", "vocab.json")
