#include "pki/pkcs11/module.h"

#include <dlfcn.h>

#include <cstring>

#include "pki/pkcs11/detail/cryptoki.h"

namespace careid::pki::pkcs11 {

namespace {

// CK_TOKEN_INFO.label is 32 bytes, blank-padded (PKCS#11 2.40 section 3.2).
constexpr std::size_t kMaxTokenLabelBytes = 32;

TokenInfo to_token_info(CK_SLOT_ID slot, const CK_TOKEN_INFO& info) {
  TokenInfo token;
  token.slot = slot;
  token.label = detail::padded_text(info.label, sizeof info.label);
  token.serial = detail::padded_text(info.serialNumber, sizeof info.serialNumber);
  token.manufacturer = detail::padded_text(info.manufacturerID, sizeof info.manufacturerID);
  token.model = detail::padded_text(info.model, sizeof info.model);
  token.initialized = (info.flags & CKF_TOKEN_INITIALIZED) != 0;
  token.user_pin_initialized = (info.flags & CKF_USER_PIN_INITIALIZED) != 0;
  token.user_pin_locked = (info.flags & CKF_USER_PIN_LOCKED) != 0;
  token.user_pin_count_low = (info.flags & CKF_USER_PIN_COUNT_LOW) != 0;
  token.so_pin_locked = (info.flags & CKF_SO_PIN_LOCKED) != 0;
  return token;
}

bool selects(const TokenSelector& selector, const TokenInfo& token) {
  if (!token.initialized) {
    return false;
  }
  return selector.serial.empty() ? token.label == selector.label : token.serial == selector.serial;
}

}  // namespace

Module::Impl::~Impl() {
  if (initialized) {
    functions->C_Finalize(nullptr);
  }
  if (library != nullptr) {
    dlclose(library);
  }
}

std::string TokenSelector::describe() const {
  return serial.empty() ? "token label '" + label + "'" : "token serial '" + serial + "'";
}

std::string_view object_class_name(ObjectClass object_class) {
  switch (object_class) {
    case ObjectClass::kCertificate:
      return "certificate";
    case ObjectClass::kPublicKey:
      return "public key";
    case ObjectClass::kPrivateKey:
      return "private key";
    case ObjectClass::kOther:
      break;
  }
  return "other";
}

Result<Module> Module::load(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return Status::not_found("PKCS#11 module " + path.string() +
                             " not found; install it (Debian: apt-get install softhsm2) or "
                             "name another module");
  }

  auto impl = std::make_shared<Impl>();
  impl->path = path;
  impl->library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (impl->library == nullptr) {
    return Status::failed_precondition("cannot load PKCS#11 module " + path.string() + ": " +
                                       dlerror());
  }
  auto get_function_list =
      reinterpret_cast<CK_C_GetFunctionList>(dlsym(impl->library, "C_GetFunctionList"));
  if (get_function_list == nullptr) {
    return Status::failed_precondition(path.string() +
                                       " is not a PKCS#11 module: C_GetFunctionList is missing");
  }
  CK_RV rv = get_function_list(&impl->functions);
  if (rv != CKR_OK || impl->functions == nullptr) {
    return detail::ck_status("C_GetFunctionList", rv).with_context(path.string());
  }

  // CKF_OS_LOCKING_OK: the module may use the operating system's mutexes, so that
  // careidd's threads can share it (PKCS#11 2.40 section 5.4).
  CK_C_INITIALIZE_ARGS arguments{};
  arguments.flags = CKF_OS_LOCKING_OK;
  rv = impl->functions->C_Initialize(&arguments);
  if (rv != CKR_OK) {
    return detail::ck_status("C_Initialize", rv).with_context(path.string());
  }
  impl->initialized = true;
  return Module(std::move(impl));
}

Result<std::vector<SlotId>> Module::slot_ids() const {
  CK_ULONG count = 0;
  CK_RV rv = impl_->functions->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetSlotList", rv);
  }
  std::vector<CK_SLOT_ID> slots(count);
  rv = impl_->functions->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetSlotList", rv);
  }
  slots.resize(count);
  return std::vector<SlotId>(slots.begin(), slots.end());
}

Result<TokenInfo> Module::token_info(SlotId slot) const {
  CK_TOKEN_INFO info{};
  CK_RV rv = impl_->functions->C_GetTokenInfo(slot, &info);
  if (rv != CKR_OK) {
    return detail::ck_status("C_GetTokenInfo", rv);
  }
  return to_token_info(slot, info);
}

Result<std::vector<TokenInfo>> Module::list_tokens() const {
  auto slots = slot_ids();
  if (!slots.ok()) {
    return slots.status();
  }
  std::vector<TokenInfo> tokens;
  for (SlotId slot : *slots) {
    auto token = token_info(slot);
    if (!token.ok()) {
      return token.status();
    }
    tokens.push_back(std::move(*token));
  }
  return tokens;
}

Result<TokenInfo> Module::find_token(const TokenSelector& selector) const {
  if (selector.label.empty() && selector.serial.empty()) {
    return Status::invalid_argument("no token named: give a token label or serial");
  }
  auto tokens = list_tokens();
  if (!tokens.ok()) {
    return tokens.status();
  }

  std::vector<TokenInfo> matches;
  std::string present;
  for (const TokenInfo& token : *tokens) {
    if (selects(selector, token)) {
      matches.push_back(token);
    }
    if (token.initialized) {
      present += (present.empty() ? "'" : ", '") + token.label + "'";
    }
  }
  if (matches.empty()) {
    return Status::not_found("no " + selector.describe() + " in " + impl_->path.string() +
                             "; tokens present: " + (present.empty() ? "none" : present));
  }
  if (matches.size() > 1) {
    return Status::failed_precondition(std::to_string(matches.size()) + " tokens match " +
                                       selector.describe() + "; name the token by serial");
  }
  return matches.front();
}

Result<TokenInfo> Module::init_token(std::string_view label, const Pin& so_pin) {
  if (label.empty() || label.size() > kMaxTokenLabelBytes) {
    return Status::invalid_argument("invalid token label '" + std::string(label) +
                                    "': expected 1 to 32 bytes");
  }
  auto tokens = list_tokens();
  if (!tokens.ok()) {
    return tokens.status();
  }
  const TokenInfo* free_slot = nullptr;
  for (const TokenInfo& token : *tokens) {
    if (token.initialized && token.label == label) {
      return Status::already_exists("a token labelled '" + std::string(label) +
                                    "' exists already (serial " + token.serial + ")");
    }
    if (!token.initialized && free_slot == nullptr) {
      free_slot = &token;
    }
  }
  if (free_slot == nullptr) {
    return Status::resource_exhausted("no slot of " + impl_->path.string() +
                                      " holds an uninitialised token");
  }

  CAREID_RETURN_IF_ERROR(init_token_in_slot(free_slot->slot, label, so_pin));

  // SoftHSM 2 moves a newly initialised token to a new slot id, so look it up again.
  return find_token(TokenSelector{std::string(label), ""});
}

Status Module::init_token_in_slot(SlotId slot, std::string_view label, const Pin& so_pin) {
  if (label.empty() || label.size() > kMaxTokenLabelBytes) {
    return Status::invalid_argument("invalid token label '" + std::string(label) +
                                    "': expected 1 to 32 bytes");
  }
  unsigned char padded[kMaxTokenLabelBytes];
  std::memset(padded, ' ', sizeof padded);
  std::memcpy(padded, label.data(), label.size());
  auto* pin = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(so_pin.value().data()));
  CK_RV rv = impl_->functions->C_InitToken(slot, pin, so_pin.value().size(), padded);
  if (rv != CKR_OK) {
    return detail::ck_status("C_InitToken", rv);
  }
  return Status::ok_status();
}

Result<Session> Module::open_session(SlotId slot) {
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_RV rv = impl_->functions->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
                                             nullptr, &handle);
  if (rv != CKR_OK) {
    return detail::ck_status("C_OpenSession", rv);
  }
  return Session(impl_, handle);
}

const std::filesystem::path& Module::path() const { return impl_->path; }

}  // namespace careid::pki::pkcs11
