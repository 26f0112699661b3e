// pixforge/models/unet_deep.hpp — the "improved" pix2pix U-Net one level deeper (`unet_512`), arch "unet_deep".
//
// Spec: part-a.md §2. The same UnetGenerator as pix2pix_unet.hpp (same class, same state_dict keys
// model.model.1.model.3...), built with num_downs = 9: one more ngf·8 level, Dropout(0.5) (identity at inference) in
// the 4 blocks D8..D5, and a 1×1 bottleneck for a 512×512 input. Parameters (ngf 64, BatchNorm): 66,994,818 for
// 1 -> 2 (Lab), 66,996,867 for 1 -> 3, 66,998,915 for 3 -> 3.
//
// Input-size constraint: H and W must be multiples of 512 (2^9). A 9-level net cannot run on 256×256 (the 9th
// stride-2 conv would see a 1×1 map and produce 0×0); forward() refuses such inputs with the multiple to pad to.
// A checkpoint trained at 256² that calls itself "one level deeper" cannot be this topology (spec §2(b)): its
// innermost conv would not be k4 s2 — such a file is not supported.
//
// Pre/post-processing as pix2pix_unet.hpp: [−1, 1] values; Lab L/50 − 1 in, ab/110 out, or RGB x/127.5 − 1.
//
//   auto net = pixforge::UnetDeep::load("unet_deep.safetensors");
//   Tensor<float> ab = net->forward(L);   // [1,1,512,512] -> [1,2,512,512]
#pragma once

#include "pixforge/models/pix2pix_unet.hpp"

namespace pixforge {

class UnetDeep : public UnetGenerator {
 public:
  struct Config : UnetGenerator::Config {
    Config() { num_downs = 9; }
    static Config from_json(const Json& j) {
      Config c;
      static_cast<UnetGenerator::Config&>(c) = UnetGenerator::Config::from_json(j, "unet_deep", 9);
      return c;
    }
  };

  UnetDeep() : UnetDeep(Config()) {}
  explicit UnetDeep(const Config& c) : UnetGenerator(c, "unet_deep") {}

  static std::unique_ptr<UnetDeep> load(const std::string& path) { return load_model_as<UnetDeep>(path, "unet_deep"); }
};

inline const bool kUnetDeepRegistered =
    register_model<UnetDeep>("unet_deep", "pix2pix U-Net one level deeper (unet_512, inputs multiples of 512)");

}  // namespace pixforge
