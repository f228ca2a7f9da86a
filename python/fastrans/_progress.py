"""A one-line progress bar on stderr for the CLI (the demo's training, the bench's runs).

Why our own: the CLI must run on a fresh machine with numpy and torch only, and a bar is
twenty lines. On a terminal the line is redrawn in place at most ten times a second; when
stderr is not a terminal (logs, CI, tests) only the final line is written, so captured
output stays short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 28
_REDRAW_SECONDS = 0.1


class Progress:
    """``done`` out of ``total`` units (any float unit: steps, seconds, runs).

    ``update(done, note)`` sets the position and a short note shown after the bar;
    ``close()`` draws the final state and ends the line. Usable as a context manager.
    """

    def __init__(self, label: str, total: float, stream: TextIO | None = None) -> None:
        if not total > 0:
            raise ValueError(f"total must be > 0, got {total!r}")
        self.label = label
        self.total = float(total)
        self.done = 0.0
        self.note = ""
        self._stream = stream if stream is not None else sys.stderr
        self._live = bool(getattr(self._stream, "isatty", lambda: False)())
        self._drawn_at = -1.0
        self._closed = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def line(self) -> str:
        """The text of the bar as it stands, e.g. ``train [#####-----]  50% loss 1.2``."""
        frac = min(max(self.done / self.total, 0.0), 1.0)
        filled = int(round(frac * _WIDTH))
        bar = "#" * filled + "-" * (_WIDTH - filled)
        note = f" {self.note}" if self.note else ""
        return f"{self.label} [{bar}] {100 * frac:3.0f}%{note}"

    def update(self, done: float, note: str | None = None) -> None:
        self.done = float(done)
        if note is not None:
            self.note = note
        now = time.monotonic()
        if self._live and now - self._drawn_at >= _REDRAW_SECONDS:
            self._drawn_at = now
            self._stream.write("\r" + self.line() + "\x1b[K")
            self._stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stream.write(("\r" if self._live else "") + self.line() + "\n")
        self._stream.flush()
