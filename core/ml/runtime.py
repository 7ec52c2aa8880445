"""Run a blocking model call in a worker thread while the generator yields its progress.

A local model's sampling loop is one long call; the job pipeline wants ``Progress`` events
and a way to cancel between diffusion steps. :func:`run_with_progress` runs ``work(report)``
in a thread; ``report(fraction, message)`` queues a progress event and raises
``JobCancelled`` when the job was cancelled, which stops the model at its next step.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from core.types import CancelToken, Progress

Report = Callable[[float, str], None]


def run_with_progress(
    work: Callable[[Report], Any], cancel: CancelToken, step: str = "generate"
) -> Iterator[Progress]:
    """Yield the progress of ``work`` and return (``StopIteration.value``) what it returned.

    Raises whatever ``work`` raised (``JobCancelled`` when ``cancel`` was set meanwhile).
    """
    events: queue.Queue = queue.Queue()
    outcome: dict = {}

    def report(fraction: float, message: str) -> None:
        cancel.raise_if_cancelled()
        events.put(Progress(min(max(fraction, 0.0), 1.0), message, step))

    def target() -> None:
        try:
            outcome["value"] = work(report)
        except BaseException as e:  # re-raised in the caller's thread
            outcome["error"] = e

    thread = threading.Thread(target=target, name="ml-work", daemon=True)
    thread.start()
    while thread.is_alive() or not events.empty():
        try:
            yield events.get(timeout=0.1)
        except queue.Empty:
            continue
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
