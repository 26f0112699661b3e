// Hostile and broken weight files through the whole loading path (SafeTensors -> load_model -> load_state_dict),
// beyond the header-level cases of tests/io/test_safetensors.cpp: a model file cut at every byte or randomly
// corrupted, offsets near INT64_MAX, duplicate keys, a file of another architecture, weights that do not fit the
// config, NaN/Inf weights and hostile pixforge.config values. Every failure is a pixforge::Error naming the file.
#include <random>

#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/models/waifu2x_upconv7.hpp"
#include "robustness_util.hpp"
#include "test_util.hpp"

using namespace pixforge;
using test::catch_error;
using test::model_file;

namespace {
const char* kFile = "bad.safetensors";
test::Caught load_bytes(const std::vector<uint8_t>& bytes) {
  return catch_error([&] { (void)load_model(SafeTensors::from_bytes(bytes, kFile)); });
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<uint8_t> with_header(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out;
  out.reserve(8 + header.size() + data_bytes);
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(uint64_t(header.size()) >> (8 * i)));
  for (char ch : header) out.push_back(uint8_t(ch));  // (insert() here trips a GCC 12 -Warray-bounds false alarm)
  out.resize(out.size() + data_bytes, 0);
  return out;
}
}  // namespace

TEST_CASE("a model file cut at any byte fails with an error naming the file") {
  const std::vector<uint8_t> good = model_file("tiny_sr", R"({"nf":2})");
  REQUIRE(!load_bytes(good).thrown);
  for (size_t n = 0; n < good.size(); ++n) {
    const test::Caught c = load_bytes(std::vector<uint8_t>(good.begin(), good.begin() + std::ptrdiff_t(n)));
    INFO("cut at ", n, " of ", good.size(), ": ", c.what);
    REQUIRE(c.thrown);
    CHECK(c.code == ErrorCode::format_error);
    CHECK(has(c.what, kFile));
  }
}

TEST_CASE("a randomly corrupted model file loads or fails with a pixforge::Error, never anything else") {
  const std::vector<uint8_t> good = model_file("tiny_sr", R"({"nf":2})");
  std::mt19937 rng(7);
  int failed = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<uint8_t> b = good;
    const int flips = 1 + int(rng() % 4);
    // Half the trials hit the header (where the parser lives), half anywhere.
    const size_t span = trial % 2 ? b.size() : std::min<size_t>(b.size(), 8 + 400);
    for (int f = 0; f < flips; ++f) b[rng() % span] = uint8_t(rng());
    try {
      (void)load_model(SafeTensors::from_bytes(b, kFile));
    } catch (const Error& e) {
      ++failed;
      CHECK(has(e.what(), kFile));
    }
  }
  // The data section is most of the file: many flips land in weights and still load (possibly as NaN -> error).
  INFO(failed, " of 400 corrupted files rejected");
  CHECK(failed > 0);
}

TEST_CASE("offsets and sizes near the integer limits are rejected, not overflowed") {
  const std::string cases[] = {
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775804,9223372036854775807]}})",
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,9223372036854775808]}})",
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})",
      R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
      R"({"a":{"dtype":"F64","shape":[1099511627776],"data_offsets":[0,8796093022208]}})",
      R"({"a":{"dtype":"F32","shape":[-1,-4],"data_offsets":[0,16]}})",
      R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1],"data_offsets":[0,4]}})",
  };
  for (const std::string& h : cases) {
    const test::Caught c = load_bytes(with_header(h, 4));
    INFO(h, " -> ", c.what);
    CHECK(c.thrown);
    CHECK(c.code == ErrorCode::format_error);
    CHECK(has(c.what, "tensor 'a'"));
  }
}

TEST_CASE("duplicate tensor names are rejected") {
  const std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                        R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  const test::Caught c = catch_error([&] { (void)SafeTensors::from_bytes(with_header(h, 8), kFile); });
  INFO(c.what);
  CHECK(c.thrown);
  CHECK(c.code == ErrorCode::format_error);
  CHECK(has(c.what, "duplicate key \"a\""));
}

TEST_CASE("a tensor read with the wrong dtype is refused") {
  SafeTensorsWriter w;
  w.add("h", Tensor<half>::full({2}, half(1.0f)));
  const SafeTensors st = SafeTensors::from_bytes(w.to_bytes(), kFile);
  const test::Caught c = catch_error([&] { (void)st.get_as<float>("h"); });
  CHECK(c.code == ErrorCode::unsupported);
  CHECK(has(c.what, "stored as F16"));
  CHECK(has(catch_error([&] { (void)st.get("nope"); }).what, "no tensor named 'nope'"));
}

TEST_CASE("a weight file of another architecture is refused key by key") {
  // waifu2x upconv_7 weights relabelled as tiny_sr: conv1..3 exist in both with other shapes, conv4..7 are extra.
  std::vector<uint8_t> b = model_file("waifu2x_upconv7", R"({"channels":3,"base":2})");
  SafeTensors st = SafeTensors::from_bytes(b, kFile);
  SafeTensorsWriter w;
  for (const std::string& k : st.keys()) w.add(k, st.get(k));
  w.set_metadata("pixforge.arch", "tiny_sr");
  const test::Caught c = load_bytes(w.to_bytes());
  INFO(c.what);
  CHECK(c.code == ErrorCode::missing_key);
  CHECK(has(c.what, kFile));
  CHECK(has(c.what, "shape:      conv1.weight: file [2,3,3,3], model expects [32,3,5,5]"));
  CHECK(has(c.what, "unexpected: conv4.weight"));
  // The typed loader refuses a file whose metadata names another network before reading weights.
  const std::string path = test::temp_path("other_arch.safetensors");
  write_file_atomic(path, b.data(), b.size());
  const test::Caught typed = catch_error([&] { (void)TinySR::load(path); });
  std::remove(path.c_str());
  CHECK(typed.code == ErrorCode::invalid_argument);
  CHECK(has(typed.what, "holds a 'waifu2x_upconv7' network"));
}

TEST_CASE("weights that do not fit the config are listed by key and shape") {
  std::vector<uint8_t> b = model_file("tiny_sr", R"({"nf":2})");
  const SafeTensors st = SafeTensors::from_bytes(b, kFile);
  SafeTensorsWriter w;
  for (const std::string& k : st.keys()) w.add(k, st.get(k));
  w.set_metadata("pixforge.arch", "tiny_sr");
  w.set_metadata("pixforge.config", R"({"nf":3})");
  const test::Caught c = load_bytes(w.to_bytes());
  INFO(c.what);
  CHECK(c.code == ErrorCode::missing_key);
  CHECK(has(c.what, "conv1.weight: file [2,3,5,5], model expects [3,3,5,5]"));
}

TEST_CASE("NaN and Inf weights are refused by name") {
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    const std::vector<uint8_t> b = model_file("tiny_sr", R"({"nf":2})", [&](const std::string& name, Tensor<float>& t) {
      if (name == "conv2.bias") t.data()[1] = bad;
    });
    const test::Caught c = load_bytes(b);
    INFO(c.what);
    CHECK(c.code == ErrorCode::missing_key);
    CHECK(has(c.what, "non-finite: conv2.bias (1 NaN/Inf values)"));
  }
}

TEST_CASE("hostile pixforge.config values fail with a clear error before any large allocation") {
  const std::vector<uint8_t> good = model_file("tiny_sr", R"({"nf":2})");
  const SafeTensors st = SafeTensors::from_bytes(good, kFile);
  struct Case {
    std::string arch, config, message;
  };
  const Case cases[] = {
      {"tiny_sr", "not json", "pixforge.config"},
      {"tiny_sr", R"({"nf":"32"})", "expected an integer in int64 range, got a string"},
      {"tiny_sr", R"({"nf":1.5})", "expected an integer in int64 range, got 1.5"},
      {"tiny_sr", R"({"nf":-1})", "nf=-1 out of range"},
      {"tiny_sr", R"({"nf":99999999999999999999})", "expected an integer"},
      {"tiny_sr", R"([1,2])", "pixforge.config is not a JSON object"},
      {"rrdbnet", R"({"num_block":1000000000})", "num_block=1000000000 out of range"},
      {"rrdbnet", R"({"num_feat":1000000000})", "num_feat=1000000000 num_grow_ch=32 out of range"},
      // In range, but terabytes: refused by the build budget (models/model.hpp) before allocating.
      {"rrdbnet", R"({"num_feat":4096,"num_block":1000})", "the network is larger than the weights in the file"},
  };
  for (const Case& k : cases) {
    SafeTensorsWriter w;
    for (const std::string& key : st.keys()) w.add(key, st.get(key));
    w.set_metadata("pixforge.arch", k.arch);
    w.set_metadata("pixforge.config", k.config);
    const test::Caught c = load_bytes(w.to_bytes());
    INFO(k.arch, " ", k.config, " -> ", c.what);
    CHECK(c.thrown);
    CHECK(c.code != ErrorCode::internal);
    CHECK(has(c.what, kFile));
    CHECK(has(c.what, k.message));
  }
}
