#include <catch2/catch.hpp>

#include <string>

#include "base/reloadable.h"

TEST_CASE("reloadable keeps old references valid", "[base][reload]") {
  careid::Reloadable<std::string> value(std::string("first"));
  const std::string& before = value.get();

  value.replace("second");
  CHECK(value.get() == "second");
  CHECK(before == "first");
}
