"""Point-E (OpenAI, Nichol et al. 2022, https://arxiv.org/abs/2212.08751) through its official
``point_e`` package: text (``base40M-textvec``) or a reference image (``base40M``) -> 1,024
coloured points, upsampled to 4,096 (``upsample``) -> a mesh, locally.

The mesh comes from Point-E's own ``sdf`` model and marching cubes (``POINT_E_MESHER=sdf``,
grid ``POINT_E_GRID``) or from the workbench's reconstruction (``reconstruct``,
:mod:`core.mesh.reconstruct`); vertex colours are kept either way. Checkpoints are downloaded
once into ``ML_CACHE_DIR`` (Point-E's default is the current directory). Sampling is
progressive, so progress is reported per diffusion step and cancelling stops at the next one.

The package is not on PyPI: ``pip install git+https://github.com/openai/point-e``. API as in
the repository's ``point_e/examples/text2pointcloud.ipynb`` and ``pointcloud2mesh.ipynb``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import BackendUnavailable, GenerationError
from core.generators.base import CancelToken, GenerationContext, GenerationResult, Progress
from core.generators.local_ml import MODEL_LOCK, LocalMLGenerator, colored_mesh_glb, local_prompt
from core.spec.model import AssetSpec

if TYPE_CHECKING:
    from core.config import Settings

INSTALL = (
    "pip install -r requirements-ml.txt && pip install git+https://github.com/openai/point-e "
    "(not on PyPI; CPU torch here: pip install torch==2.13.0 first)"
)
NUM_POINTS = (1024, 4096 - 1024)


@lru_cache(maxsize=4)
def load_point_e_model(name: str, device: str, cache_dir: str):
    """Point-E model ``name`` (base40M-textvec, base40M, upsample, sdf) with its checkpoint,
    in eval mode, once per process. Raises ``BackendUnavailable`` if the checkpoint cannot be
    fetched."""
    import torch
    from point_e.models.configs import MODEL_CONFIGS, model_from_config
    from point_e.models.download import load_checkpoint

    model = model_from_config(MODEL_CONFIGS[name], torch.device(device))
    model.eval()
    try:
        state = load_checkpoint(name, torch.device(device), progress=False, cache_dir=cache_dir)
    except OSError as e:
        raise BackendUnavailable(
            f"Point-E checkpoint '{name}' could not be loaded: {e}",
            f"Allow the first download from openaipublic.azureedge.net into {cache_dir}.",
        ) from e
    model.load_state_dict(state)
    return model


OOM_HINT = (
    "Lower POINT_E_GRID, use POINT_E_MESHER=reconstruct, close other GPU jobs, or set "
    "ML_DEVICE=cpu; Resume retries the job."
)


class PointEGenerator(LocalMLGenerator):
    """Text or image -> coloured point cloud -> mesh with Point-E, on CUDA / MPS / CPU."""

    name = "point_e"
    label = "Point-E (local ML)"
    packages = ("torch", "point_e")
    install_hint = INSTALL

    def generate(
        self,
        spec: AssetSpec,
        *,
        seed: int = 0,
        cancel: CancelToken | None = None,
        context: GenerationContext | None = None,
    ) -> Iterator[Progress | GenerationResult]:
        """Sample a coloured point cloud progressively, then mesh it and write a GLB.

        Raises
        ------
        BackendUnavailable
            Package, device or checkpoints missing.
        GenerationError
            Out of GPU memory (with what to change), or an empty mesh.
        JobCancelled
            Cancelled between diffusion steps.
        """
        s = self.settings
        cancel, workdir, image_path, dev = self._setup(cancel, context)
        base_name = "base40M" if image_path else "base40M-textvec"
        cache = str(s.ml_cache_dir)
        yield Progress(
            0.01,
            f"Loading Point-E ({base_name} + upsample) on {dev.device}"
            + (f" -- {dev.warning}" if dev.warning else ""),
        )
        models = (
            load_point_e_model(base_name, dev.device, cache),
            load_point_e_model("upsample", dev.device, cache),
        )
        run = _Sampling(s, dev.device, cache, base_name, image_path, local_prompt(spec), seed, models)
        verts, faces, rgb, n_points = yield from self._run_model(run, cancel, OOM_HINT)
        path = colored_mesh_glb(verts, faces, rgb, workdir / "point_e.glb")
        info = {
            "model": base_name,
            "device": dev.device,
            "points": n_points,
            "mesher": s.point_e_mesher,
            "prompt": run.prompt,
            "mode": "image" if image_path else "text",
        }
        if dev.warning:
            info["warning"] = dev.warning
        yield GenerationResult(file=path, info=info)


@dataclass(frozen=True)
class _Sampling:
    """One Point-E run, called in the worker thread with ``report(fraction, message)``:
    ``models`` are the loaded base and upsample models; ``image_path`` None for text."""

    settings: Settings
    device: str
    cache: str
    base_name: str
    image_path: Path | None
    prompt: str
    seed: int
    models: tuple

    def __call__(self, report) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Sample (seeded), then mesh: ``(vertices, faces, RGB in [0, 1], points sampled)``
        in Point-E's frame (+Z up). One sampling at a time per process (``MODEL_LOCK``)."""
        import torch

        torch.manual_seed(self.seed)
        sampler = self._sampler()
        with MODEL_LOCK:
            pc = self._sample(sampler, report)
            rgb = np.stack([np.asarray(pc.channels[c]) for c in ("R", "G", "B")], axis=1)
            if self.settings.point_e_mesher == "sdf":
                return (*self._sdf_mesh(pc, report), len(pc.coords))
        report(0.8, "Meshing the point cloud (workbench reconstruction)")
        from core.mesh.reconstruct import reconstruct

        model = reconstruct(np.asarray(pc.coords), rgb)
        g = model.geometries[0]
        return g.vertices, g.faces, np.asarray(g.visual.vertex_colors)[:, :3] / 255.0, len(pc.coords)

    def _sampler(self):
        """Point-E's two-stage ``PointCloudSampler`` (1,024 points, then 3,072 more with RGB);
        for text the upsampler runs unconditioned."""
        import torch
        from point_e.diffusion.configs import DIFFUSION_CONFIGS, diffusion_from_config
        from point_e.diffusion.sampler import PointCloudSampler

        guidance = self.settings.point_e_guidance
        return PointCloudSampler(
            device=torch.device(self.device),
            models=list(self.models),
            diffusions=[
                diffusion_from_config(DIFFUSION_CONFIGS[self.base_name]),
                diffusion_from_config(DIFFUSION_CONFIGS["upsample"]),
            ],
            num_points=list(NUM_POINTS),
            aux_channels=["R", "G", "B"],
            guidance_scale=[guidance, guidance if self.image_path else 0.0],
            model_kwargs_key_filter=("*",) if self.image_path else ("texts", ""),
        )

    def _sample(self, sampler, report):
        """The final point cloud of the progressive sampling, reporting each diffusion step.
        Raises ``GenerationError`` when Point-E returns no samples."""
        from PIL import Image

        kwargs = (
            {"images": [Image.open(self.image_path).convert("RGB")]}
            if self.image_path
            else {"texts": [self.prompt]}
        )
        total = int(sum(getattr(sampler, "karras_steps", (64, 64))))
        samples = None
        for i, step_output in enumerate(sampler.sample_batch_progressive(batch_size=1, model_kwargs=kwargs)):
            samples = step_output  # progressive: the last one is the final point cloud
            stage = "points" if i < total // 2 else "upsampling"
            report(0.05 + 0.7 * min(1.0, (i + 1) / total), f"Point-E {stage}: step {i + 1}/{total}")
        if samples is None:
            raise GenerationError("Point-E returned no samples.")
        return sampler.output_to_point_clouds(samples)[0]

    def _sdf_mesh(self, pc, report) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vertices, faces and RGB from Point-E's SDF model and marching cubes
        (``POINT_E_GRID`` cells a side)."""
        from point_e.util.pc_to_mesh import marching_cubes_mesh

        grid = self.settings.point_e_grid
        report(0.8, f"Meshing with Point-E's SDF model ({grid}³ marching cubes)")
        sdf = load_point_e_model("sdf", self.device, self.cache)
        mesh = marching_cubes_mesh(pc=pc, model=sdf, batch_size=4096, grid_size=grid, progress=False)
        channels = np.stack([np.asarray(mesh.vertex_channels[c]) for c in ("R", "G", "B")], axis=1)
        return np.asarray(mesh.verts), np.asarray(mesh.faces), channels
