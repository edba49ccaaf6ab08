"""Split entries into calls that respect an API's per-call entry count and byte limits.

PutEvents and SendMessageBatch both take at most 10 entries and 256 KiB per
call, and both reject the *whole* call when the payload is too large. Entries
are kept in order; an entry larger than the byte limit on its own goes alone,
so only that entry fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def size_limited_batches(
    entries: Iterable[T], size_of: Callable[[T], int], *, max_entries: int, max_bytes: int
) -> Iterator[tuple[int, list[T]]]:
    """Yield ``(offset of the first entry, batch)`` of at most ``max_entries`` and ``max_bytes`` (by ``size_of``)."""
    batch: list[T] = []
    size = 0
    offset = 0
    for index, entry in enumerate(entries):
        entry_size = size_of(entry)
        if batch and (len(batch) == max_entries or size + entry_size > max_bytes):
            yield offset, batch
            batch, size, offset = [], 0, index
        batch.append(entry)
        size += entry_size
    if batch:
        yield offset, batch
