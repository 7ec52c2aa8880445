# syntax=docker/dockerfile:1
# 3D Asset Workbench: the Streamlit app and the CLI in one image.
#   docker build -t asset-workbench .
#   docker run -p 8501:8501 -v workbench-assets:/app/assets asset-workbench
# With the local ML backends (Shap-E; torch + diffusers), CPU or CUDA torch:
#   docker build --build-arg WITH_ML=true -t asset-workbench:ml .
#   docker build --build-arg WITH_ML=true --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu124 \
#     -t asset-workbench:cuda .     (run with --gpus all)
# Not built on the development machines (no Docker engine there): checked by hadolint and reading.

# --- Python wheels -----------------------------------------------------------------------------
FROM python:3.11.7-slim-bookworm AS wheels
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

# --- front-end bundle: <model-viewer>, served by the app itself (works offline) ---------------
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime -----------------------------------------------------------------------------------
FROM python:3.11.7-slim-bookworm AS runtime
# EGL/Mesa for PyVista off-screen thumbnails (no X server)
RUN apt-get update \
    && apt-get install -y --no-install-recommends libegl1 libgl1-mesa-dri libgomp1 \
    && rm -rf /var/lib/apt/lists/*
# Blender (+ the numpy its glTF importer needs) for FBX / .blend export, in its own layer
RUN apt-get update \
    && apt-get install -y --no-install-recommends blender python3-numpy \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 workbench
WORKDIR /app
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/* && rm -rf /wheels
# optional ML extra: torch from the index of the wanted build (CPU by default), then the rest
ARG WITH_ML=false
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements-ml.txt .
RUN if [ "$WITH_ML" = "true" ]; then \
      pip install --no-cache-dir --index-url "$TORCH_INDEX_URL" "torch==$TORCH_VERSION" \
      && pip install --no-cache-dir -r requirements-ml.txt; \
    fi
COPY --chown=10001:10001 . .
COPY --from=web --chown=10001:10001 /web/node_modules/@google/model-viewer/dist/model-viewer.min.js static/vendor/model-viewer.min.js
ENV LITELLM_LOCAL_MODEL_COST_MAP=True \
    ASSET_DIR=/app/assets \
    CACHE_DIR=/app/.cache \
    ML_CACHE_DIR=/app/.cache/models \
    PYTHONUNBUFFERED=1
RUN mkdir -p /app/assets /app/.cache && chown -R 10001:10001 /app/assets /app/.cache
USER 10001
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health').status != 200)"]
CMD ["streamlit", "run", "Home.py", "--server.port=8501", "--server.address=0.0.0.0"]
