import json

import pytest

from corpora import Sentence
from pipelines.errors import PipelineError
from pipelines.tag import TaggedDocument, pretokenized, render, tag_documents, write_atomically


class UpperTagger:
    """A stand-in tagger: tags each word by whether it is capitalised, and counts its calls."""

    calls = 0

    def tag_sents(self, sentences):
        UpperTagger.calls += 1
        return [["CAP" if w[:1].isupper() else "low" for w in s] for s in sentences]


def test_pretokenized_offsets_point_into_the_text():
    text = "The  cat sat\n\nA dog .\n"
    sentences = pretokenized(text)
    assert [s.words for s in sentences] == [("The", "cat", "sat"), ("A", "dog", ".")]
    assert all(text[a:b] == w for s in sentences for w, (a, b) in zip(s.words, s.spans))


def test_all_files_are_tagged_in_one_batched_call(tmp_path):
    paths = []
    for i, text in enumerate(["One sentence here.", "Two. Sentences here."]):
        path = tmp_path / f"{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    UpperTagger.calls = 0
    documents = tag_documents(UpperTagger(), paths)
    assert UpperTagger.calls == 1
    assert [len(d.sentences) for d in documents] == [1, 2]
    assert documents[1].sentences[1].tags == ("CAP", "low", "low")


def document(text, words, tags, spans):
    return TaggedDocument("doc.txt", text, [Sentence(tuple(words), tuple(tags), tuple(spans))])


def test_render_each_format():
    doc = document("Hi there.", ["Hi", "there", "."], ["INTJ", "ADV", "PUNCT"], [(0, 2), (3, 8), (8, 9)])
    assert render([doc], "text") == "Hi/INTJ there/ADV ./PUNCT\n"
    assert render([doc], "tsv") == "Hi\tINTJ\nthere\tADV\n.\tPUNCT\n"
    conllu = render([doc], "conllu").splitlines()
    assert conllu[1] == "# text = Hi there."
    assert conllu[3].split("\t")[3] == "ADV" and conllu[3].endswith("SpaceAfter=No")
    assert render([doc], "conllu", tagset="xpos").splitlines()[2].split("\t")[4] == "INTJ"
    record = json.loads(render([doc], "json"))
    assert record == {"source": "doc.txt", "text": "Hi there.", "tokens": ["Hi", "there", "."],
                      "tags": ["INTJ", "ADV", "PUNCT"], "offsets": [[0, 2], [3, 8], [8, 9]]}


def test_unknown_format_is_a_pipeline_error():
    with pytest.raises(PipelineError, match="text, tsv, conllu, json"):
        render([], "xml")


def test_atomic_write_replaces_whole_file_or_nothing(tmp_path):
    target = tmp_path / "out.txt"
    write_atomically(target, "first\n")
    write_atomically(target, "second\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with pytest.raises(PipelineError, match="does not exist"):
        write_atomically(tmp_path / "no" / "out.txt", "x")
