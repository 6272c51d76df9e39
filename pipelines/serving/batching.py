"""Concurrent requests tagged together: many small requests cost about what one large one does.

A request's sentences go in as parts of at most `max_words` words, each with a future. One dispatcher task
takes the waiting parts, waits up to `window` seconds after the oldest arrived for more (or until
`max_words` are waiting), and tags what it took in one call per kind of tagging (the model and the
stream.TagOptions), in one thread off the event loop; the tagger spreads each call's length batches over
the cores. While a batch runs, new parts gather, so under load batches grow by themselves.

A part whose request went away (the client disconnected, the time limit passed) is cancelled and skipped
when the next batch is taken: it costs nothing further. With `batching=False` every part is tagged on its
own in the default thread pool, as a plain handler would: the reference `benchmarks/serve.py` measures
batching against.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from corpora import Sentence

# (tagged sentences, scored words or None): what pipelines.tagging.stream.tag_sentences returns.
Tagged = tuple[list[Sentence], "list | None"]
Runner = Callable[[Hashable, list[Sentence]], Tagged]


@dataclass
class _Part:
    key: Hashable
    sentences: list[Sentence]
    words: int
    future: asyncio.Future
    arrived: float


class Batcher:
    """`await batcher.tag(key, sentences)` tags `sentences` with `run(key, sentences)`, batched with others."""

    def __init__(self, run: Runner, window: float = 0.001, max_words: int = 4096, batching: bool = True,
                 on_batch: Callable[[int, int], None] | None = None):
        self.run = run
        self.window = window
        self.max_words = max(1, max_words)
        self.batching = batching
        self.on_batch = on_batch  # (words, parts) of every batch run, for the metrics
        self._pending: deque[_Part] = deque()
        self._pending_words = 0
        self._arrived: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._executor: ThreadPoolExecutor | None = None

    # ---- life ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the dispatcher on the running event loop (the app's startup)."""
        self._arrived = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="postag-batch")
        if self.batching:
            self._task = asyncio.get_running_loop().create_task(self._dispatch())

    async def close(self) -> None:
        """Stop taking batches (the app's shutdown, once the requests in flight are answered)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    # ---- requests ------------------------------------------------------------------------------------------

    async def tag(self, key: Hashable, sentences: list[Sentence]) -> Tagged:
        """The tagged sentences (and scores), in order; cancelling the caller cancels its parts not yet run."""
        loop = asyncio.get_running_loop()
        parts = list(self._parts(sentences))
        if not self.batching:
            futures = [loop.run_in_executor(None, self._run_alone, key, part) for part in parts]
        else:
            futures = []
            for part in parts:
                future = loop.create_future()
                self._pending.append(_Part(key, part, sum(map(len, part)), future, loop.time()))
                self._pending_words += self._pending[-1].words
                futures.append(future)
            self._arrived.set()
        try:
            results = await asyncio.gather(*futures)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        tagged = [sentence for part_tagged, _ in results for sentence in part_tagged]
        if any(scored is None for _, scored in results):
            return tagged, None
        return tagged, [words for _, scored in results for words in scored]

    def _parts(self, sentences: list[Sentence]):
        """Runs of whole sentences of at most max_words words (a longer sentence alone)."""
        if not sentences:
            yield []
            return
        start, words = 0, 0
        for index, sentence in enumerate(sentences):
            if words and words + len(sentence) > self.max_words:
                yield sentences[start:index]
                start, words = index, 0
            words += len(sentence)
        yield sentences[start:]

    def _run_alone(self, key: Hashable, sentences: list[Sentence]) -> Tagged:
        if self.on_batch is not None:
            self.on_batch(sum(map(len, sentences)), 1)
        return self.run(key, sentences)

    # ---- the dispatcher ----------------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                self._arrived.clear()
                await self._arrived.wait()
                continue
            deadline = self._pending[0].arrived + self.window
            while self._pending_words < self.max_words and (remaining := deadline - loop.time()) > 0:
                self._arrived.clear()
                try:
                    await asyncio.wait_for(self._arrived.wait(), remaining)
                except asyncio.TimeoutError:
                    break
            batch = self._take()
            if not batch:
                continue
            groups: dict[Hashable, list[_Part]] = {}
            for part in batch:
                groups.setdefault(part.key, []).append(part)
            outcomes = await loop.run_in_executor(self._executor, self._run_groups, groups)
            for parts, (results, error) in zip(groups.values(), outcomes):
                for part, result in zip(parts, results or [None] * len(parts)):
                    if part.future.done():  # cancelled while its batch ran
                        continue
                    if error is not None:
                        part.future.set_exception(error)
                    else:
                        part.future.set_result(result)

    def _take(self) -> list[_Part]:
        """The waiting parts, oldest first, up to max_words (at least one); cancelled ones are dropped."""
        batch, words = [], 0
        while self._pending:
            part = self._pending[0]
            if part.future.done():
                self._pending.popleft()
                self._pending_words -= part.words
                continue
            if batch and words + part.words > self.max_words:
                break
            self._pending.popleft()
            self._pending_words -= part.words
            batch.append(part)
            words += part.words
        return batch

    def _run_groups(self, groups: dict[Hashable, list[_Part]]) -> list[tuple[list[Tagged] | None, Exception | None]]:
        """Each group's parts tagged in one call (in the batch thread), split back into the parts' results."""
        outcomes = []
        for key, parts in groups.items():
            sentences = [sentence for part in parts for sentence in part.sentences]
            try:
                tagged, scored = self.run(key, sentences)
            except Exception as error:  # a bug: each of the group's requests answers 500 with it
                outcomes.append((None, error))
                continue
            results, position = [], 0
            for part in parts:
                end = position + len(part.sentences)
                results.append((tagged[position:end], None if scored is None else scored[position:end]))
                position = end
            outcomes.append((results, None))
        if self.on_batch is not None:
            self.on_batch(sum(part.words for parts in groups.values() for part in parts),
                          sum(len(parts) for parts in groups.values()))
        return outcomes
