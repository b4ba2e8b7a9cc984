"""Sentence segmentation of large imports on every core.

Worker processes (started with ``spawn``, so they are safe beside threads and import only
``qualcode.ingest``) load spaCy while the parent reads the files, then segment chunks of
documents and send back offsets only; the parent rebuilds the segments from its own text.
spaCy's own ``n_process`` pickles whole Doc objects and is slower than one process here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from qualcode.ingest.model import Document, SegmentSpan
from qualcode.ingest.segmenter import Segmenter, Unit

CHUNK_CHARS = 400_000  # about 70,000 words per task: few round trips, even load
MIN_PARALLEL_BYTES = 3_000_000  # below this, a second process costs more than it saves

_WORKER_SEGMENTER: Segmenter | None = None
Offsets = list[tuple[int, int, str | None]]


def _segmenter(unit: Unit, model: str) -> Segmenter:
    global _WORKER_SEGMENTER
    if _WORKER_SEGMENTER is None:
        _WORKER_SEGMENTER = Segmenter(unit, model)
    return _WORKER_SEGMENTER


def _warm(unit: Unit, model: str) -> str:
    return _segmenter(unit, model).pipeline_name


def _segment_chunk(unit: Unit, model: str, docs: list[Document]) -> list[Offsets]:
    segmenter = _segmenter(unit, model)
    return [[(s.start, s.end, s.speaker) for s in spans] for spans in segmenter.segment_many(docs)]


def worth_parallel(total_bytes: int, unit: str) -> bool:
    return unit == "sentence" and total_bytes >= MIN_PARALLEL_BYTES and (os.cpu_count() or 1) > 1


class ParallelSegmenter:
    """The interface of Segmenter (``pipeline_name``, ``segment_many``) over a process pool."""

    def __init__(self, unit: Unit, model: str, processes: int | None = None) -> None:
        self.unit = unit
        self.model = model
        count = processes or min(os.cpu_count() or 1, 4)
        self._pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
        # Start the workers now: they load spaCy while the caller reads its files.
        self._warm: list[Future[str]] = [
            self._pool.submit(_warm, unit, model) for _ in range(count)
        ]

    @property
    def pipeline_name(self) -> str:
        try:
            return self._warm[0].result()
        except BrokenProcessPool:
            return self._fallback().pipeline_name

    def _fallback(self) -> Segmenter:
        """Segment in this process when worker processes cannot run (e.g. no /dev/shm)."""
        return Segmenter(self.unit, self.model)

    def segment_many(self, docs: Sequence[Document]) -> Iterator[list[SegmentSpan]]:
        chunks: list[list[Document]] = [[]]
        size = 0
        for doc in docs:
            if chunks[-1] and size + len(doc.text) > CHUNK_CHARS:
                chunks.append([])
                size = 0
            chunks[-1].append(doc)
            size += len(doc.text)
        try:
            futures = [self._pool.submit(_segment_chunk, self.unit, self.model, c) for c in chunks]
        except BrokenProcessPool:
            futures = []
        fallback: Segmenter | None = None
        for index, chunk in enumerate(chunks):
            try:
                results = futures[index].result() if futures else None
            except BrokenProcessPool:
                results = None
            if results is None:
                fallback = fallback or self._fallback()
                results = [
                    [(s.start, s.end, s.speaker) for s in spans]
                    for spans in fallback.segment_many(chunk)
                ]
            for doc, offsets in zip(chunk, results, strict=True):
                text = doc.text
                yield [
                    SegmentSpan(i, start, end, speaker, text[start:end])
                    for i, (start, end, speaker) in enumerate(offsets, start=1)
                ]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
