// Reading schema definitions from files in OpenLDAP's slapd.conf schema format.
//
// A file contains statements, each a keyword and an RFC 4512 4.1 description:
//   attributetype ( 2.5.4.3 NAME ( 'cn' 'commonName' ) SUP name )
//   objectclass ( 2.5.6.6 NAME 'person' SUP top STRUCTURAL MUST ( sn $ cn ) )
//   ldapsyntax ( 1.3.6.1.4.1.1466.115.121.1.15 DESC 'Directory String' )
//   matchingrule ( 2.5.13.2 NAME 'caseIgnoreMatch' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
//   ditcontentrule ( 2.5.6.5 NAME 'ouRule' AUX pkiUser NOT telephoneNumber )
// Keywords ignore case. A line starting with '#' is a comment, a line starting with a space
// or tab continues the statement above, and blank lines are ignored. "matchingrule" is a
// careid extension (slapd builds its rules in); OpenLDAP's "objectidentifier" macros are
// not supported and are reported as errors.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "directory/schema/schema.h"

namespace careid::directory::schema {

// Parses the statements in `text` and adds them to `builder`, recording each as
// "<file_name>:<line>". InvalidArgument names the file, the line where the statement
// starts and the problem; nothing from a failing text is added after the failing statement.
Status add_schema_text(std::string_view text, std::string_view file_name, SchemaBuilder& builder);

// Reads one file as add_schema_text does. IoError when it cannot be read.
Status add_schema_file(const std::filesystem::path& path, SchemaBuilder& builder);

// Loads every "*.schema" file directly in `directory`, in byte order of file name, and builds
// the Schema. Because references are resolved only after all files are read, the order
// matters only for which of two duplicate definitions is reported. Fails with IoError when
// the directory cannot be listed or contains no schema file, and with the errors of
// add_schema_file and SchemaBuilder::build.
Result<std::shared_ptr<const Schema>> load_schema_directory(const std::filesystem::path& directory);

}  // namespace careid::directory::schema
