// XML Encryption 1.1 of one element with xmlsec1-openssl, as SAML 2.0 encrypted assertions
// use it (SAML Core 2.3.4, 6.2).
//
// One profile only: a fresh AES-256-GCM key encrypts the element
// (http://www.w3.org/2009/xmlenc11#aes256-gcm), and RSA-OAEP with the XML Encryption
// defaults, SHA-1 digest and MGF1 with SHA-1 (http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p),
// encrypts that key for the recipient. OAEP does not rely on SHA-1's collision resistance.
// The e2e tests show mod_auth_mellon 0.18.1 (lasso 2.8.1) and pysaml2 7.0.1, as in Debian
// 12, decrypting this profile.
//
// Thread safety: as xml/signature.h. Each call works on its own copy of the recipient key.
#pragma once

#include "base/status.h"
#include "xml/document.h"
#include "xml/signature.h"

namespace careid::xml {

inline constexpr std::string_view kXmlEncNs = "http://www.w3.org/2001/04/xmlenc#";

// Encrypts `element` for the RSA public key `recipient` (from the recipient's certificate,
// VerificationKey::from_certificate) and replaces it in the document by an
// xenc:EncryptedData of Type Element, whose ds:KeyInfo contains the xenc:EncryptedKey. Returns
// the EncryptedData element. Errors:
//   kInvalidArgument  `element` is null or the root, or `recipient` is not an RSA key
//   kInternal         xmlsec failed; the message carries xmlsec's reason
Result<Element> encrypt_element(Document& doc, Element element, const VerificationKey& recipient);

}  // namespace careid::xml
