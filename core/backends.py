"""The catalogue of what can run here: 3D generators with their capabilities, and a report of
every spec writer, generator and export format with the reason when it cannot run.

The pages and the CLI read this module, never the registries: a backend is described by a
:class:`~core.schemas.BackendInfo` (text or image input, textures, GPU, key, remote, seed,
test mode, availability), so the UI asks capabilities and never matches backend names.
Sources: :data:`core.generators.GENERATORS`, :data:`core.spec.writers.WRITERS` and the format
table :data:`core.formats.FORMATS`.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from core.errors import BackendUnavailable
from core.schemas import BackendInfo

if TYPE_CHECKING:
    from core.config import Settings


class CapabilityRow(BaseModel):
    """One line of :func:`capability_report`: a spec writer, generator or export format, its
    label, whether it can run here and the reason (or how it runs: "ready", "trimesh",
    "Blender at /usr/bin/blender")."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["writer", "generator", "format"]
    name: str
    label: str
    available: bool
    reason: str


def _settings_in_force(settings: Settings | None):
    """A context in which ``settings`` are the ones in force (nothing to do for None)."""
    from core.config import use_settings

    return use_settings(settings) if settings is not None else nullcontext()


def backend_info(name: str, settings: Settings | None = None) -> BackendInfo:
    """What generator ``name`` can do and whether it can run under ``settings`` (default: the
    settings in force).

    A backend whose module cannot be imported is reported unavailable, with the install hint.

    Raises
    ------
    UnknownBackendError
        ``name`` is not a registered generator (the message lists the known ones).
    """
    from core.generators import GENERATORS

    with _settings_in_force(settings):
        try:
            return GENERATORS.get(name).info()
        except BackendUnavailable as e:
            return BackendInfo(name=name, label=name, available=False, reason=str(e), hint=e.hint or "")


def list_backends(settings: Settings | None = None) -> list[BackendInfo]:
    """Every registered generator's :class:`~core.schemas.BackendInfo`, sorted by name."""
    from core.generators import GENERATORS

    return [backend_info(name, settings) for name in GENERATORS.names()]


def _writer_rows() -> list[CapabilityRow]:
    from core.errors import WorkbenchError
    from core.spec.writers import WRITERS

    rows = []
    for name in WRITERS.names():
        try:
            cls = WRITERS.get(name)
            avail = cls.availability()
            ok, reason, label = avail.ok, avail.reason or "ready", cls.label
        except WorkbenchError as e:
            ok, reason, label = False, str(e), name
        rows.append(CapabilityRow(kind="writer", name=name, label=label, available=ok, reason=reason))
    return rows


def _format_rows() -> list[CapabilityRow]:
    from core.formats import FORMATS
    from core.mesh.formats.blender import INSTALL_HINT, find_blender

    blender = find_blender()
    rows = []
    for name, info in FORMATS.items():
        if info.needs_blender:
            ok, reason = bool(blender), f"Blender at {blender}" if blender else INSTALL_HINT
        else:
            ok, reason = True, "trimesh"
        rows.append(CapabilityRow(kind="format", name=name, label=info.label, available=ok, reason=reason))
    return rows


def capability_report(settings: Settings | None = None) -> list[CapabilityRow]:
    """What can run here under ``settings`` (default: the settings in force): every spec
    writer, then every generator, then every export format, each with the reason it cannot
    run or how it runs. For the sidebar's "What can run here" and the ``backends`` command."""
    with _settings_in_force(settings):
        rows = _writer_rows()
        rows += [
            CapabilityRow(
                kind="generator",
                name=info.name,
                label=info.label,
                available=info.available,
                reason=info.reason or ("ready" if info.available else "unavailable"),
            )
            for info in list_backends()
        ]
        return rows + _format_rows()


__all__ = ["CapabilityRow", "backend_info", "capability_report", "list_backends"]
