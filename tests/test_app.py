"""The Streamlit pages through streamlit.testing.v1.AppTest, each run inside Home.py's
st.navigation as a browser would run it; plus the whole wizard and its error paths."""

from __future__ import annotations

import io
import time

import pytest
from conftest import REPO
from streamlit.testing.v1 import AppTest

from core.spec.builtin import BuiltinSpecWriter

TIMEOUT = 120


def app(page: str | None = None, spec_text: str | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "Home.py"), default_timeout=TIMEOUT)
    if spec_text:
        at.session_state["spec.history"] = [BuiltinSpecWriter().write(spec_text).spec.model_dump(mode="json")]
        at.session_state["spec.index"] = 0
        at.session_state["spec.description"] = spec_text
    if page:
        at.switch_page(f"pages/{page}")
    return at.run()


def title(at: AppTest) -> str:
    return at.title[0].value


def current(at: AppTest) -> dict:
    return at.session_state["spec.history"][at.session_state["spec.index"]]


def rev_key(at: AppTest, prefix: str) -> str:
    """The key of a widget keyed by the spec revision (the parts table, the JSON text)."""
    from ui.state import revision_token

    return f"{prefix}.{revision_token(at.session_state['spec.index'], current(at))}"


def wait_for_job(at: AppTest, timeout: float = 60) -> AppTest:
    """Rerun the Generate page until its background job is no longer running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        if not any("queued" in p.text or ":" in p.text for p in at.get("progress")):
            break
        time.sleep(0.3)
    return at


def test_home_opens_on_describe_with_the_sidebar():
    at = app()
    assert not at.exception and title(at) == "Describe your asset"
    assert any("procedural" in m.value for m in at.sidebar.markdown)


def test_pages_without_a_spec_say_so_and_link_back():
    for page in ("2_review.py", "3_generate.py"):
        at = app(page)
        assert not at.exception and "describe your asset first" in at.info[0].value


def test_the_whole_wizard(isolated_settings):
    # 1. describe
    at = app()
    at.button(key="describe.example.0").click().run()
    assert at.session_state["describe.text"] == "magical healing potion"
    at.button(key="describe.submit").click().run()
    assert not at.exception and title(at) == "Review spec"
    assert current(at)["archetype"] == "potion"

    # 2. review: edit a dimension, then a part, undo and redo
    at.number_input(key="review.dim.height").set_value(0.4)
    at.button(key="FormSubmitter:review.overview-Apply").click().run()
    assert not at.exception and current(at)["dimensions"]["height"] == pytest.approx(0.4)
    assert at.session_state["spec.index"] == 1
    at.button(key="review.undo").click().run()
    assert current(at)["dimensions"]["height"] != pytest.approx(0.4)
    at.button(key="review.redo").click().run()
    assert current(at)["dimensions"]["height"] == pytest.approx(0.4)
    at.session_state[rev_key(at, "review.parts")] = {
        "edited_rows": {3: {"material": "glass"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="review.update_preview").click().run()
    assert not at.exception and current(at)["parts"][3]["material"] == "glass"

    # 3. generate in the background, then see the result
    at.button(key="review.continue").click().run()
    assert title(at) == "Generate"
    at.button(key="generate.run").click().run()
    job_id = at.session_state["generate.job_id"]
    assert job_id
    at = wait_for_job(at)
    assert not at.exception
    assert any("Done" in s.value for s in at.success), [e.value for e in at.error]
    assert {b.label for b in at.get("download_button")} >= {"glTF binary (.glb)", "Everything (.zip)"}

    # 4. the gallery lists it
    at.switch_page("pages/4_gallery.py").run()
    assert not at.exception
    assert any(t.value == "Magical Healing Potion" for t in at.text)


def test_generate_page_chooses_texture_size_and_collision(isolated_settings):
    """The Generate page offers the texture size and collision mesh (defaults: the
    TEXTURE_SIZE and COLLISION settings); the job records and makes what was chosen."""
    at = app("3_generate.py", "wooden crate")
    assert at.selectbox(key="generate.texture_size").value == 1024
    assert at.selectbox(key="generate.collision").value == "hull"
    at.selectbox(key="generate.texture_size").set_value(512).run()
    at.selectbox(key="generate.collision").set_value("none").run()
    at.button(key="generate.run").click().run()
    at = wait_for_job(at)
    assert not at.exception and any("Done" in s.value for s in at.success), [e.value for e in at.error]
    from core.jobs.checkpoint import Checkpoint

    (folder,) = (isolated_settings / "assets" / ".jobs").iterdir()
    cp = Checkpoint.load(folder)
    assert (cp.inputs.texture_size, cp.inputs.collision) == (512, "none")
    assert cp.steps["export"].info["collision"] == {"mode": "none", "pieces": 0}
    assert not (folder / "exports" / "collision.glb").exists()


def test_empty_description_shows_an_error_and_keeps_no_spec():
    at = app()
    at.button(key="describe.submit").click().run()
    assert not at.exception and "empty" in at.error[0].value
    assert at.session_state["spec.history"] == []


def test_invalid_dimension_is_shown_next_to_the_field_and_not_applied():
    at = app("2_review.py", "oak barrel")
    before = current(at)
    at.number_input(key="review.dim.height").set_value(-2.0)
    at.button(key="FormSubmitter:review.overview-Apply").click().run()
    assert not at.exception
    assert any("dimensions.height" in c.value for c in at.caption)
    assert current(at) == before and len(at.session_state["spec.history"]) == 1


def test_invalid_json_edit_keeps_the_spec():
    at = app("2_review.py", "oak barrel")
    at.text_area(key=rev_key(at, "review.json")).set_value('{"name": ')
    at.button(key="review.apply_json").click().run()
    assert not at.exception and any("Not valid JSON" in e.value for e in at.error)
    at.text_area(key=rev_key(at, "review.json")).set_value('{"name": "<script>alert(1)</script>"}')
    at.button(key="review.apply_json").click().run()
    assert not at.exception and any("Not applied" in e.value for e in at.error)
    assert len(at.session_state["spec.history"]) == 1


def test_html_in_names_is_rendered_as_text():
    at = app("2_review.py", "oak barrel")
    at.text_input(key="review.name").set_value("<b>Evil</b> <script>x</script>")
    at.button(key="FormSubmitter:review.overview-Apply").click().run()
    assert not at.exception
    assert current(at)["name"] == "<b>Evil</b> <script>x</script>"
    assert at.subheader[0].value == "<b>Evil</b> <script>x</script>"  # a text element, not HTML


def test_parts_table_edit_updates_the_spec():
    at = app("2_review.py", "oak barrel")
    before = current(at)["parts"][0]
    # what the browser sends after a cell edit: the data editor's edit delta
    at.session_state[rev_key(at, "review.parts")] = {
        "edited_rows": {0: {"size_y": 1.2, "name": "tall staves"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="review.update_preview").click().run()
    assert not at.exception
    part = current(at)["parts"][0]
    assert part["name"] == "tall staves" and part["size"][1] == pytest.approx(1.2)
    assert part["size"][0] == before["size"][0] and at.session_state["spec.index"] == 1


def test_non_numeric_or_empty_part_cells_are_rejected():
    at = app("2_review.py", "oak barrel")
    at.session_state[rev_key(at, "review.parts")] = {
        "edited_rows": {0: {"size_x": None}},
        "added_rows": [{"name": "x"}],
        "deleted_rows": [],
    }
    at.button(key="review.update_preview").click().run()
    assert not at.exception
    assert any("parts." in e.value for e in at.error)
    assert at.session_state["spec.index"] == 0


def test_reference_image_validation():
    from PIL import Image

    from core.errors import SpecError
    from core.images import validate_reference_image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buf, format="PNG")
    ref = validate_reference_image(buf.getvalue())
    assert (ref.width, ref.height, ref.source_format) == (64, 48, "PNG")
    for bad in (b"", b"not an image", buf.getvalue()[:40], b"x" * (11 * 1024 * 1024)):
        with pytest.raises(SpecError):
            validate_reference_image(bad)
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, format="PNG")  # tiny file, 400 Mpx
    with pytest.raises(SpecError):
        validate_reference_image(bomb.getvalue())


def test_cancelled_job_offers_resume(isolated_settings):
    from core.jobs.pipeline import Job
    from core.jobs.request import JobRequest
    from core.jobs.runner import EmbeddedRunner

    at = app("3_generate.py", "anvil")
    assets = isolated_settings / "assets"
    job = Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=assets)
    runner = EmbeddedRunner(max_workers=1)
    blocker = Job.create(JobRequest("castle tower", formats=["glb"]), asset_dir=assets)
    runner.submit(blocker)
    runner.submit(job)
    runner.cancel(job.job_id)
    runner.wait(job.job_id)
    at.session_state["generate.job_id"] = job.job_id
    at.run()
    assert not at.exception
    assert any("was cancelled" in w.value for w in at.warning)
    assert at.button(key="generate.resume")


def test_gallery_empty_state():
    at = app("4_gallery.py")
    assert not at.exception and "No assets yet" in at.info[0].value


def test_gallery_filters_view_and_delete(isolated_settings):
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    assets = isolated_settings / "assets"
    for text in ("oak barrel", "elvish sword", "anvil"):
        run_to_completion(Job.create(JobRequest(text, formats=["glb"]), asset_dir=assets))
    at = app("4_gallery.py")
    assert sum(t.value in ("Oak Barrel", "Elvish Sword", "Anvil") for t in at.text) == 3
    at.text_input(key="gallery.query").set_value("sword").run()
    assert [t.value for t in at.text] == ["Elvish Sword"]
    sword_id = next(d.name for d in assets.iterdir() if d.name.startswith("elvish-sword"))
    at.button(key=f"gallery.open.{sword_id}").click().run()
    assert not at.exception and at.subheader[0].value == "Elvish Sword"
    at.button(key="gallery.delete").click().run()
    assert not at.exception and not (assets / sword_id).exists()


def test_gallery_refresh_shows_an_asset_stored_by_another_process(isolated_settings):
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    at = app("4_gallery.py")
    assert "No assets yet" in at.info[0].value
    # stored behind the page's back (the CLI, another server): the cached listing does not know
    run_to_completion(
        Job.create(JobRequest("anvil", formats=["glb"]), asset_dir=isolated_settings / "assets")
    )
    at.button(key="gallery.refresh").click().run()
    assert not at.exception and [t.value for t in at.text] == ["Anvil"]


def test_describe_output_options_rule():
    from core.errors import SpecError
    from core.spec.output import with_output_options

    spec = BuiltinSpecWriter().write("oak barrel").spec
    out = with_output_options(spec, ["stl", "glb", "stl"], 1200)
    assert [f.value for f in out.technical.export_formats] == ["stl", "glb"]
    assert out.technical.target_polycount == 1200
    assert spec.technical.target_polycount != 1200  # the given spec is not modified
    kept = with_output_options(spec, [])
    assert [f.value for f in kept.technical.export_formats] == ["glb"]
    assert kept.technical.target_polycount == spec.technical.target_polycount
    for formats, polycount in ((["dwg"], None), (["glb"], 5)):
        with pytest.raises(SpecError):
            with_output_options(spec, formats, polycount)


def test_twenty_sessions_generate_at_once_without_cross_talk(isolated_settings):
    from ui.runtime import get_runner

    prompts = ["oak barrel", "anvil", "pine tree", "iron lantern", "tavern stool"] * 4
    sessions = []
    for i, text in enumerate(prompts):
        at = app("3_generate.py", text)
        at.session_state["generate.seed"] = i
        at.button(key="generate.run").click().run()
        sessions.append(at)
    job_ids = [at.session_state["generate.job_id"] for at in sessions]
    assert len(set(job_ids)) == 20
    runner = get_runner()
    for job_id in job_ids:
        snap = runner.wait(job_id, timeout=180)
        assert snap.status == "done", snap.error
    for at, text in zip(sessions, prompts, strict=True):
        at.run()
        assert not at.exception
        result = runner.snapshot(at.session_state["generate.job_id"]).result
        assert result.archetype == BuiltinSpecWriter().write(text).archetype
    gallery = app("4_gallery.py")
    assert "20 of 20 assets" in gallery.caption[0].value


def test_pages_with_the_s3_store(s3_env, isolated_settings):
    at = app("3_generate.py", "gemstone ring")
    at.button(key="generate.run").click().run()
    at = wait_for_job(at)
    assert not at.exception and any("Done" in s.value for s in at.success), [e.value for e in at.error] + [
        w.value for w in at.warning
    ]
    share = at.text_input(key="generate.share").value
    assert "X-Amz-Signature" in share
    gallery = app("4_gallery.py")
    assert any("s3://" in c.value for c in gallery.sidebar.caption), [
        c.value for c in gallery.sidebar.caption
    ]
    assert not gallery.exception and any(t.value == "Gemstone Ring" for t in gallery.text)


def test_gallery_says_when_the_store_is_down(s3_env, configure):
    from s3server import free_port

    configure(s3_endpoint_url=f"http://127.0.0.1:{free_port()}", s3_retry_window_s=0.5)
    at = app("4_gallery.py")
    assert not at.exception and "cannot be read" in at.error[0].value


def test_invalid_settings_are_reported_on_the_page(monkeypatch, settings_in_force):
    # Home.py is the entry point that reads the environment: a Settings cannot even be built
    monkeypatch.setenv("THUMBNAIL_SIZE", "5")
    settings_in_force.release()
    at = app()
    assert not at.exception and "thumbnail_size" in at.error[0].value


def _with_backend(at: AppTest, backend: str, fallbacks: list[str]) -> AppTest:
    at.selectbox(key="generate.backend").set_value(backend).run()
    at.multiselect(key="generate.fallbacks").set_value(fallbacks).run()
    return at


def test_generate_with_meshy_shows_cost_and_session_credits(meshy):
    import streamlit as st

    st.cache_data.clear()  # the backend list is cached; MESHY_API_KEY was just set
    at = _with_backend(app("3_generate.py", "iron shield"), "meshy", [])
    assert not at.exception and any("Meshy" in i.value and "credits" in i.value for i in at.info)
    at.button(key="generate.run").click().run()
    at = wait_for_job(at)
    assert not at.exception and any("Done" in s.value for s in at.success), [e.value for e in at.error]
    assert any("Made with **meshy**" in c.value and "30 meshy credits" in c.value for c in at.caption)
    assert at.session_state["credits.session"] == {"meshy": 30.0}  # the sidebar's "Credits this session"
    at = wait_for_job(at)  # counted once per job, however often the page reruns
    assert at.session_state["credits.session"] == {"meshy": 30.0}
    assert len(meshy.creates) == 2


def test_a_fallback_is_shown_never_silent(meshy):
    import streamlit as st
    from fake3d import Fault

    st.cache_data.clear()
    meshy.faults.append(Fault("create", 402))
    at = _with_backend(app("3_generate.py", "iron shield"), "meshy", ["procedural"])
    at.button(key="generate.run").click().run()
    at = wait_for_job(at)
    assert not at.exception and any("Done" in s.value for s in at.success), [e.value for e in at.error]
    assert any("meshy" in w.value and "credits" in w.value for w in at.warning)
    assert any("Made with **procedural**" in c.value for c in at.caption)


def test_generate_with_local_shap_e(shap_e):
    import streamlit as st

    st.cache_data.clear()  # the backend list is cached
    at = _with_backend(app("3_generate.py", "round stone orb"), "shap_e", [])
    assert not at.exception and any("Shap-E" in i.value and "CPU" in i.value for i in at.info)
    at.button(key="generate.run").click().run()
    at = wait_for_job(at)
    assert not at.exception and any("Done" in s.value for s in at.success), [e.value for e in at.error]
    assert any("Made with **shap_e**" in c.value for c in at.caption)


def test_review_offers_other_templates_and_a_library_search(isolated_settings):
    """Describe -> Review: "Not what you meant?" re-writes the spec with another candidate or a
    searched template; each pick is an undoable revision; formats chosen on Describe stay."""
    at = app()
    at.text_area(key="describe.text").set_value("a wooden lute with a painted rose")
    at.multiselect(key="describe.formats").set_value(["glb", "stl"])
    at.button(key="describe.submit").click().run()
    assert not at.exception and title(at) == "Review spec"
    cands = at.session_state["spec.candidates"]
    assert len(cands) == 3 and cands[0]["name"] == current(at)["archetype"]
    other = cands[1]["name"]
    at.button(key=f"review.alt.{other}").click().run()
    assert not at.exception and current(at)["archetype"] == other
    assert current(at)["technical"]["export_formats"] == ["glb", "stl"]
    assert at.session_state["spec.index"] == 1  # one more revision: undo goes back
    at.text_input(key="review.template_query").set_value("teapot").run()
    at.button(key="review.search.teapot").click().run()
    assert not at.exception and current(at)["archetype"] == "teapot"
    at.button(key="review.undo").click().run()
    assert current(at)["archetype"] == other


def test_describe_kind_and_variant_seed_reach_the_writer(isolated_settings):
    at = app()
    at.text_area(key="describe.text").set_value("a frobnicator")
    at.selectbox(key="describe.kind").set_value("instrument")
    at.number_input(key="describe.seed").set_value(5)
    at.button(key="describe.submit").click().run()
    assert not at.exception
    from core.spec.library import get_library

    assert get_library().templates[current(at)["archetype"]].family == "instrument"
    assert at.session_state["spec.seed"] == 5
    assert any("frobnicator" in w for w in at.session_state["spec.warnings"])


def test_procedural_seed_draws_a_variant_of_an_unedited_spec(isolated_settings):
    at = app()
    at.text_area(key="describe.text").set_value("wooden cart")
    at.button(key="describe.submit").click().run()
    at.switch_page("pages/3_generate.py").run()
    before = current(at)
    at.number_input(key="generate.seed").set_value(9)
    at.button(key="generate.run").click().run()
    after = current(at)
    assert not at.exception and after["archetype"] == "cart" and after != before
    assert at.session_state["spec.seed"] == 9
    wait_for_job(at)
    # an edited spec is never redrawn: the seed is then just recorded
    at.session_state["spec.written"] = None
    at.number_input(key="generate.seed").set_value(10)
    at.button(key="generate.run").click().run()
    assert current(at) == after
    wait_for_job(at)
