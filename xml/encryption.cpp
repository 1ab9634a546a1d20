#include "xml/encryption.h"

#include <set>

#include <libxml/tree.h>
#include <xmlsec/app.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmlenc.h>

#include "xml/xmlsec_support.h"

namespace careid::xml {
namespace {

using detail::EncContextPtr;
using detail::KeysManagerPtr;

struct NodeDeleter {
  void operator()(xmlNode* node) const { xmlFreeNode(node); }
};
using NodePtr = std::unique_ptr<xmlNode, NodeDeleter>;

// The xenc:EncryptedData template: AES-256-GCM content, and in its ds:KeyInfo one
// xenc:EncryptedKey with RSA-OAEP.
NodePtr create_encryption_template(xmlDocPtr doc) {
  NodePtr data(xmlSecTmplEncDataCreate(doc, xmlSecTransformAes256GcmId, nullptr,
                                       xmlSecTypeEncElement, nullptr, nullptr));
  if (data == nullptr || xmlSecTmplEncDataEnsureCipherValue(data.get()) == nullptr) {
    return nullptr;
  }
  xmlNodePtr key_info = xmlSecTmplEncDataEnsureKeyInfo(data.get(), nullptr);
  xmlNodePtr encrypted_key =
      key_info == nullptr ? nullptr
                          : xmlSecTmplKeyInfoAddEncryptedKey(key_info, xmlSecTransformRsaOaepId,
                                                             nullptr, nullptr, nullptr);
  if (encrypted_key == nullptr || xmlSecTmplEncDataEnsureCipherValue(encrypted_key) == nullptr) {
    return nullptr;
  }
  return data;
}

void collect_namespaces(xmlNodePtr node, std::set<xmlNsPtr>& declared, std::set<xmlNsPtr>& used) {
  for (xmlNsPtr ns = node->nsDef; ns != nullptr; ns = ns->next) {
    declared.insert(ns);
  }
  if (node->ns != nullptr) {
    used.insert(node->ns);
  }
  for (xmlAttrPtr attribute = node->properties; attribute != nullptr; attribute = attribute->next) {
    if (attribute->ns != nullptr) {
      used.insert(attribute->ns);
    }
  }
  for (xmlNodePtr child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      collect_namespaces(child, declared, used);
    }
  }
}

// xmlsec serialises the element alone, so a prefix declared only on an ancestor (saml: on
// the samlp:Response) would be unbound for the recipient. This declares every such namespace
// again on the element itself. Exclusive c14n ignores the extra declarations, so a
// signature inside the element stays valid.
void declare_inherited_namespaces(xmlNodePtr element) {
  std::set<xmlNsPtr> declared;
  std::set<xmlNsPtr> used;
  collect_namespaces(element, declared, used);
  for (xmlNsPtr ns : used) {
    if (declared.count(ns) == 0 && ns->href != nullptr) {
      xmlNewNs(element, ns->href, ns->prefix);
    }
  }
}

// A keys manager holding only a copy of `recipient`, which xmlsec uses to encrypt the
// generated AES key.
Result<KeysManagerPtr> recipient_keys_manager(const VerificationKey& recipient) {
  detail::KeyPtr key = recipient.impl()->key.duplicate();
  if (key == nullptr) {
    return detail::xmlsec_error("cannot copy the recipient key");
  }
  if (!xmlSecKeyDataCheckId(xmlSecKeyGetValue(key.get()), xmlSecKeyDataRsaId)) {
    return Status::invalid_argument("the encryption certificate does not hold an RSA key");
  }
  KeysManagerPtr manager(xmlSecKeysMngrCreate());
  if (manager == nullptr || xmlSecCryptoAppDefaultKeysMngrInit(manager.get()) < 0) {
    return detail::xmlsec_error("cannot create the keys manager");
  }
  if (xmlSecCryptoAppDefaultKeysMngrAdoptKey(manager.get(), key.get()) < 0) {
    return detail::xmlsec_error("cannot add the recipient key");
  }
  key.release();  // the manager owns it now
  return manager;
}

}  // namespace

Result<Element> encrypt_element(Document& doc, Element element, const VerificationKey& recipient) {
  CAREID_RETURN_IF_ERROR(ensure_xmlsec_initialised());
  if (element.is_null() || element.parent().is_null()) {
    return Status::invalid_argument("only an element below the root can be encrypted");
  }
  detail::clear_xmlsec_error();
  auto manager = recipient_keys_manager(recipient);
  if (!manager.ok()) {
    return manager.status();
  }

  NodePtr data = create_encryption_template(doc.native());
  if (data == nullptr) {
    return detail::xmlsec_error("cannot create the encryption template");
  }
  EncContextPtr ctx(xmlSecEncCtxCreate(manager->get()));
  if (ctx == nullptr) {
    return detail::xmlsec_error("cannot create the encryption context");
  }
  // A fresh 256-bit session key per element; xmlsec encrypts it with the recipient's key.
  ctx->encKey = xmlSecKeyGenerate(xmlSecKeyDataAesId, 256, xmlSecKeyDataTypeSession);
  if (ctx->encKey == nullptr) {
    return detail::xmlsec_error("cannot generate the AES-256 key");
  }

  declare_inherited_namespaces(element.native());
  // On success xmlsec puts the template in the element's place and frees the element.
  if (xmlSecEncCtxXmlEncrypt(ctx.get(), data.get(), element.native()) < 0) {
    return detail::xmlsec_error("encrypting the element failed");
  }
  return Element(data.release());
}

}  // namespace careid::xml
