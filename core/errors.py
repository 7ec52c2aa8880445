"""One error family for the whole workbench.

Every error carries a message a user can act on (what went wrong and what to do about it).
The UI and the CLI show ``str(error)``; ``hint`` is the "what to do" part on its own.
"""

from __future__ import annotations


def clip(text: str | None, limit: int = 80) -> str | None:
    """``text`` cut to at most ``limit`` characters, the cut marked with an ellipsis: user
    input and untrusted names quoted in a message are never echoed whole. None stays None."""
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong, in one sentence.
    hint : str, optional
        What the user can do about it.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}" if hint else message)


class ConfigError(WorkbenchError):
    """A setting is missing or invalid."""


class SecretsFileError(ConfigError, ValueError):
    """The secrets file (``.streamlit/secrets.toml``) cannot be read or is not TOML. A
    ``ValueError`` too, so code that catches invalid settings as ``ValueError`` catches it."""


class SpecError(WorkbenchError):
    """A description or asset spec is invalid (empty description, out-of-range field, ...)."""


class LLMError(SpecError):
    """The language model could not produce a valid spec (network, auth, bad replies)."""


class BackendUnavailable(WorkbenchError):
    """A backend (spec writer, generator, exporter) cannot run here: missing key, package, GPU."""


class UnknownNameError(WorkbenchError, ValueError):
    """A name is not in its registry (:class:`core.registry.LazyRegistry`); the message lists
    the known names. Each registry raises its own subclass, so a caller catches only the kind
    of name it asked for."""


class UnknownBackendError(UnknownNameError):
    """A generator, spec writer, spec editor or job runner name is not in its registry."""


class UnknownFormatError(UnknownNameError):
    """An export format name is not in the format registry."""


class UnknownStoreError(UnknownNameError):
    """An asset store name is not in the store registry."""


class GenerationError(WorkbenchError):
    """A generator ran but failed to produce a model."""


class ConversionError(WorkbenchError):
    """Mesh processing or export to a file format failed."""


class RenderError(WorkbenchError):
    """Off-screen rendering (thumbnails) failed."""


class StorageError(WorkbenchError):
    """Reading or writing the asset store failed."""


class CheckpointError(StorageError):
    """A job checkpoint is missing, corrupt or of an unknown schema version."""


class AssetConflictError(WorkbenchError):
    """A job would publish over an asset that another job made (a tampered checkpoint)."""


class JobCancelled(WorkbenchError):
    """The job was cancelled by the user; its checkpoint stays resumable."""


class RemoteServiceError(GenerationError):
    """A remote 3D service (Meshy, Tripo) refused or failed a request.

    ``status`` is the HTTP status (``None`` for connection errors), ``service`` its name.
    ``definitive`` is True when retrying the same request cannot help (bad key, no credits,
    rejected prompt): a configured fallback backend is tried instead.
    """

    definitive = False

    def __init__(
        self, message: str, hint: str | None = None, *, service: str = "", status: int | None = None
    ):
        super().__init__(message, hint)
        self.service = service
        self.status = status


class RemoteAuthError(RemoteServiceError):
    """401/403: the API key is missing, wrong or lacks permission."""

    definitive = True


class RemoteQuotaError(RemoteServiceError):
    """402 (or the service's "insufficient credits" code): the account has no credits left."""

    definitive = True


class RemoteRequestError(RemoteServiceError):
    """400/404/422: the service rejected the request (prompt too long, unknown task, ...)."""

    definitive = True


class RemoteRateLimited(RemoteServiceError):
    """429 after every retry: too many requests or too many queued tasks for the account."""


class RemoteUnavailable(RemoteServiceError):
    """5xx, timeouts or dropped connections after every retry; the task (if any) is kept."""


class RemoteTaskFailed(RemoteServiceError):
    """The service ran the task and reported it failed (or cancelled, banned, expired)."""

    definitive = True


class InvalidModelFile(RemoteServiceError):
    """A downloaded model is not a usable GLB (corrupt, empty, too large, wrong type)."""

    definitive = True
