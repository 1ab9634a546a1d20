// Creation and verification of enveloped signatures; see signature.h for the profile.
#include "xml/signature.h"

#include <libxml/tree.h>
#include <libxml/valid.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmltree.h>

#include "xml/xmlsec_support.h"

namespace careid::xml {
namespace {

using detail::DSigContextPtr;
using detail::to_xml;

std::string element_label(Element element) { return "<" + std::string(element.local_name()) + ">"; }

// Registers `element`'s ID attribute so that "#<id>" resolves to it, and only to it.
// libxml2 registers xml:id attributes while parsing, so a clash with one is caught here too.
Result<std::string> register_id(Document& doc, Element element, std::string_view id_attribute) {
  std::string name(id_attribute);
  xmlAttrPtr attr = xmlHasNsProp(element.native(), to_xml(name), nullptr);
  std::string id = element.attribute(id_attribute).value_or("");
  if (attr == nullptr || id.empty()) {
    return Status::invalid_argument("element " + element_label(element) + " has no " + name +
                                    " attribute");
  }

  xmlAttrPtr registered = xmlGetID(doc.native(), to_xml(id));
  if (registered == attr) {
    return id;
  }
  if (registered != nullptr || xmlAddID(nullptr, doc.native(), to_xml(id), attr) == nullptr) {
    return Status::invalid_argument("ID '" + id + "' is used by more than one element");
  }
  return id;
}

// Builds the ds:Signature template: exclusive c14n, RSA- or ECDSA-SHA256, one Reference
// with the enveloped and exclusive c14n transforms and SHA-256, and the certificate in
// KeyInfo. The certificate is written here, because the key that xmlsec signs with carries
// none (SigningKey::Impl::private_key).
xmlNodePtr create_signature_template(xmlDocPtr doc, const SigningKey& key, const std::string& id) {
  xmlSecTransformId method =
      key.type() == KeyType::kRsa ? xmlSecTransformRsaSha256Id : xmlSecTransformEcdsaSha256Id;
  xmlNodePtr signature = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, method,
                                                         nullptr, to_xml(std::string("ds")));
  if (signature == nullptr) {
    return nullptr;
  }

  std::string uri = "#" + id;
  xmlNodePtr reference = xmlSecTmplSignatureAddReference(signature, xmlSecTransformSha256Id,
                                                         nullptr, to_xml(uri), nullptr);
  xmlNodePtr c14n = nullptr;
  if (reference != nullptr &&
      xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) != nullptr) {
    c14n = xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId);
  }

  // "xs" appears only inside xsi:type values, which exclusive c14n does not count as a use
  // of the prefix. Listing it keeps its declaration in the signed form, so the assertion
  // still verifies after an SP moves it into another document.
  bool prefix_listed =
      c14n != nullptr && xmlSecTmplTransformAddC14NInclNamespaces(c14n, to_xml("xs")) >= 0;
  xmlNodePtr key_info = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
  xmlNodePtr x509 = key_info == nullptr ? nullptr : xmlSecTmplKeyInfoAddX509Data(key_info);
  xmlNodePtr certificate = x509 == nullptr ? nullptr : xmlSecTmplX509DataAddCertificate(x509);
  if (!prefix_listed || certificate == nullptr) {
    xmlFreeNode(signature);
    return nullptr;
  }
  xmlNodeSetContent(certificate, to_xml(key.certificate_base64()));
  return signature;
}

void insert_signature(Element element, Element insert_after, xmlNodePtr signature) {
  if (!insert_after.is_null()) {
    xmlAddNextSibling(insert_after.native(), signature);
  } else if (element.native()->children != nullptr) {
    xmlAddPrevSibling(element.native()->children, signature);
  } else {
    xmlAddChild(element.native(), signature);
  }
}

// Limits what xmlsec accepts while verifying to the profile in signature.h.
Status restrict_to_profile(xmlSecDSigCtxPtr ctx) {
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
  bool ok = xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) >= 0 &&
            xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) >= 0 &&
            xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) >= 0 &&
            xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) >= 0 &&
            xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id) >= 0 &&
            xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha256Id) >= 0;
  return ok ? Status::ok_status() : detail::xmlsec_error("cannot restrict signature algorithms");
}

// Checks what xmlsec verified: one SHA-256 Reference to "#<id>", exclusive c14n and an
// allowed signature method. The enabled-transform lists already reject other algorithms;
// these checks keep the rule visible and independent of xmlsec's defaults.
Status check_verified_profile(xmlSecDSigCtxPtr ctx, const std::string& id) {
  if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1) {
    return Status::invalid_argument("signature must contain exactly one Reference");
  }
  auto* reference =
      static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0));
  std::string expected_uri = "#" + id;
  if (reference == nullptr || reference->uri == nullptr ||
      expected_uri != reinterpret_cast<const char*>(reference->uri)) {
    return Status::invalid_argument("signature Reference does not point at ID '" + id + "'");
  }
  if (reference->status != xmlSecDSigStatusSucceeded || reference->digestMethod == nullptr ||
      reference->digestMethod->id != xmlSecTransformSha256Id) {
    return Status::permission_denied("signature Reference digest does not match");
  }
  bool allowed_method = ctx->signMethod != nullptr &&
                        (ctx->signMethod->id == xmlSecTransformRsaSha256Id ||
                         ctx->signMethod->id == xmlSecTransformEcdsaSha256Id);
  if (ctx->c14nMethod == nullptr || ctx->c14nMethod->id != xmlSecTransformExclC14NId ||
      !allowed_method) {
    return Status::invalid_argument("signature uses a disallowed algorithm");
  }
  return Status::ok_status();
}

Result<xmlNodePtr> find_single_signature(Element element) {
  std::vector<Element> signatures = element.children(kXmlDsigNs, "Signature");
  if (signatures.empty()) {
    return Status::not_found("element " + element_label(element) + " is not signed");
  }
  if (signatures.size() > 1) {
    return Status::invalid_argument("element " + element_label(element) +
                                    " has more than one signature");
  }
  return signatures.front().native();
}

}  // namespace

Status sign_enveloped(Document& doc, Element element, Element insert_after, const SigningKey& key,
                      std::string_view id_attribute) {
  CAREID_RETURN_IF_ERROR(ensure_xmlsec_initialised());
  if (element.is_null()) {
    return Status::invalid_argument("no element to sign");
  }
  if (!insert_after.is_null() && insert_after.parent() != element) {
    return Status::invalid_argument("the signature position is not a child of the signed element");
  }
  auto id = register_id(doc, element, id_attribute);
  if (!id.ok()) {
    return id.status();
  }

  detail::clear_xmlsec_error();
  xmlNodePtr signature = create_signature_template(doc.native(), key, *id);
  if (signature == nullptr) {
    return detail::xmlsec_error("cannot create the signature template");
  }
  insert_signature(element, insert_after, signature);

  DSigContextPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (ctx != nullptr) {
    ctx->signKey = key.impl()->private_key.duplicate().release();
  }
  if (ctx == nullptr || ctx->signKey == nullptr || xmlSecDSigCtxSign(ctx.get(), signature) < 0) {
    xmlUnlinkNode(signature);
    xmlFreeNode(signature);
    return detail::xmlsec_error("signing " + element_label(element) + " failed");
  }
  return Status::ok_status();
}

Status verify_enveloped(Document& doc, Element element, const VerificationKey& key,
                        std::string_view id_attribute) {
  CAREID_RETURN_IF_ERROR(ensure_xmlsec_initialised());
  if (element.is_null()) {
    return Status::invalid_argument("no element to verify");
  }
  auto signature = find_single_signature(element);
  if (!signature.ok()) {
    return signature.status();
  }
  auto id = register_id(doc, element, id_attribute);
  if (!id.ok()) {
    return id.status();
  }

  detail::clear_xmlsec_error();
  DSigContextPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (ctx == nullptr) {
    return detail::xmlsec_error("cannot create the verification context");
  }
  CAREID_RETURN_IF_ERROR(restrict_to_profile(ctx.get()));
  ctx->signKey = key.impl()->key.duplicate().release();
  if (ctx->signKey == nullptr) {
    return detail::xmlsec_error("cannot copy the verification key");
  }

  // A negative return means the Signature could not be processed (malformed, disallowed
  // algorithm, unresolvable reference); a mismatch returns 0 with a failed status.
  if (xmlSecDSigCtxVerify(ctx.get(), *signature) < 0) {
    Status error = detail::xmlsec_error("signature of " + element_label(element) + " rejected");
    return Status::invalid_argument(error.message());
  }
  detail::clear_xmlsec_error();
  if (ctx->status != xmlSecDSigStatusSucceeded) {
    return Status::permission_denied("signature of " + element_label(element) +
                                     " does not match its content or the key");
  }
  return check_verified_profile(ctx.get(), *id);
}

}  // namespace careid::xml
