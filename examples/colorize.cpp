// colorize — black-and-white photo to colour with a pix2pix Lab colorizer (pix2pix_unet, input_nc 1, output_nc 2;
// e.g. the pytorch-CycleGAN-and-pix2pix "colorization" model converted with tools/convert_pth.py). The network
// sees only the lightness L and predicts the two chroma channels ab; L is kept, so the result has exactly the
// input's lightness. This model type does not fit the generic Pipeline (2 output channels, Lab in and out), so the
// pre/post-processing is spelled out here — it is the code to copy for any Lab colorizer.
//
//   colorize MODEL.safetensors IN OUT
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>

#include "pixforge/io/color.hpp"
#include "pixforge/models/all.hpp"
#include "pixforge/ops/pad.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT\n", argv[0]), 2;
  try {
    const std::unique_ptr<ImageModel> net = load_model(argv[1]);
    const ImageModelInfo& info = net->info();
    PIXFORGE_CHECK(info.in_channels == 1 && info.out_channels == 2, ErrorCode::invalid_argument, "colorize: '",
                   argv[1], "' is a ", info.arch, " with ", info.in_channels, " -> ", info.out_channels,
                   " channels; a Lab colorizer takes L (1) and gives ab (2)");

    // RGB [0,1] -> Lab -> pix2pix scaling (L/50 - 1, ab/110); the network input is the L channel only.
    const Tensor<float> rgb = image_to_tensor(load_image(argv[2], 3));   // gray files are replicated to RGB
    const Tensor<float> L = lab_to_pix2pix(rgb_to_lab(rgb)).narrow(1, 0, 1).contiguous();  // [1, 1, H, W]
    const int64_t H = L.size(2), W = L.size(3), m = info.size_multiple;  // U-Net: H, W multiples of 2^num_downs

    // Pad bottom/right up to the multiple (replicate: no dark border for the net to colour), run, crop back.
    PadParams p;
    p.bottom = (H + m - 1) / m * m - H;
    p.right = (W + m - 1) / m * m - W;
    p.mode = PadMode::replicate;
    const Tensor<float> ab = crop(net->forward(pad(L, p)), 0, 0, H, W);  // [1, 2, H, W], tanh range

    const Tensor<float> out = lab_to_rgb(pix2pix_to_lab(L, ab));  // input lightness + predicted chroma, [0,1]
    save_image(argv[3], tensor_to_image(out));
    std::printf("%s: colorized %lldx%lld (padded to a multiple of %lld), %s\n", info.arch.c_str(), (long long)W,
                (long long)H, (long long)m, argv[3]);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "colorize: %s\n", e.what()), 1;
  }
}
