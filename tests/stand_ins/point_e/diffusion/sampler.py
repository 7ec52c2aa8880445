import numpy as np

from point_e import CALLS
from point_e.util.point_cloud import PointCloud


class PointCloudSampler:
    def __init__(
        self,
        device,
        models,
        diffusions,
        num_points,
        aux_channels,
        model_kwargs_key_filter=("*",),
        guidance_scale=(3.0, 3.0),
        clip_denoised=True,
        use_karras=(True, True),
        karras_steps=(8, 8),
        sigma_min=(1e-3, 1e-3),
        sigma_max=(120, 160),
        s_churn=(3, 0),
    ):
        CALLS.append(
            (
                "PointCloudSampler",
                {
                    "num_points": list(num_points),
                    "aux_channels": list(aux_channels),
                    "guidance_scale": list(guidance_scale),
                    "key_filter": tuple(model_kwargs_key_filter),
                },
            )
        )
        self.num_points, self.karras_steps = num_points, karras_steps

    def sample_batch_progressive(self, batch_size, model_kwargs):
        CALLS.append(("sample", {"batch_size": batch_size, "model_kwargs": sorted(model_kwargs)}))
        rng = np.random.default_rng(0)
        n = sum(self.num_points)
        d = rng.normal(size=(n, 3))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        for step in range(sum(self.karras_steps)):
            yield {"coords": d * 0.4, "step": step}

    def output_to_point_clouds(self, output):
        coords = output["coords"]
        colour = (coords - coords.min(0)) / np.ptp(coords, axis=0)
        return [PointCloud(coords=coords, channels={"R": colour[:, 0], "G": colour[:, 1], "B": colour[:, 2]})]
