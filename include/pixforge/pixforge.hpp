// pixforge — a header-only C++17 inference library for image generators.
//
// This umbrella header includes everything. Include single headers (pixforge/ops/conv2d.hpp, ...) to keep compile
// times down.
//
//     #define PIXFORGE_IMPLEMENTATION          // in ONE .cpp file: compiles stb_image / stb_image_write
//     #include <pixforge/pixforge.hpp>
//     using namespace pixforge;
//
//     Tensor<> x = image_to_tensor(load_image("in.png", 3), Range::unit);     // [1, 3, H, W], RGB in [0, 1]
//     Tensor<> w = SafeTensors::open("edge.safetensors").get("weight");      // [C_out, 3, 3, 3]
//     Tensor<> y = conv2d(x, w, Tensor<>(), Conv2dParams{}.with_padding(1).with_act(Act::sigmoid()));
//     save_image("out.png", tensor_to_image(y, Range::unit));                 // written atomically
//
// Folder map
//   core/   Tensor<T> (NCHW, 64-byte aligned, views), half/bfloat16, Error, Json, parallel_for, gemm (Eigen)
//   ops/    one operator per header: doc comment, params struct, <op>_ref, fast variants, dispatcher <op>()
//   nn/     Module (named parameters = PyTorch state_dict keys), layers named like torch.nn, load_state_dict
//   io/     safetensors reader/writer, image load/save (stb), colour spaces, atomic file writes
//
// Conventions
//   * PyTorch is the spec: op names, argument meanings, weight layouts, state_dict keys.
//   * Activations are Tensor<float> [N, C, H, W]; colour images RGB unless a model says otherwise.
//   * Errors are pixforge::Error (code + message naming op/file/key/shapes); PIXFORGE_NO_EXCEPTIONS routes them to
//     set_error_handler().
//   * Threads: set_num_threads(n). One owner of parallelism per op; results are identical for any thread count.
#pragma once

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/dtype.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/gemm.hpp"
#include "pixforge/core/json.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/io/color.hpp"
#include "pixforge/io/file_util.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/module.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/batch_norm.hpp"
#include "pixforge/ops/channel_attention.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv_transpose2d.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/gabor.hpp"
#include "pixforge/ops/gated_conv2d.hpp"
#include "pixforge/ops/group_norm.hpp"
#include "pixforge/ops/instance_norm.hpp"
#include "pixforge/ops/layer_norm.hpp"
#include "pixforge/ops/linear.hpp"
#include "pixforge/ops/matte.hpp"
#include "pixforge/ops/pad.hpp"
#include "pixforge/ops/permute.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/ops/pool.hpp"
#include "pixforge/ops/scaled_dot_product_attention.hpp"
#include "pixforge/ops/self_attention.hpp"
#include "pixforge/ops/spatial_attention.hpp"
#include "pixforge/ops/upsample.hpp"
