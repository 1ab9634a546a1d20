#include "directory/engine/csn.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace careid::directory::engine {

std::string make_csn(std::chrono::system_clock::time_point now) {
  using std::chrono::microseconds;
  static std::mutex mutex;
  static std::int64_t last_micros = 0;
  static std::uint32_t counter = 0;

  std::int64_t micros = std::chrono::duration_cast<microseconds>(now.time_since_epoch()).count();
  {
    std::lock_guard lock(mutex);
    if (micros > last_micros) {
      last_micros = micros;
      counter = 0;
    } else {
      micros = last_micros;
      ++counter;
    }
  }

  // The counter field has six hex digits; past 0xffffff changes in one microsecond it
  // wraps, which no single server reaches.
  std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 64> text{};
  std::size_t length = std::strftime(text.data(), text.size(), "%Y%m%d%H%M%S", &utc);
  std::snprintf(text.data() + length, text.size() - length, ".%06lldZ#%06x#000#000000",
                static_cast<long long>(micros % 1'000'000), counter & 0xffffffu);
  return text.data();
}

}  // namespace careid::directory::engine
