"""The workbench bugs of issue 13 through AppTest, each page run inside Home.py's navigation:
forms that showed an old revision of the spec, a result not marked out of date, a long paste
that vanished, a writer error hidden in a closed box, and the layout fixes that AppTest can see."""

from __future__ import annotations

import time

import pytest
from test_app import app, current, rev_key, wait_for_job

from core.spec.builtin import MAX_DESCRIPTION_CHARS, clean_description

APPLY = "FormSubmitter:review.overview-Apply"


def height_field(at):
    return at.number_input(key="review.dim.height")


def test_overview_form_shows_the_revision_after_undo_and_redo_and_rename_keeps_it():
    at = app("2_review.py", "oak barrel")
    h0 = current(at)["dimensions"]["height"]
    height_field(at).set_value(h0 * 2)
    at.button(key=APPLY).click().run()
    assert current(at)["dimensions"]["height"] == pytest.approx(h0 * 2)

    at.button(key="review.undo").click().run()
    assert not at.exception and height_field(at).value == pytest.approx(h0)  # was still 2 × h0
    at.button(key="review.redo").click().run()
    assert height_field(at).value == pytest.approx(h0 * 2)
    at.button(key="review.undo").click().run()

    # a rename applies the name only: the height of the current revision stays
    at.text_input(key="review.name").set_value("Renamed Barrel")
    at.button(key=APPLY).click().run()
    assert not at.exception
    spec = current(at)
    assert spec["name"] == "Renamed Barrel" and spec["dimensions"]["height"] == pytest.approx(h0)
    assert at.text_input(key="review.name").value == "Renamed Barrel"


def test_a_chat_edit_refreshes_the_form_and_empties_the_change_box():
    at = app("2_review.py", "oak barrel")
    h0 = current(at)["dimensions"]["height"]
    at.text_input(key="review.chat").set_value("make it taller")
    at.button(key="review.propose").click().run()
    assert not at.exception and at.session_state["review.proposal"]
    at.button(key="review.proposal.apply").click().run()
    assert not at.exception
    taller = current(at)["dimensions"]["height"]
    assert taller > h0 * 1.05
    assert height_field(at).value == pytest.approx(taller)  # the form shows the chat edit
    assert at.text_input(key="review.chat").value == ""  # and the change box is empty again

    at.text_input(key="review.name").set_value("Tall Barrel")
    at.button(key=APPLY).click().run()
    spec = current(at)
    assert spec["name"] == "Tall Barrel" and spec["dimensions"]["height"] == pytest.approx(taller)


def test_a_parts_edit_refreshes_the_dimensions_in_the_form():
    at = app("2_review.py", "oak barrel")
    before = current(at)
    tallest = max(range(len(before["parts"])), key=lambda i: before["parts"][i]["size"][1])
    at.session_state[rev_key(at, "review.parts")] = {
        "edited_rows": {tallest: {"size_y": before["parts"][tallest]["size"][1] * 2}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="review.update_preview").click().run()
    assert not at.exception
    refit = current(at)["dimensions"]["height"]
    assert refit > before["dimensions"]["height"] * 1.2  # the taller part made a taller asset
    assert height_field(at).value == pytest.approx(refit)

    at.number_input(key="review.lods").set_value(2)
    at.button(key=APPLY).click().run()
    spec = current(at)
    assert spec["technical"]["lod_count"] == 2 and spec["dimensions"]["height"] == pytest.approx(refit)
    assert spec["parts"][tallest]["size"][1] == pytest.approx(before["parts"][tallest]["size"][1] * 2)


def test_materials_and_gameplay_forms_follow_undo_and_apply_only_what_changed():
    at = app("2_review.py", "oak barrel")
    original = current(at)["materials"][0]["base_color"].lower()
    at.color_picker(key="review.mat.0.color").set_value("#ff0000")
    at.button(key="FormSubmitter:review.materials-Apply materials").click().run()
    assert current(at)["materials"][0]["base_color"].lower() == "#ff0000"
    at.button(key="review.undo").click().run()
    assert at.color_picker(key="review.mat.0.color").value.lower() == original

    at.slider(key="review.mat.0.metallic").set_value(0.9)
    at.button(key="FormSubmitter:review.materials-Apply materials").click().run()
    mat = current(at)["materials"][0]
    assert mat["metallic"] == pytest.approx(0.9) and mat["base_color"].lower() == original

    at.text_area(key="review.lore").set_value("Found in a cellar.")
    at.button(key="FormSubmitter:review.gameplay-Apply gameplay").click().run()
    assert current(at)["gameplay"]["lore"] == "Found in a cellar."
    at.button(key="review.undo").click().run()
    assert at.text_area(key="review.lore").value == current(at)["gameplay"]["lore"] != "Found in a cellar."


def test_the_generate_page_says_when_its_result_is_out_of_date():
    at = app("3_generate.py", "oak barrel")
    at.button(key="generate.run").click().run()
    at = wait_for_job(at)
    assert any("Done" in s.value for s in at.success), [e.value for e in at.error]
    assert not any("Out of date" in w.value for w in at.warning)
    first_job = at.session_state["generate.job_id"]

    at.switch_page("pages/2_review.py").run()
    h0 = current(at)["dimensions"]["height"]
    height_field(at).set_value(h0 * 2)
    at.button(key=APPLY).click().run()
    at.switch_page("pages/3_generate.py").run()
    assert not at.exception
    stale = [w.value for w in at.warning if "Out of date" in w.value]
    assert stale and "height" in stale[0] and f"{h0 * 2:.3f}" in stale[0]
    assert not any("Done" in s.value for s in at.success)

    at.button(key="generate.rerun").click().run()  # "Generate the current spec"
    assert at.session_state["generate.job_id"] != first_job
    at = wait_for_job(at)
    assert any("Done" in s.value for s in at.success), [e.value for e in at.error]
    assert not any("Out of date" in w.value for w in at.warning)
    assert f"{h0 * 2:.3f}" in next(m.value for m in at.metric if m.label == "Height (m)")


def test_a_long_pasted_description_is_kept_then_cut_with_the_cli_warning():
    text = ("oak barrel with three iron hoops and a wooden lid, " * 40)[:1500]
    assert len(text) == 1500
    at = app()
    box = at.text_area(key="describe.text")
    assert not box.max_chars or box.max_chars >= 10_000  # a browser drops a longer paste whole
    box.set_value(text).run()
    cli_text, cli_warnings = clean_description(text)
    assert cli_warnings and len(cli_text) <= MAX_DESCRIPTION_CHARS
    assert at.session_state["describe.text"] == text
    assert [w.value for w in at.warning] == cli_warnings  # said before writing, as the CLI says it

    at.button(key="describe.submit").click().run()
    assert not at.exception and at.title[0].value == "Review spec"
    assert at.session_state["spec.description"] == cli_text
    assert cli_warnings[0] in [w.value for w in at.warning]
    assert current(at)["archetype"] == "barrel"


def test_a_failing_spec_writer_shows_its_reason_in_the_open():
    at = app()
    at.text_area(key="describe.text").set_value("oak barrel")
    at.selectbox(key="describe.writer").set_value("litellm")  # no API key configured: it fails
    at.button(key="describe.submit").click().run()
    assert not at.exception and at.title[0].value == "Describe your asset"
    assert at.error and "Could not write the spec" in at.error[0].value
    assert "API key" in at.error[0].value  # the reason itself
    assert not at.get("expandable")  # not folded away in a status box
    assert at.session_state["spec.history"] == []


def test_no_interrupted_jobs_box_when_there_are_none():
    at = app("3_generate.py", "anvil")
    assert not at.exception
    assert not any("Interrupted jobs" in e.label for e in at.expander)
    assert not any("every job finished" in c.value for c in at.caption)


def test_the_3d_view_is_first_and_pyvista_is_built_only_when_asked_for():
    at = app("3_generate.py", "oak barrel")
    at.button(key="generate.run").click().run()
    at = wait_for_job(at)
    kinds = [el.type for el in at.main]
    assert kinds.index("iframe") < kinds.index("flex_container")  # the viewer comes before the stats
    assert kinds.count("iframe") == 1  # only <model-viewer>: no PyVista scene yet
    assert "model-viewer" in at.get("iframe")[0].proto.srcdoc
    settings = next(e for e in at.expander if e.label.startswith("Generate again"))
    assert settings.selectbox(key="generate.backend")  # the form, folded below the result

    at.segmented_control(key="generate.viewer").set_value("pyvista").run()
    assert not at.exception and not at.error
    frames = at.get("iframe")
    assert len(frames) == 1 and "vtk" in frames[0].proto.srcdoc.lower()
    start = time.monotonic()
    at.run()  # the scene is cached: a rerun does not export it again
    assert time.monotonic() - start < 5


def test_two_assets_with_the_same_name_look_different_in_the_gallery(isolated_settings):
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    assets = isolated_settings / "assets"
    jobs = [Job.create(JobRequest("wooden cart", formats=["glb"], seed=s), asset_dir=assets) for s in (1, 2)]
    for job in jobs:
        run_to_completion(job)
    at = app("4_gallery.py")
    assert [t.value for t in at.text] == ["Wooden Cart", "Wooden Cart"]
    captions = [c.value for c in at.caption if "tris" in c.value]
    assert len(captions) == 2 and captions[0] != captions[1]
    for job in jobs:
        assert any(job.cp.asset_id.rsplit("-", 1)[-1] in c for c in captions)
