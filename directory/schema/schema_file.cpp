#include "directory/schema/schema_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "base/log.h"

namespace careid::directory::schema {
namespace {

struct Statement {
  std::size_t line = 0;  // 1-based line where the statement starts
  std::string keyword;
  std::string body;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Joins continuation lines onto the statement they continue (slapd.conf(5) format).
std::vector<Statement> split_statements(std::string_view text) {
  std::vector<Statement> statements;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    ++line_number;
    start = end + 1;

    const bool blank = line.find_first_not_of(" \t") == std::string_view::npos;
    if (blank || line.front() == '#') {
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !statements.empty()) {
      statements.back().body += ' ';
      statements.back().body += line;
      continue;
    }

    const std::size_t space = line.find_first_of(" \t");
    Statement statement;
    statement.line = line_number;
    statement.keyword = lower(line.substr(0, space));
    statement.body =
        space == std::string_view::npos ? std::string() : std::string(line.substr(space));
    statements.push_back(std::move(statement));
  }
  return statements;
}

template <class Definition>
Status add_parsed(Result<Definition> parsed, const std::string& source, SchemaBuilder& builder) {
  if (!parsed.ok()) {
    return Status::invalid_argument(source + ": " + parsed.status().message());
  }
  builder.add(std::move(parsed).value(), source);
  return Status::ok_status();
}

}  // namespace

Status add_schema_text(std::string_view text, std::string_view file_name, SchemaBuilder& builder) {
  for (const Statement& statement : split_statements(text)) {
    const std::string source = std::string(file_name) + ":" + std::to_string(statement.line);
    if (statement.keyword == "attributetype") {
      CAREID_RETURN_IF_ERROR(add_parsed(parse_attribute_type(statement.body), source, builder));
    } else if (statement.keyword == "objectclass") {
      CAREID_RETURN_IF_ERROR(add_parsed(parse_object_class(statement.body), source, builder));
    } else if (statement.keyword == "ldapsyntax") {
      CAREID_RETURN_IF_ERROR(add_parsed(parse_syntax(statement.body), source, builder));
    } else if (statement.keyword == "matchingrule") {
      CAREID_RETURN_IF_ERROR(add_parsed(parse_matching_rule(statement.body), source, builder));
    } else if (statement.keyword == "ditcontentrule") {
      CAREID_RETURN_IF_ERROR(add_parsed(parse_dit_content_rule(statement.body), source, builder));
    } else {
      return Status::invalid_argument(
          source + ": unknown statement '" + statement.keyword +
          "'; expected attributetype, objectclass, ldapsyntax, matchingrule or ditcontentrule");
    }
  }
  return Status::ok_status();
}

Status add_schema_file(const std::filesystem::path& path, SchemaBuilder& builder) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::io_error("cannot open schema file " + path.string());
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return Status::io_error("cannot read schema file " + path.string());
  }
  return add_schema_text(contents.str(), path.filename().string(), builder);
}

Result<std::shared_ptr<const Schema>> load_schema_directory(
    const std::filesystem::path& directory) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".schema") {
      files.push_back(it->path());
    }
  }
  if (error) {
    return Status::io_error("cannot list schema directory " + directory.string() + ": " +
                            error.message());
  }
  if (files.empty()) {
    return Status::io_error("no *.schema files in " + directory.string());
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return a.filename().string() < b.filename().string();
  });

  SchemaBuilder builder;
  for (const std::filesystem::path& file : files) {
    CAREID_RETURN_IF_ERROR(add_schema_file(file, builder));
  }
  Result<std::shared_ptr<const Schema>> schema = builder.build();
  if (schema.ok()) {
    careid::log::get("directory")
        ->info("schema loaded path={} files={} attribute_types={} object_classes={}",
               directory.string(), files.size(), (*schema)->attribute_types().size(),
               (*schema)->object_classes().size());
  }
  return schema;
}

}  // namespace careid::directory::schema
