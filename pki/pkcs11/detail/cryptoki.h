// The Cryptoki declarations and the loaded module's function table. Internal to
// pki/pkcs11: only its .cpp files include this header (and with it p11-kit's pkcs11.h, in
// its compatibility mode, which uses the OASIS names CK_ATTRIBUTE, pValue, ...).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <p11-kit/pkcs11.h>

#include "base/status.h"
#include "pki/pkcs11/module.h"

namespace careid::pki::pkcs11 {

struct Module::Impl {
  std::filesystem::path path;
  void* library = nullptr;  // from dlopen
  CK_FUNCTION_LIST* functions = nullptr;
  bool initialized = false;  // C_Initialize succeeded, so C_Finalize is due

  ~Impl();
};

namespace detail {

// The CKR_ name of `rv`, or its hex value for a code this table does not list.
std::string ckr_name(CK_RV rv);

// Maps a failed call to a Status "<function>: <CKR name>". Wrong or locked PINs are
// PermissionDenied; a missing token, slot or object NotFound; other codes FailedPrecondition.
Status ck_status(std::string_view function, CK_RV rv);

// Removes the blank padding of a fixed-width CK_TOKEN_INFO text field.
std::string padded_text(const unsigned char* field, std::size_t size);

}  // namespace detail
}  // namespace careid::pki::pkcs11
