// A card CA for the pki tests, created in memory with a fresh key.
#pragma once

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "pki/ca.h"

namespace careid::pki::testing {

// Creates a self-signed CA named `common_name` and the authority that issues with it.
inline CertificateAuthority make_ca(const std::string& common_name = CaOptions{}.common_name) {
  CaOptions options;
  options.common_name = common_name;
  auto ca = create_self_signed_ca(options);
  REQUIRE(ca.ok());

  auto authority = CertificateAuthority::create(std::move(*ca));
  REQUIRE(authority.ok());
  return std::move(*authority);
}

}  // namespace careid::pki::testing
