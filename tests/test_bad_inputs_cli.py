"""Bad inputs through the real CLI (issue 13): every refusal is one line on stderr naming what
to fix, with a non-zero exit and no traceback; nothing is written where it should not be;
tampered checkpoints (paths leading out of the job folder, another job's asset id, oversized
or deeply nested files) are refused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from core.jobs.checkpoint import Checkpoint
from core.jobs.pipeline import jobs_root

NESTED = "[" * 10_000 + "]" * 10_000


def cli(*args: str | bytes, env: dict | None = None, cwd: Path | None = None, timeout: float = 300):
    """``python -m core ARGS`` in a subprocess (cwd defaults to the repository)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=cwd or REPO,
        capture_output=True,
        timeout=timeout,
        env=full_env,
    )


def text(proc: subprocess.CompletedProcess) -> str:
    return proc.stderr.decode("utf-8", "replace")


def assert_refused(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Non-zero exit, no traceback, and an stderr line ``error: ...`` holding ``words`` (a job
    that fails while it runs reports on such a line too, before the progress bar's last line)."""
    err = text(proc)
    assert proc.returncode != 0, err
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors, err
    last = errors[-1]
    for w in words:
        assert w in last, err
    return last


def json_lines(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


# --- one finished asset, copied for each test that tampers with it --------------------------
@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("made") / "assets"
    proc = cli("generate", "anvil", "--formats", "glb", "--out", str(base), "--json")
    assert proc.returncode == 0, text(proc)
    return base


@pytest.fixture
def store(made, tmp_path) -> tuple[Path, str, str]:
    """(asset folder, job id, asset id) of a fresh copy of the finished anvil."""
    out = tmp_path / "assets"
    shutil.copytree(made, out, symlinks=True)
    [job_dir] = list(jobs_root(out).iterdir())
    cp = Checkpoint.load(job_dir)
    return out, cp.job_id, cp.asset_id


def edit_checkpoint(out: Path, job_id: str, change) -> Path:
    """Apply ``change(raw_dict)`` to a job's checkpoint.json (as any writer of the folder or
    the bucket could); returns the file."""
    path = jobs_root(out) / job_id / "checkpoint.json"
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw))
    return path


def describe(path: Path) -> dict:
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


# --- 1. tracebacks that became one-line errors ----------------------------------------------
def _out_cases(tmp: Path) -> dict[str, str]:
    (tmp / "a-file").write_text("x")
    os.symlink(tmp / "loop-b", tmp / "loop-a")
    os.symlink(tmp / "loop-a", tmp / "loop-b")
    return {
        "file": str(tmp / "a-file"),
        "under a file": str(tmp / "a-file" / "sub"),
        "/proc": "/proc",
        "/dev/null": "/dev/null",
        "symlink loop": str(tmp / "loop-a"),
        "5000 characters": str(tmp / (("d" * 200 + "/") * 25)),
    }


@pytest.mark.parametrize(
    "case", ["file", "under a file", "/proc", "/dev/null", "symlink loop", "5000 characters"]
)
def test_unusable_out_folder_is_one_line(tmp_path, case):
    out = _out_cases(tmp_path)[case]
    proc = cli("generate", "anvil", "--formats", "glb", "--out", out)
    last = assert_refused(proc, "--out" if case != "/proc" else "/proc")
    assert len(last) < 400  # a 5,000-character path is not echoed whole
    assert not Path("/proc/.jobs").exists()


def test_empty_out_and_empty_asset_dir_never_write_into_the_current_folder(tmp_path):
    assert_refused(cli("generate", "anvil", "--formats", "glb", "--out", "", cwd=tmp_path), "--out is empty")
    assert_refused(cli("list", env={"ASSET_DIR": ""}, cwd=tmp_path), "ASSET_DIR is empty")
    assert_refused(
        cli("generate", "anvil", "--formats", "glb", env={"ASSET_DIR": "  "}, cwd=tmp_path), "empty"
    )
    assert list(tmp_path.iterdir()) == []


def test_description_that_is_not_utf8_leaves_nothing_behind(tmp_path):
    out = tmp_path / "out"
    proc = cli("generate", b"oak barrel \xff\xfe", "--formats", "glb", "--out", str(out))
    assert_refused(proc, "not valid UTF-8")
    assert not out.exists()  # validated before any folder was made


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"LOG_LEVEL": "bogus"}, "log_level"),
        ({"ASSET_STORE": "s3", "S3_BUCKET": "b", "S3_ENDPOINT_URL": "not a url"}, "S3_ENDPOINT_URL".lower()),
        ({"LOG_FORMAT": "xml"}, "log_format"),
    ],
)
def test_bad_settings_are_one_line(tmp_path, env, words):
    proc = cli("list", "--out", str(tmp_path / "o"), env=env)
    assert proc.returncode == 2
    assert_refused(proc, "invalid settings", words)


def test_asset_dir_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    assert_refused(cli("list", env={"ASSET_DIR": str(tmp_path / "f")}), "ASSET_DIR", "not a folder")


def test_secrets_file_that_is_not_toml_is_named_without_its_content(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('MESHY_API_KEY = "msy-very-secret-value\nthis is = = not toml\n')
    proc = cli("list", "--out", str(tmp_path / "o"), env={"WORKBENCH_SECRETS_FILE": str(secrets)})
    assert_refused(proc, "secrets file", "TOML")
    assert "very-secret" not in text(proc)


def test_image_and_batch_from_dev_zero_are_refused_by_size(tmp_path):
    out = tmp_path / "o"
    assert_refused(cli("generate", "anvil", "--image", "/dev/zero", "--out", str(out)), "larger than")
    assert_refused(cli("batch", "/dev/zero", "--out", str(out)), "larger than")
    assert not jobs_root(out).exists() or list(jobs_root(out).iterdir()) == []


def test_batch_file_that_is_not_utf8(tmp_path):
    f = tmp_path / "prompts.txt"
    f.write_bytes(b"oak barrel\n\xff\xfe anvil\n")
    assert_refused(cli("batch", str(f), "--out", str(tmp_path / "o")), "not UTF-8")


def test_a_huge_user_input_is_not_echoed_whole(tmp_path, store):
    out, _, asset_id = store
    huge = "x" * 100_000
    for args in (["resume", huge], ["edit", asset_id, huge], ["edit", huge, "make it taller"]):
        proc = cli(*args, "--out", str(out))
        last = assert_refused(proc)
        assert len(text(proc)) < 2000, last[:200]


# --- 2. silently wrong ----------------------------------------------------------------------
def test_generate_warns_when_it_cuts_a_long_description(tmp_path):
    long_text = "oak barrel " + "with iron hoops " * 100
    proc = cli("generate", long_text, "--formats", "glb", "--out", str(tmp_path / "o"), "--json")
    assert proc.returncode == 0, text(proc)
    assert "warning:" in text(proc) and "characters" in text(proc)
    spec_proc = cli("spec", long_text)
    assert "warning:" in text(spec_proc)


def test_nan_in_a_stored_spec_is_refused_when_read(store):
    out, _, asset_id = store
    spec_path = out / asset_id / "spec.json"
    spec = json.loads(spec_path.read_text())
    spec["parts"][0]["position"] = [0.0, "NaN", 0.0]
    spec_path.write_text(json.dumps(spec).replace('"NaN"', "NaN"))
    assert_refused(cli("edit", asset_id, "make it taller", "--out", str(out)), "finite number")


def test_resume_all_reports_unreadable_jobs(store):
    out, job_id, _ = store
    (jobs_root(out) / job_id / "checkpoint.json").write_text("{ broken")
    proc = cli("resume", "--all", "--out", str(out))
    assert_refused(proc, "could not be read")
    assert f"unreadable job {job_id}" in text(proc)


def test_resume_all_runs_the_readable_jobs_and_warns_about_the_rest(store):
    out, job_id, _ = store
    (jobs_root(out) / job_id / "checkpoint.json").write_text("{ broken")
    (jobs_root(out) / "0123456789ab").mkdir()
    fresh = cli("generate", "war hammer", "--formats", "glb", "--out", str(out), "--json")
    good = json_lines(fresh.stdout)[0]["job_id"]
    edit_checkpoint(
        out,
        good,
        lambda raw: (raw["steps"]["thumbnail"].update(status="pending"), raw.update(status="interrupted")),
    )
    proc = cli("resume", "--all", "--out", str(out), "--json")
    assert proc.returncode == 0, text(proc)
    assert [r["job_id"] for r in json_lines(proc.stdout)] == [good]
    assert f"unreadable job {job_id}" in text(proc) and "unreadable job 0123456789ab" in text(proc)


# --- nested, non-UTF-8 and wrongly shaped files --------------------------------------------
def test_nested_checkpoint_does_not_break_list_and_is_reported(store):
    out, job_id, asset_id = store
    (jobs_root(out) / job_id / "checkpoint.json").write_text(NESTED)
    listed = cli("list", "--out", str(out), "--json")
    assert listed.returncode == 0, text(listed)
    assert "Traceback" not in text(listed) and f"unreadable job {job_id}" in text(listed)
    assert [r["asset_id"] for r in json_lines(listed.stdout) if r["type"] == "asset"] == [asset_id]
    assert_refused(cli("resume", job_id, "--out", str(out)), "corrupt", "recursion limit")


def test_oversized_checkpoint_is_refused_unread(store):
    out, job_id, _ = store
    path = jobs_root(out) / job_id / "checkpoint.json"
    raw = json.loads(path.read_text())
    raw["steps"]["spec"]["info"]["padding"] = "x" * (2 * 1024 * 1024)
    path.write_text(json.dumps(raw))
    assert_refused(cli("resume", job_id, "--out", str(out)), "larger than")
    assert "unreadable job" in text(cli("list", "--out", str(out)))


def test_checkpoint_without_the_store_step(store):
    out, job_id, _ = store
    edit_checkpoint(out, job_id, lambda raw: raw["steps"].pop("store"))
    assert_refused(cli("resume", job_id, "--out", str(out)), "missing store")


@pytest.mark.parametrize(("content", "words"), [(NESTED, "recursion limit"), (b"\xff\xfe{}", "not UTF-8")])
def test_stored_spec_nested_or_not_utf8_is_one_line_on_edit(store, content, words):
    out, _, asset_id = store
    spec = out / asset_id / "spec.json"
    spec.write_bytes(content.encode() if isinstance(content, str) else content)
    assert_refused(cli("edit", asset_id, "make it taller", "--out", str(out)), "spec.json", words)


def test_nested_job_spec_fails_the_job_with_one_line(store):
    out, job_id, _ = store
    spec = jobs_root(out) / job_id / "spec.json"
    spec.write_text(NESTED)

    def change(raw):  # the spec step "done" with this very file: generate must read it
        raw["steps"]["spec"]["outputs"]["spec.json"].update(describe(spec))
        for step in ("generate", "process", "export", "thumbnail", "store"):
            raw["steps"][step].update(status="pending", outputs={}, info={})
        raw["status"] = "interrupted"

    edit_checkpoint(out, job_id, change)
    proc = cli("resume", job_id, "--out", str(out))
    assert proc.returncode == 1 and "Traceback" not in text(proc)
    assert "recursion limit" in text(proc)


def test_metadata_that_is_a_list(store):
    out, _, asset_id = store
    (out / asset_id / "metadata.json").write_text("[1, 2, 3]")
    assert_refused(cli("edit", asset_id, "make it taller", "--out", str(out)), "not a JSON object")
    listed = cli("list", "--out", str(out), "--json")
    assert listed.returncode == 0, text(listed)
    assert [r for r in json_lines(listed.stdout) if r["type"] == "asset"] == []


def test_resume_republishes_a_deleted_asset(store):
    out, job_id, asset_id = store
    before = json.loads((out / asset_id / "metadata.json").read_text())
    shutil.rmtree(out / asset_id)
    proc = cli("resume", job_id, "--out", str(out), "--json")
    assert proc.returncode == 0, text(proc)
    [result] = json_lines(proc.stdout)
    assert result["status"] == "done" and Path(result["files"]["glb"]).is_file()
    after = json.loads((out / asset_id / "metadata.json").read_text())
    assert after["files"]["model.glb"] == before["files"]["model.glb"]


# --- 3. security: checkpoints are untrusted ---------------------------------------------------
def _republish(raw):
    raw["steps"]["store"].update(status="pending", outputs={}, info={})
    raw["status"] = "interrupted"


def test_export_output_outside_the_job_folder_is_never_published(store, tmp_path):
    out, job_id, asset_id = store
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    rel = "../../../secret.txt"  # assets/.jobs/<job>/ -> tmp_path
    assert (jobs_root(out) / job_id / rel).resolve() == secret.resolve()

    def change(raw):
        raw["steps"]["export"]["outputs"][rel] = {"path": rel, **describe(secret)}
        _republish(raw)

    edit_checkpoint(out, job_id, change)
    shutil.rmtree(out / asset_id)
    assert_refused(cli("resume", job_id, "--out", str(out)), "relative path inside the job folder")
    assert not (out / asset_id).exists()
    proc = cli("resume", "--all", "--out", str(out))
    assert_refused(proc, "could not be read")
    assert not any(p.name == "secret.txt" for p in out.rglob("*"))


@pytest.mark.parametrize("rel", ["/etc/hostname", "exports/../../../x", "a/b/c", "exports\\model.glb"])
def test_unsafe_paths_in_a_checkpoint_are_invalid(store, rel):
    out, job_id, _ = store
    edit_checkpoint(out, job_id, lambda raw: raw["inputs"].update(reference_image=rel))
    assert_refused(cli("resume", job_id, "--out", str(out)), "invalid", "reference_image")


def test_symlink_leading_out_of_the_job_folder_is_refused(store, tmp_path):
    out, job_id, asset_id = store
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"not yours")
    model = jobs_root(out) / job_id / "exports" / "model.glb"
    model.unlink()
    model.symlink_to(secret)

    def change(raw):
        raw["steps"]["export"]["outputs"]["exports/model.glb"].update(describe(secret))
        _republish(raw)

    edit_checkpoint(out, job_id, change)
    shutil.rmtree(out / asset_id)
    assert_refused(cli("resume", job_id, "--out", str(out)), "outside its job folder")
    assert not (out / asset_id).exists()


def test_a_checkpoint_naming_another_asset_is_refused(store):
    out, job_id, _ = store
    other = cli("generate", "oak barrel", "--formats", "glb", "--out", str(out), "--json")
    victim = json_lines(other.stdout)[0]["asset_id"]
    victim_meta = (out / victim / "metadata.json").read_text()

    def change(raw):
        raw["asset_id"] = victim
        _republish(raw)

    edit_checkpoint(out, job_id, change)
    assert_refused(cli("resume", job_id, "--out", str(out)), "does not belong to job")
    assert (out / victim / "metadata.json").read_text() == victim_meta


def test_a_lookalike_job_cannot_replace_an_asset_it_did_not_make(store):
    """A job id sharing the victim's first 8 characters and its description derives the same
    asset id; publishing is still refused because the asset belongs to another job."""
    out, job_id, asset_id = store
    twin = job_id[:8] + ("0000" if job_id[8:] != "0000" else "1111")
    shutil.copytree(jobs_root(out) / job_id, jobs_root(out) / twin)
    before = (out / asset_id / "metadata.json").read_text()

    def change(raw):
        raw["job_id"] = twin
        _republish(raw)

    edit_checkpoint(out, twin, change)
    assert_refused(cli("resume", twin, "--out", str(out)), "belongs to job", job_id)
    assert (out / asset_id / "metadata.json").read_text() == before


def test_a_checkpoint_in_another_jobs_folder_is_refused(store):
    out, job_id, _ = store
    shutil.copytree(jobs_root(out) / job_id, jobs_root(out) / "0123456789ab")
    assert_refused(cli("resume", "0123456789ab", "--out", str(out)), f"is for job {job_id}")
