#include "directory/schema/certificate_key.h"

#include "directory/ber/reader.h"

namespace careid::directory::schema {
namespace {

Status not_a_certificate(std::string_view problem) {
  return Status::invalid_argument("not an X.509 certificate: " + std::string(problem));
}

}  // namespace

Result<std::string> certificate_issuer_serial_key(std::string_view der) {
  ber::Reader outer(der);
  auto certificate = outer.read_element(ber::kSequenceTag);
  if (!certificate.ok() || !outer.at_end()) {
    return not_a_certificate("expected one DER SEQUENCE");
  }
  ber::Reader fields(certificate->content);
  auto tbs = fields.read_element(ber::kSequenceTag);
  if (!tbs.ok()) {
    return not_a_certificate("missing tbsCertificate");
  }

  // tbsCertificate: [0] EXPLICIT version OPTIONAL, serialNumber, signature, issuer, ...
  ber::Reader tbs_fields(tbs->content);
  if (tbs_fields.next_is(ber::context_tag(0, true)) && !tbs_fields.skip_element().ok()) {
    return not_a_certificate("malformed version");
  }
  std::size_t serial_start = tbs_fields.offset();
  auto serial = tbs_fields.read_element(ber::kIntegerTag);
  if (!serial.ok() || serial->content.empty()) {
    return not_a_certificate("missing serialNumber");
  }
  std::size_t serial_end = tbs_fields.offset();
  if (!tbs_fields.read_element(ber::kSequenceTag).ok()) {
    return not_a_certificate("missing signature algorithm");
  }
  std::size_t issuer_start = tbs_fields.offset();
  if (!tbs_fields.read_element(ber::kSequenceTag).ok()) {
    return not_a_certificate("missing issuer");
  }
  std::size_t issuer_end = tbs_fields.offset();

  std::string_view encoded = tbs->content;
  std::string key(encoded.substr(serial_start, serial_end - serial_start));
  key += encoded.substr(issuer_start, issuer_end - issuer_start);
  return key;
}

}  // namespace careid::directory::schema
