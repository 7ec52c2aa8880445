DIFFUSION_CONFIGS = {name: {"name": name} for name in ("base40M-textvec", "base40M", "upsample")}


def diffusion_from_config(config):
    return dict(config)
