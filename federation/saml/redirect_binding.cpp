#include "federation/saml/redirect_binding.h"

#include <zlib.h>

#include <climits>

#include "pki/encoding.h"

namespace careid::federation::saml {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

struct DeflateStream {
  z_stream stream{};
  bool initialised = false;
  ~DeflateStream() {
    if (initialised) {
      deflateEnd(&stream);
    }
  }
};

struct InflateStream {
  z_stream stream{};
  bool initialised = false;
  ~InflateStream() {
    if (initialised) {
      inflateEnd(&stream);
    }
  }
};

}  // namespace

Status for_each_form_parameter(
    std::string_view text,
    const std::function<Status(std::string_view name, std::string_view raw_value)>& visit) {
  while (!text.empty()) {
    std::size_t end = text.find('&');
    std::string_view pair = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    std::size_t equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? "" : pair.substr(equals + 1);
    CAREID_RETURN_IF_ERROR(visit(name, value));
  }
  return Status::ok_status();
}

Status store_form_parameter(std::string_view name, std::string_view raw,
                            std::optional<std::string>& raw_slot,
                            std::optional<std::string>& slot) {
  if (raw_slot.has_value()) {
    return Status::invalid_argument("parameter " + std::string(name) + " appears more than once");
  }
  auto decoded = url_decode(raw);
  if (!decoded.ok()) {
    return decoded.status().with_context(std::string(name));
  }
  raw_slot = std::string(raw);
  slot = std::move(decoded).value();
  return Status::ok_status();
}

Result<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      return Status::invalid_argument("invalid percent-encoding at offset " + std::to_string(i));
    }
  }
  return out;
}

Result<std::string> inflate_raw(std::string_view compressed, std::size_t max_output) {
  if (compressed.size() > UINT_MAX) {
    return Status::resource_exhausted("compressed message too large");
  }
  InflateStream inflater;
  // Negative window bits select raw DEFLATE without the zlib header (zlib manual, inflateInit2).
  if (inflateInit2(&inflater.stream, -MAX_WBITS) != Z_OK) {
    return Status::internal("zlib inflateInit2 failed");
  }
  inflater.initialised = true;
  inflater.stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  inflater.stream.avail_in = static_cast<uInt>(compressed.size());

  std::string out;
  char chunk[16384];
  int result = Z_OK;
  while (result != Z_STREAM_END) {
    inflater.stream.next_out = reinterpret_cast<Bytef*>(chunk);
    inflater.stream.avail_out = sizeof(chunk);
    result = inflate(&inflater.stream, Z_NO_FLUSH);
    if (result != Z_OK && result != Z_STREAM_END) {
      // Z_BUF_ERROR here means the input ended before the final block.
      return Status::invalid_argument("SAMLRequest is not a valid raw DEFLATE stream");
    }
    std::size_t produced = sizeof(chunk) - inflater.stream.avail_out;
    if (out.size() + produced > max_output) {
      return Status::resource_exhausted("inflated SAMLRequest exceeds the limit of " +
                                        std::to_string(max_output) + " bytes");
    }
    out.append(chunk, produced);
  }
  if (inflater.stream.avail_in != 0) {
    return Status::invalid_argument("SAMLRequest has data after the DEFLATE stream");
  }
  return out;
}

Result<std::string> deflate_raw(std::string_view data) {
  if (data.size() > UINT_MAX) {
    return Status::invalid_argument("message too large to compress");
  }
  DeflateStream deflater;
  // Negative window bits select raw DEFLATE without the zlib header (zlib manual, deflateInit2).
  if (deflateInit2(&deflater.stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::internal("zlib deflateInit2 failed");
  }
  deflater.initialised = true;

  std::string out(deflateBound(&deflater.stream, static_cast<uLong>(data.size())), '\0');
  deflater.stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  deflater.stream.avail_in = static_cast<uInt>(data.size());
  deflater.stream.next_out = reinterpret_cast<Bytef*>(out.data());
  deflater.stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&deflater.stream, Z_FINISH) != Z_STREAM_END) {
    return Status::internal("zlib deflate failed");
  }
  out.resize(deflater.stream.total_out);
  return out;
}

std::string url_encode(std::string_view text) {
  constexpr const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                      (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

Result<SamlParameters> read_saml_parameters(std::string_view text, std::string_view source) {
  SamlParameters parameters;
  std::optional<std::string> raw_response;
  std::optional<std::string> response;
  std::optional<std::string> raw_signature;
  CAREID_RETURN_IF_ERROR(for_each_form_parameter(text, [&](std::string_view name, std::string_view value) {
    if (name == "SAMLRequest") {
      return store_form_parameter(name, value, parameters.raw_message, parameters.message);
    }
    if (name == "SAMLResponse") {
      return store_form_parameter(name, value, raw_response, response);
    }
    if (name == "RelayState") {
      return store_form_parameter(name, value, parameters.raw_relay_state, parameters.relay_state);
    }
    if (name == "SigAlg") {
      return store_form_parameter(name, value, parameters.raw_sig_alg, parameters.sig_alg);
    }
    if (name == "Signature") {
      return store_form_parameter(name, value, raw_signature, parameters.signature);
    }
    return Status::ok_status();
  }));

  if (parameters.message.has_value() && response.has_value()) {
    return Status::invalid_argument("the " + std::string(source) + " has both SAMLRequest and SAMLResponse");
  }
  if (response.has_value()) {
    parameters.message_parameter = "SAMLResponse";
    parameters.raw_message = std::move(raw_response);
    parameters.message = std::move(response);
  }
  if (parameters.relay_state.has_value() && parameters.relay_state->size() > kMaxRelayStateBytes) {
    return Status::resource_exhausted("RelayState exceeds the limit of " +
                                      std::to_string(kMaxRelayStateBytes) + " bytes");
  }
  return parameters;
}

Result<RedirectMessage> decode_redirect_query(std::string_view query, std::size_t max_inflated) {
  if (query.size() > kMaxQueryBytes) {
    return Status::resource_exhausted("query string exceeds the limit of " +
                                      std::to_string(kMaxQueryBytes) + " bytes");
  }

  auto parameters = read_saml_parameters(query, "query");
  if (!parameters.ok()) {
    return parameters.status();
  }
  if (!parameters->message.has_value()) {
    return Status::invalid_argument("parameter SAMLRequest is missing");
  }

  RedirectMessage message;
  message.message_parameter = parameters->message_parameter;
  auto compressed = pki::base64_decode(*parameters->message);
  if (!compressed.ok()) {
    return Status::invalid_argument(message.message_parameter + " is not valid base64");
  }
  auto xml = inflate_raw(pki::to_string(*compressed), max_inflated);
  if (!xml.ok()) {
    return xml.status();
  }

  message.saml_request = std::move(xml).value();
  message.raw_saml_request = std::move(*parameters->raw_message);
  message.relay_state = std::move(parameters->relay_state);
  message.raw_relay_state = std::move(parameters->raw_relay_state);
  message.sig_alg = std::move(parameters->sig_alg);
  message.raw_sig_alg = std::move(parameters->raw_sig_alg);
  message.signature = std::move(parameters->signature);
  return message;
}

}  // namespace careid::federation::saml
