#include "federation/http/pki_routes.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "federation/http/router.h"
#include "pki/encoding.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

constexpr std::string_view kCrlPath = "/pki/crl";
constexpr std::string_view kOcspPath = "/pki/ocsp";
// An OCSP request for one certificate is about 100 bytes; 64 KiB leaves room for many ids
// and extensions while keeping base64 decoding cheap.
constexpr std::size_t kMaxOcspRequestBytes = 64 * 1024;

Response binary_response(pki::Bytes body, std::string_view content_type, const Request& request) {
  Response response = make_text_response(bhttp::status::ok, "", request.version(), request.keep_alive());
  response.set(bhttp::field::content_type, content_type);
  response.body() = pki::to_string(body);
  response.prepare_payload();
  return response;
}

// Decodes "%XX" escapes only: in a GET path '+' is a base64 character, not a space.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    auto byte = pki::hex_decode(text.substr(i + 1, 2));
    if (!byte.ok()) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>((*byte)[0]));
    i += 2;
  }
  return out;
}

asio::awaitable<pki::Bytes> run_ocsp(const pki::OcspResponder* responder, pki::Bytes request) {
  co_return responder->respond(request);
}

Response text(bhttp::status status, std::string_view body, const Request& request) {
  return make_text_response(status, body, request.version(), request.keep_alive());
}

// The DER OCSP request of a POST body or a GET path, or nullopt when it cannot be decoded.
std::optional<pki::Bytes> ocsp_request_bytes(const Request& request, std::string_view path) {
  if (request.method() == bhttp::verb::post) {
    if (request.body().size() > kMaxOcspRequestBytes) {
      return std::nullopt;
    }
    return pki::Bytes(request.body().begin(), request.body().end());
  }
  std::string_view encoded = path.substr(std::min(path.size(), kOcspPath.size() + 1));
  if (encoded.size() > kMaxOcspRequestBytes * 2) {
    return std::nullopt;
  }
  auto base64 = percent_decode(encoded);
  if (!base64.has_value()) {
    return std::nullopt;
  }
  auto der = pki::base64_decode(*base64);
  if (!der.ok()) {
    return std::nullopt;
  }
  return std::move(*der);
}

}  // namespace

bool is_pki_path(std::string_view path) {
  return path == kCrlPath || path == kOcspPath || path.starts_with(std::string(kOcspPath) + "/");
}

asio::awaitable<Response> serve_pki(PkiServices services, asio::any_io_executor blocking,
                                    Request request) {
  std::string_view target = request.target();
  std::string path(target.substr(0, target.find('?')));
  const bool is_get = request.method() == bhttp::verb::get;
  const bool is_post = request.method() == bhttp::verb::post;

  if (path == kCrlPath) {
    if (services.crl == nullptr) {
      co_return text(bhttp::status::not_found, "No CRL is published by this server.", request);
    }
    if (!is_get) {
      Response response = text(bhttp::status::method_not_allowed, "Method not allowed. This page takes GET.", request);
      response.set(bhttp::field::allow, "GET");
      co_return response;
    }
    co_return binary_response(services.crl->current_der(), "application/pkix-crl", request);
  }

  if (services.ocsp == nullptr) {
    co_return text(bhttp::status::not_found, "No OCSP responder runs on this server.", request);
  }
  // RFC 6960 A.1: POST to the responder URL, or GET with the request in the path.
  const bool allowed = (path == kOcspPath && is_post) || (path != kOcspPath && is_get);
  if (!allowed) {
    std::string_view allow = path == kOcspPath ? "POST" : "GET";
    Response response = text(bhttp::status::method_not_allowed,
                             "Method not allowed. POST an OCSP request to /pki/ocsp, or GET "
                             "/pki/ocsp/<base64 of the request>.",
                             request);
    response.set(bhttp::field::allow, allow);
    co_return response;
  }
  if (is_post && request[bhttp::field::content_type] != "application/ocsp-request") {
    co_return text(bhttp::status::unsupported_media_type,
                   "Unsupported media type: an OCSP request is sent as application/ocsp-request.", request);
  }
  std::optional<pki::Bytes> der = ocsp_request_bytes(request, path);
  if (!der.has_value()) {
    co_return text(bhttp::status::bad_request,
                   "Invalid OCSP request: expected DER in the body, or URL-encoded base64 after /pki/ocsp/.",
                   request);
  }

  // Signing blocks, so it runs on the blocking pool; a named awaitable for GCC 12.
  auto operation = asio::co_spawn(blocking, run_ocsp(services.ocsp, std::move(*der)), asio::use_awaitable);
  pki::Bytes answer = co_await std::move(operation);
  if (answer.empty()) {
    co_return text(bhttp::status::internal_server_error, "The OCSP response could not be encoded.", request);
  }
  Response response = binary_response(std::move(answer), "application/ocsp-response", request);
  co_return response;
}

}  // namespace careid::federation::http
