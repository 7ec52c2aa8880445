"""Meshy (https://docs.meshy.ai): text-to-3D (preview, then refine for PBR textures) and
image-to-3D, as a remote backend.

API contract used (docs.meshy.ai/api/text-to-3d, /api/image-to-3d, /api/balance):

* ``POST /openapi/v2/text-to-3d`` ``{"mode": "preview", "prompt" (<= 600 chars), "ai_model",
  "topology", "target_polycount", "should_remesh", "symmetry_mode", "seed"}`` -> ``{"result": id}``;
  then ``{"mode": "refine", "preview_task_id", "enable_pbr", "texture_prompt"}``.
* ``POST /openapi/v1/image-to-3d`` ``{"image_url": data URI, "should_texture", "enable_pbr", ...}``.
* ``GET .../{id}`` -> ``{"status": PENDING | IN_PROGRESS | SUCCEEDED | FAILED | CANCELED,
  "progress": 0-100, "preceding_tasks", "model_urls": {"glb", "fbx", "obj", "usdz"},
  "thumbnail_url", "task_error": {"message"}}``.
* ``GET /openapi/v1/balance`` -> ``{"balance": credits}``.
* ``Authorization: Bearer <key>``; errors 400/401/402/403/404/429/5xx with ``{"message"}``.

Meshy deletes API results after at most 3 days, so the GLB is downloaded as soon as the last
task succeeds. ``MESHY_TEST_MODE=true`` uses Meshy's published test key
(``msy_dummy_api_key_for_test_mode_12345678``): every request returns the same sample model
and costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import RemoteServiceError
from core.generators.base import Availability, CancelToken
from core.generators.http import ServiceClient
from core.generators.remote import RemoteGenerator, RemoteTask, data_uri, remote_prompt, texture_prompt
from core.spec.model import AssetSpec

if TYPE_CHECKING:
    from core.config import Settings

TEST_MODE_KEY = "msy_dummy_api_key_for_test_mode_12345678"
PROMPT_LIMIT = 600
# Credits per task from Meshy's price list (docs.meshy.ai/api/pricing, 2026): estimates that
# the job records; the account balance after the job is recorded too.
CREDITS = {
    ("preview", "meshy-6"): 20,
    ("preview", "latest"): 20,
    ("preview", None): 5,
    ("refine", None): 10,
    ("image", "meshy-6"): 30,
    ("image", "latest"): 30,
    ("image", None): 15,
}
STATUS = {
    "PENDING": "queued",
    "IN_PROGRESS": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "CANCELED": "failed",
    "EXPIRED": "failed",
}


class _TaskError(BaseModel):
    message: str = ""


class MeshyTask(BaseModel):
    """The fields of Meshy's task object the workbench reads (others are ignored)."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=200)
    status: Literal["PENDING", "IN_PROGRESS", "SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"]
    progress: int = Field(0, ge=0, le=100)
    preceding_tasks: int | None = None
    model_urls: dict[str, str | None] | None = None
    task_error: _TaskError | None = None


def credits_for(stage: str, ai_model: str) -> float:
    return float(CREDITS.get((stage, ai_model), CREDITS[(stage, None)]))


class MeshyGenerator(RemoteGenerator):
    """Textured, PBR models from Meshy; needs ``MESHY_API_KEY`` (or ``MESHY_TEST_MODE``)."""

    name = "meshy"
    label = "Meshy (cloud, textured)"
    service_label = "Meshy"
    key_setting = "MESHY_API_KEY"
    docs_url = "https://docs.meshy.ai/api/quick-start"
    textured = True

    @classmethod
    def api_key(cls, settings: Settings | None = None) -> str | None:
        """The key from ``settings`` (default: the settings in force): Meshy's published test
        key with ``MESHY_TEST_MODE``, else ``MESHY_API_KEY``, else None."""
        from core.config import get_settings

        s = settings or get_settings()
        if s.meshy_test_mode:
            return TEST_MODE_KEY
        return s.meshy_api_key.get_secret_value() if s.meshy_api_key else None

    @classmethod
    def test_mode(cls, settings: Settings | None = None) -> bool:
        """True when the configured key is Meshy's test key (sample model, no credits)."""
        return cls.api_key(settings) == TEST_MODE_KEY

    @classmethod
    def availability(cls) -> Availability:
        avail = super().availability()
        if avail.ok and cls.test_mode():
            return Availability(True, "test mode: Meshy's sample model, no credits used")
        return avail

    def client(self) -> ServiceClient:
        return ServiceClient(
            "meshy",
            self.settings.meshy_base_url,
            self.api_key(self.settings) or "",
            key_hint="Check MESHY_API_KEY (keys look like msy-...; create one at meshy.ai/settings/api).",
            settings=self.settings,
        )

    def stages(self, image: Path | None) -> list[str]:
        if image is not None:
            return ["image"]
        return ["preview", "refine"] if self.settings.meshy_refine else ["preview"]

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
        s = self.settings
        polycount = min(max(spec.technical.target_polycount, 100), 300_000)
        geometry = {
            "ai_model": s.meshy_ai_model,
            "topology": "triangle",
            "target_polycount": polycount,
            "should_remesh": True,
            "symmetry_mode": "auto",
        }
        if stage == "preview":
            body = {"mode": "preview", "prompt": remote_prompt(spec, PROMPT_LIMIT), **geometry, "seed": seed}
            if s.meshy_ai_model not in ("latest", "meshy-6"):  # art_style only exists before Meshy-6;
                body["art_style"] = "realistic"  # "sculpture" would drop the textures
            path = "/openapi/v2/text-to-3d"
        elif stage == "refine":
            body = {
                "mode": "refine",
                "preview_task_id": state["tasks"]["preview"]["id"],
                "enable_pbr": True,
                "texture_prompt": texture_prompt(spec, PROMPT_LIMIT),
            }
            path = "/openapi/v2/text-to-3d"
        else:
            body = {"image_url": data_uri(image), **geometry, "should_texture": True, "enable_pbr": True}
            path = "/openapi/v1/image-to-3d"
        reply = client.request("POST", path, json=body, creates_task=True, cancel=cancel)
        task_id = reply.get("result")
        if not isinstance(task_id, str) or not task_id:
            raise RemoteServiceError("Meshy accepted the task but returned no task id.", service="meshy")
        return task_id, 0.0 if self.test_mode(s) else credits_for(stage, s.meshy_ai_model)

    def fetch(self, client: ServiceClient, stage: str, task_id: str, cancel: CancelToken) -> RemoteTask:
        path = (
            f"/openapi/v1/image-to-3d/{task_id}" if stage == "image" else f"/openapi/v2/text-to-3d/{task_id}"
        )
        raw = client.request("GET", path, cancel=cancel)
        try:
            task = MeshyTask.model_validate(raw)
        except ValidationError as e:
            raise RemoteServiceError(
                f"Meshy returned an unexpected task object: {e.errors()[0]['msg']}.",
                "Resume polls the same task again.",
                service="meshy",
            ) from e
        error = task.task_error.message if task.task_error else ""
        return RemoteTask(
            status=STATUS[task.status],
            progress=task.progress / 100,
            queue_position=task.preceding_tasks,
            model_url=(task.model_urls or {}).get("glb"),
            error=error or task.status.lower(),
        )

    def balance(self, client: ServiceClient) -> float | None:
        value = client.request("GET", "/openapi/v1/balance").get("balance")
        return float(value) if isinstance(value, int | float) else None
