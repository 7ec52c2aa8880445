"""What can run here: spec writers, generators and export formats, with reasons."""

from __future__ import annotations


def backend_report() -> list[dict]:
    """Rows ``{kind, name, label, available, reason}`` for the sidebar and ``backends`` CLI."""
    from core.errors import WorkbenchError
    from core.generators import GENERATORS
    from core.mesh.formats import FORMATS
    from core.mesh.formats.blender import INSTALL_HINT, find_blender
    from core.spec.writers import WRITERS

    rows = []
    for kind, registry in (("writer", WRITERS), ("generator", GENERATORS)):
        for name in registry.names():
            try:
                cls = registry.get(name)
                avail = cls.availability()
                ok, reason = avail.ok, avail.reason or "ready"
                label = getattr(cls, "label", name)
            except WorkbenchError as e:
                ok, reason, label = False, str(e), name
            rows.append({"kind": kind, "name": name, "label": label, "available": ok, "reason": reason})
    blender = find_blender()
    for name, info in FORMATS.items():
        ok = not info.needs_blender or bool(blender)
        reason = ("Blender at " + blender if blender else INSTALL_HINT) if info.needs_blender else "trimesh"
        rows.append({"kind": "format", "name": name, "label": info.label, "available": ok, "reason": reason})
    return rows
