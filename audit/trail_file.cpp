#include "audit/trail_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "audit/record.h"
#include "pki/digest.h"
#include "pki/encoding.h"
#include "pki/files.h"

namespace careid::audit {

namespace fs = std::filesystem;

namespace {

// Digits of a rotated file's suffix: "<file>.000001".
constexpr std::size_t kRotatedDigits = 6;

// Returns the rotated files of `file` by number.
std::map<std::uint64_t, fs::path> rotated_files(const fs::path& file) {
  std::map<std::uint64_t, fs::path> found;
  std::error_code error;
  std::string prefix = file.filename().string() + ".";
  for (const auto& entry : fs::directory_iterator(file.parent_path(), error)) {
    std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + kRotatedDigits || !name.starts_with(prefix)) {
      continue;
    }
    std::string digits = name.substr(prefix.size());
    if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      found[std::stoull(digits)] = entry.path();
    }
  }
  return found;
}

// Returns the last line of `file` without its newline, or empty for an empty file.
Result<std::string> read_last_line(const fs::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) {
    return Status::io_error("cannot read audit log " + file.string());
  }
  std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
  std::uint64_t start = size > kMaxRecordBytes + 1 ? size - kMaxRecordBytes - 1 : 0;
  std::string tail(size - start, '\0');
  in.seekg(static_cast<std::streamoff>(start));
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  if (!tail.empty() && tail.back() == '\n') {
    tail.pop_back();
  }
  std::size_t newline = tail.rfind('\n');
  if (newline == std::string::npos && start != 0) {
    return Status::corruption("audit log " + file.string() + ": the last record is longer than " +
                              std::to_string(kMaxRecordBytes) + " bytes; run careidctl audit verify");
  }
  return newline == std::string::npos ? tail : tail.substr(newline + 1);
}

Result<ChainTail> parse_tail(const std::string& line, const fs::path& file) {
  auto bad = [&] {
    return Status::corruption("audit log " + file.string() +
                              ": the last record does not parse; run careidctl audit verify to find the damage");
  };
  nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
  if (!object.is_object() || !object.contains("seq") || !object["seq"].is_number_unsigned() ||
      !object.contains("hash") || !object["hash"].is_string() || !object.contains("alg") ||
      !object["alg"].is_string()) {
    return bad();
  }
  return ChainTail{object["seq"].get<std::uint64_t>(), object["hash"].get<std::string>(),
                   object["alg"].get<std::string>()};
}

}  // namespace

std::vector<fs::path> trail_files(const fs::path& file) {
  std::vector<fs::path> files;
  for (auto& [number, path] : rotated_files(file)) {
    files.push_back(path);
  }
  std::error_code error;
  if (fs::exists(file, error)) {
    files.push_back(file);
  }
  return files;
}

Result<ChainTail> read_chain_tail(const fs::path& file) {
  std::vector<fs::path> files = trail_files(file);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    Result<std::string> line = read_last_line(*it);
    if (!line.ok()) {
      return line.status();
    }
    if (!line->empty()) {
      return parse_tail(*line, *it);
    }
  }
  return ChainTail{0, std::string(kGenesisHash), ""};
}

Result<std::uint64_t> cut_torn_tail(int fd, const fs::path& file) {
  struct stat info{};
  if (::fstat(fd, &info) != 0) {
    return Status::io_error("cannot stat " + file.string() + ": " + std::strerror(errno));
  }
  std::uint64_t size = static_cast<std::uint64_t>(info.st_size);
  if (size == 0) {
    return std::uint64_t{0};
  }

  // Reads backwards in blocks until the last newline. With no newline, the whole file is torn.
  std::ifstream in(file, std::ios::binary);
  std::uint64_t end = size;
  std::string block;
  while (end > 0) {
    std::uint64_t start = end > 4096 ? end - 4096 : 0;
    block.assign(end - start, '\0');
    in.seekg(static_cast<std::streamoff>(start));
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (!in) {
      return Status::io_error("cannot read audit log " + file.string());
    }
    std::size_t newline = block.rfind('\n');
    if (newline != std::string::npos) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end == size) {
    return std::uint64_t{0};
  }
  if (::ftruncate(fd, static_cast<off_t>(end)) != 0 || ::fdatasync(fd) != 0) {
    return Status::io_error("cannot cut the torn tail of " + file.string() + ": " + std::strerror(errno));
  }
  return size - end;
}

fs::path next_rotated_name(const fs::path& file) {
  std::map<std::uint64_t, fs::path> rotated = rotated_files(file);
  std::uint64_t next = rotated.empty() ? 1 : rotated.rbegin()->first + 1;
  std::string digits = std::to_string(next);
  if (digits.size() < kRotatedDigits) {
    digits.insert(0, kRotatedDigits - digits.size(), '0');
  }
  return fs::path(file.string() + "." + digits);
}

Result<std::string> read_or_create_hmac_key(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) {
    Result<pki::Bytes> random = pki::random_bytes(kMinHmacKeyBytes);
    if (!random.ok()) {
      return random.status();
    }
    fs::create_directories(path.parent_path(), error);
    Status written = pki::write_private_file(path, pki::hex_encode(*random) + "\n");
    if (!written.ok() && written.code() != StatusCode::kAlreadyExists) {
      return written.with_context("creating the audit HMAC key");
    }
  }

  return read_hmac_key(path);
}

Result<std::string> read_hmac_key(const fs::path& path) {
  Result<std::string> key = pki::read_private_file(path);
  if (!key.ok()) {
    return key.status().with_context("reading audit.hmac_key_file");
  }
  while (!key->empty() && (key->back() == '\n' || key->back() == '\r')) {
    key->pop_back();
  }
  if (key->size() < kMinHmacKeyBytes) {
    return Status::invalid_argument("audit.hmac_key_file " + path.string() + ": the key has " +
                                    std::to_string(key->size()) + " bytes; use at least " +
                                    std::to_string(kMinHmacKeyBytes));
  }
  return std::move(*key);
}

}  // namespace careid::audit
