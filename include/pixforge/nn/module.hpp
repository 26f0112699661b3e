// pixforge/nn/module.hpp — Module: a named tree of parameters, like torch.nn.Module, for loading weights.
//
// A model is a struct of typed members. Each registers its tensors and children once, in its constructor, under
// their PyTorch attribute names, so named_parameters() yields exactly the PyTorch state_dict keys:
//
//     struct ResidualBlock : Module {
//       Conv2d conv1, conv2;
//       ResidualBlock(int64_t nf) : conv1(nf, nf, 3, 1, 1), conv2(nf, nf, 3, 1, 1) {
//         register_module("conv1", conv1);       // keys "conv1.weight", "conv1.bias", ...
//         register_module("conv2", conv2);
//       }
//       Tensor<> forward(const Tensor<>& x) const { return add(x, conv2(relu(conv1(x)))); }
//     };
//
// forward() uses the members directly: no string look-up ever happens on the hot path. Parameters are allocated with
// their expected shapes at construction; load_state_dict() (nn/state_dict.hpp) copies values in and checks shapes.
//
// Modules hold pointers to their own members, so they are neither copyable nor movable: keep them where they were
// built (members, or std::unique_ptr in a ModuleList).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

struct NamedTensor {
  std::string name;
  Tensor<float>* tensor;
  bool is_buffer;  // running statistics and the like: in the state_dict, not trained
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = delete;
  Module& operator=(Module&&) = delete;

  // Every parameter and buffer with its full dotted name, in registration order (= PyTorch's state_dict order).
  std::vector<NamedTensor> named_parameters(const std::string& prefix = "") const {
    std::vector<NamedTensor> out;
    collect(prefix, out);
    return out;
  }

  // Total number of parameter elements (buffers excluded), as sum(p.numel() for p in model.parameters()).
  int64_t parameter_count() const {
    int64_t n = 0;
    for (const auto& p : named_parameters())
      if (!p.is_buffer) n += p.tensor->numel();
    return n;
  }

  // This module and every descendant with its dotted name ("" for the root, then "body", "body.0", ...), parents
  // before children: the prefixes of named_parameters() (nn/trace.hpp names layers with it).
  std::vector<std::pair<std::string, const Module*>> named_modules() const {
    std::vector<std::pair<std::string, const Module*>> out;
    collect_modules("", out);
    return out;
  }

  // Keys the loader may skip without complaint (e.g. BatchNorm's num_batches_tracked, training-only tensors).
  virtual bool ignorable_key(const std::string& local_name) const {
    (void)local_name;
    return false;
  }

  std::vector<std::string> ignorable_keys(const std::string& prefix = "") const {
    std::vector<std::string> out;
    collect_ignorable(prefix, out);
    return out;
  }

 protected:
  // Registers a tensor under `name`; its current shape is the shape the weight file must have.
  void register_parameter(const std::string& name, Tensor<float>& t) { entries_.push_back({name, &t, false}); }
  void register_buffer(const std::string& name, Tensor<float>& t) { entries_.push_back({name, &t, true}); }
  void register_module(const std::string& name, Module& m) { children_.emplace_back(name, &m); }
  // Names of keys in the weight file that belong to this module but are not needed for inference.
  void register_ignored(const std::string& name) { ignored_.push_back(name); }

 private:
  void collect(const std::string& prefix, std::vector<NamedTensor>& out) const {
    for (const auto& e : entries_) out.push_back({prefix + e.name, e.tensor, e.is_buffer});
    for (const auto& c : children_) c.second->collect(prefix + c.first + ".", out);
  }
  void collect_modules(const std::string& name, std::vector<std::pair<std::string, const Module*>>& out) const {
    out.emplace_back(name, this);
    for (const auto& c : children_) c.second->collect_modules(name.empty() ? c.first : name + "." + c.first, out);
  }
  void collect_ignorable(const std::string& prefix, std::vector<std::string>& out) const {
    for (const auto& n : ignored_) out.push_back(prefix + n);
    for (const auto& c : children_) c.second->collect_ignorable(prefix + c.first + ".", out);
  }

  struct Entry {
    std::string name;
    Tensor<float>* tensor;
    bool is_buffer;
  };
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<std::string> ignored_;
};

// An indexed list of child modules with keys "0", "1", ... (torch.nn.ModuleList / Sequential numbering).
template <class M>
class ModuleList : public Module {
 public:
  template <class... Args>
  M& emplace_back(Args&&... args) {
    items_.push_back(std::make_unique<M>(std::forward<Args>(args)...));
    register_module(std::to_string(items_.size() - 1), *items_.back());
    return *items_.back();
  }
  // Appends under an explicit index (for Sequential containers whose parameter-free layers take numbers too,
  // e.g. nn.Sequential(conv, relu, conv) has keys "0.*" and "2.*").
  template <class... Args>
  M& emplace_at(int64_t index, Args&&... args) {
    items_.push_back(std::make_unique<M>(std::forward<Args>(args)...));
    register_module(std::to_string(index), *items_.back());
    return *items_.back();
  }
  size_t size() const { return items_.size(); }
  M& operator[](size_t i) { return *items_[i]; }
  const M& operator[](size_t i) const { return *items_[i]; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<std::unique_ptr<M>> items_;
};

}  // namespace pixforge
