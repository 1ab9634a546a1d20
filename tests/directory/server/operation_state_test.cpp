#include "directory/server/operation_state.h"

#include <catch2/catch.hpp>
#include <string>

namespace server = careid::directory::server;
using server::OperationState;
using Stop = OperationState::StopOutcome;

namespace {

std::string bytes(std::initializer_list<int> octets) {
  std::string out;
  for (int octet : octets) {
    out += static_cast<char>(octet);
  }
  return out;
}

}  // namespace

TEST_CASE("stop before start skips operation", "[directory][server]") {
  OperationState state(false);
  CHECK(state.request_stop() == Stop::kStoppedBeforeStart);
  CHECK(state.stop_requested());
  CHECK_FALSE(state.begin());
  CHECK(state.request_stop() == Stop::kStoppedBeforeStart);
}

TEST_CASE("running search stops at next entry", "[directory][server]") {
  OperationState state(true);
  REQUIRE(state.begin());
  CHECK_FALSE(state.stop_requested());
  CHECK(state.request_stop() == Stop::kStopping);
  CHECK(state.stop_requested());
}

TEST_CASE("running update is too late", "[directory][server]") {
  OperationState state(false);
  REQUIRE(state.begin());
  CHECK(state.request_stop() == Stop::kTooLate);
}

TEST_CASE("finished operation is too late", "[directory][server]") {
  OperationState state(true);
  REQUIRE(state.begin());
  state.finish();
  CHECK(state.request_stop() == Stop::kTooLate);
}

TEST_CASE("begin succeeds only once", "[directory][server]") {
  OperationState state(false);
  CHECK(state.begin());
  CHECK_FALSE(state.begin());
}

TEST_CASE("cancel id decodes", "[directory][server]") {
  auto id = server::decode_cancel_id(bytes({0x30, 0x03, 0x02, 0x01, 0x07}));
  REQUIRE(id.ok());
  CHECK(*id == 7);

  auto large = server::decode_cancel_id(bytes({0x30, 0x06, 0x02, 0x04, 0x7f, 0xff, 0xff, 0xff}));
  REQUIRE(large.ok());
  CHECK(*large == 2147483647);
}

TEST_CASE("cancel id rejects bad values", "[directory][server]") {
  CHECK_FALSE(server::decode_cancel_id(std::nullopt).ok());
  CHECK_FALSE(server::decode_cancel_id(std::string()).ok());
  CHECK_FALSE(server::decode_cancel_id(bytes({0x02, 0x01, 0x07})).ok());              // not a SEQUENCE
  CHECK_FALSE(server::decode_cancel_id(bytes({0x30, 0x03, 0x02, 0x01})).ok());        // truncated
  CHECK_FALSE(server::decode_cancel_id(bytes({0x30, 0x00})).ok());                    // no cancelID
  CHECK_FALSE(server::decode_cancel_id(bytes({0x30, 0x03, 0x02, 0x01, 0xff})).ok());  // negative
  CHECK_FALSE(server::decode_cancel_id(bytes({0x30, 0x07, 0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00})).ok());
  CHECK_FALSE(server::decode_cancel_id(bytes({0x30, 0x03, 0x02, 0x01, 0x07, 0x00})).ok());  // trailing byte
  CHECK_FALSE(server::decode_cancel_id(bytes({0x30, 0x05, 0x02, 0x01, 0x07, 0x05, 0x00})).ok());  // extra element
}

TEST_CASE("cancel id truncated at every offset", "[directory][server]") {
  const std::string value = bytes({0x30, 0x03, 0x02, 0x01, 0x07});
  for (std::size_t size = 0; size < value.size(); ++size) {
    INFO("size " << size);
    CHECK_FALSE(server::decode_cancel_id(value.substr(0, size)).ok());
  }
}
