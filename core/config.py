"""Settings read from the environment and ``.streamlit/secrets.toml`` (pydantic-settings).

Every setting has an embedded default that works on a fresh machine: no API key, no GPU, no
cloud account. Environment variables win over ``secrets.toml``; names are case-insensitive
(``ASSET_DIR`` or ``asset_dir``). Secret values are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.errors import ConfigError, SecretsFileError

SECRETS_FILE = Path(".streamlit") / "secrets.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_PATH_CHARS = 4096  # PATH_MAX on Linux
MAX_NAME_CHARS = 255  # NAME_MAX: one folder name


def check_asset_dir(value: object, what: str = "ASSET_DIR") -> Path:
    """``value`` as an asset folder path, or a ``ConfigError`` saying what to fix.

    Refused: an empty path (it would write into the current folder), a path or folder name
    longer than the system allows, a path that is a file or lies under a file, a symlink loop.
    The folder need not exist yet; whether it can be created is found when it is.

    Raises
    ------
    ConfigError
        The path is unusable as an asset folder.
    """
    text = str(value) if isinstance(value, Path) else value
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{what} is empty.", f"Give a folder, e.g. {what}=assets.")
    shown = text if len(text) <= 120 else f"{text[:60]}...{text[-40:]} ({len(text)} characters)"
    if "\x00" in text:
        raise ConfigError(f"{what} '{shown}' contains a NUL character.", "Give a plain folder path.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{what} '{shown.encode('utf-8', 'backslashreplace').decode()}' is not valid UTF-8.",
            "Give a folder path in UTF-8.",
        ) from None
    path = Path(text).expanduser()
    if len(str(path)) > MAX_PATH_CHARS or any(len(p) > MAX_NAME_CHARS for p in path.parts):
        raise ConfigError(
            f"{what} is too long ({len(str(path))} characters; a path may have {MAX_PATH_CHARS}, "
            f"each folder name {MAX_NAME_CHARS}).",
            "Choose a shorter folder path.",
        )
    try:
        path.resolve()
        for parent in [path, *path.parents]:
            if parent.exists() or parent.is_symlink():
                if not parent.is_dir():
                    where = "is" if parent == path else f"lies under {parent}, which is"
                    raise ConfigError(
                        f"{what} '{shown}' {where} not a folder.",
                        "Give a folder path (it is created if missing).",
                    )
                break
    except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python 3.11)
        raise ConfigError(
            f"{what} '{shown}' cannot be used: {getattr(e, 'strerror', None) or e}.",
            "Give a plain folder path.",
        ) from None
    return path


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Workbench configuration (see the README's settings table)."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    asset_dir: Path = Field(Path("assets"), description="Local asset store folder.")
    cache_dir: Path = Field(Path(".cache"), description="diskcache folder for LLM replies.")
    spec_writer: str = Field("builtin", description="Default spec writer: builtin | litellm.")
    template_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Folders of extra template files (TOML) that add to or override the built-in library; "
        "separated by the OS path separator.",
    )
    generator: str = Field("procedural", description="Default 3D generator backend.")
    export_formats: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["glb", "obj", "stl"],
        description="Default export formats, comma separated.",
    )
    llm_models: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"],
        description="LiteLLM model fallback chain, comma separated, tried in order.",
    )
    llm_api_base: str | None = Field(None, description="Base URL for an OpenAI-compatible server.")
    llm_api_key: SecretStr | None = Field(
        None, description="API key passed to LiteLLM (else its provider variables are used)."
    )
    llm_timeout_s: float = Field(60.0, gt=0, description="Timeout of one LLM request, seconds.")
    llm_retries: int = Field(2, ge=0, le=10, description="Retries per model on 429/5xx.")
    llm_cache: bool = Field(True, description="Cache LLM replies in diskcache.")
    image_model: str = Field("gpt-image-1", description="LiteLLM image model for concept images.")
    image_size: str = Field("1024x1024", pattern=r"^\d{2,4}x\d{2,4}$", description="Concept image size.")
    blender_path: str | None = Field(None, description="Blender executable for FBX/.blend.")
    blender_timeout_s: float = Field(180.0, gt=0, description="Timeout of one Blender export.")
    thumbnail_size: int = Field(512, ge=64, le=2048, description="Thumbnail edge, pixels.")
    log_format: str = Field("text", pattern="^(text|json)$", description="Log lines: text | json.")
    log_level: str = Field("WARNING", description="Log level of the core logger.")
    log_private: bool = Field(False, description="Never log descriptions or prompts.")
    resume_interrupted: str = Field(
        "ask", pattern="^(ask|auto)$", description="Jobs found interrupted at app start: ask | auto."
    )
    asset_store: str = Field("local", description="Where assets live: local | s3.")
    s3_bucket: str | None = Field(None, description="S3 bucket (ASSET_STORE=s3).")
    s3_prefix: str = Field("assets", description="Key prefix inside the bucket.")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, R2, moto).")
    s3_region: str | None = Field(None, description="Region; else boto3's chain (AWS_DEFAULT_REGION).")
    s3_create_bucket: bool = Field(False, description="Create the bucket if it is missing.")
    s3_presign_expiry_s: int = Field(3600, ge=60, le=7 * 24 * 3600, description="Presigned URL life.")
    s3_multipart_mb: int = Field(16, ge=5, le=1024, description="Multipart threshold/chunk, MiB.")
    s3_retry_window_s: float = Field(30.0, ge=0, description="Keep retrying an unreachable store.")

    generator_fallbacks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Backends tried in order when the chosen one cannot deliver, e.g. tripo,procedural.",
    )
    meshy_api_key: SecretStr | None = Field(None, description="Meshy API key (msy-...).")
    meshy_test_mode: bool = Field(False, description="Use Meshy's free test key (sample result, no credits).")
    meshy_base_url: str = Field("https://api.meshy.ai", description="Meshy API base URL.")
    meshy_ai_model: str = Field("latest", description="Meshy ai_model: meshy-5 | meshy-6 | latest.")
    meshy_refine: bool = Field(True, description="Run Meshy's texturing (refine) stage after preview.")
    tripo_api_key: SecretStr | None = Field(None, description="Tripo API key (tsk_...).")
    tripo_base_url: str = Field("https://api.tripo3d.ai/v2/openapi", description="Tripo API base URL.")
    tripo_model_version: str | None = Field(
        None, description="Tripo model_version (service default if unset)."
    )
    remote_poll_s: float = Field(5.0, gt=0, description="Seconds between status polls of a remote task.")
    remote_timeout_s: float = Field(30.0, gt=0, description="Timeout of one HTTP request to a 3D service.")
    remote_retries: int = Field(
        5, ge=0, le=20, description="Retries of a request on 429/5xx/connection errors."
    )
    remote_max_wait_s: float = Field(
        60.0, gt=0, description="Longest pause between retries (Retry-After capped)."
    )
    remote_task_timeout_s: float = Field(1800.0, gt=0, description="Give up polling a task after this long.")
    remote_requests_per_s: float = Field(2.0, gt=0, description="Client-side request rate per service.")
    remote_max_tasks: int = Field(1, ge=1, le=50, description="Tasks in flight per service account.")
    remote_max_download_mb: int = Field(
        200, ge=1, le=4096, description="Largest model file to download, MiB."
    )

    ml_device: str = Field("auto", pattern="^(auto|cuda|mps|cpu)$", description="Device of local ML models.")
    ml_dtype: str = Field("auto", pattern="^(auto|float16|float32)$", description="auto: fp16 on CUDA.")
    ml_cache_dir: Path = Field(Path(".cache/models"), description="Weights of local ML models.")
    shap_e_model: str = Field("openai/shap-e", description="Shap-E text model: Hub id or local folder.")
    shap_e_image_model: str = Field(
        "openai/shap-e-img2img", description="Shap-E image model: Hub id or folder."
    )
    shap_e_steps: int = Field(64, ge=2, le=1000, description="Shap-E diffusion steps.")
    shap_e_guidance: float = Field(15.0, ge=0, le=100, description="Shap-E guidance scale (text).")
    shap_e_image_guidance: float = Field(3.0, ge=0, le=100, description="Shap-E guidance scale (image).")
    shap_e_grid: int = Field(128, ge=32, le=256, description="Shap-E marching-cubes grid size.")
    point_e_grid: int = Field(64, ge=32, le=128, description="Point-E SDF marching-cubes grid size.")
    point_e_mesher: str = Field(
        "sdf",
        pattern="^(sdf|reconstruct)$",
        description="Point cloud -> mesh: Point-E's sdf model or our reconstruction.",
    )
    point_e_guidance: float = Field(3.0, ge=0, le=100, description="Point-E base model guidance scale.")
    bake_vertex_colors: bool = Field(False, description="Bake vertex colours into a UV texture (xatlas).")
    texture_size: int = Field(
        1024, description="Procedural PBR texture size, pixels: 512, 1024 or 2048 (0: flat colours)."
    )
    collision: Literal["none", "hull", "decomposition"] = Field(
        "hull", description="Collision mesh: none | hull (one convex hull) | decomposition (CoACD)."
    )
    bevel_m: float = Field(
        0.0, ge=0.0, le=0.05, description="Bevel width on box edges, metres (0: sharp edges)."
    )

    job_runner: str = Field(
        "embedded",
        pattern="^(embedded|celery)$",
        description="Where jobs run: embedded (threads in the app) | celery (workers).",
    )
    celery_broker_url: str = Field("redis://localhost:6379/0", description="Celery broker (Redis).")
    celery_result_backend: str | None = Field(
        None, description="Celery result backend (default: the broker)."
    )
    celery_visibility_timeout_s: int = Field(
        3600, ge=1, description="A job whose worker died is redelivered after this many seconds."
    )

    _split = field_validator("export_formats", "llm_models", "generator_fallbacks", mode="before")(_split_csv)

    @field_validator("texture_size")
    @classmethod
    def _texture_size(cls, v: int) -> int:
        from core.types import TEXTURE_SIZE_CHOICES

        if v not in TEXTURE_SIZE_CHOICES:
            raise ValueError("must be 512, 1024 or 2048 (0 for flat colours)")
        return v

    @field_validator("template_dirs", mode="before")
    @classmethod
    def _template_dirs(cls, value: object) -> object:
        if isinstance(value, str):
            return [Path(v.strip()) for v in value.split(os.pathsep) if v.strip()]
        return value

    @field_validator("asset_dir", mode="before")
    @classmethod
    def _asset_dir(cls, value: object) -> Path:
        try:
            return check_asset_dir(value)
        except ConfigError as e:
            raise ValueError(str(e)) from None

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        if isinstance(value, str):
            level = value.strip().upper()
            if level not in LOG_LEVELS:
                raise ValueError(f"'{value[:40]}' is not a log level; use one of {', '.join(LOG_LEVELS)}")
            return level
        return value

    @field_validator("s3_endpoint_url", mode="before")
    @classmethod
    def _endpoint(cls, value: object) -> object:
        if isinstance(value, str) and value.strip():
            from pydantic import AnyHttpUrl, TypeAdapter

            try:
                TypeAdapter(AnyHttpUrl).validate_python(value.strip())
            except ValidationError:
                raise ValueError(
                    f"'{value[:80]}' is not an http(s) URL; use e.g. http://localhost:9000"
                ) from None
            return value.strip()
        return None if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secrets = Path(os.environ.get("WORKBENCH_SECRETS_FILE", SECRETS_FILE))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=secrets),
        )


_ACTIVE: list[Settings] = []
_ACTIVE_LOCK = threading.Lock()


@contextmanager
def use_settings(settings: Settings) -> Iterator[Settings]:
    """Make ``settings`` what :func:`get_settings` returns inside the block, in every thread.

    For tests (which build a ``Settings`` instead of editing the environment) and for callers
    that run work under other settings than the process's. Blocks nest; the innermost wins.
    """
    with _ACTIVE_LOCK:
        _ACTIVE.append(settings)
    try:
        yield settings
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.remove(settings)


def get_settings() -> Settings:
    """The settings in force: the innermost :func:`use_settings` block's, else the process-wide
    settings read once from the environment and the secrets file (:func:`read_settings`).

    Entry points (the CLI, the pages, a worker) call this once and pass the ``Settings`` on to
    the functions that need them.

    Raises
    ------
    pydantic.ValidationError, SecretsFileError
        As :func:`read_settings`.
    """
    if _ACTIVE:
        return _ACTIVE[-1]
    return read_settings()


@lru_cache(maxsize=1)
def read_settings() -> Settings:
    """The process-wide settings, read once. ``read_settings.cache_clear()`` re-reads them.

    Raises
    ------
    pydantic.ValidationError
        A setting is out of range (format it with ``core.spec.io.format_validation_error``).
    SecretsFileError
        The secrets file cannot be read or is not TOML (a ``ConfigError`` and a ``ValueError``).
    """
    import tomllib

    try:
        return Settings()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError, RecursionError, MemoryError) as e:
        secrets = os.environ.get("WORKBENCH_SECRETS_FILE", str(SECRETS_FILE))
        # the parser's message names a line and column, never a value: no secret is echoed
        if isinstance(e, RecursionError | MemoryError):
            why = "it is nested too deeply or too large"
        elif isinstance(e, OSError) and e.strerror:
            why = e.strerror
        else:
            why = str(e).splitlines()[0][:200]
        raise SecretsFileError(
            f"The secrets file {secrets[-120:]} cannot be read as TOML: {why}.",
            'Fix its syntax (key = "value" lines) or remove it.',
        ) from None


# kept for callers written before use_settings(): clears the process-wide settings
get_settings.cache_clear = read_settings.cache_clear  # type: ignore[attr-defined]
