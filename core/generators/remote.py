"""What every remote (paid, cloud) 3D backend shares: the task life cycle.

A remote generation is one or more *stages* (Meshy: preview then refine; Tripo: one task),
each a task on the service: create it, **record its id in the job checkpoint before the
first poll**, poll until it succeeds or fails, then download the finished model into the
job folder at once (services delete results after a few days). A job killed or cancelled
while a task runs resumes by polling the same task: one job never pays for a task twice.

Subclasses implement :meth:`RemoteGenerator.stages`, :meth:`~RemoteGenerator.create`,
:meth:`~RemoteGenerator.fetch` and :meth:`~RemoteGenerator.client`; everything else (slots,
rate limits, retries, progress, cancellation, credits, validation) lives here.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from core.errors import RemoteServiceError, RemoteTaskFailed, RemoteUnavailable
from core.generators.base import (
    Availability,
    CancelToken,
    GenerationContext,
    GenerationResult,
    Generator,
    Progress,
    Requirements,
)
from core.generators.http import ServiceClient, TaskSlots, download_model
from core.spec.model import AssetSpec

if TYPE_CHECKING:
    from core.config import Settings

# how much of the step's progress bar the remote task takes; the download takes the rest
TASK_SHARE = 0.92


@dataclass(frozen=True)
class RemoteTask:
    """A service task's state, in the workbench's words.

    ``status``: queued | running | succeeded | failed; ``progress`` in [0, 1];
    ``queue_position``: tasks ahead of it while queued; ``model_url``: the GLB when done;
    ``error``: the service's reason when failed.
    """

    status: str
    progress: float = 0.0
    queue_position: int | None = None
    model_url: str | None = None
    error: str = ""


def data_uri(png: Path) -> str:
    """``data:image/png;base64,...`` for a PNG file (how Meshy takes an uploaded image)."""
    return "data:image/png;base64," + base64.b64encode(Path(png).read_bytes()).decode()


def now_iso() -> str:
    from core.types import now

    return now()


class RemoteGenerator(Generator):
    """Base class of remote backends; see the module docstring for the life cycle."""

    remote = True
    uses_seed = True
    accepts_image = True
    service_label: ClassVar[str]
    key_setting: ClassVar[str]  # e.g. "MESHY_API_KEY"
    docs_url: ClassVar[str]

    # --- to implement -------------------------------------------------------------------------
    @classmethod
    def api_key(cls, settings: Settings | None = None) -> str | None:
        """The account's key from ``settings`` (env or secrets.toml; default: the settings in
        force), or None."""
        raise NotImplementedError

    def client(self) -> ServiceClient:
        raise NotImplementedError

    def stages(self, image: Path | None) -> list[str]:
        """Names of the tasks to run in order, for text (``image`` None) or image input."""
        raise NotImplementedError

    def create(
        self,
        client: ServiceClient,
        stage: str,
        spec: AssetSpec,
        seed: int,
        state: dict,
        image: Path | None,
        cancel: CancelToken,
    ) -> tuple[str, float]:
        """Create the task of ``stage``; returns ``(task id, credits it costs)``."""
        raise NotImplementedError

    def fetch(self, client: ServiceClient, stage: str, task_id: str, cancel: CancelToken) -> RemoteTask:
        """Poll the task once."""
        raise NotImplementedError

    def balance(self, client: ServiceClient) -> float | None:
        """Credits left on the account, or None if the service does not say."""
        return None

    # --- shared -------------------------------------------------------------------------------
    @classmethod
    def requirements(cls) -> Requirements:
        return Requirements(
            env=(cls.key_setting,), install_hint=f"Set {cls.key_setting} (see {cls.docs_url})."
        )

    @classmethod
    def availability(cls) -> Availability:
        if not cls.api_key():
            return Availability(
                False, f"no API key: set {cls.key_setting} in the environment or secrets.toml"
            )
        return Availability(True)

    def generate(
        self,
        spec: AssetSpec,
        *,
        seed: int = 0,
        cancel: CancelToken | None = None,
        context: GenerationContext | None = None,
    ) -> Iterator[Progress | GenerationResult]:
        """Run (or resume) the service's tasks, then download and validate the model.

        Yields progress (queue position, service progress), then a ``GenerationResult`` whose
        ``file`` is the downloaded GLB in ``context.workdir``.

        Raises
        ------
        BackendUnavailable
            No API key.
        RemoteAuthError, RemoteQuotaError, RemoteRequestError, RemoteRateLimited,
        RemoteUnavailable, RemoteTaskFailed, InvalidModelFile
            See :mod:`core.errors`; a task still running stays in the checkpoint.
        JobCancelled
            ``cancel`` was set: polling stops, the task id stays for resume.
        """
        import tempfile

        key = self._key()
        cancel = cancel or CancelToken()
        context = context or GenerationContext(workdir=Path(tempfile.mkdtemp(prefix="wb-remote-")))
        state, image = context.state, context.reference_image
        tasks: dict = state.setdefault("tasks", {})
        stages = self.stages(image)
        slots = TaskSlots(self.name, key, self.settings.remote_max_tasks, settings=self.settings)
        client = self.client()
        try:
            for i, stage in enumerate(stages):
                if (tasks.get(stage) or {}).get("status") != "succeeded":
                    yield from self._run_stage(
                        client, slots, stage, (i, len(stages)), spec, seed, cancel, context
                    )
            yield Progress(TASK_SHARE, f"Downloading the model from {self.service_label}")
            path = self._download(client, stages[-1], tasks[stages[-1]], context, cancel)
            self._record_balance(client, context)
        finally:
            client.close()
        yield GenerationResult(file=path, info=self._info(state, image))

    def _record_balance(self, client: ServiceClient, context: GenerationContext) -> None:
        """Save the account's credits left in the checkpoint (None when the service would not
        say: the balance is informative only)."""
        try:
            context.state["balance"] = self.balance(client)
        except RemoteServiceError:
            context.state["balance"] = None
        context.save_state()

    def _info(self, state: dict, image: Path | None) -> dict:
        """The result's ``info``: service, task ids, text or image mode, credits and balance."""
        return {
            "remote": {
                "service": self.name,
                "tasks": {k: v["id"] for k, v in state["tasks"].items()},
                "mode": "image" if image else "text",
            },
            "credits": state.get("credits", 0.0),
            "balance": state.get("balance"),
        }

    def _key(self) -> str:
        """The account's API key; ``BackendUnavailable`` naming the setting when there is none."""
        from core.errors import BackendUnavailable

        key = self.api_key(self.settings)
        if not key:
            raise BackendUnavailable(f"{self.label} has no API key.", f"Set {self.key_setting}.")
        return key

    def _run_stage(
        self,
        client: ServiceClient,
        slots: TaskSlots,
        stage: str,
        at: tuple[int, int],
        spec: AssetSpec,
        seed: int,
        cancel: CancelToken,
        context: GenerationContext,
    ) -> Iterator[Progress]:
        """Stage number ``at[0]`` of ``at[1]``: hold a task slot, create the task unless the
        checkpoint has one, and poll it until it succeeds."""
        i, n = at
        base, share = i / n * TASK_SHARE, 1 / n * TASK_SHARE
        slot = yield from self._wait_for_slot(slots, base, cancel)
        try:
            task = context.state["tasks"].get(stage)
            if not task:
                task = yield from self._create_task(client, stage, base, spec, seed, cancel, context)
            yield from self._poll(client, stage, task, base, share, cancel, context)
        finally:
            slot.release()

    def _wait_for_slot(self, slots: TaskSlots, base: float, cancel: CancelToken):
        """``yield from`` this: a held task slot, once one is free (progress while waiting;
        ``JobCancelled`` when cancelled meanwhile)."""
        s = self.settings
        slot = slots.try_acquire()
        while slot is None:
            yield Progress(
                base,
                f"Waiting for a free {self.service_label} slot ({s.remote_max_tasks} task(s) at a time per account)",
            )
            if cancel.wait(min(1.0, s.remote_poll_s)):
                cancel.raise_if_cancelled()
            slot = slots.try_acquire()
        return slot

    def _create_task(
        self,
        client: ServiceClient,
        stage: str,
        base: float,
        spec: AssetSpec,
        seed: int,
        cancel: CancelToken,
        context: GenerationContext,
    ):
        """``yield from`` this: the new task's checkpoint record. Its id and credits are saved
        in the checkpoint before the first poll, so a resumed job never pays twice."""
        state = context.state
        cancel.raise_if_cancelled()
        yield Progress(base, f"Creating the {self.service_label} {stage} task")
        task_id, credits = self.create(client, stage, spec, seed, state, context.reference_image, cancel)
        task = state["tasks"][stage] = {
            "id": task_id,
            "status": "created",
            "created_at": now_iso(),
            "credits": credits,
        }
        state["pending_task"] = task_id
        state["credits"] = state.get("credits", 0.0) + credits
        context.save_state()  # the id is on disk before the first poll
        return task

    def _poll(
        self,
        client: ServiceClient,
        stage: str,
        task: dict,
        base: float,
        share: float,
        cancel: CancelToken,
        context: GenerationContext,
    ) -> Iterator[Progress]:
        """Poll ``task`` every ``REMOTE_POLL_S`` with progress from ``base`` to ``base + share``
        until it succeeds (recorded in the checkpoint). Raises ``RemoteTaskFailed`` (see
        :meth:`_task_failed`), ``RemoteUnavailable`` after ``REMOTE_TASK_TIMEOUT_S`` (the task
        is kept), ``JobCancelled``."""
        s = self.settings
        t0 = time.monotonic()
        while True:
            cancel.raise_if_cancelled()
            remote = self.fetch(client, stage, task["id"], cancel)
            if remote.status == "succeeded":
                if not remote.model_url and stage == self._last_stage(context):
                    raise RemoteTaskFailed(
                        f"{self.service_label} finished the task but gave no GLB link.", service=self.name
                    )
                task.update(status="succeeded", model_url=remote.model_url, finished_at=now_iso())
                context.state.pop("pending_task", None)
                context.save_state()
                yield Progress(base + share, f"{self.service_label} {stage} done")
                return
            if remote.status == "failed":
                raise self._task_failed(stage, task, remote, context)
            if remote.status == "queued":
                ahead = f" ({remote.queue_position} ahead)" if remote.queue_position else ""
                msg = f"{self.service_label} {stage}: queued{ahead}"
            else:
                msg = f"{self.service_label} {stage}: {remote.progress:.0%}"
            yield Progress(base + share * remote.progress, msg)
            if time.monotonic() - t0 > s.remote_task_timeout_s:
                raise RemoteUnavailable(
                    f"{self.service_label} has not finished the {stage} task after {s.remote_task_timeout_s:.0f} s.",
                    "The task is kept: Resume keeps waiting for it without paying again.",
                    service=self.name,
                )
            if cancel.wait(s.remote_poll_s):
                cancel.raise_if_cancelled()

    def _task_failed(
        self, stage: str, task: dict, remote: RemoteTask, context: GenerationContext
    ) -> RemoteTaskFailed:
        """The error of a task the service failed, after recording it in the checkpoint: the
        task joins ``failed_tasks`` and leaves ``tasks`` (Resume starts a new one), its
        credits are taken back."""
        state = context.state
        failed = state.setdefault("failed_tasks", [])
        failed.append({"stage": stage, "id": task["id"], "error": remote.error[:300]})
        state["tasks"].pop(stage, None)
        state.pop("pending_task", None)
        state["credits"] = max(0.0, state.get("credits", 0.0) - task.get("credits", 0.0))
        context.save_state()
        return RemoteTaskFailed(
            f"{self.service_label} could not generate the model: {remote.error or 'task failed'}.",
            "Rephrase the description or try another backend; Resume starts a new task.",
            service=self.name,
        )

    def _last_stage(self, context: GenerationContext) -> str:
        return self.stages(context.reference_image)[-1]

    def _download(
        self, client: ServiceClient, stage: str, task: dict, context: GenerationContext, cancel: CancelToken
    ) -> Path:
        from core.errors import RemoteRequestError

        s = self.settings
        dest = context.workdir / f"{self.name}-model.glb"
        url = task.get("model_url")
        try:
            if not url:
                raise RemoteRequestError("no link recorded", service=self.name)
            return download_model(
                url,
                dest,
                service=self.name,
                max_bytes=s.remote_max_download_mb * 2**20,
                cancel=cancel,
                settings=s,
            )
        except RemoteServiceError as e:
            if not isinstance(e, RemoteRequestError) and e.status not in (401, 403):
                raise
        # the signed link expired (403/404) or was never recorded: ask the task for a new one
        fresh = self.fetch(client, stage, task["id"], cancel)
        if fresh.status != "succeeded" or not fresh.model_url:
            raise RemoteTaskFailed(
                f"{self.service_label} no longer has the result of task {task['id']}.",
                "Services delete results after a few days; generate again.",
                service=self.name,
            )
        task["model_url"] = fresh.model_url
        context.save_state()
        return download_model(
            fresh.model_url,
            dest,
            service=self.name,
            max_bytes=s.remote_max_download_mb * 2**20,
            cancel=cancel,
            settings=s,
        )


def remote_prompt(spec: AssetSpec, limit: int) -> str:
    """The geometry prompt for a service (``prompts/remote_model.j2``), at most ``limit`` chars."""
    from core.prompts import render

    text = render(
        "remote_model.j2",
        name=spec.name,
        description=spec.short_description,
        style=spec.style.value,
        category=spec.category.value,
        materials=[m.name for m in spec.materials],
        height=spec.dimensions.height,
        width=spec.dimensions.width,
    )
    return " ".join(text.split())[:limit]


def texture_prompt(spec: AssetSpec, limit: int) -> str:
    """The texturing prompt (``prompts/remote_texture.j2``), at most ``limit`` chars."""
    from core.prompts import render

    mats = [
        f"{colour_name(m.base_color)} {m.name}" + (" (metallic)" if m.metallic >= 0.5 else "")
        for m in spec.materials
    ]
    text = render("remote_texture.j2", name=spec.name, style=spec.style.value, materials=mats)
    return " ".join(text.split())[:limit]


def colour_name(hex_color: str) -> str:
    """The nearest colour word of the built-in vocabulary for ``#rrggbb`` (prompts read
    better with words than hex codes)."""
    from core.spec.vocab import COLOR_WORDS

    def rgb(h: str) -> tuple[int, ...]:
        return tuple(int(h[i : i + 2], 16) for i in (1, 3, 5))

    target = rgb(hex_color)
    words = {w: h for w, h in COLOR_WORDS.items() if w not in ("dark", "gray")}
    return min(words, key=lambda w: sum((a - b) ** 2 for a, b in zip(rgb(words[w]), target, strict=True)))
