// pixforge/models/cunet_reach.hpp — the dependency spans (models/tile_reach.hpp) of the two U-Nets of
// cunet_blocks.hpp and the exact tile context of Real-CUGAN / waifu2x CUNet built from them. Each function walks
// the forward() of cunet_blocks.hpp backwards, layer by layer (keep the two in step: the bit-identity tests of
// tests/pipeline/test_pipeline_halo.cpp fail when the context is one pixel short, so a drift shows there).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "pixforge/models/cunet_blocks.hpp"
#include "pixforge/models/tile_reach.hpp"

namespace pixforge {
namespace cunet {

// UNetConv: two 3×3 valid convs (the SE block is per pixel once its means are fixed).
inline reach::Span reach_conv(reach::Span s, const UNetConv& u) {
  return reach::conv(reach::conv(s, u.conv[1]), u.conv[0]);
}

// UNet1: input span of a span of its conv2 map (the SE pool) and of its output.
inline reach::Span reach_x2(const UNet1& u, reach::Span s) {
  return reach_conv(reach::conv(reach_conv(s, u.conv2), u.conv1_down), u.conv1);
}
inline reach::Span reach_out(const UNet1& u, reach::Span s) {
  s = u.conv_bottom_conv ? reach::conv(s, *u.conv_bottom_conv) : reach::conv_transpose(s, *u.conv_bottom_deconv);
  s = reach::conv(s, u.conv3);  // s: span of crop(x1, 4) + conv2_up(x2)
  return reach::join(reach_conv(reach::shift(s, 4), u.conv1), reach_x2(u, reach::conv_transpose(s, u.conv2_up)));
}

// UNet2: input span of a span of conv2's, conv3's, conv4's map (the SE pools) and of its output.
inline reach::Span reach_x2(const UNet2& u, reach::Span s) {
  return reach_conv(reach::conv(reach_conv(s, u.conv2), u.conv1_down), u.conv1);
}
inline reach::Span reach_x3(const UNet2& u, reach::Span s) {
  return reach_x2(u, reach::conv(reach_conv(s, u.conv3), u.conv2_down));
}
inline reach::Span reach_x4(const UNet2& u, reach::Span s) {
  s = reach_conv(s, u.conv4);  // span of crop(x2, 4) + conv3_up(x3)
  return reach::join(reach_x2(u, reach::shift(s, 4)), reach_x3(u, reach::conv_transpose(s, u.conv3_up)));
}
inline reach::Span reach_out(const UNet2& u, reach::Span s) {
  s = reach::conv(reach::conv(s, u.conv_bottom), u.conv5);  // span of crop(x1, 16) + conv4_up(x4)
  return reach::join(reach_conv(reach::shift(s, 16), u.conv1), reach_x4(u, reach::conv_transpose(s, u.conv4_up)));
}

// The cascade y = crop(z1, 20) + unet2(z1), z1 = unet1(x) (Real-CUGAN, CUNet), optionally followed by `tail`
// (output span -> span of y) and joined by `skip` (output span -> input span of a path around the U-Nets).
// z1 is z1_num·n − z1_shrink rows for n input rows. Targets: the output (out_num·n − out_shrink rows) and the
// four SE maps of info().mean_pools, in that order.
inline std::vector<reach::Target> cascade_targets(const UNet1& u1, const UNet2& u2, int64_t z1_num,
                                                  int64_t z1_shrink, int64_t out_num, int64_t out_shrink,
                                                  std::function<reach::Span(reach::Span)> tail = nullptr,
                                                  std::function<reach::Span(reach::Span)> skip = nullptr) {
  auto from_z1 = [&u1](reach::Span s) { return reach_out(u1, s); };
  auto cascade = [&u2, from_z1](reach::Span s) {
    return from_z1(reach::join(reach::shift(s, 20), reach_out(u2, s)));
  };
  std::vector<reach::Target> t;
  t.push_back({out_num, 1, out_shrink,
               [cascade, tail, skip](reach::Span s) {
                 const reach::Span y = cascade(tail ? tail(s) : s);
                 return skip ? reach::join(y, skip(s)) : y;
               }});
  t.push_back({1, 2, 6, [&u1](reach::Span s) { return reach_x2(u1, s); }});  // UNet1 conv2: n/2 − 6
  // UNet2 maps at z1/2, z1/4, z1/2: conv2 z/2 − 6, conv3 z/4 − 7, conv4 z/2 − 18 for z = z1_num·n − z1_shrink.
  t.push_back({z1_num, 2, z1_shrink / 2 + 6, [&u2, from_z1](reach::Span s) { return from_z1(reach_x2(u2, s)); }});
  t.push_back({z1_num, 4, z1_shrink / 4 + 7, [&u2, from_z1](reach::Span s) { return from_z1(reach_x3(u2, s)); }});
  t.push_back({z1_num, 2, z1_shrink / 2 + 18, [&u2, from_z1](reach::Span s) { return from_z1(reach_x4(u2, s)); }});
  return t;
}

}  // namespace cunet
}  // namespace pixforge
