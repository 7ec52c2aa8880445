"""JSON job checkpoints: what a job was asked to do, which steps are done, and their outputs.

Written atomically (temp file + ``os.replace``) after every step, validated on load. A
corrupt or unknown-version checkpoint raises :class:`~core.errors.CheckpointError`.
No secrets are ever stored here: inputs hold names (writer, model, backend), never keys.

A checkpoint is untrusted input: with ``ASSET_STORE=s3`` any machine that can write the
bucket writes it. So it is bounded (file size, nesting depth, string lengths, number of
outputs), every path in it must stay inside its job folder (relative, no ``..``, no
symlink leading out), the job id must match its folder and the asset id must be the one
derived from the job (:func:`~core.storage.keys.asset_id_for`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import CheckpointError, StorageError, clip
from core.formats import DEFAULT_FORMATS
from core.fsutil import atomic_write_text, parse_json, read_bytes_limited, sha256_file
from core.schemas import Costs
from core.storage.base import JobFile
from core.storage.keys import MAX_ID_LEN, asset_id_for, check_name
from core.types import now

CHECKPOINT_VERSION = 1
STEPS = ("spec", "generate", "process", "export", "thumbnail", "store")
StepStatus = Literal["pending", "running", "done", "failed"]
JobStatus = Literal["pending", "running", "done", "failed", "cancelled", "interrupted"]

MAX_CHECKPOINT_BYTES = 1024 * 1024  # a real one is a few KiB
MAX_OUTPUTS = 64  # files per step (6 formats + LODs + companions is about 15)
MAX_PATH_CHARS = 200
MAX_NAME_CHARS = 200  # writer, model, backend, style, store names
MAX_TEXT_CHARS = 1000  # = core.spec.builtin.MAX_DESCRIPTION_CHARS: descriptions are cut there
MAX_ERROR_CHARS = 4000
ID_PATTERN = rf"^[a-z0-9][a-z0-9-]{{0,{MAX_ID_LEN - 1}}}$"


def check_rel_path(rel: str) -> str:
    """Return ``rel`` if it is a safe path inside a job folder, else raise ``ValueError``.

    Safe: relative POSIX path of one or two segments (``spec.json``, ``exports/model.glb``),
    each a plain file name (letters, digits, ``. _ -``; no ``..``), at most 200 characters.
    """
    if not isinstance(rel, str) or not rel or len(rel) > MAX_PATH_CHARS:
        raise ValueError(f"file path must be 1-{MAX_PATH_CHARS} characters")
    parts = rel.split("/")
    if rel.startswith("/") or "\\" in rel or len(parts) > 2:
        raise ValueError(f"'{rel[:40]}' is not a relative path inside the job folder")
    for part in parts:
        try:
            check_name(part)
        except StorageError:
            raise ValueError(f"'{rel[:40]}' is not a relative path inside the job folder") from None
    return rel


def job_file(folder: Path, rel: str) -> Path:
    """``folder / rel`` after checking it stays inside ``folder``, symlinks resolved.

    Raises
    ------
    CheckpointError
        ``rel`` is absolute, has ``..``, or leads out of the folder through a symlink.
    """
    try:
        check_rel_path(rel)
        path = Path(folder) / rel
        inside = path.resolve().is_relative_to(Path(folder).resolve())
    except (ValueError, OSError, RuntimeError) as e:  # RuntimeError: a symlink loop
        raise CheckpointError(
            f"The checkpoint in {_short(folder)} names an unusable file: {e}",
            "Delete the job folder and generate the asset again.",
        ) from None
    if not inside:
        raise CheckpointError(
            f"The checkpoint in {_short(folder)} names '{rel}', which leads outside its job folder.",
            "Delete the job folder and generate the asset again.",
        )
    return path


def _short(path: Path | str, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else f"...{text[-limit:]}"


SafePath = Annotated[str, AfterValidator(check_rel_path)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutputFile(_Model):
    path: SafePath  # relative to the job folder
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, le=1 << 40)


class StepState(_Model):
    status: StepStatus = "pending"
    started_at: str | None = Field(None, max_length=40)
    finished_at: str | None = Field(None, max_length=40)
    duration_s: float | None = None
    attempts: int = Field(0, ge=0, le=1_000_000)
    outputs: dict[SafePath, OutputFile] = Field(default_factory=dict, max_length=MAX_OUTPUTS)
    info: dict = Field(default_factory=dict)
    error: str | None = Field(None, max_length=MAX_ERROR_CHARS)
    # kept across attempts of the step (e.g. a remote task id, so resume polls the same task)
    state: dict = Field(default_factory=dict)

    @model_validator(mode="after")
    def _output_keys(self) -> StepState:
        for rel, out in self.outputs.items():
            if out.path != rel:
                raise ValueError(f"output '{rel[:80]}' records the path '{out.path[:80]}'")
        return self


class JobInputs(_Model):
    """What the job was asked to make (:meth:`core.jobs.request.JobRequest.inputs`): names of
    the writer, model, backends, store and formats, never keys."""

    description: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    writer: Name = "builtin"
    model: Name | None = None
    backend: Name = "procedural"
    # backends tried when `backend` cannot deliver
    fallbacks: list[Name] = Field(default_factory=list, max_length=16)
    formats: list[Name] = Field(default_factory=lambda: list(DEFAULT_FORMATS), max_length=16)
    seed: int = Field(0, ge=0, lt=2**32)
    style: Name | None = None
    store: Name = "local"
    reference_image: SafePath | None = None  # file in the job folder, validated PNG
    # how the exports look, recorded so a resumed job makes what was asked (the TEXTURE_SIZE
    # and COLLISION settings, or the CLI's --texture-size and --collision); None in
    # checkpoints written before they were recorded: the settings in force then apply
    texture_size: Literal[0, 512, 1024, 2048] | None = None
    collision: Literal["none", "hull", "decomposition"] | None = None
    # spent before the job (concept images); the flat {"concept_images_usd": 0.08} of older
    # checkpoints reads as Costs(usd={"concept_images": 0.08})
    costs: Costs = Field(default_factory=Costs)


class Checkpoint(_Model):
    """The state of one job; ``folder`` (not serialised) is where it lives."""

    schema_version: Literal[1] = CHECKPOINT_VERSION
    job_id: str = Field(pattern=ID_PATTERN)
    asset_id: str = Field(pattern=ID_PATTERN)
    status: JobStatus = "pending"
    created_at: str = Field(default_factory=now, max_length=40)
    updated_at: str = Field(default_factory=now, max_length=40)
    inputs: JobInputs
    steps: dict[str, StepState] = Field(default_factory=lambda: {s: StepState() for s in STEPS})
    error: str | None = Field(None, max_length=MAX_ERROR_CHARS)

    @model_validator(mode="after")
    def _consistent(self) -> Checkpoint:
        missing = [s for s in STEPS if s not in self.steps]
        unknown = [s[:40] for s in self.steps if s not in STEPS]
        if missing or unknown:
            raise ValueError(
                f"steps must be exactly {', '.join(STEPS)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        self.steps = {s: self.steps[s] for s in STEPS}
        expected = asset_id_for(self.inputs.description, self.job_id)
        if self.asset_id != expected:
            raise ValueError(
                f"asset_id '{self.asset_id}' does not belong to job {self.job_id} "
                f"(its asset id is '{expected}')"
            )
        export = self.steps["export"]
        files = export.info.get("files", {})
        if not isinstance(files, dict) or any(
            not isinstance(rel, str) or rel not in export.outputs for rel in files.values()
        ):
            raise ValueError("steps.export.info.files must name outputs of the export step")
        return self

    # --- persistence -------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """Write ``folder/checkpoint.json`` atomically (error messages clipped to the length
        :meth:`load` accepts)."""
        self.updated_at = now()
        self.error = clip(self.error, MAX_ERROR_CHARS)
        for state in self.steps.values():
            state.error = clip(state.error, MAX_ERROR_CHARS)
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
            data = read_bytes_limited(path, MAX_CHECKPOINT_BYTES)
        except FileNotFoundError:
            raise CheckpointError(
                f"No checkpoint at {_short(path)}.", "Check the job id and --out."
            ) from None
        except OSError as e:
            raise CheckpointError(
                f"The checkpoint {_short(path)} cannot be read ({e.strerror or e}).",
                "Check the folder's permissions, or delete the job folder.",
            ) from None
        return cls.parse(data, Path(folder).name, _short(path))

    @classmethod
    def parse(cls, data: bytes, job_id: str, where: str) -> Checkpoint:
        """Validate the raw ``checkpoint.json`` bytes of job ``job_id`` (its folder or object
        name); ``where`` names the file in messages.

        Raises
        ------
        CheckpointError
            Too large, not JSON, too deeply nested, unknown ``schema_version``, wrong shape,
            a path leading out of the job folder, a job id other than ``job_id``, or an asset
            id that is not the job's.
        """
        path = where
        try:
            raw = parse_json(data, MAX_CHECKPOINT_BYTES)
        except ValueError as e:
            raise CheckpointError(
                f"The checkpoint {path} is corrupt: {e}.",
                "Delete the job folder and generate the asset again.",
            ) from None
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
            cp = cls.model_validate(raw)
        except ValidationError as e:
            from core.spec.io import format_validation_error

            raise CheckpointError(
                f"The checkpoint of job {_short(job_id, 40)} is invalid: {format_validation_error(e, limit=1, loc_width=60, msg_width=200)}",
                "Delete the job folder and generate the asset again.",
            ) from None
        if cp.job_id != job_id:
            raise CheckpointError(
                f"The checkpoint {path} is for job {cp.job_id}, not {job_id[:80]}.",
                "Delete the job folder and generate the asset again.",
            )
        return cp

    # --- outputs -----------------------------------------------------------------------------
    @staticmethod
    def describe_output(folder: Path, rel: str) -> OutputFile:
        """Path, sha256 and size of the job file ``rel``.

        Raises
        ------
        CheckpointError
            ``rel`` leads outside ``folder``.
        """
        p = job_file(folder, rel)
        return OutputFile(path=rel, sha256=sha256_file(p), size=p.stat().st_size)

    def step_outputs_valid(self, folder: Path, step: str) -> bool:
        """True if ``step`` is done and every output exists with its recorded sha256.

        Raises
        ------
        CheckpointError
            An output leads outside ``folder`` (through a symlink).
        """
        state = self.steps[step]
        if state.status != "done":
            return False
        for out in state.outputs.values():
            p = job_file(folder, out.path)
            if not p.is_file() or p.stat().st_size != out.size or sha256_file(p) != out.sha256:
                return False
        return True

    def timings(self) -> dict[str, float]:
        return {s: st.duration_s for s, st in self.steps.items() if st.duration_s is not None}


def synced_files(folder: Path) -> list[JobFile]:
    """The files of the job in ``folder`` a remote store holds copies of (what the pipeline
    syncs: the reference image and every step output, with its sha256), read from the
    ``checkpoint.json`` there, which is validated first; for
    :meth:`core.storage.base.Store.fetch_job`.

    Raises
    ------
    CheckpointError
        The checkpoint is missing, corrupt or tampered (a path leading out of ``folder``,
        another job's id).
    """
    cp = Checkpoint.load(folder)
    files = []
    if cp.inputs.reference_image:
        rel = cp.inputs.reference_image
        files.append(JobFile(rel, job_file(folder, rel)))
    for state in cp.steps.values():
        for out in state.outputs.values():
            files.append(JobFile(out.path, job_file(folder, out.path), out.sha256))
    return files
