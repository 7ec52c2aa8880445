"""Fuzz the command line with generated bad input and count how each call ends.

Every case is one ``python -m core ...`` subprocess (at most two at a time) in its own folder
under one temp folder, which is its working directory, ``ASSET_DIR``, ``HOME``, cache and
``--out``. Cases cover bad descriptions, ``--out`` folders, environments, options, spec /
checkpoint / metadata files for ``resume`` / ``list`` / ``edit``, point clouds for
``reconstruct``, reference images and batch files, and edit instructions. Generation is
seeded, so two runs try the same cases.

Each call is classified:

- **traceback**: stderr holds a Python traceback (an uncaught exception);
- **clear error**: non-zero exit and a short error (``error: ...`` or Click's usage box) of at
  most 300 characters, no traceback;
- **unclear error**: non-zero exit without a traceback, but no error message or one over 300
  characters (the case's temp folder in a path counts as the 6 characters ``<CASE>``);
- **accepted**: exit 0. Cases that know what a right answer looks like check it (a warning
  printed, a factor applied, a mesh of the right size, nothing copied from outside the job);
  accepted calls that fail the check are listed as *accepted but wrong*;
- **timeout / crash**: killed after the per-call timeout, or by a signal.

Calls run with a 3 GiB address-space limit (``/dev/zero`` inputs end in MemoryError instead of
eating the machine) and a per-call timeout. After the run the bench checks that nothing was
written outside the temp folder (the repository, ``$HOME``, ``/dev/shm``, ``/var/tmp``; ``/tmp``
is not counted) and that ``/dev/null`` is still a device.

    .venv/bin/python bench/fuzz.py            # 627 cases, ~8 min on 2 idle cores (~1 CPU-s a call)
    .venv/bin/python bench/fuzz.py --quick    # ~100 cases, for a smoke run
    .venv/bin/python bench/fuzz.py --only edit,options --report fuzz.jsonl --keep
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORE_ROOT = REPO  # where `python -m core` is imported from (--core: another checkout)
MAX_WORKERS = 2
TIMEOUT_S = 90.0
MEMORY_LIMIT = 3 << 30  # address space per call
FILE_LIMIT = 256 << 20  # largest file a call may write
MAX_ERROR_CHARS = 300
SEED = 13
FAST = ["--formats", "stl", "--backend", "procedural", "--fallback", ""]
HOSTNAME = Path("/etc/hostname")

# placeholders in argv / env, filled per case
CASE, ASSETS, ASSET, OTHER, JOB, OTHERJOB = "<CASE>", "<ASSETS>", "<ASSET>", "<OTHER>", "<JOB>", "<OTHERJOB>"


# --- cases --------------------------------------------------------------------------------------
@dataclass
class Base:
    """The seeded store every store case starts from: two assets with their jobs."""

    root: Path
    asset: str = "wooden-chest-00000000"
    job: str = "000000000000"
    other: str = "barrel-00000000"
    other_job: str = "000000000001"
    dims: tuple[float, float, float] = (1.0, 1.0, 1.0)
    ok: bool = False

    @property
    def assets(self) -> Path:
        return self.root / "assets"


@dataclass
class Ctx:
    dir: Path
    base: Base
    home: Path
    notes: list[str] = field(default_factory=list)

    @property
    def assets(self) -> Path:
        return self.dir / "assets"

    def fill(self, s: str) -> str:
        for key, value in (
            (CASE, self.dir),
            (ASSETS, self.assets),
            (ASSET, self.base.asset),
            (OTHER, self.base.other),
            (JOB, self.base.job),
            (OTHERJOB, self.base.other_job),
        ):
            if key in s:
                s = s.replace(key, str(value))
        return s


Setup = Callable[[Ctx], None]
Check = Callable[[Ctx, "Result"], str | None]


@dataclass
class Case:
    cat: str
    label: str
    argv: list[str]
    env: dict[str, str | None] = field(default_factory=dict)
    setup: list[Setup] = field(default_factory=list)
    check: Check | None = None  # for an accepted call: why it is wrong, or None
    store: bool = False  # start from a copy of the seeded store
    cwd_clean: bool = False  # the call must not write into its working directory
    timeout: float = TIMEOUT_S


@dataclass
class Result:
    case: Case
    index: int
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    kind: str = ""
    message: str = ""
    wrong: str | None = None
    side_effects: list[str] = field(default_factory=list)


def short(s: object, n: int = 60) -> str:
    s = repr(s) if not isinstance(s, str) else s
    s = s.encode("ascii", "backslashreplace").decode("ascii")
    return s if len(s) <= n else f"{s[: n - 20]}...<{len(s)} chars>"


# --- setup helpers ------------------------------------------------------------------------------
def copy_store(ctx: Ctx) -> None:
    if ctx.base.assets.is_dir():
        shutil.copytree(ctx.base.assets, ctx.assets, symlinks=True)


def write(rel: str, data: bytes | str) -> Setup:
    def run(ctx: Ctx) -> None:
        p = ctx.dir / ctx.fill(rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)

    return run


def mkdir(rel: str) -> Setup:
    return lambda ctx: (ctx.dir / ctx.fill(rel)).mkdir(parents=True, exist_ok=True)


def symlink_loop(rel: str) -> Setup:
    def run(ctx: Ctx) -> None:
        a = ctx.dir / rel
        a.parent.mkdir(parents=True, exist_ok=True)
        b = a.with_name(a.name + "-b")
        a.symlink_to(b)
        b.symlink_to(a)

    return run


def remove(rel: str) -> Setup:
    def run(ctx: Ctx) -> None:
        p = ctx.dir / ctx.fill(rel)
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)

    return run


JOB_CP = f"assets/.jobs/{JOB}/checkpoint.json"
JOB_SPEC = f"assets/.jobs/{JOB}/spec.json"
ASSET_SPEC = f"assets/{ASSET}/spec.json"
ASSET_META = f"assets/{ASSET}/metadata.json"


def mutate_json(rel: str, fn: Callable[[object, Ctx], object]) -> Setup:
    """Replace the JSON at ``rel`` by ``fn(data, ctx)``: bytes as they are, else dumped."""

    def run(ctx: Ctx) -> None:
        p = ctx.dir / ctx.fill(rel)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        new = fn(data, ctx)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(new if isinstance(new, bytes) else json.dumps(new).encode())

    return run


def reopen_from(step: str) -> Setup:
    """Mark the job's steps from ``step`` on as pending, so resume runs them again."""
    from_steps = ("spec", "generate", "process", "export", "thumbnail", "store")

    def fn(cp, ctx):
        if not isinstance(cp, dict) or not isinstance(cp.get("steps"), dict):
            return cp
        for s in from_steps[from_steps.index(step) :]:
            if isinstance(cp["steps"].get(s), dict):
                cp["steps"][s]["status"] = "pending"
        cp["status"] = "interrupted"
        return cp

    return mutate_json(JOB_CP, fn)


def forge_output(step: str, rel: str, target: str) -> Setup:
    """Add ``rel`` to ``step``'s outputs with the sha256 and size of ``target`` (a path or a
    <CASE>-relative file), as someone who can write the checkpoint would."""

    def fn(cp, ctx):
        t = Path(ctx.fill(target))
        data = t.read_bytes() if t.is_file() else b""
        cp["steps"][step]["outputs"][rel] = {
            "path": rel,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }
        return cp

    return mutate_json(JOB_CP, fn)


def forge_spec(data: bytes | str) -> list[Setup]:
    """Write the job's spec.json and record its sha256 in the checkpoint, then rerun generate."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data

    def fn(cp, ctx):
        cp["steps"]["spec"]["outputs"]["spec.json"] = {
            "path": "spec.json",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "size": len(raw),
        }
        return cp

    return [write(JOB_SPEC, raw), mutate_json(JOB_CP, fn), reopen_from("generate")]


# --- point clouds -------------------------------------------------------------------------------
def ply_ascii(pts, header_count: int | None = None, colors=None) -> bytes:
    n = len(pts) if header_count is None else header_count
    head = [
        "ply",
        "format ascii 1.0",
        f"element vertex {n}",
        "property float x",
        "property float y",
        "property float z",
    ]
    if colors is not None:
        head += ["property uchar red", "property uchar green", "property uchar blue"]
    head.append("end_header")
    rows = []
    for i, p in enumerate(pts):
        row = " ".join(repr(float(v)) for v in p)
        if colors is not None:
            row += " " + " ".join(str(int(c)) for c in colors[i])
        rows.append(row)
    return ("\n".join(head + rows) + "\n").encode()


def ply_binary(pts) -> bytes:
    head = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(pts)}\nproperty double x\nproperty double y\nproperty double z\nend_header\n"
    )
    return head.encode() + b"".join(struct.pack("<3d", *map(float, p)) for p in pts)


def sphere(n: int, r: float = 0.5, seed: int = 0, centre=(0.0, 0.0, 0.0)) -> list[tuple[float, float, float]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        v = [rng.gauss(0, 1) for _ in range(3)]
        s = math.sqrt(sum(c * c for c in v)) or 1.0
        out.append(tuple(centre[k] + r * v[k] / s for k in range(3)))
    return out


def box_surface(n: int, size=(1.0, 1.0, 1.0), seed: int = 0) -> list[tuple[float, float, float]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        p = [rng.uniform(-s / 2, s / 2) for s in size]
        k = rng.randrange(3)
        p[k] = size[k] / 2 * rng.choice((-1, 1))
        out.append(tuple(p))
    return out


def extents(pts) -> list[float]:
    return [max(p[k] for p in pts) - min(p[k] for p in pts) for k in range(3)]


def check_mesh_size(pts, tol: float = 0.25, max_faces: int = 200_000) -> Check:
    """An accepted reconstruction must be about the cloud's size (``--json`` report)."""
    want = extents(pts)

    def check(ctx: Ctx, r: Result) -> str | None:
        try:
            rep = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return "no JSON report on stdout"
        size, faces = rep.get("stats", {}).get("size_m"), rep.get("stats", {}).get("faces", 0)
        if not size:
            return "no size in the report"
        diag = math.sqrt(sum(w * w for w in want))
        for got, w in zip(size, want, strict=False):
            if got > w + tol * diag or not math.isfinite(got):
                return f"mesh is {' x '.join(f'{v:.3g}' for v in size)} m for a cloud of " + " x ".join(
                    f"{v:.3g}" for v in want
                )
        if faces > max_faces:
            return f"{faces:,} faces for {len(pts)} points"
        return None

    return check


# --- checks for accepted calls ------------------------------------------------------------------
def refuse(why: str) -> Check:
    return lambda ctx, r: why


def warns(word: str) -> Check:
    return lambda ctx, r: None if word in r.stderr.lower() else f"accepted without a '{word}' on stderr"


def asset_has_no(name: str, content: bytes | None = None) -> Check:
    """No published asset holds ``name`` (or any file with ``content``)."""

    def check(ctx: Ctx, r: Result) -> str | None:
        if not ctx.assets.is_dir():
            return None
        for d in ctx.assets.iterdir():
            if d.name.startswith(".") or not d.is_dir():
                continue
            for f in d.iterdir():
                if f.name == name or (content and f.is_file() and f.read_bytes() == content):
                    return f"{d.name}/{f.name} was copied into the published asset"
        return None

    return check


def other_untouched(ctx: Ctx, r: Result) -> str | None:
    meta = ctx.assets / ctx.base.other / "metadata.json"
    try:
        m = json.loads(meta.read_text())
    except (OSError, ValueError):
        return f"asset {ctx.base.other} was removed or broken"
    if m.get("job_id") != ctx.base.other_job:
        return f"asset {ctx.base.other} was replaced by job {m.get('job_id')}"
    return None


def asset_republished(ctx: Ctx, r: Result) -> str | None:
    if not (ctx.assets / ctx.base.asset / "metadata.json").is_file():
        return "exit 0 but the deleted asset was not published again"
    return None


def edit_factor(axes: tuple[int, ...], factor: float | None) -> Check:
    """``edit --json`` must scale ``axes`` of the dimensions by ``factor`` (None: must refuse)."""

    def check(ctx: Ctx, r: Result) -> str | None:
        if factor is None or factor <= 0:
            return "an impossible size (zero or negative) was accepted"
        try:
            patch = json.loads(r.stdout.strip().splitlines()[-1])["patch"]
        except (ValueError, IndexError, KeyError, TypeError):
            return "no patch on stdout"
        dims = dict(zip(("width", "height", "depth"), ctx.base.dims, strict=True))
        new = dict(dims)
        for op in patch:
            if op.get("op") == "replace" and op.get("path", "").startswith("/dimensions/"):
                new[op["path"].rsplit("/", 1)[1]] = op["value"]
        for k, name in enumerate(("width", "height", "depth")):
            want = dims[name] * (factor if k in axes else 1.0)
            if abs(new[name] - want) > max(2e-5, 2e-3 * want):
                return f"{name} x{new[name] / dims[name]:.4g}, expected x{factor:.4g}" + (
                    "" if k in axes else " (not asked)"
                )
        return None

    return check


def parts_added(n: int) -> Check:
    def check(ctx: Ctx, r: Result) -> str | None:
        try:
            patch = json.loads(r.stdout.strip().splitlines()[-1])["patch"]
        except (ValueError, IndexError, KeyError, TypeError):
            return "no patch on stdout"
        added = sum(
            1 for op in patch if op.get("op") == "add" and re.fullmatch(r"/parts/(\d+|-)", op["path"])
        )
        return None if added == n else f"{added} part(s) added, {n} asked"

    return check


# --- generation ---------------------------------------------------------------------------------
RTL = "سيف إلفي قديم"
HEBREW = "חרב קסומה"
EMOJI = "🗡️🔥🧪👨‍👩‍👧"
PIECES = [
    "sword",
    "wooden chest",
    "potion",
    "elvish",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x1b[31m",
    "\x7f",
    "\x01",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u202e",
    "\u2028",
    "\u0301\u0301\u0301",
    "\udcff",
    "\udc80\udcfe",
    RTL,
    HEBREW,
    EMOJI,
    "%s%n",
    "{}",
    "'; DROP TABLE",
    "$(id)",
    "`ls`",
    "../../etc/passwd",
    "\\x00",
    "ﷺ",
    "Ⅻ",
    "ＦＵＬＬＷＩＤＴＨ",
    "ǅ",
    "İ",
    "ß",
    "𝔰𝔴𝔬𝔯𝔡",
    "-",
    "--",
    "-x",
    "   ",
    "#",
    "\u00a0",
]


def rand_description(rng: random.Random) -> str:
    n = rng.choice([1, 2, 3, 5, 8, 20])
    text = "".join(rng.choice(PIECES) + rng.choice(["", " "]) for _ in range(n))
    if rng.random() < 0.1:
        text *= rng.choice([50, 400])
    return text


DESCRIPTIONS: list[tuple[str, str]] = [
    ("empty", ""),
    ("spaces", "   "),
    ("whitespace", " \t\n\r\x0b\x0c "),
    ("control chars", "\x01\x02\x03\x1b[2J\x7f"),
    ("control around word", "\x07wooden\x08 chest\x1b"),
    ("zero-width only", "\u200b\u200c\u200d\ufeff"),
    ("bidi override only", "\u202e\u202d\u2066"),
    ("line separators", "\u2028\u2029\x85"),
    ("invalid utf-8", "sword \udcff\udcfe"),
    ("invalid utf-8 only", "\udcff"),
    ("lone surrogate bytes", "\udced\udca0\udc80 chest"),
    ("100k chars", "elvish sword " * 7700),
    ("1001 chars", "a" * 1001),
    ("5000-char word", "x" * 5000),
    ("RTL", RTL),
    ("RTL + latin", f"{RTL} sword"),
    ("hebrew", HEBREW),
    ("emoji", EMOJI),
    ("emoji + word", "🔥 flaming sword 🔥"),
    ("combining marks", "a\u0301\u0301\u0301\u0301" * 200),
    ("starts with dash", "-rf sword"),
    ("only dashes", "--"),
    ("punctuation", "!!!???...,,,"),
    ("digits", "1234567890"),
    ("shell", "$(touch pwned) `id` ; rm -rf ."),
    ("path", "../../../../etc/hostname"),
    ("format string", "%s %n {0} {name!r}"),
    ("fullwidth", "ＷＯＯＤＥＮ　ＣＨＥＳＴ"),
    ("math letters", "𝔢𝔩𝔳𝔦𝔰𝔥 𝔰𝔴𝔬𝔯𝔡"),
    ("NBSP only", "\u00a0\u00a0"),
    ("CJK", "木製の宝箱"),
    ("mixed scripts", "Меч sword 剑 سيف"),
]


# the full pipeline costs ~5 s a call: only these descriptions go through generate / batch
GENERATE_DESCRIPTIONS = {
    "empty",
    "whitespace",
    "control chars",
    "zero-width only",
    "invalid utf-8",
    "invalid utf-8 only",
    "lone surrogate bytes",
    "100k chars",
    "1001 chars",
    "5000-char word",
    "RTL",
    "emoji",
    "bidi override only",
    "path",
    "shell",
    "fullwidth",
}
BATCH_DESCRIPTIONS = {"spaces", "invalid utf-8", "100k chars", "1001 chars", "emoji", "line separators"}


def gen_descriptions(rng: random.Random) -> list[Case]:
    cases = []
    for label, text in DESCRIPTIONS:
        check = warns("warning") if len(" ".join(text.split())) > 1000 else None
        cases.append(Case("description", f"spec {label}", ["spec", text], check=check))
        if label in GENERATE_DESCRIPTIONS:
            cases.append(
                Case(
                    "description", f"generate {label}", ["generate", text, *FAST], check=check, cwd_clean=True
                )
            )
        if label not in BATCH_DESCRIPTIONS:
            continue
        cases.append(
            Case(
                "description",
                f"batch line {label}",
                ["batch", "lines.txt", *FAST],
                setup=[write("lines.txt", text.replace("\n", " ") + "\n")],
                check=check,
                cwd_clean=True,
            )
        )
    # NUL cannot travel in argv: it goes through a batch file
    for label, text in [
        ("NUL", "sword\x00chest"),
        ("NUL only", "\x00\x00"),
        ("NUL + invalid utf-8", "\x00\udcff"),
    ]:
        cases.append(
            Case(
                "description",
                f"batch {label}",
                ["batch", "lines.txt", *FAST],
                setup=[write("lines.txt", text + "\n")],
                cwd_clean=True,
            )
        )
    for i in range(40):
        text = rand_description(rng)
        long = len(" ".join(text.split())) > 1000
        if i % 10 == 0:
            cases.append(
                Case(
                    "description",
                    f"generate random #{i}",
                    ["generate", text, *FAST],
                    check=warns("warning") if long else None,
                    cwd_clean=True,
                )
            )
        else:
            cases.append(
                Case(
                    "description",
                    f"spec random #{i}",
                    ["spec", text],
                    check=warns("warning") if long else None,
                )
            )
    return cases


def in_cwd_check(ctx: Ctx, r: Result) -> str | None:
    extra = [p.name for p in ctx.dir.iterdir() if p.name not in ("assets", "probe", ".streamlit")]
    return f"wrote into the current directory: {', '.join(sorted(extra))[:120]}" if extra else None


def gen_out(rng: random.Random) -> list[Case]:
    outs: list[tuple[str, str, list[Setup]]] = [
        ("a file", f"{CASE}/afile", [write("afile", "x")]),
        ("under a file", f"{CASE}/afile/sub", [write("afile", "x")]),
        ("/proc", "/proc", []),
        ("/proc/self", "/proc/self/fdinfo", []),
        ("/dev/null", "/dev/null", []),
        ("/dev/null/sub", "/dev/null/sub", []),
        ("symlink loop", f"{CASE}/loop", [symlink_loop("loop")]),
        ("under symlink loop", f"{CASE}/loop/x", [symlink_loop("loop")]),
        ("5000-char path", f"{CASE}/" + "d" * 5000, []),
        ("255-char components", f"{CASE}/" + "/".join(["e" * 255] * 20), []),
        ("256-char name", f"{CASE}/" + "n" * 256, []),
        ("empty", "", []),
        ("space", " ", []),
        (
            "dangling symlink",
            f"{CASE}/dangling",
            [lambda c: (c.dir / "dangling").symlink_to(c.dir / "nowhere")],
        ),
        ("invalid utf-8", f"{CASE}/out-\udcff", []),
        ("a fifo", f"{CASE}/fifo", [lambda c: os.mkfifo(c.dir / "fifo")]),
        ("sys", "/sys/kernel", []),
    ]
    cases = []
    for label, out, setup in outs:
        wrong = in_cwd_check if out.strip() == "" else None
        cases.append(
            Case(
                "out",
                f"generate --out {label}",
                ["generate", "wooden chest", *FAST, "--out", out],
                setup=list(setup),
                check=wrong,
            )
        )
        if label in ("a file", "/dev/null", "empty", "symlink loop"):
            cases.append(
                Case(
                    "out",
                    f"batch --out {label}",
                    ["batch", "lines.txt", *FAST, "--out", out],
                    setup=[*setup, write("lines.txt", "barrel\n")],
                    check=wrong,
                )
            )
        cases.append(Case("out", f"list --out {label}", ["list", "--out", out], setup=list(setup)))
        if label in ("a file", "/proc", "symlink loop", "empty", "5000-char path"):
            cases.append(
                Case(
                    "out", f"resume --all --out {label}", ["resume", "--all", "--out", out], setup=list(setup)
                )
            )
        cases.append(
            Case(
                "out",
                f"edit --out {label}",
                ["edit", "wooden-chest-1", "make it taller", "--out", out],
                setup=list(setup),
            )
        )
        rec_out = out.rstrip("/") + "/mesh.stl" if out.strip() else ""
        cases.append(
            Case(
                "out",
                f"reconstruct --out {label}/mesh.stl",
                ["reconstruct", "cloud.ply", "--out", rec_out],
                setup=[*setup, write("cloud.ply", ply_ascii(sphere(300)))],
            )
        )
    return cases


SECRETS = ".streamlit/secrets.toml"
S3 = {
    "ASSET_STORE": "s3",
    "S3_BUCKET": "fuzz-bucket",
    "AWS_ACCESS_KEY_ID": "x",
    "AWS_SECRET_ACCESS_KEY": "y",
    "AWS_DEFAULT_REGION": "us-east-1",
    "S3_RETRY_WINDOW_S": "0",
}


def gen_env(rng: random.Random) -> list[Case]:
    envs: list[tuple[str, dict[str, str | None], list[Setup]]] = [
        ("LOG_LEVEL=bogus", {"LOG_LEVEL": "bogus"}, []),
        ("LOG_LEVEL=''", {"LOG_LEVEL": ""}, []),
        ("LOG_LEVEL=10", {"LOG_LEVEL": "10"}, []),
        ("LOG_FORMAT=xml", {"LOG_FORMAT": "xml"}, []),
        ("S3_ENDPOINT_URL not a url", {**S3, "S3_ENDPOINT_URL": "not a url"}, []),
        ("S3_ENDPOINT_URL empty", {**S3, "S3_ENDPOINT_URL": ""}, []),
        ("S3_ENDPOINT_URL bad port", {**S3, "S3_ENDPOINT_URL": "http://127.0.0.1:99999"}, []),
        ("S3 without bucket", {"ASSET_STORE": "s3", "S3_ENDPOINT_URL": "http://127.0.0.1:9"}, []),
        ("S3_PREFIX traversal", {**S3, "S3_PREFIX": "../..", "S3_ENDPOINT_URL": "http://127.0.0.1:9"}, []),
        ("ASSET_STORE=junk", {"ASSET_STORE": "junk"}, []),
        ("ASSET_DIR a file", {"ASSET_DIR": f"{CASE}/afile"}, [write("afile", "x")]),
        ("ASSET_DIR under a file", {"ASSET_DIR": f"{CASE}/afile/sub"}, [write("afile", "x")]),
        ("ASSET_DIR=''", {"ASSET_DIR": ""}, []),
        ("ASSET_DIR=/proc", {"ASSET_DIR": "/proc"}, []),
        ("ASSET_DIR=/dev/null", {"ASSET_DIR": "/dev/null"}, []),
        ("ASSET_DIR symlink loop", {"ASSET_DIR": f"{CASE}/loop"}, [symlink_loop("loop")]),
        ("ASSET_DIR 5000 chars", {"ASSET_DIR": f"{CASE}/" + "d" * 5000}, []),
        ("CACHE_DIR a file", {"CACHE_DIR": f"{CASE}/afile"}, [write("afile", "x")]),
        ("secrets not TOML", {}, [write(SECRETS, "this is [not toml\n=")]),
        ("secrets not UTF-8", {}, [write(SECRETS, b"\xff\xfe\x00bad")]),
        ("secrets a directory", {}, [mkdir(SECRETS)]),
        ("secrets wrong type", {}, [write(SECRETS, 'thumbnail_size = "big"\n')]),
        ("secrets asset_dir int", {}, [write(SECRETS, "asset_dir = 5\n")]),
        ("secrets nested 10k", {}, [write(SECRETS, "a = " + "[" * 10000 + "]" * 10000 + "\n")]),
        ("WORKBENCH_SECRETS_FILE=/dev/zero", {"WORKBENCH_SECRETS_FILE": "/dev/zero"}, []),
        ("WORKBENCH_SECRETS_FILE a dir", {"WORKBENCH_SECRETS_FILE": "/"}, []),
        ("THUMBNAIL_SIZE=abc", {"THUMBNAIL_SIZE": "abc"}, []),
        ("EXPORT_FORMATS=junk", {"EXPORT_FORMATS": "junk"}, []),
        ("EXPORT_FORMATS=','", {"EXPORT_FORMATS": ","}, []),
        ("GENERATOR=junk", {"GENERATOR": "junk"}, []),
        ("SPEC_WRITER=junk", {"SPEC_WRITER": "junk"}, []),
        ("GENERATOR_FALLBACKS=junk", {"GENERATOR_FALLBACKS": "junk"}, []),
        ("LLM_TIMEOUT_S=-1", {"LLM_TIMEOUT_S": "-1"}, []),
        ("REMOTE_RETRIES=x", {"REMOTE_RETRIES": "x"}, []),
        ("ML_DEVICE=tpu", {"ML_DEVICE": "tpu"}, []),
        ("BAKE_VERTEX_COLORS=maybe", {"BAKE_VERTEX_COLORS": "maybe"}, []),
        ("JOB_RUNNER=junk", {"JOB_RUNNER": "junk"}, []),
        ("LOG_PRIVATE=2", {"LOG_PRIVATE": "2"}, []),
    ]
    cases = []
    for label, env, setup in envs:
        cases.append(Case("env", f"list {label}", ["list"], env=env, setup=list(setup)))
        cases.append(Case("env", f"spec {label}", ["spec", "wooden chest"], env=env, setup=list(setup)))
        if not label.startswith(("LOG_", "S3", "ASSET_", "CACHE_", "secrets not", "EXPORT", "GENERATOR=")):
            continue  # settings refused at start-up are covered by list and spec
        wrong = in_cwd_check if env.get("ASSET_DIR") == "" else None
        gen = ["generate", "wooden chest", "--formats", "stl", "--fallback", ""]
        cases.append(Case("env", f"generate {label}", gen, env=env, setup=list(setup), check=wrong))
    return cases


def gen_options(rng: random.Random) -> list[Case]:
    gen = ["generate", "wooden chest"]
    opts = [
        ("--seed -1", ["--seed", "-1", *FAST]),
        ("--seed 2**32", ["--seed", str(2**32), *FAST]),
        ("--seed huge", ["--seed", "9" * 40, *FAST]),
        ("--seed abc", ["--seed", "abc", *FAST]),
        ("--seed ''", ["--seed", "", *FAST]),
        ("--seed 1e3", ["--seed", "1e3", *FAST]),
        ("--formats junk", ["--formats", "junk", "--backend", "procedural"]),
        ("--formats ,,,", ["--formats", ",,,", "--backend", "procedural"]),
        ("--formats ''", ["--formats", "", "--backend", "procedural"]),
        ("--formats stl,junk", ["--formats", "stl,junk", "--backend", "procedural"]),
        ("--formats ../stl", ["--formats", "../stl", "--backend", "procedural"]),
        ("--formats 10k commas", ["--formats", "stl," * 10000, "--backend", "procedural"]),
        ("--backend junk", ["--formats", "stl", "--backend", "junk"]),
        ("--backend ''", ["--formats", "stl", "--backend", ""]),
        ("--backend meshy no key", ["--formats", "stl", "--backend", "meshy", "--fallback", ""]),
        ("--backend tripo no key", ["--formats", "stl", "--backend", "tripo", "--fallback", ""]),
        ("--backend ../procedural", ["--formats", "stl", "--backend", "../procedural"]),
        ("--writer junk", ["--writer", "junk", *FAST]),
        ("--writer ''", ["--writer", "", *FAST]),
        ("--fallback junk", ["--formats", "stl", "--backend", "procedural", "--fallback", "junk"]),
        ("--fallback ,,", ["--formats", "stl", "--backend", "procedural", "--fallback", ",,"]),
        ("--style junk", ["--style", "junk", *FAST]),
        ("--style ''", ["--style", "", *FAST]),
        ("--style emoji", ["--style", "🔥", *FAST]),
        ("--style invalid utf-8", ["--style", "\udcff", *FAST]),
        ("--model junk", ["--model", "no/such-model", *FAST]),
        ("unknown option", ["--bogus", *FAST]),
        ("--image missing", ["--image", "missing.png", *FAST]),
        ("--image /dev/zero", ["--image", "/dev/zero", *FAST]),
        ("--image a directory", ["--image", ".", *FAST]),
        ("--image empty", ["--image", "empty.png", *FAST]),
        ("--image text", ["--image", "text.png", *FAST]),
        ("--image truncated png", ["--image", "trunc.png", *FAST]),
        ("--image /proc/self/mem", ["--image", "/proc/self/mem", *FAST]),
    ]
    setup = [
        write("empty.png", b""),
        write("text.png", "not an image\n"),
        write("trunc.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x10\x00"),
    ]
    cases = [Case("options", label, [*gen, *args], setup=list(setup)) for label, args in opts]
    cases.append(Case("options", "spec --style junk", ["spec", "wooden chest", "--style", "junk"]))
    cases.append(Case("options", "spec --writer junk", ["spec", "wooden chest", "--writer", "junk"]))
    cases.append(Case("options", "no command args", ["generate"]))
    cases.append(Case("options", "unknown command", ["frobnicate"]))
    cases.append(Case("options", "worker --queues junk", ["worker", "--queues", "junk"]))
    cases.append(
        Case("options", "worker --concurrency -1", ["worker", "--queues", "junk", "--concurrency", "-1"])
    )
    # batch files
    batch = [
        ("/dev/zero", "/dev/zero", []),
        ("missing", "missing.txt", []),
        ("a directory", ".", []),
        ("empty", "empty.txt", [write("empty.txt", "")]),
        ("only comments", "c.txt", [write("c.txt", "# one\n   \n# two\n")]),
        ("not UTF-8", "bad.txt", [write("bad.txt", b"\xff\xfe chest\n")]),
        ("/proc/self/mem", "/proc/self/mem", []),
        ("10k empty lines", "blank.txt", [write("blank.txt", "\n" * 10000)]),
        ("one bad line of two", "two.txt", [write("two.txt", "\u200b\nbarrel\n")]),
        ("binary", "bin.txt", [write("bin.txt", bytes(range(256)) * 4)]),
    ]
    cases += [
        Case("options", f"batch {label}", ["batch", path, *FAST], setup=list(s)) for label, path, s in batch
    ]
    # reconstruct options
    cloud = write("cloud.ply", ply_ascii(sphere(300)))
    for label, args in [
        ("--faces -10", ["--faces", "-10"]),
        ("--faces 0", ["--faces", "0"]),
        ("--faces 1e12", ["--faces", str(10**12)]),
        ("--grid -5", ["--grid", "-5"]),
        ("--grid 1e9", ["--grid", str(10**9)]),
        ("--grid abc", ["--grid", "abc"]),
        ("--out no suffix", ["--out", "mesh"]),
        ("--out .junk", ["--out", "mesh.junk"]),
        ("--out .GLB", ["--out", "mesh.GLB"]),
        ("--out a dir", ["--out", "."]),
    ]:
        argv = ["reconstruct", "cloud.ply", "--json", *args]
        if "--out" not in args:
            argv += ["--out", "mesh.stl"]
        wrong = refuse("a negative face count was accepted") if "-10" in args else None
        cases.append(Case("options", f"reconstruct {label}", argv, setup=[cloud], check=wrong))
    return cases


def _spec_base() -> dict:
    return {
        "schema_version": 1,
        "name": "Chest",
        "short_description": "a chest",
        "dimensions": {"width": 1.0, "height": 0.6, "depth": 0.6},
        "materials": [{"name": "wood", "base_color": "#8b5a2b"}],
        "parts": [
            {
                "name": "body",
                "primitive": "box",
                "size": [1.0, 0.6, 0.6],
                "position": [0, 0.3, 0],
                "material": "wood",
            }
        ],
    }


def nested(depth: int, kind: str = "list") -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def set_path(path: list, value):
    """A mutator that sets ``data[path...] = value`` (missing keys are created)."""

    def fn(data, ctx):
        cur = data
        for key in path[:-1]:
            if isinstance(cur, list):
                cur = cur[key]
            else:
                cur = cur.setdefault(key, {})
        cur[path[-1]] = value(ctx) if callable(value) else value
        return data

    return fn


def del_path(path: list):
    def fn(data, ctx):
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        if isinstance(cur, dict):
            cur.pop(path[-1], None)
        return data

    return fn


def random_json(rng: random.Random, depth: int = 0):
    choice = rng.randrange(9 if depth < 3 else 6)
    return [
        lambda: None,
        lambda: rng.choice([True, False]),
        lambda: rng.choice([0, -1, 2**70, 1e308, -1e-308]),
        lambda: rng.choice([float("nan"), float("inf"), -0.0]),
        lambda: rng.choice(["", "x" * 300, "\udcff", "../../x"]),
        lambda: rng.choice(["#ffffff", "box", "done", "/etc/hostname"]),
        lambda: [random_json(rng, depth + 1) for _ in range(rng.randrange(4))],
        lambda: {
            rng.choice(["a", "", "steps", "path"]): random_json(rng, depth + 1)
            for _ in range(rng.randrange(3))
        },
        lambda: {"nested": random_json(rng, depth + 1)},
    ][choice]()


def random_mutation(rng: random.Random):
    """Replace one randomly chosen node of a JSON tree (chosen at setup time, seeded)."""
    seed = rng.randrange(2**31)

    def fn(data, ctx):
        r = random.Random(seed)
        nodes = []

        def walk(node, path):
            nodes.append(path)
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, [*path, k])
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, [*path, i])

        walk(data, [])
        path = r.choice(nodes[1:] or [[]])
        value = random_json(r)
        if not path:
            return value
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        if r.random() < 0.2 and isinstance(cur, dict):
            del cur[path[-1]]
        else:
            cur[path[-1]] = value
        return data

    return fn


# checkpoint damage that `list` must survive (every label is also tried with resume)
LIST_CHECKPOINTS = {
    "not JSON",
    "not UTF-8",
    "nested 10k lists",
    "nested 10k objects",
    "a list",
    "null",
    "empty file",
    "missing store step",
    "steps empty",
    "missing inputs",
    "NaN duration",
    "created_at int",
    "job_id traversal",
    "status bogus",
    "output size 1e30",
    "asset_id of another asset",
}


def gen_files(rng: random.Random) -> list[Case]:
    cases: list[Case] = []
    bad_json: list[tuple[str, bytes]] = [
        ("not JSON", b"{not json"),
        ("empty file", b""),
        ("not UTF-8", b'{"name": "\xff\xfe"}'),
        ("UTF-16", json.dumps(_spec_base()).encode("utf-16")),
        ("nested 10k lists", nested(10_000)),
        ("nested 10k objects", nested(10_000, "dict")),
        ("a list", b"[]"),
        ("a string", b'"spec"'),
        ("null", b"null"),
        ("huge number", b"1" + b"0" * 5000),
    ]
    spec_mut: list[tuple[str, Callable]] = [
        ("missing parts", del_path(["parts"])),
        ("missing dimensions", del_path(["dimensions"])),
        ("missing materials", del_path(["materials"])),
        ("NaN position", set_path(["parts", 0, "position"], [float("nan"), 0, 0])),
        ("NaN rotation", set_path(["parts", 0, "rotation"], [0, float("nan"), 0])),
        ("NaN stat", set_path(["gameplay", "stats"], {"damage": float("nan")})),
        ("Infinity stat", set_path(["gameplay", "stats"], {"damage": float("inf")})),
        ("NaN height", set_path(["dimensions", "height"], float("nan"))),
        ("1e308 position", set_path(["parts", 0, "position"], [1e308, 0, 0])),
        ("negative size", set_path(["parts", 0, "size"], [-1, 1, 1])),
        ("unknown material", set_path(["parts", 0, "material"], "nope")),
        ("part name traversal", set_path(["parts", 0, "name"], "../../etc/hostname")),
        ("schema_version 2", set_path(["schema_version"], 2)),
        ("10k parts", lambda d, c: {**d, "parts": (d.get("parts") or [{}]) * 10_000}),
        ("name 1 MB", set_path(["name"], "n" * 1_000_000)),
        ("formats junk", set_path(["technical", "export_formats"], ["../x"])),
    ]
    taller = ["make it taller", "--json"]
    # spec.json of the stored asset, read by edit
    for label, raw in bad_json:
        cases.append(
            Case(
                "files",
                f"edit: asset spec.json {label}",
                ["edit", ASSET, *taller],
                store=True,
                setup=[write(ASSET_SPEC, raw)],
            )
        )
    for label, fn in spec_mut:
        nan = "NaN" in label or "Infinity" in label
        cases.append(
            Case(
                "files",
                f"edit: asset spec.json {label}",
                ["edit", ASSET, *taller],
                store=True,
                setup=[mutate_json(ASSET_SPEC, fn)],
                check=refuse("a spec with NaN / Infinity was accepted") if nan else None,
            )
        )
    for label in ("NaN position", "NaN stat"):
        fn = dict(spec_mut)[label]
        cases.append(
            Case(
                "files",
                f"edit --apply: asset spec.json {label}",
                ["edit", ASSET, "make it taller", "--apply"],
                store=True,
                setup=[mutate_json(ASSET_SPEC, fn)],
                check=refuse("a spec with NaN was accepted"),
            )
        )
    for i in range(10):
        cases.append(
            Case(
                "files",
                f"edit: asset spec.json random mutation #{i}",
                ["edit", ASSET, *taller],
                store=True,
                setup=[mutate_json(ASSET_SPEC, random_mutation(rng))],
            )
        )
    # spec.json of a job, with its sha256 forged in the checkpoint, read by resume
    for label, raw in bad_json[:7]:
        cases.append(
            Case(
                "files",
                f"resume: job spec.json {label} (sha forged)",
                ["resume", JOB],
                store=True,
                setup=forge_spec(raw),
            )
        )
    for label in ("NaN position", "10k parts", "missing parts"):
        data = dict(spec_mut)[label](_spec_base(), None)
        cases.append(
            Case(
                "files",
                f"resume: job spec.json {label} (sha forged)",
                ["resume", JOB],
                store=True,
                setup=forge_spec(json.dumps(data)),
            )
        )
    # metadata.json, read by list and edit
    meta_bad = [
        *bad_json,
        ("missing asset_id", None),
        ("created_at int", None),
        ("stats a string", None),
        ("asset_id of another asset", None),
        ("asset_id traversal", None),
    ]
    meta_fns = {
        "missing asset_id": del_path(["asset_id"]),
        "created_at int": set_path(["created_at"], 5),
        "stats a string": set_path(["stats"], "many"),
        "asset_id of another asset": set_path(["asset_id"], lambda c: c.base.other),
        "asset_id traversal": set_path(["asset_id"], "../../etc"),
    }
    for label, raw in meta_bad:
        s = write(ASSET_META, raw) if raw is not None else mutate_json(ASSET_META, meta_fns[label])
        listings = (
            (["list"], ["list", "--json"]) if raw is None or label in ("a list", "not JSON") else (["list"],)
        )
        for argv in (*listings, ["edit", ASSET, *taller]):
            cases.append(
                Case(
                    "files",
                    f"{' '.join(argv[:2]).replace(ASSET, 'ASSET')}: metadata.json {label}",
                    argv,
                    store=True,
                    setup=[s],
                )
            )
    # checkpoints, read by resume, resume --all and list
    secret = f"{CASE}/outside-secret.txt"
    cp_mut: list[tuple[str, list[Setup], Check | None]] = [
        (
            "missing store step",
            [mutate_json(JOB_CP, del_path(["steps", "store"])), reopen_from("thumbnail")],
            None,
        ),
        ("steps empty", [mutate_json(JOB_CP, set_path(["steps"], {}))], None),
        ("missing inputs", [mutate_json(JOB_CP, del_path(["inputs"]))], None),
        ("missing job_id", [mutate_json(JOB_CP, del_path(["job_id"]))], None),
        ("schema_version 2", [mutate_json(JOB_CP, set_path(["schema_version"], 2))], None),
        (
            "NaN duration",
            [mutate_json(JOB_CP, set_path(["steps", "spec", "duration_s"], float("nan")))],
            None,
        ),
        ("NaN seed", [mutate_json(JOB_CP, set_path(["inputs", "seed"], float("nan")))], None),
        ("NaN cost", [mutate_json(JOB_CP, set_path(["inputs", "costs"], {"usd": float("nan")}))], None),
        ("seed -1", [mutate_json(JOB_CP, set_path(["inputs", "seed"], -1)), reopen_from("generate")], None),
        (
            "job_id of another job",
            [mutate_json(JOB_CP, set_path(["job_id"], lambda c: c.base.other_job))],
            None,
        ),
        ("job_id traversal", [mutate_json(JOB_CP, set_path(["job_id"], "../../x"))], None),
        ("status bogus", [mutate_json(JOB_CP, set_path(["status"], "bogus"))], None),
        ("created_at int", [mutate_json(JOB_CP, set_path(["created_at"], 5))], None),
        (
            "output size 1e30",
            [
                mutate_json(
                    JOB_CP,
                    set_path(
                        ["steps", "store", "outputs"], {"m": {"path": "m", "sha256": "0", "size": 10**30}}
                    ),
                )
            ],
            None,
        ),
        (
            "formats junk, export rerun",
            [mutate_json(JOB_CP, set_path(["inputs", "formats"], ["../x"])), reopen_from("export")],
            None,
        ),
        (
            "backend junk, generate rerun",
            [mutate_json(JOB_CP, set_path(["inputs", "backend"], "junk")), reopen_from("generate")],
            None,
        ),
        (
            "store junk, store rerun",
            [mutate_json(JOB_CP, set_path(["inputs", "store"], "junk")), reopen_from("store")],
            None,
        ),
        (
            "description 1 MB, spec rerun",
            [
                mutate_json(JOB_CP, set_path(["inputs", "description"], "chest " * 170_000)),
                reopen_from("spec"),
            ],
            None,
        ),
        (
            "export output ../../etc/hostname",
            [forge_output("export", "../" * 30 + "etc/hostname", str(HOSTNAME)), reopen_from("store")],
            asset_has_no("hostname", HOSTNAME.read_bytes() if HOSTNAME.is_file() else None),
        ),
        (
            "export output absolute path",
            [forge_output("export", str(HOSTNAME), str(HOSTNAME)), reopen_from("store")],
            asset_has_no("hostname", HOSTNAME.read_bytes() if HOSTNAME.is_file() else None),
        ),
        (
            "export output outside the store",
            [
                write("outside-secret.txt", "s3cr3t"),
                forge_output("export", "../../../outside-secret.txt", secret),
                reopen_from("store"),
            ],
            asset_has_no("outside-secret.txt", b"s3cr3t"),
        ),
        (
            "reference_image traversal",
            [
                write("outside-secret.txt", "s3cr3t"),
                mutate_json(JOB_CP, set_path(["inputs", "reference_image"], "../../../outside-secret.txt")),
                reopen_from("store"),
            ],
            asset_has_no("", b"s3cr3t"),
        ),
        (
            "asset_id of another asset",
            [mutate_json(JOB_CP, set_path(["asset_id"], lambda c: c.base.other)), reopen_from("store")],
            other_untouched,
        ),
        (
            "asset_id traversal",
            [mutate_json(JOB_CP, set_path(["asset_id"], "../../escaped")), reopen_from("store")],
            None,
        ),
        ("asset deleted, job done", [remove(f"assets/{ASSET}")], asset_republished),
    ]
    for label, raw in bad_json:
        cp_mut.append((label, [write(JOB_CP, raw)], None))
    for i in range(12):
        cp_mut.append((f"random mutation #{i}", [mutate_json(JOB_CP, random_mutation(rng))], None))
    for label, setup, check in cp_mut:
        cases.append(
            Case(
                "files",
                f"resume JOB: checkpoint {label}",
                ["resume", JOB],
                store=True,
                setup=list(setup),
                check=check,
            )
        )
        if label in (
            "not JSON",
            "nested 10k lists",
            "a list",
            "missing store step",
            "not UTF-8",
        ) or label.startswith(("asset_id", "export output", "reference")):
            all_check = check or (
                refuse("a corrupt checkpoint was passed over with exit 0")
                if label in ("not JSON", "nested 10k lists", "a list", "not UTF-8")
                else None
            )
            cases.append(
                Case(
                    "files",
                    f"resume --all: checkpoint {label}",
                    ["resume", "--all"],
                    store=True,
                    setup=list(setup),
                    check=all_check,
                )
            )
        if label in LIST_CHECKPOINTS or (label.startswith("random") and int(label.rsplit("#", 1)[1]) < 3):
            cases.append(
                Case("files", f"list: checkpoint {label}", ["list", "--json"], store=True, setup=list(setup))
            )
    # ids
    for label, jid in [
        ("empty", ""),
        ("traversal", "../x"),
        ("upper", "ABC"),
        ("1000 chars", "a" * 1000),
        ("missing", "ffffffffffff"),
        ("invalid utf-8", "\udcff"),
        ("slash", "a/b"),
        ("dash", "-"),
    ]:
        cases.append(Case("files", f"resume id {label}", ["resume", "--", jid], store=True))
        cases.append(Case("files", f"edit id {label}", ["edit", "--", jid, "make it taller"], store=True))
    cases.append(Case("files", "resume no id", ["resume"], store=True))
    cases.append(
        Case("files", "edit --editor junk", ["edit", ASSET, "make it taller", "--editor", "junk"], store=True)
    )
    # a store with junk in it
    junk_store = [
        (".jobs is a file", [remove("assets/.jobs"), write("assets/.jobs", "x")]),
        ("job folder is a file", [write("assets/.jobs/aaaaaaaaaaaa", "x")]),
        ("checkpoint.json is a dir", [remove(JOB_CP), mkdir(JOB_CP)]),
        ("metadata.json is a dir", [remove(ASSET_META), mkdir(ASSET_META)]),
        ("asset dir symlink loop", [symlink_loop("assets/loop")]),
        ("10 MB metadata", [write(ASSET_META, b'{"asset_id": "' + b"x" * 10_000_000 + b'"}')]),
    ]
    for label, setup in junk_store:
        for argv in (["list"], ["resume", "--all"]):
            cases.append(Case("files", f"{argv[0]}: {label}", argv, store=True, setup=list(setup)))
    return cases


def gen_clouds(rng: random.Random) -> list[Case]:
    cube10 = [(x, y, z) for x in (-0.5, 0.5) for y in (0, 1) for z in (-0.5, 0.5)] + [
        (0, 0.5, 0.5),
        (0.5, 0.5, 0),
    ]
    needle = box_surface(2000, (1000.0, 1.0, 1.0), seed=3)
    ball = sphere(400, seed=1)
    big = [tuple(v * 1e300 for v in p) for p in ball]
    tiny = [tuple(v * 1e-300 for v in p) for p in ball]
    two = sphere(200, seed=2) + sphere(200, seed=4, centre=(1e6, 0, 0))
    clouds: list[tuple[str, str, list[Setup], Check | None]] = [
        ("missing file", "missing.ply", [], None),
        ("a directory", "adir", [mkdir("adir")], None),
        ("/dev/zero", "/dev/zero", [], None),
        ("/dev/null", "/dev/null", [], None),
        ("empty file", "c.ply", [write("c.ply", b"")], None),
        ("header only", "c.ply", [write("c.ply", ply_ascii([]))], None),
        ("not a PLY", "c.ply", [write("c.ply", "hello\n")], None),
        (
            "lying ASCII header (says 400, has 40)",
            "c.ply",
            [write("c.ply", ply_ascii(ball[:40], 400))],
            refuse("a header that lies about the vertex count was believed"),
        ),
        (
            "lying ASCII header (says 40, has 400)",
            "c.ply",
            [write("c.ply", ply_ascii(ball, 40))],
            refuse("a header that lies about the vertex count was believed"),
        ),
        ("header says 1e12 vertices", "c.ply", [write("c.ply", ply_ascii(ball, 10**12))], None),
        ("header says -5 vertices", "c.ply", [write("c.ply", ply_ascii(ball, -5))], None),
        ("truncated binary", "c.ply", [write("c.ply", ply_binary(ball)[:-100])], None),
        ("coordinates x1e300", "c.ply", [write("c.ply", ply_binary(big))], check_mesh_size(big)),
        ("coordinates x1e-300", "c.ply", [write("c.ply", ply_binary(tiny))], check_mesh_size(tiny)),
        (
            "10 points on a 1 m cube",
            "c.ply",
            [write("c.ply", ply_ascii(cube10))],
            check_mesh_size(cube10, 0.5),
        ),
        ("9 points", "c.ply", [write("c.ply", ply_ascii(cube10[:9]))], None),
        (
            "a 1000 x 1 x 1 m needle",
            "c.ply",
            [write("c.ply", ply_binary(needle))],
            check_mesh_size(needle, 0.05),
        ),
        ("NaN", "c.ply", [write("c.ply", ply_ascii([*ball[:-1], (float("nan"), 0, 0)]))], None),
        ("inf", "c.ply", [write("c.ply", ply_binary([*ball[:-1], (float("inf"), 0, 0)]))], None),
        ("all identical", "c.ply", [write("c.ply", ply_ascii([(1, 2, 3)] * 100))], None),
        (
            "a plane",
            "c.ply",
            [write("c.ply", ply_ascii([(x / 10, 0, z / 10) for x in range(10) for z in range(10)]))],
            None,
        ),
        ("a line", "c.ply", [write("c.ply", ply_ascii([(x / 10, 0, 0) for x in range(50)]))], None),
        ("two clusters 1e6 m apart", "c.ply", [write("c.ply", ply_binary(two))], check_mesh_size(two)),
        (
            "colours out of range",
            "c.ply",
            [write("c.ply", ply_ascii(ball, colors=[(999, -5, 300)] * len(ball)))],
            None,
        ),
        ("sphere (control)", "c.ply", [write("c.ply", ply_ascii(ball))], check_mesh_size(ball)),
    ]
    for _ in range(12):
        n = rng.choice([10, 11, 12, 20, 50, 200])
        scale = 10 ** rng.uniform(-6, 6)
        pts = [tuple(rng.uniform(-scale, scale) for _ in range(3)) for _ in range(n)]
        clouds.append(
            (
                f"random {n} points at scale {scale:.2g}",
                "c.ply",
                [write("c.ply", ply_binary(pts))],
                check_mesh_size(pts, 0.5),
            )
        )
    cases = []
    for label, path, setup, check in clouds:
        cases.append(
            Case(
                "reconstruct",
                label,
                ["reconstruct", path, "--out", "mesh.stl", "--json"],
                setup=list(setup),
                check=check,
            )
        )
    return cases


def gen_edits(rng: random.Random) -> list[Case]:
    fixed: list[tuple[str, Check | None]] = [
        ("add two wheels", parts_added(2)),
        ("add 3 spheres", parts_added(3)),
        ("add a sphere", parts_added(1)),
        ("make it 50 %", None),
        ("make it 50 % taller", edit_factor((1,), 1.5)),
        ("make it 50% taller", edit_factor((1,), 1.5)),
        ("make it 100% shorter", edit_factor((1,), None)),
        ("make it 150% shorter", edit_factor((1,), None)),
        ("1000% smaller", edit_factor((0, 1, 2), None)),
        ("make it 100% smaller", edit_factor((0, 1, 2), None)),
        ("50% as tall", edit_factor((1,), 0.5)),
        ("10% as tall", edit_factor((1,), 0.1)),
        ("make it 0% as tall", edit_factor((1,), None)),
        ("200% as tall", edit_factor((1,), 2.0)),
        ("make it 150% taller", edit_factor((1,), 2.5)),
        ("make it 25% smaller", edit_factor((0, 1, 2), 0.75)),
        ("make it 50% shorter", edit_factor((1,), 0.5)),
        ("make it 99.9% shorter", edit_factor((1,), 0.001)),
        ("twice as tall", edit_factor((1,), 2.0)),
        ("half as tall", edit_factor((1,), 0.5)),
        ("make it -50% taller", None),
        ("make it 1e308% taller", None),
        ("make it 99999999999999999999% taller", None),
        ("make it 0% taller", None),
        ("make it taller" * 2000, None),
        ("x" * 100_000, None),
        ("make it taller " + "y" * 100_000, None),
        ("", None),
        ("   ", None),
        ("\udcff", None),
        ("make it \u202etaller", None),
        ("🔥🔥🔥", None),
        ("remove everything", None),
        ("remove the " + " and remove the ".join(["body", "lid", "lock", "band", "hinge"]), None),
        ("make the lid #zzzzzz", None),
        ("make it 50%% taller", None),
        ("make it .5% taller", None),
        ("make it 1,5% taller", None),
    ]
    cases = [
        Case("edit", f"edit {short(t, 50)!s}", ["edit", ASSET, t, "--json"], store=True, check=c)
        for t, c in fixed
    ]
    adj = {
        "taller": ((1,), 1),
        "shorter": ((1,), -1),
        "wider": ((0, 2), 1),
        "narrower": ((0, 2), -1),
        "bigger": ((0, 1, 2), 1),
        "smaller": ((0, 1, 2), -1),
    }
    plain = {"tall": (1,), "wide": (0, 2), "big": (0, 1, 2)}
    for i in range(24):
        n = rng.choice([0, 1, 5, 10, 25, 50, 75, 99, 100, 101, 150, 200, 333, 1000, 12.5, 0.5])
        sp = rng.choice(["", " "])
        if i % 2 == 0:
            word = rng.choice(list(adj))
            axes, sign = adj[word]
            f = 1 + sign * n / 100
            text = f"make it {n:g}{sp}% {word}"
            check = edit_factor(axes, f if f > 0 else None) if n else None
        else:
            word = rng.choice(list(plain))
            text = f"{n:g}{sp}% as {word}"
            check = edit_factor(plain[word], n / 100 if n else None)
        cases.append(Case("edit", f"edit {text!r}", ["edit", ASSET, text, "--json"], store=True, check=check))
    cases.append(
        Case(
            "edit",
            "edit --apply make it 100% shorter",
            ["edit", ASSET, "make it 100% shorter", "--apply"],
            store=True,
            check=refuse("a zero height was applied"),
        )
    )
    cases.append(
        Case(
            "edit",
            "edit --apply make it 50% taller",
            ["edit", ASSET, "make it 50% taller", "--apply"],
            store=True,
        )
    )
    return cases


GENERATORS = [gen_descriptions, gen_out, gen_env, gen_options, gen_files, gen_clouds, gen_edits]


def all_cases(seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    return [c for g in GENERATORS for c in g(rng)]


# --- running ------------------------------------------------------------------------------------
def base_env(home: Path, tmp: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "PYTHONPATH": str(CORE_ROOT),
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "MPLCONFIGDIR": str(home / "mpl"),
            "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
            "TMPDIR": str(tmp / "tmp"),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMBA_NUM_THREADS": "1",
            "COLUMNS": "120",
            "NO_COLOR": "1",
            "PYVISTA_OFF_SCREEN": "true",
            "GENERATOR_FALLBACKS": "",
        }
    )
    return env


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def call(
    argv: list[str], env: dict[str, str], cwd: Path, timeout: float
) -> tuple[int | None, str, str, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", *argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_limits,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        rc: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        rc = None
    dec = lambda b: b.decode("utf-8", "replace")  # noqa: E731
    return rc, dec(out), dec(err), time.perf_counter() - t0


BOX = "│╭╰╮╯─ "


def error_message(stderr: str) -> str:
    """The user-facing error in ``stderr``: an ``error...`` line (with its wrapped
    continuation) or the text inside Click's "Error" box; "" if none."""
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if "╭─ Error" in line:
            inner = []
            for nxt in lines[i + 1 :]:
                if nxt.startswith("╰"):
                    break
                inner.append(nxt.strip(BOX))
            return " ".join(x for x in inner if x)
    for i, line in enumerate(lines):
        if re.match(r"\s*error\b", line, re.I):
            msg = [line.strip()]
            for nxt in lines[i + 1 :]:
                if not nxt.strip() or "━" in nxt or re.match(r"\s*(error|warning|note|done)\b", nxt, re.I):
                    break
                msg.append(nxt.strip())
            return " ".join(msg)
    return ""


def classify(r: Result, case_dir: Path | None = None) -> None:
    """Sort ``r`` into traceback / clear / unclear / accepted / timeout / crash. The case's
    temp folder counts as ``<CASE>`` in a message's length (a path the user typed is fine)."""
    if r.rc is None:
        r.kind, r.message = "timeout", f"no answer after {r.case.timeout:.0f} s"
    elif "Traceback (most recent call last)" in r.stderr or "Traceback" in r.stderr:
        r.kind, r.message = "traceback", last_line(r.stderr)
    elif r.rc < 0:
        r.kind, r.message = "crash", f"killed by signal {-r.rc} ({signal.Signals(-r.rc).name})"
    elif r.rc == 0:
        r.kind = "accepted"
    else:
        msg = error_message(r.stderr)
        if case_dir is not None:
            msg = msg.replace(str(case_dir), CASE)
        r.message = msg or last_line(r.stderr) or "(no message)"
        r.kind = "clear" if msg and len(msg) <= MAX_ERROR_CHARS else "unclear"


EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Warning)\b")


def last_line(stderr: str) -> str:
    """The exception line of a traceback (with its wrapped continuation), else the last line."""
    lines = [ln.strip(BOX) for ln in stderr.splitlines() if ln.strip(BOX)]
    for i in range(len(lines) - 1, -1, -1):
        if EXC_LINE.match(lines[i]):
            return " ".join(lines[i : i + 3])
    return lines[-1] if lines else ""


def run_case(i: int, case: Case, root: Path, base: Base, env0: dict[str, str], home: Path) -> Result:
    d = root / "cases" / f"{i:04d}"
    d.mkdir(parents=True)
    ctx = Ctx(d, base, home)
    env = dict(env0)
    env.update(
        {
            "ASSET_DIR": str(ctx.assets),
            "CACHE_DIR": str(home / "llm-cache"),
            "WORKBENCH_SECRETS_FILE": str(d / ".streamlit" / "secrets.toml"),
        }
    )
    for k, v in case.env.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = ctx.fill(v)
    try:
        if case.store:
            copy_store(ctx)
        for s in case.setup:
            s(ctx)
    except Exception as e:  # a setup that cannot apply (e.g. no seeded store): say so
        return Result(case, i, 1, "", "", 0.0, "setup", f"setup failed: {type(e).__name__}: {e}")
    before = {p.name for p in d.iterdir()} | {"assets"}
    rc, out, err, secs = call([ctx.fill(a) for a in case.argv], env, d, case.timeout)
    r = Result(case, i, rc, out, err, secs)
    classify(r, d)
    if r.kind == "accepted" and case.check is not None:
        try:
            r.wrong = case.check(ctx, r)
        except Exception as e:
            r.wrong = f"check failed: {type(e).__name__}: {e}"
    jobs = ctx.assets / ".jobs"
    if jobs.is_dir() and not jobs.is_symlink():
        with contextlib.suppress(OSError):
            empty = [j.name for j in jobs.iterdir() if j.is_dir() and not (j / "checkpoint.json").exists()]
            if empty:
                r.side_effects.append(f"left {len(empty)} job folder(s) without a checkpoint")
    if case.cwd_clean and r.kind != "accepted":
        with contextlib.suppress(OSError):
            new = sorted({p.name for p in d.iterdir()} - before)
            if new:
                r.side_effects.append(f"wrote into the working directory: {', '.join(new)[:80]}")
    return r


def seed_store(root: Path, env0: dict[str, str], home: Path) -> Base:
    """Generate two assets (a chest, a barrel) with the CLI; every store case copies them."""
    base = Base(root / "base")
    base.root.mkdir(parents=True)
    env = {
        **env0,
        "ASSET_DIR": str(base.assets),
        "CACHE_DIR": str(home / "llm-cache"),
        "WORKBENCH_SECRETS_FILE": str(base.root / "none.toml"),
    }
    ids = []
    for text in ("wooden chest", "barrel"):
        rc, out, err, _ = call(["generate", text, *FAST, "--json"], env, base.root, 300)
        try:
            res = json.loads(out.strip().splitlines()[-1])
            ids.append((res["asset_id"], res["job_id"]))
        except (ValueError, IndexError, KeyError):
            print(f"warning: could not seed the store ({text}): rc={rc} {last_line(err)}", file=sys.stderr)
            return base
    (base.asset, base.job), (base.other, base.other_job) = ids
    try:
        spec = json.loads((base.assets / base.asset / "spec.json").read_text())
        base.dims = tuple(spec["dimensions"][k] for k in ("width", "height", "depth"))
    except (OSError, ValueError, KeyError) as e:
        print(f"warning: seeded spec unreadable: {e}", file=sys.stderr)
    base.ok = True
    return base


def snapshot() -> dict[str, tuple]:
    """Names and file types of what sits where a call must not write (the repository, $HOME,
    /dev/shm, /var/tmp, /, the current folder) and the type of /dev/null. Edits of existing
    files are not counted: other people work in the repository meanwhile."""
    places = [
        REPO,
        REPO / "assets",
        REPO / ".cache",
        REPO / "bench",
        Path.home(),
        Path.home() / ".cache",
        Path("/dev/shm"),
        Path("/var/tmp"),
        Path("/"),
        Path.cwd(),
    ]
    seen: dict[str, tuple] = {}
    for place in places:
        with contextlib.suppress(OSError):
            for p in place.iterdir():
                with contextlib.suppress(OSError):
                    st = p.lstat()
                    seen[str(p)] = (stat.S_IFMT(st.st_mode),)
    with contextlib.suppress(OSError):
        seen["/dev/null"] = (stat.S_IFMT(os.stat("/dev/null").st_mode),)
    return seen


def pick_quick(cases: list[Case], n: int = 100) -> list[Case]:
    """About ``n`` cases spread over every category (every k-th of each)."""
    by_cat: dict[str, list[Case]] = {}
    for c in cases:
        by_cat.setdefault(c.cat, []).append(c)
    out = []
    for group in by_cat.values():
        k = max(1, round(len(group) * n / len(cases)))
        step = len(group) / k
        out += [group[int(j * step)] for j in range(k)]
    return out


def show_cmd(r: Result) -> str:
    env = " ".join(f"{k}={short(v, 30)!r}" if v is not None else f"-{k}" for k, v in r.case.env.items())
    argv = " ".join(short(a, 40) if " " not in a else repr(short(a, 40)) for a in r.case.argv)
    return f"{env + ' ' if env else ''}python -m core {argv}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="~100 cases spread over every category")
    ap.add_argument("--workers", type=int, default=MAX_WORKERS, help="parallel calls (at most 2)")
    ap.add_argument("--seed", type=int, default=SEED, help="seed of the generated cases")
    ap.add_argument("--only", default="", help="comma-separated categories, e.g. edit,files")
    ap.add_argument("--report", type=Path, help="write one JSON line per case here")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every case as it ends")
    ap.add_argument(
        "--core", type=Path, help="run the CLI of another checkout (e.g. `git archive` of an old commit)"
    )
    args = ap.parse_args()
    if args.core:
        global CORE_ROOT
        CORE_ROOT = args.core.resolve()

    cases = all_cases(args.seed)
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.cat in wanted]
    if args.quick:
        cases = pick_quick(cases)
    workers = max(1, min(args.workers, MAX_WORKERS))

    root = Path(tempfile.mkdtemp(prefix="workbench-fuzz-"))
    home = root / "home"
    for sub in (home, root / "tmp", home / "mpl"):
        sub.mkdir(parents=True, exist_ok=True)
    env0 = base_env(home, root)
    before = snapshot()
    t0 = time.perf_counter()
    print(f"fuzz: {len(cases)} cases, {workers} worker(s), temp folder {root}", file=sys.stderr)
    base = seed_store(root, env0, home)
    print(
        f"seeded store: {base.asset}, {base.other} ({'ok' if base.ok else 'FAILED'}) in "
        f"{time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
    )

    results: list[Result] = []
    done = 0

    def one(i_case):
        i, case = i_case
        try:
            return run_case(i, case, root, base, env0, home)
        except Exception as e:
            return Result(case, i, 1, "", "", 0.0, "setup", f"bench error: {type(e).__name__}: {e}")

    with ThreadPoolExecutor(workers) as pool:
        for r in pool.map(one, enumerate(cases)):
            results.append(r)
            done += 1
            if args.verbose:
                print(
                    f"[{done}/{len(cases)}] {r.kind:<9} {r.seconds:5.1f}s {r.case.cat}: {r.case.label[:70]}"
                    f"{' WRONG: ' + r.wrong if r.wrong else ''}",
                    file=sys.stderr,
                )
            elif done % 25 == 0:
                print(f"  {done}/{len(cases)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    after = snapshot()
    elapsed = time.perf_counter() - t0

    # --- report --------------------------------------------------------------------------------
    cats = list(dict.fromkeys(c.cat for c in cases))
    table = {cat: Counter(r.kind for r in results if r.case.cat == cat) for cat in cats}
    wrong = {cat: sum(1 for r in results if r.case.cat == cat and r.wrong) for cat in cats}
    head = (
        f"{'category':<13}{'tried':>7}{'tracebacks':>12}{'clear errors':>14}{'unclear':>9}{'accepted':>10}"
        f"{'(wrong)':>9}{'timeout/crash':>15}"
    )
    where = "" if CORE_ROOT == REPO else f", CLI from {CORE_ROOT}"
    print(
        f"\nfuzz: {len(results)} CLI calls in {elapsed:.0f} s (seed {args.seed}, {workers} workers{where})\n"
    )
    print(head)
    print("-" * len(head))

    def row(name, cnt, nwrong, total):
        print(
            f"{name:<13}{total:>7}{cnt['traceback']:>12}{cnt['clear']:>14}{cnt['unclear']:>9}"
            f"{cnt['accepted']:>10}{nwrong:>9}{cnt['timeout'] + cnt['crash'] + cnt['setup']:>15}"
        )

    for cat in cats:
        row(cat, table[cat], wrong[cat], sum(table[cat].values()))
    total = Counter(r.kind for r in results)
    print("-" * len(head))
    row("all", total, sum(wrong.values()), len(results))

    def listing(title: str, rows: list[Result], what: Callable[[Result], str]) -> None:
        if not rows:
            return
        print(f"\n{title} ({len(rows)}):")
        for r in rows:
            print(f"  [{r.case.cat}] {r.case.label}\n      $ {show_cmd(r)}\n      -> {short(what(r), 200)}")

    listing("Tracebacks", [r for r in results if r.kind == "traceback"], lambda r: r.message)
    listing(
        "Timeouts / crashes / setup failures",
        [r for r in results if r.kind in ("timeout", "crash", "setup")],
        lambda r: r.message,
    )
    listing("Accepted but wrong", [r for r in results if r.wrong], lambda r: r.wrong or "")
    listing(
        "Unclear errors (no short 'error: ...' line)",
        [r for r in results if r.kind == "unclear"],
        lambda r: f"{len(r.message)} chars: {r.message}",
    )
    misread = [
        r for r in results if r.kind == "clear" and re.search(r"no part called (two|three|%|\d)", r.message)
    ]
    listing("Refusals that misread the instruction", misread, lambda r: r.message)
    listing(
        "Side effects of refused calls",
        [r for r in results if r.side_effects and r.kind != "accepted"],
        lambda r: "; ".join(r.side_effects),
    )

    changed = sorted(k for k in after if before.get(k, after[k]) != after[k] or k not in before)
    print("\nWritten outside the temp folder:", "nothing" if not changed else "")
    for k in changed:
        what = "new" if k not in before else "changed type"
        print(f"  {k}: {what} (other processes on this machine may have done this)")

    if args.report:
        with args.report.open("w") as f:
            for r in results:
                f.write(
                    json.dumps(
                        {
                            "cat": r.case.cat,
                            "label": r.case.label,
                            "cmd": show_cmd(r),
                            "rc": r.rc,
                            "kind": r.kind,
                            "message": r.message,
                            "wrong": r.wrong,
                            "side_effects": r.side_effects,
                            "seconds": round(r.seconds, 2),
                            "stderr_tail": r.stderr[-2000:],
                        }
                    )
                    + "\n"
                )
    if args.keep:
        print(f"\nkept {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if total["traceback"] or total["timeout"] or total["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
