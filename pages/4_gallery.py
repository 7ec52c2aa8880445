"""Step 4: every stored asset: search, filter, sort, page through, open, re-edit, delete."""

import math

import streamlit as st

from core.assets import SORTS, delete_asset, filter_assets, load_stored_spec
from core.errors import WorkbenchError
from core.jobs.results import asset_result
from ui.results import show_result
from ui.runtime import forget_listing, get_store, list_assets_cached
from ui.state import app_settings, init_state, push_spec

PAGE_SIZE = 24


def short_id(asset_id: str) -> str:
    """The job part of an asset id (``elvish-sword-3f9a2c1d`` -> ``3f9a2c1d``)."""
    return asset_id.rsplit("-", 1)[-1]


init_state()
settings = app_settings()
head, refresh = st.columns([5, 1], vertical_alignment="bottom")
head.title("Gallery")
if refresh.button("Refresh", key="gallery.refresh", icon=":material/refresh:", width="stretch"):
    forget_listing(store_too=True)  # assets stored elsewhere show at once, not after the TTLs
store, asset_dir = get_store(), settings.asset_dir
try:
    assets = list_assets_cached(store.location())
except WorkbenchError as e:
    st.error(f"The asset store cannot be read: {e}")
    st.stop()


def show_asset(meta: dict) -> None:
    """One stored asset: its result, its spec, "Edit spec" and "Delete"."""
    if st.button("← Back to the gallery", key="gallery.back"):
        st.session_state["gallery.open"] = None
        st.rerun()
    st.subheader(meta["name"])
    st.caption(
        f"{meta['category']} · {meta['backend']} · {meta['created_at'][:19].replace('T', ' ')} UTC · "
        f"`{meta['asset_id']}`"
    )
    try:
        show_result(asset_result(store, meta), key="gallery")
        spec = load_stored_spec(store, meta["asset_id"])
    except WorkbenchError as e:
        spec = None
        st.error(f"This asset cannot be read: {e}")  # it can still be deleted
    if spec is not None:
        with st.expander("Spec"):
            st.json(spec.model_dump(mode="json"), expanded=False)
    c1, c2 = st.columns(2)
    if c1.button("Edit spec → new version", key="gallery.edit", width="stretch", disabled=spec is None):
        push_spec(spec)  # the stored asset stays; generating makes a new one
        st.session_state["spec.description"] = meta.get("description", spec.short_description)
        st.session_state["spec.warnings"] = []
        st.switch_page("pages/2_review.py")
    with c2.popover("Delete…", width="stretch"):
        st.write(f"Delete **{meta['name']}** and all its files? This cannot be undone.")
        if st.button("Yes, delete", type="primary", key="gallery.delete"):
            delete_asset(store, asset_dir, meta)
            forget_listing()
            st.session_state["gallery.open"] = None
            st.rerun()


opened = st.session_state["gallery.open"]
if opened:
    meta = next((m for m in assets if m["asset_id"] == opened), None)
    if meta is None:
        st.session_state["gallery.open"] = None
        st.rerun()
    show_asset(meta)
    st.stop()

if not assets:
    st.info("No assets yet. Generate one and it will appear here.")
    st.page_link("pages/1_describe.py", label="Describe an asset", icon=":material/edit_note:")
    st.stop()

f = st.columns([3, 2, 2, 2, 1.5])
text = f[0].text_input("Search", key="gallery.query", placeholder="name, description, archetype, tag")
cats = f[1].multiselect("Category", sorted({m["category"] for m in assets}), key="gallery.categories")
tags = f[2].multiselect("Tag", sorted({t for m in assets for t in m.get("tags", [])}), key="gallery.tags")
backs = f[3].multiselect("Backend", sorted({m["backend"] for m in assets}), key="gallery.backends")
sort = f[4].selectbox("Sort", list(SORTS), key="gallery.sort")
shown = filter_assets(assets, text, cats, tags, backs, sort)
pages = max(1, math.ceil(len(shown) / PAGE_SIZE))
page = min(st.session_state["gallery.page"], pages)
st.session_state["gallery.page"] = page
st.caption(f"{len(shown)} of {len(assets)} assets · page {page} of {pages}")

cols = st.columns(4)
for i, meta in enumerate(shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]):
    with cols[i % 4], st.container(border=True):
        thumb_sha = meta.get("files", {}).get("thumbnail.png", {}).get("sha256")
        st.image(str(store.local_path(meta["asset_id"], "thumbnail.png", thumb_sha)), width="stretch")
        st.text(meta["name"])  # plain text: names are never rendered as HTML or markdown
        # time and short id too: two assets of the same name (versions) must look different
        st.caption(
            f"{meta['category']} · {meta['backend']} · {meta['stats']['faces']:,} tris  \n"
            f"{meta['created_at'][:16].replace('T', ' ')} UTC · `{short_id(meta['asset_id'])}`"
        )
        if st.button("View", key=f"gallery.open.{meta['asset_id']}", width="stretch"):
            st.session_state["gallery.open"] = meta["asset_id"]
            st.rerun()

if pages > 1:
    st.number_input("Page", min_value=1, max_value=pages, key="gallery.page")
