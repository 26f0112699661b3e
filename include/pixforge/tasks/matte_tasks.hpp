// pixforge/tasks/matte_tasks.hpp — the tasks of matte / segmentation networks (tasks/run_task.hpp, `pixforge run`):
//
//   segment      the mask as a 1-channel image, 0..255 = matte·255 rounded; with a threshold T in [0, 1] a binary
//                mask instead: 255 where matte > T, else 0.
//   remove-bg    RGBA cut-out: the image's colour, alpha = matte·255 (times the image's own alpha, if any).
//   replace-bg   matte·image + (1 − matte)·background, RGB; the background is a colour or an image of exactly the
//                input's size. A background of another size is an error naming both sizes: it is never stretched
//                or cropped silently (resize it yourself to the size you mean).
//
// The matte, with each network's reference preprocessing (predict_task_matte):
//   isnet        resize to 1024×1024 — for config normalize "imgly" (the converted @imgly/background-removal
//                model, (p − 128)/256 inside forward()) with the package's own 8-bit resize (imgly_resize.hpp),
//                for "isnet" (x − 0.5) PyTorch's bilinear — and the matte resized back bilinearly. Min-max normalisation only for "isnet" (DIS Inference.py does it,
//                @imgly does not). See ops/matte.hpp predict_matte.
//   u2net/u2netp u2net_test.py's steps: 320×320 (PyTorch-style bilinear here; the script uses skimage's
//                transform.resize), divided by the image maximum, ImageNet-normalised, min-max normalised.
//   r2attunet    the image in [−1, 1] at its own size (the pipeline pads to a multiple of 16 and crops back), the
//                logits through a sigmoid (the repository's solver applies it outside the network); one output
//                channel only.
// Colour inputs are what these networks take; a gray input is replicated to RGB (or fed as is to a 1-channel
// r2attunet); an alpha channel is ignored for the prediction.
//
//     Pipeline pipe = Pipeline::load("weights/isnet.safetensors");
//     const Image img = load_image("photo.jpg");
//     Tensor<float> m = predict_task_matte(pipe, img);                     // [1, 1, H, W] in [0, 1]
//     save_image("cut.png", cutout(img, m));                               // ops/matte.hpp
//     save_image("mask.png", matte_mask(m, 0.5f));                         // binary
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "pixforge/io/image.hpp"
#include "pixforge/models/isnet.hpp"
#include "pixforge/models/r2attunet.hpp"
#include "pixforge/models/u2net.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/matte.hpp"
#include "pixforge/pipeline.hpp"
#include "pixforge/tasks/imgly_resize.hpp"

namespace pixforge {

// True when `model` is a network predict_task_matte knows how to run.
inline bool is_matte_model(const ImageModel& model) {
  return dynamic_cast<const ISNetDIS*>(&model) != nullptr || dynamic_cast<const U2Net*>(&model) != nullptr ||
         dynamic_cast<const R2AttUNet*>(&model) != nullptr;
}

// The [1, 1, H, W] matte in [0, 1] of `image` (H × W), with the model's reference preprocessing (see the top).
// `run` applies to r2attunet only (the others run untiled at a fixed resolution).
inline Tensor<float> predict_task_matte(const Pipeline& pipe, const Image& image, const RunOptions& run = {}) {
  check_image(image, "predict_task_matte");
  const ImageModel& model = pipe.model();
  const ImageModelInfo& i = model.info();
  if (const auto* isnet = dynamic_cast<const ISNetDIS*>(&model)) {
    if (isnet->config().normalize == "imgly") {  // the package resizes in 8 bits its own way (imgly_resize.hpp)
      const Image rgb = convert_channels(split_alpha(image).color, 3);
      const Tensor<float> m = predict_matte(model, imgly_resize_bilinear(rgb, 1024, 1024), {0, false, false});
      return resize_matte(m, image.height, image.width);
    }
    return predict_matte(model, image, {1024, true, false});
  }
  if (dynamic_cast<const U2Net*>(&model) != nullptr) return predict_matte(model, image, {320, true, true});
  PIXFORGE_CHECK(dynamic_cast<const R2AttUNet*>(&model) != nullptr, ErrorCode::unsupported, "matte: '", i.arch,
                 "' (task ", i.task, ") is not a matte/segmentation network this program knows (isnet, u2net, "
                 "u2netp, r2attunet)");
  PIXFORGE_CHECK(i.out_channels == 1, ErrorCode::unsupported, "segment: '", i.arch, "' gives ", i.out_channels,
                 " channels (output_ch); a mask needs 1 (multi-class maps are not supported)");
  PIXFORGE_CHECK(i.in_channels == 1 || i.in_channels == 3, ErrorCode::unsupported, "segment: '", i.arch, "' takes ",
                 i.in_channels, " channels; images give 1 or 3");
  const Image color = convert_channels(split_alpha(image).color, int(i.in_channels));
  const Tensor<float> logits = pipe.run_tensor(image_to_tensor(color, i.range), run);
  return sigmoid(logits);
}

// The matte as a gray mask image: soft (threshold < 0) or binary (255 where matte > threshold).
inline Image matte_mask(const Tensor<float>& matte, float threshold = -1.0f) {
  PIXFORGE_CHECK(threshold < 0.0f || threshold <= 1.0f, ErrorCode::invalid_argument, "segment: threshold ", threshold,
                 " out of range [0, 1]");
  if (threshold < 0.0f) return matte_to_image(matte);
  Image mask = matte_to_image(matte);  // checks the shape
  const Tensor<float> m = matte.contiguous();
  for (int64_t k = 0; k < m.numel(); ++k) mask.pixels[size_t(k)] = m.data()[k] > threshold ? 255 : 0;
  return mask;
}

// A replacement background: a solid colour or an image.
struct Background {
  bool is_color = true;
  std::array<uint8_t, 3> color{0, 0, 0};
  Image image;
};

// "#rrggbb" (hex) → a colour; anything else names an image file, loaded here (a missing or unreadable file is an
// io/format error naming it).
inline Background parse_background(const std::string& spec) {
  Background bg;
  PIXFORGE_CHECK(!spec.empty(), ErrorCode::invalid_argument, "replace-bg: empty background (use '#rrggbb' or an "
                 "image file)");
  if (spec[0] == '#') {
    unsigned r = 0, g = 0, b = 0;
    char extra = 0;
    PIXFORGE_CHECK(spec.size() == 7 && spec.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string::npos &&
                       std::sscanf(spec.c_str(), "#%2x%2x%2x%c", &r, &g, &b, &extra) == 3,
                   ErrorCode::invalid_argument, "replace-bg: background colour '", spec,
                   "' is not of the form #rrggbb (hex, e.g. #00ff00)");
    bg.color = {uint8_t(r), uint8_t(g), uint8_t(b)};
    return bg;
  }
  std::error_code ec;
  PIXFORGE_CHECK(std::filesystem::is_regular_file(spec, ec), ErrorCode::io_error, "replace-bg: background image '",
                 spec, "' does not exist or is not a file (a colour is written #rrggbb)");
  bg.is_color = false;
  bg.image = load_image(spec);
  return bg;
}

// replace-bg: matte·image + (1 − matte)·background, RGB of the image's size (ops/matte.hpp composite*).
inline Image replace_background(const Image& image, const Tensor<float>& matte, const Background& bg) {
  if (bg.is_color) return composite_color(image, matte, bg.color);
  check_image(bg.image, "replace-bg (background)");
  PIXFORGE_CHECK(bg.image.width == image.width && bg.image.height == image.height, ErrorCode::shape_mismatch,
                 "replace-bg: the background image is ", bg.image.width, "x", bg.image.height, " but the input is ",
                 image.width, "x", image.height, "; pixforge does not resize backgrounds — resize or crop it to ",
                 image.width, "x", image.height, " first");
  return composite(image, matte, bg.image);
}

}  // namespace pixforge
