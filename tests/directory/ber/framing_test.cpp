#include "directory/ber/framing.h"

#include <catch2/catch.hpp>
#include <string>

#include "directory/ber/writer.h"

namespace ber = careid::directory::ber;
using ber::FrameStatus;

namespace {

std::string bytes(std::initializer_list<int> octets) {
  std::string out;
  for (int octet : octets) {
    out += static_cast<char>(octet);
  }
  return out;
}

// A SEQUENCE PDU whose whole encoding is `total` octets (total >= 2).
std::string pdu_of_size(std::size_t total) {
  for (std::size_t content = 0; content + 2 <= total; ++content) {
    ber::Writer writer;
    writer.begin_constructed();
    writer.write_raw(std::string(content, '\0'));
    writer.end_constructed();
    std::string out = writer.finish();
    if (out.size() == total) {
      return out;
    }
  }
  return {};
}

}  // namespace

TEST_CASE("framing waits for a whole PDU", "[directory][ber]") {
  std::string pdu = pdu_of_size(300);
  REQUIRE(pdu.size() == 300);
  for (std::size_t size = 0; size < pdu.size(); ++size) {
    INFO("prefix of " << size << " octets");
    CHECK(ber::frame_pdu(std::string_view(pdu).substr(0, size), 1000).status ==
          FrameStatus::kNeedMore);
  }
  ber::Frame frame = ber::frame_pdu(pdu, 1000);
  CHECK(frame.status == FrameStatus::kComplete);
  CHECK(frame.size == 300);
}

TEST_CASE("framing splits back-to-back PDUs", "[directory][ber]") {
  std::string stream = bytes({0x30, 0x03, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30});
  ber::Frame first = ber::frame_pdu(stream, 100);
  REQUIRE(first.status == FrameStatus::kComplete);
  CHECK(first.size == 5);
  stream.erase(0, first.size);
  ber::Frame second = ber::frame_pdu(stream, 100);
  REQUIRE(second.status == FrameStatus::kComplete);
  CHECK(second.size == 2);
  stream.erase(0, second.size);
  CHECK(ber::frame_pdu(stream, 100).status == FrameStatus::kNeedMore);
}

TEST_CASE("framing enforces the size limit", "[directory][ber]") {
  const std::size_t limit = 1000;
  CHECK(ber::frame_pdu(pdu_of_size(limit), limit).status == FrameStatus::kComplete);

  std::string just_over = pdu_of_size(limit + 1);
  REQUIRE(just_over.size() == limit + 1);
  // Only the header is needed to reject it.
  ber::Frame frame = ber::frame_pdu(std::string_view(just_over).substr(0, 4), limit);
  CHECK(frame.status == FrameStatus::kTooLarge);
  CHECK(frame.size == limit + 1);

  ber::Frame far_over = ber::frame_pdu(bytes({0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}), limit);
  CHECK(far_over.status == FrameStatus::kTooLarge);
  CHECK(far_over.size == 6 + 0xFFFFFFFFull);
}

TEST_CASE("framing rejects malformed headers", "[directory][ber]") {
  CHECK(ber::frame_pdu(bytes({0x30, 0x80}), 100).status == FrameStatus::kMalformed);
  CHECK(ber::frame_pdu(bytes({0x30, 0xFF}), 100).status == FrameStatus::kMalformed);
  CHECK(ber::frame_pdu(bytes({0x30, 0x85, 0, 0, 0, 0, 1}), 100).status == FrameStatus::kMalformed);
  CHECK(ber::frame_pdu("GET / HTTP/1.1\r\n", 100).status == FrameStatus::kMalformed);
  CHECK(ber::frame_pdu(bytes({0x16, 0x03, 0x01}), 100).status == FrameStatus::kMalformed);
  CHECK(ber::frame_pdu(bytes({0x30, 0x84, 0x00}), 100).status == FrameStatus::kNeedMore);
}
