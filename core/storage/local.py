"""The ``local`` store: ``<root>/<asset_id>/`` folders on disk, published atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from core.errors import StorageError
from core.fsutil import read_bytes_limited, sha256_file
from core.storage.base import MAX_METADATA_BYTES, Store, StoredFile, parse_metadata
from core.storage.keys import check_id, check_name


class LocalStore(Store):
    """Assets under ``root`` (default ``./assets``). Hidden folders (``.jobs``) are not assets."""

    name = "local"

    def __init__(self, root: Path) -> None:
        """Raises ``StorageError`` if ``root`` cannot be resolved (a symlink loop)."""
        try:
            self.root = Path(root).resolve()
        except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python 3.11)
            raise StorageError(
                f"The asset folder {str(root)[:120]} is unusable: {e}.",
                "Choose another folder with --out or ASSET_DIR.",
            ) from None

    def location(self) -> str:
        return str(self.root)

    def asset_dir(self, asset_id: str) -> Path:
        return self.root / check_id(asset_id, "asset id")

    def put_asset(self, asset_id: str, files: dict[str, Path]) -> dict[str, StoredFile]:
        """Copy ``files`` into a temp folder, then swap it in with ``os.replace`` so readers
        see the old asset or the new one, never a half-written folder."""
        final = self.asset_dir(asset_id)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".staging-{asset_id}-", dir=self.root))
        except OSError as e:
            raise StorageError(
                f"Could not store asset {asset_id} in {self.root}: {e.strerror or e}."
            ) from None
        stored = {}
        try:
            for name, src in files.items():
                dst = staging / check_name(name)
                shutil.copyfile(src, dst)
                stored[name] = StoredFile(name, dst.stat().st_size, sha256_file(dst), str(final / name))
            os.chmod(staging, 0o755)
            if final.exists():
                trash = self.root / f".trash-{asset_id}-{os.getpid()}"
                os.replace(final, trash)
                os.replace(staging, final)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(staging, final)
        except OSError as e:
            shutil.rmtree(staging, ignore_errors=True)
            raise StorageError(f"Could not store asset {asset_id} in {self.root}: {e}") from e
        return stored

    def put_file(self, asset_id: str, name: str, path: Path) -> StoredFile:
        from core.fsutil import atomic_write_bytes

        target = self.asset_dir(asset_id) / check_name(name)
        if not target.parent.is_dir():
            raise StorageError(f"Asset '{asset_id}' is not in {self.root}.")
        atomic_write_bytes(target, Path(path).read_bytes())
        return StoredFile(name, target.stat().st_size, sha256_file(target), str(target))

    def get_metadata(self, asset_id: str) -> dict:
        """metadata.json of ``asset_id``.

        Raises
        ------
        StorageError
            Invalid id, no such asset, or a metadata.json that is unreadable, too large,
            not JSON or not an object.
        """
        path = self.asset_dir(asset_id) / "metadata.json"
        try:
            data = read_bytes_limited(path, MAX_METADATA_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            raise StorageError(f"Asset '{asset_id}' is not in {self.root}.") from None
        except OSError as e:
            raise StorageError(f"metadata.json of '{asset_id}' is unreadable: {e.strerror or e}.") from None
        return parse_metadata(data, f"'{asset_id}'", asset_id)

    def list_assets(self) -> list[dict]:
        """Metadata of every readable asset, newest first; broken asset folders (unreadable,
        not JSON, not an object) are skipped, not fatal to the gallery.

        Raises
        ------
        StorageError
            The asset folder itself cannot be listed.
        """
        try:
            if not self.root.is_dir():
                return []
            folders = list(self.root.iterdir())
        except OSError as e:
            raise StorageError(f"Cannot list the assets in {self.root}: {e.strerror or e}.") from None
        out = []
        for d in folders:
            if d.name.startswith("."):
                continue
            try:
                meta = self.get_metadata(d.name)
            except StorageError:
                continue  # a broken asset folder is skipped, not fatal to the gallery
            if isinstance(meta.get("created_at", ""), str):
                out.append(meta)
        return sorted(out, key=lambda m: m.get("created_at", ""), reverse=True)

    def has_asset(self, asset_id: str) -> bool:
        return (self.asset_dir(asset_id) / "metadata.json").is_file()

    def local_path(self, asset_id: str, name: str, sha256: str | None = None) -> Path:
        path = self.asset_dir(asset_id) / check_name(name)
        if not path.is_file():
            raise StorageError(f"Asset '{asset_id}' has no file '{name}'.")
        return path

    def delete_asset(self, asset_id: str) -> None:
        shutil.rmtree(self.asset_dir(asset_id), ignore_errors=True)
