// Module registration and load_state_dict: exact keys, F16 conversion, and one error listing every problem.
#include "pixforge/nn/state_dict.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
struct Leaf : Module {
  Tensor<float> weight, bias, running_mean;
  explicit Leaf(int64_t n) : weight(Tensor<float>::zeros({n, 2})), bias(Tensor<float>::zeros({n})),
                             running_mean(Tensor<float>::zeros({n})) {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
    register_buffer("running_mean", running_mean);
  }
};
struct Net : Module {
  Leaf head{3};
  ModuleList<Leaf> body;
  Net() {
    register_module("head", head);
    body.emplace_back(4);
    body.emplace_at(2, 5);
    register_module("body", body);
  }
};

std::string load_error(Net& net, const SafeTensorsWriter& w, LoadOptions opt = {}) {
  try {
    load_state_dict(net, SafeTensors::from_bytes(w.to_bytes(), "net.safetensors"), opt);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::missing_key);
    return e.what();
  }
  return "";
}

SafeTensorsWriter full_file(Net& net, const std::string& prefix = "") {
  SafeTensorsWriter w;
  uint32_t seed = 0;
  for (const auto& p : net.named_parameters()) w.add(prefix + p.name, test::random_tensor(p.tensor->shape(), ++seed));
  return w;
}
}  // namespace

TEST_CASE("module: named_parameters yields PyTorch state_dict keys in order") {
  Net net;
  std::vector<std::string> names;
  for (const auto& p : net.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"head.weight", "head.bias", "head.running_mean", "body.0.weight",
                                          "body.0.bias", "body.0.running_mean", "body.2.weight", "body.2.bias",
                                          "body.2.running_mean"});
  CHECK(net.parameter_count() == 3 * 3 + 4 * 3 + 5 * 3);
}

TEST_CASE("load_state_dict: loads values (F16 converted), ignores num_batches_tracked") {
  Net net;
  SafeTensorsWriter w;
  auto hw = test::random_tensor({3, 2}, 9);
  for (const auto& p : net.named_parameters())
    if (p.name == "head.weight") w.add(p.name, hw.to<half>());
    else w.add(p.name, Tensor<float>::full(p.tensor->shape(), 1.5f));
  w.add("head.num_batches_tracked", Tensor<float>::zeros({}));
  auto rep = load_state_dict(net, SafeTensors::from_bytes(w.to_bytes()));
  CHECK(rep.loaded.size() == 9);
  CHECK(rep.ignored == std::vector<std::string>{"head.num_batches_tracked"});
  test::check_equal(net.head.weight, hw.to<half>().to<float>(), "f16 weight");
  CHECK(net.body[1].bias(4) == 1.5f);
}

TEST_CASE("load_state_dict: reports missing, unexpected, wrong-shape and NaN keys at once") {
  Net net;
  SafeTensorsWriter w;
  for (const auto& p : net.named_parameters()) {
    if (p.name == "body.0.bias") continue;                                          // missing
    if (p.name == "head.weight") w.add(p.name, Tensor<float>::zeros({3, 3}));       // wrong shape
    else if (p.name == "body.2.bias") w.add(p.name, Tensor<float>::full({5}, NAN));  // NaN
    else w.add(p.name, Tensor<float>::zeros(p.tensor->shape()));
  }
  w.add("extra.weight", Tensor<float>::zeros({1}));  // unexpected
  const std::string e = load_error(net, w);
  CHECK(e.find("net.safetensors") != std::string::npos);
  CHECK(e.find("1 missing, 1 unexpected, 1 wrong shape, 1 non-finite") != std::string::npos);
  CHECK(e.find("missing:    body.0.bias [4]") != std::string::npos);
  CHECK(e.find("unexpected: extra.weight [1]") != std::string::npos);
  CHECK(e.find("shape:      head.weight: file [3,3], model expects [3,2]") != std::string::npos);
  CHECK(e.find("non-finite: body.2.bias (5 NaN/Inf values)") != std::string::npos);
}

TEST_CASE("load_state_dict: prefix hint for wrapped checkpoints, and prefix option") {
  Net net;
  const std::string e = load_error(net, full_file(net, "params_ema."));
  CHECK(e.find("9 missing, 9 unexpected") != std::string::npos);
  CHECK(e.find("hint: every file key starts with \"params_ema.\"") != std::string::npos);
  LoadOptions opt;
  opt.prefix = "params_ema.";
  CHECK_NOTHROW(load_state_dict(net, SafeTensors::from_bytes(full_file(net, "params_ema.").to_bytes()), opt));
}

TEST_CASE("load_state_dict: a file for a different network names its architecture") {
  Net net;
  SafeTensorsWriter w;
  w.add("conv_first.weight", Tensor<float>::zeros({64, 3, 3, 3}));
  w.add("conv_last.weight", Tensor<float>::zeros({3, 64, 3, 3}));
  w.set_metadata("pixforge.arch", "rrdbnet");
  LoadOptions opt;
  opt.what = "test_net";
  const std::string e = load_error(net, w, opt);
  CHECK(e.find("the file is a 'rrdbnet' network, not test_net") != std::string::npos);
}
