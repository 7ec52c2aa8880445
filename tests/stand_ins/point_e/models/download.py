from point_e import CALLS


def load_checkpoint(checkpoint_name, device, progress=True, cache_dir=None, chunk_size=4096):
    CALLS.append(("load_checkpoint", {"name": checkpoint_name, "cache_dir": cache_dir}))
    if cache_dir is None:
        raise AssertionError("the adapter must pass cache_dir (Point-E's default is the current directory)")
    return {"name": checkpoint_name}
