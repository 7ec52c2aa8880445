"""Concept images through litellm.image_generation against a loopback OpenAI-compatible server."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from core.concept import availability, concept_prompt, generate_concepts
from core.errors import LLMError, SpecError
from core.spec.builtin import BuiltinSpecWriter

POTION = BuiltinSpecWriter().write("magical healing potion").spec


def png_b64(colour: str = "red", size=(64, 64)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_prompt_is_rendered_from_the_spec():
    prompt = concept_prompt(POTION)
    tall = f"{POTION.dimensions.height:.2f} m tall"
    assert "Magical Healing Potion" in prompt and tall in prompt and "liquid" in prompt


def test_candidates_are_validated_cached_and_returned(fake_llm, configure):
    configure(image_model="openai/test-image")
    fake_llm.image_script = [
        (200, [png_b64("red"), base64.b64encode(b"not an image").decode(), png_b64("blue")])
    ]
    result = generate_concepts(POTION, count=3)
    assert len(result.images) == 2 and len(result.rejected) == 1 and not result.cached
    assert all(img[:8] == b"\x89PNG\r\n\x1a\n" for img in result.images)
    request = fake_llm.requests[-1]
    assert request["n"] == 3 and "Magical Healing Potion" in request["prompt"]
    again = generate_concepts(POTION, count=3)
    assert again.cached and again.images == result.images and len(fake_llm.requests) == 1


def test_provider_errors_and_empty_results(fake_llm, configure):
    configure(image_model="openai/test-image", llm_retries=0)
    fake_llm.image_script = [(500, None)]
    with pytest.raises(LLMError, match="failed"):
        generate_concepts(POTION, count=1)
    fake_llm.image_script = [(200, [base64.b64encode(b"junk").decode()])]
    with pytest.raises(LLMError, match="no usable image"):
        generate_concepts(POTION, count=1)
    with pytest.raises(SpecError):
        generate_concepts(POTION, count=9)


def test_without_a_provider_the_step_says_why():
    avail = availability()
    assert not avail.ok and "image provider" in avail.reason


def test_settings_passed_in_are_the_ones_used():
    from core.config import Settings

    assert availability(Settings(llm_api_base="http://127.0.0.1:9")).ok  # not the settings in force
    assert not availability().ok


def test_generate_page_picks_a_concept_as_the_reference_image(fake_llm, configure, isolated_settings):
    from conftest import REPO
    from streamlit.testing.v1 import AppTest

    configure(image_model="openai/test-image")
    fake_llm.image_script = [(200, [png_b64("red"), png_b64("green")])]
    at = AppTest.from_file(str(REPO / "Home.py"), default_timeout=120)
    at.session_state["spec.history"] = [POTION.model_dump(mode="json")]
    at.session_state["spec.index"] = 0
    at.switch_page("pages/3_generate.py").run()
    at.button(key="generate.concepts_run").click().run()
    assert not at.exception and len(at.session_state["generate.concepts"]) == 2
    at.button(key="generate.concept.use.1").click().run()
    assert at.session_state["describe.reference"] == at.session_state["generate.concepts"][1]
    at.button(key="generate.run").click().run()
    from ui.runtime import get_runner

    snap = get_runner().wait(at.session_state["generate.job_id"], timeout=120)
    assert snap.status == "done"
    asset = isolated_settings / "assets" / snap.asset_id
    assert (asset / "reference.png").read_bytes() == at.session_state["describe.reference"]


def test_a_chosen_concept_image_drives_image_to_3d(fake_llm, meshy, configure, isolated_settings):
    import base64

    import streamlit as st
    from conftest import REPO
    from streamlit.testing.v1 import AppTest

    configure(image_model="openai/test-image")
    st.cache_data.clear()  # the backend list is cached; MESHY_API_KEY was just set
    fake_llm.image_script = [(200, [png_b64("red"), png_b64("blue")])]
    at = AppTest.from_file(str(REPO / "Home.py"), default_timeout=120)
    at.session_state["spec.history"] = [POTION.model_dump(mode="json")]
    at.session_state["spec.index"] = 0
    at.switch_page("pages/3_generate.py").run()
    at.button(key="generate.concepts_run").click().run()
    at.button(key="generate.concept.use.1").click().run()
    at.selectbox(key="generate.backend").set_value("meshy").run()
    assert any("image-to-3D from your reference image" in i.value for i in at.info)
    at.button(key="generate.run").click().run()
    from ui.runtime import get_runner

    snap = get_runner().wait(at.session_state["generate.job_id"], timeout=120)
    assert snap.status == "done", snap.error
    (create,) = meshy.creates  # one image-to-3D task, no text preview / refine
    assert create["kind"] == "image"
    sent = base64.b64decode(create["body"]["image_url"].split(",", 1)[1])
    assert sent == (isolated_settings / "assets" / snap.asset_id / "reference.png").read_bytes()
