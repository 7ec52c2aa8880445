"""One builder for :class:`~core.schemas.JobResult`: a job's summary and a stored asset's,
the same shape for the CLI's ``--json``, the Generate page and the gallery."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import StorageError
from core.schemas import AssetMetadata, JobResult, MeshStats

if TYPE_CHECKING:
    from core.jobs.pipeline import Job
    from core.storage.base import Store


def job_result(job: Job) -> JobResult:
    """The summary of ``job``: ids, status, files (format -> absolute local path: in the asset
    folder of the local store; for a remote store the job folder's copy of what was uploaded,
    so nothing is downloaded again), stats, timings, backend, fallbacks, costs, error.

    A file of a done job whose stored copy was deleted meanwhile is left out (resume publishes
    it again); nothing here raises for a missing file.

    Raises
    ------
    CheckpointError
        The checkpoint's step info has the wrong shape (a tampered checkpoint).
    """
    from pydantic import ValidationError

    from core.jobs.steps import job_costs

    cp = job.cp
    files = _job_files(job) if cp.status == "done" else {}
    stats = cp.steps["process"].info.get("stats")
    try:
        return JobResult(
            asset_id=cp.asset_id,
            job_id=cp.job_id,
            status=cp.status,
            archetype=cp.steps["spec"].info.get("archetype"),
            warnings=[
                *cp.steps["spec"].info.get("warnings", []),
                *cp.steps["process"].info.get("warnings", []),
            ],
            files=files,
            stats=MeshStats.model_validate(stats) if stats else None,
            timings=cp.timings(),
            backend=cp.steps["generate"].info.get("backend", cp.inputs.backend),
            fallbacks=cp.steps["generate"].info.get("fallbacks", []),
            costs=job_costs(cp),
            error=cp.error,
        )
    except (ValidationError, TypeError, ValueError) as e:
        from core.errors import CheckpointError
        from core.spec.io import format_validation_error

        why = format_validation_error(e, limit=1) if isinstance(e, ValidationError) else str(e)
        raise CheckpointError(
            f"The checkpoint of job {cp.job_id} records an unusable result: {why[:200]}",
            "Delete the job folder and generate the asset again.",
        ) from None


def _job_files(job: Job) -> dict[str, str]:
    cp, store = job.cp, job.store
    export = cp.steps["export"]
    files: dict[str, str] = {}
    for fmt, rel in export.info.get("files", {}).items():
        local = job.folder / rel
        recorded = export.outputs.get(rel)
        intact = recorded is not None and local.is_file() and local.stat().st_size == recorded.size
        if store.name != "local" and intact:
            files[fmt] = str(local.resolve())
            continue
        try:
            files[fmt] = str(
                store.local_path(cp.asset_id, Path(rel).name, recorded.sha256 if recorded else None)
            )
        except StorageError:
            continue  # the asset was deleted meanwhile: resume publishes it again
    return files


def asset_result(store: Store, meta: dict | AssetMetadata) -> JobResult:
    """The summary of a stored asset from its checked ``metadata.json`` (a dict as the store
    lists it, or an :class:`~core.schemas.AssetMetadata`; files as local paths of ``store``),
    in the shape :func:`job_result` gives for a job.

    Raises
    ------
    pydantic.ValidationError
        ``meta`` is not a valid ``metadata.json`` (the stores check it when they read it).
    StorageError
        A file it names is missing from ``store``.
    """
    m = AssetMetadata.model_validate(meta)
    return JobResult(
        asset_id=m.asset_id,
        job_id=m.job_id,
        status="done",
        archetype=m.archetype,
        files={fmt: str(store.local_path(m.asset_id, name)) for fmt, name in m.formats.items()},
        stats=m.stats,
        timings=m.timings,
        backend=m.backend,
        fallbacks=m.fallbacks,
        costs=m.costs,
    )


__all__ = ["asset_result", "job_result"]
