"""JSON job checkpoints: what a job was asked to do, which steps are done, and their outputs.

Written atomically (temp file + ``os.replace``) after every step, validated on load. A
corrupt or unknown-version checkpoint raises :class:`~core.errors.CheckpointError`.
No secrets are ever stored here: inputs hold names (writer, model, backend), never keys.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import CheckpointError
from core.fsutil import atomic_write_text, sha256_file

CHECKPOINT_VERSION = 1
STEPS = ("spec", "generate", "process", "export", "thumbnail", "store")
StepStatus = Literal["pending", "running", "done", "failed"]
JobStatus = Literal["pending", "running", "done", "failed", "cancelled", "interrupted"]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class OutputFile(BaseModel):
    path: str  # relative to the job folder
    sha256: str
    size: int


class StepState(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: StepStatus = "pending"
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    attempts: int = 0
    outputs: dict[str, OutputFile] = Field(default_factory=dict)
    info: dict = Field(default_factory=dict)
    error: str | None = None
    # kept across attempts of the step (e.g. a remote task id, so resume polls the same task)
    state: dict = Field(default_factory=dict)


class JobInputs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    writer: str = "builtin"
    model: str | None = None
    backend: str = "procedural"
    fallbacks: list[str] = Field(default_factory=list)  # backends tried when `backend` cannot deliver
    formats: list[str] = Field(default_factory=lambda: ["glb", "obj", "stl"])
    seed: int = 0
    style: str | None = None
    store: str = "local"
    reference_image: str | None = None  # file in the job folder, validated PNG
    costs: dict[str, float] = Field(default_factory=dict)  # e.g. {"concept_images_usd": 0.08}


class Checkpoint(BaseModel):
    """The state of one job; ``folder`` (not serialised) is where it lives."""

    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = CHECKPOINT_VERSION
    job_id: str
    asset_id: str
    status: JobStatus = "pending"
    created_at: str = Field(default_factory=now)
    updated_at: str = Field(default_factory=now)
    inputs: JobInputs
    steps: dict[str, StepState] = Field(default_factory=lambda: {s: StepState() for s in STEPS})
    error: str | None = None

    # --- persistence -------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """Write ``folder/checkpoint.json`` atomically."""
        self.updated_at = now()
        path = Path(folder) / "checkpoint.json"
        atomic_write_text(path, self.model_dump_json(indent=2) + "\n")
        return path

    @classmethod
    def load(cls, folder: Path) -> Checkpoint:
        """Read and validate ``folder/checkpoint.json``.

        Raises
        ------
        CheckpointError
            Missing, not JSON, unknown ``schema_version`` or wrong shape.
        """
        path = Path(folder) / "checkpoint.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(f"No checkpoint at {path}.", "Check the job id and --out.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(
                f"The checkpoint {path} is corrupt ({e}).",
                "Delete the job folder and generate the asset again.",
            ) from e
        if not isinstance(raw, dict):
            raise CheckpointError(f"The checkpoint {path} is not a JSON object.")
        version = raw.get("schema_version")
        if version != CHECKPOINT_VERSION:
            raise CheckpointError(
                f"The checkpoint {path} has schema_version {version!r}; this version of the "
                f"workbench reads version {CHECKPOINT_VERSION}.",
                "Upgrade the workbench or generate the asset again.",
            )
        try:
            return cls.model_validate(raw)
        except ValidationError as e:
            from core.spec.io import format_validation_error

            raise CheckpointError(
                f"The checkpoint {path} is invalid: {format_validation_error(e)}",
                "Delete the job folder and generate the asset again.",
            ) from e

    # --- outputs -----------------------------------------------------------------------------
    @staticmethod
    def describe_output(folder: Path, rel: str) -> OutputFile:
        p = Path(folder) / rel
        return OutputFile(path=rel, sha256=sha256_file(p), size=p.stat().st_size)

    def step_outputs_valid(self, folder: Path, step: str) -> bool:
        """True if ``step`` is done and every output exists with its recorded sha256."""
        state = self.steps[step]
        if state.status != "done":
            return False
        for out in state.outputs.values():
            p = Path(folder) / out.path
            if not p.is_file() or p.stat().st_size != out.size or sha256_file(p) != out.sha256:
                return False
        return True

    def timings(self) -> dict[str, float]:
        return {s: st.duration_s for s, st in self.steps.items() if st.duration_s is not None}
