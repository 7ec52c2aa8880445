"""The Review page's "Not what you meant?": the writer's other candidates, and a search over the
whole template library; picking one re-writes the spec from the same description."""

from __future__ import annotations

import streamlit as st

from core.errors import WorkbenchError


def write_spec(description: str, *, template: str | None = None, seed: int = 0):
    """Built-in writer result for ``description`` with the Describe page's style and kind."""
    from core.spec.builtin import BuiltinSpecWriter
    from ui.state import app_settings

    ss = st.session_state  # not the Describe widgets' keys: Streamlit drops those on other pages
    return BuiltinSpecWriter(settings=app_settings()).write(
        description, style=ss["spec.style"], seed=seed, template=template, family=ss["spec.kind"]
    )


def remember(result, keep=None) -> None:
    """Push ``result``'s spec (keeping ``keep``'s formats and polycount) and its candidates."""
    from core.spec.output import with_output_options
    from ui.state import push_spec

    ss = st.session_state
    spec = result.spec
    if keep is not None:
        tech = keep.technical
        spec = with_output_options(spec, [f.value for f in tech.export_formats], tech.target_polycount)
    push_spec(spec)
    ss["spec.archetype"] = result.archetype
    ss["spec.candidates"] = [c.as_dict() for c in result.candidates]
    ss["spec.seed"] = result.seed
    ss["spec.written"] = spec.model_dump(mode="json")
    ss["spec.warnings"] = list(result.warnings)


def use_template(name: str) -> None:
    """Button callback: the same description, written with template ``name``."""
    from ui.state import current_spec

    ss = st.session_state
    spec = current_spec()
    try:
        result = write_spec(
            ss["spec.description"] or spec.short_description, template=name, seed=ss["spec.seed"]
        )
    except WorkbenchError as e:
        ss["review.errors"] = {"template": str(e)}
        return
    remember(result, keep=spec)


def not_what_you_meant(spec) -> None:
    """Buttons for the other candidates and a library search box."""
    ss = st.session_state
    others = [c for c in ss["spec.candidates"] if c["name"] != spec.archetype]
    with st.container(border=True):
        cols = st.columns([2, *([1] * max(len(others), 1))])
        cols[0].markdown(f"Made as **{spec.archetype.replace('_', ' ')}**. Not what you meant?")
        for col, c in zip(cols[1:], others, strict=False):
            col.button(
                c["name"].replace("_", " "),
                key=f"review.alt.{c['name']}",
                on_click=use_template,
                args=(c["name"],),
                help=f"{c['family']} · score {c['score']:.2f} · {c['why']}",
                width="stretch",
            )
        query = st.text_input(
            "Search the template library",
            key="review.template_query",
            placeholder="Search the template library: guitar, boat, dog, lamp…",
            label_visibility="collapsed",
        )
        if query.strip():
            from core.spec.library import get_library
            from ui.state import app_settings

            hits = get_library(settings=app_settings()).search(query.strip()[:60], limit=8)
            if not hits:
                st.caption("No template matches; try a more common word.")
            hit_cols = st.columns(4)
            for i, t in enumerate(hits):
                hit_cols[i % 4].button(
                    t.name.replace("_", " "),
                    key=f"review.search.{t.name}",
                    on_click=use_template,
                    args=(t.name,),
                    help=t.tpl.summary,
                    width="stretch",
                )
