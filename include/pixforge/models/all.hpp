// pixforge/models/all.hpp — every model header: including this registers every architecture pixforge can build
// (load_model, `pixforge archs`). Add a line when you add a model header.
#pragma once

#include "pixforge/models/model.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/models/waifu2x_upconv7.hpp"
#include "pixforge/models/waifu2x_vgg7.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/srvgg.hpp"
#include "pixforge/models/upscalerjs_rdn.hpp"
#include "pixforge/models/upscalerjs_rrdn.hpp"
#include "pixforge/models/u2net.hpp"
#include "pixforge/models/isnet.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/waifu2x_cunet.hpp"
#include "pixforge/models/transformer_net.hpp"
#include "pixforge/models/r2attunet.hpp"
#include "pixforge/models/deblurgan.hpp"
#include "pixforge/models/deoldify_unet.hpp"
#include "pixforge/models/vgg19_features.hpp"
#include "pixforge/models/pix2pix_unet.hpp"
#include "pixforge/models/unet_deep.hpp"
#include "pixforge/models/fca_unet.hpp"
