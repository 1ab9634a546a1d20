// Options of the login load generator, set from its command line in login_load.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace careid::loadgen {

enum class Flow {
  kSaml,  // AuthnRequest over HTTP-Redirect, role choice, signed Response in the POST form
  kOidc,  // authorization code with PKCE (RFC 7636), then the token request
};

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  // CA file that verifies careidd's HTTPS certificate (the demo folder's pki/card-ca.pem).
  std::filesystem::path server_ca;
  // Folder of <uid>.pem certificates with their <uid>.key keys; one card per user.
  std::filesystem::path cards_dir;
  // Cards to use from cards_dir, in uid order; 0 uses all of them.
  std::size_t max_cards = 0;

  Flow flow = Flow::kSaml;
  // SAML: the SP entityID and its HTTP-POST AssertionConsumerService URL, as its metadata
  // in the data folder's sp-metadata/ lists them.
  std::string sp_entity_id;
  std::string acs_url;
  // OpenID Connect: a public client (token_endpoint_auth_method "none") and one of its
  // registered redirect URIs.
  std::string client_id;
  std::string redirect_uri;

  // Open loop: logins started per second, on a fixed schedule. 0 selects the closed loop.
  double rate = 0;
  // Closed loop: logins kept in flight, each starting when the previous one ends.
  unsigned connections = 0;
  double duration_seconds = 30;
  // Client threads, each with its own io_context and an equal share of the rate or of the
  // connections.
  unsigned threads = 1;
  // Open loop: logins in flight per thread at most. Later starts wait in a queue, and their
  // latency still counts from the scheduled start.
  unsigned max_in_flight = 256;
  // Deadline of one login, from connect to the last response.
  double timeout_seconds = 10;
  // Offer each card's previous TLS session for resumption (RFC 8446 2.2).
  bool resume = false;
  // SAML: Responses whose Assertion signature is verified with xml/ after the run.
  std::size_t verify_sample = 0;
  // SAML: the IdP signing certificate (the data folder's pki/saml-signing.pem).
  std::filesystem::path idp_certificate;
};

}  // namespace careid::loadgen
