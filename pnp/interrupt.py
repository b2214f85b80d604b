"""Stopping a long run on a signal (``kill``/SIGTERM or Ctrl-C/SIGINT) so that it always stops.

Inside :func:`signals_interrupt` either signal raises KeyboardInterrupt at once, so a run ends
the clean way (finished points are already on disk). Python discards an exception raised
while it runs a weakref callback or ``__del__`` ("Exception ignored in ..."), and a signal
can land there; so the handler also records the request, and :func:`checkpoint`, called
after every finished point, raises it again. A stop is therefore never lost: at the latest
it takes effect when the point being solved is finished and written. The discarded
exception is not printed (it is not an error: the checkpoint re-raises it).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

_requested: list[int] = []  # the signal numbers received inside signals_interrupt


def checkpoint() -> None:
    """Raise KeyboardInterrupt if a stop was requested (a signal whose exception may have been
    discarded); do nothing otherwise. Call it where stopping leaves consistent files."""
    if _requested:
        raise KeyboardInterrupt(f"signal {_requested[0]}")


@contextlib.contextmanager
def signals_interrupt():
    """While inside, SIGTERM and SIGINT raise KeyboardInterrupt and are recorded for
    :func:`checkpoint`; the previous handlers are restored (and the record cleared) after.
    Outside the main thread (where handlers cannot be set) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        _requested.append(signum)
        raise KeyboardInterrupt(f"signal {signum}")

    printing_hook = sys.unraisablehook

    def quiet_about_stops(unraisable):
        if not (_requested and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            printing_hook(unraisable)

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGTERM, signal.SIGINT)}
    sys.unraisablehook = quiet_about_stops
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sys.unraisablehook = printing_hook
        _requested.clear()
