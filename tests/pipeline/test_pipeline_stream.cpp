// The pipeline's row streaming (RunOptions::stream, ImageModel::forward_rows): a narrow seeded RRDBNet whose
// untiled estimate exceeds the budget runs layer-streamed — the whole width, or column strips with the exact
// horizontal context when even that does not fit — and gives the bits of the untiled run, for 1 and 2 threads,
// on float tensors and on 8-bit images (with pre_pad and the size_multiple padding of scale 2).
#include <cstring>
#include <memory>
#include <string>

#include "models/cunet_test_util.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

Pipeline narrow_rrdbnet(int64_t scale) {
  RRDBNet::Config c;
  c.scale = scale;
  c.num_block = 1;
  c.num_feat = 16;  // every inner 3×3 conv may run by Winograd: the streamed bands must keep its grid
  c.num_grow_ch = 16;
  auto net = std::make_unique<RRDBNet>(c);
  test::cunet_hash_fill_he(*net, 45);
  net->tail_band_rows = 16;  // small tail bands: the streamed estimate is then well under the untiled one
  return Pipeline(std::move(net));
}

int64_t bit_differences(const Tensor<float>& a, const Tensor<float>& b) {
  if (a.shape() != b.shape()) return -1;
  int64_t n = 0;
  for (int64_t i = 0; i < a.numel(); ++i) n += std::memcmp(a.data() + i, b.data() + i, sizeof(float)) != 0;
  return n;
}

RunOptions budget(int64_t bytes) {
  RunOptions o;
  o.memory_budget = bytes;
  return o;
}

}  // namespace

TEST_CASE("pipeline stream: RRDBNet over budget streams rows (whole width or strips) with the untiled bits") {
  for (const int64_t scale : {4, 2}) {
    const Pipeline pipe = narrow_rrdbnet(scale);
    for (const auto& hw : {std::pair<int64_t, int64_t>{90, 44}, {38, 301}}) {
      const int64_t h = hw.first, w = hw.second;
      const bool strips = w > 200;  // a strip is at least as wide as the context: the narrow image has none
      const Tensor<float> x = test::random_tensor({1, 3, h, w}, uint32_t(h * 7 + w), 0.0f, 1.0f);
      RunOptions untiled;
      untiled.tile = 0;
      const Tensor<float> whole = test::at_threads(1, [&] { return pipe.run_tensor(x, untiled); });
      const TilePlan p0 = pipe.plan(h, w);
      const int64_t full = pipe.model().stream_bytes(p0.padded_h, p0.padded_w);
      REQUIRE(full > 0);
      REQUIRE(pipe.plan(h, w, untiled).tile_bytes > full);  // the untiled estimate does not fit: not run whole
      // Just enough for the whole width streamed, then too little for it: column strips.
      for (const int64_t b : {full, strips ? full - 1 : full}) {
        const TilePlan p = pipe.plan(h, w, budget(b));
        INFO("scale ", scale, " ", w, "x", h, " budget ", b, ": ", p.tiles_x, "x", p.tiles_y, " streamed ", p.stream);
        CHECK(p.stream);
        CHECK(p.tiles_y == 1);
        CHECK(p.tile_bytes <= b);
        CHECK((b == full ? p.tiles_x == 1 : p.tiles_x > 1));
        for (const int threads : {1, 2})
          CHECK(bit_differences(test::at_threads(threads, [&] { return pipe.run_tensor(x, budget(b)); }), whole) ==
                0);
      }
      RunOptions tiles = budget(full);
      tiles.stream = false;
      CHECK(!pipe.plan(h, w, tiles).stream);
    }
  }
}

TEST_CASE("pipeline stream: 8-bit images streamed in column strips equal the untiled run byte for byte") {
  const Pipeline pipe = narrow_rrdbnet(2);
  Image img = Image::blank(283, 27, 3);  // odd sizes: padded to the multiple of 2 of scale 2
  for (size_t k = 0; k < img.pixels.size(); ++k) img.pixels[k] = uint8_t((k * 37 + k / 5) & 0xff);
  RunOptions untiled;
  untiled.tile = 0;
  const Image a = pipe.run(img, untiled);
  const TilePlan p0 = pipe.plan(img.height, img.width);
  const RunOptions opt = budget(pipe.model().stream_bytes(p0.padded_h, p0.padded_w) - 1);
  const TilePlan p = pipe.plan(img.height, img.width, opt);
  REQUIRE(p.stream);
  CHECK(p.tiles_x > 1);  // column strips
  const Image b = pipe.run(img, opt);
  REQUIRE(a.pixels.size() == b.pixels.size());
  CHECK(a.pixels == b.pixels);
}
