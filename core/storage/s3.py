"""The ``s3`` store: assets and job checkpoints in an S3-compatible bucket (AWS, MinIO, R2).

Layout under ``S3_PREFIX`` (default ``assets``)::

    <prefix>/<asset_id>/{spec.json, model.glb, ..., thumbnail.png, metadata.json, checkpoint.json}
    <prefix>/.jobs/<job_id>/{checkpoint.json, spec.json, raw.npz, lod0.npz, exports/...}

Objects are private (no ACL); downloads use presigned GET URLs. Every upload carries the
file's sha256 in the object metadata and is checked after upload (HEAD: size and sha256);
``metadata.json`` is written last, so an asset is listed only once all its files are in.
Large files go up in multipart chunks (boto3 ``TransferConfig``). Transient failures are
retried by botocore (standard mode, exponential backoff with jitter) and, for an unreachable
endpoint, by tenacity for up to ``S3_RETRY_WINDOW_S``. Credentials come from boto3's chain.
boto3 S3 API: https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/s3.html
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import StorageError
from core.formats import content_type
from core.fsutil import sha256_file
from core.storage.base import (
    MAX_METADATA_BYTES,
    JobFile,
    Store,
    StoredFile,
    check_metadata,
    parse_metadata,
)
from core.storage.keys import check_id, check_name, index_key, job_key, object_key

if TYPE_CHECKING:
    from core.config import Settings


class S3Store(Store):
    """Assets in ``s3://bucket/prefix``; a local cache folder holds downloaded files."""

    name = "s3"

    def __init__(self, root: Path | None, settings: Settings, client=None) -> None:
        """Raises ``StorageError`` if ``settings`` name no bucket (``S3_BUCKET``) or hold an
        unusable endpoint or region. ``root``: the local asset folder (default
        ``settings.asset_dir``), whose ``.s3-cache`` holds downloaded files; ``client``: a
        boto3 S3 client (default: one made from ``settings``)."""
        s = settings
        if not s.s3_bucket:
            raise StorageError(
                "ASSET_STORE=s3 needs S3_BUCKET.", "Set S3_BUCKET (and S3_ENDPOINT_URL for MinIO)."
            )
        self.bucket, self.prefix = s.s3_bucket, s.s3_prefix.strip("/")
        self.settings = s
        self.cache_root = Path(root or s.asset_dir).resolve() / ".s3-cache"
        self.client = client or self._make_client()
        self._checked = False

    @classmethod
    def from_settings(cls, root: Path, settings: Settings) -> S3Store:
        return cls(root, settings)

    def _make_client(self):
        import boto3
        from botocore.config import Config

        cfg = Config(
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            signature_version="s3v4",
        )
        try:
            return boto3.client(
                "s3",
                endpoint_url=self.settings.s3_endpoint_url,
                region_name=self.settings.s3_region,
                config=cfg,
            )
        except ValueError as e:  # botocore: invalid endpoint or region
            raise StorageError(
                f"Cannot use the S3 settings: {e}.",
                "Check S3_ENDPOINT_URL (e.g. http://localhost:9000) and S3_REGION.",
            ) from None

    # --- errors and retries --------------------------------------------------------------------
    def _call(self, what: str, fn, *args, **kwargs):
        """Run one S3 call; an unreachable endpoint is retried for S3_RETRY_WINDOW_S, auth and
        missing-bucket errors are not retried; every failure becomes a StorageError."""
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
        from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential_jitter

        transient = (EndpointConnectionError, ConnectionError)
        try:
            from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

            transient = (*transient, ConnectionClosedError, ReadTimeoutError)
        except ImportError:  # pragma: no cover - older botocore
            pass

        @retry(
            retry=retry_if_exception_type(transient),
            stop=stop_after_delay(self.settings.s3_retry_window_s),
            wait=wait_exponential_jitter(initial=0.2, max=5.0),
            reraise=True,
        )
        def attempt():
            return fn(*args, **kwargs)

        try:
            return attempt()
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"):
                raise StorageError(
                    f"S3 refused {what}: {code}.", "Check the AWS credentials and bucket policy."
                ) from e
            if code in ("NoSuchBucket",):
                raise StorageError(
                    f"S3 bucket '{self.bucket}' does not exist.", "Create it, or set S3_CREATE_BUCKET=true."
                ) from e
            raise StorageError(f"S3 {what} failed: {code or e}.") from e
        except BotoCoreError as e:
            raise StorageError(f"S3 {what} failed: {e}.", "Is the S3 endpoint reachable?") from e

    def ensure_bucket(self) -> None:
        """Check the bucket once (create it when S3_CREATE_BUCKET is set)."""
        if self._checked:
            return
        from botocore.exceptions import ClientError

        try:
            self._call("head_bucket", self.client.head_bucket, Bucket=self.bucket)
        except StorageError as e:
            cause = e.__cause__
            missing = isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in (
                "404",
                "NoSuchBucket",
                "NotFound",
            )
            if not (missing and self.settings.s3_create_bucket):
                if missing:
                    raise StorageError(
                        f"S3 bucket '{self.bucket}' does not exist.",
                        "Create it, or set S3_CREATE_BUCKET=true.",
                    ) from cause
                raise
            self._call("create_bucket", self.client.create_bucket, Bucket=self.bucket)
        self._checked = True

    def location(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}"
        return f"{where} at {self.settings.s3_endpoint_url}" if self.settings.s3_endpoint_url else where

    # --- objects -------------------------------------------------------------------------------
    def _upload(self, key: str, path: Path) -> StoredFile:
        from boto3.s3.transfer import TransferConfig

        self.ensure_bucket()
        digest, size = sha256_file(path), Path(path).stat().st_size
        chunk = self.settings.s3_multipart_mb * 1024 * 1024
        cfg = TransferConfig(multipart_threshold=chunk, multipart_chunksize=chunk, max_concurrency=8)
        extra = {"ContentType": content_type(key), "Metadata": {"sha256": digest}}
        self._call(
            f"upload of {key}",
            self.client.upload_file,
            str(path),
            self.bucket,
            key,
            ExtraArgs=extra,
            Config=cfg,
        )
        head = self._call(f"check of {key}", self.client.head_object, Bucket=self.bucket, Key=key)
        if head["ContentLength"] != size or head.get("Metadata", {}).get("sha256") != digest:
            raise StorageError(f"Upload of {key} did not verify (size or sha256 differs).")
        return StoredFile(Path(key).name, size, digest, f"s3://{self.bucket}/{key}")

    def _download(self, key: str, dest: Path) -> Path:
        import os
        import tempfile

        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
        os.close(fd)
        try:
            self._call(f"download of {key}", self.client.download_file, self.bucket, key, tmp)
            os.replace(tmp, dest)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return dest

    def put_asset(self, asset_id: str, files: dict[str, Path]) -> dict[str, StoredFile]:
        """Upload every file, ``metadata.json`` last, then the asset's small index entry
        (``<prefix>/.index/<asset_id>.json``, a copy of metadata.json) that the gallery lists."""
        names = sorted(files, key=lambda n: n == "metadata.json")  # metadata.json goes last
        stored = {}
        for name in names:
            stored[name] = self._upload(object_key(self.prefix, asset_id, name), files[name])
        if "metadata.json" in files:
            self._upload(index_key(self.prefix, asset_id), files["metadata.json"])
        self.forget_listing()
        return stored

    def put_file(self, asset_id: str, name: str, path: Path) -> StoredFile:
        return self._upload(object_key(self.prefix, asset_id, name), path)

    def _list(self, prefix: str) -> list[dict]:
        self.ensure_bucket()
        out = []
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("listing", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix)))
        for page in pages:
            out.extend(page.get("Contents", []))
        return out

    LISTING_TTL_S = 30

    def _index_cache(self):
        import diskcache

        return diskcache.Cache(str(self.settings.cache_dir / "s3-index"))

    def forget_listing(self) -> None:
        """Drop the 30-second listing cache (after a put or a delete, and on Refresh)."""
        with self._index_cache() as cache:
            cache.delete(f"listing:{self.bucket}/{self.prefix}")

    def list_assets(self) -> list[dict]:
        """Every asset's metadata, newest first.

        One paginated LIST of ``<prefix>/.index/`` (one small JSON per asset); each entry is
        then taken from diskcache, or from the shared listing cache ``<prefix>/.index.json``
        when its ETag matches, or fetched (in parallel). The whole listing is cached for 30 s
        (dropped at once by this store's own writes), so paging through the gallery does not
        re-list the bucket.
        """
        from concurrent.futures import ThreadPoolExecutor

        listing_key = f"listing:{self.bucket}/{self.prefix}"
        with self._index_cache() as cache:
            cached = cache.get(listing_key)
            if cached is not None:
                return cached
            objects = [o for o in self._list(f"{self.prefix}/.index/") if o["Key"].endswith(".json")]
            shared = self._read_shared_index()
            bodies: dict[str, dict] = {}
            missing = []
            for o in objects:
                meta = cache.get(f"{o['Key']}@{o['ETag']}")
                entry = shared.get(o["Key"])
                if meta is None and isinstance(entry, dict) and entry.get("etag") == o["ETag"]:
                    try:  # the shared cache is in the bucket: as untrusted as the files
                        meta = check_metadata(entry.get("meta"), o["Key"], _index_asset_id(o["Key"]))
                        cache.set(f"{o['Key']}@{o['ETag']}", meta)
                    except StorageError:
                        meta = None
                if meta is None:
                    missing.append(o)
                else:
                    bodies[o["Key"]] = meta

            def fetch(o: dict):
                if o.get("Size", 0) > MAX_METADATA_BYTES:
                    return o, None
                body = self._call("read", self.client.get_object, Bucket=self.bucket, Key=o["Key"])[
                    "Body"
                ].read(MAX_METADATA_BYTES + 1)
                try:
                    return o, parse_metadata(body, o["Key"], _index_asset_id(o["Key"]))
                except StorageError:
                    return o, None  # a broken entry is skipped, not fatal to the gallery

            with ThreadPoolExecutor(max_workers=32) as pool:
                for o, meta in pool.map(fetch, missing):
                    if meta is not None:
                        cache.set(f"{o['Key']}@{o['ETag']}", meta)
                        bodies[o["Key"]] = meta
            current = {o["Key"]: o["ETag"] for o in objects if o["Key"] in bodies}
            if missing or set(shared) != set(current):
                self._write_shared_index({k: {"etag": e, "meta": bodies[k]} for k, e in current.items()})
            out = sorted(bodies.values(), key=lambda m: m.get("created_at", ""), reverse=True)
            cache.set(listing_key, out, expire=self.LISTING_TTL_S)
        return out

    MAX_SHARED_INDEX_BYTES = 256 * 1024 * 1024

    def _shared_index_key(self) -> str:
        return f"{self.prefix}/.index.json"

    def _read_shared_index(self) -> dict:
        """The listing cache shared by every reader: ``{index key: {etag, meta}}``. Entries
        are trusted only when their ETag matches the fresh LIST, so a stale or racing copy
        costs extra GETs, never wrong data."""
        from botocore.exceptions import ClientError

        try:
            from core.fsutil import parse_json

            body = self.client.get_object(Bucket=self.bucket, Key=self._shared_index_key())["Body"].read(
                self.MAX_SHARED_INDEX_BYTES + 1
            )
            data = parse_json(body, self.MAX_SHARED_INDEX_BYTES)
        except (ClientError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            k: v
            for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("meta"), dict) and isinstance(v.get("etag"), str)
        }

    def _write_shared_index(self, entries: dict) -> None:
        import contextlib

        from botocore.exceptions import BotoCoreError, ClientError

        with contextlib.suppress(BotoCoreError, ClientError):  # best effort: it is only a cache
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._shared_index_key(),
                ContentType="application/json",
                Body=json.dumps(entries, separators=(",", ":")).encode(),
            )

    def get_metadata(self, asset_id: str) -> dict:
        """metadata.json of ``asset_id``.

        Raises
        ------
        StorageError
            Invalid id, no such asset (or the store is unreachable), or a metadata.json that
            is too large, not JSON or not an object.
        """
        key = object_key(self.prefix, asset_id, "metadata.json")
        try:
            obj = self._call("read", self.client.get_object, Bucket=self.bucket, Key=key)
        except StorageError as e:
            raise StorageError(f"Asset '{asset_id}' is not in {self.location()}.") from e
        return parse_metadata(obj["Body"].read(MAX_METADATA_BYTES + 1), f"'{asset_id}'", asset_id)

    def has_asset(self, asset_id: str) -> bool:
        """Whether ``asset_id``'s metadata.json is in the bucket (one HEAD).

        Raises
        ------
        StorageError
            The bucket cannot be reached or refuses the request.
        """
        from botocore.exceptions import ClientError

        key = object_key(self.prefix, asset_id, "metadata.json")
        try:
            self._call("check", self.client.head_object, Bucket=self.bucket, Key=key)
        except StorageError as e:
            cause = e.__cause__
            if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in (
                "404",
                "NoSuchKey",
                "NotFound",
            ):
                return False
            raise
        return True

    def local_path(self, asset_id: str, name: str, sha256: str | None = None) -> Path:
        """Download ``name`` of ``asset_id`` into the local cache, stored by content hash.

        With ``sha256`` (from metadata.json) a cached copy is used without asking S3;
        without it one HEAD reads the object's sha256. A download is verified against it.
        """
        key = object_key(self.prefix, asset_id, check_name(name))
        if sha256 is None:
            head = self._call(f"check of {key}", self.client.head_object, Bucket=self.bucket, Key=key)
            sha256 = head.get("Metadata", {}).get("sha256") or head["ETag"].strip('"')
        dest = self.cache_root / check_id(asset_id, "asset id") / sha256 / name
        if not dest.is_file():
            self._download(key, dest)
            if len(sha256) == 64 and sha256_file(dest) != sha256:
                dest.unlink(missing_ok=True)
                raise StorageError(f"Download of {key} does not match its sha256.")
        return dest

    def presigned_url(self, asset_id: str, name: str, expires_s: int | None = None) -> str:
        """A time-limited HTTPS link to one file (for "copy link" and sharing)."""
        key = object_key(self.prefix, asset_id, name)
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_s or self.settings.s3_presign_expiry_s,
        )

    def delete_asset(self, asset_id: str) -> None:
        index = index_key(self.prefix, asset_id)
        self._call("delete", self.client.delete_object, Bucket=self.bucket, Key=index)  # unlisted first
        self.forget_listing()
        keys = [o["Key"] for o in self._list(f"{self.prefix}/{check_id(asset_id, 'asset id')}/")]
        for i in range(0, len(keys), 1000):
            batch = {"Objects": [{"Key": k} for k in keys[i : i + 1000]], "Quiet": True}
            self._call("delete", self.client.delete_objects, Bucket=self.bucket, Delete=batch)

    # --- job checkpoints ----------------------------------------------------------------------
    def sync_job_file(self, job_id: str, rel: str, path: Path) -> None:
        self._upload(job_key(self.prefix, job_id, rel), path)

    def fetch_job(
        self,
        job_id: str,
        folder: Path,
        files_of: Callable[[Path], Iterable[JobFile]],
        max_checkpoint_bytes: int,
    ) -> bool:
        """Pull a job's checkpoint, then every file ``files_of(folder)`` names that is not
        already there (or whose sha256 differs), into ``folder``; False if the bucket has no
        such job. The checkpoint is validated by ``files_of`` before any file it names is
        fetched, and its size is checked (HEAD) before it is downloaded.

        Raises
        ------
        CheckpointError
            The stored checkpoint is larger than ``max_checkpoint_bytes``.
        WorkbenchError
            Whatever ``files_of`` raises for a corrupt or tampered checkpoint (it is not kept).
        StorageError
            The store cannot be reached.
        """
        from botocore.exceptions import ClientError

        from core.errors import CheckpointError, WorkbenchError

        key = job_key(self.prefix, job_id, "checkpoint.json")
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return False
        if head.get("ContentLength", 0) > max_checkpoint_bytes:
            raise CheckpointError(
                f"The checkpoint of job {job_id} in {self.location()} is larger than "
                f"{max_checkpoint_bytes // 1024} KiB.",
                "Delete the job from the bucket.",
            )
        target = Path(folder) / "checkpoint.json"
        self._download(key, target)
        try:
            wanted = list(files_of(Path(folder)))
        except WorkbenchError:
            target.unlink(missing_ok=True)
            raise
        for file in wanted:
            if file.path.is_file() and (file.sha256 is None or sha256_file(file.path) == file.sha256):
                continue
            try:
                self._download(job_key(self.prefix, job_id, file.rel), file.path)
            except StorageError:
                continue  # missing in the store: that step reruns on resume
        return True

    def list_job_checkpoints(self, max_bytes: int) -> list[tuple[str, bytes]]:
        """``(job id, first max_bytes + 1 bytes of its checkpoint.json)`` for every job in
        the bucket (a ranged GET: an oversized object is never read whole).

        Raises
        ------
        StorageError
            The bucket cannot be listed or read.
        """
        out = []
        depth = self.prefix.count("/") + 3
        for o in self._list(f"{self.prefix}/.jobs/"):
            if not (o["Key"].endswith("/checkpoint.json") and o["Key"].count("/") == depth):
                continue
            job_id = o["Key"].split("/")[-2]
            body = self._call(
                "read", self.client.get_object, Bucket=self.bucket, Key=o["Key"], Range=f"bytes=0-{max_bytes}"
            )["Body"].read(max_bytes + 1)
            out.append((job_id, body))
        return out


def _index_asset_id(key: str) -> str:
    """The asset id of a listing entry ``<prefix>/.index/<asset_id>.json``."""
    return key.rsplit("/", 1)[-1].removesuffix(".json")
