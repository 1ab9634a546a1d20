// A PKCS#11 (Cryptoki 2.40) module loaded at run time, its tokens, and sessions on a token.
//
// A Module dlopen()s the library and calls C_Initialize with OS locking; C_Finalize and
// dlclose() run when the last copy of the Module and the last Session on it are gone.
// PKCS#11 allows one initialisation per process, so load each module once and copy the
// Module (copies share the loaded library).
//
// Every call blocks (the token may be a USB device) and reports a PKCS#11 failure with the
// function name and the CKR_ code, for example "C_Login: CKR_PIN_INCORRECT". PINs never
// appear in messages or logs.
//
// Threads: a Module may be used from several threads; one Session from one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/certificate.h"
#include "pki/key.h"
#include "pki/pkcs11/pin.h"
#include "pki/public_key.h"

namespace careid::pki::pkcs11 {

// SoftHSM 2's module as Debian 12's softhsm2 package installs it.
inline constexpr std::string_view kDefaultModulePath = "/usr/lib/softhsm/libsofthsm2.so";

using SlotId = unsigned long;        // CK_SLOT_ID
using ObjectHandle = unsigned long;  // CK_OBJECT_HANDLE

// CK_TOKEN_INFO, with the blank padding of the text fields removed.
struct TokenInfo {
  SlotId slot = 0;
  std::string label;
  std::string serial;
  std::string manufacturer;
  std::string model;
  bool initialized = false;           // CKF_TOKEN_INITIALIZED
  bool user_pin_initialized = false;  // CKF_USER_PIN_INITIALIZED
  bool user_pin_locked = false;       // CKF_USER_PIN_LOCKED
  bool user_pin_count_low = false;    // CKF_USER_PIN_COUNT_LOW: a wrong PIN was entered
  bool so_pin_locked = false;         // CKF_SO_PIN_LOCKED
};

// Names one token: by serial when `serial` is set, else by label.
struct TokenSelector {
  std::string label;
  std::string serial;

  // "token label 'x'" or "token serial 'y'", for messages.
  std::string describe() const;
};

enum class ObjectClass { kCertificate, kPublicKey, kPrivateKey, kOther };

// "certificate", "public key", "private key", "other".
std::string_view object_class_name(ObjectClass object_class);

// Summary of one object, as `card show` lists it. Reading it never reveals key material.
struct ObjectInfo {
  ObjectHandle handle = 0;
  ObjectClass object_class = ObjectClass::kOther;
  std::string label;  // CKA_LABEL
  Bytes id;           // CKA_ID
  std::string key_type;  // "ec" or "rsa" for keys; empty otherwise
  // Private keys only: CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE.
  bool sensitive = false;
  bool extractable = false;
  bool always_sensitive = false;
  bool never_extractable = false;
};

// Selects objects by the attributes that are set; an empty filter selects every object the
// session can see (public objects, plus private ones after login).
struct ObjectFilter {
  std::optional<ObjectClass> object_class;
  std::optional<std::string> label;
  std::optional<Bytes> id;
};

struct KeyPairHandles {
  ObjectHandle public_key = 0;
  ObjectHandle private_key = 0;
};

class Session;

class Module {
 public:
  // Loads the module at `path` and initialises it. NotFound when the file is missing;
  // FailedPrecondition when it is not a PKCS#11 module or C_Initialize fails.
  static Result<Module> load(const std::filesystem::path& path);

  // Lists the tokens present in the module's slots, initialised or not, in slot order.
  Result<std::vector<TokenInfo>> list_tokens() const;

  // Finds the initialised token `selector` names. NotFound lists the labels present;
  // FailedPrecondition when two tokens carry the label.
  Result<TokenInfo> find_token(const TokenSelector& selector) const;

  // Returns the ids of the slots with a token present, in the module's order (C_GetSlotList).
  // Cheaper than list_tokens for a module with many tokens, because it calls no
  // C_GetTokenInfo.
  Result<std::vector<SlotId>> slot_ids() const;

  // Returns the token information of one slot (C_GetTokenInfo).
  Result<TokenInfo> token_info(SlotId slot) const;

  // Initialises the uninitialised token in `slot` with C_InitToken, without checking that
  // no other token has `label` (init_token checks). InvalidArgument for a label longer
  // than 32 bytes. SoftHSM 2 then moves the token to a new slot id, so find it again with
  // slot_ids and token_info.
  Status init_token_in_slot(SlotId slot, std::string_view label, const Pin& so_pin);

  // Initialises a new token with C_InitToken on the first slot whose token is not
  // initialised (SoftHSM 2 always offers one) and sets its SO PIN. AlreadyExists when a
  // token with `label` exists; ResourceExhausted when no slot is free; InvalidArgument for
  // a label longer than 32 bytes (the CK_TOKEN_INFO field).
  Result<TokenInfo> init_token(std::string_view label, const Pin& so_pin);

  // Opens a read-write session on `slot`.
  Result<Session> open_session(SlotId slot);

  const std::filesystem::path& path() const;

  struct Impl;

 private:
  explicit Module(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  std::shared_ptr<Impl> impl_;
};

// One PKCS#11 session; closing it (destruction) also ends its login. Move-only.
class Session {
 public:
  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // C_Login as the normal user or the security officer. PermissionDenied for a wrong PIN
  // ("C_Login: CKR_PIN_INCORRECT") or a locked one (CKR_PIN_LOCKED).
  Status login_user(const Pin& pin);
  Status login_so(const Pin& pin);

  // C_InitPIN: sets the user PIN. The session must be logged in as the security officer;
  // this is how an unlock resets a forgotten or locked user PIN.
  Status init_user_pin(const Pin& new_pin);

  // Generates a key pair on the token (C_GenerateKeyPair) as token objects with `id` and
  // `label`. The private key is created CKA_SENSITIVE, not CKA_EXTRACTABLE, private, and
  // may only sign. The call reads those attributes back. When the token did not honour them,
  // it deletes the pair and fails with FailedPrecondition. Needs a user login.
  // InvalidArgument for RSA-3072, which careid does not put on cards.
  Result<KeyPairHandles> generate_key_pair(KeyType type, ByteView id, std::string_view label);

  // Reads a public key object (CKA_EC_PARAMS and CKA_EC_POINT, or CKA_MODULUS and
  // CKA_PUBLIC_EXPONENT). Unimplemented for curves other than P-256.
  Result<PublicKey> read_public_key(ObjectHandle handle);

  // Stores `certificate` as an X.509 certificate object (CKO_CERTIFICATE, CKC_X_509) with
  // CKA_ID `id` and CKA_LABEL `label`, so that clients find it beside its key.
  Result<ObjectHandle> store_certificate(const Certificate& certificate, ByteView id,
                                         std::string_view label);

  // Reads and parses the CKA_VALUE of a certificate object.
  Result<Certificate> read_certificate(ObjectHandle handle);

  // Lists the objects that match `filter`, with their ObjectInfo fields.
  Result<std::vector<ObjectInfo>> find_objects(const ObjectFilter& filter);

  // C_DestroyObject.
  Status destroy_object(ObjectHandle handle);

 private:
  friend class Module;
  Session(std::shared_ptr<Module::Impl> module, unsigned long handle)
      : module_(std::move(module)), handle_(handle) {}
  Status login(unsigned long user_type, const Pin& pin);
  Result<ObjectInfo> describe_object(ObjectHandle handle);
  // Reads one attribute of any length (CK_ATTRIBUTE_TYPE `type`).
  Result<Bytes> read_attribute(ObjectHandle handle, unsigned long type);
  void close();

  std::shared_ptr<Module::Impl> module_;
  unsigned long handle_ = 0;  // CK_SESSION_HANDLE; 0 (CK_INVALID_HANDLE) once closed
};

}  // namespace careid::pki::pkcs11
