// fuzz/fuzz_json.cpp — libFuzzer target: core/json.hpp and every registered model's Config::from_json.
//
// Input: byte 0 picks an architecture from the model registry, the rest is JSON text. The parser must accept or
// reject it with a pixforge::Error; an accepted document must survive dump() -> parse() -> dump() unchanged, and is
// then given to the architecture's factory (Config::from_json + the constructor, as load_model does with a weight
// file's pixforge.config). A config that validates builds a network whose parameters fit the lowered limits, or is
// refused with limit_exceeded.
#include <cstdlib>
#include <string>

#include "fuzz_common.hpp"
#include "pixforge/core/json.hpp"
#include "pixforge/models/all.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = (pixforge_fuzz::lower_limits(), true);
  (void)init;
  if (size < 1) return 0;
  const auto& registry = pixforge::model_registry();
  auto it = registry.begin();
  std::advance(it, data[0] % registry.size());
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  pixforge_fuzz::expect_ok_or_error([&] {
    const pixforge::Json j = pixforge::Json::parse(text, "fuzz.json");
    const std::string once = j.dump();
    const std::string twice = pixforge::Json::parse(once, "fuzz.json dump").dump();
    if (once != twice) {
      std::fprintf(stderr, "fuzz: dump is not a fixed point:\n%s\n%s\n", once.c_str(), twice.c_str());
      std::abort();
    }
    (void)it->second.create(j);
  });
  return 0;
}
