"""The Streamlit pages through streamlit.testing.v1.AppTest (real script runs, no browser)."""

from __future__ import annotations

from conftest import REPO
from streamlit.testing.v1 import AppTest

TIMEOUT = 120


class Page:
    """Runs ``pages/<name>`` inside Home.py's st.navigation, as a browser would."""

    def __init__(self, name: str) -> None:
        self.at = AppTest.from_file(str(REPO / "Home.py"), default_timeout=TIMEOUT)
        self.name = name

    def run(self) -> AppTest:
        return self.at.switch_page(f"pages/{self.name}").run()


def page(name: str) -> Page:
    return Page(name)


def test_home_runs_and_lists_the_pages():
    at = AppTest.from_file(str(REPO / "Home.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Describe your asset"


def test_describe_writes_a_spec_into_session_state():
    at = page("1_describe.py").run()
    at.text_area(key="describe.text").set_value("dwarven battle axe")
    at.button(key="describe.submit").click().run()
    assert not at.exception
    assert at.session_state["spec.json"]["archetype"] == "axe"
    assert at.title[0].value == "Review spec"  # moved on to the next step


def test_describe_shows_the_error_for_an_empty_description():
    at = page("1_describe.py").run()
    at.button(key="describe.submit").click().run()
    assert not at.exception and "empty" in at.error[0].value
    assert at.session_state["spec.json"] is None


def test_review_and_generate_say_what_is_missing_without_a_spec():
    for name in ("2_review.py", "3_generate.py"):
        at = page(name).run()
        assert not at.exception and "describe your asset first" in at.info[0].value


def _with_spec(name: str, text: str = "oak barrel") -> AppTest:
    from core.spec.builtin import BuiltinSpecWriter

    p = page(name)
    p.at.session_state["spec.json"] = BuiltinSpecWriter().write(text).spec.model_dump(mode="json")
    return p.run()


def test_review_rejects_bad_json_and_keeps_the_spec():
    at = _with_spec("2_review.py")
    before = at.session_state["spec.json"]
    at.text_area(key="review.json").set_value('{"name": ""}')
    at.button(key="review.apply").click().run()
    assert not at.exception and at.error and at.session_state["spec.json"] == before


def test_generate_runs_a_job_and_offers_downloads():
    at = _with_spec("3_generate.py", "anvil")
    at.button(key="generate.run").click().run()
    assert not at.exception
    result = at.session_state["generate.result"]
    assert result["status"] == "done" and result["archetype"] == "anvil"
    gallery = page("4_gallery.py").run()
    assert not gallery.exception
    assert any("Anvil" in m.value for m in gallery.markdown)


def test_gallery_empty_state():
    at = page("4_gallery.py").run()
    assert not at.exception and "No assets yet" in at.info[0].value
