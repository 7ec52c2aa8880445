"""Start-up recovery: what a server does, once, about jobs a dead process left behind.

A job whose process died (a server restart, a crash) is left ``running`` or ``pending`` in its
checkpoint. At start the server marks such jobs ``interrupted`` (resumable; a job whose lock
another live process holds is left alone, see :func:`core.jobs.runner.recover_interrupted`).
With ``RESUME_INTERRUPTED=auto`` they are submitted again at once; with ``ask`` (the
default) the Generate page offers them for resume. A runner that redelivers by itself
(Celery: the broker hands a dead worker's task to another) is left to do so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import WorkbenchError

if TYPE_CHECKING:
    from core.config import Settings
    from core.jobs.runner import JobRunner


@dataclass(frozen=True)
class RecoveryReport:
    """What start-up recovery did: job ids marked ``interrupted``, those of them submitted
    again (``resumed``), those that could not be reopened (``failed``: job id -> message),
    and ``skipped``, why nothing was looked at (empty when recovery ran)."""

    interrupted: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: str = ""


def recover_on_startup(settings: Settings, runner: JobRunner) -> RecoveryReport:
    """Mark the jobs a dead process left under ``settings.asset_dir`` as interrupted and, with
    ``settings.resume_interrupted == "auto"``, submit them to ``runner`` again.

    Call once per server process, after building the runner (``core.jobs.runner.runner_for``).
    A job that cannot be reopened (a corrupt checkpoint) is reported in ``failed`` and the
    others are still resumed; nothing here raises a ``WorkbenchError``.
    """
    from core.jobs.pipeline import Job
    from core.jobs.runner import recover_interrupted

    if runner.redelivers:
        return RecoveryReport(skipped=f"the {runner.name} runner resumes its own jobs by redelivery")
    interrupted = recover_interrupted(settings.asset_dir)
    if settings.resume_interrupted != "auto":
        return RecoveryReport(interrupted=interrupted)
    resumed, failed = [], {}
    for job_id in interrupted:
        try:
            runner.submit(Job.open(job_id, settings.asset_dir, settings))
        except WorkbenchError as e:
            failed[job_id] = str(e)
        else:
            resumed.append(job_id)
    return RecoveryReport(interrupted=interrupted, resumed=resumed, failed=failed)
