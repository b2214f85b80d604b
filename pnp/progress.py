"""Progress lines on stderr for long work (sweeps, scans, design loops, validation).

One line per finished step: ``[k/n] message  (step s, elapsed, ETA)``. The estimate of the
remaining time is the mean duration of the finished steps after the first (the first one
includes compiling the solver, typically 20–70 s on a CPU), times the steps left. Before the
first step a "compiling" notice says why it is slow.
"""

from __future__ import annotations

import sys
import time


def format_duration(seconds: float) -> str:
    """``"12.3 s"``, ``"4 min 05 s"`` or ``"2 h 03 min"``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """Reports ``total`` steps of ``what`` (e.g. "bias point") to ``stream`` (stderr).

    Call :meth:`begin` once before the first step and :meth:`step` after each finished one.
    With ``enabled=False`` nothing is printed, so callers need no branches.
    """

    def __init__(self, total: int, what: str = "step", *, enabled: bool = True, stream=None, done: int = 0):
        self.total = int(total)
        self.what = what
        self.enabled = enabled
        self.stream = stream
        self.done = int(done)
        self._started = None
        self._last = None
        self._durations: list[float] = []

    def _print(self, text: str) -> None:
        if self.enabled:
            print(text, file=self.stream if self.stream is not None else sys.stderr, flush=True)

    def begin(self, note: str = "") -> None:
        """Start the clock; say that the first step compiles (and ``note``, if given)."""
        self._started = self._last = time.perf_counter()
        left = self.total - self.done
        extra = f"; {note}" if note else ""
        self._print(f"  {left} {self.what}(s) to solve; the first one compiles the solver "
                    f"(20–70 s on a CPU){extra} …")

    def step(self, message: str) -> float:
        """Report one finished step with ``message``; returns its duration (s)."""
        now = time.perf_counter()
        if self._started is None:
            self._started = self._last = now
        duration = now - self._last
        self._last = now
        self._durations.append(duration)
        self.done += 1
        timed = self._durations[1:]  # the first step includes compiling: no estimate from it alone
        left = max(self.total - self.done, 0)
        eta = f", ETA {format_duration(left * sum(timed) / len(timed))}" if left and timed else ""
        self._print(f"  [{self.done}/{self.total}] {message}  ({format_duration(duration)}; "
                    f"elapsed {format_duration(now - self._started)}{eta})")
        return duration
