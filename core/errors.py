"""One error family for the whole workbench.

Every error carries a message a user can act on (what went wrong and what to do about it).
The UI and the CLI show ``str(error)``; ``hint`` is the "what to do" part on its own.
"""

from __future__ import annotations


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


class SpecError(WorkbenchError):
    """A description or asset spec is invalid (empty description, out-of-range field, ...)."""


class LLMError(SpecError):
    """The language model could not produce a valid spec (network, auth, bad replies)."""


class BackendUnavailable(WorkbenchError):
    """A backend (spec writer, generator, exporter) cannot run here: missing key, package, GPU."""


class UnknownBackendError(WorkbenchError, ValueError):
    """A backend, writer, store or format name is not in its registry."""


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


class JobCancelled(WorkbenchError):
    """The job was cancelled by the user; its checkpoint stays resumable."""
