"""The CLI in process (typer's CliRunner): the same commands as the subprocess tests
(tests/test_cli.py, tests/test_bad_inputs_cli.py check real processes, exit codes and that no
traceback escapes), here so that what each command does is also measured by coverage."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import trimesh
from typer.testing import CliRunner

from core.cli import app, main

RUN = CliRunner()


def run(*args: str):
    return RUN.invoke(app, list(args), catch_exceptions=False)


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def asset(tmp_path):
    """One procedural asset in ``tmp_path / 'out'``; returns (out folder, result)."""
    out = tmp_path / "out"
    res = run("generate", "wooden crate", "--formats", "glb,stl", "--out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    [result] = lines(res.stdout)
    return out, result


def test_generate_list_and_edit_in_process(asset):
    out, result = asset
    assert result["status"] == "done" and result["asset_id"].startswith("wooden-crate-")
    listed = lines(run("list", "--out", str(out), "--json").stdout)
    assert {r["type"] for r in listed} == {"asset", "job"}
    assert next(r for r in listed if r["type"] == "asset")["faces"] > 0
    plain = run("list", "--out", str(out))
    assert plain.exit_code == 0 and "1 asset(s)" in plain.stdout and result["asset_id"] in plain.stdout

    dry = run("edit", result["asset_id"], "make it 50 % taller", "--out", str(out), "--json")
    assert dry.exit_code == 0 and json.loads(dry.stdout)["patch"][0]["path"] == "/dimensions/height"
    assert "dimensions.height" in dry.stderr
    applied = run("edit", result["asset_id"], "add two wheels", "--apply", "--out", str(out), "--json")
    assert applied.exit_code == 0, applied.stderr
    [new] = lines(applied.stdout)
    assert new["status"] == "done" and new["asset_id"] != result["asset_id"]
    refused = run("edit", result["asset_id"], "make it 100% shorter", "--out", str(out))
    assert refused.exit_code == 1 and "above zero" in refused.stderr


def test_batch_and_resume_in_process(tmp_path):
    out = tmp_path / "out"
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# two props\noak barrel\n\nround wooden shield\n")
    res = run("batch", str(prompts), "--formats", "stl", "--out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    assert [r["status"] for r in lines(res.stdout)] == ["done", "done"]
    nothing = run("resume", "--all", "--out", str(out))
    assert nothing.exit_code == 0 and "nothing to resume" in nothing.stderr
    again = run("resume", lines(res.stdout)[0]["job_id"], "--out", str(out), "--json")
    assert again.exit_code == 0 and lines(again.stdout)[0]["status"] == "done"  # already done: kept
    # a corrupt checkpoint is reported by id, not "nothing to resume"
    bad = out / ".jobs" / "0123456789ab"
    bad.mkdir(parents=True)
    (bad / "checkpoint.json").write_text("{ not json")
    corrupt = run("resume", "--all", "--out", str(out))
    assert corrupt.exit_code == 1 and "0123456789ab" in corrupt.stderr
    assert run("resume", "--out", str(out)).exit_code == 2  # neither an id nor --all


def test_spec_prints_json_and_warns_when_it_cuts(tmp_path):
    res = run("spec", "elvish sword")
    assert res.exit_code == 0 and json.loads(res.stdout)["archetype"] == "sword"
    long = run("spec", "a long wooden table " * 80)
    assert long.exit_code == 0 and "warning: The description was 1599 characters" in long.stderr


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["generate", "sword", "--out", ""], 2, "--out is empty"),
        (["generate", "sword", "--formats", " , "], 2, "--formats is empty"),
        (["generate", "sword", "--formats", "dae"], 1, "dae"),
        (["generate", "sword", "--backend", "nope"], 1, "nope"),
        (["generate", "   "], 1, "empty"),
        (["worker", "--queues", "bogus"], 2, "--queues"),
        (["resume", "zzzz-not-a-job"], 1, "error"),
        (["edit", "no-such-asset-0001", "make it taller"], 1, "error"),
    ],
)
def test_bad_arguments_are_one_line_errors(tmp_path, args, code, says):
    res = run(*args)
    assert res.exit_code == code, res.stderr
    assert says in res.stderr and res.stderr.startswith("error:") and res.stderr.count("\n") == 1


def test_image_and_batch_files_are_read_with_a_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (11 * 1024 * 1024))
    res = run("batch", str(big), "--out", str(tmp_path / "o"))
    assert res.exit_code == 1 and "error:" in res.stderr
    res = run("generate", "sword", "--image", str(big), "--out", str(tmp_path / "o"))
    assert res.exit_code == 1 and "error:" in res.stderr
    assert not (tmp_path / "o" / ".jobs").exists() or not any((tmp_path / "o" / ".jobs").iterdir())


def _ply(path, points: np.ndarray) -> None:
    trimesh.PointCloud(points).export(str(path), encoding="ascii")


def test_reconstruct_in_process(tmp_path):
    sphere = trimesh.creation.icosphere(4, radius=0.3)
    pts, _ = trimesh.sample.sample_surface_even(sphere, 3000, seed=1)
    _ply(tmp_path / "ball.ply", pts)
    res = run("reconstruct", str(tmp_path / "ball.ply"), "--out", str(tmp_path / "ball.glb"), "--json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["stats"]["watertight"] and report["input_points"] == len(pts)
    assert np.allclose(report["stats"]["size_m"], 0.6, atol=0.05)  # metres in, metres out
    text = run(
        "reconstruct", str(tmp_path / "ball.ply"), "--out", str(tmp_path / "ball.stl"), "--faces", "2000"
    )
    assert text.exit_code == 0 and "triangles, watertight=True" in text.stdout
    for args, code in (
        (["--out", str(tmp_path / "x.dae")], 2),
        (["--out", str(tmp_path / "x.glb"), "--faces", "-10"], 2),
        (["--out", str(tmp_path / "x.glb"), "--grid", "5"], 2),
    ):
        bad = run("reconstruct", str(tmp_path / "ball.ply"), *args)
        assert bad.exit_code == code and bad.stderr.startswith("error:")
    missing = run("reconstruct", str(tmp_path / "nope.ply"), "--out", str(tmp_path / "x.glb"))
    assert missing.exit_code == 1 and "nope.ply" in missing.stderr


def test_backends_lists_every_kind():
    res = run("backends")
    assert res.exit_code == 0
    kinds = {line.split()[1] for line in res.stdout.splitlines() if line.strip()}
    assert {"writer", "generator"} <= kinds


def test_main_refuses_bad_settings_in_one_line(monkeypatch, capsys, settings_in_force):
    # main() is the entry point that reads the environment: a Settings cannot even be built
    monkeypatch.setenv("LOG_LEVEL", "bogus")
    settings_in_force.release()
    monkeypatch.setattr(sys, "argv", ["core", "list"])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid settings:") and "bogus" in err and "Traceback" not in err


def test_generate_and_batch_share_one_option_list():
    import dataclasses

    import typer.main

    from core.cli import JobOptions

    commands = typer.main.get_command(app).commands
    gen, bat = (
        {p.name: (p.opts, getattr(p, "help", None), p.default) for p in commands[name].params}
        for name in ("generate", "batch")
    )
    shared = {f.name for f in dataclasses.fields(JobOptions)}
    assert set(gen) == shared | {"text", "template"} and set(bat) == shared | {"file"}
    assert all(gen[name] == bat[name] for name in shared)
    assert gen["formats"][1] == "Comma-separated: glb,gltf,obj,stl,ply,fbx,blend,usdz."
    assert [p.name for p in commands["generate"].params][-2:] == ["template", "as_json"]


def test_generate_from_a_template_reports_a_done_line(tmp_path):
    out = tmp_path / "out"
    res = run(
        "generate",
        "old wooden guitar",
        "--template",
        "acoustic_guitar",
        "--formats",
        "glb",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.stderr
    assert "done" in res.stderr and "(procedural)" in res.stderr and res.stdout == ""
    listed = lines(run("list", "--out", str(out), "--json").stdout)
    assert next(r for r in listed if r["type"] == "asset")["archetype"] == "acoustic_guitar"


def test_json_results_carry_typed_costs(asset):
    _, result = asset
    assert result["costs"] == {"credits": {}, "usd": {}}
    assert result["stats"]["watertight"] is True and set(result["files"]) == {"glb", "stl"}


def test_load_stored_spec_names_the_asset(asset):
    from core.assets import load_stored_spec
    from core.errors import SpecError, StorageError
    from core.storage import open_store

    out, result = asset
    store = open_store(root=out)
    assert load_stored_spec(store, result["asset_id"]).archetype == result["archetype"]
    (out / result["asset_id"] / "spec.json").write_text("[]")
    with pytest.raises(SpecError, match=f"Asset '{result['asset_id']}': spec.json"):
        load_stored_spec(store, result["asset_id"])
    with pytest.raises(StorageError):
        load_stored_spec(store, "no-such-asset-0001")
