"""Local ML models (torch, diffusers, point_e): device choice, threads with progress.

Nothing here imports torch at module import time: the app and the CLI start without it.
"""
