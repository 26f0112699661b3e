# Runs of the example programs (examples/*.cpp) on tiny inputs, each followed by a check of its output
# (tests/examples/check_example.cpp). Included from CMakeLists.txt when examples and tests are both built.
# Models without public weights (or whose weights are fetched, not committed) get a seeded random-weight file made
# at test time by tests/examples/make_random_model.cpp: these tests check the embedding code paths and the
# plumbing (sizes, channels, equality with a direct forward()), not the quality of a trained network.

add_executable(make_random_model ${CMAKE_CURRENT_SOURCE_DIR}/tests/examples/make_random_model.cpp)
add_executable(check_example ${CMAKE_CURRENT_SOURCE_DIR}/tests/examples/check_example.cpp)
target_link_libraries(make_random_model PRIVATE pixforge_dev)
target_link_libraries(check_example PRIVATE pixforge_dev)

set(exo ${CMAKE_CURRENT_BINARY_DIR}/example_out)
set(ex_in tests/data/colors.png)  # 48×48 RGB
file(MAKE_DIRECTORY ${exo})

# pixforge_random_model(<name> <arch> <config json>): test example_weights_<name> writes ${exo}/<name>.safetensors
# and is the fixture of the tests that use it.
# Extra arguments (KEY*=GAIN, KEY+=OFFSET) go to make_random_model.
function(pixforge_random_model name arch config)
  add_test(NAME example_weights_${name}
           COMMAND make_random_model ${arch} ${config} 1 ${exo}/${name}.safetensors ${ARGN})
  set_tests_properties(example_weights_${name} PROPERTIES FIXTURES_SETUP ex_w_${name})
endfunction()
# pixforge_example_test(<test> <fixture or "">  COMMAND <args...>): runs an example in the source directory.
function(pixforge_example_test name weights)
  add_test(NAME ${name} ${ARGN} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES FIXTURES_SETUP ${name})
  if(weights)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ex_w_${weights})
  endif()
endfunction()
# pixforge_example_check(<example test> <check args...>): check_example on what the example wrote.
function(pixforge_example_check name)
  add_test(NAME ${name}_check COMMAND check_example ${ARGN} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(${name}_check PROPERTIES FIXTURES_REQUIRED ${name})
endfunction()

pixforge_random_model(vgg7 waifu2x_vgg7 "{\"base\":4}")
pixforge_random_model(pix2pix pix2pix_unet "{\"input_nc\":1,\"output_nc\":2,\"num_downs\":5,\"ngf\":4}")
pixforge_random_model(deoldify deoldify_unet "{\"nf_factor\":0.1}")
pixforge_random_model(u2netp u2net "{\"variant\":\"u2netp\",\"width_divisor\":4}")
# The style net works on the 0..255 scale and R2AttU-Net's logits go through a sigmoid: scale their last layers.
pixforge_random_model(style transformer_net "{\"width\":4,\"num_res\":1}"
                      deconv3.conv2d.weight*=40 deconv3.conv2d.bias+=128)
pixforge_random_model(r2att r2attunet "{\"nf\":4,\"t\":1}" Conv_1x1.weight*=0.05 Conv_1x1.bias*=0)
pixforge_random_model(enhancer tf_enhancer "{\"nf\":4}")
pixforge_random_model(deblur deblurgan "{\"ngf\":4,\"n_blocks\":1}")
set(tiny weights/tiny-sr-2x.safetensors)  # committed, trained

# One program per task.
pixforge_example_test(example_upscale "" COMMAND upscale ${tiny} ${ex_in} ${exo}/upscale.png)
pixforge_example_check(example_upscale forward ${tiny} ${ex_in} ${exo}/upscale.png)
pixforge_example_test(example_denoise vgg7 COMMAND denoise ${exo}/vgg7.safetensors ${ex_in} ${exo}/denoise.png)
pixforge_example_check(example_denoise forward ${exo}/vgg7.safetensors ${ex_in} ${exo}/denoise.png)
pixforge_example_test(example_colorize pix2pix COMMAND colorize ${exo}/pix2pix.safetensors ${ex_in} ${exo}/colorize.png)
pixforge_example_check(example_colorize size ${exo}/colorize.png 48 48 3 --colour)
pixforge_example_test(example_restore deoldify
                      COMMAND restore ${exo}/deoldify.safetensors ${ex_in} ${exo}/restore.png --render 32)
pixforge_example_check(example_restore luma ${ex_in} ${exo}/restore.png 1)
pixforge_example_test(example_remove_bg u2netp
                      COMMAND remove_bg ${exo}/u2netp.safetensors ${ex_in} ${exo}/remove_bg.png --resolution 64)
pixforge_example_check(example_remove_bg size ${exo}/remove_bg.png 48 48 4)
pixforge_example_test(example_replace_bg u2netp
                      COMMAND remove_bg ${exo}/u2netp.safetensors ${ex_in} ${exo}/replace_bg.png --resolution 64
                              --color 0,128,255)
pixforge_example_check(example_replace_bg size ${exo}/replace_bg.png 48 48 3)
pixforge_example_test(example_stylize style COMMAND stylize ${exo}/style.safetensors ${ex_in} ${exo}/stylize.png)
pixforge_example_check(example_stylize forward ${exo}/style.safetensors ${ex_in} ${exo}/stylize.png)
pixforge_example_test(example_segment r2att
                      COMMAND segment ${exo}/r2att.safetensors ${ex_in} ${exo}/segment.png ${exo}/overlay.png)
pixforge_example_check(example_segment forward ${exo}/r2att.safetensors ${ex_in} ${exo}/segment.png --sigmoid)
pixforge_example_test(example_enhance enhancer COMMAND enhance ${exo}/enhancer.safetensors ${ex_in} ${exo}/enhance.png)
pixforge_example_check(example_enhance forward ${exo}/enhancer.safetensors ${ex_in} ${exo}/enhance.png)
pixforge_example_test(example_deblur deblur COMMAND deblur ${exo}/deblur.safetensors ${ex_in} ${exo}/deblur.png)
pixforge_example_check(example_deblur forward ${exo}/deblur.safetensors ${ex_in} ${exo}/deblur.png)

# Embedding patterns.
pixforge_example_test(example_batch "" COMMAND batch ${tiny} ${exo}/batch ${ex_in} tests/data/gradient_pil.png)
pixforge_example_check(example_batch forward ${tiny} tests/data/gradient_pil.png ${exo}/batch/gradient_pil.png)
pixforge_example_test(example_reuse_buffers ""
                      COMMAND reuse_buffers ${tiny} ${exo}/frame_ ${ex_in} tests/data/colors_pil_L.png)
pixforge_example_check(example_reuse_buffers forward ${tiny} tests/data/colors_pil_L.png ${exo}/frame_1.png)
# 256² input: with the Winograd tile rules (4× halo) 48² would fit one tile and give no cancellation point.
pixforge_example_test(example_background "" COMMAND background ${tiny} examples/data/sample.png
                                                  ${exo}/background.png)
set_tests_properties(example_background PROPERTIES PASS_REGULAR_EXPRESSION
                     "finished: 256 tiles.*second run stopped after [0-9]+ of 256 tiles: .*cancelled")
pixforge_example_check(example_background size ${exo}/background.png 512 512 3)
# 256² (48² now fits one tile with the Winograd halo): the regex makes sure the run really is cut into tiles.
pixforge_example_test(example_tile_large "" COMMAND tile_large ${tiny} examples/data/sample.png
                      ${exo}/tile_large.png --memory 1 --verify)  # exit 1 if tiled != untiled
set_tests_properties(example_tile_large PROPERTIES PASS_REGULAR_EXPRESSION
                     "8x8 tiles.*max \\|tiled - untiled\\| = 0 over")
pixforge_example_check(example_tile_large size ${exo}/tile_large.png 512 512 3)

# pixforge trace: the layer table, and a feature-map picture of conv2 (16 channels of 48×48 in a 4×4 grid).
add_test(NAME cli_trace COMMAND pixforge_cli trace ${tiny} ${ex_in} --dump conv2 --dump-dir ${exo}/trace
         WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
set_tests_properties(cli_trace PROPERTIES FIXTURES_SETUP cli_trace PASS_REGULAR_EXPRESSION
  "conv1 +Conv2d +\\[1,32,48,48\\].*conv3 +Conv2d +\\[1,12,48,48\\].*total: 3 layer calls.*wrote 1 feature map")
pixforge_example_check(cli_trace size ${exo}/trace/conv2.png 195 195 1)
