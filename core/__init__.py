"""3D Asset Workbench core: description -> spec -> 3D model -> exports, with no Streamlit.

Importing ``core`` is cheap: heavy libraries (trimesh, litellm, pyvista, torch) are imported
by the modules that use them, when they are used.
"""

import os

# LiteLLM fetches its model cost map from the network at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
