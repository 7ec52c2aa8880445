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
from functools import lru_cache

import numpy as np

from core.errors import BackendUnavailable, GenerationError
from core.generators.base import CancelToken, GenerationContext, GenerationResult, Progress
from core.generators.local_ml import MODEL_LOCK, LocalMLGenerator, colored_mesh_glb, local_prompt
from core.spec.model import AssetSpec

INSTALL = (
    "pip install -r requirements-ml.txt && pip install git+https://github.com/openai/point-e "
    "(not on PyPI; CPU torch here: pip install torch==2.13.0 first)"
)
NUM_POINTS = (1024, 4096 - 1024)


@lru_cache(maxsize=4)
def load_model(name: str, device: str, cache_dir: str):
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
        from core.config import get_settings

        s = get_settings()
        cancel, workdir, image_path, dev = self._setup(cancel, context)
        base_name = "base40M" if image_path else "base40M-textvec"
        cache = str(s.ml_cache_dir)
        yield Progress(
            0.01,
            f"Loading Point-E ({base_name} + upsample) on {dev.device}"
            + (f" -- {dev.warning}" if dev.warning else ""),
        )
        base = load_model(base_name, dev.device, cache)
        upsampler = load_model("upsample", dev.device, cache)
        prompt = local_prompt(spec)

        def work(report):
            import torch
            from PIL import Image
            from point_e.diffusion.configs import DIFFUSION_CONFIGS, diffusion_from_config
            from point_e.diffusion.sampler import PointCloudSampler

            torch.manual_seed(seed)
            sampler = PointCloudSampler(
                device=torch.device(dev.device),
                models=[base, upsampler],
                diffusions=[
                    diffusion_from_config(DIFFUSION_CONFIGS[base_name]),
                    diffusion_from_config(DIFFUSION_CONFIGS["upsample"]),
                ],
                num_points=list(NUM_POINTS),
                aux_channels=["R", "G", "B"],
                guidance_scale=[s.point_e_guidance, s.point_e_guidance if image_path else 0.0],
                model_kwargs_key_filter=("*",)
                if image_path
                else ("texts", ""),  # text: upsampler unconditioned
            )
            kwargs = (
                {"images": [Image.open(image_path).convert("RGB")]} if image_path else {"texts": [prompt]}
            )
            total = int(sum(getattr(sampler, "karras_steps", (64, 64))))
            samples = None
            with MODEL_LOCK:
                for i, step_output in enumerate(
                    sampler.sample_batch_progressive(batch_size=1, model_kwargs=kwargs)
                ):
                    samples = step_output  # progressive: the last one is the final point cloud
                    stage = "points" if i < total // 2 else "upsampling"
                    report(0.05 + 0.7 * min(1.0, (i + 1) / total), f"Point-E {stage}: step {i + 1}/{total}")
                if samples is None:
                    raise GenerationError("Point-E returned no samples.")
                pc = sampler.output_to_point_clouds(samples)[0]
                rgb = np.stack([np.asarray(pc.channels[c]) for c in ("R", "G", "B")], axis=1)
                if s.point_e_mesher == "sdf":
                    from point_e.util.pc_to_mesh import marching_cubes_mesh

                    report(0.8, f"Meshing with Point-E's SDF model ({s.point_e_grid}³ marching cubes)")
                    sdf = load_model("sdf", dev.device, cache)
                    mesh = marching_cubes_mesh(
                        pc=pc, model=sdf, batch_size=4096, grid_size=s.point_e_grid, progress=False
                    )
                    channels = np.stack(
                        [np.asarray(mesh.vertex_channels[c]) for c in ("R", "G", "B")], axis=1
                    )
                    return np.asarray(mesh.verts), np.asarray(mesh.faces), channels, len(pc.coords)
            report(0.8, "Meshing the point cloud (workbench reconstruction)")
            from core.mesh.reconstruct import reconstruct

            model = reconstruct(np.asarray(pc.coords), rgb)
            g = model.geometries[0]
            return g.vertices, g.faces, np.asarray(g.visual.vertex_colors)[:, :3] / 255.0, len(pc.coords)

        oom_hint = (
            "Lower POINT_E_GRID, use POINT_E_MESHER=reconstruct, close other GPU jobs, or set "
            "ML_DEVICE=cpu; Resume retries the job."
        )
        verts, faces, rgb, n_points = yield from self._run_model(work, cancel, oom_hint)
        path = colored_mesh_glb(verts, faces, rgb, workdir / "point_e.glb")
        info = {
            "model": base_name,
            "device": dev.device,
            "points": n_points,
            "mesher": s.point_e_mesher,
            "prompt": prompt,
            "mode": "image" if image_path else "text",
        }
        if dev.warning:
            info["warning"] = dev.warning
        yield GenerationResult(file=path, info=info)
