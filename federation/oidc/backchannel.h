// The hand-off of OpenID Connect Back-Channel Logout 1.0 requests from the provider, which
// builds and signs the logout tokens, to the HTTP layer, which sends them
// (federation/http/backchannel_sender.h).
#pragma once

#include <string>

namespace careid::federation::oidc {

// One logout token for one client, to be POSTed as the form field `logout_token`
// (Back-Channel Logout 1.0 2.5).
struct BackchannelLogout {
  std::string client_id;
  std::string uri;           // the client's registered backchannel_logout_uri
  std::string logout_token;  // a secret until it expires; never logged
};

class LogoutNotifier {
 public:
  virtual ~LogoutNotifier() = default;

  // Queues `logout` and returns at once; the request is sent later, on another thread.
  virtual void send(BackchannelLogout logout) = 0;
};

}  // namespace careid::federation::oidc
