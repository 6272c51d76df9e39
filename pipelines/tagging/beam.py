"""Tagging a corpus past one machine: `postag tag`'s blocks inside an Apache Beam pipeline.

    glob patterns (any file system Beam reads: local, gs://, s3://, hdfs://)
      ──MatchAll──▶ one element per file, its shard chosen by a hash of its path
      ──cut into blocks, reading the file in order (pipelines.tagging.stream.iter_blocks)──▶ Reshuffle: blocks spread
        over the workers, so one large file is tagged by many
      ──tag_block with the light runtime (tagger.load, once per worker in DoFn.setup)──▶ rendered blocks
      ──GroupByKey(shard)──▶ a shard's blocks in order: files by path, blocks by position
      ──▶ OUT/tagged-SSSSS-of-NNNNN.EXT, written under a temporary name and renamed; OUT/manifest.json

Shard S is exactly what `postag tag` writes for the files manifest.json lists for S, in that order (CoNLL-U
sentence ids counting on across them, `# newdoc id` naming each). A shard is put together on one worker, so
its output must fit in that worker's memory: the default aims at 64 MB of input per shard, and a single file
is never split across shards.

Runner: Beam's pipeline options, as given (`--runner=DataflowRunner --project=... --region=...
--temp_location=gs://...`, `--runner=FlinkRunner`, `--runner=SparkRunner`). Without --runner, Beam's
in-process FnApiRunner with one worker process per core (`--direct_running_mode=multi_processing`); not
Beam's DirectRunner, which first tries its Prism runner, a binary it downloads. The workers need postag
installed (on Dataflow: `--extra_package` with a built sdist, or a container) and the model: a shipped
model's name, or a directory present on every worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from common.streams import stderr_dropped
from pipelines.errors import PipelineError

from .stream import BLOCK_CHARS, TagOptions, block_output, check_options, iter_blocks, tag_block
from .tokenizers import decide

# Importing Beam warns through the root logger that Google Cloud's optional clients are missing; they are
# not needed unless the pipeline runs there, where they are installed.
_import_warnings = logging.NullHandler()
logging.getLogger().addHandler(_import_warnings)
try:
    import apache_beam as beam
    from apache_beam.io import fileio
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
except ImportError:  # the CLI shows this as one line
    raise PipelineError("--engine beam needs Apache Beam: pip install 'postag[beam]'") from None
finally:
    logging.getLogger().removeHandler(_import_warnings)

SHARD_BYTES = 64 << 20  # input per shard by default: its output (3 to 5 times as much) is held by one worker
EXTENSIONS = {"text": "txt", "tsv": "tsv", "conllu": "conllu", "json": "jsonl"}
MANIFEST = "manifest.json"
LOCAL_RUNNERS = ("FnApiRunner", "DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner",
                 "TestDirectRunner")


@dataclass
class BeamSummary:
    output_dir: str
    runner: str
    files: int
    shards: list[dict] = field(default_factory=list)  # manifest.json's: file, sources, tokens, sentences
    tokens: int = 0
    sentences: int = 0
    seconds: float = 0.0


def shard_of(path: str, shards: int) -> int:
    """The same shard for the same path on every worker and every run (Python's hash() differs by process)."""
    return zlib.crc32(path.encode("utf-8")) % shards


def shard_name(index: int, shards: int, output_format: str) -> str:
    return f"tagged-{index:05d}-of-{shards:05d}.{EXTENSIONS[output_format]}"


# ---- the pipeline's steps ------------------------------------------------------------------------------------

def _open(path: str):
    return FileSystems.open(path)  # .gz and .bz2 are read decompressed


def _is_directory(path: str) -> bool:
    return path.endswith("/") or (FileSystems.get_scheme(path) in (None, "file") and os.path.isdir(path))


class CutIntoBlocks(beam.DoFn):
    """A file -> (shard, path, block) for each of its blocks, read in order as `postag tag` reads it."""

    def __init__(self, shards: int, pretokenized: bool, block_chars: int):
        self.shards, self.pretokenized, self.block_chars = shards, pretokenized, block_chars

    def process(self, metadata):
        if _is_directory(metadata.path):
            return
        shard = shard_of(metadata.path, self.shards)
        for block in iter_blocks([metadata.path], self.pretokenized, self.block_chars, opener=_open):
            yield shard, metadata.path, block


class TagBlocks(beam.DoFn):
    """(shard, path, block) -> (shard, (path, block index, rendered block)), with the model loaded once."""

    def __init__(self, model: str, options: TagOptions, kind: str, threads: int | None):
        self.model, self.options, self.kind, self.threads = model, options, kind, threads
        self.tokens = beam.metrics.Metrics.counter("postag", "tokens")
        self.sentences = beam.metrics.Metrics.counter("postag", "sentences")

    def setup(self):
        import tagger

        self.tagger = tagger.load(self.model, threads=self.threads)

    def teardown(self):
        self.tagger = None  # ONNX Runtime's session goes before the worker process ends

    def process(self, element):
        shard, path, block = element
        rendered = tag_block(block, self.tagger, self.options, self.kind)
        self.tokens.inc(rendered.tokens)
        self.sentences.inc(rendered.sentences)
        yield shard, (path, block.index, rendered)


class WriteShard(beam.DoFn):
    """(shard, its rendered blocks) -> the shard's file, in order; yields its manifest entry."""

    def __init__(self, output_dir: str, shards: int, output_format: str):
        self.output_dir, self.shards, self.output_format = output_dir, shards, output_format

    def process(self, element):
        shard, items = element
        name = shard_name(shard, self.shards, self.output_format)
        sources: list[str] = []
        tokens = sentences = 0

        def write(file) -> None:
            nonlocal tokens, sentences
            for path, _, rendered in sorted(items, key=lambda item: (item[0], item[1])):
                if not sources or sources[-1] != path:
                    sources.append(path)
                file.write(block_output(rendered, self.output_format, sentences + 1).encode("utf-8"))
                tokens += rendered.tokens
                sentences += rendered.sentences

        write_file(FileSystems.join(self.output_dir, name), write)
        yield {"file": name, "sources": sources, "tokens": tokens, "sentences": sentences}


def write_file(path: str, write) -> None:
    """`write(file)` into a temporary beside `path`, renamed over it once complete: a retried or failed worker
    never leaves half a shard under the shard's name. Any file system Beam writes."""
    directory, name = path.rsplit("/", 1) if "/" in path else ("", path)
    temporary = FileSystems.join(directory, f".{name}.{uuid.uuid4().hex}.tmp") if directory else f".{name}.tmp"
    file = FileSystems.create(temporary)
    try:
        write(file)
    finally:
        file.close()
    FileSystems.rename([temporary], [path])


def write_manifest(entries: list[dict], output_dir: str, shards: int, settings: dict) -> None:
    """manifest.json: every shard with its files in order, and the totals. Shards no file hashed to are
    written empty, so that every name from 0 to N-1 is there."""
    by_name = {entry["file"]: entry for entry in entries}
    for index in range(shards):
        name = shard_name(index, shards, settings["format"])
        if name not in by_name:
            write_file(FileSystems.join(output_dir, name), lambda file: None)
            by_name[name] = {"file": name, "sources": [], "tokens": 0, "sentences": 0}
    listed = [by_name[name] for name in sorted(by_name)]
    manifest = {**settings, "files": sum(len(entry["sources"]) for entry in listed),
                "tokens": sum(entry["tokens"] for entry in listed),
                "sentences": sum(entry["sentences"] for entry in listed), "shards": listed}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_file(FileSystems.join(output_dir, MANIFEST), lambda file: file.write(text.encode("utf-8")))


# ---- the job -------------------------------------------------------------------------------------------------

def pipeline_options(beam_args: list[str]) -> tuple[PipelineOptions, str]:
    """The user's Beam options; without --runner, the in-process FnApiRunner, one worker process per core."""
    if not any(arg.startswith("--default_sdk_harness_log_level") for arg in beam_args):
        beam_args = [*beam_args, "--default_sdk_harness_log_level=WARNING"]  # workers' progress chatter
    options = PipelineOptions(list(beam_args))
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = "FnApiRunner"
        direct = options.view_as(DirectOptions)
        if not any(arg.startswith("--direct_running_mode") for arg in beam_args):
            direct.direct_running_mode = "multi_processing"
        if not any(arg.startswith("--direct_num_workers") for arg in beam_args):
            direct.direct_num_workers = os.cpu_count() or 1
    return options, str(standard.runner)


def tag_with_beam(tagger, model: str, patterns: list[str], output_dir: str, options: TagOptions = TagOptions(),
                  pretokenized: bool = False, beam_args: list[str] = (), shards: int | None = None,
                  block_chars: int = BLOCK_CHARS) -> BeamSummary:
    """Tag every file the glob `patterns` match into shards in `output_dir`, on the runner `beam_args` choose.

    `tagger` (loaded here) checks the options; the workers load `model` (a shipped name or a directory)
    themselves. Returns the summary that manifest.json also holds.
    """
    check_options(tagger, options)
    kind = decide(options.tokenizer, tagger.tokenizer, pretokenized, getattr(tagger, "directory", "the model"))
    if Path(model).is_dir():  # a directory as every worker of a local runner finds it, whatever its folder
        model = str(Path(model).resolve())
    files = [metadata for result in _match(patterns) for metadata in result.metadata_list
             if not _is_directory(metadata.path)]
    if not files:
        raise PipelineError(f"no file matches {' '.join(patterns)[:200]}")
    if shards is not None and shards < 1:
        raise PipelineError(f"--shards must be at least 1, not {shards}")
    total = sum(metadata.size_in_bytes for metadata in files)
    shards = shards or max(1, min(len(files), math.ceil(total / SHARD_BYTES)))
    _check_output_dir(output_dir)
    beam_options, runner = pipeline_options(beam_args)
    local = runner in LOCAL_RUNNERS or runner.endswith(LOCAL_RUNNERS)
    in_memory = local and beam_options.view_as(DirectOptions).direct_running_mode == "in_memory"
    if local:  # worker processes import this source tree, installed or not
        root = str(Path(__file__).resolve().parents[2])
        paths = [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]
        if root not in paths:
            os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])
    settings = {"format": options.output_format, "model": model, "tokenizer": kind, "tagset": options.tagset,
                "top_k": options.top_k, "runner": runner}
    started = time.perf_counter()
    # A local runner's workers are processes that log their start and end to the stderr they inherit; the
    # user sees the summary instead. Errors still come back as the runner's exception.
    with stderr_dropped() if local else contextlib.nullcontext():
        try:
            pipeline = beam.Pipeline(options=beam_options)
        except (ValueError, RuntimeError, ImportError) as error:  # an unknown runner, a runner's missing extra
            raise PipelineError(f"Beam cannot start the pipeline: {str(error)[:300]}") from None
        entries = (pipeline
                   | "patterns" >> beam.Create(list(patterns))
                   | "match" >> fileio.MatchAll()
                   | "cut" >> beam.ParDo(CutIntoBlocks(shards, kind == "lines", block_chars))
                   | "spread" >> beam.Reshuffle()
                   # One thread per worker process, as `postag tag --workers`; all cores for a lone in-memory one.
                   | "tag" >> beam.ParDo(TagBlocks(model, options, kind, None if in_memory else 1))
                   | "by shard" >> beam.GroupByKey()
                   | "write" >> beam.ParDo(WriteShard(output_dir, shards, options.output_format)))
        _ = (entries
             | "all entries" >> beam.combiners.ToList()
             | "manifest" >> beam.Map(write_manifest, output_dir, shards, settings))
        try:
            pipeline.run().wait_until_finish()
        except Exception as error:  # a worker's error comes back as the runner's, with its traceback as text
            user_errors = USER_ERROR.findall(str(error))
            if user_errors:
                raise PipelineError(user_errors[-1]) from None
            raise
    with FileSystems.open(FileSystems.join(output_dir, MANIFEST)) as file:
        manifest = json.loads(file.read().decode("utf-8"))
    return BeamSummary(output_dir, runner, manifest["files"], manifest["shards"], manifest["tokens"],
                       manifest["sentences"], time.perf_counter() - started)


# A user's mistake raised in a worker (a file that is not UTF-8, a damaged model), as the runner reports it.
USER_ERROR = re.compile(r"(?m)^[\w.]*(?:CorpusError|PipelineError|ModelError|ConfigError): (.*?)"
                        r"(?: \[while running '[^']*'\])?$")




def _match(patterns: list[str]):
    try:
        return FileSystems.match(list(patterns))
    except Exception as error:  # BeamIOError and the file systems' own, for an unreadable place
        raise PipelineError(f"cannot list {' '.join(patterns)[:200]}: {str(error)[:200]}") from None


def _check_output_dir(output_dir: str) -> None:
    """A new or empty folder: shards of an earlier run with another shard count would be mixed with these."""
    if FileSystems.get_scheme(output_dir) in (None, "file") and os.path.isfile(output_dir):
        raise PipelineError(f"--output-dir {output_dir} is a file, not a folder")
    try:
        present = FileSystems.match([FileSystems.join(output_dir, "*")])[0].metadata_list
    except Exception:  # the folder does not exist yet
        present = []
    if present:
        raise PipelineError(f"--output-dir {output_dir} is not empty: give a new folder for the shards")
    if FileSystems.get_scheme(output_dir) in (None, "file"):
        os.makedirs(output_dir, exist_ok=True)
