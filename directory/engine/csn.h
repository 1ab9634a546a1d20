// Change sequence numbers for entryCSN, in the text form OpenLDAP 2.5 uses. RFC 4533 (LDAP
// Content Synchronization) clients treat them as opaque, ordered values. The form is
// "20261204204500.123456Z#000000#000#000000": the UTC time to the microsecond, a hex
// counter that orders changes within one microsecond, the server id and a modifier number.
#pragma once

#include <chrono>
#include <string>

namespace careid::directory::engine {

// Returns a CSN for a change made at `now`. Thread-safe. Within one process, each call
// returns a CSN greater than every earlier one, even when the clock steps back or `now`
// repeats (as it does for every entry of one bulk import). careid runs one server, so
// the server id is always 000.
std::string make_csn(std::chrono::system_clock::time_point now);

}  // namespace careid::directory::engine
