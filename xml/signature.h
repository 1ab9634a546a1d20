// Enveloped XML signatures (XML-DSig 1.0) with xmlsec1-openssl, as SAML 2.0 uses them.
//
// Only one profile is produced and accepted. It has a single Reference to the signed
// element by its ID attribute ("#<id>"), with the transforms enveloped-signature and then
// exclusive c14n (http://www.w3.org/2001/10/xml-exc-c14n#) and a SHA-256 digest.
// SignedInfo uses exclusive c14n and RSA-SHA256 or ECDSA-SHA256, chosen by the key type.
// Anything else fails verification: other algorithms, XPath or XSLT transforms, several
// references, or a reference to another element.
//
// Thread safety: xmlsec is initialised once, thread-safely, on first use. A SigningKey or
// VerificationKey may be shared by several threads; each call works on its own copy of the
// key. A Document must not be signed or verified by two threads at once.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "xml/document.h"

namespace careid::xml {

enum class KeyType { kRsa, kEcdsa };

// A private key with its certificate, for signing. Copies share the same key.
class SigningKey {
 public:
  // Loads a PEM private key (RSA or EC, unencrypted) and its PEM certificate. Errors:
  //   kIoError            a file cannot be read
  //   kPermissionDenied   the key file is accessible to group or others (mode & 077 != 0)
  //   kInvalidArgument    not a PEM key or certificate, an unsupported key type, or the
  //                       key does not match the certificate (checked by a test signature)
  // Messages name the file.
  static Result<SigningKey> load(const std::filesystem::path& key_file,
                                 const std::filesystem::path& certificate_file);

  KeyType type() const;
  // The certificate as base64 of its DER encoding, without line breaks: the content of
  // ds:X509Certificate in metadata.
  const std::string& certificate_base64() const;

  // For xml/ internals; the type is defined in xml/xmlsec_support.h.
  struct Impl;
  const std::shared_ptr<Impl>& impl() const { return impl_; }

 private:
  explicit SigningKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// A public key taken from a certificate, for verification. Copies share the same key.
class VerificationKey {
 public:
  // Accepts a PEM certificate ("-----BEGIN CERTIFICATE-----") or the bare base64 of its DER
  // encoding as found in ds:X509Certificate. kInvalidArgument if it does not decode.
  static Result<VerificationKey> from_certificate(std::string_view certificate);
  static Result<VerificationKey> load_certificate_file(const std::filesystem::path& file);

  // For xml/ internals; the type is defined in xml/xmlsec_support.h.
  struct Impl;
  const std::shared_ptr<Impl>& impl() const { return impl_; }

 private:
  explicit VerificationKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Signs `element` with an enveloped signature. The element's attribute `id_attribute`
// (which must be present, non-empty and unique in the document) is registered as an XML
// ID and referenced as "#<id>". The ds:Signature element is inserted right after
// `insert_after` (a child of `element`; SAML Core 5.4.1 requires it after saml:Issuer), or
// as the first child when `insert_after` is null. Sign inner elements before outer ones:
// a signature over the outer element then covers the inner signature. Errors:
//   kInvalidArgument  missing or duplicate ID, or `insert_after` is not a child of `element`
//   kInternal         xmlsec failed; the message carries xmlsec's reason
Status sign_enveloped(Document& doc, Element element, Element insert_after, const SigningKey& key,
                      std::string_view id_attribute = "ID");

// Verifies the enveloped signature that is a direct child of `element` against `key`.
// Registers `id_attribute` of `element` as the document's only use of that ID value and
// requires the single Reference to point at it, so that a signature over another element
// of the document (signature wrapping) is never accepted for `element`. Callers must then
// read data only from `element`, not look it up again. Errors:
//   kNotFound          `element` has no ds:Signature child
//   kInvalidArgument   several signatures, missing or duplicate ID, a disallowed
//                      algorithm or transform, or a reference to anything but `element`
//   kPermissionDenied  the signature or a digest does not match (tampered or wrong key)
Status verify_enveloped(Document& doc, Element element, const VerificationKey& key,
                        std::string_view id_attribute = "ID");

// Initialises libxml2, xmlsec and its OpenSSL back end once. Returns the same error on
// every call if initialisation failed. Called by every function above.
Status ensure_xmlsec_initialised();

}  // namespace careid::xml
