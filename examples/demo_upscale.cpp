// demo_upscale — the README demo: upscales the bundled photo with the bundled default model (waifu2x CUNet 2×,
// weights/waifu2x-cunet-scale2x.safetensors, MIT) through the Pipeline, prints the time, then measures a round trip:
// the photo is shrunk by s×s area averaging and enlarged again by the model and by plain bicubic; the PSNR-Y (BT.601
// luma, `s` border pixels excluded) of each against the original is printed.
//
//   demo_upscale IN.png OUT.png [MODEL.safetensors]      (any upscale model: see `pixforge archs`)
#define PIXFORGE_IMPLEMENTATION
#include <chrono>
#include <cmath>
#include <cstdio>

#include "pixforge/io/color.hpp"
#include "pixforge/models/all.hpp"
#include "pixforge/ops/pool.hpp"
#include "pixforge/ops/upsample.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

// PSNR of the BT.601 luma of two equal-size RGB images, `border` pixels on each side left out (as SR papers do).
double psnr_y(const Image& a, const Image& b, int border) {
  const Tensor<float> ya = rgb_to_y(image_to_tensor(a)), yb = rgb_to_y(image_to_tensor(b));  // [1,1,H,W], [0,1]
  double se = 0;
  int64_t n = 0;
  for (int64_t y = border; y < ya.size(2) - border; ++y)
    for (int64_t x = border; x < ya.size(3) - border; ++x, ++n) se += std::pow(255.0 * (ya(0, 0, y, x) - yb(0, 0, y, x)), 2);
  return 10 * std::log10(255.0 * 255.0 / (se / double(n)));
}

int main(int argc, char** argv) {
  if (argc < 3) return std::fprintf(stderr, "usage: %s IN OUT [MODEL]\n", argv[0]), 2;
  try {
    const std::string weights = argc > 3 ? argv[3] : "weights/waifu2x-cunet-scale2x.safetensors";
    Pipeline pipe = Pipeline::load(weights);
    const int s = int(pipe.info().scale);
    PIXFORGE_CHECK(s >= 2, ErrorCode::invalid_argument, "demo_upscale: '", weights, "' is not an upscaler");
    const Image in = load_image(argv[1], 3);

    auto t0 = std::chrono::steady_clock::now();
    const Image up = pipe.run(in);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    save_image(argv[2], up);
    std::printf("%s: upscaled %dx%d -> %dx%d in %.0f ms (%d threads): %s\n", pipe.info().arch.c_str(), in.width,
                in.height, up.width, up.height, ms, get_num_threads(), argv[2]);

    // Round trip on the part of the image divisible by s.
    const Tensor<float> x = image_to_tensor(in);
    const Tensor<float> hr = x.narrow(2, 0, x.size(2) / s * s).narrow(3, 0, x.size(3) / s * s).contiguous();
    const Image ref = tensor_to_image(hr);
    const Image small = tensor_to_image(avg_pool2d(hr, AvgPool2dParams{}.with_kernel(s)));  // an 8-bit small photo
    const Image sr = pipe.run(small);
    const Image bic =
        tensor_to_image(interpolate(image_to_tensor(small), InterpolateParams::by_scale(s, InterpolateMode::bicubic)));
    const double p_model = psnr_y(sr, ref, s), p_bicubic = psnr_y(bic, ref, s);
    std::printf("%dx round trip, PSNR-Y: %s %.2f dB, bicubic %.2f dB (%+.2f dB)\n", s, pipe.info().arch.c_str(),
                p_model, p_bicubic, p_model - p_bicubic);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "demo_upscale: %s\n", e.what()), 1;
  }
}
