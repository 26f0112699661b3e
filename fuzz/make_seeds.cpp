// fuzz/make_seeds.cpp — writes the committed seed corpora of the fuzz targets (fuzz/corpus/<target>/).
//
//   clang++ -std=c++17 -Iinclude -I/usr/include/eigen3 -I/usr/include/stb fuzz/make_seeds.cpp -o make_seeds
//   ./make_seeds fuzz/corpus tests/data
//
// safetensors: for every registered architecture with a small config (below), a complete model file (parameters
// filled with a deterministic pattern, pixforge.arch + pixforge.config metadata), so mutations start from inputs
// that reach load_state_dict; plus files of every dtype. json: the same configs, prefixed with the byte that
// selects their architecture in fuzz_json. image: the small test images of tests/data, prefixed with the byte of
// desired_channels. Regenerate only when the models' keys change.
#define PIXFORGE_IMPLEMENTATION
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "pixforge/io/image.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/all.hpp"

namespace pf = pixforge;

namespace {
void write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

// Small configs: a seed should be a few KB so libFuzzer mutates it quickly.
const std::map<std::string, std::string> kConfigs = {
    {"tiny_sr", R"({"nf":4})"},
    {"waifu2x_upconv7", R"({"channels":3,"base":2})"},
    {"waifu2x_vgg7", R"({"channels":1,"base":2})"},
    {"srvgg_compact", R"({"num_in_ch":3,"num_out_ch":3,"num_feat":4,"num_conv":2,"upscale":2,"act_type":"prelu"})"},
    {"rrdbnet", R"({"num_in_ch":3,"num_out_ch":3,"scale":2,"num_feat":4,"num_block":1,"num_grow_ch":4})"},
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR TEST_DATA_DIR\n");
    return 2;
  }
  const std::string out = argv[1], data = argv[2];
  const auto& registry = pf::model_registry();
  int arch_index = 0;
  for (const auto& kv : registry) {
    const int index = arch_index++;
    const auto cfg = kConfigs.find(kv.first);
    if (cfg == kConfigs.end()) continue;
    const pf::Json config = pf::Json::parse(cfg->second);
    std::unique_ptr<pf::ImageModel> model = kv.second.create(config);
    pf::SafeTensorsWriter w;
    int64_t k = 0;
    for (const auto& p : model->named_parameters()) {
      pf::Tensor<float> t = pf::Tensor<float>::empty(p.tensor->shape());
      for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = float((k++ * 37) % 17 - 8) / 64.0f;
      w.add(p.name, t);
    }
    w.set_metadata("pixforge.arch", kv.first);
    w.set_metadata("pixforge.config", cfg->second);
    write(out + "/safetensors/" + kv.first + ".safetensors", w.to_bytes());
    std::vector<uint8_t> js(1, uint8_t(index));
    js.insert(js.end(), cfg->second.begin(), cfg->second.end());
    write(out + "/json/" + kv.first + ".json", js);
  }
  {  // every stored dtype the reader converts, in one small file
    pf::SafeTensorsWriter w;
    w.add("a", pf::Tensor<float>::full({2, 3}, 1.5f));
    w.add("b", pf::Tensor<pf::half>::full({3}, pf::half(2.0f)));
    w.add("c", pf::Tensor<pf::bfloat16>::full({1, 2}, pf::bfloat16(-3.0f)));
    w.set_metadata("note", "dtypes");
    write(out + "/safetensors/dtypes.safetensors", w.to_bytes());
    const std::string ints =
        R"({"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"u":{"dtype":"U8","shape":[2],"data_offsets":[8,10]},)"
        R"("d":{"dtype":"F64","shape":[],"data_offsets":[10,18]},"e":{"dtype":"BOOL","shape":[0],"data_offsets":[18,18]}})";
    std::vector<uint8_t> b(8);
    for (int i = 0; i < 8; ++i) b[size_t(i)] = uint8_t(uint64_t(ints.size()) >> (8 * i));
    b.insert(b.end(), ints.begin(), ints.end());
    b.resize(b.size() + 18, 1);
    write(out + "/safetensors/ints.safetensors", b);
  }
  // Every architecture whose default config ("{}") builds a small network (< 1M parameters: a bigger one makes each
  // fuzz_json run take ~0.5 s).
  int i = 0;
  for (const auto& kv : registry) {
    if (kv.second.create(pf::Json::object())->parameter_count() < 1000000)
      write(out + "/json/default_" + kv.first + ".json", {uint8_t(i), uint8_t('{'), uint8_t('}')});
    ++i;
  }
  const char* docs[] = {R"({"a":[1,2.5,-3e2,true,false,null],"b":{"c":"\u00e9\ud83d\ude00\n"}})", "[]", "\"x\"",
                        "-0", "12345678901234567890"};
  int n = 0;
  for (const char* d : docs) {
    std::vector<uint8_t> js(1, 0);
    js.insert(js.end(), d, d + std::strlen(d));
    write(out + "/json/doc" + std::to_string(n++) + ".json", js);
  }
  const char* images[] = {"rgb.png", "rgba.png", "gray.png", "gray_alpha.png", "palette.png", "rgb16.png",
                          "gradient.jpg", "gray.jpg", "rgb.bmp", "rgb.tga", "rgba.tga", "huge_header.png"};
  for (const char* name : images) {
    std::ifstream f(data + "/" + name, std::ios::binary);
    std::vector<uint8_t> bytes(1, uint8_t(n++ % 5));
    bytes.insert(bytes.end(), std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    write(out + "/image/" + name, bytes);
  }
  return 0;
}
