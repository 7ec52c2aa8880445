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
from typing import ClassVar

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
    def api_key(cls) -> str | None:
        """The account's key from the settings (env or secrets.toml), or None."""
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

        from core.config import get_settings
        from core.errors import BackendUnavailable

        key = self.api_key()
        if not key:
            raise BackendUnavailable(f"{self.label} has no API key.", f"Set {self.key_setting}.")
        s = get_settings()
        cancel = cancel or CancelToken()
        context = context or GenerationContext(workdir=Path(tempfile.mkdtemp(prefix="wb-remote-")))
        state, image = context.state, context.reference_image
        tasks: dict = state.setdefault("tasks", {})
        stages = self.stages(image)
        slots = TaskSlots(self.name, key, s.remote_max_tasks)
        client = self.client()
        try:
            for i, stage in enumerate(stages):
                task = tasks.get(stage)
                if task and task.get("status") == "succeeded":
                    continue
                base = i / len(stages) * TASK_SHARE
                slot = slots.try_acquire()
                while slot is None:
                    yield Progress(
                        base,
                        f"Waiting for a free {self.service_label} slot "
                        f"({s.remote_max_tasks} task(s) at a time per account)",
                    )
                    if cancel.wait(min(1.0, s.remote_poll_s)):
                        cancel.raise_if_cancelled()
                    slot = slots.try_acquire()
                try:
                    if not task:
                        cancel.raise_if_cancelled()
                        yield Progress(base, f"Creating the {self.service_label} {stage} task")
                        task_id, credits = self.create(client, stage, spec, seed, state, image, cancel)
                        task = tasks[stage] = {
                            "id": task_id,
                            "status": "created",
                            "created_at": now_iso(),
                            "credits": credits,
                        }
                        state["pending_task"] = task_id
                        state["credits"] = state.get("credits", 0.0) + credits
                        context.save_state()  # the id is on disk before the first poll
                    yield from self._poll(
                        client, stage, task, base, 1 / len(stages) * TASK_SHARE, cancel, context
                    )
                finally:
                    slot.release()
            final = tasks[stages[-1]]
            yield Progress(TASK_SHARE, f"Downloading the model from {self.service_label}")
            path = self._download(client, stages[-1], final, context, cancel)
            try:
                state["balance"] = self.balance(client)
            except RemoteServiceError:  # the balance is informative only
                state["balance"] = None
            context.save_state()
        finally:
            client.close()
        info = {
            "remote": {
                "service": self.name,
                "tasks": {k: v["id"] for k, v in tasks.items()},
                "mode": "image" if image else "text",
            },
            "credits": state.get("credits", 0.0),
            "balance": state.get("balance"),
        }
        yield GenerationResult(file=path, info=info)

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
        from core.config import get_settings

        s = get_settings()
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
                failed = context.state.setdefault("failed_tasks", [])
                failed.append({"stage": stage, "id": task["id"], "error": remote.error[:300]})
                context.state["tasks"].pop(stage, None)
                context.state.pop("pending_task", None)
                context.state["credits"] = max(
                    0.0, context.state.get("credits", 0.0) - task.get("credits", 0.0)
                )
                context.save_state()
                raise RemoteTaskFailed(
                    f"{self.service_label} could not generate the model: {remote.error or 'task failed'}.",
                    "Rephrase the description or try another backend; Resume starts a new task.",
                    service=self.name,
                )
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

    def _last_stage(self, context: GenerationContext) -> str:
        return self.stages(context.reference_image)[-1]

    def _download(
        self, client: ServiceClient, stage: str, task: dict, context: GenerationContext, cancel: CancelToken
    ) -> Path:
        from core.config import get_settings
        from core.errors import RemoteRequestError

        s = get_settings()
        dest = context.workdir / f"{self.name}-model.glb"
        url = task.get("model_url")
        try:
            if not url:
                raise RemoteRequestError("no link recorded", service=self.name)
            return download_model(
                url, dest, service=self.name, max_bytes=s.remote_max_download_mb * 2**20, cancel=cancel
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
