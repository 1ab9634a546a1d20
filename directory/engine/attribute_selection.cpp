#include "directory/engine/attribute_selection.h"

#include "directory/engine/attribute_description.h"

namespace careid::directory::engine {
namespace {

bool is_named(const schema::Schema& schema, const Selection& selection, std::string_view stored) {
  for (const std::string& name : selection.named) {
    auto wanted = parse_description(schema, name);
    if (wanted.ok() && selects(schema, *wanted, stored) != nullptr) {
      return true;
    }
  }
  return false;
}

bool is_operational(const schema::Schema& schema, std::string_view description) {
  const schema::AttributeType* type = schema.find_attribute_type(description.substr(0, description.find(';')));
  return type != nullptr && type->is_operational();
}

void append(protocol::SearchResultEntry& out, const Attribute& attribute, bool types_only) {
  protocol::PartialAttribute partial;
  partial.type = attribute.description;
  if (!types_only) {
    partial.values = attribute.values;
  }
  out.attributes.push_back(std::move(partial));
}

// Appends `attribute` as append does, moving its values instead of copying them.
void take(protocol::SearchResultEntry& out, Attribute& attribute, bool types_only) {
  protocol::PartialAttribute partial;
  partial.type = attribute.description;
  if (!types_only) {
    partial.values = std::move(attribute.values);
  }
  out.attributes.push_back(std::move(partial));
}

}  // namespace

Selection parse_selection(const std::vector<std::string>& requested) {
  Selection selection;
  if (requested.empty()) {
    selection.all_user = true;
    return selection;
  }
  for (const std::string& name : requested) {
    if (name == "*") {
      selection.all_user = true;
    } else if (name == "+") {
      selection.all_operational = true;
    } else if (name != "1.1") {
      selection.named.push_back(name);
    }
  }
  return selection;
}

bool selects_operational(const schema::Schema& schema, const Selection& selection, std::string_view name) {
  return selection.all_operational || is_named(schema, selection, name);
}

namespace {

// Whether `selection` returns the stored attribute `attribute`, before access checks.
bool wanted(const schema::Schema& schema, const Selection& selection, const Attribute& attribute,
            bool show_passwords) {
  const std::string_view description = attribute.description;
  if (!show_passwords &&
      equals_ignore_case(description.substr(0, description.find(';')), "userPassword")) {
    return false;
  }
  if (is_operational(schema, description)) {
    return selection.all_operational || is_named(schema, selection, description);
  }
  return selection.all_user || is_named(schema, selection, description);
}

}  // namespace

protocol::SearchResultEntry select_attributes(const schema::Schema& schema, const Entry& entry,
                                              const std::vector<Attribute>& operational,
                                              const Selection& selection, bool types_only,
                                              bool show_passwords) {
  protocol::SearchResultEntry out;
  out.object_name = entry.dn;
  for (const Attribute& attribute : entry.attributes) {
    if (wanted(schema, selection, attribute, show_passwords)) {
      append(out, attribute, types_only);
    }
  }

  for (const Attribute& attribute : operational) {
    if (selection.all_operational || is_named(schema, selection, attribute.description)) {
      append(out, attribute, types_only);
    }
  }
  return out;
}

protocol::SearchResultEntry take_selected_attributes(
    const schema::Schema& schema, Entry& entry, const std::vector<Attribute>& operational,
    const Selection& selection, bool types_only, bool show_passwords,
    const std::function<bool(std::string_view description)>& readable) {
  // Every decision first, while `entry` is whole.
  std::vector<bool> keep(entry.attributes.size());
  for (std::size_t i = 0; i < entry.attributes.size(); ++i) {
    const Attribute& attribute = entry.attributes[i];
    keep[i] = wanted(schema, selection, attribute, show_passwords) && readable(attribute.description);
  }

  protocol::SearchResultEntry out;
  out.object_name = std::move(entry.dn);
  for (std::size_t i = 0; i < entry.attributes.size(); ++i) {
    if (keep[i]) {
      take(out, entry.attributes[i], types_only);
    }
  }

  for (const Attribute& attribute : operational) {
    if ((selection.all_operational || is_named(schema, selection, attribute.description)) &&
        readable(attribute.description)) {
      append(out, attribute, types_only);
    }
  }
  return out;
}

}  // namespace careid::directory::engine
