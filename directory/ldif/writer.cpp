#include "directory/ldif/writer.h"

#include <sstream>

#include "directory/ldif/base64.h"
#include "directory/ldif/parser.h"

namespace careid::directory::ldif {

namespace {

Status check_descriptions(const std::vector<Attribute>& attributes) {
  for (const Attribute& attribute : attributes) {
    if (!detail::is_attribute_description(attribute.description)) {
      return Status::invalid_argument("cannot write attribute description '" +
                                      attribute.description + "' to LDIF");
    }
  }
  return Status::ok_status();
}

std::string_view modification_keyword(ModificationType type) {
  switch (type) {
    case ModificationType::kAdd:
      return "add";
    case ModificationType::kDelete:
      return "delete";
    case ModificationType::kReplace:
      return "replace";
    case ModificationType::kIncrement:
      return "increment";
  }
  return "replace";
}

}  // namespace

bool is_safe_string(std::string_view value) {
  if (value.empty()) {
    return true;
  }
  char first = value.front();
  if (first == ' ' || first == ':' || first == '<' || value.back() == ' ') {
    return false;
  }
  // Control characters are SAFE-CHARs in RFC 2849 but are encoded too, so that the
  // output survives text tools and terminals unchanged.
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      return false;
    }
  }
  return true;
}

Writer::Writer(std::ostream& output, WriterOptions options) : output_(output), options_(options) {
  if (options_.fold_column == 1) {
    options_.fold_column = 2;
  }
}

void Writer::write_text_line(std::string_view line) {
  const std::size_t width = options_.fold_column;
  if (width == 0 || line.size() <= width) {
    output_ << line << '\n';
    return;
  }

  // RFC 2849 note 2: a continuation line starts with one space that the reader drops.
  output_ << line.substr(0, width) << '\n';
  line.remove_prefix(width);
  while (!line.empty()) {
    std::string_view part = line.substr(0, width - 1);
    output_ << ' ' << part << '\n';
    line.remove_prefix(part.size());
  }
}

void Writer::write_line(std::string_view description, std::string_view value) {
  std::string line(description);
  if (value.empty()) {
    line += ':';
  } else if (is_safe_string(value)) {
    line += ": ";
    line += value;
  } else {
    line += ":: ";
    line += base64_encode(value);
  }
  write_text_line(line);
}

Status Writer::begin_record() {
  if (first_record_ && options_.version_header) {
    output_ << "version: 1\n\n";
  } else if (!first_record_) {
    output_ << '\n';
  }
  first_record_ = false;
  return output_ ? Status::ok_status() : Status::io_error("cannot write LDIF output");
}

Status Writer::finish_record() {
  return output_ ? Status::ok_status() : Status::io_error("cannot write LDIF output");
}

Status Writer::write(const Entry& entry) {
  CAREID_RETURN_IF_ERROR(check_descriptions(entry.attributes));
  CAREID_RETURN_IF_ERROR(begin_record());

  write_line("dn", entry.dn);
  for (const Attribute& attribute : entry.attributes) {
    for (const std::string& value : attribute.values) {
      write_line(attribute.description, value);
    }
  }
  return finish_record();
}

void Writer::write_controls(const ChangeRecord& record) {
  for (const Control& control : record.controls) {
    std::string text = control.oid;
    text += control.critical ? " true" : " false";
    if (control.value) {
      // The control value follows the same ":"/"::" rule as attribute values.
      text += is_safe_string(*control.value) ? ": " + *control.value
                                             : ":: " + base64_encode(*control.value);
    }
    write_text_line("control: " + text);
  }
}

Status Writer::write_change_body(const ChangeRecord& record) {
  switch (record.type) {
    case ChangeType::kAdd:
      write_text_line("changetype: add");
      for (const Attribute& attribute : record.attributes) {
        for (const std::string& value : attribute.values) {
          write_line(attribute.description, value);
        }
      }
      break;
    case ChangeType::kDelete:
      write_text_line("changetype: delete");
      break;
    case ChangeType::kModify:
      write_text_line("changetype: modify");
      for (const Modification& modification : record.modifications) {
        write_line(modification_keyword(modification.type), modification.attribute.description);
        for (const std::string& value : modification.attribute.values) {
          write_line(modification.attribute.description, value);
        }
        write_text_line("-");
      }
      break;
    case ChangeType::kModDn:
      write_text_line("changetype: modrdn");
      write_line("newrdn", record.new_rdn);
      write_text_line(record.delete_old_rdn ? "deleteoldrdn: 1" : "deleteoldrdn: 0");
      if (record.new_superior) {
        write_line("newsuperior", *record.new_superior);
      }
      break;
  }
  return finish_record();
}

Status Writer::write(const ChangeRecord& record) {
  CAREID_RETURN_IF_ERROR(check_descriptions(record.attributes));
  for (const Modification& modification : record.modifications) {
    if (!detail::is_attribute_description(modification.attribute.description)) {
      return Status::invalid_argument("cannot write attribute description '" +
                                      modification.attribute.description + "' to LDIF");
    }
  }
  for (const Control& control : record.controls) {
    if (!detail::is_numeric_oid(control.oid)) {
      return Status::invalid_argument("cannot write control OID '" + control.oid + "' to LDIF");
    }
  }
  CAREID_RETURN_IF_ERROR(begin_record());

  write_line("dn", record.dn);
  write_controls(record);
  return write_change_body(record);
}

Result<std::string> to_ldif(const Entry& entry, std::size_t fold_column) {
  std::ostringstream text;
  Writer writer(text, WriterOptions{false, fold_column});
  CAREID_RETURN_IF_ERROR(writer.write(entry));
  return text.str();
}

}  // namespace careid::directory::ldif
