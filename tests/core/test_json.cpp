// The strict JSON reader used for weight headers and configs.
#include "pixforge/core/json.hpp"
#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("json: parse values") {
  Json j = Json::parse(R"( {"a": [1, -2, 3.5e2, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00", "o": {}} )");
  CHECK(j["a"][0].as_int64() == 1);
  CHECK(j["a"][1].as_int64() == -2);
  CHECK(j["a"][2].as_double() == 350.0);
  CHECK_THROWS_AS(j["a"][2].as_int64(), Error);
  CHECK(j["a"][3].as_bool());
  CHECK(j["a"][5].is_null());
  CHECK(j["s"].as_string() == "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(j["o"].size() == 0);
  CHECK(j.get_int("missing", 5) == 5);
  CHECK_THROWS_AS(j["missing"], Error);
  CHECK_THROWS_AS(j["a"][6], Error);
  CHECK(Json::parse("9223372036854775807").as_int64() == INT64_MAX);
  CHECK(Json::parse("-9223372036854775808").as_int64() == INT64_MIN);
  CHECK_THROWS_AS(Json::parse("9223372036854775808").as_int64(), Error);
}

TEST_CASE("json: rejects what RFC 8259 rejects") {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "\"\\x\"", "\"\x01\"",
                          "\"\\ud800\"", "\"\\udc00\"", "tru", "nul", "{\"a\" 1}", "{1:2}", "[1 2]", "1 2",
                          "{\"a\":1,\"a\":2}", "// c\n1", "\"unterminated"}) {
    INFO(bad);
    CHECK_THROWS_AS(Json::parse(bad), Error);
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK_THROWS_AS(Json::parse(deep), Error);
}

TEST_CASE("json: dump round trip") {
  Json o = Json::object();
  o.set("name", Json::string("a\"b\n"));
  o.set("n", Json::integer(-3));
  Json arr = Json::array();
  arr.push_back(Json::boolean(true));
  arr.push_back(Json::number(0.5));
  o.set("arr", arr);
  const std::string s = o.dump();
  CHECK(s == R"({"name":"a\"b\n","n":-3,"arr":[true,0.5]})");
  Json back = Json::parse(s);
  CHECK(back["name"].as_string() == "a\"b\n");
  CHECK(back["arr"][1].as_double() == 0.5);
}
