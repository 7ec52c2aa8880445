"""Tripo (https://platform.tripo3d.ai/docs): text-to-model and image-to-model, as a remote
backend.

API contract used (platform.tripo3d.ai/docs/generation, /upload, /balance):

* ``POST {base}/task`` ``{"type": "text_to_model", "prompt", "negative_prompt", "model_version",
  "face_limit", "texture", "pbr", "auto_size", "model_seed"}`` -> ``{"code": 0, "data":
  {"task_id"}}``; for an image, first ``POST {base}/upload`` (multipart ``file``) ->
  ``{"data": {"image_token"}}``, then ``{"type": "image_to_model", "file": {"type": "png",
  "file_token"}}``.
* ``GET {base}/task/{id}`` -> ``{"data": {"status": queued | running | success | failed |
  cancelled | banned | expired | unknown, "progress": 0-100, "output": {"pbr_model" |
  "model"}}}``.
* ``GET {base}/user/balance`` -> ``{"data": {"balance", "frozen"}}``.
* ``Authorization: Bearer <key>``; errors carry ``{"code", "message", "suggestion"}``;
  code 2010 means the account needs more credits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import RemoteQuotaError, RemoteServiceError
from core.generators.base import CancelToken
from core.generators.http import ServiceClient, response_message
from core.generators.remote import RemoteGenerator, RemoteTask, remote_prompt
from core.spec.model import AssetSpec

if TYPE_CHECKING:
    from core.config import Settings

PROMPT_LIMIT = 1024
NO_CREDITS_CODE = 2010
NEGATIVE_PROMPT = "low quality, blurry, multiple objects, ground plane, text"
# Credits per textured task from Tripo's billing page (platform.tripo3d.ai/docs/billing,
# 2026): estimates the job records; the balance after the job is recorded too.
CREDITS = {"text": 20.0, "image": 30.0}
STATUS = {
    "queued": "queued",
    "running": "running",
    "success": "succeeded",
    "failed": "failed",
    "cancelled": "failed",
    "banned": "failed",
    "expired": "failed",
    "unknown": "failed",
}


class TripoOutput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    pbr_model: str | None = None


class TripoTask(BaseModel):
    """The fields of Tripo's task object the workbench reads (others are ignored)."""

    model_config = ConfigDict(extra="ignore")
    task_id: str = Field(min_length=1, max_length=200)
    status: Literal["queued", "running", "success", "failed", "cancelled", "banned", "expired", "unknown"]
    progress: int = Field(0, ge=0, le=100)
    output: TripoOutput = Field(default_factory=TripoOutput)


def parse_tripo_error(response: httpx.Response) -> RemoteServiceError | None:
    """Tripo's ``code`` 2010 (any HTTP status) means no credits; the rest map by status."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("code") == NO_CREDITS_CODE:
        return RemoteQuotaError(
            f"Tripo has no credits left on this account: {response_message(response)}",
            "Top up at platform.tripo3d.ai, or configure a fallback backend (GENERATOR_FALLBACKS).",
            service="tripo",
            status=response.status_code,
        )
    return None


def _data(reply: dict) -> dict:
    data = reply.get("data")
    if reply.get("code") != 0 or not isinstance(data, dict):
        raise RemoteServiceError(
            f"Tripo answered with code {reply.get('code')!r}: {str(reply.get('message', ''))[:200]}",
            service="tripo",
        )
    return data


class TripoGenerator(RemoteGenerator):
    """Textured, PBR models from Tripo; needs ``TRIPO_API_KEY``."""

    name = "tripo"
    label = "Tripo (cloud, textured)"
    service_label = "Tripo"
    key_setting = "TRIPO_API_KEY"
    docs_url = "https://platform.tripo3d.ai/docs/quick-start"
    textured = True

    @classmethod
    def api_key(cls, settings: Settings | None = None) -> str | None:
        """``TRIPO_API_KEY`` from ``settings`` (default: the settings in force), or None.
        Tripo publishes no test key, so :meth:`test_mode` stays False."""
        from core.config import get_settings

        key = (settings or get_settings()).tripo_api_key
        return key.get_secret_value() if key else None

    def client(self) -> ServiceClient:
        return ServiceClient(
            "tripo",
            self.settings.tripo_base_url,
            self.api_key(self.settings) or "",
            parse_error=parse_tripo_error,
            key_hint="Check TRIPO_API_KEY (keys look like tsk_...; create one at platform.tripo3d.ai).",
            settings=self.settings,
        )

    def stages(self, image: Path | None) -> list[str]:
        return ["image" if image is not None else "text"]

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
        body: dict = {
            "face_limit": min(max(spec.technical.target_polycount, 500), 200_000),
            "texture": True,
            "pbr": True,
            "auto_size": True,
            "model_seed": seed,
        }
        if s.tripo_model_version:
            body["model_version"] = s.tripo_model_version
        if stage == "image":
            if not state.get("image_token"):  # uploading is free; keep the token for resume
                up = client.request(
                    "POST",
                    "/upload",
                    files={"file": ("reference.png", Path(image).read_bytes(), "image/png")},
                    cancel=cancel,
                )
                token = _data(up).get("image_token")
                if not isinstance(token, str) or not token:
                    raise RemoteServiceError(
                        "Tripo accepted the image but returned no image_token.", service="tripo"
                    )
                state["image_token"] = token
            body.update(type="image_to_model", file={"type": "png", "file_token": state["image_token"]})
        else:
            body.update(
                type="text_to_model",
                prompt=remote_prompt(spec, PROMPT_LIMIT),
                negative_prompt=NEGATIVE_PROMPT,
            )
        data = _data(client.request("POST", "/task", json=body, creates_task=True, cancel=cancel))
        task_id = data.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise RemoteServiceError("Tripo accepted the task but returned no task_id.", service="tripo")
        return task_id, CREDITS[stage]

    def fetch(self, client: ServiceClient, stage: str, task_id: str, cancel: CancelToken) -> RemoteTask:
        raw = _data(client.request("GET", f"/task/{task_id}", cancel=cancel))
        try:
            task = TripoTask.model_validate(raw)
        except ValidationError as e:
            raise RemoteServiceError(
                f"Tripo returned an unexpected task object: {e.errors()[0]['msg']}.",
                "Resume polls the same task again.",
                service="tripo",
            ) from e
        return RemoteTask(
            status=STATUS[task.status],
            progress=task.progress / 100,
            model_url=task.output.pbr_model or task.output.model,
            error=task.status,
        )

    def balance(self, client: ServiceClient) -> float | None:
        value = _data(client.request("GET", "/user/balance")).get("balance")
        return float(value) if isinstance(value, int | float) else None
