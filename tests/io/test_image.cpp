// Tests of io/image.hpp: every format loads, channel conversions match PIL, lossless round trips are exact, JPEG
// stays within tolerance, hostile and broken files fail with the right error (not a crash, not a huge allocation),
// saves are atomic, and Image <-> Tensor follows the documented formulas and quantisation.
//
// Test images: tests/data/make_test_images.py. Quantisation references: tools/golden/gen_color.py ("to_image_*").
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "test_util.hpp"

using namespace pixforge;
namespace fs = std::filesystem;

namespace {

// Must match pattern() in tests/data/make_test_images.py.
uint8_t pattern(int x, int y, int c) { return uint8_t((x * 37 + y * 11 + c * 71 + x * y * 5) % 256); }

std::string data(const std::string& name) { return test::source_path("tests/data/" + name); }

void check_pattern(const Image& img, int channels, const std::string& label) {
  INFO(label);
  REQUIRE(img.width == 7);
  REQUIRE(img.height == 5);
  REQUIRE(img.channels == channels);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x)
      for (int c = 0; c < channels; ++c)
        REQUIRE_MESSAGE(img.at(x, y, c) == pattern(x, y, c), "at x=", x, " y=", y, " c=", c);
}

Image random_image(int w, int h, int c, uint32_t seed) {
  Image img = Image::blank(w, h, c);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = uint8_t(rng() & 0xFF);
  return img;
}

// A smooth image: JPEG's DCT keeps it within a few LSB.
Image smooth_image(int w, int h, int c) {
  Image img = Image::blank(w, h, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch)
        img.at(x, y, ch) = uint8_t(128 + 100 * std::sin(0.09 * x + 0.05 * y + ch) * std::cos(0.04 * y - 0.3 * ch));
  return img;
}

struct Diff {
  int max = 0;
  double mean = 0;
};
Diff diff(const Image& a, const Image& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  REQUIRE(a.channels == b.channels);
  Diff d;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const int e = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    d.max = std::max(d.max, e);
    d.mean += e;
  }
  d.mean /= double(a.pixels.size());
  return d;
}

// Runs fn, requires it to raise pixforge::Error with `code`, returns the message.
template <class F>
std::string error_of(F&& fn, ErrorCode code) {
  try {
    fn();
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK_MESSAGE(e.code() == code, "got ", what);
    return what;
  }
  FAIL("no error raised");
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A fresh, empty directory under the system temp dir; removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("pixforge_test_image_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

// Restores limits() at scope exit.
struct LimitsGuard {
  Limits saved = limits();
  ~LimitsGuard() { limits() = saved; }
};

}  // namespace

// ---- loading ------------------------------------------------------------------------------------------------

TEST_CASE("load_image: PNG, BMP, TGA, palette and 16-bit PNG all decode to the same pixels") {
  check_pattern(load_image(data("gray.png")), 1, "gray.png");
  check_pattern(load_image(data("gray_alpha.png")), 2, "gray_alpha.png");
  check_pattern(load_image(data("rgb.png")), 3, "rgb.png");
  check_pattern(load_image(data("rgba.png")), 4, "rgba.png");
  check_pattern(load_image(data("palette.png")), 3, "palette.png (expanded by stb)");
  check_pattern(load_image(data("rgb.bmp")), 3, "rgb.bmp");
  check_pattern(load_image(data("rgb.tga")), 3, "rgb.tga");
  check_pattern(load_image(data("rgba.tga")), 4, "rgba.tga");
  // Samples are pattern * 256 + 255: keeping the high byte (stb's 16 -> 8 rule) gives the pattern back, whereas
  // rounding (v * 255 / 65535) would give pattern + 1 for every pattern value below 127.
  check_pattern(load_image(data("rgb16.png")), 3, "rgb16.png (16-bit, high byte kept)");
}

TEST_CASE("load_image: JPEG decodes within 1 LSB of libjpeg (PIL)") {
  const Image stb = load_image(data("gradient.jpg"));
  const Image pil = load_image(data("gradient_pil.png"));
  REQUIRE(stb.channels == 3);
  const Diff d = diff(stb, pil);
  INFO("max ", d.max, " mean ", d.mean);
  // stb_image and libjpeg use different IDCT and chroma upsampling arithmetic.
  CHECK(d.max <= 3);
  CHECK(d.mean <= 0.5);
  const Image gray = load_image(data("gray.jpg"));
  CHECK(gray.channels == 1);
  CHECK(gray.width == 32);
  CHECK(gray.height == 24);
}

TEST_CASE("load_image: desired_channels converts like PIL's convert()") {
  // RGB -> L: bit-exact with PIL (the reference files were written by PIL's convert('L')).
  const Image l = load_image(data("rgb.png"), 1);
  CHECK(diff(l, load_image(data("rgb_pil_L.png"))).max == 0);
  const Image cl = load_image(data("colors.png"), 1);
  const Diff dcl = diff(cl, load_image(data("colors_pil_L.png")));
  CHECK_MESSAGE(dcl.max == 0, "2304 random colours: max diff ", dcl.max);

  // gray -> RGB replicates; gray -> RGBA adds opaque alpha.
  const Image g3 = load_image(data("gray.png"), 3);
  const Image g4 = load_image(data("gray.png"), 4);
  REQUIRE(g3.channels == 3);
  REQUIRE(g4.channels == 4);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x)
      for (int c = 0; c < 3; ++c) {
        CHECK(g3.at(x, y, c) == pattern(x, y, 0));
        CHECK(g4.at(x, y, c) == pattern(x, y, 0));
        CHECK(g4.at(x, y, 3) == 255);
      }
  // RGB -> RGBA: alpha 255; RGBA -> RGB: alpha dropped (not composited).
  const Image rgba = load_image(data("rgb.png"), 4);
  const Image rgb = load_image(data("rgba.png"), 3);
  check_pattern(rgb, 3, "rgba.png as RGB");
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x) {
      CHECK(rgba.at(x, y, 3) == 255);
      CHECK(rgba.at(x, y, 0) == pattern(x, y, 0));
    }
  // RGBA -> LA keeps alpha; LA -> RGBA replicates gray and keeps alpha.
  const Image la = load_image(data("rgba.png"), 2);
  const Image la4 = load_image(data("gray_alpha.png"), 4);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x) {
      CHECK(la.at(x, y, 0) == pil_luma(pattern(x, y, 0), pattern(x, y, 1), pattern(x, y, 2)));
      CHECK(la.at(x, y, 1) == pattern(x, y, 3));
      CHECK(la4.at(x, y, 2) == pattern(x, y, 0));
      CHECK(la4.at(x, y, 3) == pattern(x, y, 1));
    }
  error_of([] { load_image(data("rgb.png"), 5); }, ErrorCode::invalid_argument);
}

TEST_CASE("load_image_from_memory matches load_image") {
  std::ifstream f(data("rgba.png"), std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
  check_pattern(load_image_from_memory(bytes, "rgba.png in memory"), 4, "from memory");
  const std::string e = error_of([] { load_image_from_memory(std::vector<uint8_t>{1, 2, 3}, "three bytes"); },
                                 ErrorCode::format_error);
  CHECK(contains(e, "'three bytes'"));
}

// ---- broken and hostile files ---------------------------------------------------------------------------------

TEST_CASE("load_image: missing, empty, garbage, truncated and corrupt files raise Error") {
  std::string e = error_of([] { load_image(data("does_not_exist.png")); }, ErrorCode::io_error);
  CHECK(contains(e, "does_not_exist.png"));
  CHECK(contains(e, "No such file"));

  e = error_of([] { load_image(data("empty.png")); }, ErrorCode::format_error);
  CHECK(contains(e, "empty.png': file is empty"));

  e = error_of([] { load_image(data("garbage.bin")); }, ErrorCode::format_error);
  CHECK(contains(e, "garbage.bin"));
  CHECK(contains(e, "not a PNG, JPEG, BMP or TGA image"));
  CHECK(contains(e, "(stb: "));

  e = error_of([] { load_image(data("zero_size.png")); }, ErrorCode::format_error);
  CHECK(contains(e, "zero_size.png"));

  e = error_of([] { load_image(data("truncated.png")); }, ErrorCode::format_error);
  CHECK(contains(e, "truncated.png': truncated or corrupt PNG (stb: "));

  e = error_of([] { load_image(data("corrupt.png")); }, ErrorCode::format_error);
  CHECK(contains(e, "corrupt.png': truncated or corrupt PNG (stb: "));

  e = error_of([] { load_image(data("truncated.jpg")); }, ErrorCode::format_error);
  CHECK(contains(e, "truncated.jpg': truncated JPEG"));

  // A directory is not a file.
  error_of([] { load_image(data("")); }, ErrorCode::io_error);
}

TEST_CASE("load_image: a JPEG Huffman table with more than 256 codes is rejected before stb parses it") {
  // stb_image 2.27 writes past its tables on such a file (see jpeg_max_huffman_codes in image.hpp).
  std::ifstream f(data("gradient.jpg"), std::ios::binary);
  const std::vector<uint8_t> good((std::istreambuf_iterator<char>(f)), {});
  size_t dht = 0;
  for (size_t i = 2; i + 1 < good.size() && !dht; ++i)
    if (good[i] == 0xFF && good[i + 1] == 0xC4) dht = i;
  REQUIRE(dht > 0);
  std::vector<uint8_t> bad = good;
  for (size_t k = 0; k < 16; ++k) bad[dht + 5 + k] = 0xFF;  // 16 counts of 255 = 4080 codes
  std::string e = error_of([&] { load_image_from_memory(bad, "dht.jpg"); }, ErrorCode::format_error);
  CHECK(contains(e, "Huffman table declares 4080 codes"));
  // stb also accepts FF fill bytes before the SOI marker, so must we when looking for tables.
  bad.insert(bad.begin(), {0xFF, 0xFF});
  e = error_of([&] { load_image_from_memory(bad, "dht_fill.jpg"); }, ErrorCode::format_error);
  CHECK(contains(e, "Huffman table declares 4080 codes"));
  // The unmodified file with the same prefix still loads.
  std::vector<uint8_t> filled = good;
  filled.insert(filled.begin(), {0xFF, 0xFF});
  CHECK(load_image_from_memory(filled, "fill.jpg").width == 32);
}

TEST_CASE("load_image: a JPEG cut anywhere fails, never crashes") {
  std::ifstream f(data("gradient.jpg"), std::ios::binary);
  const std::vector<uint8_t> jpg((std::istreambuf_iterator<char>(f)), {});
  int failures = 0;
  for (size_t n = 0; n < jpg.size(); n += 7) {
    try {
      load_image_from_memory(jpg.data(), n, "cut.jpg");
    } catch (const Error& e) {
      CHECK_MESSAGE(e.code() == ErrorCode::format_error, e.what());
      ++failures;
    }
  }
  CHECK(failures == int((jpg.size() + 6) / 7));
}

TEST_CASE("load_image: randomly corrupted files load or fail cleanly") {
  // Flip a few bytes or cut the file, 400 times per format: each attempt either decodes to a consistent Image or
  // raises format_error / limit_exceeded. (Run under -fsanitize=address,undefined to see memory errors.) The pixel
  // limit is lowered so that a mutated header cannot make a legitimate 1 GiB allocation slow the test down.
  LimitsGuard guard;
  limits().max_image_pixels = 1 << 16;
  std::mt19937 rng(42);
  for (const char* name : {"rgb.png", "gray_alpha.png", "palette.png", "gradient.jpg", "rgb.bmp", "rgba.tga"}) {
    std::ifstream f(data(name), std::ios::binary);
    const std::vector<uint8_t> good((std::istreambuf_iterator<char>(f)), {});
    REQUIRE(!good.empty());
    int loaded = 0, failed = 0;
    for (int trial = 0; trial < 400; ++trial) {
      std::vector<uint8_t> bytes = good;
      if (trial % 4 == 3) {
        bytes.resize(rng() % bytes.size());
      } else {
        for (int k = 0; k <= trial % 4; ++k) bytes[rng() % bytes.size()] = uint8_t(rng());
      }
      try {
        const Image img = load_image_from_memory(bytes, name);
        check_image(img, name);
        ++loaded;
      } catch (const Error& e) {
        const bool expected = e.code() == ErrorCode::format_error || e.code() == ErrorCode::limit_exceeded;
        CHECK_MESSAGE(expected, e.what());
        ++failed;
      }
    }
    INFO(name, ": ", loaded, " mutants decoded, ", failed, " rejected");
    CHECK(loaded + failed == 400);
    CHECK(failed > 0);  // the mutations do reach the decoders' error paths
  }
}

TEST_CASE("load_image: huge declared dimensions fail with limit_exceeded before decoding") {
  // IHDR says 100000 x 100000 RGB (30 GB); stb_image's own cap catches it in the header pass.
  std::string e = error_of([] { load_image(data("huge_header.png")); }, ErrorCode::limit_exceeded);
  CHECK(contains(e, "huge_header.png"));
  // 20000 x 20000 gray passes stb's caps; our pixel limit (2^28 by default) rejects it from the header alone (the
  // file holds 64 bytes of pixel data, so the dimensions in the message can only come from the header check).
  e = error_of([] { load_image(data("big_gray_header.png")); }, ErrorCode::limit_exceeded);
  CHECK(contains(e, "20000x20000"));
  CHECK(contains(e, "max_image_pixels"));
  // The same for a JPEG frame header (60000 x 60000, 3 components) and a BMP info header (70000 x -70000,
  // top-down), built in memory.
  const std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8,    0xEA, 0x60, 0xEA, 0x60, 3,
                                     1,    0x22, 0,    2,    0x11, 1,    3,    0x11, 1,    0xFF, 0xD9};
  e = error_of([&] { load_image_from_memory(jpeg, "huge.jpg"); }, ErrorCode::limit_exceeded);
  CHECK(contains(e, "60000x60000"));
  std::vector<uint8_t> bmp(54, 0);
  auto le32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bmp[at + size_t(i)] = uint8_t(v >> (8 * i));
  };
  bmp[0] = 'B';
  bmp[1] = 'M';
  le32(2, 54);
  le32(10, 54);
  le32(14, 40);
  le32(18, 70000);
  le32(22, uint32_t(-70000));
  bmp[26] = 1;
  bmp[28] = 24;
  e = error_of([&] { load_image_from_memory(bmp, "huge.bmp"); }, ErrorCode::limit_exceeded);
  CHECK(contains(e, "70000x70000"));

  // The limit is configurable.
  LimitsGuard guard;
  limits().max_image_pixels = 34;  // rgb.png has 35 pixels
  e = error_of([] { load_image(data("rgb.png")); }, ErrorCode::limit_exceeded);
  CHECK(contains(e, "PNG of 7x5 pixels"));
  limits().max_image_pixels = 35;
  CHECK(load_image(data("rgb.png")).width == 7);
}

// ---- saving -----------------------------------------------------------------------------------------------------

TEST_CASE("save_image: PNG, BMP and TGA round trips are exact for 1..4 channels") {
  TempDir dir;
  for (int c = 1; c <= 4; ++c) {
    const Image img = random_image(13, 9, c, 100 + uint32_t(c));
    for (const char* ext : {".png", ".PNG", ".bmp", ".tga"}) {
      // stb's BMP writer has no gray or gray+alpha form (it writes them as RGB).
      if (std::string(ext) == ".bmp" && c < 3) continue;
      const std::string path = (dir.path / ("rt" + std::to_string(c) + ext)).string();
      save_image(path, img);
      const Image back = load_image(path);
      INFO(path);
      REQUIRE(back.channels == c);
      CHECK(diff(back, img).max == 0);
    }
    // encode_image + load_image_from_memory, no file involved.
    check_image(load_image_from_memory(encode_image("x.png", img), "mem.png"), "round trip");
    CHECK(diff(load_image_from_memory(encode_image("x.png", img), "mem.png"), img).max == 0);
  }
  // Temporary files are gone.
  for (const auto& name : dir.files()) CHECK_MESSAGE(!contains(name, ".tmp"), name);
}

TEST_CASE("save_image: JPEG round trip stays within tolerance") {
  TempDir dir;
  for (int c : {1, 3}) {
    const Image img = smooth_image(64, 48, c);
    const std::string p95 = (dir.path / "q95.jpg").string(), p50 = (dir.path / "q50.jpeg").string();
    save_image(p95, img);
    save_image(p50, img, 50);
    // stb_image_write always writes a 3-component (YCbCr) JPEG, so gray comes back as RGB unless asked for.
    CHECK(load_image(p95).channels == 3);
    const Diff d95 = diff(load_image(p95, c), img), d50 = diff(load_image(p50, c), img);
    INFO("channels ", c, ": q95 max ", d95.max, " mean ", d95.mean, "; q50 max ", d50.max, " mean ", d50.mean);
    CHECK(d95.max <= 6);
    CHECK(d95.mean <= 1.0);
    CHECK(d50.mean > d95.mean);  // the quality argument reaches the encoder
    CHECK(fs::file_size(p50) < fs::file_size(p95));
  }
}

TEST_CASE("save_image: bad requests fail before touching the target") {
  TempDir dir;
  const Image img = random_image(5, 4, 3, 7);
  const Image rgba = random_image(5, 4, 4, 8);
  std::string e = error_of([&] { save_image((dir.path / "x.webp").string(), img); }, ErrorCode::unsupported);
  CHECK(contains(e, "unsupported extension '.webp'"));
  error_of([&] { save_image((dir.path / "noext").string(), img); }, ErrorCode::unsupported);
  error_of([&] { save_image((dir.path / "dir.png" / "x").string(), img); }, ErrorCode::unsupported);
  e = error_of([&] { save_image((dir.path / "a.jpg").string(), rgba); }, ErrorCode::invalid_argument);
  CHECK(contains(e, "JPEG cannot store alpha"));
  error_of([&] { save_image((dir.path / "a.jpg").string(), img, 0); }, ErrorCode::invalid_argument);
  e = error_of([&] { save_image((dir.path / "a.bmp").string(), random_image(5, 4, 2, 9)); },
               ErrorCode::invalid_argument);
  CHECK(contains(e, "BMP cannot store gray+alpha"));
  error_of([&] { save_image((dir.path / "a.png").string(), Image{}); }, ErrorCode::invalid_argument);
  Image bad = img;
  bad.pixels.pop_back();
  e = error_of([&] { save_image((dir.path / "a.png").string(), bad); }, ErrorCode::invalid_argument);
  CHECK(contains(e, "needs 60 bytes, pixels holds 59"));
  CHECK(dir.files().empty());
}

TEST_CASE("save_image: a missing directory fails and leaves nothing behind") {
  TempDir dir;
  const fs::path target = dir.path / "no" / "such" / "dir" / "out.png";
  const std::string e = error_of([&] { save_image(target.string(), random_image(4, 4, 3, 1)); }, ErrorCode::io_error);
  CHECK(contains(e, "out.png"));
  CHECK(dir.files().empty());
}

TEST_CASE("save_image: a target that is a directory fails and leaves it alone") {
  TempDir dir;
  fs::create_directory(dir.path / "taken.png");
  const std::string e =
      error_of([&] { save_image((dir.path / "taken.png").string(), random_image(4, 4, 3, 1)); }, ErrorCode::io_error);
  CHECK(contains(e, "taken.png"));
  CHECK(fs::is_directory(dir.path / "taken.png"));
  CHECK(dir.files() == std::vector<std::string>{"taken.png"});
}

TEST_CASE("save_image: a failure while replacing a good file leaves the old file intact") {
  TempDir dir;
  const fs::path target = dir.path / "good.png";
  const Image old_img = random_image(16, 16, 3, 11);
  save_image(target.string(), old_img);
  const std::string old_bytes = read_all(target);
  REQUIRE(old_bytes.size() > 100);
  auto intact = [&](const char* what) {
    INFO(what);
    CHECK(read_all(target) == old_bytes);
    CHECK(dir.files() == std::vector<std::string>{"good.png"});
  };

  // An error raised while producing the image (before save_image runs).
  const Tensor<float> wrong = Tensor<float>::zeros({1, 5, 16, 16});
  error_of([&] { save_image(target.string(), tensor_to_image(wrong)); }, ErrorCode::shape_mismatch);
  intact("tensor_to_image error");

  // An error inside save_image before any byte is written (an Image whose fields disagree).
  Image bad = old_img;
  bad.channels = 4;
  error_of([&] { save_image(target.string(), bad); }, ErrorCode::invalid_argument);
  intact("invalid image");

  // The disk fills up halfway through writing the new file (file_util's test hook fails writes with ENOSPC after
  // 100 bytes).
  const Image new_img = random_image(32, 32, 3, 12);
  detail::simulated_disk_capacity() = 100;
  const std::string e = error_of([&] { save_image(target.string(), new_img); }, ErrorCode::io_error);
  detail::simulated_disk_capacity() = -1;
  CHECK(contains(e, "good.png"));
  CHECK(contains(e, "No space left on device"));
  intact("disk full midway");

  // And a successful save does replace it.
  save_image(target.string(), new_img);
  CHECK(diff(load_image(target.string()), new_img).max == 0);
  CHECK(dir.files() == std::vector<std::string>{"good.png"});
}

// ---- alpha ------------------------------------------------------------------------------------------------------

TEST_CASE("split_alpha / merge_alpha carry alpha untouched") {
  const Image rgba = load_image(data("rgba.png"));
  const AlphaSplit s = split_alpha(rgba);
  REQUIRE(s.color.channels == 3);
  REQUIRE(s.alpha.channels == 1);
  check_pattern(s.color, 3, "color part");
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x) CHECK(s.alpha.at(x, y, 0) == pattern(x, y, 3));
  CHECK(diff(merge_alpha(s.color, s.alpha), rgba).max == 0);

  const AlphaSplit la = split_alpha(load_image(data("gray_alpha.png")));
  CHECK(la.color.channels == 1);
  CHECK(merge_alpha(la.color, la.alpha).channels == 2);

  const AlphaSplit none = split_alpha(load_image(data("rgb.png")));
  CHECK(none.alpha.empty());
  CHECK(merge_alpha(none.color, none.alpha).channels == 3);

  Image small = Image::blank(3, 3, 1);
  error_of([&] { merge_alpha(s.color, small); }, ErrorCode::shape_mismatch);
  error_of([&] { merge_alpha(rgba, s.alpha); }, ErrorCode::invalid_argument);
}

// ---- Image <-> Tensor -----------------------------------------------------------------------------------------

TEST_CASE("image_to_tensor: layout and the four ranges") {
  const Image img = load_image(data("rgb.png"));
  const Tensor<float> unit = image_to_tensor(img, Range::unit);
  REQUIRE(unit.shape() == Shape({1, 3, 5, 7}));
  const Tensor<float> sym = image_to_tensor(img, Range::symmetric);
  const Tensor<float> byte = image_to_tensor(img, Range::byte);
  const Tensor<float> inet = image_to_tensor(img, Range::imagenet);
  const Tensor<float> bgr = image_to_tensor(img, Range::unit, ChannelOrder::bgr);
  const float mean[3] = {0.485f, 0.456f, 0.406f}, stdv[3] = {0.229f, 0.224f, 0.225f};
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 7; ++x) {
        const float p = float(pattern(x, y, c));
        CHECK(unit(0, c, y, x) == p / 255.0f);
        CHECK(sym(0, c, y, x) == (p / 255.0f - 0.5f) / 0.5f);
        CHECK(byte(0, c, y, x) == p);
        CHECK(inet(0, c, y, x) == (p / 255.0f - mean[c]) / stdv[c]);
        CHECK(bgr(0, 2 - c, y, x) == p / 255.0f);
      }
  // Gray and RGBA keep their channel count.
  CHECK(image_to_tensor(load_image(data("gray.png"))).shape() == Shape({1, 1, 5, 7}));
  const Tensor<float> bgra = image_to_tensor(load_image(data("rgba.png")), Range::unit, ChannelOrder::bgr);
  CHECK(bgra(0, 3, 1, 2) == float(pattern(2, 1, 3)) / 255.0f);
  CHECK(bgra(0, 0, 1, 2) == float(pattern(2, 1, 2)) / 255.0f);
  error_of([] { image_to_tensor(load_image(data("rgba.png")), Range::imagenet); }, ErrorCode::invalid_argument);
  error_of([] { image_to_tensor(load_image(data("gray.png")), Range::unit, ChannelOrder::bgr); },
           ErrorCode::invalid_argument);
}

TEST_CASE("image -> tensor -> image round trips") {
  // All 256 values in every channel position.
  Image img = Image::blank(256, 1, 3);
  for (int x = 0; x < 256; ++x)
    for (int c = 0; c < 3; ++c) img.at(x, 0, c) = uint8_t((x + 85 * c) % 256);
  for (Range r : {Range::unit, Range::symmetric, Range::byte, Range::imagenet}) {
    INFO(range_name(r));
    CHECK(diff(tensor_to_image(image_to_tensor(img, r), r), img).max == 0);
    CHECK(diff(tensor_to_image(image_to_tensor(img, r, ChannelOrder::bgr), r, Rounding::round, ChannelOrder::bgr),
               img)
              .max == 0);
  }
  // Truncation is exact for byte, and loses at most 1 LSB elsewhere (documented; pix2pix behaves the same).
  CHECK(diff(tensor_to_image(image_to_tensor(img, Range::byte), Range::byte, Rounding::truncate), img).max == 0);
  for (Range r : {Range::unit, Range::symmetric, Range::imagenet})
    CHECK(diff(tensor_to_image(image_to_tensor(img, r), r, Rounding::truncate), img).max <= 1);
  // A strided tensor (a channel-reversing view would need a flip; use a narrow of a larger tensor instead).
  const Tensor<float> big = image_to_tensor(random_image(9, 4, 3, 5));
  const Tensor<float> crop = big.narrow(3, 2, 5);
  const Image ci = tensor_to_image(crop);
  CHECK(ci.width == 5);
  CHECK(ci.at(0, 0, 0) == quantize(big(0, 0, 0, 2) * 255.0f, Rounding::round));
}

TEST_CASE("tensor_to_image: quantisation, NaN and infinities") {
  const float nan = std::nanf(""), inf = INFINITY;
  const std::vector<float> v = {-3.0f, 0.0f, 0.4f, 0.5f, 1.5f, 2.5f, 2.51f, 3.5f, 254.5f, 254.99f, 255.0f, 300.0f,
                                nan, inf, -inf, -0.0f};
  const std::vector<int> round = {0, 0, 0, 0, 2, 2, 3, 4, 254, 255, 255, 255, 0, 255, 0, 0};  // ties to even
  const std::vector<int> trunc = {0, 0, 0, 0, 1, 2, 2, 3, 254, 254, 255, 255, 0, 255, 0, 0};
  const Tensor<float> t = Tensor<float>::from_vector({1, 1, 1, int64_t(v.size())}, v);
  const Image r = tensor_to_image(t, Range::byte, Rounding::round);
  const Image tr = tensor_to_image(t, Range::byte, Rounding::truncate);
  for (size_t i = 0; i < v.size(); ++i) {
    CHECK_MESSAGE(int(r.pixels[i]) == round[i], "round(", v[i], ")");
    CHECK_MESSAGE(int(tr.pixels[i]) == trunc[i], "truncate(", v[i], ")");
  }
  error_of([] { tensor_to_image(Tensor<float>::zeros({2, 3, 4, 4})); }, ErrorCode::shape_mismatch);
  error_of([] { tensor_to_image(Tensor<float>::zeros({3, 4, 4})); }, ErrorCode::shape_mismatch);
  error_of([] { tensor_to_image(Tensor<float>::zeros({1, 3, 0, 4})); }, ErrorCode::invalid_argument);
  error_of([] { tensor_to_image(Tensor<float>::zeros({1, 4, 2, 2}), Range::imagenet); }, ErrorCode::invalid_argument);
}

TEST_CASE("tensor_to_image matches the reference repositories' quantisation bit for bit (golden)") {
  // tools/golden/gen_color.py: Real-ESRGAN (clamp, *255, np.round), pix2pix tensor2im ((v+1)/2*255, astype),
  // DeOldify-style imagenet denorm; float32 numpy arithmetic on values crowded around the .5 and integer edges.
  test::Golden g("color");
  int n = 0;
  for (const auto& c : g.cases()) {
    const std::string fn = c.params["fn"].as_string();
    if (fn.rfind("to_image_", 0) != 0) continue;
    ++n;
    const Range range = fn == "to_image_unit_round"           ? Range::unit
                        : fn == "to_image_symmetric_truncate" ? Range::symmetric
                                                              : Range::imagenet;
    const Rounding rounding = fn == "to_image_symmetric_truncate" ? Rounding::truncate : Rounding::round;
    const Tensor<float> x = g.tensor(c, "x");
    const Image img = tensor_to_image(x, range, rounding);
    const Tensor<float> got = image_to_tensor(img, Range::byte);
    test::check_equal(got, g.tensor(c, "y"), c.name + " " + fn);
  }
  CHECK(n == 3);
}
