"""Editors for the Review page. Each returns an edited copy of the spec as a dict (JSON-able);
the page validates it and pushes it onto the edit history."""

from __future__ import annotations

import copy
import json
import math

import streamlit as st

from core.spec.model import AssetSpec, Category, Primitive, Rarity, Style

PART_COLUMNS = ["name", "primitive", "size_x", "size_y", "size_z", "pos_x", "pos_y", "pos_z",
                "rot_x", "rot_y", "rot_z", "material"]  # fmt: skip


def field_error(loc: str) -> None:
    """Show the validation message for ``loc`` (e.g. "dimensions.height") right here."""
    errors = st.session_state["review.errors"]
    for key, msg in errors.items():
        if key == loc or key.startswith(loc + "."):
            st.caption(f":red[⚠ {key}: {msg}]")


def overview_form(spec: AssetSpec) -> dict | None:
    data = spec.model_dump(mode="json")
    with st.form("review.overview"):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Name", spec.name, max_chars=80, key="review.name")
        field_error("name")
        category = c2.selectbox("Category", [c.value for c in Category],
                                index=[c.value for c in Category].index(spec.category.value), key="review.category")  # fmt: skip
        style = c3.selectbox("Style", [s.value for s in Style],
                             index=[s.value for s in Style].index(spec.style.value), key="review.style")  # fmt: skip
        short = st.text_input("Short description", spec.short_description, max_chars=300, key="review.short")
        field_error("short_description")
        d1, d2, d3 = st.columns(3)
        dims = {}
        for col, axis, label in ((d1, "width", "Width X (m)"), (d2, "height", "Height Y, up (m)"),
                                 (d3, "depth", "Depth Z (m)")):  # fmt: skip
            with col:
                dims[axis] = st.number_input(label, value=float(getattr(spec.dimensions, axis)), min_value=None,
                                             step=0.01, format="%.4f", key=f"review.dim.{axis}")  # fmt: skip
                field_error(f"dimensions.{axis}")
        t1, t2 = st.columns(2)
        poly = t1.number_input("Target polycount", value=spec.technical.target_polycount, step=100,
                               key="review.polycount")  # fmt: skip
        field_error("technical.target_polycount")
        lods = t2.number_input("LOD count", value=spec.technical.lod_count, step=1, key="review.lods")
        field_error("technical.lod_count")
        if not st.form_submit_button("Apply", type="primary"):
            return None
    data.update(name=name, category=category, style=style, short_description=short)
    data["dimensions"] = dims
    data["technical"].update(target_polycount=int(poly), lod_count=int(lods))
    return data


def materials_form(spec: AssetSpec) -> dict | None:
    data = spec.model_dump(mode="json")
    with st.form("review.materials"):
        for i, m in enumerate(data["materials"]):
            st.markdown(f"**{m['name']}**")
            c = st.columns([1, 2, 2, 1, 2])
            m["base_color"] = c[0].color_picker("Base colour", m["base_color"], key=f"review.mat.{i}.color")
            m["metallic"] = c[1].slider(
                "Metallic", 0.0, 1.0, float(m["metallic"]), key=f"review.mat.{i}.metallic"
            )
            m["roughness"] = c[2].slider(
                "Roughness", 0.0, 1.0, float(m["roughness"]), key=f"review.mat.{i}.rough"
            )
            m["emissive"] = c[3].color_picker("Emissive", m["emissive"], key=f"review.mat.{i}.emissive")
            m["opacity"] = c[4].slider(
                "Opacity", 0.0, 1.0, float(m["opacity"]), key=f"review.mat.{i}.opacity"
            )
            field_error(f"materials.{i}")
        if not st.form_submit_button("Apply materials", type="primary"):
            return None
    return data


def gameplay_form(spec: AssetSpec) -> dict | None:
    data = spec.model_dump(mode="json")
    g = data["gameplay"]
    with st.form("review.gameplay"):
        rarity = st.selectbox("Rarity", [r.value for r in Rarity],
                              index=[r.value for r in Rarity].index(g["rarity"]), key="review.rarity")  # fmt: skip
        stats = st.data_editor([{"stat": k, "value": v} for k, v in g["stats"].items()], num_rows="dynamic",
                               key="review.stats", width="stretch",
                               column_config={"value": st.column_config.NumberColumn("value")})  # fmt: skip
        field_error("gameplay.stats")
        effects = st.text_area("Effects (one per line)", "\n".join(g["effects"]), key="review.effects")
        lore = st.text_area("Lore", g["lore"], max_chars=2000, key="review.lore")
        tags = st.text_input("Tags (comma separated)", ", ".join(data["tags"]), key="review.tags")
        field_error("tags")
        if not st.form_submit_button("Apply gameplay", type="primary"):
            return None
    g["rarity"] = rarity
    g["stats"] = {str(r["stat"]).strip(): r["value"] for r in _rows(stats) if r.get("stat")}
    g["effects"] = [e.strip() for e in effects.splitlines() if e.strip()]
    g["lore"] = lore
    data["tags"] = [t.strip() for t in tags.split(",") if t.strip()]
    return data


def _rows(edited) -> list[dict]:
    if hasattr(edited, "to_dict"):
        return edited.to_dict("records")
    return list(edited)


def _num(value):
    """A table cell as float, or the raw value when it is not a finite number (so
    validation names the cell)."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return f if math.isfinite(f) else None


def parts_editor(spec: AssetSpec) -> dict | None:
    """The parts as an ``st.data_editor`` table; returns the edited spec on "Update preview"."""
    rows = [{"name": p.name, "primitive": p.primitive.value,
             "size_x": p.size[0], "size_y": p.size[1], "size_z": p.size[2],
             "pos_x": p.position[0], "pos_y": p.position[1], "pos_z": p.position[2],
             "rot_x": p.rotation[0], "rot_y": p.rotation[1], "rot_z": p.rotation[2],
             "material": p.material} for p in spec.parts]  # fmt: skip
    num = {c: st.column_config.NumberColumn(c, format="%.4f") for c in PART_COLUMNS[2:11]}
    edited = st.data_editor(
        rows, num_rows="dynamic", width="stretch", key=f"review.parts.{st.session_state['spec.index']}",
        column_order=PART_COLUMNS,
        column_config={
            "primitive": st.column_config.SelectboxColumn("primitive", options=[p.value for p in Primitive], required=True),
            "material": st.column_config.SelectboxColumn("material", options=[m.name for m in spec.materials], required=True),
            **num,
        },
    )  # fmt: skip
    field_error("parts")
    if not st.button("Update preview", type="primary", key="review.update_preview"):
        return None
    data = spec.model_dump(mode="json")
    data["parts"] = [
        {"name": r.get("name") or f"part_{i + 1}", "primitive": r.get("primitive"),
         "size": [_num(r.get(k)) for k in ("size_x", "size_y", "size_z")],
         "position": [_num(r.get(k)) for k in ("pos_x", "pos_y", "pos_z")],
         "rotation": [_num(r.get(k)) for k in ("rot_x", "rot_y", "rot_z")],
         "material": r.get("material")}
        for i, r in enumerate(_rows(edited))
    ]  # fmt: skip
    return data


def json_editor(spec: AssetSpec) -> dict | str | None:
    """Raw JSON for power users; returns the parsed dict, or the text if it is not JSON."""
    text = st.text_area("Spec JSON", json.dumps(spec.model_dump(mode="json"), indent=2), height=420,
                        key=f"review.json.{st.session_state['spec.index']}")  # fmt: skip
    if not st.button("Apply JSON", key="review.apply_json"):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        st.session_state["review.errors"] = {"json": f"line {e.lineno}, column {e.colno}: {e.msg}"}
        return copy.copy(text)


def edit_chat(spec: AssetSpec) -> None:
    """Ask for a change in words; see the diff; apply (joins undo history) or reject."""
    from core.errors import WorkbenchError
    from core.spec.edits import get_editor
    from core.spec.io import parse_spec
    from ui.state import push_spec

    st.markdown("**Ask for a change**")
    c1, c2, c3 = st.columns([4, 2, 2])
    c1.text_input("Instruction", key="review.chat", label_visibility="collapsed",
                  placeholder='e.g. "make it taller", "gold blade, shorter handle", "remove the crest"')  # fmt: skip
    c2.selectbox("Editor", ["builtin", "litellm"], key="review.editor", label_visibility="collapsed")
    if c3.button("Propose", key="review.propose", width="stretch"):
        try:
            proposal = get_editor(st.session_state["review.editor"]).propose(
                spec, st.session_state["review.chat"]
            )
            st.session_state["review.proposal"] = {
                "instruction": proposal.instruction, "changes": proposal.changes,
                "spec": proposal.spec.model_dump(mode="json"), "base": spec.model_dump(mode="json"),
            }  # fmt: skip
        except WorkbenchError as e:
            st.session_state["review.proposal"] = None
            st.error(str(e))
    proposal = st.session_state.get("review.proposal")
    if not proposal:
        return
    if proposal["base"] != spec.model_dump(mode="json"):  # the spec changed since: stale
        st.session_state["review.proposal"] = None
        return
    with st.container(border=True):
        st.caption(f"Proposed for “{proposal['instruction']}”:")
        st.text("\n".join(proposal["changes"]))
        a, r = st.columns(2)
        if a.button("Apply", type="primary", key="review.proposal.apply", width="stretch"):
            push_spec(parse_spec(proposal["spec"]))
            st.session_state["review.proposal"] = None
            st.rerun()
        if r.button("Reject", key="review.proposal.reject", width="stretch"):
            st.session_state["review.proposal"] = None
            st.rerun()
