// fuzz/fuzz_safetensors.cpp — libFuzzer target: the safetensors reader and load_model on what it parsed.
//
// Input: the bytes of a would-be .safetensors file. Parsed from memory (SafeTensors::from_bytes), every tensor is
// converted to float, check_finite() runs, and when the metadata names an architecture, load_model() builds the
// network from pixforge.config and loads the weights. The seeds (fuzz/corpus/safetensors) are tiny real model files,
// so mutations reach load_state_dict and the models' Config::from_json.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/all.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = (pixforge_fuzz::lower_limits(), true);
  (void)init;
  pixforge_fuzz::expect_ok_or_error([&] {
    const pixforge::SafeTensors st =
        pixforge::SafeTensors::from_bytes(std::vector<uint8_t>(data, data + size), "fuzz.safetensors");
    for (const std::string& key : st.keys()) {
      const pixforge::Tensor<float> t = st.get(key);
      if (t.numel() > 0 && t.data()[0] == 12345.0f) std::fputs("", stderr);  // keep the conversion observable
    }
    (void)st.check_finite();
    if (st.has_metadata("pixforge.arch")) (void)pixforge::load_model(st);
  });
  return 0;
}
