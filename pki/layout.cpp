#include "pki/layout.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <sys/stat.h>

#include "pki/ca.h"

namespace careid::pki {

namespace {

Status make_private_directory(const std::filesystem::path& path) {
  if (::mkdir(path.c_str(), S_IRWXU) == 0 || errno == EEXIST) {
    if (!std::filesystem::is_directory(path)) {
      return Status::io_error("cannot create folder " + path.string() +
                              ": a file of that name exists");
    }
    return Status::ok_status();
  }
  return Status::io_error("cannot create folder " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Result<std::filesystem::path> PkiLayout::card_file(std::string_view uid,
                                                   std::string_view suffix) const {
  if (!is_valid_card_uid(uid)) {
    return Status::invalid_argument("invalid card uid '" + std::string(uid) +
                                    "': expected exactly 12 digits");
  }
  return cards_dir() / (std::string(uid) + std::string(suffix));
}

Result<std::filesystem::path> PkiLayout::card_certificate(std::string_view uid) const {
  return card_file(uid, ".pem");
}

Result<std::filesystem::path> PkiLayout::card_key(std::string_view uid) const {
  return card_file(uid, ".key");
}

Result<std::filesystem::path> PkiLayout::card_pkcs12(std::string_view uid) const {
  return card_file(uid, ".p12");
}

Status PkiLayout::create_directories() const {
  std::error_code error;
  std::filesystem::create_directories(dir_.parent_path(), error);
  if (error) {
    return Status::io_error("cannot create folder " + dir_.parent_path().string() + ": " +
                            error.message());
  }
  CAREID_RETURN_IF_ERROR(make_private_directory(dir_));
  return make_private_directory(cards_dir());
}

}  // namespace careid::pki
