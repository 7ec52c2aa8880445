# syntax=docker/dockerfile:1
# 3D Asset Workbench: Streamlit app + CLI. Build: docker build -t asset-workbench .
# Run:   docker run -p 8501:8501 -v workbench-assets:/app/assets asset-workbench

FROM python:3.11-slim-bookworm AS build
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim-bookworm AS runtime
# EGL/Mesa for PyVista off-screen thumbnails (no X server); Blender (+ its numpy) for FBX/.blend
RUN apt-get update \
    && apt-get install -y --no-install-recommends libegl1 libgl1-mesa-dri libgomp1 \
       blender python3-numpy \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 workbench
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/* && rm -rf /wheels
COPY --chown=workbench:workbench . .
ENV LITELLM_LOCAL_MODEL_COST_MAP=True \
    ASSET_DIR=/app/assets \
    CACHE_DIR=/app/.cache \
    PYTHONUNBUFFERED=1
RUN mkdir -p /app/assets /app/.cache && chown -R workbench:workbench /app/assets /app/.cache
USER workbench
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health').status != 200)"
CMD ["streamlit", "run", "Home.py", "--server.port=8501", "--server.address=0.0.0.0"]
