"""What the local ML backends (Shap-E, Point-E) share: availability with the exact install
command, one model load per process, the device, the prompt, and turning a coloured mesh in
the model's frame (+Z up) into a GLB in ours (+Y up, metres).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from core.errors import GenerationError
from core.generators.base import Availability, CancelToken, GenerationContext, Generator, Requirements
from core.ml.device import ML_INSTALL, DeviceChoice, missing_packages
from core.spec.model import AssetSpec

if TYPE_CHECKING:
    from core.config import Settings

# Shap-E and Point-E models are +Z up; glTF is +Y up: (x, y, z) -> (x, z, -y)
Z_UP_TO_Y_UP = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])
# one sampling at a time per process: a GPU is shared, and pipelines are not re-entrant
MODEL_LOCK = threading.Lock()


class LocalMLGenerator(Generator):
    """Base of local ML backends: ``packages`` must be importable."""

    uses_seed = True
    accepts_image = True
    packages: ClassVar[tuple[str, ...]]
    install_hint: ClassVar[str] = ML_INSTALL

    @classmethod
    def requirements(cls) -> Requirements:
        return Requirements(packages=cls.packages, gpu=False, install_hint=cls.install_hint)

    @classmethod
    def availability(cls) -> Availability:
        missing = missing_packages(*cls.packages)
        if missing:
            return Availability(False, f"missing {', '.join(missing)}: {cls.install_hint}")
        return cls.weights_availability()

    @classmethod
    def weights_availability(cls, settings: Settings | None = None) -> Availability:
        """Whether the model weights are here or can be fetched (``settings`` default to the
        settings in force); weights that download on first use count as available."""
        return Availability(True)

    def _setup(
        self, cancel: CancelToken | None, context: GenerationContext | None
    ) -> tuple[CancelToken, Path, Path | None, DeviceChoice]:
        """``(cancel token, work folder, reference image or None, device)`` for one run.
        Raises ``JobCancelled`` if already cancelled, ``BackendUnavailable`` without torch."""
        import tempfile

        from core.ml.device import choose_device

        s = self.settings
        cancel = cancel or CancelToken()
        cancel.raise_if_cancelled()
        workdir = context.workdir if context else Path(tempfile.mkdtemp(prefix=f"wb-{self.name}-"))
        image = context.reference_image if context else None
        return cancel, workdir, image, choose_device(s.ml_device, s.ml_dtype)

    def _run_model(self, work, cancel: CancelToken, oom_hint: str):
        """``yield from`` this: run ``work(report)`` in a thread with per-step progress; a GPU
        out-of-memory error becomes a ``GenerationError`` with ``oom_hint``."""
        from core.ml.device import is_out_of_memory
        from core.ml.runtime import run_with_progress

        try:
            return (yield from run_with_progress(work, cancel))
        except RuntimeError as e:
            if is_out_of_memory(e):
                raise GenerationError(
                    f"The GPU ran out of memory running {self.label} ({e.__class__.__name__}).", oom_hint
                ) from e
            raise


def local_prompt(spec: AssetSpec) -> str:
    """The short prompt local models were trained on ("a red wooden chair"), from
    ``prompts/local_model.j2``."""
    from core.prompts import render

    return " ".join(
        render(
            "local_model.j2",
            name=spec.name,
            description=spec.short_description,
            style=spec.style.value,
            category=spec.category.value,
        ).split()
    )


def colored_mesh_glb(verts: np.ndarray, faces: np.ndarray, rgb: np.ndarray | None, path: Path) -> Path:
    """Write a vertex-coloured mesh from a +Z-up model frame as a +Y-up GLB (COLOR_0).

    ``verts`` (N, 3) float, ``faces`` (M, 3) int, ``rgb`` (N, 3) float in [0, 1] or None.
    Faces are turned outward if the model's winding made the volume negative.

    Raises
    ------
    GenerationError
        The model produced no triangles (an empty or all-outside signed distance).
    """
    import trimesh

    from core.mesh.textured import TexturedMesh

    verts, faces = np.asarray(verts, np.float64), np.asarray(faces, np.int64)
    if len(faces) == 0 or len(verts) == 0:
        raise GenerationError(
            "The model produced an empty mesh.", "Try another seed or a more concrete description."
        )
    finite = np.isfinite(verts).all(axis=1)
    mesh = trimesh.Trimesh(verts @ Z_UP_TO_Y_UP.T, faces, process=False)
    if not finite.all():
        mesh.update_faces(finite[faces].all(axis=1))
        mesh.remove_unreferenced_vertices()
        rgb = None if rgb is None else np.asarray(rgb)[finite]
    if mesh.is_volume and mesh.volume < 0:
        mesh.invert()
    if rgb is not None:
        rgba = np.column_stack([np.clip(np.asarray(rgb, float), 0, 1) * 255, np.full(len(rgb), 255)])
        mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=rgba.astype(np.uint8))
    return TexturedMesh([mesh]).save_glb(path)
