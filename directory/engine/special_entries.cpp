#include "directory/engine/special_entries.h"

#include <array>
#include <chrono>
#include <ctime>

#include "directory/engine/naming.h"
#include "directory/protocol/controls.h"

namespace careid::directory::engine {
namespace {

// GeneralizedTime (RFC 4517 3.3.13) of the moment this process started.
const std::string& start_time() {
  static const std::string text = [] {
    std::time_t seconds = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::array<char, 32> buffer{};
    std::strftime(buffer.data(), buffer.size(), "%Y%m%d%H%M%SZ", &utc);
    return std::string(buffer.data());
  }();
  return text;
}

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
  for (std::string_view oid : protocol::supported_control_oids()) {
    entry.add_value("supportedControl", std::string(oid));
  }
  entry.add_value("supportedExtension", std::string(kWhoAmIOid));
  entry.add_value("supportedExtension", std::string(protocol::kPasswordModifyOid));
  entry.add_value("supportedExtension", "1.3.6.1.1.8");  // Cancel (RFC 3909)
  if (options.tls_enabled) {
    entry.add_value("supportedExtension", "1.3.6.1.4.1.1466.20037");  // StartTLS (RFC 4511 4.14)
    entry.add_value("supportedSASLMechanisms", "EXTERNAL");          // RFC 4422 Appendix A
  }
  entry.add_value("supportedFeatures", "1.3.6.1.4.1.4203.1.5.1");  // "+" selects all operational (RFC 3673)
  entry.add_value("supportedFeatures", "1.3.6.1.4.1.4203.1.5.3");  // "(&)" and "(|)" (RFC 4526)
  entry.add_value("subschemaSubentry", std::string(kSubschemaDn));
  entry.add_value("vendorName", "careid");
  entry.add_value("vendorVersion", "careid 0.1.0");
  entry.add_value("entryDN", "");
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
  entry.attributes.push_back(Attribute{"matchingRuleUse", std::move(values.matching_rule_uses)});
  entry.attributes.push_back(Attribute{"attributeTypes", std::move(values.attribute_types)});
  entry.attributes.push_back(Attribute{"objectClasses", std::move(values.object_classes)});
  entry.attributes.push_back(Attribute{"dITContentRules", std::move(values.dit_content_rules)});
  std::erase_if(entry.attributes, [](const Attribute& a) { return a.values.empty(); });

  entry.add_value("createTimestamp", start_time());
  entry.add_value("modifyTimestamp", start_time());
  entry.add_value("entryDN", std::string(kSubschemaDn));
  entry.add_value("subschemaSubentry", std::string(kSubschemaDn));
  return entry;
}

// The most specific structural class among the entry's object classes (RFC 4512 2.4.2),
// or null when the schema defines none of them.
const schema::ObjectClass* structural_class(const schema::Schema& schema, const Entry& entry) {
  const Attribute* classes = entry.find("objectClass");
  const schema::ObjectClass* structural = nullptr;
  if (classes == nullptr) {
    return nullptr;
  }
  for (const std::string& value : classes->values) {
    const schema::ObjectClass* oc = schema.find_object_class(value);
    if (oc != nullptr && oc->kind() == schema::ObjectClassKind::kStructural &&
        (structural == nullptr || oc->is_subclass_of(*structural))) {
      structural = oc;
    }
  }
  return structural;
}

std::string count_children(const storage::Transaction& txn, storage::EntryId id) {
  auto children = txn.child_count(id);
  return children.ok() ? std::to_string(*children) : "0";
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
                                                       const storage::Transaction& txn, storage::EntryId id,
                                                       const Selection& selection) {
  std::vector<Attribute> attributes;
  if (schema.find_attribute_type("entryDN") != nullptr) {
    attributes.push_back(Attribute{"entryDN", {entry.dn}});
  }
  if (schema.find_attribute_type("hasSubordinates") != nullptr) {
    auto has_children = txn.has_children(id);
    attributes.push_back(Attribute{"hasSubordinates", {has_children.ok() && *has_children ? "TRUE" : "FALSE"}});
  }
  if (schema.find_attribute_type("numSubordinates") != nullptr &&
      selects_operational(schema, selection, "numSubordinates")) {
    attributes.push_back(Attribute{"numSubordinates", {count_children(txn, id)}});
  }
  const schema::ObjectClass* structural = structural_class(schema, entry);
  if (structural != nullptr && entry.find("structuralObjectClass") == nullptr &&
      schema.find_attribute_type("structuralObjectClass") != nullptr) {
    attributes.push_back(Attribute{"structuralObjectClass", {structural->name()}});
  }
  attributes.push_back(Attribute{"subschemaSubentry", {std::string(kSubschemaDn)}});
  return attributes;
}

}  // namespace careid::directory::engine
