// tests/test_util.hpp — shared helpers for the doctest suites.
//
//   random_tensor(shape, seed)          seeded uniform values in [lo, hi)
//   check_close(actual, expected, rtol, atol, label)
//                                       fails with the label, max abs/rel error and the worst index
//   check_equal(actual, expected, label) exact (data movement ops)
//   Golden g("conv2d");                 tests/golden/conv2d.safetensors written by tools/golden/gen_conv2d.py
//   for (const auto& c : g.cases())     c.name, c.params (Json), g.tensor(c, "x")
//
// Golden file layout (written by tools/golden/common.py): tensors named "<case>.<tensor>", e.g. "c03.x",
// "c03.weight", "c03.y"; `__metadata__` holds "op" and "cases", a JSON array of objects, each with "name" and the
// op's parameters.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <cstdint>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/nn/state_dict.hpp"

namespace pixforge {
namespace test {

// f() run with n worker threads; the default (0: all cores, or OMP_NUM_THREADS) is restored after, also when f
// throws. For the "same bits for any thread count" checks.
template <class F>
auto at_threads(int n, F&& f) {
  struct Restore {
    ~Restore() { set_num_threads(0); }
  } restore;
  set_num_threads(n);
  return f();
}

// This process's resident set in KiB (Linux /proc/self/status VmRSS), -1 where unknown.
inline int64_t vm_rss_kib() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

inline std::string source_path(const std::string& rel) { return std::string(PIXFORGE_SOURCE_DIR) + "/" + rel; }
inline std::string golden_path(const std::string& name) {
  return source_path("tests/golden/" + name + ".safetensors");
}

// A scratch file path outside the source tree, unique per test process (tests run in parallel under ctest -j).
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("pixforge_test_" + std::to_string(static_cast<long long>(::getpid())) + "_" + name))
      .string();
}

inline Tensor<float> random_tensor(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor<float> t = Tensor<float>::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = dist(rng);
  return t;
}

// A Shape from a JSON array of integers (golden case parameters such as "shape": [1, 3, 16, 24]).
inline Shape shape_of(const Json& dims) {
  std::vector<int64_t> d;
  for (size_t i = 0; i < dims.size(); ++i) d.push_back(dims[i].as_int64());
  return Shape(d);
}

// Every s-th pixel of y [N,C,H,W] along H and W: goldens of large outputs store such a subsample to stay small.
inline Tensor<float> subsample(const Tensor<float>& y, int64_t s) {
  const int64_t N = y.size(0), C = y.size(1), H = (y.size(2) + s - 1) / s, W = (y.size(3) + s - 1) / s;
  Tensor<float> o = Tensor<float>::empty({N, C, H, W});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w) o(n, c, h, w) = y(n, c, h * s, w * s);
  return o;
}

struct CloseReport {
  bool ok = true;
  double max_abs = 0, max_rel = 0;
  int64_t worst = -1;
  float worst_actual = 0, worst_expected = 0;
};

// |a - e| <= atol + rtol * |e| for every element (NaN matches only NaN, inf only the same inf).
inline CloseReport compare_close(const Tensor<float>& actual, const Tensor<float>& expected, double rtol,
                                 double atol) {
  CloseReport r;
  Tensor<float> a = actual.contiguous(), e = expected.contiguous();
  double worst_excess = -1;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double av = a.data()[i], ev = e.data()[i];
    bool ok;
    double diff;
    if (std::isnan(ev) || std::isnan(av)) {
      ok = std::isnan(ev) && std::isnan(av);
      diff = ok ? 0 : INFINITY;
    } else if (std::isinf(ev) || std::isinf(av)) {
      ok = av == ev;
      diff = ok ? 0 : INFINITY;
    } else {
      diff = std::fabs(av - ev);
      ok = diff <= atol + rtol * std::fabs(ev);
    }
    r.max_abs = std::max(r.max_abs, diff);
    if (std::fabs(ev) > 0) r.max_rel = std::max(r.max_rel, diff / std::fabs(ev));
    const double excess = diff - (atol + rtol * std::fabs(ev));
    if (excess > worst_excess || r.worst < 0) {
      worst_excess = excess;
      r.worst = i;
      r.worst_actual = float(av);
      r.worst_expected = float(ev);
    }
    if (!ok) r.ok = false;
  }
  return r;
}

inline std::string index_str(const Shape& s, int64_t flat) {
  std::vector<int64_t> idx(size_t(s.rank()));
  for (int d = s.rank() - 1; d >= 0; --d) {
    idx[size_t(d)] = s[d] ? flat % s[d] : 0;
    flat = s[d] ? flat / s[d] : 0;
  }
  return shape_str(idx);
}

inline void check_close(const Tensor<float>& actual, const Tensor<float>& expected, double rtol, double atol,
                        const std::string& label) {
  INFO(label);
  REQUIRE_MESSAGE(actual.shape() == expected.shape(), label, ": shape ", actual.shape().str(), " vs expected ",
                  expected.shape().str());
  const CloseReport r = compare_close(actual, expected, rtol, atol);
  std::ostringstream os;
  os << label << ": max abs err " << r.max_abs << ", max rel err " << r.max_rel << ", worst at "
     << index_str(expected.shape(), r.worst) << " (got " << r.worst_actual << ", expected " << r.worst_expected
     << "), rtol " << rtol << " atol " << atol;
  CHECK_MESSAGE(r.ok, os.str());
}

inline void check_equal(const Tensor<float>& actual, const Tensor<float>& expected, const std::string& label) {
  check_close(actual, expected, 0.0, 0.0, label);
}

// A golden file produced by tools/golden/*.py with PyTorch.
class Golden {
 public:
  struct Case {
    std::string name;
    Json params;
  };
  explicit Golden(const std::string& op) : file_(SafeTensors::open(golden_path(op))) {
    const Json cases = Json::parse(file_.metadata_value("cases"), golden_path(op) + " metadata 'cases'");
    for (const Json& c : cases.items()) cases_.push_back(Case{c["name"].as_string(), c});
    REQUIRE_MESSAGE(!cases_.empty(), "golden file ", golden_path(op), " has no cases");
  }
  const std::vector<Case>& cases() const { return cases_; }
  Tensor<float> tensor(const Case& c, const std::string& name) const { return file_.get(c.name + "." + name); }
  bool has(const Case& c, const std::string& name) const { return file_.contains(c.name + "." + name); }
  const SafeTensors& file() const { return file_; }

 private:
  SafeTensors file_;
  std::vector<Case> cases_;
};

// Loads the weights a golden case stores under "<case>.w.<key>" into m, after checking that the stored keys are
// exactly m's parameter names (so a renamed or missing parameter fails loudly). Found by ADL from test files.
inline void load_case_weights(Module& m, const Golden& g, const Golden::Case& c) {
  const std::string prefix = c.name + ".w.";
  std::set<std::string> file_keys, model_keys;
  for (const auto& k : g.file().keys())
    if (k.compare(0, prefix.size(), prefix) == 0) file_keys.insert(k.substr(prefix.size()));
  for (const auto& p : m.named_parameters()) model_keys.insert(p.name);
  REQUIRE_MESSAGE(file_keys == model_keys, c.name, ": golden weight keys differ from the model's parameter names");
  LoadOptions opt;
  opt.prefix = prefix;  // keys of the file's other cases are outside the prefix and not reported as unexpected
  load_state_dict(m, g.file(), opt);
}

// Largest |a − b| over two tensors of the same shape (in double).
inline double max_abs_diff(const Tensor<float>& a, const Tensor<float>& b) {
  REQUIRE(a.shape() == b.shape());
  double m = 0;
  for (int64_t k = 0; k < a.numel(); ++k) m = std::max(m, double(std::fabs(a.data()[k] - b.data()[k])));
  return m;
}

}  // namespace test
}  // namespace pixforge
