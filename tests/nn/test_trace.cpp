// nn/trace.hpp: layer names resolved from the module tree, shapes, FLOPs, off by default, nesting, name patterns,
// the feature-map grid.
#include <set>

#include "pixforge/models/deblurgan.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/trace.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

// Every parameter gets seeded random values, so outputs are not trivially zero.
void randomize(Module& m, uint32_t seed) {
  for (const NamedTensor& p : m.named_parameters()) {
    const bool var = p.name.size() >= 11 && p.name.compare(p.name.size() - 11, 11, "running_var") == 0;
    *p.tensor = test::random_tensor(p.tensor->shape(), seed++, var ? 0.5f : -0.5f, var ? 1.5f : 0.5f);
  }
}

struct Nested : Module {
  Conv2d conv;
  ModuleList<Conv2d> body;
  Linear head;
  Nested() : conv(Conv2dOptions(3, 6, 3).padding(1).groups(3)), head(5, 4) {
    register_module("conv", conv);
    body.emplace_at(0, Conv2dOptions(6, 8, 1));
    body.emplace_at(2, Conv2dOptions(8, 5, 3).stride(2));
    register_module("body", body);
    register_module("head", head);
  }
};

}  // namespace

TEST_CASE("trace: TinySR layers carry their state_dict names, shapes and conv FLOPs") {
  TinySR net;
  randomize(net, 1);
  const Tensor<float> x = test::random_tensor({1, 3, 9, 11}, 7, 0.0f, 1.0f);
  const Tensor<float> plain = net.forward(x);

  TraceRecorder rec(net);
  Tensor<float> traced;
  {
    TraceScope scope(rec);
    traced = net.forward(x);
  }
  test::check_equal(traced, plain, "traced forward");

  std::set<std::string> prefixes;
  for (const NamedTensor& p : net.named_parameters()) prefixes.insert(p.name.substr(0, p.name.rfind('.')));
  REQUIRE(rec.events().size() == 3);
  const char* names[3] = {"conv1", "conv2", "conv3"};
  const int64_t cin[3] = {3, 32, 32}, cout[3] = {32, 32, 12}, k[3] = {5, 3, 3};
  double total = 0;
  for (size_t i = 0; i < 3; ++i) {
    const TraceEvent& e = rec.events()[i];
    CHECK(e.name == names[i]);
    CHECK(prefixes.count(e.name) == 1);
    CHECK(std::string(e.type) == "Conv2d");
    CHECK(e.output == Shape({1, cout[i], 9, 11}));
    CHECK(e.input == Shape({1, cin[i], 9, 11}));
    CHECK(e.flops == 2.0 * double(cin[i] * cout[i] * k[i] * k[i] * 9 * 11));
    CHECK(e.seconds >= 0);
    total += e.flops;
  }
  CHECK(rec.total_flops() == total);

  // Off again after the scope: nothing more is recorded.
  net.forward(x);
  CHECK(rec.events().size() == 3);
  CHECK(current_tracer() == nullptr);
}

TEST_CASE("trace: nested modules, groups, stride, Linear, and the on_event hook") {
  Nested m;
  randomize(m, 11);
  TraceRecorder rec(m);
  std::vector<Shape> seen;
  rec.on_event = [&](const TraceEvent& e, const Tensor<float>& y) {
    CHECK(y.shape() == e.output);
    seen.push_back(y.shape());
  };
  {
    TraceScope scope(rec);
    const Tensor<float> h = m.body[1](m.body[0](m.conv(test::random_tensor({2, 3, 7, 7}, 3))));  // [2,5,3,3]
    m.head(test::random_tensor({2, 5}, 4));
    CHECK(h.shape() == Shape({2, 5, 3, 3}));
  }
  REQUIRE(rec.events().size() == 4);
  CHECK(seen.size() == 4);
  const auto& ev = rec.events();
  CHECK(ev[0].name == "conv");
  CHECK(ev[0].flops == 2.0 * (3 / 3) * 3 * 3 * (2 * 6 * 7 * 7));  // groups=3: each output sees Cin/g = 1 channel
  CHECK(ev[1].name == "body.0");
  CHECK(ev[1].flops == 2.0 * 6 * 8 * 1 * 1 * 2 * 7 * 7);
  CHECK(ev[2].name == "body.2");
  CHECK(ev[2].output == Shape({2, 5, 3, 3}));
  CHECK(ev[2].flops == 2.0 * 8 * 5 * 3 * 3 * 2 * 3 * 3);
  CHECK(ev[3].name == "head");
  CHECK(std::string(ev[3].type) == "Linear");
  CHECK(ev[3].flops == 2.0 * 5 * 4 * 2);

  // A layer outside the recorder's model is still reported, under a placeholder name.
  Conv2d stray(1, 1, 1);
  {
    TraceScope scope(rec);
    stray(Tensor<float>::zeros({1, 1, 2, 2}));
  }
  CHECK(rec.events().back().name == "<unregistered>");
}

TEST_CASE("trace: every layer of DeblurGAN is named by its state_dict key prefix; scopes nest") {
  DeblurGAN::Config c;
  c.ngf = 4;
  c.n_blocks = 2;
  DeblurGAN net(c);
  randomize(net, 21);
  // The state_dict key prefixes: parameters, plus the running statistics the affine-free InstanceNorms ignore.
  std::set<std::string> prefixes;
  for (const NamedTensor& p : net.named_parameters()) prefixes.insert(p.name.substr(0, p.name.rfind('.')));
  for (const std::string& k : net.ignorable_keys()) prefixes.insert(k.substr(0, k.rfind('.')));
  TraceRecorder outer(net), inner(net);
  const Tensor<float> x = test::random_tensor({1, 3, 16, 16}, 5);
  {
    TraceScope a(outer);
    {
      TraceScope b(inner);
      net.forward(x);
    }
    CHECK(current_tracer() == &outer);
  }
  CHECK(outer.events().empty());
  REQUIRE(!inner.events().empty());
  std::set<std::string> traced;
  for (const TraceEvent& e : inner.events()) {
    INFO(e.name);
    CHECK(prefixes.count(e.name) == 1);
    traced.insert(e.name);
  }
  CHECK(traced == prefixes);  // every weight-owning layer ran once and was seen
  CHECK(inner.events().back().output == Shape({1, 3, 16, 16}));
}

TEST_CASE("trace: name patterns") {
  CHECK(trace_name_matches("*", "body.0.conv1"));
  CHECK(trace_name_matches("body.*", "body.0.conv1"));
  CHECK(trace_name_matches("*conv1", "body.0.conv1"));
  CHECK(trace_name_matches("body.?.conv1", "body.0.conv1"));
  CHECK(trace_name_matches("conv1", "conv1"));
  CHECK_FALSE(trace_name_matches("conv1", "conv10"));
  CHECK_FALSE(trace_name_matches("body.?.conv1", "body.10.conv1"));
  CHECK_FALSE(trace_name_matches("head*", "body.0"));
  CHECK(trace_name_matches("*.*.*", "a.b.c"));
}

TEST_CASE("trace: feature_map_grid tiles the first channels, each stretched to [0, 1]") {
  Tensor<float> f = Tensor<float>::zeros({1, 5, 2, 3});
  for (int64_t c = 0; c < 5; ++c)
    for (int64_t i = 0; i < 6; ++i) f.data()[c * 6 + i] = c == 4 ? 7.0f : float(c * 10 + i);
  const Tensor<float> g = feature_map_grid(f, 5);  // 5 channels -> 3 columns, 2 rows
  REQUIRE(g.shape() == Shape({1, 1, 2 * 3 - 1, 3 * 4 - 1}));
  CHECK(g(0, 0, 0, 0) == 0.0f);                    // channel 0 min
  CHECK(g(0, 0, 1, 2) == 1.0f);                    // channel 0 max
  CHECK(g(0, 0, 0, 3) == 0.0f);                    // the gap column
  CHECK(g(0, 0, 0, 4) == 0.0f);                    // channel 1 min
  CHECK(g(0, 0, 3, 4) == 0.5f);
  CHECK(feature_map_grid(f, 1).shape() == Shape({1, 1, 2, 3}));
  CHECK_THROWS_AS(feature_map_grid(Tensor<float>::zeros({2, 3})), Error);
}
