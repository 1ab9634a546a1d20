#include "audit/record.h"

#include <cstdio>
#include <ctime>

#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::audit {
namespace {

using Clock = std::chrono::system_clock;

bool is_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

int to_int(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

Status bad_time(std::string_view text) {
  return Status::invalid_argument("invalid time '" + std::string(text) +
                                  "': expected RFC 3339, e.g. 2026-12-04T10:00:00Z");
}

// Parses the time-offset of RFC 3339 5.6 ("Z", "+01:00", "-05:30") into seconds east of UTC.
Result<int> parse_offset(std::string_view offset, std::string_view text) {
  if (offset == "Z" || offset == "z") {
    return 0;
  }
  bool well_formed = offset.size() == 6 && (offset[0] == '+' || offset[0] == '-') &&
                     is_digits(offset.substr(1, 2)) && offset[3] == ':' && is_digits(offset.substr(4, 2));
  if (!well_formed) {
    return bad_time(text);
  }
  int seconds = to_int(offset.substr(1, 2)) * 3600 + to_int(offset.substr(4, 2)) * 60;
  return offset[0] == '-' ? -seconds : seconds;
}

}  // namespace

std::string canonical_text(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> chain_hash(std::string_view canonical, std::string_view alg, std::string_view hmac_key) {
  Result<pki::Bytes> digest = alg == kAlgHmacSha256
                                  ? pki::hmac_sha256(pki::as_bytes(hmac_key), pki::as_bytes(canonical))
                                  : pki::sha256(pki::as_bytes(canonical));
  if (!digest.ok()) {
    return digest.status().with_context("hashing an audit record");
  }
  return pki::hex_encode(*digest);
}

Result<SealedRecord> seal_record(const Event& event, std::uint64_t seq, std::string_view time,
                                 std::string_view prev, std::string_view hmac_key) {
  const char* alg = hmac_key.empty() ? kAlgSha256 : kAlgHmacSha256;
  nlohmann::json object = {
      {"seq", seq},
      {"time", time},
      {"event", event.type},
      {"actor", event.actor},
      {"subject", event.subject},
      {"outcome", event.outcome},
      {"client", event.client},
      {"details", event.details.is_object() ? event.details : nlohmann::json::object()},
      {"prev", prev},
      {"alg", alg},
  };

  Result<std::string> hash = chain_hash(canonical_text(object), alg, hmac_key);
  if (!hash.ok()) {
    return hash.status();
  }
  object["hash"] = *hash;
  return SealedRecord{seq, std::move(*hash), canonical_text(object) + "\n"};
}

std::string format_time(Clock::time_point time) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  int fraction = static_cast<int>(millis % 1000);
  if (fraction < 0) {
    fraction += 1000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction);
  return text;
}

Result<Clock::time_point> parse_time(std::string_view text) {
  // full-date: YYYY-MM-DD (RFC 3339 5.6).
  if (text.size() < 10 || !is_digits(text.substr(0, 4)) || text[4] != '-' || !is_digits(text.substr(5, 2)) ||
      text[7] != '-' || !is_digits(text.substr(8, 2))) {
    return bad_time(text);
  }
  std::tm utc{};
  utc.tm_year = to_int(text.substr(0, 4)) - 1900;
  utc.tm_mon = to_int(text.substr(5, 2)) - 1;
  utc.tm_mday = to_int(text.substr(8, 2));
  std::chrono::milliseconds fraction{0};
  int offset_seconds = 0;

  if (text.size() > 10) {
    // "T" partial-time time-offset; RFC 3339 5.6 allows a lower-case "t".
    std::string_view rest = text.substr(10);
    if (rest.size() < 9 || (rest[0] != 'T' && rest[0] != 't') || !is_digits(rest.substr(1, 2)) ||
        rest[3] != ':' || !is_digits(rest.substr(4, 2)) || rest[6] != ':' || !is_digits(rest.substr(7, 2))) {
      return bad_time(text);
    }
    utc.tm_hour = to_int(rest.substr(1, 2));
    utc.tm_min = to_int(rest.substr(4, 2));
    utc.tm_sec = to_int(rest.substr(7, 2));
    rest = rest.substr(9);

    if (!rest.empty() && rest[0] == '.') {
      std::size_t digits = 1;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
        ++digits;
      }
      if (digits == 1) {
        return bad_time(text);
      }
      std::string millis(rest.substr(1, std::min<std::size_t>(digits - 1, 3)));
      millis.resize(3, '0');
      fraction = std::chrono::milliseconds(to_int(millis));
      rest = rest.substr(digits);
    }
    Result<int> offset = parse_offset(rest, text);
    if (!offset.ok()) {
      return offset.status();
    }
    offset_seconds = *offset;
  }

  if (utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31 || utc.tm_hour > 23 || utc.tm_min > 59 ||
      utc.tm_sec > 60) {
    return bad_time(text);
  }
  // system_clock counts nanoseconds in 64 bits on libstdc++, so it ends in the year 2262.
  std::time_t seconds = timegm(&utc) - offset_seconds;
  const auto last = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count() - 1;
  if (seconds < -last || seconds > last) {
    return Status::invalid_argument("time '" + std::string(text) + "' is out of range; use a year from 1678 to 2261");
  }
  return Clock::from_time_t(seconds) + fraction;
}

}  // namespace careid::audit
