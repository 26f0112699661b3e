// MacCounter (core/op_counter.hpp) over whole networks against independent cost figures: the closed-form MAC
// formulas of the CUNet cascade (part-b.md §7.3: Real-CUGAN 2× on a 64×64 image, 100×100 padded, 4.3 GMAC; plus
// the SE blocks' 1×1 convs, which that figure leaves out), the released-size figures of part-b.md (RRDBNet x4plus
// 73.4 GMAC at 64×64; SRVGG animevideov3 = weight elements × pixels) and PyTorch forward-hook counts
// (tools/reference/u2net.py: U²-Net 117.2, U²-Net† 39.5 GFLOP at 320², IS-Net 319.3 GFLOP at 1024², scaled to
// smaller inputs by the pixel ratio, exact for these nets when every pooling level divides evenly). The
// bench/models GFLOP/s figures rest on this count. Weights stay zero: counts do not depend on values.
#include "pixforge/core/op_counter.hpp"
#include "pixforge/models/isnet.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/srvgg.hpp"
#include "pixforge/models/u2net.hpp"
#include "pixforge/models/waifu2x_cunet.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

int64_t sq(int64_t v) { return v * v; }

// The SE blocks' two 1×1 convs on the pooled 1×1 map (C → C/8 → C): 2·C²/8 MACs each. UNet1 has one SE block
// (64 ch), UNet2 three (128, 128, 64 ch).
constexpr int64_t kSe64 = 2 * 64 * 8, kSe128 = 2 * 128 * 16;

// Convolution MACs of UNet1 on an n×n input (cin → cout; bottom as in cunet::UNet1Bottom).
int64_t unet1_macs(int64_t n, int64_t cin, int64_t cout, cunet::UNet1Bottom bottom) {
  const int64_t a = (n - 4) / 2;
  int64_t m = kSe64 + sq(n - 2) * 32 * cin * 9 + sq(n - 4) * 64 * 32 * 9 + sq(a) * 64 * 64 * 4;
  m += sq(a - 2) * 128 * 64 * 9 + sq(a - 4) * 64 * 128 * 9 + sq(a - 4) * 64 * 64 * 4 + sq(n - 14) * 64 * 64 * 9;
  switch (bottom) {
    case cunet::UNet1Bottom::conv: return m + sq(n - 16) * cout * 64 * 9;
    case cunet::UNet1Bottom::deconv: return m + sq(n - 14) * 64 * cout * 16;
    case cunet::UNet1Bottom::deconv_x3: return m + sq(n - 14) * 64 * cout * 25;
  }
  return m;
}

// Convolution MACs of UNet2 on an n×n input.
int64_t unet2_macs(int64_t n, int64_t cin, int64_t cout) {
  const int64_t a = (n - 4) / 2, b = (a - 4) / 2, c = 2 * (b - 4), d = 2 * (c - 4);
  int64_t m = 2 * kSe128 + kSe64 + sq(n - 2) * 32 * cin * 9 + sq(n - 4) * 64 * 32 * 9 + sq(a) * 64 * 64 * 4;
  m += sq(a - 2) * 64 * 64 * 9 + sq(a - 4) * 128 * 64 * 9 + sq(b) * 128 * 128 * 4;
  m += sq(b - 2) * 256 * 128 * 9 + sq(b - 4) * 128 * 256 * 9 + sq(b - 4) * 128 * 128 * 4;
  m += sq(c - 2) * 64 * 128 * 9 + sq(c - 4) * 64 * 64 * 9 + sq(c - 4) * 64 * 64 * 4;
  return m + sq(d - 2) * 64 * 64 * 9 + sq(d - 4) * cout * 64 * 9;
}

// The whole cascade on a padded n×n input (waifu2x CUNet 1× when scale == 1).
int64_t cunet_macs(int64_t scale, int64_t n) {
  if (scale == 1) return unet1_macs(n, 3, 3, cunet::UNet1Bottom::conv) + unet2_macs(n - 16, 3, 3);
  if (scale == 3) return unet1_macs(n, 3, 3, cunet::UNet1Bottom::deconv_x3) + unet2_macs(3 * n - 44, 3, 3);
  const int64_t c = scale == 4 ? 64 : 3;
  int64_t m = unet1_macs(n, 3, c, cunet::UNet1Bottom::deconv) + unet2_macs(2 * n - 32, c, c);
  if (scale == 4) m += sq(2 * n - 74) * 12 * 64 * 9;
  return m;
}

// One thread: the count does not depend on it, and a loaded CI machine runs these small forwards faster without
// OpenMP hand-offs.
int64_t counted_macs(const ImageModel& net, int64_t n) {
  set_num_threads(1);
  MacCounter count;
  net.forward(Tensor<float>::zeros({1, net.info().in_channels, n, n}));
  set_num_threads(0);
  return count.macs();
}

}  // namespace

TEST_CASE("MacCounter: Real-CUGAN and waifu2x CUNet equal the closed-form cascade cost") {
  CHECK(double(cunet_macs(2, 100)) == doctest::Approx(4.3e9).epsilon(0.01));  // the spec's figure
  for (int64_t scale : {2, 3, 4}) {
    RealCUGAN::Config c;
    c.scale = scale;
    CAPTURE(scale);
    CHECK(counted_macs(RealCUGAN(c), 60) == cunet_macs(scale, 60));
  }
  Waifu2xCUNet::Config c;
  c.scale = 1;
  CHECK(counted_macs(Waifu2xCUNet(c), 60) == cunet_macs(1, 60));
}

TEST_CASE("MacCounter: RRDBNet x4plus and SRVGG animevideov3 equal their published cost") {
  // 73.4 GMAC at 64×64 = 1.147 GMAC at 8×8 (every conv's output area scales by the pixel ratio).
  CHECK(double(counted_macs(RRDBNet(RRDBNet::Config{}), 8)) == doctest::Approx(73.4e9 / 64).epsilon(1e-3));
  // 3→64, 16 × 64→64, 64→48 (4²·3 for the pixel shuffle), all 3×3 at the input resolution.
  const int64_t per_pixel = 9 * (3 * 64 + 16 * 64 * 64 + 64 * 48);
  CHECK(counted_macs(SRVGGNetCompact(SRVGGNetCompact::Config{}), 16) == per_pixel * 16 * 16);
}

TEST_CASE("MacCounter: U²-Net, U²-Net† and IS-Net equal PyTorch forward-hook counts") {
  // GFLOP = 2 · GMAC; the reference figures are rounded to 0.1 GFLOP, hence the tolerance.
  CHECK(2.0 * double(counted_macs(U2Net(), 32)) == doctest::Approx(117.2e9 * sq(32) / sq(320)).epsilon(1e-3));
  CHECK(2.0 * double(counted_macs(U2NetP(), 32)) == doctest::Approx(39.5e9 * sq(32) / sq(320)).epsilon(2e-3));
  ISNetDIS::Config c;
  c.bn_folded = true;
  CHECK(2.0 * double(counted_macs(ISNetDIS(c), 64)) == doctest::Approx(319.3e9 * sq(64) / sq(1024)).epsilon(1e-3));
}
