"""Files around point-cloud reconstruction: a strict, size-limited PLY point reader and a check
that an output path can be written before any work is done.

The reader trusts nothing in the file: the header must be complete within
:data:`MAX_HEADER_BYTES`, the body must hold exactly the rows the header declares (ASCII) or
exactly the bytes they take (binary), and the file is read only up to :data:`MAX_PLY_BYTES`,
so ``/dev/zero`` or a multi-gigabyte file is refused instead of exhausting memory.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import numpy as np

from core.errors import ConversionError
from core.fsutil import read_bytes_limited

MAX_PLY_BYTES = 1 << 30  # 1 GiB: 20 million points in double precision with colours fit
MAX_HEADER_BYTES = 64 * 1024
MAX_ELEMENT_ROWS = 100_000_000
MAX_PATH_CHARS = 4096

_TYPES = {
    "char": "i1",
    "int8": "i1",
    "uchar": "u1",
    "uint8": "u1",
    "short": "i2",
    "int16": "i2",
    "ushort": "u2",
    "uint16": "u2",
    "int": "i4",
    "int32": "i4",
    "uint": "u4",
    "uint32": "u4",
    "float": "f4",
    "float32": "f4",
    "double": "f8",
    "float64": "f8",
}
_FORMATS = {"ascii": None, "binary_little_endian": "<", "binary_big_endian": ">"}
_COLOR_NAMES = (("red", "green", "blue"), ("r", "g", "b"), ("diffuse_red", "diffuse_green", "diffuse_blue"))


def _describe_missing(path: Path) -> str:
    """Why ``path`` cannot be opened for reading, in a few words."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "a folder on its path is a file"
    except OSError as e:
        return e.strerror or type(e).__name__
    if stat.S_ISDIR(st.st_mode):
        return "it is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file (a device, pipe or socket)"
    return ""


def _read_limited(path: Path, limit: int) -> bytes:
    """The bytes of regular file ``path``, refusing files larger than ``limit`` bytes.

    Raises ``ConversionError`` for missing, unreadable, special or oversized files.
    """
    why = _describe_missing(path)
    if why:
        raise ConversionError(f"Cannot read {path}: {why}.", "Give the path of a .ply point cloud.")
    try:
        size = path.stat().st_size
        if size > limit:
            raise ConversionError(
                f"Cannot read {path}: it is {size / 2**20:,.0f} MiB, more than the "
                f"{limit / 2**20:,.0f} MiB accepted.",
                "Subsample the cloud (20 million points at most are used).",
            )
        data = read_bytes_limited(path, limit)  # the file may have grown since stat
    except OSError as e:
        raise ConversionError(f"Cannot read {path}: {e.strerror or e}.") from None
    if len(data) > limit:
        raise ConversionError(f"Cannot read {path}: more than {limit / 2**20:,.0f} MiB.")
    return data


def _parse_header(data: bytes, path: Path) -> tuple[str, list[tuple[str, int, list]], int]:
    """(format, [(element, count, [(name, dtype or (count dtype, item dtype))])], body offset)."""
    bad = f"{path} is not a valid PLY file"
    if not data.startswith(b"ply"):
        raise ConversionError(f"{bad}: it does not start with 'ply'.", "Save the point cloud as .ply.")
    end = data.find(b"end_header", 0, MAX_HEADER_BYTES)
    if end < 0:
        raise ConversionError(f"{bad}: no 'end_header' in its first {MAX_HEADER_BYTES // 1024} KiB.")
    eol = data.find(b"\n", end)
    body_start = len(data) if eol < 0 else eol + 1
    try:
        lines = data[:end].decode("ascii").splitlines()
    except UnicodeDecodeError:
        raise ConversionError(f"{bad}: its header is not ASCII text.") from None
    fmt = None
    elements: list[tuple[str, int, list]] = []
    for number, raw in enumerate(lines[1:], start=2):
        words = raw.split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        where = f"{bad}: header line {number} ({raw.strip()[:60]!r})"
        if words[0] == "format":
            if len(words) != 3 or words[1] not in _FORMATS:
                raise ConversionError(f"{where} names an unknown format.")
            fmt = words[1]
        elif words[0] == "element":
            if len(words) != 3 or not words[2].isdigit():
                raise ConversionError(f"{where}: an element needs a name and a row count.")
            count = int(words[2])
            if count > MAX_ELEMENT_ROWS:
                raise ConversionError(f"{where} declares {count:,} rows, more than {MAX_ELEMENT_ROWS:,}.")
            elements.append((words[1], count, []))
        elif words[0] == "property":
            if not elements:
                raise ConversionError(f"{where}: a property before any element.")
            if len(words) == 5 and words[1] == "list" and words[2] in _TYPES and words[3] in _TYPES:
                if _TYPES[words[2]][0] == "f":
                    raise ConversionError(f"{where}: a list count must be an integer type.")
                elements[-1][2].append((words[4], (_TYPES[words[2]], _TYPES[words[3]])))
            elif len(words) == 3 and words[1] in _TYPES:
                elements[-1][2].append((words[2], _TYPES[words[1]]))
            else:
                raise ConversionError(f"{where}: unknown property type.")
        else:
            raise ConversionError(f"{where}: unknown keyword.")
    if fmt is None:
        raise ConversionError(f"{bad}: the header has no 'format' line.")
    return fmt, elements, body_start


def _ascii_body(body: bytes, elements, path: Path) -> np.ndarray:
    """The vertex rows as an (N, properties) float64 array, after checking the row counts."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise ConversionError(f"{path}: the ASCII body has non-ASCII bytes.") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    declared = sum(count for _, count, _ in elements)
    if len(lines) != declared:
        parts = ", ".join(f"{count:,} {name}" for name, count, _ in elements)
        raise ConversionError(
            f"{path}: the header declares {declared:,} rows ({parts}) but the body has {len(lines):,}.",
            "The file is truncated or its header is wrong; export it again.",
        )
    start = 0
    for name, count, props in elements:
        if name == "vertex":
            rows = lines[start : start + count]
            tokens = " ".join(rows).split()
            if len(tokens) != count * len(props):
                raise ConversionError(
                    f"{path}: {count:,} vertex rows of {len(props)} values should hold "
                    f"{count * len(props):,} numbers, found {len(tokens):,}.",
                    "Every vertex row must have one value per declared property.",
                )
            try:
                values = np.array(tokens, dtype=np.float64)
            except ValueError:
                raise ConversionError(f"{path}: a vertex row holds something that is not a number.") from None
            return values.reshape(count, len(props))
        start += count
    raise ConversionError(f"{path} has no 'vertex' element.")  # unreachable: checked by the caller


def _list_element_size(buf: memoryview, offset: int, count: int, props, order: str, path: Path) -> int:
    """Bytes taken by ``count`` rows with list properties, starting at ``offset``."""
    p = offset
    n = len(buf)
    if len(props) == 1 and count:  # fast path: one list, every row with the same length
        ctype, itype = (np.dtype(order + t) for t in props[0][1])
        if p + ctype.itemsize <= n:
            first = int(np.frombuffer(buf, ctype, 1, p)[0])
            row = ctype.itemsize + first * itype.itemsize
            if first >= 0 and p + row * count <= n:
                counts = np.ndarray((count,), ctype, buf, p, (row,))
                if (counts == first).all():
                    return row * count
    for _ in range(count):
        for _, t in props:
            if isinstance(t, tuple):
                ctype, itype = (np.dtype(order + x) for x in t)
                if p + ctype.itemsize > n:
                    return n + 1  # runs past the end
                c = int(np.frombuffer(buf, ctype, 1, p)[0])
                if c < 0:
                    raise ConversionError(f"{path}: a list in the body has a negative length.")
                p += ctype.itemsize + c * itype.itemsize
            else:
                p += np.dtype(t).itemsize
        if p > n:
            return n + 1
    return p - offset


def _binary_body(body: bytes, elements, order: str, path: Path) -> np.ndarray:
    """The vertex rows as a structured array, after checking the body's byte size exactly."""
    buf = memoryview(body)
    offset = 0
    vertices = None
    for name, count, props in elements:
        if any(isinstance(t, tuple) for _, t in props):
            if name == "vertex":
                raise ConversionError(f"{path}: list properties on vertices are not supported.")
            size = _list_element_size(buf, offset, count, props, order, path)
        else:
            dtype = np.dtype([(f"p{i}", order + t) for i, (_, t) in enumerate(props)])
            size = dtype.itemsize * count
            if name == "vertex" and offset + size <= len(body):
                vertices = np.frombuffer(body, dtype, count, offset)
        offset += size
        if offset > len(body):
            break
    if offset != len(body):
        raise ConversionError(
            f"{path}: the header declares rows that take {offset:,} bytes but the body has {len(body):,}.",
            "The file is truncated or its header is wrong; export it again.",
        )
    return vertices


def read_ply_points(path, max_bytes: int = MAX_PLY_BYTES) -> tuple[np.ndarray, np.ndarray | None]:
    """Points and colours from a .ply file (ASCII or binary, either byte order).

    Parameters
    ----------
    path : str or Path
        The file; at most ``max_bytes`` bytes (1 GiB by default). Faces and other elements are
        checked for size and ignored.

    Returns
    -------
    points : (N, 3) float64, the file's units (metres expected)
    colors : (N, 3) uint8 sRGB, or None when the vertices have no red/green/blue properties
        (float colours in [0, 1] are scaled to 0-255, 16-bit ones divided by 257).

    Raises
    ------
    ConversionError
        Missing file, a directory or device, larger than ``max_bytes``, not PLY, a header that
        declares more or fewer rows (or bytes) than the body holds, no x/y/z properties.
    """
    path = Path(path)
    data = _read_limited(path, max_bytes)
    fmt, elements, start = _parse_header(data, path)
    vertex = [(count, props) for name, count, props in elements if name == "vertex"]
    if not vertex:
        raise ConversionError(f"{path} has no 'vertex' element: it holds no points.")
    count, props = vertex[0]
    names = [n for n, _ in props]
    if not {"x", "y", "z"} <= set(names):
        raise ConversionError(f"{path}: the vertices have no x, y, z properties (found {', '.join(names)}).")
    body = data[start:]
    if fmt == "ascii":
        table = _ascii_body(body, elements, path)

        def column(name):
            return table[:, names.index(name)]
    else:
        table = _binary_body(body, elements, _FORMATS[fmt], path)

        def column(name):
            return table[f"p{names.index(name)}"]

    points = np.column_stack([column(a).astype(np.float64) for a in "xyz"]) if count else np.empty((0, 3))
    colors = None
    for trio in _COLOR_NAMES:
        if set(trio) <= set(names) and count:
            types = {dict(props)[c] for c in trio}
            rgb = np.column_stack([column(c).astype(np.float64) for c in trio])
            if types & {"f4", "f8"}:
                rgb = rgb * (255.0 if np.nanmax(rgb) <= 1.0 else 1.0)
            elif types & {"u2", "i2", "u4", "i4"} and np.nanmax(rgb) > 255:
                rgb = rgb / 257.0
            colors = np.clip(np.nan_to_num(rgb), 0, 255).round().astype(np.uint8)
            break
    return points, colors


def check_output_path(out) -> Path:
    """Check, before any work, that a file can be written at ``out``; returns it as a Path.

    Folders that do not exist yet are fine (they are created on export) as long as the nearest
    existing one is a folder that accepts a new file (tried with a temporary file).

    Raises
    ------
    ConversionError
        Empty or over-long path, an existing directory, a path under a file, a symlink loop, or
        a folder that cannot be written (read-only, ``/proc``, no permission).
    """
    text = os.fspath(out)
    if not text.strip():
        raise ConversionError("The output path is empty.", "Give a file name such as mesh.glb.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text[:80].encode("utf-8", "backslashreplace").decode()
        raise ConversionError(
            f"Cannot write {shown}: the path is not valid UTF-8.", "Use a UTF-8 path."
        ) from None
    if len(text) > MAX_PATH_CHARS or any(len(part.encode()) > 255 for part in Path(text).parts):
        raise ConversionError(
            f"Cannot write {text[:80]}...: the path is too long.",
            "Use a path under 4,096 characters with names under 256 bytes.",
        )
    path = Path(text)
    try:
        if path.is_dir():
            raise ConversionError(f"Cannot write {path}: it is a directory.", "Give a file name inside it.")
        if path.is_symlink() and not path.exists():
            raise ConversionError(f"Cannot write {path}: it is a broken or looping symbolic link.")
        folder = path.absolute().parent
        while not folder.exists() and folder != folder.parent:
            if folder.is_symlink():
                raise ConversionError(f"Cannot write {path}: {folder} is a broken or looping symbolic link.")
            folder = folder.parent
    except OSError as e:
        raise ConversionError(f"Cannot write {path}: {e.strerror or e}.") from None
    if not folder.is_dir():
        raise ConversionError(f"Cannot write {path}: {folder} is a file, not a folder.")
    try:
        fd, probe = tempfile.mkstemp(prefix=".wb-write-check-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ConversionError(
            f"Cannot write {path}: {folder} does not accept new files ({e.strerror or e}).",
            "Choose a writable folder.",
        ) from None
    return path
