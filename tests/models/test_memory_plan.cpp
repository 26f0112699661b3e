// The memory plan of the model forward passes (issue #5): TensorMemoryTracker itself, in-place ops that must not
// touch a buffer someone else still holds, and UNet2's high-water mark against the bound its liveness plan gives.
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cunet_test_util.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/models/cunet_blocks.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
// Bytes an owned float tensor of this shape takes (aligned_buffer rounds up to 64).
int64_t bytes_of(const Shape& s) { return (s.numel() * 4 + 63) / 64 * 64; }
int64_t map_bytes(int64_t c, int64_t h) { return bytes_of({1, c, h, h}); }

Tensor<float> ramp(const Shape& s, float step) {
  Tensor<float> t = Tensor<float>::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = float(i % 97) * step - 1.0f;
  return t;
}
}  // namespace

TEST_CASE("TensorMemoryTracker: counts owned allocations while alive, frees balance, views are free") {
  const Tensor<float> before = Tensor<float>::empty({1000});  // allocated before: never counted
  TensorMemoryTracker mem;
  CHECK(mem.live_bytes() == 0);
  {
    Tensor<float> a = Tensor<float>::empty({1, 4, 16, 16});  // 4096 bytes
    const Tensor<float> v = a.narrow(2, 2, 8);                // a view: no storage of its own
    CHECK(mem.live_bytes() == 4096);
    Tensor<float> b = Tensor<float>::zeros({10});  // 40 bytes, rounded to 64
    CHECK(mem.live_bytes() == 4096 + 64);
    b = Tensor<float>();
    CHECK(mem.live_bytes() == 4096);
    CHECK(mem.peak_bytes() == 4096 + 64);
  }
  CHECK(mem.live_bytes() == 0);
  CHECK(mem.peak_bytes() == 4096 + 64);
  mem.reset_peak();
  CHECK(mem.peak_bytes() == 0);
  CHECK_THROWS_AS(TensorMemoryTracker(), Error);  // one at a time
}

#if defined(__linux__)
using test::vm_rss_kib;

// After a 28 MiB free (its mmap threshold rises to 28 MiB) glibc serves a 24 MiB request from its heap and, with a
// later allocation above it, keeps it resident when freed (measured: RSS stays +24 MiB with
// tensor_mmap_min_bytes = 0); mapped storage is returned at once.
TEST_CASE("tensor storage of >= limits().tensor_mmap_min_bytes is returned to the OS when its last tensor dies") {
  if (!detail::kTensorMmap) return;  // AddressSanitizer builds and non-Unix systems use malloc
  REQUIRE(limits().tensor_mmap_min_bytes <= (int64_t(24) << 20));
  const bool cache = limits().tensor_map_cache;  // with the map cache the 28 MiB map would be kept for reuse
  limits().tensor_map_cache = false;            // (tests/core/test_map_cache.cpp)
  { const Tensor<float> big = Tensor<float>::zeros({int64_t(7) << 20}); }  // 28 MiB
  const int64_t before = vm_rss_kib();
  int64_t during = 0;
  Tensor<float> later;
  {
    const Tensor<float> t = Tensor<float>::full({int64_t(6) << 20}, 1.0f);  // 24 MiB, every page touched
    later = Tensor<float>::zeros({16384});
    during = vm_rss_kib();
    CHECK(t.data()[t.numel() - 1] == 1.0f);
  }
  const int64_t after = vm_rss_kib();
  MESSAGE("VmRSS KiB: before ", before, ", with the tensor ", during, ", after ", after);
  CHECK(during - before >= 23 * 1024);
  CHECK(during - after >= 23 * 1024);
  limits().tensor_map_cache = cache;
}
#endif

TEST_CASE("TensorMemoryTracker: a buffer allocated while tracking and freed after it still balances") {
  Tensor<float> kept;
  {
    TensorMemoryTracker mem;
    kept = Tensor<float>::empty({256});
    CHECK(mem.live_bytes() == 1024);
  }
  kept = Tensor<float>();  // the deleter subtracts what it added
  TensorMemoryTracker mem2;
  const Tensor<float> t = Tensor<float>::empty({16});
  CHECK(mem2.live_bytes() == 64);
}

TEST_CASE("add_: a strided same-shape operand (a crop) is read in place; overlapping views still add correctly") {
  const Tensor<float> big = ramp({1, 3, 11, 13}, 0.37f);
  const Tensor<float> crop = big.narrow(2, 2, 7).narrow(3, 3, 8);  // [1, 3, 7, 8], not contiguous
  Tensor<float> b = ramp({1, 3, 7, 8}, 0.11f);
  const Tensor<float> expect = elementwise_ref(crop, b, BinaryOp::add);
  {
    TensorMemoryTracker mem;
    add_(b, crop);
    CHECK(mem.peak_bytes() == 0);  // no packed copy of the crop
  }
  CHECK(test::max_abs_diff(b, expect) == 0.0f);

  // b a shifted view of a's own memory: each row reads values an earlier row already overwrote unless packed.
  Tensor<float> a = ramp({1, 1, 6, 6}, 0.5f);
  const Tensor<float> a0 = a.clone();
  const Tensor<float> shifted = Tensor<float>::view(a.data() + 6, {1, 1, 5, 6});  // rows 1..5 of a
  Tensor<float> a_rows = a.narrow(2, 0, 5);
  Tensor<float> dst = Tensor<float>::view(a.data(), {1, 1, 5, 6});
  const Tensor<float> expect2 = elementwise_ref(a0.narrow(2, 0, 5), a0.narrow(2, 1, 5), BinaryOp::add);
  add_(dst, shifted);
  CHECK(test::max_abs_diff(a_rows, expect2) == 0.0f);
}

TEST_CASE("add_to_: y = x + alpha·y over y's buffer, the same bits as add(x, y, alpha)") {
  const Tensor<float> big = ramp({1, 2, 9, 70000 / 9}, 0.031f);
  const Tensor<float> x = big.narrow(3, 1, 7000);  // strided: packed once
  Tensor<float> y = ramp({1, 2, 9, 7000}, 0.017f);
  for (float alpha : {1.0f, 0.2f}) {
    const Tensor<float> expect = add(x, y, alpha);
    add_to_(x, y, alpha);
    CHECK(test::max_abs_diff(y, expect) == 0.0f);
  }
  Tensor<float> wrong = Tensor<float>::zeros({1, 2, 9, 6999});
  CHECK_THROWS_AS(add_to_(x, wrong), Error);
}

// A hook that keeps the maps it is shown: the in-place SE scaling must not scale the map it still holds.
struct KeepMaps : ChannelMeansHook {
  std::vector<Tensor<float>> maps, copies;
  Tensor<float> means(const Tensor<float>& map) override {
    maps.push_back(map);
    copies.push_back(map.clone());
    return global_avg_pool2d(map);
  }
};

TEST_CASE("cunet: in-place SE scaling and skip additions leave maps held elsewhere untouched, same output") {
  cunet::UNet2 net(3, 3, 16);
  test::cunet_hash_fill_all(net, 7, 0.2);
  const Tensor<float> x = ramp({1, 3, 64, 64}, 0.013f);
  const Tensor<float> x_copy = x.clone();
  const Tensor<float> y = net.forward(x);
  CHECK(test::max_abs_diff(x, x_copy) == 0.0f);  // the caller's input is not a scratch buffer
  KeepMaps hook;
  const Tensor<float> y_hook = net.forward(x, 1.0f, &hook);
  REQUIRE(hook.maps.size() == 3);
  for (size_t i = 0; i < hook.maps.size(); ++i) CHECK(test::max_abs_diff(hook.maps[i], hook.copies[i]) == 0.0f);
  CHECK(test::max_abs_diff(y, y_hook) == 0.0f);  // the same means, the same result, in place or not
}

// UNet2's high-water mark must not exceed what its liveness plan (cunet_blocks.hpp) needs: at each layer call,
// the maps a later layer still reads + the layer's input and output + what that layer allocates for itself
// (measured by running it alone on an input of the same shape) + the SE blocks' [1, C, 1, 1] vectors.
TEST_CASE("cunet: UNet2 forward peaks at its liveness plan's bound") {
  const int64_t F = 16, n = 96;  // nf, input size (≡ 0 mod 4)
  cunet::UNet2 net(3, 3, F);
  test::cunet_hash_fill_all(net, 3, 0.2);
  const Tensor<float> x = ramp({1, 3, n, n}, 0.01f);
  (void)net.forward(x);  // warm-up: any per-layer caches built on first use are not part of the steady state

  using Layer = std::function<Tensor<float>(const Tensor<float>&)>;
  struct Step {
    const char* name;
    Layer layer;
    int64_t cin, hin;     // the layer's input map
    bool input_counted;   // false for x itself, allocated before the tracker
    int64_t others;       // bytes of the other maps alive during it
  };
  auto conv = [](const Conv2d& c) { return Layer([&c](const Tensor<float>& t) { return c(t); }); };
  auto deconv = [](const ConvTranspose2d& c) { return Layer([&c](const Tensor<float>& t) { return c(t); }); };
  const int64_t x1 = map_bytes(F, n - 4), x2 = map_bytes(2 * F, n / 2 - 6);
  const std::vector<Step> plan = {
      {"conv1.conv.0", conv(net.conv1.conv[0]), 3, n, false, 0},
      {"conv1.conv.2", conv(net.conv1.conv[1]), F / 2, n - 2, true, 0},
      {"conv1_down", conv(net.conv1_down), F, n - 4, true, 0},  // its input is x1
      {"conv2.conv.0", conv(net.conv2.conv[0]), F, n / 2 - 2, true, x1},
      {"conv2.conv.2", conv(net.conv2.conv[1]), F, n / 2 - 4, true, x1},
      {"conv2_down", conv(net.conv2_down), 2 * F, n / 2 - 6, true, x1},  // its input is x2
      {"conv3.conv.0", conv(net.conv3.conv[0]), 2 * F, n / 4 - 3, true, x1 + x2},
      {"conv3.conv.2", conv(net.conv3.conv[1]), 4 * F, n / 4 - 5, true, x1 + x2},
      {"conv3_up", deconv(net.conv3_up), 2 * F, n / 4 - 7, true, x1 + x2},
      {"conv4.conv.0", conv(net.conv4.conv[0]), 2 * F, n / 2 - 14, true, x1},  // x3 + crop(x2) in x3, x2 freed
      {"conv4.conv.2", conv(net.conv4.conv[1]), F, n / 2 - 16, true, x1},
      {"conv4_up", deconv(net.conv4_up), F, n / 2 - 18, true, x1},
      {"conv5", conv(net.conv5), F, n - 36, true, 0},  // x4 + crop(x1) in x4, x1 freed
      {"conv_bottom", conv(net.conv_bottom), F, n - 38, true, 0},
  };
  const int64_t se_vectors = 4 * map_bytes(2 * F, 1);  // means, conv1, conv2 outputs of one SE gate (+1 spare)
  int64_t bound = 0;
  std::string at;
  for (const Step& s : plan) {
    const Tensor<float> in = ramp({1, s.cin, s.hin, s.hin}, 0.01f);
    TensorMemoryTracker mem;
    const Tensor<float> out = s.layer(in);
    const int64_t own = mem.peak_bytes();  // output + scratch
    const int64_t in_bytes = s.input_counted ? map_bytes(s.cin, s.hin) : 0;
    const int64_t need = s.others + in_bytes + own + se_vectors;
    if (need > bound) {
      bound = need;
      at = s.name;
    }
  }
  TensorMemoryTracker mem;
  const Tensor<float> y = net.forward(x);
  const int64_t peak = mem.peak_bytes();
  MESSAGE("UNet2 nf=", F, " n=", n, ": peak ", peak, " bytes, plan bound ", bound, " (at ", at, ")");
  CHECK(peak <= bound);
}

// RRDBNet's streamed tail (conv_up1 at 2×, conv_up2 / conv_hr / conv_last at 4×, band by band) must give the bits
// of the whole-map layers (Winograd tiles must line up in every band; conv_last: direct) for any band height, and
// keep no full-size map of the tail alive.
TEST_CASE("rrdbnet: the streamed tail equals the whole-map layers bit for bit and holds no full-size map") {
  RRDBNet::Config c;
  c.num_feat = 16;  // >= the Winograd minimum, so the grid-dependent path is exercised
  c.num_grow_ch = 8;
  c.num_block = 0;
  RRDBNet net(c);
  test::cunet_hash_fill_all(net, 5, 0.15);
  const Tensor<float> feat = ramp({1, 16, 130, 41}, 0.021f);  // 4× grid: 520 × 164
  const Tensor<float> whole = net.conv_last(net.conv_hr(net.conv_up2(
      upsample(net.conv_up1(upsample(feat, 2, InterpolateMode::nearest)), 2, InterpolateMode::nearest))));
  const int64_t hr_map = bytes_of({1, 16, 520, 164});  // one full-size F-channel map of the 4× grid
  for (int64_t rows : {0, 64, 24, 8}) {  // one band (automatic), 9 bands (last 8 rows), 22 (last 16), 65 (8 each)
    net.tail_band_rows = rows;
    (void)net.tail(feat);  // weight caches
    TensorMemoryTracker mem;
    const Tensor<float> banded = net.tail(feat);
    MESSAGE("tail band rows ", rows, ": peak ", mem.peak_bytes(), " bytes; one full-size map ", hr_map);
    REQUIRE(banded.shape() == whole.shape());
    CHECK_MESSAGE(test::max_abs_diff(banded, whole) == 0.0f, "band rows ", rows);
    if (rows > 0 && rows <= 64) CHECK(mem.peak_bytes() < hr_map);  // the whole-map chain needs >= 2
  }
}
