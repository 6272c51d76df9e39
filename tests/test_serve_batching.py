"""pipelines.serving.batching: concurrent requests tagged together, in order, and a cancelled one never tagged."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from corpora import Sentence
from pipelines.serving.batching import Batcher


def sentences(*texts: str) -> list[Sentence]:
    return [Sentence(tuple(text.split())) for text in texts]


class Recorder:
    """A runner that tags every word with its upper case and records each call's words."""

    def __init__(self, seconds: float = 0.0):
        self.calls: list[tuple[object, list[tuple[str, ...]]]] = []
        self.seconds = seconds
        self.lock = threading.Lock()

    def __call__(self, key, batch: list[Sentence]):
        with self.lock:
            self.calls.append((key, [s.words for s in batch]))
        time.sleep(self.seconds)
        tagged = [Sentence(s.words, tuple(w.upper() for w in s.words)) for s in batch]
        return tagged, None


def run(coroutine):
    return asyncio.run(coroutine)


def test_concurrent_requests_are_tagged_in_one_batch_and_answered_in_order():
    recorder = Recorder()

    async def main():
        batcher = Batcher(recorder, window=0.05, max_words=1000)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.tag("k", sentences(f"a{i} b{i}", f"c{i}")) for i in range(8)))
        finally:
            await batcher.close()

    results = run(main())
    assert len(recorder.calls) == 1 and len(recorder.calls[0][1]) == 16
    for i, (tagged, scored) in enumerate(results):
        assert scored is None
        assert [s.tags for s in tagged] == [(f"A{i}", f"B{i}"), (f"C{i}",)]


def test_batches_hold_at_most_max_words_and_a_long_request_is_cut_into_parts():
    recorder = Recorder()

    async def main():
        batcher = Batcher(recorder, window=0.05, max_words=4)
        batcher.start()
        try:
            return await batcher.tag("k", sentences("a b", "c d", "e f", "g h i j k"))
        finally:
            await batcher.close()

    tagged, _ = run(main())
    assert [s.tags for s in tagged] == [("A", "B"), ("C", "D"), ("E", "F"), ("G", "H", "I", "J", "K")]
    assert [len(words) for _, words in recorder.calls] == [2, 1, 1]  # 4 words, 2 words, a 5-word sentence alone
    assert all(sum(map(len, words)) <= 4 or len(words) == 1 for _, words in recorder.calls)


def test_requests_of_different_kinds_run_in_separate_calls():
    recorder = Recorder()

    async def main():
        batcher = Batcher(recorder, window=0.05)
        batcher.start()
        try:
            return await asyncio.gather(batcher.tag("upos", sentences("a")), batcher.tag("xpos", sentences("b")),
                                        batcher.tag("upos", sentences("c")))
        finally:
            await batcher.close()

    run(main())
    assert sorted(recorder.calls) == [("upos", [("a",), ("c",)]), ("xpos", [("b",)])]


def test_a_cancelled_request_costs_nothing_further():
    recorder = Recorder(seconds=0.2)

    async def main():
        batcher = Batcher(recorder, window=0.0, max_words=2)
        batcher.start()
        try:
            first = asyncio.ensure_future(batcher.tag("k", sentences("a b", "c d", "e f", "g h")))
            await asyncio.sleep(0.1)  # the first part is being tagged
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            return await batcher.tag("k", sentences("later"))
        finally:
            await batcher.close()

    tagged, _ = run(main())
    assert [s.tags for s in tagged] == [("LATER",)]
    assert [words for _, words in recorder.calls] == [[("a", "b")], [("later",)]]


def test_without_batching_every_request_runs_alone():
    recorder = Recorder()

    async def main():
        batcher = Batcher(recorder, batching=False)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.tag("k", sentences(f"w{i}")) for i in range(4)))
        finally:
            await batcher.close()

    results = run(main())
    assert len(recorder.calls) == 4
    assert [tagged[0].tags for tagged, _ in results] == [("W0",), ("W1",), ("W2",), ("W3",)]


def test_an_error_in_tagging_reaches_the_requests_of_its_batch():
    def broken(key, batch):
        raise RuntimeError("bug")

    async def main():
        batcher = Batcher(broken, window=0.01)
        batcher.start()
        try:
            return await asyncio.gather(batcher.tag("k", sentences("a")), batcher.tag("k", sentences("b")),
                                        return_exceptions=True)
        finally:
            await batcher.close()

    assert [str(result) for result in run(main())] == ["bug", "bug"]


def test_batch_sizes_are_reported():
    seen = []

    async def main():
        batcher = Batcher(Recorder(), window=0.05, on_batch=lambda words, parts: seen.append((words, parts)))
        batcher.start()
        try:
            await asyncio.gather(batcher.tag("k", sentences("a b")), batcher.tag("k", sentences("c")))
        finally:
            await batcher.close()

    run(main())
    assert seen == [(3, 2)]
