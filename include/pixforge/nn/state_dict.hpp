// pixforge/nn/state_dict.hpp — load_state_dict(module, file): weights from a safetensors file into a Module.
//
// Like torch's `model.load_state_dict(sd, strict=True)`, but every problem is collected first and reported at
// once, naming the file:
//
//     [pixforge.missing_key] load_state_dict 'weights/x.safetensors' into rrdbnet: 2 missing, 1 unexpected,
//     1 wrong shape
//       missing:    body.5.rdb3.conv5.weight [64,96,3,3]
//       unexpected: params_ema.conv_first.weight [64,3,3,3]
//       shape:      conv_first.weight: file [64,4,3,3], model expects [64,3,3,3]
//       hint: every file key starts with "params_ema." — convert with tools/convert_pth.py, which unwraps it
//
// F16/BF16 values are converted to float. BatchNorm's `num_batches_tracked` and keys a module declares ignorable are
// accepted without being loaded. Non-finite values are rejected unless allow_non_finite is set, because a NaN weight
// silently turns every output pixel into NaN.
#pragma once

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/nn/module.hpp"

namespace pixforge {

struct LoadOptions {
  bool strict = true;               // unexpected keys are an error (missing and wrong-shape ones always are)
  bool allow_non_finite = false;    // accept NaN/Inf weights
  std::string prefix;               // load from "<prefix><name>" keys, e.g. "generator."
  std::string what = "model";       // how the module is called in messages
};

struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> ignored;  // in the file, skipped on purpose (num_batches_tracked, ...)
};

namespace detail {
inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
// A common first path component of all keys ("module.", "params_ema.") explains most whole-file mismatches.
inline std::string common_prefix_hint(const std::vector<std::string>& unexpected, size_t file_keys) {
  if (unexpected.empty() || unexpected.size() != file_keys) return "";
  const std::string& first = unexpected.front();
  const size_t dot = first.find('.');
  if (dot == std::string::npos) return "";
  const std::string p = first.substr(0, dot + 1);
  for (const auto& k : unexpected)
    if (k.compare(0, p.size(), p) != 0) return "";
  return "every file key starts with \"" + p + "\" — pass LoadOptions::prefix = \"" + p +
         "\", or convert with tools/convert_pth.py, which unwraps params_ema/module";
}
}  // namespace detail

inline LoadReport load_state_dict(Module& module, const SafeTensors& file, const LoadOptions& opt = {}) {
  LoadReport report;
  std::vector<std::string> missing, wrong_shape, non_finite, unexpected;
  std::set<std::string> used;
  const std::vector<NamedTensor> params = module.named_parameters();
  for (const NamedTensor& p : params) {
    const std::string key = opt.prefix + p.name;
    if (!file.contains(key)) {
      missing.push_back(key + " " + p.tensor->shape().str());
      continue;
    }
    used.insert(key);
    const StTensorInfo& info = file.info(key);
    if (info.shape != p.tensor->shape()) {
      wrong_shape.push_back(key + ": file " + info.shape.str() + ", model expects " + p.tensor->shape().str());
      continue;
    }
    Tensor<float> v = file.get(key);
    if (!opt.allow_non_finite) {
      int64_t bad = 0;
      for (int64_t i = 0; i < v.numel(); ++i)
        if (!std::isfinite(v.data()[i])) ++bad;
      if (bad) {
        non_finite.push_back(key + " (" + std::to_string(bad) + " NaN/Inf values)");
        continue;
      }
    }
    p.tensor->copy_from(v);
    report.loaded.push_back(key);
  }
  std::set<std::string> ignorable;
  for (const auto& k : module.ignorable_keys()) ignorable.insert(opt.prefix + k);
  for (const std::string& key : file.keys()) {
    if (used.count(key)) continue;
    if (opt.prefix.size() && key.compare(0, opt.prefix.size(), opt.prefix) != 0) continue;  // other sub-model
    if (detail::ends_with(key, "num_batches_tracked") || ignorable.count(key)) {
      report.ignored.push_back(key);
      continue;
    }
    unexpected.push_back(key + " " + file.info(key).shape.str());
  }
  if (!opt.strict) unexpected.clear();
  if (missing.empty() && wrong_shape.empty() && unexpected.empty() && non_finite.empty()) return report;

  std::string m = msg("load_state_dict '", file.path(), "' into ", opt.what, ": ", missing.size(), " missing, ",
                      unexpected.size(), " unexpected, ", wrong_shape.size(), " wrong shape");
  if (!non_finite.empty()) m += msg(", ", non_finite.size(), " non-finite");
  auto list = [&](const char* label, const std::vector<std::string>& v) {
    const size_t shown = std::min<size_t>(v.size(), 20);
    for (size_t i = 0; i < shown; ++i) m += msg("\n  ", label, v[i]);
    if (v.size() > shown) m += msg("\n  ", label, "... and ", v.size() - shown, " more");
  };
  list("missing:    ", missing);
  list("unexpected: ", unexpected);
  list("shape:      ", wrong_shape);
  list("non-finite: ", non_finite);
  std::vector<std::string> unexpected_names;
  for (const auto& u : unexpected) unexpected_names.push_back(u.substr(0, u.find(' ')));
  const std::string hint = detail::common_prefix_hint(unexpected_names, file.size());
  if (!hint.empty()) m += "\n  hint: " + hint;
  if (!missing.empty() && missing.size() == params.size() && hint.empty() && file.has_metadata("pixforge.arch"))
    m += "\n  hint: the file is a '" + file.metadata_value("pixforge.arch") + "' network, not " + opt.what;
  fail(ErrorCode::missing_key, m);
}

}  // namespace pixforge
