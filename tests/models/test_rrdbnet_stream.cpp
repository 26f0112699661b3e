// RRDBNet's layer-streamed forward (RRDBNet::forward_rows, nn/row_stream.hpp) against forward():
//   - the same bits for every step height, tail band height, odd sizes, scales 4 / 2 / 1, batch 2, 1 and 2
//     threads, on narrow seeded networks: F 8 G 4 (direct convs only) and F 16 G 16 (every inner 3×3 conv may
//     take conv2d()'s Winograd path, whose 4×4 tiles must land on the grid of the whole-map forward);
//   - its tensor memory grows with the width and not with the height, and stays under stream_bytes().
//   - row_stream::Graph::share directly: maps in one ring, with and without a reserved (dry-run) ring size.
#include <algorithm>
#include <vector>

#include "cunet_test_util.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

RRDBNet::Config config(int64_t scale, int64_t F, int64_t G, int64_t B) {
  RRDBNet::Config c;
  c.scale = scale;
  c.num_feat = F;
  c.num_grow_ch = G;
  c.num_block = B;
  return c;
}

// forward_rows() collected into one tensor, checking that the bands come top to bottom without gaps.
Tensor<float> streamed(const RRDBNet& net, const Tensor<float>& x) {
  const int64_t s = net.info().scale;
  Tensor<float> y = Tensor<float>::zeros({x.size(0), net.info().out_channels, x.size(2) * s, x.size(3) * s});
  int64_t next = 0;
  net.forward_rows(x, [&](const Tensor<float>& band, int64_t r0) {
    REQUIRE(r0 == next);
    REQUIRE(band.size(3) == y.size(3));
    next = r0 + band.size(2);
    rrdbnet_detail::copy_rows(band.contiguous(), y, r0);
  });
  CHECK(next == y.size(2));
  return y;
}

}  // namespace

TEST_CASE("rrdbnet stream: forward_rows equals forward bit for bit (step and band heights, sizes, scales)") {
  struct Case {
    int64_t scale, F, G, B, n, h, w;
  };
  for (const Case& k : {Case{4, 8, 4, 2, 1, 37, 23}, Case{2, 8, 4, 2, 2, 30, 18}, Case{4, 16, 16, 2, 1, 41, 19},
                        Case{2, 16, 16, 1, 1, 46, 26}, Case{1, 16, 16, 1, 1, 52, 20}}) {
    RRDBNet net(config(k.scale, k.F, k.G, k.B));
    test::cunet_hash_fill_all(net, uint32_t(7 + k.F + k.scale), 0.12);
    const Tensor<float> x = test::random_tensor({k.n, 3, k.h, k.w}, 3, 0.0f, 1.0f);
    const Tensor<float> ref = net.forward(x);
    for (int64_t step : {0, 4, 8, 12}) {
      for (int64_t band : {0, 8, 24}) {
        net.stream_step_rows = step;
        net.tail_band_rows = band;
        const Tensor<float> y = streamed(net, x);
        REQUIRE(y.shape() == ref.shape());
        CHECK_MESSAGE(test::max_abs_diff(y, ref) == 0.0f, "scale ", k.scale, " F ", k.F, " ", k.h, "x", k.w,
                      " step ", step, " band ", band);
      }
    }
    net.stream_step_rows = 4;
    net.tail_band_rows = 8;
    const Tensor<float> y1 = test::at_threads(1, [&] { return net.forward_streamed(x); });
    const Tensor<float> y2 = test::at_threads(2, [&] { return net.forward_streamed(x); });
    CHECK(test::max_abs_diff(y1, ref) == 0.0f);
    CHECK(test::max_abs_diff(y2, ref) == 0.0f);
  }
}

TEST_CASE("rrdbnet stream: tensor memory grows with the width, not the height, and stays under stream_bytes") {
  RRDBNet net(config(4, 16, 16, 2));
  test::cunet_hash_fill_all(net, 9, 0.12);
  net.stream_step_rows = 8;
  net.tail_band_rows = 32;  // fixed: automatic tail bands are ~16 MiB tall, i.e. the whole height of these maps
  auto peak = [&](int64_t h, int64_t w) {
    const Tensor<float> x = test::random_tensor({1, 3, h, w}, 5, 0.0f, 1.0f);
    net.forward_rows(x, [](const Tensor<float>&, int64_t) {});  // weight caches
    TensorMemoryTracker mem;
    net.forward_rows(x, [](const Tensor<float>&, int64_t) {});
    const int64_t p = mem.peak_bytes(), est = net.stream_bytes(h, w);
    MESSAGE(h, "x", w, ": tensor peak ", p >> 10, " KiB, stream_bytes ", est >> 10, " KiB");
    CHECK(p <= est);
    CHECK(p >= est / 2);  // and not a wild over-estimate
    return p;
  };
  const int64_t base = peak(96, 40), tall = peak(384, 40), wide = peak(96, 160);
  CHECK(tall <= base + base / 10);  // 4x the height: flat
  CHECK(wide >= 3 * base);          // 4x the width: about 4x
}

// Graph::share directly, without a dry run's reserve_like (the shared ring grows while members hold rows, so the
// grow path re-lays every member) and with one (no growth): a = conv(x), b = conv(cat(x, a)) with x and a in one
// ring, b reading both in place (or gathered when its rows wrap), equal to the whole-map convs bit for bit.
TEST_CASE("row_stream: maps in a shared ring give the whole-map convs' bits, with and without a reserved ring") {
  const int64_t N = 2, C = 16, H = 37, W = 19;
  const Tensor<float> x = test::random_tensor({N, C, H, W}, 71);
  Conv2d ca(Conv2dOptions(C, C, 3).padding(1)), cb(Conv2dOptions(2 * C, C, 3).padding(1));
  ca.weight.copy_from(test::random_tensor(ca.weight.shape(), 72, -0.1f, 0.1f));
  ca.bias.copy_from(test::random_tensor(ca.bias.shape(), 73));
  cb.weight.copy_from(test::random_tensor(cb.weight.shape(), 74, -0.1f, 0.1f));
  cb.bias.copy_from(test::random_tensor(cb.bias.shape(), 75));
  const Tensor<float> a = ca(x), b = cb(concat({x, a}));
  const auto build = [&](row_stream::Graph& g) -> row_stream::Map& {
    row_stream::Map& in = g.source("x", C, H, [&](int64_t r0, int64_t r1) {
      return g.dry() ? Tensor<float>() : x.narrow(2, r0, r1 - r0).contiguous();
    });
    row_stream::Map& ma = g.conv("a", ca, {&in});
    g.share({&in, &ma});
    return g.conv("b", cb, {&in, &ma});
  };
  for (int64_t step : {4, 8, 12})
    for (bool reserve : {false, true}) {
      CAPTURE(step);
      CAPTURE(reserve);
      row_stream::Graph dry(N, W, step, /*dry=*/true), g(N, W, step);
      row_stream::Map& mb = build(g);
      if (reserve) {
        row_stream::Map& db = build(dry);  // the same pulls as below
        const int dr = db.add_reader();
        for (int64_t r = 0; r < H; r += 4) db.ensure(std::min(H, r + 4)), db.release(dr, std::min(H, r + 4));
        g.reserve_like(dry);
      }
      const int reader = mb.add_reader();
      Tensor<float> y = Tensor<float>::empty(b.shape());
      for (int64_t r = 0; r < H; r += 4) {  // pulled 4 rows at a time, the rows above released
        const int64_t r1 = std::min(H, r + 4);
        mb.ensure(r1);
        y.narrow(2, r, r1 - r).copy_from(mb.rows(r, r1));
        mb.release(reader, r1);
      }
      test::check_equal(y, b, "streamed b vs whole-map b");
    }
}
