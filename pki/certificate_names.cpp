#include "pki/certificate_names.h"

#include <algorithm>

#include <openssl/err.h>

#include "pki/openssl_handles.h"

namespace careid::pki {
namespace {

// Microsoft's userPrincipalName otherName (szOID_NT_PRINCIPAL_NAME).
constexpr const char* kUpnOid = "1.3.6.1.4.1.311.20.2.3";

GeneralNamesPtr subject_alt_names(X509* certificate) {
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  return GeneralNamesPtr(names);
}

std::string utf8_of(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  std::string text = length >= 0 ? std::string(reinterpret_cast<char*>(utf8), length) : "";
  OPENSSL_free(utf8);
  return text;
}

bool is_printable_ascii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

X509Ptr parse_der(std::string_view der) {
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  X509* certificate = d2i_X509(nullptr, &data, static_cast<long>(der.size()));
  if (certificate != nullptr && data != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    X509_free(certificate);
    certificate = nullptr;
  }
  return X509Ptr(certificate);
}

}  // namespace

std::vector<std::string> certificate_san_emails(X509* certificate) {
  std::vector<std::string> emails;
  GeneralNamesPtr names = subject_alt_names(certificate);
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_EMAIL) {
      std::string text = utf8_of(name->d.rfc822Name);
      emails.push_back(is_printable_ascii(text) ? text : "");
    }
  }
  ERR_clear_error();
  return emails;
}

std::vector<std::string> certificate_san_upns(X509* certificate) {
  std::vector<std::string> upns;
  GeneralNamesPtr names = subject_alt_names(certificate);
  char oid[64];
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_OTHERNAME ||
        OBJ_obj2txt(oid, sizeof oid, name->d.otherName->type_id, 1) <= 0 ||
        std::string_view(oid) != kUpnOid) {
      continue;
    }
    const ASN1_TYPE* value = name->d.otherName->value;
    bool utf8 = value != nullptr && value->type == V_ASN1_UTF8STRING;
    std::string text = utf8 ? utf8_of(value->value.utf8string) : "";
    upns.push_back(is_printable_ascii(text) ? text : "");
  }
  ERR_clear_error();
  return upns;
}

std::string certificate_der(X509* certificate) {
  unsigned char* der = nullptr;
  int length = i2d_X509(certificate, &der);
  if (length <= 0) {
    ERR_clear_error();
    return {};
  }
  std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return bytes;
}

Result<bool> same_issuer_and_serial(std::string_view a, std::string_view b) {
  X509Ptr first = parse_der(a);
  X509Ptr second = parse_der(b);
  if (first == nullptr || second == nullptr) {
    ERR_clear_error();
    return Status::invalid_argument("a certificate to compare is not DER X.509");
  }
  return X509_NAME_cmp(X509_get_issuer_name(first.get()), X509_get_issuer_name(second.get())) == 0 &&
         ASN1_INTEGER_cmp(X509_get0_serialNumber(first.get()), X509_get0_serialNumber(second.get())) == 0;
}

}  // namespace careid::pki
