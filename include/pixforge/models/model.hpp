// pixforge/models/model.hpp — the interface every image generator implements, and the registry that builds one
// from a weight file's metadata alone.
//
// A converted weight file says what it is in its safetensors `__metadata__`:
//   pixforge.arch      architecture name as `pixforge archs` lists it ("tiny_sr", "realcugan", "rrdbnet", ...)
//   pixforge.config    the model's Config as JSON ({"nf": 32, ...}); missing fields take the defaults
//   pixforge.source    where the weights came from (file name, sha256), pixforge.license, pixforge.converter
//
//     std::unique_ptr<ImageModel> m = load_model("weights/tiny-sr-2x.safetensors");   // built + loaded
//     Tensor<> y = m->forward(x);                                                    // x in m->info().range
//
// Each model header registers its architecture once (an inline variable, so including the header is enough):
//     inline const bool kTinySrRegistered = register_model<TinySR>("tiny_sr", "2x SR demo network (ESPCN-style)");
// where TinySR has a nested `Config` with `static Config from_json(const Json&)` and a constructor from Config.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/image.hpp"  // Range
#include "pixforge/io/safetensors.hpp"
#include "pixforge/nn/module.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/conv2d.hpp"  // PaddingMode

namespace pixforge {

// One global average pool of a model (see ImageModelInfo::mean_pools): the map it averages has num/den pixels per
// model-input pixel along each axis (a map after two stride-2 levels of a 2x upscale's second U-Net: 2/4). Shifting
// the model input by d pixels (a multiple of size_multiple) shifts that map by d·num/den.
struct MeanPool {
  int64_t num = 1, den = 1;
};

// Hook of ImageModel::forward_with_means(): called once per entry of info().mean_pools, in forward order, with the
// map the pool averages [N, C, h, w]; returns the means [N, C, 1, 1] the model uses instead of the map's own. The
// pipeline's multi-pass tiling records tile-owned sums through it and substitutes whole-image means.
class ChannelMeansHook {
 public:
  virtual ~ChannelMeansHook() = default;
  virtual Tensor<float> means(const Tensor<float>& map) = 0;
  // True when the current pass needs nothing after the pool just seen: forward_with_means() then stops early and
  // returns an empty tensor (a statistics pass skips the rest of the network).
  virtual bool stop() const { return false; }
};
inline bool hook_stopped(const ChannelMeansHook* hook) { return hook != nullptr && hook->stop(); }

// What a pipeline needs to know to run a generator on an image.
struct ImageModelInfo {
  std::string arch;
  std::string task = "upscale";  // upscale, denoise, colorize, stylize, segment, remove-bg, enhance, deblur, ...
  int64_t scale = 1;             // output H, W = input H, W × scale
  int64_t in_channels = 3, out_channels = 3;
  Range range = Range::unit;  // value range of its image tensors (io/image.hpp converts)
  // Pre-padding of the reference app before the network sees the image (waifu2x: replicate 18 px, Real-CUGAN:
  // reflect 18 px, ...). The pipeline crops the output back to input × scale; for networks whose unpadded
  // convolutions shrink the result, that crop is the symmetric remainder, not pre_pad × scale.
  PaddingMode border_mode = PaddingMode::zeros;
  int64_t pre_pad = 0;
  // Receptive-field radius in input pixels: a tile computed with this much real context on each side is exact.
  int64_t halo = 0;
  // The context a tile needs before / after its core (input pixels) for bit-identical outputs when conv2d() runs
  // the model's 3×3 layers on the Winograd grid (tiles then start on multiples of conv2d_grid_tile() ·
  // size_multiple): the exact, minimal values from the layer geometry (models/tile_reach.hpp). 0 = not derived:
  // the pipeline uses conv2d_grid_tile() · halo on both sides, a safe bound.
  int64_t grid_halo_before = 0, grid_halo_after = 0;
  // The (pre-padded) input height/width must be a multiple of this; the pipeline pads up to it.
  int64_t size_multiple = 1;
  // True when an output pixel depends on statistics of the whole image (e.g. the SE blocks' global average pool
  // in Real-CUGAN / CUNet): then no halo makes tiles exact, and the pipeline runs such a model untiled, unless
  // that dependence is only through the per-channel means listed in mean_pools (below).
  bool global_context = false;
  // The global average pools (SE squeezes) of forward(), in forward order, for models whose only whole-image
  // dependence is those per-channel means and that implement forward_with_means(). The pipeline then tiles them
  // exactly in several passes (pipeline.hpp). Empty for every other model.
  std::vector<MeanPool> mean_pools;
  // Peak activation memory of forward() per input pixel (bytes), used to pick a tile size from a memory budget.
  // 0 = unknown: the pipeline estimates it conservatively from the widest layer (pipeline.hpp).
  int64_t activation_bytes_per_pixel = 0;
  // A part of the peak that does not grow with the tile (bytes), e.g. RRDBNet's fixed-size tail bands: the
  // estimate of a tile of A pixels is A · activation_bytes_per_pixel + activation_bytes_fixed.
  int64_t activation_bytes_fixed = 0;
};

class ImageModel : public Module {
 public:
  virtual const ImageModelInfo& info() const = 0;
  virtual Tensor<float> forward(const Tensor<float>& x) const = 0;
  // forward() with the means of info().mean_pools supplied by `hook` (nullptr: the model's own, = forward()).
  virtual Tensor<float> forward_with_means(const Tensor<float>& x, ChannelMeansHook* hook) const {
    PIXFORGE_CHECK(hook == nullptr, ErrorCode::unsupported, info().arch, ": forward_with_means is not implemented ",
                   "(the model lists no mean_pools)");
    return forward(x);
  }
  // Row-streamed forward, for models that implement it (RRDBNet): the bits of forward(x), handed to
  // sink(band [N, out_channels, rows, W·scale], its first row) band by band from the top, with activations that
  // grow with the width, not the height. stream_bytes(h, w): their estimated peak for an h × w input (bytes),
  // 0 when the model does not stream. The pipeline prefers it to tiles that would recompute a deep context.
  using RowSink = std::function<void(const Tensor<float>& band, int64_t row0)>;
  virtual int64_t stream_bytes(int64_t h, int64_t w) const {
    (void)h, (void)w;
    return 0;
  }
  virtual void forward_rows(const Tensor<float>& x, const RowSink& sink) const {
    (void)x, (void)sink;
    PIXFORGE_CHECK(false, ErrorCode::unsupported, info().arch, ": forward_rows (row streaming) is not implemented");
  }
};

// The input check most generators start forward() with: x is [N, info.in_channels, H, W] with H and W positive
// multiples of info.size_multiple; `why` explains the multiple in the message ("8 stride-2 levels, ...").
inline void check_model_input(const Tensor<float>& x, const ImageModelInfo& info, const char* why) {
  PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == info.in_channels, ErrorCode::shape_mismatch, info.arch,
                 ": expected [N,", info.in_channels, ",H,W], got ", x.shape().str());
  const int64_t m = info.size_multiple;
  PIXFORGE_CHECK(x.size(2) > 0 && x.size(3) > 0 && x.size(2) % m == 0 && x.size(3) % m == 0,
                 ErrorCode::shape_mismatch, info.arch, ": H and W must be positive multiples of ", m, " (", why,
                 "), got ", x.shape().str(), "; pad the image (", padding_mode_name(info.border_mode),
                 ", size_multiple ", m, ")");
}

struct ModelEntry {
  std::string arch, description;
  std::function<std::unique_ptr<ImageModel>(const Json& config)> create;
};

inline std::map<std::string, ModelEntry>& model_registry() {
  static std::map<std::string, ModelEntry> r;
  return r;
}

// Registers Model (an ImageModel with a nested Config) under `arch`. Returns true so it can initialise a variable.
template <class Model>
bool register_model(const std::string& arch, const std::string& description) {
  model_registry()[arch] = ModelEntry{arch, description, [](const Json& config) -> std::unique_ptr<ImageModel> {
                                        return std::make_unique<Model>(Model::Config::from_json(config));
                                      }};
  return true;
}

inline std::vector<std::string> registered_archs() {
  std::vector<std::string> names;
  for (const auto& kv : model_registry()) names.push_back(kv.first);
  return names;
}

// Bytes a network built for `file` may allocate while it is constructed: the file's weights as float, twice over
// (buffers and parameters the file does not store), plus 64 MiB. A pixforge.config asking for more (a hostile
// 1 KB file declaring num_feat 4096 × 1000 blocks) cannot match the file, and fails before allocating it.
inline int64_t model_build_budget(const SafeTensors& file) {
  int64_t elements = 0;
  for (const StTensorInfo& ti : file.infos()) elements += ti.shape.numel();  // each <= 2^40: no overflow
  return std::min<int64_t>(elements, int64_t(1) << 56) * 8 + (int64_t(64) << 20);
}
// What errors raised while building that network start with (ErrorContext): a bad config value names the file.
inline std::string model_build_context(const SafeTensors& file, const Json& config) {
  std::string c = config.dump();
  if (c.size() > 200) c = c.substr(0, 200) + "...";
  return msg("load_model '", file.path(), "', pixforge.config ", c);
}

// The pixforge.config of a weight file ({} when absent); anything but a JSON object is a format_error.
inline Json model_config(const SafeTensors& file) {
  if (!file.has_metadata("pixforge.config")) return Json::object();
  Json config = Json::parse(file.metadata_value("pixforge.config"), file.path() + " pixforge.config");
  PIXFORGE_CHECK(config.is_object(), ErrorCode::format_error, "load_model '", file.path(),
                 "': pixforge.config is not a JSON object");
  return config;
}

// Builds the network a safetensors file describes (pixforge.arch + pixforge.config) and loads its weights.
inline std::unique_ptr<ImageModel> load_model(const SafeTensors& file) {
  PIXFORGE_CHECK(file.has_metadata("pixforge.arch"), ErrorCode::format_error, "load_model '", file.path(),
                 "': no pixforge.arch in the metadata — convert the weights with a tools/ converter first");
  const std::string arch = file.metadata_value("pixforge.arch");
  auto it = model_registry().find(arch);
  if (it == model_registry().end()) {
    std::string known;
    for (const auto& name : registered_archs()) known += (known.empty() ? "" : ", ") + name;
    fail(ErrorCode::unsupported, msg("load_model '", file.path(), "': architecture '", arch,
                                     "' is not built into this program (known: ", known, ")"));
  }
  const Json config = model_config(file);
  std::unique_ptr<ImageModel> model;
  {
    const ErrorContext context(model_build_context(file, config));
    AllocationBudget budget(model_build_budget(file), "the network is larger than the weights in the file");
    model = it->second.create(config);
  }
  LoadOptions opt;
  opt.what = arch;
  load_state_dict(*model, file, opt);
  return model;
}
inline std::unique_ptr<ImageModel> load_model(const std::string& path) { return load_model(SafeTensors::open(path)); }

// Typed loading for code that knows which network it wants: refuses a file of another architecture, builds Model
// from the file's pixforge.config (defaults when absent) and loads it. Model::load(path) forwards here.
template <class Model>
std::unique_ptr<Model> load_model_as(const std::string& path, const std::string& arch) {
  SafeTensors st = SafeTensors::open(path);
  if (st.has_metadata("pixforge.arch") && st.metadata_value("pixforge.arch") != arch)
    fail(ErrorCode::invalid_argument,
         msg(arch, ": '", path, "' holds a '", st.metadata_value("pixforge.arch"), "' network"));
  const Json config = model_config(st);
  std::unique_ptr<Model> net;
  {
    const ErrorContext context(model_build_context(st, config));
    AllocationBudget budget(model_build_budget(st), "the network is larger than the weights in the file");
    net = std::make_unique<Model>(Model::Config::from_json(config));
  }
  LoadOptions opt;
  opt.what = arch;
  load_state_dict(*net, st, opt);
  return net;
}

}  // namespace pixforge
