// pixforge/io/safetensors.hpp — read and write the safetensors weight format.
//
// The format (huggingface/safetensors, the de-facto interchange format for weights):
//
//     [8 bytes]  N, little-endian uint64: length of the header
//     [N bytes]  JSON header, UTF-8, starting with '{', possibly padded with trailing spaces:
//                { "__metadata__": {"key": "string value", ...},            (optional; string values only)
//                  "conv.weight": {"dtype": "F32", "shape": [64, 3, 3, 3], "data_offsets": [BEGIN, END]}, ... }
//     [rest]     the data section; each tensor's bytes are [BEGIN, END) relative to the start of this section,
//                little-endian, row-major (C order). Tensors must not overlap and must cover the section with no
//                holes.
//
// pixforge reads F32, F16 and BF16 (and, so a PyTorch state_dict with `num_batches_tracked` loads, F64 and the
// integer/bool dtypes, all converted to float by get()). Everything in the file is treated as hostile: the header
// length is checked against the file size and a 100 MB cap, the JSON parser is strict and depth-limited, every
// tensor's shape × dtype size must equal its byte range, ranges must lie inside the data section, must not overlap
// and must leave no holes, and dimensions are capped (rank ≤ 6, ≤ 2^40 elements). Errors name the file and the key.
// NaN/Inf values are legal in the format; check_finite() reports them.
//
// The file is memory-mapped where POSIX mmap exists (weights are paged in on demand and shared between processes),
// else read into memory.
//
//     auto st = pixforge::SafeTensors::open("weights/model.safetensors");
//     pixforge::Tensor<float> w = st.get("conv_first.weight");
//     std::string arch = st.metadata_value("pixforge.arch");
//
// SafeTensorsWriter writes files the way the official Python package does (tensors ordered by dtype, then by name;
// compact JSON with `__metadata__` first; header padded with spaces to a multiple of 8), atomically.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/dtype.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/json.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/io/file_util.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define PIXFORGE_HAS_MMAP 1
#else
#define PIXFORGE_HAS_MMAP 0
#endif

namespace pixforge {

// Every dtype the format defines; only the first three are compute storage types, the rest convert to float.
enum class StDType : uint8_t { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, U16, U32, U64 };

struct StTensorInfo {
  std::string name;
  StDType dtype = StDType::F32;
  std::string dtype_name;
  Shape shape;
  int64_t begin = 0, end = 0;  // byte range inside the data section
};

namespace detail {
inline bool parse_st_dtype(const std::string& s, StDType& d, int& size) {
  static const struct {
    const char* name;
    StDType d;
    int size;
  } table[] = {{"F32", StDType::F32, 4}, {"F16", StDType::F16, 2}, {"BF16", StDType::BF16, 2},
               {"F64", StDType::F64, 8}, {"I64", StDType::I64, 8}, {"I32", StDType::I32, 4},
               {"I16", StDType::I16, 2}, {"I8", StDType::I8, 1},   {"U8", StDType::U8, 1},
               {"BOOL", StDType::BOOL, 1}, {"U16", StDType::U16, 2}, {"U32", StDType::U32, 4},
               {"U64", StDType::U64, 8}};
  for (const auto& e : table)
    if (s == e.name) {
      d = e.d;
      size = e.size;
      return true;
    }
  return false;
}

// Bytes of a file: memory-mapped or owned.
class FileBytes {
 public:
  FileBytes() = default;
  static std::shared_ptr<FileBytes> map(const std::string& path) {
    auto fb = std::make_shared<FileBytes>();
#if PIXFORGE_HAS_MMAP
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(ErrorCode::io_error, msg("safetensors '", path, "': cannot open: ", std::strerror(errno)));
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      fail(ErrorCode::io_error, msg("safetensors '", path, "': not a regular file"));
    }
    fb->size_ = static_cast<size_t>(st.st_size);
    if (fb->size_ > 0) {
      void* p = ::mmap(nullptr, fb->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        fail(ErrorCode::io_error, msg("safetensors '", path, "': mmap failed: ", std::strerror(errno)));
      }
      fb->mapped_ = p;
      fb->data_ = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
#else
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(ErrorCode::io_error, msg("safetensors '", path, "': cannot open"));
    fb->owned_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    fb->data_ = fb->owned_.data();
    fb->size_ = fb->owned_.size();
#endif
    return fb;
  }
  static std::shared_ptr<FileBytes> own(std::vector<uint8_t> bytes) {
    auto fb = std::make_shared<FileBytes>();
    fb->owned_ = std::move(bytes);
    fb->data_ = fb->owned_.data();
    fb->size_ = fb->owned_.size();
    return fb;
  }
  ~FileBytes() {
#if PIXFORGE_HAS_MMAP
    if (mapped_) ::munmap(mapped_, size_);
#endif
  }
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  std::vector<uint8_t> owned_;
  void* mapped_ = nullptr;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

inline uint64_t read_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace detail

class SafeTensors {
 public:
  static constexpr uint64_t kMaxHeaderBytes = 100u << 20;
  static constexpr int64_t kMaxElements = int64_t(1) << 40;

  static SafeTensors open(const std::string& path) { return SafeTensors(detail::FileBytes::map(path), path); }
  static SafeTensors from_bytes(std::vector<uint8_t> bytes, const std::string& name = "<memory>") {
    return SafeTensors(detail::FileBytes::own(std::move(bytes)), name);
  }

  const std::string& path() const { return path_; }
  // Tensor names in header order.
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    k.reserve(infos_.size());
    for (const auto& i : infos_) k.push_back(i.name);
    return k;
  }
  size_t size() const { return infos_.size(); }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  const StTensorInfo& info(const std::string& key) const { return infos_[lookup(key)]; }
  const std::vector<StTensorInfo>& infos() const { return infos_; }

  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool has_metadata(const std::string& key) const { return metadata_.count(key) != 0; }
  const std::string& metadata_value(const std::string& key) const {
    auto it = metadata_.find(key);
    if (it == metadata_.end())
      fail(ErrorCode::missing_key, msg("safetensors '", path_, "': no __metadata__ entry \"", key, "\""));
    return it->second;
  }

  // Raw little-endian bytes of a tensor (points into the mapped file).
  const uint8_t* raw(const std::string& key) const { return data_start() + info(key).begin; }

  // The tensor converted to float32 (F32/F16/BF16/F64 and integer/bool dtypes).
  Tensor<float> get(const std::string& key) const {
    const StTensorInfo& ti = info(key);
    Tensor<float> t = Tensor<float>::empty(ti.shape);
    convert_to_float(ti, t.data());
    return t;
  }

  // The tensor in its stored 16/32-bit float type without conversion; T must match the stored dtype.
  template <class T>
  Tensor<T> get_as(const std::string& key) const {
    const StTensorInfo& ti = info(key);
    const bool ok = (std::is_same<T, float>::value && ti.dtype == StDType::F32) ||
                    (std::is_same<T, half>::value && ti.dtype == StDType::F16) ||
                    (std::is_same<T, bfloat16>::value && ti.dtype == StDType::BF16);
    PIXFORGE_CHECK(ok, ErrorCode::unsupported, "safetensors '", path_, "': tensor '", key, "' is stored as ",
                   ti.dtype_name, ", not ", dtype_name(dtype_of<T>::value));
    Tensor<T> t = Tensor<T>::empty(ti.shape);
    std::memcpy(static_cast<void*>(t.data()), raw(key), size_t(ti.end - ti.begin));
    return t;
  }

  // Names of tensors that contain NaN or Inf values, with the count of such values. Empty = all finite.
  std::vector<std::pair<std::string, int64_t>> check_finite() const {
    std::vector<std::pair<std::string, int64_t>> bad;
    std::vector<float> buf;
    for (const auto& ti : infos_) {
      buf.resize(size_t(ti.shape.numel()));
      convert_to_float(ti, buf.data());
      int64_t n = 0;
      for (float v : buf)
        if (!std::isfinite(v)) ++n;
      if (n) bad.emplace_back(ti.name, n);
    }
    return bad;
  }

 private:
  SafeTensors(std::shared_ptr<detail::FileBytes> bytes, std::string path)
      : bytes_(std::move(bytes)), path_(std::move(path)) {
    parse();
  }

  const uint8_t* data_start() const { return bytes_->data() + 8 + header_len_; }

  size_t lookup(const std::string& key) const {
    auto it = index_.find(key);
    if (it == index_.end()) fail(ErrorCode::missing_key, msg("safetensors '", path_, "': no tensor named '", key, "'"));
    return it->second;
  }

  [[noreturn]] void bad(const std::string& what) const {
    fail(ErrorCode::format_error, msg("safetensors '", path_, "': ", what));
  }

  void parse() {
    const size_t file_size = bytes_->size();
    if (file_size < 8) bad(msg("file is ", file_size, " bytes, too short for the 8-byte header length"));
    const uint64_t n = detail::read_le64(bytes_->data());
    if (n > kMaxHeaderBytes) bad(msg("header length ", n, " exceeds the 100 MB limit (corrupt or not safetensors)"));
    if (n > file_size - 8) bad(msg("header length ", n, " runs past the end of the ", file_size, "-byte file (truncated?)"));
    if (n < 2) bad(msg("header length ", n, " is too small"));
    header_len_ = n;
    const char* h = reinterpret_cast<const char*>(bytes_->data() + 8);
    if (h[0] != '{') bad("header does not start with '{'");
    const Json header = Json::parse(std::string(h, size_t(n)), "safetensors '" + path_ + "' header");
    if (!header.is_object()) bad("header is not a JSON object");
    const int64_t data_size = int64_t(file_size - 8 - n);

    for (const auto& kv : header.members()) {
      if (kv.first == "__metadata__") {
        if (!kv.second.is_object()) bad("__metadata__ is not an object");
        for (const auto& m : kv.second.members()) {
          if (!m.second.is_string()) bad(msg("__metadata__ value of \"", m.first, "\" is not a string"));
          metadata_[m.first] = m.second.as_string();
        }
        continue;
      }
      infos_.push_back(parse_entry(kv.first, kv.second, data_size));
    }
    for (size_t i = 0; i < infos_.size(); ++i) index_[infos_[i].name] = i;

    // Ranges: sorted by begin, they must tile [0, data_size) exactly — no overlap, no hole.
    std::vector<const StTensorInfo*> order;
    for (const auto& ti : infos_) order.push_back(&ti);
    std::sort(order.begin(), order.end(), [](const StTensorInfo* a, const StTensorInfo* b) {
      return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    int64_t pos = 0;
    for (const StTensorInfo* ti : order) {
      if (ti->begin < pos)
        bad(msg("tensor '", ti->name, "' bytes [", ti->begin, ", ", ti->end, ") overlap the previous tensor (ends at ",
                pos, ")"));
      if (ti->begin > pos) bad(msg("hole in the data section: bytes [", pos, ", ", ti->begin, ") belong to no tensor"));
      pos = ti->end;
    }
    if (pos != data_size)
      bad(msg("data section is ", data_size, " bytes but tensors cover ", pos,
              pos < data_size ? " (trailing bytes)" : " (truncated)"));
  }

  StTensorInfo parse_entry(const std::string& name, const Json& e, int64_t data_size) const {
    if (!e.is_object()) bad(msg("entry '", name, "' is not an object"));
    StTensorInfo ti;
    ti.name = name;
    const Json* dt = e.find("dtype");
    const Json* sh = e.find("shape");
    const Json* off = e.find("data_offsets");
    if (!dt || !sh || !off) bad(msg("tensor '", name, "' lacks dtype, shape or data_offsets"));
    if (e.size() != 3) bad(msg("tensor '", name, "' has unexpected fields"));
    if (!dt->is_string()) bad(msg("tensor '", name, "': dtype is not a string"));
    int esize = 0;
    if (!detail::parse_st_dtype(dt->as_string(), ti.dtype, esize))
      bad(msg("tensor '", name, "': unsupported dtype \"", dt->as_string(), "\""));
    ti.dtype_name = dt->as_string();
    if (!sh->is_array()) bad(msg("tensor '", name, "': shape is not an array"));
    if (sh->size() > size_t(kMaxRank)) bad(msg("tensor '", name, "': rank ", sh->size(), " exceeds ", kMaxRank));
    std::vector<int64_t> dims;
    int64_t numel = 1;
    for (const Json& d : sh->items()) {
      if (!d.is_number()) bad(msg("tensor '", name, "': shape entries must be integers"));
      int64_t v = 0;
      try_int(d, v, name, "shape");
      if (v < 0) bad(msg("tensor '", name, "': negative dimension ", v));
      if (v > 0 && numel > kMaxElements / v) bad(msg("tensor '", name, "': more than 2^40 elements"));
      numel *= v;
      dims.push_back(v);
    }
    ti.shape = Shape(dims);
    if (!off->is_array() || off->size() != 2) bad(msg("tensor '", name, "': data_offsets must be [begin, end]"));
    try_int((*off)[0], ti.begin, name, "data_offsets");
    try_int((*off)[1], ti.end, name, "data_offsets");
    if (ti.begin < 0 || ti.end < ti.begin)
      bad(msg("tensor '", name, "': invalid data_offsets [", ti.begin, ", ", ti.end, "]"));
    if (ti.end > data_size)
      bad(msg("tensor '", name, "': data_offsets [", ti.begin, ", ", ti.end, "] run past the ", data_size,
              "-byte data section (truncated file?)"));
    if (ti.end - ti.begin != numel * esize)
      bad(msg("tensor '", name, "': shape ", ti.shape.str(), " x ", esize, " bytes (", ti.dtype_name, ") = ",
              numel * esize, " bytes, but data_offsets span ", ti.end - ti.begin));
    return ti;
  }

  void try_int(const Json& j, int64_t& out, const std::string& name, const char* field) const {
    if (!j.to_int64(out)) bad(msg("tensor '", name, "': ", field, " must hold integers, got ", j.dump()));
  }

  void convert_to_float(const StTensorInfo& ti, float* dst) const {
    const uint8_t* src = data_start() + ti.begin;
    const int64_t n = ti.shape.numel();
    // The data section has no alignment guarantee: read through memcpy.
    auto each = [&](auto tag) {
      using S = decltype(tag);
      for (int64_t i = 0; i < n; ++i) {
        S v;
        std::memcpy(&v, src + i * int64_t(sizeof(S)), sizeof(S));
        dst[i] = static_cast<float>(v);
      }
    };
    switch (ti.dtype) {
      case StDType::F32: std::memcpy(dst, src, size_t(n) * 4); break;
      case StDType::F16: {
        for (int64_t i = 0; i < n; ++i) {
          uint16_t b;
          std::memcpy(&b, src + 2 * i, 2);
          dst[i] = half::to_float(b);
        }
        break;
      }
      case StDType::BF16: {
        for (int64_t i = 0; i < n; ++i) {
          uint16_t b;
          std::memcpy(&b, src + 2 * i, 2);
          dst[i] = bfloat16::to_float(b);
        }
        break;
      }
      case StDType::F64: each(double()); break;
      case StDType::I64: each(int64_t()); break;
      case StDType::I32: each(int32_t()); break;
      case StDType::I16: each(int16_t()); break;
      case StDType::I8: each(int8_t()); break;
      case StDType::U8: each(uint8_t()); break;
      case StDType::BOOL: each(uint8_t()); break;
      case StDType::U16: each(uint16_t()); break;
      case StDType::U32: each(uint32_t()); break;
      case StDType::U64: each(uint64_t()); break;
    }
  }

  std::shared_ptr<detail::FileBytes> bytes_;
  std::string path_;
  uint64_t header_len_ = 0;
  std::vector<StTensorInfo> infos_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Writes safetensors files: F32, F16 and BF16 tensors plus string metadata.
class SafeTensorsWriter {
 public:
  void add(const std::string& name, const Tensor<float>& t) { add_raw(name, "F32", 4, t); }
  void add(const std::string& name, const Tensor<half>& t) { add_raw(name, "F16", 2, t); }
  void add(const std::string& name, const Tensor<bfloat16>& t) { add_raw(name, "BF16", 2, t); }
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }

  std::vector<uint8_t> to_bytes() const {
    // Order of the official package: dtype descending in its enum order (F32 > BF16 > F16), then name.
    std::vector<const Entry*> order;
    for (const auto& e : entries_) order.push_back(&e);
    auto rank = [](const std::string& d) { return d == "F32" ? 2 : d == "BF16" ? 1 : 0; };
    std::sort(order.begin(), order.end(), [&](const Entry* a, const Entry* b) {
      if (rank(a->dtype) != rank(b->dtype)) return rank(a->dtype) > rank(b->dtype);
      return a->name < b->name;
    });
    Json header = Json::object();
    if (!metadata_.empty()) {
      Json meta = Json::object();
      for (const auto& kv : metadata_) meta.set(kv.first, Json::string(kv.second));
      header.set("__metadata__", meta);
    }
    int64_t offset = 0;
    for (const Entry* e : order) {
      Json j = Json::object();
      j.set("dtype", Json::string(e->dtype));
      Json shape = Json::array();
      for (int64_t d : e->shape.vec()) shape.push_back(Json::integer(d));
      j.set("shape", shape);
      Json offs = Json::array();
      offs.push_back(Json::integer(offset));
      offs.push_back(Json::integer(offset + int64_t(e->bytes.size())));
      j.set("data_offsets", offs);
      header.set(e->name, j);
      offset += int64_t(e->bytes.size());
    }
    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');
    std::vector<uint8_t> out;
    out.reserve(8 + h.size() + size_t(offset));
    const uint64_t n = h.size();
    for (int i = 0; i < 8; ++i) out.push_back(uint8_t(n >> (8 * i)));
    out.insert(out.end(), h.begin(), h.end());
    for (const Entry* e : order) out.insert(out.end(), e->bytes.begin(), e->bytes.end());
    return out;
  }

  // Atomic: written to a temporary file next to `path`, then renamed over it.
  void save(const std::string& path) const {
    const std::vector<uint8_t> bytes = to_bytes();
    write_file_atomic(path, bytes.data(), bytes.size());
  }

 private:
  struct Entry {
    std::string name, dtype;
    Shape shape;
    std::vector<uint8_t> bytes;
  };
  template <class T>
  void add_raw(const std::string& name, const char* dtype, int esize, const Tensor<T>& t) {
    PIXFORGE_CHECK(name != "__metadata__" && !name.empty(), ErrorCode::invalid_argument,
                   "SafeTensorsWriter: invalid tensor name '", name, "'");
    for (const auto& e : entries_)
      PIXFORGE_CHECK(e.name != name, ErrorCode::invalid_argument, "SafeTensorsWriter: duplicate tensor '", name, "'");
    Tensor<T> c = t.contiguous();
    Entry e{name, dtype, t.shape(), {}};
    e.bytes.resize(size_t(c.numel()) * size_t(esize));
    if (!e.bytes.empty()) std::memcpy(e.bytes.data(), c.data(), e.bytes.size());  // x86/ARM: already little-endian
    entries_.push_back(std::move(e));
  }
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace pixforge
