"""Step 4: every stored asset, newest first, with its thumbnail and downloads."""

import streamlit as st

from core.storage import open_store
from ui.state import init_state

init_state()
st.title("Gallery")
store = open_store()
assets = store.list_assets()
query = st.text_input("Filter", key="gallery.query", placeholder="name, archetype or tag")
if query:
    q = query.lower()
    assets = [a for a in assets if q in (a["name"] + a["archetype"] + " ".join(a.get("tags", []))).lower()]
if not assets:
    st.info("No assets yet. Generate one and it will appear here.")
    st.page_link("pages/1_describe.py", label="Describe an asset", icon="✍️")
    st.stop()

cols = st.columns(4)
for i, meta in enumerate(assets[:48]):
    with cols[i % 4]:
        st.image(str(store.local_path(meta["asset_id"], "thumbnail.png")), use_container_width=True)
        st.markdown(f"**{meta['name']}**  \n`{meta['archetype']}` · {meta['stats']['faces']:,} tris")
        glb = meta["formats"].get("glb")
        if glb:
            st.download_button("GLB", store.local_path(meta["asset_id"], glb).read_bytes(),
                               file_name=f"{meta['asset_id']}.glb", mime="model/gltf-binary",
                               key=f"gallery.glb.{meta['asset_id']}")  # fmt: skip
