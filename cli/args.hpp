// cli/args.hpp — the one argument parser of the pixforge commands (cli/pixforge.cpp, cli/cmd_*.hpp).
//
//   ArgParser p("rotate", kRotateHelp);
//   p.number("--angle", angle, -1e6, 1e6).flag({"--expand"}, expand).flag({"--quiet", "-q"}, quiet);
//   if (!p.parse(args)) return kOk;          // --help / -h printed the help text
//   p.expect_positional(2, "IN OUT");        // "rotate: expected IN OUT, got 1 argument(s) (see ...)"
//
// Options are declared with what they store; parse() walks the arguments once, in order (so an error in an earlier
// argument wins over a later --help, as before), and every message names the command, the option and the value:
//   "rotate: --angle needs a value", "augment: -n expects an integer in [1, 10000], got '0'",
//   "flip: unknown option '--diagonal' (see pixforge flip --help)".
// Anything that does not start with '-' (or is just "-") is a positional argument. An option's value is always
// the next argument, even if it starts with '-' (--noise -1, --angle -30).
// Usage errors are UsageError (exit code 2 in main).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr int kOk = 0, kRuntimeError = 1, kUsageError = 2;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_help(const std::string& a) { return a == "--help" || a == "-h"; }

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// An integer option value in [lo, hi]; `opt` names it in the message ("run: --tile").
int64_t parse_int(const std::string& opt, const std::string& value, int64_t lo, int64_t hi) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || v < lo || v > hi)
    throw UsageError(opt + " expects an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got '" + value + "'");
  return v;
}

// A number option value in [lo, hi] (rejects NaN, trailing characters and the empty string).
double parse_double(const std::string& opt, const std::string& value, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !(v >= lo && v <= hi))
    throw UsageError(opt + " expects a number in [" + format_number(lo) + ", " + format_number(hi) + "], got '" +
                     value + "'");
  return v;
}

class ArgParser {
 public:
  ArgParser(std::string cmd, std::string help) : cmd_(std::move(cmd)), help_(std::move(help)) {}

  // An option without a value (--quiet, -q): sets `target` to true.
  ArgParser& flag(std::initializer_list<const char*> names, bool& target) {
    return add(names, false, [&target](const std::string&) { target = true; });
  }
  // An option with a value, stored as given.
  ArgParser& text(const char* name, std::string& target) {
    return add({name}, true, [&target](const std::string& v) { target = v; });
  }
  // An integer option in [lo, hi].
  template <class Int>
  ArgParser& integer(const char* name, Int& target, int64_t lo, int64_t hi) {
    const std::string where = cmd_ + ": " + name;
    return add({name}, true, [&target, where, lo, hi](const std::string& v) {
      target = static_cast<Int>(parse_int(where, v, lo, hi));
    });
  }
  // A number option in [lo, hi].
  template <class Real>
  ArgParser& number(const char* name, Real& target, double lo, double hi) {
    const std::string where = cmd_ + ": " + name;
    return add({name}, true, [&target, where, lo, hi](const std::string& v) {
      target = static_cast<Real>(parse_double(where, v, lo, hi));
    });
  }
  // An option whose value the command parses itself (it throws UsageError for a bad one).
  ArgParser& custom(const char* name, std::function<void(const std::string&)> on_value) {
    return add({name}, true, std::move(on_value));
  }

  // Parses args; false if --help was given (the help text is then printed to stdout).
  bool parse(const std::vector<std::string>& args) {
    for (size_t k = 0; k < args.size(); ++k) {
      const std::string& a = args[k];
      if (is_help(a)) {
        std::fputs(help_.c_str(), stdout);
        return false;
      }
      if (a.size() < 2 || a[0] != '-') {
        positional_.push_back(a);
        continue;
      }
      const Option* o = find(a);
      if (o == nullptr) throw UsageError(cmd_ + ": unknown option '" + a + "' (see pixforge " + cmd_ + " --help)");
      if (o->takes_value && k + 1 >= args.size()) throw UsageError(cmd_ + ": " + a + " needs a value");
      given_.insert(o->names.front());
      o->on(o->takes_value ? args[++k] : std::string());
    }
    return true;
  }

  const std::vector<std::string>& positional() const { return positional_; }
  // Whether the option (any of its names) appeared.
  bool given(const char* name) const {
    const Option* o = find(name);
    return o != nullptr && given_.count(o->names.front()) != 0;
  }
  // Exactly n positional arguments, described by `what` ("IN OUT"), else a usage error.
  void expect_positional(size_t n, const std::string& what) const {
    if (positional_.size() != n)
      throw UsageError(cmd_ + ": expected " + what + ", got " + std::to_string(positional_.size()) +
                       " argument(s) (see pixforge " + cmd_ + " --help)");
  }
  const std::string& command() const { return cmd_; }

 private:
  struct Option {
    std::vector<std::string> names;
    bool takes_value;
    std::function<void(const std::string&)> on;
  };
  ArgParser& add(std::initializer_list<const char*> names, bool takes_value,
                 std::function<void(const std::string&)> on) {
    options_.push_back(Option{std::vector<std::string>(names.begin(), names.end()), takes_value, std::move(on)});
    return *this;
  }
  const Option* find(const std::string& a) const {
    for (const Option& o : options_)
      for (const std::string& n : o.names)
        if (n == a) return &o;
    return nullptr;
  }

  std::string cmd_, help_;
  std::vector<Option> options_;
  std::vector<std::string> positional_;
  std::set<std::string> given_;
};

}  // namespace
