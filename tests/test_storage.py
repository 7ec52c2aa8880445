"""One contract suite for every store (local folder, S3 over HTTP to moto on loopback), plus
S3-specific behaviour: checksums, content types, presigned URLs, keys, faults."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from core.errors import StorageError
from core.fsutil import sha256_file
from core.storage import open_store
from core.storage.keys import job_key, object_key


def make_files(folder: Path, asset_id: str, size: int = 2048) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "model.glb": folder / "model.glb",
        "spec.json": folder / "spec.json",
        "metadata.json": folder / "metadata.json",
    }
    files["model.glb"].write_bytes(bytes(range(256)) * (size // 256))
    files["spec.json"].write_text('{"name": "x"}')
    files["metadata.json"].write_text(
        json.dumps(
            {
                "asset_id": asset_id,
                "name": asset_id,
                "created_at": "2026-01-01T00:00:00",
                "category": "prop",
                "backend": "procedural",
                "stats": {"faces": 12, "vertices": 8, "watertight": True, "size_m": [1, 1, 1]},
            }
        )
    )
    return files


class StoreContract:
    """Every store passes these; subclasses provide the ``store`` fixture."""

    def test_put_list_read_delete(self, store, tmp_path):
        files = make_files(tmp_path / "src", "barrel-0001")
        stored = store.put_asset("barrel-0001", files)
        assert stored["model.glb"].sha256 == sha256_file(files["model.glb"])
        assert [m["asset_id"] for m in store.list_assets()] == ["barrel-0001"]
        assert store.get_metadata("barrel-0001")["name"] == "barrel-0001"
        local = store.local_path("barrel-0001", "model.glb")
        assert local.read_bytes() == files["model.glb"].read_bytes()
        store.delete_asset("barrel-0001")
        assert store.list_assets() == []
        with pytest.raises(StorageError):
            store.get_metadata("barrel-0001")

    def test_replacing_an_asset_and_adding_a_file(self, store, tmp_path):
        store.put_asset("crate-0001", make_files(tmp_path / "a", "crate-0001"))
        newer = make_files(tmp_path / "b", "crate-0001", size=4096)
        store.put_asset("crate-0001", newer)
        assert store.local_path("crate-0001", "model.glb").stat().st_size == 4096
        extra = tmp_path / "checkpoint.json"
        extra.write_text("{}")
        store.put_file("crate-0001", "checkpoint.json", extra)
        assert store.local_path("crate-0001", "checkpoint.json").read_text() == "{}"

    @pytest.mark.parametrize("bad", ["../etc", "/abs", "UPPER", "a/b", "", "x" * 200])
    def test_unsafe_ids_are_refused(self, store, tmp_path, bad):
        with pytest.raises(StorageError):
            store.put_asset(bad, make_files(tmp_path / "src", "ok"))

    @pytest.mark.parametrize(
        "body",
        [
            b"[1, 2, 3]",
            b"[" * 10_000 + b"]" * 10_000,
            b"\xff{}",
            b"{ broken",
            b'{"name": "no id"}',
            b'{"asset_id": "good-0001", "name": "other asset"}',
            b'{"asset_id": "bad-0001", "name": "n", "category": "prop", "backend": "x",'
            b' "created_at": "2026", "stats": "many"}',
        ],
    )
    def test_broken_metadata_is_a_storage_error_and_skipped_by_listing(self, store, tmp_path, body):
        store.put_asset("good-0001", make_files(tmp_path / "g", "good-0001"))
        files = make_files(tmp_path / "b", "bad-0001")
        files["metadata.json"].write_bytes(body)
        store.put_asset("bad-0001", files)
        with pytest.raises(StorageError, match=r"metadata\.json of 'bad-0001'"):
            store.get_metadata("bad-0001")
        assert [m["asset_id"] for m in store.list_assets()] == ["good-0001"]
        assert store.has_asset("good-0001") and not store.has_asset("gone-0001")

    def test_listing_many_assets_newest_first(self, store, tmp_path):
        for i in range(30):
            files = make_files(tmp_path / f"s{i}", f"asset-{i:03d}", size=256)
            meta = json.loads(files["metadata.json"].read_text())
            meta["created_at"] = f"2026-01-01T00:00:{i:02d}"
            files["metadata.json"].write_text(json.dumps(meta))
            store.put_asset(f"asset-{i:03d}", files)
        listed = store.list_assets()
        assert len(listed) == 30 and listed[0]["asset_id"] == "asset-029"


class TestLocalStore(StoreContract):
    @pytest.fixture
    def store(self, isolated_settings):
        return open_store("local")


class TestS3Store(StoreContract):
    @pytest.fixture
    def store(self, s3_env):
        return open_store("s3")

    def test_objects_carry_sha256_and_content_type(self, store, s3_env, tmp_path):
        files = make_files(tmp_path / "src", "ring-0001")
        store.put_asset("ring-0001", files)
        head = store.client.head_object(Bucket=s3_env["bucket"], Key="assets/ring-0001/model.glb")
        assert head["ContentType"] == "model/gltf-binary"
        assert head["Metadata"]["sha256"] == sha256_file(files["model.glb"])

    def test_objects_are_private_and_shared_by_presigned_url(self, store, tmp_path):
        store.put_asset("key-0001", make_files(tmp_path / "src", "key-0001"))
        url = store.presigned_url("key-0001", "model.glb", expires_s=120)
        assert "X-Amz-Signature" in url and "X-Amz-Expires=120" in url
        assert urllib.request.urlopen(url).read() == (tmp_path / "src" / "model.glb").read_bytes()

    def test_multipart_upload_of_a_large_file(self, store, s3_env, tmp_path, configure):
        store = open_store("s3", settings=configure(s3_multipart_mb=5))
        files = make_files(tmp_path / "src", "big-0001", size=12 * 1024 * 1024)
        store.put_asset("big-0001", files)
        head = store.client.head_object(Bucket=s3_env["bucket"], Key="assets/big-0001/model.glb")
        assert head["ETag"].strip('"').endswith("-3")  # three parts
        assert sha256_file(store.local_path("big-0001", "model.glb")) == sha256_file(files["model.glb"])

    def test_missing_bucket_is_a_clear_error(self, s3_env, configure, tmp_path):
        configure(s3_create_bucket=False, s3_bucket="no-such-bucket-here")
        with pytest.raises(StorageError, match="does not exist"):
            open_store("s3").put_asset("a-1", make_files(tmp_path / "src", "a-1"))

    def test_unreachable_endpoint_fails_after_the_retry_window(self, s3_env, configure, tmp_path):
        import time

        from s3server import free_port

        configure(s3_endpoint_url=f"http://127.0.0.1:{free_port()}", s3_retry_window_s=1)
        t0 = time.monotonic()
        with pytest.raises(StorageError, match=r"reachable|failed"):
            open_store("s3").list_assets()
        assert time.monotonic() - t0 < 60  # bounded: no retry storm

    def test_503_slow_down_is_retried_with_backoff(self, s3_env, moto, configure, tmp_path):
        from s3server import TcpProxy

        proxy = TcpProxy(moto.port)
        try:
            configure(s3_endpoint_url=proxy.url)
            store = open_store("s3")
            store.ensure_bucket()
            proxy.fail_next = 3
            store.put_asset("slow-0001", make_files(tmp_path / "src", "slow-0001"))
            assert proxy.failed == 3
            assert store.get_metadata("slow-0001")["asset_id"] == "slow-0001"
        finally:
            proxy.close()

    def test_s3_store_needs_a_bucket(self, configure):
        configure(s3_bucket=None)
        with pytest.raises(StorageError, match="S3_BUCKET"):
            open_store("s3")


def test_keys_are_built_and_checked_in_one_place():
    assert object_key("assets/", "sword-1", "model.glb") == "assets/sword-1/model.glb"
    assert (
        job_key("assets", "0123456789ab", "exports/model.glb")
        == "assets/.jobs/0123456789ab/exports/model.glb"
    )
    for bad in ("../x", "a/../b", "/etc/passwd", "a/b/c"):
        with pytest.raises(StorageError):
            job_key("assets", "0123456789ab", bad)
    for bad_id in ("abc\n", "0123456789ab\n"):  # `$` alone would let a trailing newline through
        with pytest.raises(StorageError):
            object_key("assets", bad_id, "model.glb")
    with pytest.raises(StorageError) as err:
        object_key("assets", "x" * 100_000, "model.glb")
    assert len(str(err.value)) < 300  # the bad value is not echoed whole


def test_s3_listing_uses_the_shared_index_and_never_trusts_a_stale_entry(s3_env, tmp_path):
    import shutil

    from core.config import get_settings

    store = open_store("s3")
    for i in range(5):
        store.put_asset(f"idx-{i}", make_files(tmp_path / f"s{i}", f"idx-{i}", size=256))
    assert len(store.list_assets()) == 5  # builds <prefix>/.index.json
    shared = store._read_shared_index()
    assert len(shared) == 5
    # another writer replaces one asset: its index ETag changes, the shared copy is stale
    newer = make_files(tmp_path / "new", "idx-0")
    meta = json.loads(newer["metadata.json"].read_text())
    meta["name"] = "renamed"
    newer["metadata.json"].write_text(json.dumps(meta))
    other = open_store("s3")
    other.put_asset("idx-0", newer)
    shutil.rmtree(get_settings().cache_dir, ignore_errors=True)  # a fresh server process
    fresh = open_store("s3")
    names = {m["asset_id"]: m["name"] for m in fresh.list_assets()}
    assert names["idx-0"] == "renamed" and len(names) == 5


def test_stores_know_bytes_and_keys_only():
    """The storage layer imports no mesh, spec, generator or job module (import-linter checks
    the same in `make lint`); a fresh interpreter shows what importing every store pulls in."""
    import subprocess
    import sys

    code = (
        "import sys, core.storage, core.storage.base, core.storage.keys, core.storage.local, "
        "core.storage.s3\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in "
        "(['core', 'mesh'], ['core', 'spec'], ['core', 'generators'], ['core', 'jobs'])))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_s3_fetch_job_gets_what_the_caller_names_and_drops_a_refused_checkpoint(s3_env, tmp_path):
    from core.errors import CheckpointError
    from core.storage.base import JobFile

    store = open_store("s3")
    src = tmp_path / "src"
    src.mkdir()
    for rel, body in (("checkpoint.json", b"{}"), ("spec.json", b'{"a": 1}'), ("raw.npz", b"mesh")):
        (src / rel).write_bytes(body)
        store.sync_job_file("0123456789ab", rel, src / rel)
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "raw.npz").write_bytes(b"stale")  # a local copy with another hash is replaced

    def files_of(where: Path) -> list[JobFile]:
        assert (where / "checkpoint.json").read_bytes() == b"{}"  # fetched first
        sha = sha256_file(src / "raw.npz")
        return [
            JobFile("spec.json", where / "spec.json"),
            JobFile("raw.npz", where / "raw.npz", sha),
            JobFile("lod0.npz", where / "lod0.npz"),  # not in the bucket: skipped
        ]

    assert store.fetch_job("0123456789ab", folder, files_of, 1024)
    assert (folder / "spec.json").read_bytes() == b'{"a": 1}'
    assert (folder / "raw.npz").read_bytes() == b"mesh"
    assert not (folder / "lod0.npz").exists()
    assert not store.fetch_job("ba9876543210", tmp_path / "none", files_of, 1024)

    def refuse(where: Path) -> list[JobFile]:
        raise CheckpointError("tampered")

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with pytest.raises(CheckpointError, match="tampered"):
        store.fetch_job("0123456789ab", fresh, refuse, 1024)
    assert not (fresh / "checkpoint.json").exists()
    with pytest.raises(CheckpointError, match="larger than 0 KiB"):
        store.fetch_job("0123456789ab", fresh, files_of, 1)


def test_s3_forget_listing_shows_what_another_machine_stored_at_once(s3_env, tmp_path):
    """The listing is cached 30 s in this machine's cache; another machine (its own cache
    folder) storing an asset shows after ``forget_listing`` (the gallery's Refresh)."""
    from core.config import get_settings

    store = open_store("s3")
    store.put_asset("seen-0", make_files(tmp_path / "a", "seen-0", size=64))
    assert [m["asset_id"] for m in store.list_assets()] == ["seen-0"]
    elsewhere = get_settings().model_copy(update={"cache_dir": tmp_path / "other-cache"})
    open_store("s3", tmp_path / "other-assets", elsewhere).put_asset(
        "seen-1", make_files(tmp_path / "b", "seen-1", size=64)
    )
    assert [m["asset_id"] for m in store.list_assets()] == ["seen-0"]  # still the cached listing
    store.forget_listing()
    assert {m["asset_id"] for m in store.list_assets()} == {"seen-0", "seen-1"}
