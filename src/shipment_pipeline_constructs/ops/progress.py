"""A one-line progress bar on stderr, drawn only on a terminal (scripts and ``--json`` get none)."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class Progress:
    """``[#######.......]  7/20 label``, redrawn in place.

    Example::

        bar = Progress(total=20, label="messages moved")
        bar.update(7)
        bar.close()
    """

    def __init__(
        self, total: float | None, label: str, *, stream: TextIO = sys.stderr, enabled: bool | None = None
    ) -> None:
        self.total = total
        self.label = label
        self._stream = stream
        self._enabled = stream.isatty() if enabled is None else enabled
        self._drawn = False

    def update(self, done: float, total: float | None = None, *, label: str | None = None) -> None:
        """Show ``done`` of ``total`` (a count, or seconds of a time window)."""
        if total is not None:
            self.total = total
        if label is not None:
            self.label = label
        if not self._enabled:
            return
        if self.total:
            filled = min(WIDTH, int(WIDTH * done / self.total))
            line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done:.0f}/{self.total:.0f} {self.label}"
        else:
            line = f"{done:.0f} {self.label}"
        self._stream.write(f"\r{line}\033[K")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the bar's line."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
