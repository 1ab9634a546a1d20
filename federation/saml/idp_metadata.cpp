#include "federation/saml/idp_metadata.h"

#include "federation/saml/artifact_resolve.h"
#include "federation/saml/response_builder.h"
#include "federation/saml/saml_names.h"
#include "xml/document.h"

namespace careid::federation::saml {

namespace {

void append_signing_key(xml::Element& idp, std::string_view certificate_base64) {
  xml::Element key = idp.append_child(kMetadataNs, "md", "KeyDescriptor");
  key.set_attribute("use", "signing");
  xml::Element x509 = key.append_child(xml::kXmlDsigNs, "ds", "KeyInfo")
                          .append_child(xml::kXmlDsigNs, "ds", "X509Data");
  x509.append_text_child(xml::kXmlDsigNs, "ds", "X509Certificate", certificate_base64);
}

xml::Document metadata_document(std::string_view entity_id, std::string_view sso_url,
                                std::string_view certificate_base64, std::string_view slo_url,
                                const std::vector<std::string>& additional_certificates,
                                std::string_view artifact_resolution_url) {
  auto doc = xml::Document::create(kMetadataNs, "md", "EntityDescriptor");
  xml::Element entity = doc.root();
  entity.declare_namespace(xml::kXmlDsigNs, "ds");
  entity.set_attribute("entityID", entity_id);

  xml::Element idp = entity.append_child(kMetadataNs, "md", "IDPSSODescriptor");
  idp.set_attribute("WantAuthnRequestsSigned", "false");
  idp.set_attribute("protocolSupportEnumeration", kProtocolNs);

  append_signing_key(idp, certificate_base64);
  for (const std::string& additional : additional_certificates) {
    append_signing_key(idp, additional);
  }

  // Element order follows SSODescriptorType and IDPSSODescriptorType (SAML Metadata 2.4.2,
  // 2.4.3): KeyDescriptor, ArtifactResolutionService, SingleLogoutService, NameIDFormat,
  // then SingleSignOnService.
  if (!artifact_resolution_url.empty()) {
    xml::Element service = idp.append_child(kMetadataNs, "md", "ArtifactResolutionService");
    service.set_attribute("Binding", kSoapBinding);
    service.set_attribute("Location", artifact_resolution_url);
    service.set_attribute("index", std::to_string(kArtifactResolutionIndex));
    service.set_attribute("isDefault", "true");
  }
  if (!slo_url.empty()) {
    for (std::string_view binding : {kHttpRedirectBinding, kHttpPostBinding}) {
      xml::Element slo = idp.append_child(kMetadataNs, "md", "SingleLogoutService");
      slo.set_attribute("Binding", binding);
      slo.set_attribute("Location", slo_url);
    }
  }
  idp.append_text_child(kMetadataNs, "md", "NameIDFormat", kNameIdPersistent);
  idp.append_text_child(kMetadataNs, "md", "NameIDFormat", kNameIdTransient);
  idp.append_text_child(kMetadataNs, "md", "NameIDFormat", kNameIdEmail);
  for (std::string_view binding : {kHttpRedirectBinding, kHttpPostBinding}) {
    xml::Element sso = idp.append_child(kMetadataNs, "md", "SingleSignOnService");
    sso.set_attribute("Binding", binding);
    sso.set_attribute("Location", sso_url);
  }
  return doc;
}

}  // namespace

std::string build_idp_metadata(std::string_view entity_id, std::string_view sso_url,
                               std::string_view certificate_base64, std::string_view slo_url,
                               const std::vector<std::string>& additional_certificates,
                               std::string_view artifact_resolution_url) {
  return metadata_document(entity_id, sso_url, certificate_base64, slo_url, additional_certificates,
                           artifact_resolution_url)
      .to_string();
}

Result<std::string> build_signed_idp_metadata(std::string_view entity_id,
                                              std::string_view sso_url,
                                              const xml::SigningKey& key,
                                              std::string_view slo_url,
                                              const std::vector<std::string>& additional_certificates,
                                              std::string_view artifact_resolution_url) {
  Result<std::string> id = random_id();
  if (!id.ok()) {
    return id.status();
  }
  xml::Document doc =
      metadata_document(entity_id, sso_url, key.certificate_base64(), slo_url,
                        additional_certificates, artifact_resolution_url);
  doc.root().set_attribute("ID", *id);
  Status signed_status = xml::sign_enveloped(doc, doc.root(), xml::Element(), key);
  if (!signed_status.ok()) {
    return signed_status.with_context("signing the IdP metadata");
  }
  return doc.to_string();
}

}  // namespace careid::federation::saml
