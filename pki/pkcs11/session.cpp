#include <cstdio>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"
#include "pki/pkcs11/detail/cryptoki.h"

namespace careid::pki::pkcs11 {

namespace {

// DER of the named-curve OID prime256v1 (1.2.840.10045.3.1.7), the CKA_EC_PARAMS of P-256.
constexpr std::uint8_t kP256Parameters[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

// An uncompressed P-256 point: 0x04, then X and Y of 32 bytes each (SEC 1 2.3.3).
constexpr std::size_t kP256PointBytes = 65;

// Objects that one C_FindObjects call requests. Most searches match a handful of objects.
constexpr CK_ULONG kFindBatch = 32;

using OsslParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpensslDeleter<OSSL_PARAM_BLD_free>>;
using OsslParamPtr = std::unique_ptr<OSSL_PARAM, OpensslDeleter<OSSL_PARAM_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslDeleter<EVP_PKEY_CTX_free>>;

CK_ATTRIBUTE attribute(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t size) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}

CK_OBJECT_CLASS to_ck_class(ObjectClass object_class) {
  switch (object_class) {
    case ObjectClass::kCertificate:
      return CKO_CERTIFICATE;
    case ObjectClass::kPublicKey:
      return CKO_PUBLIC_KEY;
    case ObjectClass::kPrivateKey:
      return CKO_PRIVATE_KEY;
    case ObjectClass::kOther:
      break;
  }
  return CKO_DATA;
}

ObjectClass from_ck_class(CK_OBJECT_CLASS value) {
  switch (value) {
    case CKO_CERTIFICATE:
      return ObjectClass::kCertificate;
    case CKO_PUBLIC_KEY:
      return ObjectClass::kPublicKey;
    case CKO_PRIVATE_KEY:
      return ObjectClass::kPrivateKey;
    default:
      return ObjectClass::kOther;
  }
}

// Turns CKA_EC_POINT into the bare point. PKCS#11 2.40 stores the DER OCTET STRING that
// wraps the point; some older tokens store the bare point, which is accepted too.
Result<Bytes> unwrap_ec_point(const Bytes& value) {
  if (value.size() == kP256PointBytes && value[0] == 0x04) {
    return value;
  }
  const unsigned char* cursor = value.data();
  ASN1_OCTET_STRING* octets = d2i_ASN1_OCTET_STRING(nullptr, &cursor, static_cast<long>(value.size()));
  if (octets == nullptr) {
    return openssl_status(StatusCode::kCorruption, "CKA_EC_POINT is not a DER OCTET STRING");
  }
  Bytes point(octets->data, octets->data + octets->length);
  ASN1_OCTET_STRING_free(octets);
  if (point.size() != kP256PointBytes || point[0] != 0x04) {
    return Status::corruption("CKA_EC_POINT is not an uncompressed P-256 point");
  }
  return point;
}

// Builds an OpenSSL public key from parameters (OSSL_PKEY_PARAM_*).
Result<PublicKey> public_key_from_params(const char* algorithm, OSSL_PARAM_BLD* builder) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return openssl_status(StatusCode::kCorruption,
                          std::string("cannot build a ") + algorithm + " public key from the token");
  }
  return PublicKey(key);
}

}  // namespace

Session::Session(Session&& other) noexcept
    : module_(std::move(other.module_)), handle_(other.handle_) {
  other.handle_ = CK_INVALID_HANDLE;
}

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    close();
    module_ = std::move(other.module_);
    handle_ = other.handle_;
    other.handle_ = CK_INVALID_HANDLE;
  }
  return *this;
}

Session::~Session() { close(); }

void Session::close() {
  if (module_ && handle_ != CK_INVALID_HANDLE) {
    module_->functions->C_CloseSession(handle_);
  }
  handle_ = CK_INVALID_HANDLE;
}

Status Session::login(unsigned long user_type, const Pin& pin) {
  auto* value = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(pin.value().data()));
  CK_RV rv = module_->functions->C_Login(handle_, user_type, value, pin.value().size());
  if (rv == CKR_USER_ALREADY_LOGGED_IN) {
    return Status::ok_status();
  }
  return rv == CKR_OK ? Status::ok_status() : detail::ck_status("C_Login", rv);
}

Status Session::login_user(const Pin& pin) { return login(CKU_USER, pin); }

Status Session::login_so(const Pin& pin) { return login(CKU_SO, pin); }

Status Session::init_user_pin(const Pin& new_pin) {
  auto* value = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(new_pin.value().data()));
  CK_RV rv = module_->functions->C_InitPIN(handle_, value, new_pin.value().size());
  return rv == CKR_OK ? Status::ok_status() : detail::ck_status("C_InitPIN", rv);
}

Result<KeyPairHandles> Session::generate_key_pair(KeyType type, ByteView id,
                                                  std::string_view label) {
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ULONG modulus_bits = 2048;
  const std::uint8_t public_exponent[] = {0x01, 0x00, 0x01};  // 65537

  CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  std::vector<CK_ATTRIBUTE> public_template = {
      attribute(CKA_TOKEN, &yes, sizeof yes), attribute(CKA_PRIVATE, &no, sizeof no),
      attribute(CKA_VERIFY, &yes, sizeof yes), attribute(CKA_ID, id.data(), id.size()),
      attribute(CKA_LABEL, label.data(), label.size())};
  switch (type) {
    case KeyType::kEcdsaP256:
      public_template.push_back(attribute(CKA_EC_PARAMS, kP256Parameters, sizeof kP256Parameters));
      break;
    case KeyType::kRsa2048:
      mechanism.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      public_template.push_back(attribute(CKA_MODULUS_BITS, &modulus_bits, sizeof modulus_bits));
      public_template.push_back(
          attribute(CKA_PUBLIC_EXPONENT, public_exponent, sizeof public_exponent));
      break;
    case KeyType::kRsa3072:
      return Status::invalid_argument("card keys are ecdsa-p256 or rsa-2048, not rsa-3072");
  }

  // The private key may sign and nothing else, and never leaves the token in any form:
  // CKA_SENSITIVE forbids reading its value, CKA_EXTRACTABLE false forbids wrapping it.
  std::vector<CK_ATTRIBUTE> private_template = {
      attribute(CKA_TOKEN, &yes, sizeof yes),        attribute(CKA_PRIVATE, &yes, sizeof yes),
      attribute(CKA_SENSITIVE, &yes, sizeof yes),    attribute(CKA_EXTRACTABLE, &no, sizeof no),
      attribute(CKA_SIGN, &yes, sizeof yes),         attribute(CKA_DECRYPT, &no, sizeof no),
      attribute(CKA_UNWRAP, &no, sizeof no),         attribute(CKA_DERIVE, &no, sizeof no),
      attribute(CKA_ID, id.data(), id.size()),       attribute(CKA_LABEL, label.data(), label.size())};

  KeyPairHandles handles;
  CK_RV rv = module_->functions->C_GenerateKeyPair(
      handle_, &mechanism, public_template.data(), public_template.size(), private_template.data(),
      private_template.size(), &handles.public_key, &handles.private_key);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GenerateKeyPair", rv);
  }

  // A token may ignore parts of a template; check that the key really is locked in.
  ObjectFilter filter;
  filter.object_class = ObjectClass::kPrivateKey;
  filter.id = Bytes(id.begin(), id.end());
  auto keys = find_objects(filter);
  bool locked_in = keys.ok() && keys->size() == 1 && keys->front().sensitive &&
                   !keys->front().extractable && keys->front().never_extractable;
  if (!locked_in) {
    (void)destroy_object(handles.private_key);
    (void)destroy_object(handles.public_key);
    return Status::failed_precondition(
        "the token did not create the private key sensitive and non-extractable; the key pair "
        "was deleted");
  }
  return handles;
}

Result<PublicKey> Session::read_public_key(ObjectHandle handle) {
  CK_KEY_TYPE key_type = 0;
  CK_ATTRIBUTE type_attribute = attribute(CKA_KEY_TYPE, &key_type, sizeof key_type);
  CK_RV rv = module_->functions->C_GetAttributeValue(handle_, handle, &type_attribute, 1);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetAttributeValue(CKA_KEY_TYPE)", rv);
  }
  auto read = [&](CK_ATTRIBUTE_TYPE type) -> Result<Bytes> { return read_attribute(handle, type); };

  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder) {
    return openssl_status(StatusCode::kInternal, "cannot allocate OSSL_PARAM_BLD");
  }
  if (key_type == CKK_EC) {
    auto parameters = read(CKA_EC_PARAMS);
    if (!parameters.ok()) {
      return parameters.status();
    }
    if (*parameters != Bytes(std::begin(kP256Parameters), std::end(kP256Parameters))) {
      return Status::unimplemented("the token's EC key is not on P-256, the only curve careid "
                                   "certifies for cards");
    }
    auto encoded_point = read(CKA_EC_POINT);
    if (!encoded_point.ok()) {
      return encoded_point.status();
    }
    auto point = unwrap_ec_point(*encoded_point);
    if (!point.ok()) {
      return point.status();
    }
    OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                     point->size());
    return public_key_from_params("EC", builder.get());
  }

  if (key_type == CKK_RSA) {
    auto modulus = read(CKA_MODULUS);
    auto exponent = read(CKA_PUBLIC_EXPONENT);
    if (!modulus.ok() || !exponent.ok()) {
      return (!modulus.ok() ? modulus : exponent).status();
    }
    BignumPtr n(BN_bin2bn(modulus->data(), static_cast<int>(modulus->size()), nullptr));
    BignumPtr e(BN_bin2bn(exponent->data(), static_cast<int>(exponent->size()), nullptr));
    if (!n || !e) {
      return openssl_status(StatusCode::kInternal, "cannot allocate RSA numbers");
    }
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    return public_key_from_params("RSA", builder.get());
  }
  return Status::unimplemented("the token's key type " + std::to_string(key_type) +
                               " is neither EC nor RSA");
}

Result<ObjectHandle> Session::store_certificate(const Certificate& certificate, ByteView id,
                                                std::string_view label) {
  auto der = certificate.to_der();
  if (!der.ok()) {
    return der.status();
  }
  X509_NAME* subject = X509_get_subject_name(certificate.native());
  unsigned char* subject_der = nullptr;
  int subject_size = i2d_X509_NAME(subject, &subject_der);
  if (subject_size <= 0) {
    return openssl_status(StatusCode::kInternal, "cannot encode the certificate subject");
  }
  OpensslCharPtr subject_owner(reinterpret_cast<char*>(subject_der));

  CK_OBJECT_CLASS object_class = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE certificate_type = CKC_X_509;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ATTRIBUTE object_template[] = {
      attribute(CKA_CLASS, &object_class, sizeof object_class),
      attribute(CKA_CERTIFICATE_TYPE, &certificate_type, sizeof certificate_type),
      attribute(CKA_TOKEN, &yes, sizeof yes),
      attribute(CKA_PRIVATE, &no, sizeof no),
      attribute(CKA_ID, id.data(), id.size()),
      attribute(CKA_LABEL, label.data(), label.size()),
      attribute(CKA_SUBJECT, subject_der, static_cast<std::size_t>(subject_size)),
      attribute(CKA_VALUE, der->data(), der->size())};
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  CK_RV rv = module_->functions->C_CreateObject(handle_, object_template,
                                                std::size(object_template), &handle);
  if (rv != CKR_OK) {
    return detail::ck_status("C_CreateObject(certificate)", rv);
  }
  return handle;
}

Result<Certificate> Session::read_certificate(ObjectHandle handle) {
  auto der = read_attribute(handle, CKA_VALUE);
  if (!der.ok()) {
    return der.status();
  }
  return Certificate::from_der(*der);
}

Result<std::vector<ObjectInfo>> Session::find_objects(const ObjectFilter& filter) {
  CK_OBJECT_CLASS object_class = filter.object_class ? to_ck_class(*filter.object_class) : 0;
  std::vector<CK_ATTRIBUTE> search;
  if (filter.object_class) {
    search.push_back(attribute(CKA_CLASS, &object_class, sizeof object_class));
  }
  if (filter.label) {
    search.push_back(attribute(CKA_LABEL, filter.label->data(), filter.label->size()));
  }
  if (filter.id) {
    search.push_back(attribute(CKA_ID, filter.id->data(), filter.id->size()));
  }

  CK_RV rv = module_->functions->C_FindObjectsInit(handle_, search.data(), search.size());
  if (rv != CKR_OK) {
    return detail::ck_status("C_FindObjectsInit", rv);
  }
  std::vector<CK_OBJECT_HANDLE> handles;
  while (true) {
    CK_OBJECT_HANDLE batch[kFindBatch];
    CK_ULONG found = 0;
    rv = module_->functions->C_FindObjects(handle_, batch, kFindBatch, &found);
    if (rv != CKR_OK || found == 0) {
      break;
    }
    handles.insert(handles.end(), batch, batch + found);
  }
  module_->functions->C_FindObjectsFinal(handle_);
  if (rv != CKR_OK) {
    return detail::ck_status("C_FindObjects", rv);
  }

  std::vector<ObjectInfo> objects;
  for (CK_OBJECT_HANDLE handle : handles) {
    auto info = describe_object(handle);
    if (!info.ok()) {
      return info.status();
    }
    objects.push_back(std::move(*info));
  }
  return objects;
}

Result<ObjectInfo> Session::describe_object(ObjectHandle handle) {
  CK_OBJECT_CLASS object_class = 0;
  CK_ATTRIBUTE class_attribute = attribute(CKA_CLASS, &object_class, sizeof object_class);
  CK_RV rv = module_->functions->C_GetAttributeValue(handle_, handle, &class_attribute, 1);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetAttributeValue(CKA_CLASS)", rv);
  }
  ObjectInfo info;
  info.handle = handle;
  info.object_class = from_ck_class(object_class);

  auto label = read_attribute(handle, CKA_LABEL);
  auto id = read_attribute(handle, CKA_ID);
  if (!label.ok() || !id.ok()) {
    return (!label.ok() ? label : id).status();
  }
  info.label = to_string(*label);
  info.id = std::move(*id);
  if (info.object_class != ObjectClass::kPublicKey && info.object_class != ObjectClass::kPrivateKey) {
    return info;
  }

  CK_KEY_TYPE key_type = 0;
  CK_BBOOL sensitive = CK_FALSE, extractable = CK_FALSE;
  CK_BBOOL always_sensitive = CK_FALSE, never_extractable = CK_FALSE;
  std::vector<CK_ATTRIBUTE> attributes = {attribute(CKA_KEY_TYPE, &key_type, sizeof key_type)};
  if (info.object_class == ObjectClass::kPrivateKey) {
    attributes.push_back(attribute(CKA_SENSITIVE, &sensitive, sizeof sensitive));
    attributes.push_back(attribute(CKA_EXTRACTABLE, &extractable, sizeof extractable));
    attributes.push_back(attribute(CKA_ALWAYS_SENSITIVE, &always_sensitive, sizeof always_sensitive));
    attributes.push_back(attribute(CKA_NEVER_EXTRACTABLE, &never_extractable, sizeof never_extractable));
  }
  rv = module_->functions->C_GetAttributeValue(handle_, handle, attributes.data(), attributes.size());
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetAttributeValue(key attributes)", rv);
  }
  info.key_type = "other";
  if (key_type == CKK_EC) {
    info.key_type = "ec";
  } else if (key_type == CKK_RSA) {
    info.key_type = "rsa";
  }
  info.sensitive = sensitive == CK_TRUE;
  info.extractable = extractable == CK_TRUE;
  info.always_sensitive = always_sensitive == CK_TRUE;
  info.never_extractable = never_extractable == CK_TRUE;
  return info;
}

Result<Bytes> Session::read_attribute(ObjectHandle handle, unsigned long type) {
  // PKCS#11 2.40 section 5.7: a first call with a null buffer returns the length.
  CK_ATTRIBUTE probe = attribute(type, nullptr, 0);
  CK_RV rv = module_->functions->C_GetAttributeValue(handle_, handle, &probe, 1);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetAttributeValue", rv);
  }
  if (probe.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    char name[32];
    std::snprintf(name, sizeof name, "0x%lx", type);
    return Status::failed_precondition(std::string("the token does not reveal attribute ") + name);
  }
  Bytes value(probe.ulValueLen);
  CK_ATTRIBUTE read = attribute(type, value.data(), value.size());
  rv = module_->functions->C_GetAttributeValue(handle_, handle, &read, 1);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetAttributeValue", rv);
  }
  value.resize(read.ulValueLen);
  return value;
}

Status Session::destroy_object(ObjectHandle handle) {
  CK_RV rv = module_->functions->C_DestroyObject(handle_, handle);
  return rv == CKR_OK ? Status::ok_status() : detail::ck_status("C_DestroyObject", rv);
}

}  // namespace careid::pki::pkcs11
