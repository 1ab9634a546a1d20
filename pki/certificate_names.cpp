#include "pki/certificate_names.h"

#include <algorithm>

#include <openssl/err.h>

#include "pki/openssl_error.h"
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

// A SAN address as careid issues it: printable ASCII, one '@' inside, at most 254
// characters (the longest address of RFC 5321 4.5.3.1.3).
Status check_address(std::string_view kind, const std::string& address) {
  std::size_t at = address.find('@');
  bool valid = !address.empty() && address.size() <= 254 && is_printable_ascii(address) &&
               at != std::string::npos && at != 0 && at + 1 != address.size() &&
               address.find('@', at + 1) == std::string::npos;
  if (!valid) {
    return Status::invalid_argument("invalid " + std::string(kind) + " '" + address +
                                    "': expected name@domain in printable ASCII without spaces, "
                                    "at most 254 characters");
  }
  return Status::ok_status();
}

GENERAL_NAME* make_email_name(const std::string& email) {
  GeneralNamePtr name(GENERAL_NAME_new());
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  if (name == nullptr || text == nullptr || ASN1_STRING_set(text, email.data(), static_cast<int>(email.size())) != 1) {
    ASN1_IA5STRING_free(text);
    return nullptr;
  }
  GENERAL_NAME_set0_value(name.get(), GEN_EMAIL, text);
  return name.release();
}

GENERAL_NAME* make_upn_name(const std::string& upn) {
  GeneralNamePtr name(GENERAL_NAME_new());
  ASN1_OBJECT* oid = OBJ_txt2obj(kUpnOid, 1);
  ASN1_TYPE* value = ASN1_TYPE_new();
  ASN1_UTF8STRING* text = ASN1_UTF8STRING_new();
  if (name == nullptr || oid == nullptr || value == nullptr || text == nullptr ||
      ASN1_STRING_set(text, upn.data(), static_cast<int>(upn.size())) != 1) {
    ASN1_OBJECT_free(oid);
    ASN1_TYPE_free(value);
    ASN1_UTF8STRING_free(text);
    return nullptr;
  }
  ASN1_TYPE_set(value, V_ASN1_UTF8STRING, text);
  if (GENERAL_NAME_set0_othername(name.get(), oid, value) != 1) {
    ASN1_OBJECT_free(oid);
    ASN1_TYPE_free(value);
    return nullptr;
  }
  return name.release();
}

}  // namespace

Status add_subject_alt_names(X509* certificate, const std::vector<std::string>& emails,
                             const std::vector<std::string>& upns) {
  if (emails.empty() && upns.empty()) {
    return Status::ok_status();
  }
  for (const std::string& email : emails) {
    CAREID_RETURN_IF_ERROR(check_address("SAN email address", email));
  }
  for (const std::string& upn : upns) {
    CAREID_RETURN_IF_ERROR(check_address("SAN user principal name", upn));
  }

  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) {
    return openssl_status(StatusCode::kInternal, "cannot allocate subjectAltName");
  }
  auto push = [&](GENERAL_NAME* name) {
    if (name == nullptr || sk_GENERAL_NAME_push(names.get(), name) <= 0) {
      GENERAL_NAME_free(name);
      return false;
    }
    return true;
  };
  for (const std::string& email : emails) {
    if (!push(make_email_name(email))) {
      return openssl_status(StatusCode::kInternal, "cannot encode SAN email address " + email);
    }
  }
  for (const std::string& upn : upns) {
    if (!push(make_upn_name(upn))) {
      return openssl_status(StatusCode::kInternal, "cannot encode SAN user principal name " + upn);
    }
  }
  if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot add subjectAltName");
  }
  return Status::ok_status();
}

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
