// pixforge/tasks/colorize.hpp — gray image in, colour image out, with each colorizer's reference pre- and
// post-processing (the `colorize` task of tasks/run_task.hpp and `pixforge run`).
//
// Three families, picked from the model (info() and its class):
//   DeOldify (deoldify_unet), as deoldify/filters.py ColorizerFilter does it:
//     1. the RGB image (gray replicated) is stretched to a render_factor·16 square with Pillow's BILINEAR
//        (tasks/pil_resize.hpp; the aspect ratio is not kept — DeOldify's author found padding worse);
//     2. Pillow convert('LA').convert('RGB'), /255, ImageNet-normalised (models/deoldify_unet.hpp
//        deoldify_preprocess), forward;
//     3. y·std + mean, ×255, clamped and truncated to uint8 (the reference casts with astype(uint8), part-a §12 #9),
//        stretched back to the image size with Pillow's BILINEAR;
//     4. OpenCV 8-bit YUV: Y of the original image, U and V of the colour result, back to RGB — with OpenCV's
//        BGR conversions on RGB data, as the app does (keep_luminance below). The output has the input's size and
//        its luminance detail; render_factor only sets the resolution the colours are computed at (default 35 →
//        560², DeOldify's default for images; larger = more detail, more time and memory).
//   Lab pix2pix-style (1 → 2 channels: pix2pix_unet, unet_deep, fca_unet, mfrcnet configured so): the gray image is
//     converted to CIE Lab (io/color.hpp, scikit-image's formulas), L/50 − 1 is the input, the output is ab/110;
//     Lab → RGB (clipped), truncated to uint8 like the pix2pix code. The pipeline pads the input to the model's
//     size multiple (256 for unet_256, 512 for unet_deep) with reflection and crops the result back, as the model
//     headers prescribe, so the output has the input's size and pixels. (pix2pix's own test loader instead
//     resizes to its load_size / crop_size; that changes the image, so it is not done here.)
//   RGB (1 → 3, or 3 → 3 fed the gray replicated): Pipeline::run in the model's range, truncated (pix2pix
//     tensor2im), padded to the size multiple like the Lab family.
// Every family takes gray: a colour input is converted to gray first (Pillow luma, io/image.hpp pil_luma) and
// the notice callback says so; an alpha channel is carried through unchanged (the output has the input's size).
// Not supported (clear error): pix2pix's Gabor-input variant (config "gabor": its input is a filter bank, see
// ops/gabor.hpp), and colorizers with other channel counts.
//
//     Pipeline pipe = Pipeline::load("weights/deoldify-artistic.safetensors");
//     Image color = pixforge::colorize(pipe, load_image("old.jpg"), {/*render_factor*/ 35});
#pragma once

#include <functional>
#include <string>

#include "pixforge/io/color.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/models/deoldify_unet.hpp"
#include "pixforge/models/pix2pix_unet.hpp"
#include "pixforge/pipeline.hpp"
#include "pixforge/tasks/pil_resize.hpp"

namespace pixforge {

struct ColorizeOptions {
  int64_t render_factor = 35;  // DeOldify: the network runs on a (render_factor·16)² square
  RunOptions run;              // pipeline options for the Lab / RGB families (tiling, progress, ...)
  std::function<void(const std::string&)> notice;  // informational messages (colour input converted, ...)
};

namespace colorize_detail {

// The 1-channel gray of a 1- or 3-channel image (Pillow luma), with a notice when colour is dropped.
inline Image to_gray(const Image& color, const std::string& arch, const ColorizeOptions& opt) {
  if (color.channels == 1) return color;
  if (opt.notice)
    opt.notice("colorize: '" + arch + "' takes a gray image; the colour input was converted to gray (luma)");
  return convert_channels(color, 1);
}

// deoldify/filters.py _post_process on whole images (deoldify::keep_luminance, models/deoldify_unet.hpp).
inline Image keep_luminance(const Image& color, const Image& orig) {
  Image out = Image::blank(orig.width, orig.height, 3);
  const size_t n = size_t(orig.width) * size_t(orig.height);
  for (size_t i = 0; i < n; ++i) {
    const int c[3] = {color.pixels[3 * i], color.pixels[3 * i + 1], color.pixels[3 * i + 2]};
    const int o[3] = {orig.pixels[3 * i], orig.pixels[3 * i + 1], orig.pixels[3 * i + 2]};
    int r[3];
    deoldify::keep_luminance(c, o, r);
    for (int k = 0; k < 3; ++k) out.pixels[3 * i + size_t(k)] = uint8_t(r[k]);
  }
  return out;
}

}  // namespace colorize_detail

// DeOldify on a 1- or 3-channel image (steps 1–4 above). Output RGB, the image's size.
inline Image colorize_deoldify(const ImageModel& model, const Image& image, const ColorizeOptions& opt = {}) {
  check_image(image, "colorize_deoldify");
  PIXFORGE_CHECK(image.channels == 1 || image.channels == 3, ErrorCode::invalid_argument,
                 "colorize_deoldify: image has ", image.channels, " channels; split the alpha off first");
  PIXFORGE_CHECK(opt.render_factor >= 1 && opt.render_factor <= 256, ErrorCode::invalid_argument,
                 "colorize (deoldify_unet): render factor ", opt.render_factor, " out of range [1, 256] (the net runs "
                 "on a render_factor*16 pixel square; DeOldify uses 35 for images, 21 for video)");
  if (image.channels == 3 && opt.notice)
    opt.notice("colorize: '" + model.info().arch + "' takes a gray image; the colour input was converted to gray "
               "(luma) for the network, and its luminance is kept in the result");
  const int side = int(opt.render_factor * 16);
  const Image orig = convert_channels(image, 3);
  const Image square = pil_resize_bilinear(orig, side, side);
  const Tensor<float> x = deoldify_preprocess(image_to_tensor(square, Range::byte));
  const Tensor<float> y = model.forward(x);  // [1, 3, side, side], normalised RGB
  PIXFORGE_CHECK(y.dim() == 4 && y.size(1) == 3 && y.size(2) == side && y.size(3) == side, ErrorCode::shape_mismatch,
                 "colorize_deoldify: the model returned ", y.shape().str(), " for a ", side, "x", side, " input");
  const Image color_sq = tensor_to_image(y, Range::imagenet, Rounding::truncate);
  const Image color = pil_resize_bilinear(color_sq, orig.width, orig.height);
  return colorize_detail::keep_luminance(color, orig);
}

// Lab family: gray [1-channel image] -> RGB.
inline Image colorize_lab(const Pipeline& pipe, const Image& gray, const ColorizeOptions& opt = {}) {
  check_image(gray, "colorize_lab");
  PIXFORGE_CHECK(gray.channels == 1, ErrorCode::invalid_argument, "colorize_lab: expected a gray image, got ",
                 gray.channels, " channels");
  const Tensor<float> lab = rgb_to_lab(image_to_tensor(convert_channels(gray, 3), Range::unit));
  const Tensor<float> L = lab_to_pix2pix(lab).narrow(1, 0, 1).contiguous();  // L/50 − 1
  const Tensor<float> ab = pipe.run_tensor(L, opt.run);                        // ab/110
  const Tensor<float> rgb = lab_to_rgb(pix2pix_to_lab(L, ab));                 // [0, 1], clipped
  return tensor_to_image(rgb, Range::unit, Rounding::truncate);
}

// Dispatcher: the family from the model, colour converted to gray, alpha carried through.
inline Image colorize(const Pipeline& pipe, const Image& image, const ColorizeOptions& opt = {}) {
  check_image(image, "colorize");
  const ImageModelInfo& i = pipe.info();
  const auto* p2p = dynamic_cast<const UnetGenerator*>(&pipe.model());
  PIXFORGE_CHECK(p2p == nullptr || !p2p->config().has_gabor, ErrorCode::unsupported, "colorize: '", i.arch,
                 "' is the Gabor-input pix2pix variant (", i.in_channels, " filter-bank maps in); its input is not an "
                 "image — build it with ops/gabor.hpp and call forward()");
  const AlphaSplit parts = split_alpha(image);
  Image out;
  if (dynamic_cast<const DeoldifyUnet*>(&pipe.model()) != nullptr) {
    out = colorize_deoldify(pipe.model(), parts.color, opt);
  } else if (i.in_channels == 1 && i.out_channels == 2) {
    out = colorize_lab(pipe, colorize_detail::to_gray(parts.color, i.arch, opt), opt);
  } else if ((i.in_channels == 1 || i.in_channels == 3) && i.out_channels == 3) {
    RunOptions run = opt.run;
    run.rounding = Rounding::truncate;  // pix2pix tensor2im: astype(uint8)
    const Image gray = colorize_detail::to_gray(parts.color, i.arch, opt);
    // Widened here for a 3-channel input, so the pipeline returns the colour result whatever info().task says.
    out = pipe.run(i.in_channels == 3 ? convert_channels(gray, 3) : gray, run);
  } else {
    fail(ErrorCode::unsupported, msg("colorize: '", i.arch, "' maps ", i.in_channels, " -> ", i.out_channels,
                                     " channels; colorizers take 1 (gray, or 3 = gray replicated) and give 2 (Lab "
                                     "ab) or 3 (RGB)"));
  }
  return merge_alpha(out, parts.alpha);
}

}  // namespace pixforge
