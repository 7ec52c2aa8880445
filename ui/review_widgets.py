"""Editors for the Review page. Each returns an edited copy of the spec as a dict (JSON-able);
the page validates it and pushes it onto the edit history.

The forms always show the current revision of the spec: :func:`sync_forms` refills their
widgets (through session state, keys stay stable) whenever the revision changes (an applied
edit, a chat edit, undo / redo, a regenerated spec). Apply then changes only the fields whose
widget value differs from what the form showed, so renaming never writes back an old height.
Tables and the JSON text cannot be refilled; they are keyed by the revision instead.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from core.spec.model import AssetSpec, Category, Primitive, Rarity, Style
from ui.state import spec_revision

PART_COLUMNS = [
    "name",
    "primitive",
    "size_x",
    "size_y",
    "size_z",
    "pos_x",
    "pos_y",
    "pos_z",
    "rot_x",
    "rot_y",
    "rot_z",
    "material",
]
AXES = ("width", "height", "depth")
DIM_TOLERANCE = 0.5e-4  # the dimension fields show 4 decimals: a retyped 0.5750 is no change


def _same(value):
    return value


@dataclass(frozen=True)
class FormField:
    """One form widget: its session-state key, where its value lives in the spec dict, and how
    the value is shown in the widget (``show``) and read back from it (``read``)."""

    key: str
    path: tuple
    show: Callable = _same
    read: Callable = _same
    tolerance: float = 0.0


def _lines(items: list[str]) -> str:
    return "\n".join(items)


def _from_lines(text: str) -> list[str]:
    return [e.strip() for e in text.splitlines() if e.strip()]


def _commas(items: list[str]) -> str:
    return ", ".join(items)


def _from_commas(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _lower(text: str) -> str:
    return str(text).lower()


def overview_fields(data: dict) -> list[FormField]:
    return [
        FormField("review.name", ("name",)),
        FormField("review.category", ("category",)),
        FormField("review.style", ("style",)),
        FormField("review.short", ("short_description",)),
        *(FormField(f"review.dim.{a}", ("dimensions", a), float, float, DIM_TOLERANCE) for a in AXES),
        FormField("review.polycount", ("technical", "target_polycount"), int, int),
        FormField("review.lods", ("technical", "lod_count"), int, int),
    ]


def material_fields(data: dict) -> list[FormField]:
    fields = []
    for i, _ in enumerate(data["materials"]):
        fields += [
            FormField(f"review.mat.{i}.color", ("materials", i, "base_color"), _lower),
            FormField(f"review.mat.{i}.metallic", ("materials", i, "metallic"), float, float),
            FormField(f"review.mat.{i}.rough", ("materials", i, "roughness"), float, float),
            FormField(f"review.mat.{i}.emissive", ("materials", i, "emissive"), _lower),
            FormField(f"review.mat.{i}.opacity", ("materials", i, "opacity"), float, float),
        ]
    return fields


def gameplay_fields(data: dict) -> list[FormField]:
    return [
        FormField("review.rarity", ("gameplay", "rarity")),
        FormField("review.effects", ("gameplay", "effects"), _lines, _from_lines),
        FormField("review.lore", ("gameplay", "lore")),
        FormField("review.tags", ("tags",), _commas, _from_commas),
    ]


def _get(data, path: tuple):
    for step in path:
        data = data[step]
    return data


def _put(data, path: tuple, value) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def sync_forms(spec: AssetSpec) -> None:
    """Fill every form widget with the current revision of ``spec`` when the revision changed
    since the forms were last filled (or a widget's state is gone, e.g. after visiting another
    page). Call before any form is drawn; unapplied typing survives reruns of one revision."""
    data = spec.model_dump(mode="json")
    rev = spec_revision()
    changed = st.session_state["review.form_rev"] != rev
    shown = st.session_state["review.form_shown"]
    for f in overview_fields(data) + material_fields(data) + gameplay_fields(data):
        if changed or f.key not in st.session_state:
            value = f.show(_get(data, f.path))
            st.session_state[f.key] = value
            shown[f.key] = value
    st.session_state["review.form_rev"] = rev


def _differs(new, old, tolerance: float) -> bool:
    if tolerance and isinstance(new, (int, float)) and isinstance(old, (int, float)):
        return not abs(new - old) <= tolerance  # NaN differs
    return new != old


def apply_changed(data: dict, fields: list[FormField]) -> dict:
    """``data`` (the current spec as a dict) with only the fields the user changed in the
    form: each widget's value is compared with what the form showed."""
    shown = st.session_state["review.form_shown"]
    for f in fields:
        if f.key in st.session_state and _differs(st.session_state[f.key], shown.get(f.key), f.tolerance):
            _put(data, f.path, f.read(st.session_state[f.key]))
    return data


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
        c1.text_input("Name", max_chars=80, key="review.name")
        field_error("name")
        c2.selectbox("Category", [c.value for c in Category], key="review.category")
        c3.selectbox("Style", [s.value for s in Style], key="review.style")
        st.text_input("Short description", max_chars=300, key="review.short")
        field_error("short_description")
        labels = {"width": "Width X (m)", "height": "Height Y, up (m)", "depth": "Depth Z (m)"}
        for col, axis in zip(st.columns(3), AXES, strict=True):
            with col:
                st.number_input(
                    labels[axis], min_value=None, step=0.01, format="%.4f", key=f"review.dim.{axis}"
                )
                field_error(f"dimensions.{axis}")
        t1, t2 = st.columns(2)
        t1.number_input("Target polycount", step=100, key="review.polycount")
        field_error("technical.target_polycount")
        t2.number_input("LOD count", step=1, key="review.lods")
        field_error("technical.lod_count")
        if not st.form_submit_button("Apply", type="primary"):
            return None
    return apply_changed(data, overview_fields(data))


def materials_form(spec: AssetSpec) -> dict | None:
    data = spec.model_dump(mode="json")
    with st.form("review.materials"):
        for i, m in enumerate(data["materials"]):
            st.markdown(f"**{m['name']}**")
            c = st.columns([1, 2, 2, 1, 2])
            c[0].color_picker("Base colour", key=f"review.mat.{i}.color")
            c[1].slider("Metallic", 0.0, 1.0, key=f"review.mat.{i}.metallic")
            c[2].slider("Roughness", 0.0, 1.0, key=f"review.mat.{i}.rough")
            c[3].color_picker("Emissive", key=f"review.mat.{i}.emissive")
            c[4].slider("Opacity", 0.0, 1.0, key=f"review.mat.{i}.opacity")
            field_error(f"materials.{i}")
        if not st.form_submit_button("Apply materials", type="primary"):
            return None
    return apply_changed(data, material_fields(data))


def gameplay_form(spec: AssetSpec) -> dict | None:
    data = spec.model_dump(mode="json")
    g = data["gameplay"]
    with st.form("review.gameplay"):
        st.selectbox("Rarity", [r.value for r in Rarity], key="review.rarity")
        stats = st.data_editor(
            [{"stat": k, "value": v} for k, v in g["stats"].items()],
            num_rows="dynamic",
            key=f"review.stats.{spec_revision()}",
            width="stretch",
            column_config={"value": st.column_config.NumberColumn("value")},
        )
        field_error("gameplay.stats")
        st.text_area("Effects (one per line)", key="review.effects")
        st.text_area("Lore", max_chars=2000, key="review.lore")
        st.text_input("Tags (comma separated)", key="review.tags")
        field_error("tags")
        if not st.form_submit_button("Apply gameplay", type="primary"):
            return None
    new_stats = {str(r["stat"]).strip(): r["value"] for r in _rows(stats) if r.get("stat")}
    if new_stats != g["stats"]:
        g["stats"] = new_stats
    return apply_changed(data, gameplay_fields(data))


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


def parts_key() -> str:
    """The parts table's key: one per spec revision, so the table never shows an old one."""
    return f"review.parts.{spec_revision()}"


def parts_editor(spec: AssetSpec) -> dict | None:
    """The parts as an ``st.data_editor`` table; returns the edited spec on "Update preview".

    Drawn at full width with narrow number columns, so size, position, rotation and material
    are all visible without scrolling sideways."""
    rows = [
        {
            "name": p.name,
            "primitive": p.primitive.value,
            "size_x": p.size[0],
            "size_y": p.size[1],
            "size_z": p.size[2],
            "pos_x": p.position[0],
            "pos_y": p.position[1],
            "pos_z": p.position[2],
            "rot_x": p.rotation[0],
            "rot_y": p.rotation[1],
            "rot_z": p.rotation[2],
            "material": p.material,
        }
        for p in spec.parts
    ]
    # compact headers (sx = size along x, ...; the tooltip says it in full) and narrow number
    # columns: every column fits a 1280-pixel window with the sidebar open
    kinds = {
        "size": ("s", "Size (m)", "%.3f", 58),
        "pos": ("p", "Position (m)", "%.3f", 58),
        "rot": ("r", "Rotation (degrees)", "%.1f", 54),
    }
    num = {}
    for c in PART_COLUMNS[2:11]:
        short, what, fmt, width = kinds[c[:-2]]
        num[c] = st.column_config.NumberColumn(
            short + c[-1],
            format=fmt,
            width=width,
            help=f"{what} along {c[-1].upper()}",
        )
    edited = st.data_editor(
        rows,
        num_rows="dynamic",
        width="stretch",
        key=parts_key(),
        column_order=PART_COLUMNS,
        column_config={
            "name": st.column_config.TextColumn("name", width=104),
            "primitive": st.column_config.SelectboxColumn(
                "primitive", options=[p.value for p in Primitive], required=True, width=80
            ),
            "material": st.column_config.SelectboxColumn(
                "material", options=[m.name for m in spec.materials], required=True, width=84
            ),
            **num,
        },
    )
    field_error("parts")
    if not st.button("Update preview", type="primary", key="review.update_preview"):
        return None
    data = spec.model_dump(mode="json")
    data["parts"] = [
        {
            "name": r.get("name") or f"part_{i + 1}",
            "primitive": r.get("primitive"),
            "size": [_num(r.get(k)) for k in ("size_x", "size_y", "size_z")],
            "position": [_num(r.get(k)) for k in ("pos_x", "pos_y", "pos_z")],
            "rotation": [_num(r.get(k)) for k in ("rot_x", "rot_y", "rot_z")],
            "material": r.get("material"),
        }
        for i, r in enumerate(_rows(edited))
    ]
    return data


def json_key() -> str:
    return f"review.json.{spec_revision()}"


def json_editor(spec: AssetSpec) -> dict | str | None:
    """Raw JSON for power users; returns the parsed dict, or the text if it is not JSON."""
    text = st.text_area(
        "Spec JSON", json.dumps(spec.model_dump(mode="json"), indent=2), height=420, key=json_key()
    )
    if not st.button("Apply JSON", key="review.apply_json"):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        st.session_state["review.errors"] = {"json": f"line {e.lineno}, column {e.colno}: {e.msg}"}
        return copy.copy(text)


def _apply_proposal() -> None:
    """Apply button callback: push the proposed spec and empty the change box (a widget's
    key can only be set before the widget is drawn, hence a callback)."""
    from core.spec.io import parse_spec
    from ui.state import push_spec

    proposal = st.session_state.get("review.proposal")
    if proposal:
        push_spec(parse_spec(proposal["spec"]))
    st.session_state["review.proposal"] = None
    st.session_state["review.chat"] = ""


def _reject_proposal() -> None:
    st.session_state["review.proposal"] = None


def edit_chat(spec: AssetSpec) -> None:
    """Ask for a change in words; see the diff; apply (joins undo history) or reject."""
    from core.errors import WorkbenchError
    from core.spec.edits import EDITORS, get_editor
    from ui.state import app_settings

    st.markdown("**Ask for a change**")
    c1, c2, c3 = st.columns([4, 2, 2])
    c1.text_input(
        "Instruction",
        key="review.chat",
        label_visibility="collapsed",
        placeholder='e.g. "make it taller", "gold blade, shorter handle", "remove the crest"',
    )
    c2.selectbox("Editor", EDITORS.names(), key="review.editor", label_visibility="collapsed")
    if c3.button("Propose", key="review.propose", width="stretch"):
        try:
            proposal = get_editor(st.session_state["review.editor"], settings=app_settings()).propose(
                spec, st.session_state["review.chat"]
            )
            st.session_state["review.proposal"] = {
                "instruction": proposal.instruction,
                "changes": proposal.changes,
                "spec": proposal.spec.model_dump(mode="json"),
                "base": spec.model_dump(mode="json"),
            }
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
        a.button(
            "Apply", type="primary", key="review.proposal.apply", width="stretch", on_click=_apply_proposal
        )
        r.button("Reject", key="review.proposal.reject", width="stretch", on_click=_reject_proposal)
