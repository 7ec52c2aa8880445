"""Procedural PBR materials: tileable textures per material kind (wood, metal, stone, …),
made from library noise (FastNoiseLite), baked to glTF maps and cached on disk.

- :mod:`core.materials.noise`: tileable fractal and cellular noise fields;
- :mod:`core.materials.surface`: one recipe per pattern (height, colour, roughness, metallic);
- :mod:`core.materials.maps`: base colour (sRGB), normal (+Y up), ORM and emissive maps;
- :mod:`core.materials.kinds`: the kind table (``kinds.toml``) and how a material's kind is found;
- :mod:`core.materials.textures`: the cached texture set of one material.
"""
