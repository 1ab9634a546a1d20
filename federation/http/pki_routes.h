// The card CA's revocation services on HTTPS:
//
//   GET  /pki/crl            the current CRL, DER (application/pkix-crl, RFC 5280 and RFC 2585)
//   POST /pki/ocsp           OCSP request in the body (application/ocsp-request, RFC 6960 A.1)
//   GET  /pki/ocsp/<base64>  OCSP request as the URL-encoded base64 of its DER (RFC 6960 A.1)
//
// Neither needs a card: relying parties fetch them without one.
#pragma once

#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include "pki/crl_publisher.h"
#include "pki/ocsp_responder.h"
#include "pki/revocation_cache.h"

namespace careid::federation::http {

// The revocation services of careidd's PKI for the HTTPS server. Each pointer may be null
// (that part is off) and must outlive the server.
struct PkiServices {
  const pki::RevocationCache* revocations = nullptr;  // consulted on every card login
  const pki::CrlPublisher* crl = nullptr;             // serves /pki/crl
  const pki::OcspResponder* ocsp = nullptr;           // serves /pki/ocsp
};

// True for /pki/crl, /pki/ocsp and /pki/ocsp/<anything>.
bool is_pki_path(std::string_view path);

// Serves one request whose path is_pki_path(). `blocking` runs OCSP signing. Parameters are
// taken by value because the coroutine may outlive the caller's buffers.
boost::asio::awaitable<boost::beast::http::response<boost::beast::http::string_body>>
serve_pki(PkiServices services, boost::asio::any_io_executor blocking,
          boost::beast::http::request<boost::beast::http::string_body> request);

}  // namespace careid::federation::http
