#include "directory/engine/special_entries.h"

#include "directory/engine/naming.h"

namespace careid::directory::engine {
namespace {

bool is_name_of(const schema::Schema& schema, std::string_view text, std::string_view wanted) {
  auto a = name_dn(schema, text);
  auto b = name_dn(schema, wanted);
  return a.ok() && b.ok() && a->normalised == b->normalised;
}

Entry root_dse(const DirectoryOptions& options) {
  Entry entry;
  entry.add_value("objectClass", "top");
  for (const std::string& suffix : options.suffixes) {
    entry.add_value("namingContexts", suffix);
  }
  entry.add_value("supportedLDAPVersion", "3");
  entry.add_value("supportedControl", std::string(kManageDsaItOid));
  entry.add_value("supportedExtension", std::string(kWhoAmIOid));
  entry.add_value("supportedFeatures", "1.3.6.1.4.1.4203.1.5.1");  // "+" selects all operational (RFC 3673)
  entry.add_value("supportedFeatures", "1.3.6.1.4.1.4203.1.5.3");  // "(&)" and "(|)" (RFC 4526)
  entry.add_value("subschemaSubentry", std::string(kSubschemaDn));
  entry.add_value("vendorName", "careid");
  entry.add_value("vendorVersion", "careid 0.1.0");
  return entry;
}

Entry subschema(const schema::Schema& schema) {
  Entry entry;
  entry.dn = std::string(kSubschemaDn);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "subentry");
  entry.add_value("objectClass", "subschema");
  entry.add_value("cn", "Subschema");

  schema::SubschemaValues values = schema.render_subschema();
  entry.attributes.push_back(Attribute{"ldapSyntaxes", std::move(values.ldap_syntaxes)});
  entry.attributes.push_back(Attribute{"matchingRules", std::move(values.matching_rules)});
  entry.attributes.push_back(Attribute{"attributeTypes", std::move(values.attribute_types)});
  entry.attributes.push_back(Attribute{"objectClasses", std::move(values.object_classes)});
  return entry;
}

}  // namespace

std::optional<Entry> special_entry(const schema::Schema& schema, const DirectoryOptions& options,
                                   std::string_view base, protocol::SearchScope scope) {
  if (scope != protocol::SearchScope::kBaseObject) {
    return std::nullopt;
  }
  if (base.find_first_not_of(' ') == std::string_view::npos) {
    return root_dse(options);
  }
  if (is_name_of(schema, base, kSubschemaDn)) {
    return subschema(schema);
  }
  return std::nullopt;
}

std::vector<Attribute> computed_operational_attributes(const schema::Schema& schema, const Entry& entry,
                                                       bool has_children) {
  std::vector<Attribute> attributes;
  if (schema.find_attribute_type("entryDN") != nullptr) {
    attributes.push_back(Attribute{"entryDN", {entry.dn}});
  }
  if (schema.find_attribute_type("hasSubordinates") != nullptr) {
    attributes.push_back(Attribute{"hasSubordinates", {has_children ? "TRUE" : "FALSE"}});
  }
  attributes.push_back(Attribute{"subschemaSubentry", {std::string(kSubschemaDn)}});
  return attributes;
}

}  // namespace careid::directory::engine
