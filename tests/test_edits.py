"""Conversational spec edits: built-in instructions, LLM patches over loopback HTTP, the CLI
and the Review page's propose -> diff -> apply -> undo flow."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

from core.errors import LLMError, SpecError
from core.spec.builtin import BuiltinSpecWriter
from core.spec.edits import LiteLLMEditor, apply_patch, get_editor

SWORD = BuiltinSpecWriter().write("elvish sword").spec
BLADE = [m.name for m in SWORD.materials].index("blade")  # index of the blade's material
ED = get_editor("builtin")


def test_make_it_taller_changes_the_height():
    p = ED.propose(SWORD, "make it taller")
    assert p.spec.dimensions.height == pytest.approx(SWORD.dimensions.height * 1.25, rel=1e-3)
    assert p.patch == [{"op": "replace", "path": "/dimensions/height", "value": p.spec.dimensions.height}]
    assert SWORD.dimensions.height == pytest.approx(1.2265)  # the original is untouched


def test_make_the_blade_gold():
    p = ED.propose(SWORD, "make the blade gold")
    assert p.spec.material("blade").base_color == "#d4a017" and p.spec.material("blade").metallic == 1.0
    assert p.spec.material("grip") == SWORD.material("grip")
    assert any(f"materials.{BLADE}.base_color" in c for c in p.changes)


def test_several_clauses_and_part_synonyms():
    p = ED.propose(SWORD, "gold blade, shorter handle")
    grip = next(x for x in p.spec.parts if x.name == "grip")
    assert grip.size[1] == pytest.approx(next(x for x in SWORD.parts if x.name == "grip").size[1] * 0.8)
    assert p.spec.material("blade").base_color == "#d4a017"


@pytest.mark.parametrize(
    ("text", "factor"),
    [
        ("slightly wider", 1.1),
        ("much wider", 1.5625),
        ("50% wider", 1.5),
        ("twice as wide", 2.0),
        ("half as wide", 0.5),
    ],
)
def test_amounts(text, factor):
    p = ED.propose(SWORD, text)
    assert p.spec.dimensions.width == pytest.approx(SWORD.dimensions.width * factor, rel=1e-3)


def test_remove_and_add_parts():
    removed = ED.propose(SWORD, "remove the crossguard")
    assert (
        "crossguard" not in {p.name for p in removed.spec.parts}
        and "part removed: crossguard" in removed.changes
    )
    added = ED.propose(SWORD, "add a sphere on top")
    assert added.spec.parts[-1].primitive.value == "sphere" and "part added: sphere_1" in added.changes
    assert added.spec.dimensions.height > SWORD.dimensions.height


CRATE = BuiltinSpecWriter().write("wooden crate").spec


@pytest.mark.parametrize(
    ("text", "axis", "factor"),
    [
        ("make it 50% taller", "height", 1.5),
        ("make it 50 % taller", "height", 1.5),  # with a space, as the README spells it
        ("make it 50 percent taller", "height", 1.5),
        ("make it 200% taller", "height", 3.0),
        ("make it 50% shorter", "height", 0.5),
        ("make it 25 % smaller", "width", 0.75),
        ("50% as tall", "height", 0.5),
        ("10% as tall", "height", 0.1),
        ("make it 50 %", "width", 0.5),  # of its size, every side
        ("make it 150%", "depth", 1.5),
        ("three times as tall", "height", 3.0),
        ("make it 3x smaller", "height", 1 / 3),
        ("twice as short", "height", 0.5),
        ("a third as wide", "width", 1 / 3),
        ("double the height", "height", 2.0),
    ],
)
def test_percentages_and_multipliers_mean_what_they_say(text, axis, factor):
    p = ED.propose(CRATE, text)
    assert getattr(p.spec.dimensions, axis) == pytest.approx(
        getattr(CRATE.dimensions, axis) * factor, rel=1e-3
    )


@pytest.mark.parametrize(("text", "height"), [("make it 10 cm taller", 0.1), ("make it 5 cm shorter", -0.05)])
def test_lengths_add_metres(text, height):
    p = ED.propose(CRATE, text)
    assert p.spec.dimensions.height == pytest.approx(CRATE.dimensions.height + height, abs=1e-4)


def test_an_absolute_length_sets_the_size():
    assert ED.propose(CRATE, "make it 2 m tall").spec.dimensions.height == pytest.approx(2.0)
    assert ED.propose(CRATE, "make it 80 cm wide").spec.dimensions.width == pytest.approx(0.8)


@pytest.mark.parametrize(
    "text",
    [
        "make it 100% shorter",
        "1000% smaller",
        "make it 100 % narrower",
        "make it 0% as tall",
        "0 times as tall",
    ],
)
def test_impossible_amounts_are_refused_with_the_reason(text):
    with pytest.raises(SpecError, match=r"above zero|would leave nothing"):
        ED.propose(CRATE, text)


@pytest.mark.parametrize(
    ("text", "noun", "count"),
    [
        ("add two wheels", "wheel", 2),
        ("add 4 wheels", "wheel", 4),
        ("add three candles on top", "candle", 3),
        ("add a pair of horns", "horn", 2),
        ("add four legs", "leg", 4),
        ("add a sphere on top", "sphere", 1),
        ("add a torus on top", "torus", 1),  # "torus" is not a plural of "toru"
        ("add two antennae on top", "antenna", 2),
    ],
)
def test_counts_add_that_many_parts(text, noun, count):
    p = ED.propose(CRATE, text)
    added = [x for x in p.spec.parts if x.name.startswith(noun + "_")]
    assert len(added) == count and len(p.spec.parts) == len(CRATE.parts) + count
    assert len({x.position for x in added}) == count  # each in its own place


def test_wheels_stand_on_the_ground_at_both_sides_with_axles_across():
    from core.spec.geometry import parts_bbox

    p = ED.propose(CRATE, "add two iron wheels")
    wheels = [x for x in p.spec.parts if x.name.startswith("wheel_")]
    lo, _ = parts_bbox([x.model_dump(mode="json") for x in p.spec.parts])
    body_lo, body_hi = parts_bbox([x.model_dump(mode="json") for x in CRATE.parts])
    centre_x = (body_lo[0] + body_hi[0]) / 2
    assert {x.primitive.value for x in wheels} == {"cylinder"} and {x.material for x in wheels} == {"iron"}
    assert sorted(w.position[0] > centre_x for w in wheels) == [False, True]  # one each side
    assert all(w.rotation[2] == 90.0 for w in wheels)  # the axle runs along X, across the crate
    assert min(w.position[1] - w.size[0] / 2 for w in wheels) == pytest.approx(lo[1], abs=1e-4)
    assert p.spec.material("iron").metallic == 1.0


def test_and_continues_a_list_of_parts_to_add():
    p = ED.propose(CRATE, "add two wheels and a handle")
    names = [x.name for x in p.spec.parts]
    assert names.count("handle_1") == 1 and "wheel_2" in names


def test_a_huge_instruction_is_refused_without_echoing_it():
    with pytest.raises(SpecError) as e:
        ED.propose(CRATE, "make it taller " * 10_000)
    assert len(str(e.value)) < 300
    with pytest.raises(SpecError) as e:
        ED.propose(CRATE, "zzzz" * 200)
    assert len(str(e.value)) < 400


def test_add_an_unknown_thing_names_the_problem():
    with pytest.raises(SpecError, match=r"cannot add propeller.*wheel"):
        ED.propose(CRATE, "add a propeller")


@pytest.mark.parametrize("text", ["", "fly to the moon", "longer wings", "remove everything"])
def test_unknown_or_impossible_instructions_are_refused(text):
    with pytest.raises(SpecError):
        ED.propose(SWORD, text)


def test_malformed_or_out_of_schema_patches_are_rejected_with_the_reason():
    for bad in (
        [],
        [{"op": "explode", "path": "/name"}],
        [{"op": "replace", "path": "/nope/x", "value": 1}],
        [{"op": "replace", "path": "/dimensions/height", "value": -1}],
    ):
        with pytest.raises(SpecError):
            apply_patch(SWORD, bad)
    assert SWORD.dimensions.height > 0


def test_a_hand_edited_part_refits_the_dimensions():
    from core.spec.edits import apply_edit

    data = SWORD.model_dump(mode="json")
    blade = next(i for i, p in enumerate(data["parts"]) if p["name"] == "blade")
    data["parts"][blade]["size"][1] *= 2  # a longer blade makes a longer sword
    before = json.dumps(data)
    result = apply_edit(SWORD, data)
    assert result.ok and result.errors == {}
    assert result.spec.dimensions.height > SWORD.dimensions.height * 1.3
    assert result.spec.dimensions.width == pytest.approx(SWORD.dimensions.width)
    assert json.dumps(data) == before  # the caller's dict is left as it was


def test_typed_dimensions_are_kept_and_bad_values_come_back_per_field():
    from core.spec.edits import apply_edit

    data = SWORD.model_dump(mode="json")
    data["dimensions"]["height"] = 2.0
    data["parts"][0]["size"][0] *= 3
    assert apply_edit(SWORD, data).spec.dimensions.height == 2.0  # what the user typed
    data["dimensions"]["height"] = -1
    result = apply_edit(SWORD, data)
    assert not result.ok and result.spec is None and "dimensions.height" in result.errors
    assert apply_edit(SWORD, SWORD.model_dump(mode="json")).spec == SWORD  # no change, same spec


def test_editors_are_a_registry_with_the_known_names_in_errors():
    from core.errors import UnknownBackendError
    from core.spec.edits import EDITORS

    assert EDITORS.names() == ["builtin", "litellm"]
    assert get_editor("builtin", model="openai/ignored").propose(SWORD, "make it taller").editor == "builtin"
    with pytest.raises(UnknownBackendError, match="builtin, litellm"):
        get_editor("magic")


def test_litellm_editor_over_loopback_http(fake_llm):
    good = json.dumps({"patch": [{"op": "replace", "path": "/dimensions/height", "value": 2.0}]})
    bad = json.dumps({"patch": [{"op": "replace", "path": "/dimensions/height", "value": -5}]})
    fake_llm.script["m"] = [(429, None), (200, bad), (200, good)]
    editor = LiteLLMEditor(model="openai/m")
    p = editor.propose(SWORD, "make it two metres tall")
    assert p.spec.dimensions.height == 2.0 and p.editor == "litellm" and p.model == "openai/m"
    assert "dimensions.height" in fake_llm.requests[-1]["messages"][-1]["content"]  # the error was fed back
    fake_llm.script["m"] = [(200, "not json"), (200, '{"patch": "nope"}')]
    with pytest.raises(LLMError):
        LiteLLMEditor(model="openai/m").propose(SWORD, "make it shorter")


def test_cli_edit_shows_the_diff_and_applies_as_a_new_version(tmp_path):
    out = tmp_path / "o"
    env = {**os.environ}
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "generate",
            "elvish sword",
            "--formats",
            "glb",
            "--out",
            str(out),
            "--json",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    asset_id = json.loads(made.stdout)["asset_id"]
    dry = subprocess.run(
        [sys.executable, "-m", "core", "edit", asset_id, "make it taller", "--out", str(out), "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dry.returncode == 0 and "dimensions.height" in dry.stderr
    assert json.loads(dry.stdout)["patch"][0]["path"] == "/dimensions/height"
    applied = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "edit",
            asset_id,
            "make the blade gold",
            "--apply",
            "--out",
            str(out),
            "--json",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    new = json.loads(applied.stdout)
    assert new["status"] == "done" and new["asset_id"] != asset_id
    assert (out / asset_id / "model.glb").is_file()  # the old version is kept


def test_review_page_propose_apply_undo():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "Home.py"), default_timeout=120)
    at.session_state["spec.history"] = [SWORD.model_dump(mode="json")]
    at.session_state["spec.index"] = 0
    at.switch_page("pages/2_review.py").run()
    at.text_input(key="review.chat").set_value("make the blade gold")
    at.button(key="review.propose").click().run()
    assert not at.exception and any("base_color" in t.value for t in at.text)
    at.button(key="review.proposal.apply").click().run()
    assert at.session_state["spec.index"] == 1
    assert at.session_state["spec.history"][1]["materials"][BLADE]["base_color"] == "#d4a017"
    at.button(key="review.undo").click().run()
    assert at.session_state["spec.index"] == 0
    at.text_input(key="review.chat").set_value("teleport it")
    at.button(key="review.propose").click().run()
    assert not at.exception and any("no part called" in e.value for e in at.error)
    assert len(at.session_state["spec.history"]) == 2
