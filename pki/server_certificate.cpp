// CertificateAuthority::issue_server_certificate: careidd's HTTPS certificate.
#include <algorithm>

#include "pki/ca.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"
#include "pki/x509_builder.h"

namespace careid::pki {

namespace {

constexpr std::size_t kMaxDnsNameLength = 253;
constexpr std::size_t kMaxDnsLabelLength = 63;

bool is_valid_dns_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxDnsLabelLength || label.front() == '-' ||
      label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// RFC 1123 2.1 host names, with the single leading "*." wildcard label of RFC 6125 6.4.3.
bool is_valid_dns_name(std::string_view name) {
  if (name.starts_with("*.")) {
    name.remove_prefix(2);
  }
  if (name.empty() || name.size() > kMaxDnsNameLength) {
    return false;
  }
  while (true) {
    std::size_t dot = name.find('.');
    if (!is_valid_dns_label(name.substr(0, dot))) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    name.remove_prefix(dot + 1);
  }
}

// Appends an IP address entry when `name` parses as IPv4 or IPv6, a DNS entry otherwise.
Status append_alt_name(GENERAL_NAMES* names, const std::string& name) {
  GeneralNamePtr entry(GENERAL_NAME_new());
  if (!entry) {
    return openssl_status(StatusCode::kInternal, "cannot allocate subjectAltName entry");
  }

  if (ASN1_OCTET_STRING* address = a2i_IPADDRESS(name.c_str())) {
    GENERAL_NAME_set0_value(entry.get(), GEN_IPADD, address);
  } else {
    clear_openssl_errors();
    if (!is_valid_dns_name(name)) {
      return Status::invalid_argument("invalid server name '" + name +
                                      "': expected a DNS name or an IP address");
    }
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (dns == nullptr || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
      ASN1_IA5STRING_free(dns);
      return openssl_status(StatusCode::kInternal, "cannot encode DNS name");
    }
    GENERAL_NAME_set0_value(entry.get(), GEN_DNS, dns);
  }

  if (sk_GENERAL_NAME_push(names, entry.get()) == 0) {
    return openssl_status(StatusCode::kInternal, "cannot add subjectAltName entry");
  }
  entry.release();  // now owned by `names`
  return Status::ok_status();
}

// The names are built as GENERAL_NAME values, not as "DNS:..." configuration text, so that a
// name containing ',' or ':' cannot inject further entries.
Status add_subject_alt_names(X509* certificate, const std::vector<std::string>& extra_names) {
  std::vector<std::string> all = {"127.0.0.1", "localhost"};
  for (const std::string& name : extra_names) {
    if (std::find(all.begin(), all.end(), name) == all.end()) {
      all.push_back(name);
    }
  }

  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) {
    return openssl_status(StatusCode::kInternal, "cannot allocate subjectAltName");
  }
  for (const std::string& name : all) {
    CAREID_RETURN_IF_ERROR(append_alt_name(names.get(), name));
  }
  if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return openssl_status(StatusCode::kInternal, "cannot add subjectAltName");
  }
  return Status::ok_status();
}

Status add_server_extensions(X509* certificate, X509* issuer, bool rsa) {
  // RFC 5246 7.4.2: RSA key exchange needs keyEncipherment; TLS 1.3 and ECDHE need only
  // digitalSignature.
  const char* key_usage =
      rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature";
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  CAREID_RETURN_IF_ERROR(detail::add_extension(certificate, issuer, NID_key_usage, key_usage));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_ext_key_usage, "serverAuth"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_subject_key_identifier, "hash"));
  return detail::add_extension(certificate, issuer, NID_authority_key_identifier, "keyid:always");
}

}  // namespace

Result<CertifiedKey> CertificateAuthority::issue_server_certificate(
    const ServerCertificateOptions& options) const {
  if (options.common_name.empty()) {
    return Status::invalid_argument("server certificate common name must not be empty");
  }
  auto key = PrivateKey::generate(options.key_type);
  if (!key.ok()) {
    return key.status();
  }

  detail::CertificateFields fields{{{"O", "nhs"}, {"CN", options.common_name}},
                                   key->native(),
                                   options.not_before.value_or(std::chrono::system_clock::now()),
                                   options.validity_days};
  auto certificate = detail::start_certificate(fields);
  if (!certificate.ok()) {
    return certificate.status();
  }

  X509* issuer = ca_.certificate.native();
  bool rsa = options.key_type != KeyType::kEcdsaP256;
  CAREID_RETURN_IF_ERROR(detail::set_issuer(certificate->get(), issuer));
  CAREID_RETURN_IF_ERROR(add_subject_alt_names(certificate->get(), options.extra_names));
  CAREID_RETURN_IF_ERROR(add_server_extensions(certificate->get(), issuer, rsa));
  CAREID_RETURN_IF_ERROR(detail::sign_certificate(certificate->get(), ca_.key.native()));
  return CertifiedKey{Certificate(certificate->release()), std::move(*key)};
}

}  // namespace careid::pki
