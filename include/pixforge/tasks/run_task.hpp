// pixforge/tasks/run_task.hpp — one call that runs a loaded model for its task, with the reference pre- and
// post-processing of that task; `pixforge run` is a thin front end of it, so an embedding program gets exactly the
// command line's behaviour.
//
//     Pipeline pipe = Pipeline::load("weights/isnet.safetensors");
//     TaskOptions opt;                                   // opt.task = "" : the task the weight file declares
//     opt.background = parse_background("#00ff00");      // makes remove-bg a replace-bg
//     const std::string task = resolve_task(pipe.model(), opt);   // "replace-bg" (validates the options)
//     Image out = run_task(pipe, load_image("in.jpg"), opt);
//
// Tasks (resolve_task: the model's info().task unless TaskOptions::task overrides it where that makes sense):
//   colorize    gray in, colour out (tasks/colorize.hpp: DeOldify render factor, pix2pix Lab / RGB). pix2pix U-Nets
//               mapping 1 -> 3 channels (info().task "translate") count as colorizers.
//   stylize     transformer_net: RGB in [0, 255] in and out, truncated to uint8 like the example's save_image
//               (a gray input is replicated to RGB: the style brings colour).
//   enhance     tf_enhancer: RGB in [−1, 1], rounded.
//   deblur      deblurgan: RGB in [−1, 1], truncated like DeblurGAN's tensor2im.
//   segment     matte networks (isnet, u2net, u2netp, r2attunet): the gray mask (tasks/matte_tasks.hpp), soft or
//               binary with `threshold`.
//   remove-bg   matte networks: RGBA cut-out. replace-bg: composited onto `background` (colour or same-size image).
//   anything else (upscale, denoise, translate, ...): Pipeline::run as is.
// For the image-to-image tasks the pipeline converts the value range (info().range), pads the input to the
// network's size multiple (info().size_multiple, info().border_mode) and crops the result back, and carries alpha.
// Overrides: a matte network runs any of segment / remove-bg / replace-bg; any other model only its own task.
// Option checks (clear errors, nothing computed): threshold only for segment, render_factor only for DeOldify,
// background only for remove-bg / replace-bg (and required by replace-bg).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "pixforge/pipeline.hpp"
#include "pixforge/tasks/colorize.hpp"
#include "pixforge/tasks/matte_tasks.hpp"

namespace pixforge {

struct TaskOptions {
  std::string task;                      // "" = the model's own task
  int64_t render_factor = -1;            // DeOldify; -1 = its default, 35
  float threshold = -1.0f;               // segment: < 0 = soft mask, else binary at matte > threshold
  std::optional<Background> background;  // remove-bg -> replace-bg
  RunOptions run;                        // tiling, progress, cancel for the pipeline-backed tasks
  std::function<void(const std::string&)> notice;  // informational messages
};

// The task a model performs by default ("translate" 1 -> 3 pix2pix U-Nets are colorizers).
inline std::string default_task(const ImageModel& model) {
  const ImageModelInfo& i = model.info();
  const auto* p2p = dynamic_cast<const UnetGenerator*>(&model);
  if (p2p != nullptr && !p2p->config().has_gabor && i.in_channels == 1 && i.out_channels == 3) return "colorize";
  return i.task;
}

// The task run_task will perform with these options, after checking that they fit the model.
inline std::string resolve_task(const ImageModel& model, const TaskOptions& opt) {
  const ImageModelInfo& i = model.info();
  const std::string own = default_task(model);
  const bool matte = is_matte_model(model);
  std::string task = opt.task.empty() ? own : opt.task;
  // A background says what is wanted from a matte network, unless another task was asked for explicitly.
  if (matte && opt.background && (opt.task.empty() || opt.task == "remove-bg")) task = "replace-bg";
  PIXFORGE_CHECK(task == own || (matte && (task == "segment" || task == "remove-bg" || task == "replace-bg")),
                 ErrorCode::invalid_argument, "task '", task, "' does not fit '", i.arch, "' (its task is ", own,
                 matte ? "; matte networks run segment, remove-bg or replace-bg)" : ")");
  PIXFORGE_CHECK(!opt.background || task == "replace-bg", ErrorCode::invalid_argument, "a background is given, "
                 "but task '", task, "' of '", i.arch, "' does not use one (only remove-bg / replace-bg)");
  PIXFORGE_CHECK(task != "replace-bg" || opt.background, ErrorCode::invalid_argument,
                 "task replace-bg needs a background (a '#rrggbb' colour or an image of the input's size)");
  PIXFORGE_CHECK(opt.threshold < 0.0f || task == "segment", ErrorCode::invalid_argument, "a threshold is given, "
                 "but task '", task, "' of '", i.arch, "' does not use one (only segment)");
  PIXFORGE_CHECK(opt.threshold <= 1.0f, ErrorCode::invalid_argument, "segment: threshold ", opt.threshold,
                 " out of range [0, 1] (the matte's scale)");
  PIXFORGE_CHECK(opt.render_factor < 0 || dynamic_cast<const DeoldifyUnet*>(&model) != nullptr,
                 ErrorCode::invalid_argument, "a render factor is given, but '", i.arch,
                 "' is not DeOldify (deoldify_unet); other colorizers run at the image's own size");
  return task;
}

// Runs the resolved task on `image` (see the top for each task's processing).
inline Image run_task(const Pipeline& pipe, const Image& image, const TaskOptions& opt = {}) {
  check_image(image, "run_task");
  const std::string task = resolve_task(pipe.model(), opt);
  if (task == "colorize") {
    ColorizeOptions c;
    c.render_factor = opt.render_factor < 0 ? 35 : opt.render_factor;
    c.run = opt.run;
    c.notice = opt.notice;
    return colorize(pipe, image, c);
  }
  if (task == "segment" || task == "remove-bg" || task == "replace-bg") {
    const Tensor<float> matte = predict_task_matte(pipe, image, opt.run);
    if (task == "segment") return matte_mask(matte, opt.threshold);
    if (task == "remove-bg") return cutout(image, matte);
    return replace_background(image, matte, *opt.background);
  }
  RunOptions run = opt.run;
  if (task == "stylize" || task == "deblur") run.rounding = Rounding::truncate;  // astype(uint8) in both repos
  if (task == "stylize" && (image.channels == 1 || image.channels == 2))
    return pipe.run(convert_channels(image, image.channels + 2), run);  // gray(+alpha) -> RGB(+alpha)
  return pipe.run(image, run);
}

}  // namespace pixforge
