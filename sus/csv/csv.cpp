#include "sus/csv/csv.h"

#include <fstream>

namespace careid::sus::csv {

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return Status::io_error("cannot read " + path.string() + ": " + ec.message());
  }
  if (size > max_bytes) {
    return Status::resource_exhausted(path.string() + " is " + std::to_string(size) +
                                      " bytes, more than the limit of " + std::to_string(max_bytes));
  }

  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(size))) {
    return Status::io_error("cannot read " + path.string());
  }
  return text;
}

Cursor::Cursor(std::string_view text) : text_(text) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
    pos_ = 3;
  }
}

Result<bool> Cursor::next(std::vector<std::string_view>& fields) {
  fields.clear();
  unescaped_.clear();
  if (pos_ >= text_.size()) {
    return false;
  }
  record_line_ = line_;

  while (true) {
    std::string_view field;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      Status status = parse_quoted(fields.size(), field);
      if (!status.ok()) {
        return status;
      }
    } else {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') {
        ++pos_;
      }
      field = text_.substr(start, pos_ - start);
      if (pos_ < text_.size() && text_[pos_] == '\n' && !field.empty() && field.back() == '\r') {
        field.remove_suffix(1);
      }
    }
    fields.push_back(field);

    if (pos_ >= text_.size()) {
      return true;
    }
    if (text_[pos_] == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    ++pos_;  // the comma
  }
}

Status Cursor::parse_quoted(std::size_t field_index, std::string_view& field) {
  const std::size_t start_line = line_;
  ++pos_;  // the opening quote
  const std::size_t start = pos_;
  bool has_escapes = false;
  while (true) {
    if (pos_ >= text_.size()) {
      return Status::invalid_argument("line " + std::to_string(start_line) + ", column " +
                                      std::to_string(field_index + 1) + ": unterminated quoted field");
    }
    const char c = text_[pos_];
    if (c == '\n') {
      ++line_;
    }
    if (c == '"') {
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
        has_escapes = true;
        pos_ += 2;
        continue;
      }
      break;
    }
    ++pos_;
  }
  field = text_.substr(start, pos_ - start);
  ++pos_;  // the closing quote

  // RFC 4180 section 2 rule 7: a quote inside a quoted field is doubled.
  if (has_escapes) {
    std::string copy;
    for (std::size_t i = 0; i < field.size(); ++i) {
      copy.push_back(field[i]);
      if (field[i] == '"') {
        ++i;
      }
    }
    unescaped_.push_back(std::move(copy));
    field = unescaped_.back();
  }

  // Only a separator or the end of the record may follow the closing quote.
  if (pos_ < text_.size() && text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
    ++pos_;
  }
  if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') {
    const std::size_t bad_line = line_;
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      ++pos_;
    }
    if (pos_ < text_.size()) {
      ++pos_;
      ++line_;
    }
    return Status::invalid_argument("line " + std::to_string(bad_line) + ", column " +
                                    std::to_string(field_index + 1) +
                                    ": unexpected character after a closing quote");
  }
  return Status::ok_status();
}

std::string normalise_header(std::string_view header) {
  std::string out;
  bool pending_space = false;
  for (char c : header) {
    if (c == ' ' || c == '_' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace careid::sus::csv
