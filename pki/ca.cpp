#include "pki/ca.h"

#include <algorithm>

#include "pki/certificate_names.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"
#include "pki/x509_builder.h"

namespace careid::pki {

namespace {

constexpr std::size_t kCardUidDigits = 12;

std::chrono::system_clock::time_point start_time(
    const std::optional<std::chrono::system_clock::time_point>& not_before) {
  return not_before.value_or(std::chrono::system_clock::now());
}

Status check_is_ca(const CertifiedKey& ca) {
  // X509_check_ca returns 1 for a certificate with basicConstraints CA:TRUE (and keyCertSign
  // when keyUsage is present); other non-zero values mean legacy forms careid does not issue.
  if (X509_check_ca(ca.certificate.native()) != 1) {
    clear_openssl_errors();
    return Status::invalid_argument("certificate is not a CA (basicConstraints CA:TRUE missing)");
  }
  if (X509_check_private_key(ca.certificate.native(), ca.key.native()) != 1) {
    return openssl_status(StatusCode::kInvalidArgument,
                          "CA private key does not match the CA certificate");
  }
  return Status::ok_status();
}

bool is_http_url(std::string_view url) {
  bool has_scheme = url.starts_with("http://") || url.starts_with("https://");
  // RFC 3986 URLs contain no spaces or control characters.
  bool plain = std::none_of(url.begin(), url.end(),
                            [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
  return has_scheme && plain;
}

// Returns a GENERAL_NAME of type uniformResourceIdentifier, or null when OpenSSL fails.
GENERAL_NAME* make_uri_name(std::string_view url) {
  GeneralNamePtr name(GENERAL_NAME_new());
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  if (!name || text == nullptr || ASN1_STRING_set(text, url.data(), static_cast<int>(url.size())) != 1) {
    ASN1_IA5STRING_free(text);
    return nullptr;
  }
  GENERAL_NAME_set0_value(name.get(), GEN_URI, text);
  return name.release();
}

// RFC 5280 4.2.1.13: one distribution point whose fullName is the URL.
Status add_crl_distribution_point(X509* certificate, std::string_view url) {
  std::unique_ptr<CRL_DIST_POINTS, OpensslDeleter<CRL_DIST_POINTS_free>> points(sk_DIST_POINT_new_null());
  DIST_POINT* point = DIST_POINT_new();
  if (!points || point == nullptr || sk_DIST_POINT_push(points.get(), point) == 0) {
    DIST_POINT_free(point);
    return openssl_status(StatusCode::kInternal, "cannot build the CRL distribution point");
  }
  point->distpoint = DIST_POINT_NAME_new();
  GENERAL_NAME* name = make_uri_name(url);
  if (point->distpoint == nullptr || name == nullptr) {
    GENERAL_NAME_free(name);
    return openssl_status(StatusCode::kInternal, "cannot build the CRL distribution point");
  }
  point->distpoint->type = 0;  // fullName
  point->distpoint->name.fullname = GENERAL_NAMES_new();
  if (point->distpoint->name.fullname == nullptr ||
      sk_GENERAL_NAME_push(point->distpoint->name.fullname, name) == 0) {
    GENERAL_NAME_free(name);
    return openssl_status(StatusCode::kInternal, "cannot build the CRL distribution point");
  }
  if (X509_add1_ext_i2d(certificate, NID_crl_distribution_points, points.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot add the CRL distribution point");
  }
  return Status::ok_status();
}

// RFC 5280 4.2.2.1: authorityInfoAccess with one id-ad-ocsp access description.
Status add_ocsp_access(X509* certificate, std::string_view url) {
  std::unique_ptr<AUTHORITY_INFO_ACCESS, OpensslDeleter<AUTHORITY_INFO_ACCESS_free>> access(
      sk_ACCESS_DESCRIPTION_new_null());
  ACCESS_DESCRIPTION* description = ACCESS_DESCRIPTION_new();
  if (!access || description == nullptr || sk_ACCESS_DESCRIPTION_push(access.get(), description) == 0) {
    ACCESS_DESCRIPTION_free(description);
    return openssl_status(StatusCode::kInternal, "cannot build authorityInfoAccess");
  }
  GENERAL_NAME* name = make_uri_name(url);
  if (name == nullptr) {
    return openssl_status(StatusCode::kInternal, "cannot build authorityInfoAccess");
  }
  ASN1_OBJECT_free(description->method);
  description->method = OBJ_nid2obj(NID_ad_OCSP);
  GENERAL_NAME_free(description->location);
  description->location = name;
  if (X509_add1_ext_i2d(certificate, NID_info_access, access.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot add authorityInfoAccess");
  }
  return Status::ok_status();
}

// Adds the CRL distribution point and the OCSP responder URL of a card, when set.
Status add_revocation_urls(X509* certificate, const CardCertificateOptions& options) {
  for (const std::string* url : {&options.crl_url, &options.ocsp_url}) {
    if (!url->empty() && !is_http_url(*url)) {
      return Status::invalid_argument("invalid revocation URL '" + *url +
                                      "': expected an http:// or https:// URL without spaces");
    }
  }
  if (!options.crl_url.empty()) {
    CAREID_RETURN_IF_ERROR(add_crl_distribution_point(certificate, options.crl_url));
  }
  if (!options.ocsp_url.empty()) {
    CAREID_RETURN_IF_ERROR(add_ocsp_access(certificate, options.ocsp_url));
  }
  return Status::ok_status();
}

Status add_card_extensions(X509* certificate, X509* issuer) {
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_key_usage, "critical,digitalSignature"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_ext_key_usage, "clientAuth"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_subject_key_identifier, "hash"));
  return detail::add_extension(certificate, issuer, NID_authority_key_identifier, "keyid:always");
}

Status invalid_uid(std::string_view uid) {
  return Status::invalid_argument("invalid card uid '" + std::string(uid) +
                                  "': expected exactly 12 digits");
}

}  // namespace

Result<CertifiedKey> create_self_signed_ca(const CaOptions& options) {
  if (options.common_name.empty() || options.organization.empty()) {
    return Status::invalid_argument("CA common name and organization must not be empty");
  }
  auto key = PrivateKey::generate(options.key_type);
  if (!key.ok()) {
    return key.status();
  }

  detail::CertificateFields fields{{{"O", options.organization}, {"CN", options.common_name}},
                                   key->native(),
                                   start_time(options.not_before),
                                   options.validity_days};
  auto certificate = detail::start_certificate(fields);
  if (!certificate.ok()) {
    return certificate.status();
  }
  X509* x509 = certificate->get();

  // RFC 5280 4.2.1.9: pathlen 0 because this CA signs end-entity certificates only.
  CAREID_RETURN_IF_ERROR(detail::set_issuer(x509, x509));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(x509, x509, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(x509, x509, NID_key_usage, "critical,keyCertSign,cRLSign"));
  CAREID_RETURN_IF_ERROR(detail::add_extension(x509, x509, NID_subject_key_identifier, "hash"));
  CAREID_RETURN_IF_ERROR(detail::sign_certificate(x509, key->native()));

  return CertifiedKey{Certificate(certificate->release()), std::move(*key)};
}

bool is_valid_card_uid(std::string_view uid) {
  if (uid.size() != kCardUidDigits) {
    return false;
  }
  for (char c : uid) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

Result<CertificateAuthority> CertificateAuthority::create(CertifiedKey ca) {
  CAREID_RETURN_IF_ERROR(check_is_ca(ca));
  return CertificateAuthority(std::move(ca));
}

Result<CertificateAuthority> CertificateAuthority::load(
    const std::filesystem::path& certificate_path, const std::filesystem::path& key_path) {
  auto certificate = Certificate::load_file(certificate_path);
  if (!certificate.ok()) {
    return certificate.status();
  }
  auto key = PrivateKey::load_pem_file(key_path);
  if (!key.ok()) {
    return key.status();
  }
  return create(CertifiedKey{std::move(*certificate), std::move(*key)});
}

Result<CertifiedKey> CertificateAuthority::issue_card_certificate(
    std::string_view uid, const CardCertificateOptions& options) const {
  if (!is_valid_card_uid(uid)) {
    return invalid_uid(uid);
  }
  auto key = PrivateKey::generate(options.key_type);
  if (!key.ok()) {
    return key.status();
  }
  auto certificate = sign_card_certificate(uid, key->native(), options);
  if (!certificate.ok()) {
    return certificate.status();
  }
  return CertifiedKey{std::move(*certificate), std::move(*key)};
}

Result<Certificate> CertificateAuthority::issue_card_certificate(
    std::string_view uid, const PublicKey& public_key, const CardCertificateOptions& options) const {
  if (!is_valid_card_uid(uid)) {
    return invalid_uid(uid);
  }
  return sign_card_certificate(uid, public_key.native(), options);
}

Result<Certificate> CertificateAuthority::sign_card_certificate(
    std::string_view uid, evp_pkey_st* public_key, const CardCertificateOptions& options) const {
  detail::CertificateFields fields{{{"O", "nhs"}, {"OU", "people"}, {"CN", std::string(uid)}},
                                   public_key,
                                   start_time(options.not_before),
                                   options.validity_days};
  auto certificate = detail::start_certificate(fields);
  if (!certificate.ok()) {
    return certificate.status();
  }

  X509* issuer = ca_.certificate.native();
  CAREID_RETURN_IF_ERROR(detail::set_issuer(certificate->get(), issuer));
  CAREID_RETURN_IF_ERROR(add_card_extensions(certificate->get(), issuer));
  CAREID_RETURN_IF_ERROR(add_revocation_urls(certificate->get(), options));
  CAREID_RETURN_IF_ERROR(add_subject_alt_names(certificate->get(), options.san_emails, options.san_upns));
  CAREID_RETURN_IF_ERROR(detail::sign_certificate(certificate->get(), ca_.key.native()));
  return Certificate(certificate->release());
}

}  // namespace careid::pki
