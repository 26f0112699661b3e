// demo_tiny_net — the foundation demo: TinySR (include/pixforge/models/tiny_sr.hpp), a 2× super-resolution
// network built from pixforge ops, its weights loaded from weights/tiny-sr-2x.safetensors (trained by
// tools/train/train_tiny_sr.py). examples/tiny_net.cpp shows the same network written out from ops.
//
//   demo_tiny_net IN.png OUT.png [WEIGHTS]
// Upscales IN 2× into OUT, then measures a 2× round trip: IN is shrunk by 2×2 averaging and enlarged again by
// the network and by plain bicubic; the PSNR of each against IN is printed.
#define PIXFORGE_IMPLEMENTATION
#include <chrono>
#include <cmath>
#include <cstdio>

#include "pixforge/io/image.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/ops/pool.hpp"

using namespace pixforge;

// PSNR in dB of two 8-bit images of equal size.
double psnr(const Image& a, const Image& b) {
  double se = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) se += std::pow(double(a.pixels[i]) - double(b.pixels[i]), 2);
  return 10 * std::log10(255.0 * 255.0 / (se / double(a.pixels.size())));
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s IN OUT [WEIGHTS]\n", argv[0]);
    return 2;
  }
  try {
    auto net = TinySR::load(argc > 3 ? argv[3] : "weights/tiny-sr-2x.safetensors");
    Image in = load_image(argv[1], 3);
    Tensor<float> x = image_to_tensor(in, Range::unit);

    auto t0 = std::chrono::steady_clock::now();
    Tensor<float> y = net->forward(x);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    save_image(argv[2], tensor_to_image(y, Range::unit));
    std::printf("upscaled %dx%d -> %lldx%lld in %.1f ms (%d threads): %s\n", in.width, in.height,
                (long long)y.size(3), (long long)y.size(2), ms, get_num_threads(), argv[2]);

    // Round trip on the even-sized part of the image.
    Tensor<float> hr = x.narrow(2, 0, x.size(2) / 2 * 2).narrow(3, 0, x.size(3) / 2 * 2).contiguous();
    Tensor<float> lr = avg_pool2d(hr, AvgPool2dParams{}.with_kernel(2));
    Image ref = tensor_to_image(hr, Range::unit);
    Image sr = tensor_to_image(net->forward(lr), Range::unit);
    Image bic = tensor_to_image(interpolate(lr, InterpolateParams::by_scale(2, InterpolateMode::bicubic)), Range::unit);
    std::printf("2x round trip PSNR: tiny_sr %.2f dB, bicubic %.2f dB (%+.2f dB)\n", psnr(sr, ref), psnr(bic, ref),
                psnr(sr, ref) - psnr(bic, ref));
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "demo_tiny_net: %s\n", e.what());
    return 1;
  }
}
