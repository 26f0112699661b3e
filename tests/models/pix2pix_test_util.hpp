// Helpers shared by the pix2pix tests (test_pix2pix_unet.cpp, test_unet_deep.cpp, test_patchgan.cpp): loading a
// golden case's "<case>.w.<key>" weights and rebuilding the full-depth cases' tiled inputs
// (tools/golden/gen_pix2pix.py).
#pragma once

#include <set>
#include <string>

#include "pixforge/models/pix2pix_unet.hpp"
#include "test_util.hpp"

namespace pix2pix_test {

using namespace pixforge;

inline UnetGenerator::Config unet_config(const test::Golden::Case& c) {
  UnetGenerator::Config cfg;
  cfg.input_nc = c.params["input_nc"].as_int64();
  cfg.output_nc = c.params["output_nc"].as_int64();
  cfg.num_downs = c.params["num_downs"].as_int64();
  cfg.ngf = c.params["ngf"].as_int64();
  cfg.norm = c.params["norm"].as_string();
  cfg.batch_stats = c.params["batch_stats"].as_bool();
  return cfg;
}

// x_tile [1,C,h,w] repeated tiles×tiles times (torch.Tensor.repeat(1, 1, tiles, tiles)).
inline Tensor<float> repeat_tile(const Tensor<float>& t, int64_t tiles) {
  const int64_t C = t.size(1), h = t.size(2), w = t.size(3);
  Tensor<float> x = Tensor<float>::zeros({1, C, h * tiles, w * tiles});
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < h * tiles; ++y)
      for (int64_t xx = 0; xx < w * tiles; ++xx) x(0, c, y, xx) = t(0, c, y % h, xx % w);
  return x;
}

// y[..., ::stride, ::stride].
inline Tensor<float> subsample(const Tensor<float>& y, int64_t stride) {
  const int64_t N = y.size(0), C = y.size(1), H = (y.size(2) + stride - 1) / stride, W = (y.size(3) + stride - 1) / stride;
  Tensor<float> out = Tensor<float>::zeros({N, C, H, W});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) out(n, c, i, j) = y(n, c, i * stride, j * stride);
  return out;
}

}  // namespace pix2pix_test
