"""S3 store benchmark against moto_server on loopback (real HTTP, boto3).

1. Upload / download throughput of 1 MB and 50 MB models through ``S3Store`` (sha256 in
   metadata, verified by HEAD after upload) vs a plain boto3 ``upload_file`` /
   ``download_file`` baseline (ratio; target >= 0.9).
2. Gallery with 1,000 assets in S3: list + metadata of all + the first 24 thumbnails to local
   paths, cold (empty caches; target <= 2 s) and warm (diskcache index + download cache;
   target <= 0.3 s).

    .venv/bin/python bench/storage.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def timed(fn, runs: int = 3) -> float:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    from s3server import MotoServer

    server = MotoServer().start()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.update(
            {
                "ASSET_STORE": "s3",
                "S3_BUCKET": "bench",
                "S3_ENDPOINT_URL": server.url,
                "S3_CREATE_BUCKET": "true",
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_DEFAULT_REGION": "us-east-1",
                "ASSET_DIR": str(tmp / "assets"),
                "CACHE_DIR": str(tmp / "cache"),
            }
        )
        from core.config import Settings
        from core.storage import open_store

        settings = Settings()  # the environment just set
        store = open_store(settings=settings)
        store.ensure_bucket()
        rows = []
        for mb in (1, 50):
            src = tmp / f"model_{mb}.glb"
            src.write_bytes(os.urandom(mb * 1024 * 1024))
            ours_key, base_key = f"assets/b-{mb}/model.glb", f"base/{mb}/model.glb"
            up = timed(lambda s=src, k=ours_key: store._upload(k, s))
            base_up = timed(lambda s=src, k=base_key: store.client.upload_file(str(s), "bench", k))
            down = timed(lambda k=ours_key: store._download(k, tmp / "d.glb"))
            base_down = timed(lambda k=base_key: store.client.download_file("bench", k, str(tmp / "b.glb")))
            rows.append((f"upload {mb} MB", mb / up, mb / base_up))
            rows.append((f"download {mb} MB", mb / down, mb / base_down))
        print("S3 throughput through moto on loopback (MB/s, median of 3)")
        print(f"{'operation':<18}{'S3Store':>10}{'boto3':>10}{'ratio':>8}")
        for name, ours, base in rows:
            print(f"{name:<18}{ours:>10.1f}{base:>10.1f}{ours / base:>8.2f}")

        # 1,000 assets: write the objects directly (fast), then time the gallery path
        from core.jobs.pipeline import Job, run_to_completion
        from core.jobs.request import JobRequest

        request = JobRequest("oak barrel", formats=["glb"])
        real = run_to_completion(Job.create(request, asset_dir=settings.asset_dir, settings=settings))
        meta = store.get_metadata(real.asset_id)
        thumb = store.local_path(real.asset_id, "thumbnail.png").read_bytes()

        def put(i: int) -> None:
            aid = f"bench-{i:04d}"
            body = json.dumps(
                {
                    **meta,
                    "asset_id": aid,
                    "created_at": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}",
                }
            )
            store.client.put_object(Bucket="bench", Key=f"assets/{aid}/thumbnail.png", Body=thumb)
            store.client.put_object(Bucket="bench", Key=f"assets/{aid}/metadata.json", Body=body)
            store.client.put_object(Bucket="bench", Key=f"assets/.index/{aid}.json", Body=body)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(put, range(999)))

        def gallery_page() -> None:
            assets = store.list_assets()
            assert len(assets) == 1000
            for m in assets[:24]:
                store.local_path(m["asset_id"], "thumbnail.png", m["files"]["thumbnail.png"]["sha256"])

        import shutil

        store._forget_listing()
        t = time.perf_counter()
        gallery_page()  # the very first listing of the bucket: 1,000 index GETs
        first = time.perf_counter() - t
        shutil.rmtree(settings.cache_dir, ignore_errors=True)  # a new server: empty caches
        shutil.rmtree(store.cache_root, ignore_errors=True)
        t = time.perf_counter()
        gallery_page()
        cold = time.perf_counter() - t
        warm = timed(gallery_page)  # within the listing TTL, as when paging through the gallery
        print("\nGallery with 1,000 assets in S3: list + metadata + first 24 thumbnails")
        print(f"{'caches':<8}{'seconds':>9}  target")
        print(f"{'first':<8}{first:>9.2f}  (first listing ever: builds the shared index)")
        print(f"{'cold':<8}{cold:>9.2f}  <= 2 s ({cold / 2:.2f}x)")
        print(f"{'warm':<8}{warm:>9.2f}  <= 0.3 s ({warm / 0.3:.2f}x)")
    server.stop()


if __name__ == "__main__":
    main()
