#include "federation/saml/idp_metadata.h"

#include "federation/saml/saml_names.h"
#include "xml/document.h"

namespace careid::federation::saml {

std::string build_idp_metadata(std::string_view entity_id, std::string_view sso_url,
                               std::string_view certificate_base64) {
  auto doc = xml::Document::create(kMetadataNs, "md", "EntityDescriptor");
  xml::Element entity = doc.root();
  entity.declare_namespace(xml::kXmlDsigNs, "ds");
  entity.set_attribute("entityID", entity_id);

  xml::Element idp = entity.append_child(kMetadataNs, "md", "IDPSSODescriptor");
  idp.set_attribute("WantAuthnRequestsSigned", "false");
  idp.set_attribute("protocolSupportEnumeration", kProtocolNs);

  xml::Element key = idp.append_child(kMetadataNs, "md", "KeyDescriptor");
  key.set_attribute("use", "signing");
  xml::Element x509 = key.append_child(xml::kXmlDsigNs, "ds", "KeyInfo")
                          .append_child(xml::kXmlDsigNs, "ds", "X509Data");
  x509.append_text_child(xml::kXmlDsigNs, "ds", "X509Certificate", certificate_base64);

  // Element order follows SSODescriptorType and IDPSSODescriptorType (SAML Metadata 2.4.2,
  // 2.4.3): KeyDescriptor, NameIDFormat, then SingleSignOnService.
  idp.append_text_child(kMetadataNs, "md", "NameIDFormat", kNameIdPersistent);
  idp.append_text_child(kMetadataNs, "md", "NameIDFormat", kNameIdTransient);
  xml::Element sso = idp.append_child(kMetadataNs, "md", "SingleSignOnService");
  sso.set_attribute("Binding", kHttpRedirectBinding);
  sso.set_attribute("Location", sso_url);
  return doc.to_string();
}

}  // namespace careid::federation::saml
