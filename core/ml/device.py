"""Which torch device and dtype a local model runs on: CUDA, then Apple MPS, then CPU (or the
``ML_DEVICE`` setting), fp16 on CUDA unless ``ML_DTYPE`` says otherwise. Running on the CPU is
never silent: Point-E issue #9 shows a hidden CPU fallback turning seconds into minutes.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from core.errors import BackendUnavailable

ML_INSTALL = "pip install -r requirements-ml.txt  (CPU torch here: pip install torch==2.13.0 first)"


@dataclass(frozen=True)
class DeviceChoice:
    device: str  # "cuda", "mps" or "cpu"
    dtype: str  # "float16" or "float32"
    warning: str = ""  # shown to the user when running on the CPU


def missing_packages(*names: str) -> list[str]:
    """Names of ``names`` that are not importable (checked without importing them)."""
    return [n for n in names if importlib.util.find_spec(n) is None]


def choose_device(setting: str = "auto", dtype_setting: str = "auto") -> DeviceChoice:
    """Pick the device for ``setting`` (auto | cuda | mps | cpu) and the dtype.

    Raises
    ------
    BackendUnavailable
        torch is not installed, or the requested device is not present.
    """
    if missing_packages("torch"):
        raise BackendUnavailable("Local ML backends need PyTorch, which is not installed.", ML_INSTALL)
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if setting == "auto":
        device = "cuda" if cuda else "mps" if mps else "cpu"
    elif setting == "cuda" and not cuda:
        raise BackendUnavailable(
            "ML_DEVICE=cuda but no CUDA GPU is visible to torch.",
            "Check the NVIDIA driver / CUDA build of torch, or set ML_DEVICE=auto.",
        )
    elif setting == "mps" and not mps:
        raise BackendUnavailable(
            "ML_DEVICE=mps but Apple's Metal backend is not available.", "Set ML_DEVICE=auto."
        )
    else:
        device = setting
    dtype = dtype_setting if dtype_setting != "auto" else ("float16" if device == "cuda" else "float32")
    warning = "" if device != "cpu" else "No GPU found: running on the CPU, which takes minutes per asset."
    return DeviceChoice(device, dtype, warning)


def is_out_of_memory(error: BaseException) -> bool:
    """True for CUDA / MPS out-of-memory errors (torch raises several types for them)."""
    name = type(error).__name__
    return name == "OutOfMemoryError" or "out of memory" in str(error).lower()
