// pixforge/io/image.hpp — 8-bit images: load and save (stb_image), channel conversions, Image <-> Tensor.
//
//     #define PIXFORGE_IMPLEMENTATION            // in exactly ONE .cpp of your program (stb style, see below)
//     #include "pixforge/io/image.hpp"
//
//     pixforge::Image img = pixforge::load_image("photo.jpg", 3);             // force RGB
//     auto x = pixforge::image_to_tensor(img, pixforge::Range::unit);        // [1,3,H,W], values in [0,1]
//     auto y = run_my_model(x);                                              // [1,3,sH,sW]
//     pixforge::save_image("photo_x4.png", pixforge::tensor_to_image(y, pixforge::Range::unit));
//
// Image is interleaved HWC, 8 bits per channel, 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels, rows top
// to bottom with no padding: pixel (x, y) channel c is pixels[(y * width + x) * channels + c].
//
// Loading (stb_image, compiled with PNG, JPEG, BMP and TGA only — fewer decoders, less attack surface):
//   * The file is read whole, the header is parsed with stbi_info, and the dimensions are checked against
//     limits().max_image_pixels (core/tensor.hpp) BEFORE anything is decoded, so a hostile 100000×100000 header
//     fails with limit_exceeded instead of allocating gigabytes. stb_image's own caps (2^24 pixels per side,
//     2^30 bytes decoded) also report limit_exceeded. A small file can still legitimately decode to the full limit
//     (4 bytes × 2^28 pixels = 1 GiB by default): lower limits().max_image_pixels for untrusted input.
//   * Truncated or corrupt data fails with format_error carrying stbi_failure_reason(). stb_image pads a truncated
//     JPEG entropy stream with zeros and "succeeds" with a grey bottom, so a JPEG must also end in its EOI marker.
//   * Hostile input: Debian's stb_image (2.27, a 2022 snapshot) predates the security fixes of stb 2.28. We compile
//     only four decoders, reject JPEG Huffman tables with more than 256 codes before stb parses the file (2.27
//     writes past its tables on those), and a mutation test runs every decoder under ASan/UBSan. For untrusted
//     uploads prefer a current stb through PIXFORGE_NO_STB. stb's buffers are allocated zeroed: its TGA decoder
//     leaves what a truncated file does not cover unwritten (a truncated TGA decodes with zeros there, never with
//     heap memory).
//   * 16-bit PNGs are reduced to 8 bits by keeping the high byte (stb_image's rule: v16 >> 8, a truncation).
//   * Ignored: EXIF orientation, ICC profiles, PNG gAMA. Pixels come out as stored (so do they in PIL and cv2).
//   * desired_channels (0 = as stored, else 1..4) is applied by convert_channels() below, NOT by stb_image, so that
//     load_image(path, 1) equals PIL's Image.open(path).convert('L') bit for bit (stb's own luma is
//     (77R + 150G + 29B) >> 8, which differs by up to 1 LSB).
//
// Saving picks the encoder by extension: .png (lossless), .jpg/.jpeg (quality 1..100, baseline 4:2:0 from
// stb_image_write; no alpha; stb always writes 3 components, so a gray image reloads as RGB unless loaded with
// desired_channels = 1), .bmp (gray is written as RGB; gray+alpha is refused), .tga. The image is encoded in memory first and written with
// write_file_atomic() (io/file_util.hpp): temporary file in the same directory, fsync, rename over the target.
// A failure (bad image, unsupported extension, missing directory, full disk) never leaves a half-written file and
// never clobbers an existing good one.
//
// Tensor conversion: image_to_tensor() gives [1,C,H,W] float; tensor_to_image() takes [1,C,H,W] with C = 1..4.
//   Range      8-bit p -> tensor v                    tensor v -> 8-bit (before quantisation)    used by
//   unit       p / 255                                v * 255                                    ESRGAN, EdgeConnect
//   symmetric  (p / 255 - 0.5) / 0.5   ([-1,1])       (v + 1) / 2 * 255                          pix2pix, DeblurGAN
//   byte       p                                      v                                          Caffe/ncnn models
//   imagenet   (p / 255 - mean[c]) / std[c]           (v * std[c] + mean[c]) * 255               DeOldify, U²-Net
//              mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225), indexed by colour (R, G, B) whatever the
//              channel order; needs exactly 3 channels.
//   Every formula is evaluated in float32 in the order written, as torchvision/numpy do, so inputs match PyTorch
//   preprocessing bit for bit (in ISO C++ mode; -ffp-contract=fast / -ffast-math may fuse v * std + mean into an FMA
//   and move a truncated value by 1 LSB).
//   Quantisation of x (the value on the 0..255 scale):
//     Rounding::round     clamp to [0,255], round to nearest, ties to even. This is Real-ESRGAN's
//                         `(clamp(v,0,1) * 255).round()` and Real-CUGAN's `(v * 255).round().clamp(0, 255)` exactly
//                         (numpy and torch round ties to even; floor(x + 0.5) would differ only at exact .5 ties).
//     Rounding::truncate  clamp to [0,255], drop the fraction: pix2pix/DeblurGAN `tensor2im`'s `astype(np.uint8)`.
//                         Note that a [0,1] round trip through truncation can lose 1 LSB (p / 255 * 255 may land
//                         just below p), exactly as in those repositories.
//     NaN maps to 0; +inf to 255, -inf to 0.
//   ChannelOrder::bgr swaps the first and third channels on the way in and out (BGRA for 4 channels).
//   Alpha: split_alpha() / merge_alpha() carry the alpha channel separately and untouched, e.g. to upscale RGB with
//   a model and alpha with a plain resize.
//   Gray: convert_channels() here works on 8-bit images; rgb_to_gray()/gray_to_rgb() on tensors are in
//   io/color.hpp.
//
// stb policy (stb style). The stb-backed functions (load_image, load_image_from_memory, encode_image, save_image)
// are only declared here; their definitions, and stb_image/stb_image_write themselves, are compiled in the one
// translation unit that defines PIXFORGE_IMPLEMENTATION before including this header. Forgetting it gives
// "undefined reference to pixforge::load_image"; defining it in two files gives duplicate symbols. Everything
// else in this header is inline and usable everywhere.
//   * By default that TU compiles stb with STB_IMAGE_STATIC / STB_IMAGE_WRITE_STATIC: stb's symbols stay private to
//     it, so an engine that links its own (possibly different) stb version has no clashes. This works because only
//     our non-inline functions in that same TU call stb; inline functions calling static stb would be an ODR
//     violation, which is why the stb-backed functions are not inline.
//   * PIXFORGE_NO_STB: the engine already compiles stb_image and stb_image_write (with external linkage). Then
//     pixforge includes only their declarations ("stb_image.h", "stb_image_write.h" from the include path) and
//     calls the engine's copies. The engine's STBI_ONLY_* choices then decide which formats load.
//   * In the implementation TU, include this header before any stb header (checked with #error).
//   * stb's own warnings are silenced locally (pragma push/pop), so -Wall -Wextra builds stay clean.
#ifndef PIXFORGE_IO_IMAGE_HPP
#define PIXFORGE_IO_IMAGE_HPP

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

struct Image {
  int width = 0, height = 0, channels = 0;  // channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  std::vector<uint8_t> pixels;              // HWC interleaved, width * height * channels bytes

  static Image blank(int width, int height, int channels, uint8_t value = 0) {
    PIXFORGE_CHECK(width > 0 && height > 0 && channels >= 1 && channels <= 4, ErrorCode::invalid_argument,
                   "Image::blank: invalid size ", width, "x", height, "x", channels);
    const size_t bytes = size_t(width) * size_t(height) * size_t(channels);
    return Image{width, height, channels, std::vector<uint8_t>(bytes, value)};
  }
  bool empty() const { return pixels.empty(); }
  size_t index(int x, int y, int c) const {
    return (size_t(y) * size_t(width) + size_t(x)) * size_t(channels) + size_t(c);
  }
  uint8_t& at(int x, int y, int c) { return pixels[index(x, y, c)]; }
  uint8_t at(int x, int y, int c) const { return pixels[index(x, y, c)]; }
};

enum class Range : uint8_t { unit, symmetric, byte, imagenet };
enum class Rounding : uint8_t { round, truncate };
enum class ChannelOrder : uint8_t { rgb, bgr };

inline const char* range_name(Range r) {
  switch (r) {
    case Range::unit: return "unit";
    case Range::symmetric: return "symmetric";
    case Range::byte: return "byte";
    case Range::imagenet: return "imagenet";
  }
  return "?";
}

// ---- stb-backed functions: defined only where PIXFORGE_IMPLEMENTATION is defined ------------------------------

// Loads a PNG, JPEG, BMP or TGA file. desired_channels: 0 = as stored, 1..4 = converted by convert_channels().
Image load_image(const std::string& path, int desired_channels = 0);
// The same from encoded bytes in memory; `name` only appears in error messages.
Image load_image_from_memory(const uint8_t* data, size_t size, const std::string& name, int desired_channels = 0);
inline Image load_image_from_memory(const std::vector<uint8_t>& bytes, const std::string& name,
                                    int desired_channels = 0) {
  return load_image_from_memory(bytes.data(), bytes.size(), name, desired_channels);
}
// Encodes to the format named by the extension of `path` (.png, .jpg, .jpeg, .bmp, .tga; case-insensitive).
std::vector<uint8_t> encode_image(const std::string& path, const Image& image, int jpeg_quality = 95);
// encode_image + write_file_atomic: the target is replaced only if everything succeeded.
void save_image(const std::string& path, const Image& image, int jpeg_quality = 95);

// ---- checks -----------------------------------------------------------------------------------------------------

// Validates an Image's fields; `where` names the caller in the message.
inline void check_image(const Image& img, const std::string& where) {
  PIXFORGE_CHECK(img.width > 0 && img.height > 0, ErrorCode::invalid_argument, where, ": image has zero size (",
                 img.width, "x", img.height, ")");
  PIXFORGE_CHECK(img.channels >= 1 && img.channels <= 4, ErrorCode::invalid_argument, where,
                 ": image has ", img.channels, " channels, expected 1..4");
  PIXFORGE_CHECK(int64_t(img.width) * img.height <= limits().max_image_pixels, ErrorCode::limit_exceeded, where,
                 ": image of ", img.width, "x", img.height, " pixels exceeds limits().max_image_pixels = ",
                 limits().max_image_pixels);
  const size_t expect = size_t(img.width) * size_t(img.height) * size_t(img.channels);
  PIXFORGE_CHECK(img.pixels.size() == expect, ErrorCode::invalid_argument, where, ": ", img.width, "x", img.height,
                 "x", img.channels, " image needs ", expect, " bytes, pixels holds ", img.pixels.size());
}

// ---- channel conversions (8-bit) ----------------------------------------------------------------------------

// Pillow's convert('L'): L = R*299/1000 + G*587/1000 + B*114/1000, computed as Pillow computes it, in 16-bit fixed
// point with rounding: (19595 R + 38470 G + 7471 B + 0x8000) >> 16 (the three weights sum to exactly 65536).
inline uint8_t pil_luma(uint8_t r, uint8_t g, uint8_t b) {
  return uint8_t((uint32_t(r) * 19595u + uint32_t(g) * 38470u + uint32_t(b) * 7471u + 0x8000u) >> 16);
}

// Converts between 1 (L), 2 (LA), 3 (RGB) and 4 (RGBA) channels the way Pillow's convert() does:
//   colour -> gray: pil_luma (alpha ignored);  gray -> colour: replicate;  alpha added: 255 (opaque);
//   alpha removed: dropped, NOT composited onto a background.
inline Image convert_channels(const Image& img, int channels) {
  check_image(img, "convert_channels");
  PIXFORGE_CHECK(channels >= 1 && channels <= 4, ErrorCode::invalid_argument, "convert_channels: ", channels,
                 " channels requested, expected 1..4");
  if (channels == img.channels) return img;
  Image out = Image::blank(img.width, img.height, channels);
  const int cin = img.channels;
  const bool in_color = cin >= 3, in_alpha = cin == 2 || cin == 4;
  const bool out_color = channels >= 3, out_alpha = channels == 2 || channels == 4;
  const int64_t n = int64_t(img.width) * img.height;
  parallel_for_chunked(0, n, 1 << 14, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const uint8_t* s = img.pixels.data() + i * cin;
      uint8_t* d = out.pixels.data() + i * channels;
      if (out_color) {
        d[0] = s[0];
        d[1] = in_color ? s[1] : s[0];
        d[2] = in_color ? s[2] : s[0];
      } else {
        d[0] = in_color ? pil_luma(s[0], s[1], s[2]) : s[0];
      }
      if (out_alpha) d[channels - 1] = in_alpha ? s[cin - 1] : 255;
    }
  });
  return out;
}

// The colour part and the alpha part of an image with alpha (2 or 4 channels). For an image without alpha,
// `alpha` is empty (alpha.empty()) and `color` is a copy of the input.
struct AlphaSplit {
  Image color;  // 1 or 3 channels
  Image alpha;  // 1 channel, or empty
};

inline AlphaSplit split_alpha(const Image& img) {
  check_image(img, "split_alpha");
  if (img.channels == 1 || img.channels == 3) return AlphaSplit{img, Image{}};
  const int cc = img.channels - 1;
  AlphaSplit out{Image::blank(img.width, img.height, cc), Image::blank(img.width, img.height, 1)};
  const size_t n = size_t(img.width) * size_t(img.height), cin = size_t(img.channels), cout = size_t(cc);
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < cout; ++c) out.color.pixels[i * cout + c] = img.pixels[i * cin + c];
    out.alpha.pixels[i] = img.pixels[i * cin + cout];
  }
  return out;
}

// Inverse of split_alpha: appends a 1-channel alpha to a 1- or 3-channel image of the same size. An empty alpha
// returns `color` unchanged.
inline Image merge_alpha(const Image& color, const Image& alpha) {
  check_image(color, "merge_alpha (color)");
  if (alpha.empty()) return color;
  check_image(alpha, "merge_alpha (alpha)");
  PIXFORGE_CHECK(color.channels == 1 || color.channels == 3, ErrorCode::invalid_argument,
                 "merge_alpha: color image must have 1 or 3 channels, got ", color.channels);
  PIXFORGE_CHECK(alpha.channels == 1, ErrorCode::invalid_argument, "merge_alpha: alpha must have 1 channel, got ",
                 alpha.channels);
  PIXFORGE_CHECK(alpha.width == color.width && alpha.height == color.height, ErrorCode::shape_mismatch,
                 "merge_alpha: color is ", color.width, "x", color.height, ", alpha is ", alpha.width, "x",
                 alpha.height);
  const int cc = color.channels;
  Image out = Image::blank(color.width, color.height, cc + 1);
  const size_t n = size_t(color.width) * size_t(color.height), cin = size_t(cc), cout = size_t(cc + 1);
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < cin; ++c) out.pixels[i * cout + c] = color.pixels[i * cin + c];
    out.pixels[i * cout + cin] = alpha.pixels[i];
  }
  return out;
}

// ---- Image <-> Tensor ---------------------------------------------------------------------------------------

namespace detail {
constexpr float kImagenetMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kImagenetStd[3] = {0.229f, 0.224f, 0.225f};

// 8-bit value p of colour channel c (0 R, 1 G, 2 B, 3 alpha) -> tensor value, in torchvision's float32 order.
inline float normalize_pixel(uint8_t p, int c, Range range) {
  switch (range) {
    case Range::unit: return float(p) / 255.0f;
    case Range::symmetric: return (float(p) / 255.0f - 0.5f) / 0.5f;
    case Range::byte: return float(p);
    case Range::imagenet: return (float(p) / 255.0f - kImagenetMean[c]) / kImagenetStd[c];
  }
  return 0.0f;
}

// Tensor value v of colour channel c -> the 0..255 scale, as the reference repositories compute it (float32).
inline float denormalize_value(float v, int c, Range range) {
  switch (range) {
    case Range::unit: return v * 255.0f;
    case Range::symmetric: return (v + 1.0f) / 2.0f * 255.0f;
    case Range::byte: return v;
    case Range::imagenet: return (v * kImagenetStd[c] + kImagenetMean[c]) * 255.0f;
  }
  return 0.0f;
}
}  // namespace detail

// x on the 0..255 scale -> uint8 (see the table at the top). `!(x > 0)` also catches NaN.
inline uint8_t quantize(float x, Rounding rounding) {
  if (!(x > 0.0f)) return 0;
  if (x >= 255.0f) return 255;
  // nearbyint rounds ties to even in the default floating-point environment, like np.round / torch.round.
  return uint8_t(rounding == Rounding::round ? std::nearbyint(x) : x);
}

// Which colour (0 R, 1 G, 2 B, 3 A) tensor channel c holds.
inline int color_of_channel(int c, int channels, ChannelOrder order) {
  if (order == ChannelOrder::bgr && channels >= 3 && c < 3) return 2 - c;
  return c;
}

// Image [H,W,C] uint8 -> Tensor [1,C,H,W] float.
inline Tensor<float> image_to_tensor(const Image& img, Range range = Range::unit,
                                     ChannelOrder order = ChannelOrder::rgb) {
  check_image(img, "image_to_tensor");
  PIXFORGE_CHECK(range != Range::imagenet || img.channels == 3, ErrorCode::invalid_argument,
                 "image_to_tensor: imagenet normalisation needs 3 channels, image has ", img.channels,
                 " (use convert_channels or split_alpha first)");
  PIXFORGE_CHECK(order == ChannelOrder::rgb || img.channels >= 3, ErrorCode::invalid_argument,
                 "image_to_tensor: BGR order needs 3 or 4 channels, image has ", img.channels);
  const int C = img.channels, H = img.height, W = img.width;
  Tensor<float> t = Tensor<float>::empty({1, C, H, W});
  float* out = t.data();
  parallel_for(0, int64_t(C) * H, [&](int64_t cy) {
    const int c = int(cy / H), y = int(cy % H);
    const int color = color_of_channel(c, C, order);
    const uint8_t* src = img.pixels.data() + size_t(y) * size_t(W) * size_t(C) + size_t(color);
    float* dst = out + cy * W;
    for (int x = 0; x < W; ++x) dst[x] = detail::normalize_pixel(src[size_t(x) * size_t(C)], color, range);
  });
  return t;
}

// Tensor [1,C,H,W] float (any strides), C = 1..4 -> Image [H,W,C] uint8.
inline Image tensor_to_image(const Tensor<float>& tensor, Range range = Range::unit,
                             Rounding rounding = Rounding::round, ChannelOrder order = ChannelOrder::rgb) {
  PIXFORGE_CHECK(tensor.dim() == 4 && tensor.size(0) == 1 && tensor.size(1) >= 1 && tensor.size(1) <= 4,
                 ErrorCode::shape_mismatch, "tensor_to_image: expected [1,C,H,W] with C in 1..4, got ",
                 tensor.shape().str());
  PIXFORGE_CHECK(tensor.size(2) > 0 && tensor.size(3) > 0, ErrorCode::invalid_argument,
                 "tensor_to_image: zero-size tensor ", tensor.shape().str());
  PIXFORGE_CHECK(tensor.size(2) <= INT32_MAX && tensor.size(3) <= INT32_MAX, ErrorCode::limit_exceeded,
                 "tensor_to_image: ", tensor.shape().str(), " is wider or taller than an Image can be");
  PIXFORGE_CHECK(tensor.size(2) * tensor.size(3) <= limits().max_image_pixels, ErrorCode::limit_exceeded,
                 "tensor_to_image: ", tensor.shape().str(), " exceeds limits().max_image_pixels = ",
                 limits().max_image_pixels);
  const int C = int(tensor.size(1)), H = int(tensor.size(2)), W = int(tensor.size(3));
  PIXFORGE_CHECK(range != Range::imagenet || C == 3, ErrorCode::invalid_argument,
                 "tensor_to_image: imagenet denormalisation needs 3 channels, tensor is ", tensor.shape().str());
  PIXFORGE_CHECK(order == ChannelOrder::rgb || C >= 3, ErrorCode::invalid_argument,
                 "tensor_to_image: BGR order needs 3 or 4 channels, tensor is ", tensor.shape().str());
  const Tensor<float> t = tensor.contiguous();
  Image img = Image::blank(W, H, C);
  const float* in = t.data();
  parallel_for(0, int64_t(C) * H, [&](int64_t cy) {
    const int c = int(cy / H), y = int(cy % H);
    const int color = color_of_channel(c, C, order);
    const float* src = in + cy * W;
    uint8_t* dst = img.pixels.data() + size_t(y) * size_t(W) * size_t(C) + size_t(color);
    for (int x = 0; x < W; ++x)
      dst[size_t(x) * size_t(C)] = quantize(detail::denormalize_value(src[x], color, range), rounding);
  });
  return img;
}

}  // namespace pixforge

#endif  // PIXFORGE_IO_IMAGE_HPP

// =================================================================================================================
// Implementation: compiled only in the one translation unit that defines PIXFORGE_IMPLEMENTATION.
// =================================================================================================================
#if defined(PIXFORGE_IMPLEMENTATION) && !defined(PIXFORGE_IO_IMAGE_IMPLEMENTED)
#define PIXFORGE_IO_IMAGE_IMPLEMENTED

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "pixforge/io/file_util.hpp"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wtype-limits"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wstringop-overflow"  // GCC 12 false positive in stbi__convert_format
#endif
#elif defined(_MSC_VER)
#pragma warning(push, 0)
#endif

#if defined(PIXFORGE_NO_STB)
// The engine compiles stb itself; we only need the declarations.
#include "stb_image.h"
#include "stb_image_write.h"
#else
#if defined(STBI_INCLUDE_STB_IMAGE_H) || defined(INCLUDE_STB_IMAGE_WRITE_H)
#error "pixforge/io/image.hpp: with PIXFORGE_IMPLEMENTATION, include it before stb headers (or use PIXFORGE_NO_STB)"
#endif
// Zeroed allocations: stb's TGA decoder left the rows a truncated file did not cover uninitialised, so the same
// bytes decoded to different images carrying heap garbage (found by fuzz/fuzz_image.cpp). load_image_from_memory
// now rejects truncated uncompressed BMP/TGA before decoding (uncompressed_size); calloc is the second line of
// defence, so that whatever stb leaves unwritten is zero, never heap memory.
#define STBI_MALLOC(sz) calloc(1, sz)
#define STBI_REALLOC(p, newsz) realloc(p, newsz)
#define STBI_FREE(p) free(p)
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "stb_image.h"
#include "stb_image_write.h"
#endif

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#elif defined(_MSC_VER)
#pragma warning(pop)
#endif

namespace pixforge {
namespace detail {

struct StbiFree {
  void operator()(stbi_uc* p) const { stbi_image_free(p); }
};

// stb_image accepts a JPEG that starts with FF, any number of FF fill bytes, then D8 (SOI). Returns the offset just
// past the SOI, or 0 if the data does not start that way.
inline size_t jpeg_soi_end(const uint8_t* d, size_t n) {
  if (n < 2 || d[0] != 0xFF) return 0;
  size_t i = 1;
  while (i < n && d[i] == 0xFF) ++i;
  return i < n && d[i] == 0xD8 ? i + 1 : 0;
}

// A name for messages, from the magic bytes (stb tries PNG, BMP, JPEG, TGA; TGA has no magic).
inline const char* sniff_image_format(const uint8_t* d, size_t n) {
  if (n >= 8 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return "PNG";
  if (jpeg_soi_end(d, n) != 0) return "JPEG";
  if (n >= 2 && d[0] == 'B' && d[1] == 'M') return "BMP";
  return "image";
}

// A complete JPEG ends with the EOI marker FF D9 (possibly followed by padding or vendor trailers, which we accept
// as long as an EOI occurs after the last start-of-scan). stb_image does not notice a missing tail: it feeds zeros
// to the entropy decoder and returns a partly grey image.
inline bool jpeg_has_eoi(const uint8_t* d, size_t n) {
  size_t last_sos = 0;
  for (size_t i = 0; i + 1 < n; ++i)
    if (d[i] == 0xFF && d[i + 1] == 0xDA) last_sos = i;
  for (size_t i = last_sos; i + 1 < n; ++i)
    if (d[i] == 0xFF && d[i + 1] == 0xD9) return true;
  return false;
}

// Bytes an uncompressed BMP (any compression but RLE) or TGA (types 1-3) of w x h must have for all its pixels, or 0
// when this check does not model the file (RLE compression, unknown header). stb_image does not notice missing
// pixel data: it pads a BMP with zeros and leaves a TGA's rest unwritten, so an 89-byte BMP "decoded" to 7x458757
// pixels (found by fuzz/fuzz_image.cpp). The last row's padding is not required (some writers omit it).
inline int64_t uncompressed_size(const char* format, const uint8_t* d, size_t n, int64_t w, int64_t h) {
  auto le16 = [&](size_t i) { return int64_t(d[i]) | int64_t(d[i + 1]) << 8; };
  auto le32 = [&](size_t i) { return le16(i) | le16(i + 2) << 16; };
  if (std::strcmp(format, "BMP") == 0) {
    if (n < 30) return 0;
    const int64_t offset = le32(10), header = le32(14);
    int64_t bpp = 0;
    if (header == 12) {
      bpp = le16(24);
    } else if (header >= 40 && n >= 34) {
      // stb refuses RLE (1, 2) and decodes every other compression value as uncompressed pixels.
      const int64_t compression = le32(30);
      if (compression == 1 || compression == 2) return 0;
      bpp = le16(28);
    }
    if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) return 0;
    const int64_t row = (w * bpp + 31) / 32 * 4;
    return std::max<int64_t>(offset, 14 + header) + row * (h - 1) + (w * bpp + 7) / 8;
  }
  if (std::strcmp(format, "TGA") == 0 && n >= 18) {
    const int type = d[2];
    if (type < 1 || type > 3) return 0;  // 9-11: RLE
    const int64_t palette = d[1] ? le16(5) * ((int64_t(d[7]) + 7) / 8) : 0;
    return 18 + int64_t(d[0]) + palette + w * h * ((int64_t(d[16]) + 7) / 8);
  }
  return 0;
}

// The first palette index of a 1/4/8-bit BMP that lies outside the palette the file stores, or -1 if none does.
// stb_image reads its colour from an uninitialised stack array, so such a file decoded to different pixels on every
// load (found by fuzz/fuzz_image.cpp). The palette size is computed as stb computes it.
inline int64_t bmp_index_outside_palette(const uint8_t* d, size_t n, int64_t w, int64_t h, int64_t& palette) {
  auto le16 = [&](size_t i) { return int64_t(d[i]) | int64_t(d[i + 1]) << 8; };
  auto le32 = [&](size_t i) { return le16(i) | le16(i + 2) << 16; };
  if (n < 34) return -1;
  const int64_t offset = le32(10), header = le32(14);
  const int64_t bpp = le16(header == 12 ? 24 : 28);
  if (header != 12 && (le32(30) == 1 || le32(30) == 2)) return -1;  // RLE: stb refuses it
  if (bpp != 1 && bpp != 4 && bpp != 8) return -1;
  palette = header == 12 ? (offset - 14 - 24) / 3 : (offset - 14 - header) >> 2;
  if (palette < 0) {  // a data offset inside the header: stb reads no palette at all, yet decodes
    palette = 0;
    return 0;
  }
  if (palette == 0 || palette > 256 || palette >= (int64_t(1) << bpp)) return -1;  // stb refuses, or all fit
  const int64_t width = bpp == 1 ? (w + 7) >> 3 : bpp == 4 ? (w + 1) >> 1 : w;
  const int64_t stride = width + ((-width) & 3);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t at = offset + y * stride + (bpp == 8 ? x : bpp == 4 ? x / 2 : x / 8);
      if (at < 0 || at >= int64_t(n)) return -1;  // truncation is reported by uncompressed_size
      const int v = d[at];
      const int64_t index = bpp == 8 ? v : bpp == 4 ? (x % 2 ? v & 15 : v >> 4) : (v >> (7 - x % 8)) & 1;
      if (index >= palette) return index;
    }
  return -1;
}

// True if a PNG's first IDAT chunk is empty. Legal but unheard of; stb 2.27 then copies 0 bytes to a null buffer
// (undefined behaviour UBSan reports; found by fuzz/fuzz_image.cpp), so pixforge refuses such files.
inline bool png_first_idat_empty(const uint8_t* d, size_t n) {
  size_t i = 8;
  while (i + 8 <= n) {
    const uint64_t len = uint64_t(d[i]) << 24 | uint64_t(d[i + 1]) << 16 | uint64_t(d[i + 2]) << 8 | d[i + 3];
    if (std::memcmp(d + i + 4, "IDAT", 4) == 0) return len == 0;
    i += 12 + size_t(len);  // length, type, data, CRC
    if (len > n) return false;
  }
  return false;
}

// The width and height a PNG, JPEG or BMP header declares (TGA: stbi_info reports it even when huge). Only used to
// word the error when stbi_info fails; returns false if the header is too short or not recognised.
inline bool peek_dimensions(const uint8_t* d, size_t n, int64_t& w, int64_t& h) {
  auto be16 = [&](size_t i) { return int64_t(d[i]) << 8 | d[i + 1]; };
  auto be32 = [&](size_t i) { return be16(i) << 16 | be16(i + 2); };
  auto le32 = [&](size_t i) {
    const uint32_t u = uint32_t(d[i]) | uint32_t(d[i + 1]) << 8 | uint32_t(d[i + 2]) << 16 | uint32_t(d[i + 3]) << 24;
    return int64_t(int32_t(u));
  };
  const std::string format = sniff_image_format(d, n);
  if (format == "PNG" && n >= 24 && std::memcmp(d + 12, "IHDR", 4) == 0) {  // signature, length, "IHDR", w, h
    w = be32(16);
    h = be32(20);
    return true;
  }
  if (format == "BMP" && n >= 26 && le32(14) >= 40) {  // BITMAPINFOHEADER or later: int32 width, height (< 0: top-down)
    w = le32(18);
    h = le32(22) < 0 ? -le32(22) : le32(22);
    return true;
  }
  if (format == "JPEG") {  // walk the marker segments up to the frame header (SOF0..SOF15 minus DHT, JPG, DAC)
    size_t i = jpeg_soi_end(d, n);
    while (i + 4 <= n && d[i] == 0xFF) {
      const uint8_t m = d[i + 1];
      if (m == 0xFF) {  // fill byte
        ++i;
        continue;
      }
      if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
        if (i + 9 > n) return false;
        h = be16(i + 5);
        w = be16(i + 7);
        return true;
      }
      if (m == 0xDA || m == 0xD9) return false;
      i += 2 + size_t(be16(i + 2));
    }
  }
  return false;
}

// The largest number of codes any DHT (define Huffman table) table declares, over the whole file (progressive
// JPEGs define tables between scans). stb_image 2.27 — the version Debian bookworm ships — does not check this
// count against 256 and writes past its 256-entry arrays on such a file, already inside stbi_info (found by the
// mutation test in tests/io/test_image.cpp under UBSan; later stb versions reject it). So we find every table stb
// would read and reject the file before stb sees it. The walk follows stb's own: outside scans it skips stray
// non-marker bytes one at a time and FF fill bytes, segments are skipped by their length, DHT tables are read the
// way stb reads them (possibly past the segment end), and a scan's entropy-coded data ends at the first FF xx with
// xx neither 00 (stuffing) nor a restart marker. Where stb would stop with an error, we keep walking: we look at a
// superset of what stb looks at.
inline int jpeg_max_huffman_codes(const uint8_t* d, size_t n) {
  auto byte = [&](size_t i) { return i < n ? int(d[i]) : 0; };  // stb reads zeros past the end
  int worst = 0;
  size_t i = jpeg_soi_end(d, n);
  if (i == 0) return 0;
  while (i + 1 < n) {
    if (d[i] != 0xFF) {  // not at a marker
      ++i;
      continue;
    }
    while (i < n && d[i] == 0xFF) ++i;  // FF fill bytes
    if (i >= n) break;
    const int m = d[i++];
    if (m == 0xD9) break;                                 // EOI
    if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // no length field
    const size_t len = size_t(byte(i)) << 8 | size_t(byte(i + 1));
    if (m == 0xC4) {
      int64_t left = int64_t(len) - 2;
      size_t t = i + 2;
      while (left > 0) {  // stb: while (L > 0) { class/id byte; 16 counts; sum(counts) values }
        int codes = 0;
        for (size_t k = 1; k <= 16; ++k) codes += byte(t + k);
        worst = std::max(worst, codes);
        t += 17 + size_t(codes);
        left -= 17 + codes;
        if (t >= n) break;
      }
    }
    i += len;
    if (m == 0xDA)  // entropy-coded data
      while (i + 1 < n && !(d[i] == 0xFF && d[i + 1] != 0x00 && !(d[i + 1] >= 0xD0 && d[i + 1] <= 0xD7))) ++i;
  }
  return worst;
}

inline std::string lowercase_extension(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  for (char& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return ext;
}

inline void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

}  // namespace detail

Image load_image_from_memory(const uint8_t* data, size_t size, const std::string& name, int desired_channels) {
  PIXFORGE_CHECK(desired_channels >= 0 && desired_channels <= 4, ErrorCode::invalid_argument, "load_image '", name,
                 "': desired_channels = ", desired_channels, ", expected 0 (as stored) or 1..4");
  PIXFORGE_CHECK(size > 0, ErrorCode::format_error, "load_image '", name, "': file is empty");
  PIXFORGE_CHECK(size <= size_t(INT32_MAX), ErrorCode::limit_exceeded, "load_image '", name, "': ", size,
                 " bytes is more than stb_image can read (2 GiB)");
  const char* format = detail::sniff_image_format(data, size);
  const int len = int(size);

  // 1. JPEG checks that must run before stb parses anything (see jpeg_max_huffman_codes).
  if (std::strcmp(format, "JPEG") == 0) {
    const int codes = detail::jpeg_max_huffman_codes(data, size);
    PIXFORGE_CHECK(codes <= 256, ErrorCode::format_error, "load_image '", name,
                   "': corrupt JPEG (a Huffman table declares ", codes, " codes, at most 256 are possible)");
    PIXFORGE_CHECK(detail::jpeg_has_eoi(data, size), ErrorCode::format_error, "load_image '", name,
                   "': truncated JPEG (no end-of-image marker after the last scan)");
  }

  // 2. Header only: dimensions are checked before any pixel memory is allocated.
  int w = 0, h = 0, stored = 0;
  if (!stbi_info_from_memory(data, len, &w, &h, &stored)) {
    const char* reason = stbi_failure_reason() ? stbi_failure_reason() : "unknown";
    // stb probes every format in turn, and the last probe's reason ("unknown image type") overwrites the PNG or
    // JPEG probe's "too large". Read the declared size ourselves to tell a hostile size from a corrupt header.
    int64_t dw = 0, dh = 0;
    if (detail::peek_dimensions(data, size, dw, dh) && dw > 0 && dh > 0) {
      // dh <= max / dw is dw * dh <= max without the overflow (both can be up to 2^32 - 1).
      PIXFORGE_CHECK(dh <= limits().max_image_pixels / dw, ErrorCode::limit_exceeded, "load_image '", name, "': ",
                     format, " of ", dw, "x", dh, " pixels exceeds limits().max_image_pixels = ",
                     limits().max_image_pixels);
      PIXFORGE_CHECK(dw <= (1 << 24) && dh <= (1 << 24) && dw * dh <= (int64_t(1) << 28), ErrorCode::limit_exceeded,
                     "load_image '", name, "': ", format, " of ", dw, "x", dh,
                     " pixels is larger than stb_image decodes (2^24 pixels per side, 2^30 bytes)");
    }
    fail(ErrorCode::format_error, msg("load_image '", name, "': not a PNG, JPEG, BMP or TGA image, or its header is ",
                                      "corrupt (stb: ", reason, ")"));
  }
  // stbi_info passes a top-down BMP's negative height through (stb's decoder takes its absolute value).
  if (h < 0 && h != INT32_MIN) h = -h;
  PIXFORGE_CHECK(w > 0 && h > 0, ErrorCode::format_error, "load_image '", name, "': ", format,
                 " header declares an invalid size ", w, "x", h);
  PIXFORGE_CHECK(int64_t(w) * h <= limits().max_image_pixels, ErrorCode::limit_exceeded, "load_image '", name,
                 "': ", format, " of ", w, "x", h, " pixels exceeds limits().max_image_pixels = ",
                 limits().max_image_pixels);

  // stb_image accepts only these four formats, so a file that is none of the first three is a TGA.
  if (std::strcmp(format, "image") == 0) format = "TGA";
  const int64_t needed = detail::uncompressed_size(format, data, size, w, h);
  PIXFORGE_CHECK(int64_t(size) >= needed, ErrorCode::format_error, "load_image '", name, "': truncated ", format,
                 " (", w, "x", h, " pixels need ", needed, " bytes, the file has ", size, ")");

  const bool png = std::strcmp(format, "PNG") == 0;
  PIXFORGE_CHECK(!png || !detail::png_first_idat_empty(data, size), ErrorCode::format_error, "load_image '", name,
                 "': unsupported PNG (its first IDAT chunk is empty)");
  if (std::strcmp(format, "BMP") == 0) {
    int64_t palette = 0;
    const int64_t index = detail::bmp_index_outside_palette(data, size, w, h, palette);
    PIXFORGE_CHECK(index < 0, ErrorCode::format_error, "load_image '", name, "': corrupt BMP (pixel index ", index,
                   " outside its ", palette, "-entry palette)");
  }

  // 3. Decode as stored; channel conversion is ours (see the header comment).
  int channels = 0;
  std::unique_ptr<stbi_uc, detail::StbiFree> pixels(stbi_load_from_memory(data, len, &w, &h, &channels, 0));
  if (!pixels) {
    const char* reason = stbi_failure_reason() ? stbi_failure_reason() : "unknown";
    fail(ErrorCode::format_error,
         msg("load_image '", name, "': truncated or corrupt ", format, " (stb: ", reason, ")"));
  }
  PIXFORGE_CHECK(channels >= 1 && channels <= 4, ErrorCode::format_error, "load_image '", name, "': ", format,
                 " decoded to ", channels, " channels");
  Image img;
  img.width = w;
  img.height = h;
  img.channels = channels;
  img.pixels.assign(pixels.get(), pixels.get() + size_t(w) * size_t(h) * size_t(channels));
  pixels.reset();
  if (desired_channels != 0 && desired_channels != channels) return convert_channels(img, desired_channels);
  return img;
}

Image load_image(const std::string& path, int desired_channels) {
  // An encoded file larger than the largest allowed tensor cannot hold an image we would accept.
  const std::vector<uint8_t> bytes = read_file(path, limits().max_tensor_bytes);
  return load_image_from_memory(bytes.data(), bytes.size(), path, desired_channels);
}

std::vector<uint8_t> encode_image(const std::string& path, const Image& image, int jpeg_quality) {
  check_image(image, "save_image '" + path + "'");
  const std::string ext = detail::lowercase_extension(path);
  const bool jpeg = ext == ".jpg" || ext == ".jpeg";
  PIXFORGE_CHECK(jpeg || ext == ".png" || ext == ".bmp" || ext == ".tga", ErrorCode::unsupported, "save_image '",
                 path, "': unsupported extension '", ext, "' (supported: .png, .jpg, .jpeg, .bmp, .tga)");
  PIXFORGE_CHECK(!jpeg || (jpeg_quality >= 1 && jpeg_quality <= 100), ErrorCode::invalid_argument, "save_image '",
                 path, "': jpeg_quality = ", jpeg_quality, ", expected 1..100");
  // stb_image_write would silently drop alpha from a JPEG; make the caller decide.
  PIXFORGE_CHECK(!jpeg || image.channels == 1 || image.channels == 3, ErrorCode::invalid_argument, "save_image '",
                 path, "': JPEG cannot store alpha (image has ", image.channels,
                 " channels); use split_alpha() or save as .png");
  // stb's BMP writer writes gray+alpha as opaque RGB, dropping the alpha without a word.
  PIXFORGE_CHECK(ext != ".bmp" || image.channels != 2, ErrorCode::invalid_argument, "save_image '", path,
                 "': BMP cannot store gray+alpha; use split_alpha() or save as .png or .tga");
  std::vector<uint8_t> out;
  out.reserve(image.pixels.size() / 2 + 1024);
  const int w = image.width, h = image.height, c = image.channels;
  const void* px = image.pixels.data();
  int ok = 0;
  if (ext == ".png") ok = stbi_write_png_to_func(detail::append_bytes, &out, w, h, c, px, w * c);
  else if (jpeg) ok = stbi_write_jpg_to_func(detail::append_bytes, &out, w, h, c, px, jpeg_quality);
  else if (ext == ".bmp") ok = stbi_write_bmp_to_func(detail::append_bytes, &out, w, h, c, px);
  else ok = stbi_write_tga_to_func(detail::append_bytes, &out, w, h, c, px);
  PIXFORGE_CHECK(ok != 0 && !out.empty(), ErrorCode::io_error, "save_image '", path,
                 "': stb_image_write failed to encode a ", w, "x", h, "x", c, " image");
  return out;
}

void save_image(const std::string& path, const Image& image, int jpeg_quality) {
  const std::vector<uint8_t> bytes = encode_image(path, image, jpeg_quality);
  write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace pixforge

#endif  // PIXFORGE_IMPLEMENTATION
