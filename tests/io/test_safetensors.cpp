// Tests of the safetensors reader/writer: round trips, the official package's byte layout, F16/BF16, and hostile
// files (truncated, huge header length, offsets out of range, overlaps, holes, wrong dtype size, bad JSON).
#include <cstdio>
#include <fstream>

#include "pixforge/io/safetensors.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

std::vector<uint8_t> make_file(const std::string& header_json, size_t data_bytes, bool pad = true) {
  std::string h = header_json;
  if (pad) h.append((8 - h.size() % 8) % 8, ' ');
  std::vector<uint8_t> out;
  out.reserve(8 + h.size() + data_bytes);
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(uint64_t(h.size()) >> (8 * i)));
  out.insert(out.end(), h.begin(), h.end());
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(uint8_t(i));
  return out;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    SafeTensors::from_bytes(bytes, "bad.safetensors");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::format_error);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("safetensors: writer/reader round trip with F32, F16, BF16 and metadata") {
  SafeTensorsWriter w;
  Tensor<float> a = test::random_tensor({2, 3, 4}, 1);
  Tensor<float> b = test::random_tensor({5}, 2, -100, 100);
  w.add("layer.weight", a);
  w.add("layer.bias", b.to<half>());
  w.add("z.bf", b.to<bfloat16>());
  w.set_metadata("pixforge.arch", "test");
  w.set_metadata("config", R"({"nf":64})");
  SafeTensors st = SafeTensors::from_bytes(w.to_bytes());
  CHECK(st.size() == 3);
  CHECK(st.metadata_value("pixforge.arch") == "test");
  CHECK(Json::parse(st.metadata_value("config"))["nf"].as_int64() == 64);
  test::check_equal(st.get("layer.weight"), a, "f32 round trip");
  CHECK(st.info("layer.bias").dtype == StDType::F16);
  // F16 / BF16 are exact conversions of the rounded values.
  test::check_equal(st.get("layer.bias"), b.to<half>().to<float>(), "f16 round trip");
  test::check_equal(st.get("z.bf"), b.to<bfloat16>().to<float>(), "bf16 round trip");
  Tensor<half> raw = st.get_as<half>("layer.bias");
  CHECK(raw.shape() == Shape({5}));
  CHECK_THROWS_AS(st.get_as<float>("layer.bias"), Error);
  CHECK_THROWS_AS(st.get("nope"), Error);
  CHECK_THROWS_AS(st.metadata_value("nope"), Error);
  CHECK(st.check_finite().empty());
}

TEST_CASE("safetensors: writer matches the official package's layout") {
  // What `safetensors.torch.save_file({"b": torch.zeros(2), "a": torch.zeros(1, dtype=torch.float16)},
  // metadata={"k": "v"})` writes: dtype order F32 before F16, compact JSON, metadata first, space padding to 8.
  SafeTensorsWriter w;
  w.add("b", Tensor<float>::zeros({2}));
  w.add("a", Tensor<half>::zeros({1}));
  w.set_metadata("k", "v");
  std::vector<uint8_t> bytes = w.to_bytes();
  const std::string expect =
      R"({"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("a":{"dtype":"F16","shape":[1],"data_offsets":[8,10]}})";
  std::string padded = expect;
  padded.append((8 - padded.size() % 8) % 8, ' ');
  CHECK(detail::read_le64(bytes.data()) == padded.size());
  CHECK(std::string(bytes.begin() + 8, bytes.begin() + 8 + long(padded.size())) == padded);
  CHECK(bytes.size() == 8 + padded.size() + 10);
}

TEST_CASE("safetensors: file written by tools/golden/common.py (the Python package's byte layout) loads") {
  // tests/golden/safetensors_python.safetensors is written by tools/golden/gen_safetensors.py with PyTorch:
  // a state_dict with F32, F16, BF16 and an I64 num_batches_tracked, plus metadata.
  SafeTensors st = SafeTensors::open(test::golden_path("safetensors_python"));
  CHECK(st.metadata_value("format") == "pt");
  CHECK(st.info("bn.num_batches_tracked").dtype == StDType::I64);
  CHECK(st.get("bn.num_batches_tracked").data()[0] == 7.0f);
  const Tensor<float> w32 = st.get("conv.weight");
  const Tensor<float> w16 = st.get("conv_half.weight");
  const Tensor<float> wbf = st.get("conv_bf16.weight");
  CHECK(w32.shape() == Shape({4, 3, 3, 3}));
  // The Python side stored the same values rounded to f16 / bf16; compare against our own rounding.
  test::check_equal(w16, w32.to<half>().to<float>(), "f16 from python");
  test::check_equal(wbf, w32.to<bfloat16>().to<float>(), "bf16 from python");
  test::check_equal(st.get("expected_sum"), Tensor<float>::full({1}, [&] {
                      double s = 0;
                      for (int64_t i = 0; i < w32.numel(); ++i) s += w32.data()[i];
                      return float(s);
                    }()),
                    "value check");
}

TEST_CASE("safetensors: hostile and broken files fail with a clear format_error") {
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  CHECK_NOTHROW(SafeTensors::from_bytes(make_file(ok, 8)));

  SUBCASE("too short") { CHECK(error_of({1, 2, 3}).find("too short") != std::string::npos); }
  SUBCASE("huge header length") {
    std::vector<uint8_t> b(16, 0xff);
    CHECK(error_of(b).find("exceeds the 100 MB limit") != std::string::npos);
  }
  SUBCASE("header past end") {
    auto b = make_file(ok, 8);
    b.resize(20);
    CHECK(error_of(b).find("runs past the end") != std::string::npos);
  }
  SUBCASE("truncated data") {
    auto b = make_file(ok, 8);
    b.pop_back();
    CHECK(error_of(b).find("run past") != std::string::npos);
  }
  SUBCASE("trailing bytes") { CHECK(error_of(make_file(ok, 12)).find("trailing") != std::string::npos); }
  SUBCASE("offsets out of range") {
    CHECK(error_of(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,800000000000]}})", 8))
              .find("run past") != std::string::npos);
  }
  SUBCASE("overlap") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
    CHECK(error_of(make_file(h, 8)).find("overlap") != std::string::npos);
  }
  SUBCASE("hole") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
    CHECK(error_of(make_file(h, 8)).find("hole") != std::string::npos);
  }
  SUBCASE("wrong dtype size") {
    const std::string h = R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}})";
    CHECK(error_of(make_file(h, 8)).find("but data_offsets span 8") != std::string::npos);
  }
  SUBCASE("unknown dtype") {
    CHECK(error_of(make_file(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})", 16))
              .find("unsupported dtype") != std::string::npos);
  }
  SUBCASE("invalid JSON") {
    CHECK(error_of(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],}})", 8))
              .find("invalid JSON") != std::string::npos);
    CHECK(error_of(make_file(R"({"a":)", 0)).find("invalid JSON") != std::string::npos);
    CHECK(error_of(make_file("[1,2]", 0)).find("start with '{'") != std::string::npos);
  }
  SUBCASE("deep nesting") {
    std::string h = "{\"__metadata__\":" + std::string(200, '[') + std::string(200, ']') + "}";
    CHECK(error_of(make_file(h, 0)).find("nesting") != std::string::npos);
  }
  SUBCASE("negative, fractional and huge dims") {
    CHECK(!error_of(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8)).empty());
    CHECK(!error_of(make_file(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", 8)).empty());
    CHECK(error_of(make_file(R"({"a":{"dtype":"F32","shape":[1048576,1048576,1048576],"data_offsets":[0,8]}})", 8))
              .find("2^40") != std::string::npos);
    CHECK(!error_of(make_file(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4)).empty());
  }
  SUBCASE("metadata must be strings") {
    CHECK(error_of(make_file(R"({"__metadata__":{"k":1}})", 0)).find("not a string") != std::string::npos);
  }
  SUBCASE("missing fields") {
    CHECK(error_of(make_file(R"({"a":{"dtype":"F32","shape":[2]}})", 8)).find("lacks") != std::string::npos);
  }
}

TEST_CASE("safetensors: NaN is legal but reported by check_finite") {
  SafeTensorsWriter w;
  Tensor<float> t = Tensor<float>::zeros({4});
  t.data()[1] = NAN;
  t.data()[3] = INFINITY;
  w.add("w", t);
  w.add("ok", Tensor<float>::zeros({2}));
  SafeTensors st = SafeTensors::from_bytes(w.to_bytes());
  auto bad = st.check_finite();
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].first == "w");
  CHECK(bad[0].second == 2);
}

TEST_CASE("safetensors: open() errors name the file; save() is atomic") {
  try {
    SafeTensors::open("does/not/exist.safetensors");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::io_error);
    CHECK(std::string(e.what()).find("does/not/exist.safetensors") != std::string::npos);
  }
  const std::string path = test::temp_path("test_safetensors.safetensors");
  SafeTensorsWriter w;
  w.add("x", test::random_tensor({3, 3}, 5));
  w.save(path);
  const auto good = read_file(path);
  // A failing write (simulated full disk) leaves the previous file intact and no temporary behind.
  SafeTensorsWriter big;
  big.add("y", Tensor<float>::zeros({1000}));
  detail::simulated_disk_capacity() = 100;
  CHECK_THROWS_AS(big.save(path), Error);
  detail::simulated_disk_capacity() = -1;
  CHECK(read_file(path) == good);
  CHECK_THROWS_AS(w.save("no/such/dir/x.safetensors"), Error);
  std::remove(path.c_str());
}

TEST_CASE("half and bfloat16 conversions: F16C path equals the software reference on every half") {
  for (uint32_t b = 0; b < 65536; ++b) {
    const float f = half::to_float(uint16_t(b));
    const float s = detail::half_to_float_soft(uint16_t(b));
    if (std::isnan(f)) {
      REQUIRE(std::isnan(s));
      continue;
    }
    REQUIRE(detail::float_bits(f) == detail::float_bits(s));
    REQUIRE(detail::float_to_half_soft(f) == uint16_t(b));  // exact round trip
  }
  // Rounding to nearest even on a sweep of floats, including subnormal halves and overflow.
  uint32_t seed = 12345;
  for (int i = 0; i < 200000; ++i) {
    seed = seed * 1664525u + 1013904223u;
    // exponents 96..159: magnitudes 2^-31 (below the smallest half subnormal) .. 2^32 (past half's max, 65504)
    const uint32_t exp = 96u + (seed >> 26) % 64u;
    const float f = detail::bits_float((seed & 0x807fffffu) | (exp << 23));
    REQUIRE(half::from_float(f) == detail::float_to_half_soft(f));
  }
  CHECK(bfloat16::to_float(bfloat16::from_float(1.00390625f)) == 1.0f);  // tie -> even
  CHECK(bfloat16::to_float(bfloat16::from_float(1.01171875f)) == 1.015625f);
}
