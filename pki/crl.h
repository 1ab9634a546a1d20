// Certificate revocation lists (RFC 5280 section 5) of the card CA, built from the card
// registry, and the URLs that card certificates carry to find the CRL and the OCSP responder.
//
// Every call blocks (signing, disk); run it off I/O threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/layout.h"

namespace careid::pki {

struct RevocationUrls {
  std::string crl_url;   // <public_url>/pki/crl
  std::string ocsp_url;  // <public_url>/pki/ocsp
};

// Returns the URLs under careidd's public URL ("https://host:8443"); a trailing '/' of
// `public_url` is dropped. Copy them into CardCertificateOptions before issuing a card.
RevocationUrls card_revocation_urls(std::string_view public_url);

struct CrlOptions {
  // thisUpdate; the current time when empty.
  std::optional<std::chrono::system_clock::time_point> this_update;
  // nextUpdate minus thisUpdate (RFC 5280 5.1.2.5); at least one second.
  std::chrono::seconds validity{7 * 24 * 3600};
};

// A signed CRL.
struct IssuedCrl {
  Bytes der;
  std::string pem;  // "-----BEGIN X509 CRL-----"
  std::uint64_t number = 0;
  std::chrono::system_clock::time_point this_update;
  std::chrono::system_clock::time_point next_update;
  std::size_t entries = 0;
};

// Builds a version 2 CRL signed with SHA-256 by `ca`: issuer = the CA's subject, the
// authorityKeyIdentifier and cRLNumber `number` extensions, and one entry per record of
// `revoked` with its revocation date and a reasonCode extension (left out for unspecified,
// as RFC 5280 5.3.1 recommends; certificateHold for a card on hold). InvalidArgument for a
// record whose state is good or unknown or whose serial is not hex.
Result<IssuedCrl> build_crl(const CertificateAuthority& ca, const std::vector<CardRecord>& revoked,
                            std::uint64_t number, const CrlOptions& options = {});

// Takes the next CRL number from `registry`, builds the CRL of its revoked cards and writes
// layout.crl_der() and layout.crl_pem() (mode 0644). Each file is written beside the target
// and renamed over it, so a reader sees the old or the new CRL, never a partial one.
Result<IssuedCrl> publish_crl(const CertificateAuthority& ca, CardRegistry& registry,
                              const PkiLayout& layout, const CrlOptions& options = {});

}  // namespace careid::pki
