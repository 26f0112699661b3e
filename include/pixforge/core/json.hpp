// pixforge/core/json.hpp — a small, strict, bounds-checked JSON reader and writer.
//
// Used for the safetensors header, the `__metadata__` config of a weight file and golden-test parameters, i.e. for
// input that may be hostile: the parser never reads past its buffer, limits nesting depth (64) and rejects anything
// RFC 8259 rejects (trailing commas, comments, leading zeros, control characters in strings, bad escapes,
// unpaired surrogates, trailing garbage). Numbers keep their source text so 64-bit integers (tensor offsets) are
// read exactly by as_int64(), which rejects fractions, exponents and out-of-range values.
//
//     Json j = Json::parse(R"({"dtype":"F32","shape":[1,3],"data_offsets":[0,12]})", "model.safetensors header");
//     int64_t end = j["data_offsets"][1].as_int64();
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/error.hpp"

namespace pixforge {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;
  static Json number(double v) {
    Json j;
    j.type_ = Type::Number;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    j.str_ = buf;
    return j;
  }
  static Json integer(int64_t v) {
    Json j;
    j.type_ = Type::Number;
    j.str_ = std::to_string(v);
    return j;
  }
  static Json string(std::string s) {
    Json j;
    j.type_ = Type::String;
    j.str_ = std::move(s);
    return j;
  }
  static Json boolean(bool b) {
    Json j;
    j.type_ = Type::Bool;
    j.bool_ = b;
    return j;
  }
  static Json array() {
    Json j;
    j.type_ = Type::Array;
    return j;
  }
  static Json object() {
    Json j;
    j.type_ = Type::Object;
    return j;
  }

  // `where` names the document in error messages ("weights/x.safetensors header").
  static Json parse(const std::string& text, const std::string& where = "JSON") {
    Parser p{text.data(), text.data() + text.size(), text.data(), where};
    Json j = p.value(0);
    p.skip_ws();
    if (p.cur != p.end) p.error("unexpected trailing characters");
    return j;
  }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  bool as_bool() const {
    expect(Type::Bool, "a boolean");
    return bool_;
  }
  double as_double() const {
    expect(Type::Number, "a number");
    return std::strtod(str_.c_str(), nullptr);
  }
  // Exact integer; rejects 1.5, 1e3, and values outside int64.
  int64_t as_int64() const {
    int64_t v = 0;
    if (!to_int64(v)) fail(ErrorCode::format_error, "JSON: expected an integer in int64 range, got " + describe());
    return v;
  }
  // Non-failing form of as_int64(): false if this is not an integer number that fits int64.
  bool to_int64(int64_t& out) const noexcept {
    if (type_ != Type::Number) return false;
    const char* s = str_.c_str();
    const bool neg = *s == '-';
    if (neg) ++s;
    if (!*s) return false;
    uint64_t v = 0;
    for (; *s; ++s) {
      if (*s < '0' || *s > '9') return false;
      const uint64_t d = uint64_t(*s - '0');
      if (v > (uint64_t(INT64_MAX) + (neg ? 1 : 0) - d) / 10) return false;
      v = v * 10 + d;
    }
    out = neg ? int64_t(0 - v) : int64_t(v);
    return true;
  }
  const std::string& as_string() const {
    expect(Type::String, "a string");
    return str_;
  }
  const std::vector<Json>& items() const {
    expect(Type::Array, "an array");
    return arr_;
  }
  // Object members in document order.
  const std::vector<std::pair<std::string, Json>>& members() const {
    expect(Type::Object, "an object");
    return obj_;
  }
  size_t size() const { return type_ == Type::Array ? arr_.size() : type_ == Type::Object ? obj_.size() : 0; }

  bool contains(const std::string& key) const { return find(key) != nullptr; }
  const Json* find(const std::string& key) const {
    if (type_ != Type::Object) return nullptr;
    for (const auto& kv : obj_)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  const Json& operator[](const std::string& key) const {
    expect(Type::Object, "an object");
    const Json* j = find(key);
    if (!j) fail(ErrorCode::format_error, "JSON: missing key \"" + key + "\"");
    return *j;
  }
  const Json& operator[](size_t i) const {
    expect(Type::Array, "an array");
    if (i >= arr_.size())
      fail(ErrorCode::format_error, msg("JSON: index ", i, " out of range (array of ", arr_.size(), ")"));
    return arr_[i];
  }
  // Typed lookups with defaults, for configs: cfg.get_int("num_block", 23).
  int64_t get_int(const std::string& key, int64_t def) const {
    const Json* j = find(key);
    return j ? j->as_int64() : def;
  }
  double get_double(const std::string& key, double def) const {
    const Json* j = find(key);
    return j ? j->as_double() : def;
  }
  bool get_bool(const std::string& key, bool def) const {
    const Json* j = find(key);
    return j ? j->as_bool() : def;
  }
  std::string get_string(const std::string& key, const std::string& def) const {
    const Json* j = find(key);
    return j ? j->as_string() : def;
  }

  // Building.
  Json& push_back(Json v) {
    expect(Type::Array, "an array");
    arr_.push_back(std::move(v));
    return arr_.back();
  }
  Json& set(const std::string& key, Json v) {
    expect(Type::Object, "an object");
    for (auto& kv : obj_)
      if (kv.first == key) return kv.second = std::move(v);
    obj_.emplace_back(key, std::move(v));
    return obj_.back().second;
  }

  // Compact serialisation (no spaces), members in insertion order.
  std::string dump() const {
    std::string out;
    dump_to(out);
    return out;
  }

 private:
  void expect(Type t, const char* what) const {
    if (type_ != t) fail(ErrorCode::format_error, msg("JSON: expected ", what, ", got ", type_name()));
  }
  std::string describe() const { return type_ == Type::Number ? str_ : std::string(type_name()); }
  const char* type_name() const {
    switch (type_) {
      case Type::Null: return "null";
      case Type::Bool: return "a boolean";
      case Type::Number: return "a number";
      case Type::String: return "a string";
      case Type::Array: return "an array";
      case Type::Object: return "an object";
    }
    return "?";
  }
  static void dump_string(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += char(c);
          }
      }
    }
    out += '"';
  }
  void dump_to(std::string& out) const {
    switch (type_) {
      case Type::Null: out += "null"; break;
      case Type::Bool: out += bool_ ? "true" : "false"; break;
      case Type::Number: out += str_; break;
      case Type::String: dump_string(out, str_); break;
      case Type::Array:
        out += '[';
        for (size_t i = 0; i < arr_.size(); ++i) {
          if (i) out += ',';
          arr_[i].dump_to(out);
        }
        out += ']';
        break;
      case Type::Object:
        out += '{';
        for (size_t i = 0; i < obj_.size(); ++i) {
          if (i) out += ',';
          dump_string(out, obj_[i].first);
          out += ':';
          obj_[i].second.dump_to(out);
        }
        out += '}';
        break;
    }
  }

  struct Parser {
    const char* cur;
    const char* end;
    const char* begin;
    const std::string& where;
    static constexpr int kMaxDepth = 64;

    [[noreturn]] void error(const char* what) const {
      fail(ErrorCode::format_error, msg(where, ": invalid JSON at byte ", cur - begin, ": ", what));
    }
    void skip_ws() {
      while (cur < end && (*cur == ' ' || *cur == '\t' || *cur == '\n' || *cur == '\r')) ++cur;
    }
    bool literal(const char* word) {
      const char* p = cur;
      for (const char* w = word; *w; ++w, ++p)
        if (p >= end || *p != *w) return false;
      cur = p;
      return true;
    }
    Json value(int depth) {
      if (depth > kMaxDepth) error("nesting deeper than 64 levels");
      skip_ws();
      if (cur >= end) error("unexpected end of input");
      Json j;
      const char c = *cur;
      if (c == '{') {
        ++cur;
        j.type_ = Type::Object;
        skip_ws();
        if (cur < end && *cur == '}') {
          ++cur;
          return j;
        }
        for (;;) {
          skip_ws();
          if (cur >= end || *cur != '"') error("expected a string key");
          std::string key = string_body();
          skip_ws();
          if (cur >= end || *cur != ':') error("expected ':'");
          ++cur;
          Json v = value(depth + 1);
          for (const auto& kv : j.obj_)
            if (kv.first == key) error(("duplicate key \"" + key + "\"").c_str());
          j.obj_.emplace_back(std::move(key), std::move(v));
          skip_ws();
          if (cur < end && *cur == ',') {
            ++cur;
            continue;
          }
          if (cur < end && *cur == '}') {
            ++cur;
            return j;
          }
          error("expected ',' or '}'");
        }
      }
      if (c == '[') {
        ++cur;
        j.type_ = Type::Array;
        skip_ws();
        if (cur < end && *cur == ']') {
          ++cur;
          return j;
        }
        for (;;) {
          j.arr_.push_back(value(depth + 1));
          skip_ws();
          if (cur < end && *cur == ',') {
            ++cur;
            continue;
          }
          if (cur < end && *cur == ']') {
            ++cur;
            return j;
          }
          error("expected ',' or ']'");
        }
      }
      if (c == '"') {
        j.type_ = Type::String;
        j.str_ = string_body();
        return j;
      }
      if (literal("true")) return boolean(true);
      if (literal("false")) return boolean(false);
      if (literal("null")) return j;
      if (c == '-' || (c >= '0' && c <= '9')) {
        j.type_ = Type::Number;
        j.str_ = number_text();
        return j;
      }
      error("unexpected character");
    }
    std::string number_text() {
      const char* start = cur;
      if (*cur == '-') ++cur;
      if (cur >= end) error("truncated number");
      if (*cur == '0') {
        ++cur;
      } else if (*cur >= '1' && *cur <= '9') {
        while (cur < end && *cur >= '0' && *cur <= '9') ++cur;
      } else {
        error("invalid number");
      }
      if (cur < end && *cur == '.') {
        ++cur;
        if (cur >= end || *cur < '0' || *cur > '9') error("invalid fraction");
        while (cur < end && *cur >= '0' && *cur <= '9') ++cur;
      }
      if (cur < end && (*cur == 'e' || *cur == 'E')) {
        ++cur;
        if (cur < end && (*cur == '+' || *cur == '-')) ++cur;
        if (cur >= end || *cur < '0' || *cur > '9') error("invalid exponent");
        while (cur < end && *cur >= '0' && *cur <= '9') ++cur;
      }
      if (cur - start > 64) error("number too long");
      return std::string(start, cur);
    }
    unsigned hex4() {
      if (end - cur < 4) error("truncated \\u escape");
      unsigned v = 0;
      for (int i = 0; i < 4; ++i, ++cur) {
        const char h = *cur;
        v <<= 4;
        if (h >= '0' && h <= '9') v |= unsigned(h - '0');
        else if (h >= 'a' && h <= 'f') v |= unsigned(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= unsigned(h - 'A' + 10);
        else error("invalid \\u escape");
      }
      return v;
    }
    static void put_utf8(std::string& s, unsigned cp) {
      if (cp < 0x80) {
        s += char(cp);
      } else if (cp < 0x800) {
        s += char(0xC0 | (cp >> 6));
        s += char(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        s += char(0xE0 | (cp >> 12));
        s += char(0x80 | ((cp >> 6) & 0x3F));
        s += char(0x80 | (cp & 0x3F));
      } else {
        s += char(0xF0 | (cp >> 18));
        s += char(0x80 | ((cp >> 12) & 0x3F));
        s += char(0x80 | ((cp >> 6) & 0x3F));
        s += char(0x80 | (cp & 0x3F));
      }
    }
    std::string string_body() {
      ++cur;  // opening quote
      std::string s;
      for (;;) {
        if (cur >= end) error("unterminated string");
        const unsigned char c = static_cast<unsigned char>(*cur);
        if (c == '"') {
          ++cur;
          return s;
        }
        if (c < 0x20) error("control character in string");
        if (c != '\\') {
          s += char(c);
          ++cur;
          continue;
        }
        ++cur;
        if (cur >= end) error("truncated escape");
        const char e = *cur++;
        switch (e) {
          case '"': s += '"'; break;
          case '\\': s += '\\'; break;
          case '/': s += '/'; break;
          case 'b': s += '\b'; break;
          case 'f': s += '\f'; break;
          case 'n': s += '\n'; break;
          case 'r': s += '\r'; break;
          case 't': s += '\t'; break;
          case 'u': {
            unsigned cp = hex4();
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (end - cur < 6 || cur[0] != '\\' || cur[1] != 'u') error("unpaired surrogate");
              cur += 2;
              const unsigned lo = hex4();
              if (lo < 0xDC00 || lo > 0xDFFF) error("invalid low surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              error("unpaired surrogate");
            }
            put_utf8(s, cp);
            break;
          }
          default: error("invalid escape");
        }
      }
    }
  };

  Type type_ = Type::Null;
  bool bool_ = false;
  std::string str_;  // string value, or the source text of a number
  std::vector<Json> arr_;
  std::vector<std::pair<std::string, Json>> obj_;
};

}  // namespace pixforge
