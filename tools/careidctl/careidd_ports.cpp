#include "tools/careidctl/careidd_ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace careid::careidctl {

namespace {

bool port_in_use(const std::string& listen_address, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, listen_address.c_str(), &address.sin_addr) != 1) {
    return false;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return false;
  }
  // SO_REUSEADDR lets the bind succeed past connections of a stopped careidd that are still
  // in TIME_WAIT; Linux still rejects it while a socket listens on the port.
  const int reuse = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
  bool in_use = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return in_use;
}

}  // namespace

Status require_careidd_stopped(const Config& config, std::string_view action) {
  struct Listener {
    const char* name;
    const std::string& address;
    std::uint16_t port;
  };
  const Listener listeners[] = {{"LDAP", config.ldap.listen_address, config.ldap.port},
                                {"HTTPS", config.https.listen_address, config.https.port}};
  for (const Listener& listener : listeners) {
    if (port_in_use(listener.address, listener.port)) {
      return Status::failed_precondition(std::string(listener.name) + " port " + listener.address + ":" +
                                         std::to_string(listener.port) + " is in use; stop careidd " +
                                         std::string(action));
    }
  }
  return Status::ok_status();
}

}  // namespace careid::careidctl
