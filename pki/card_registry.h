// CardRegistry: the durable record of every card certificate the card CA issued, and of its
// revocation state (RFC 5280 5.3.1 reasons, certificateHold for a suspended card).
//
// On disk: one LMDB environment in <data_dir>/pki/registry/ (PkiLayout::card_registry_dir()),
// folder mode 0700, data.mdb and lock.mdb mode 0600. Several processes may open it at once:
// careidctl writes while careidd reads, and a reader sees the last committed write. Within one
// process open the folder once and share the object, because LMDB forbids opening the same
// environment twice in a process.
//
// Serial numbers are keys in the form CertificateInfo::serial_hex uses: lower-case hex without
// leading zeros or separators. Calls that take a serial accept upper case, leading zeros and
// ':' separators, and normalise them first (see normalize_serial_hex).
//
// Every call blocks on disk I/O (a write commits and syncs, a few milliseconds), so run it off
// I/O threads. Calls are thread-safe on one object.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pki/certificate.h"

namespace careid::pki {

// CRLReason of RFC 5280 5.3.1. The numbers are the ASN.1 ENUMERATED values, and 7 is unused.
enum class RevocationReason : int {
  kUnspecified = 0,
  kKeyCompromise = 1,
  kCaCompromise = 2,
  kAffiliationChanged = 3,
  kSuperseded = 4,
  kCessationOfOperation = 5,
  kCertificateHold = 6,
  kRemoveFromCrl = 8,
  kPrivilegeWithdrawn = 9,
  kAaCompromise = 10,
};

// RFC 5280 spelling of the reason: "keyCompromise", "certificateHold", "removeFromCRL".
std::string_view revocation_reason_name(RevocationReason reason);

// Parses the RFC 5280 spelling, ignoring case. InvalidArgument names the value and lists the
// accepted names.
Result<RevocationReason> parse_revocation_reason(std::string_view name);

// Normalises a serial number written in hex ("0A:1b:2C", "0a1b2c", "A1B2C") to lower case
// without leading zeros or separators ("a1b2c"). InvalidArgument for an empty value, a
// non-hex character, or more than 40 hex digits (RFC 5280 4.1.2.2 allows at most 20 octets).
Result<std::string> normalize_serial_hex(std::string_view serial);

// Returns a serial in whole octets for people to read: `serial_hex` (as normalize_serial_hex
// returns it) with a leading '0' when its length is odd, so "a1b2c" prints as "0a1b2c".
// Registry calls accept either form.
std::string serial_hex_octets(std::string_view serial_hex);

enum class CardState {
  kGood,     // issued and neither revoked nor on hold
  kRevoked,  // revoked for good; `reason` gives the cause
  kOnHold,   // suspended (certificateHold); resume() makes it good again
  kUnknown,  // the registry has no card with this serial
};

// "good", "revoked", "on hold", "unknown".
std::string_view card_state_name(CardState state);

struct CardStatus {
  CardState state = CardState::kUnknown;
  // kCertificateHold for kOnHold; meaningful only for kRevoked and kOnHold.
  RevocationReason reason = RevocationReason::kUnspecified;
  // Time of the revocation or of the hold; set only for kRevoked and kOnHold.
  std::optional<std::chrono::system_clock::time_point> revoked_at;
};

// One issued card certificate.
struct CardRecord {
  std::string serial_hex;    // normalised, see normalize_serial_hex
  std::string uid;           // the 12-digit user id the card belongs to
  std::string token_serial;  // serial of the PKCS#11 token holding the key; empty for a soft card
  std::string subject;       // RFC 4514 subject, as CertificateInfo::subject
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  std::chrono::system_clock::time_point recorded_at;  // when record_issued ran
  CardStatus status;         // state is never kUnknown here
  Bytes certificate_der;
};

struct CardRegistryOptions {
  // LMDB map size: the largest the registry may grow. One card takes about 1 KiB, so the
  // default of 256 MiB fits about 200,000 cards (an estimate). Writes past it fail with ResourceExhausted.
  std::size_t map_size_bytes = std::size_t{256} << 20;
};

class CardRegistry {
 public:
  // Opens the registry in `folder`, creating the folder (mode 0700) and the environment when
  // missing. IoError when the folder cannot be created or LMDB cannot open it; Corruption when
  // the stored data has an unknown format version.
  static Result<std::unique_ptr<CardRegistry>> open(const std::filesystem::path& folder,
                                                    const CardRegistryOptions& options = {});

  ~CardRegistry();
  CardRegistry(const CardRegistry&) = delete;
  CardRegistry& operator=(const CardRegistry&) = delete;

  // Records a newly issued card as good. `uid` must be 12 digits (InvalidArgument otherwise).
  // AlreadyExists when a card with the same serial is recorded, which for careid's 128-bit
  // random serials means the certificate was recorded before.
  Status record_issued(const Certificate& card, std::string_view uid,
                       std::string_view token_serial);

  // Revokes a card for good at `at`. A card on hold may be revoked (RFC 5280 5.3.1 allows a
  // hold to end in revocation). InvalidArgument for kCertificateHold (call suspend) and
  // kRemoveFromCrl (call resume); NotFound for an unknown serial; FailedPrecondition when the
  // card is already revoked.
  Status revoke(std::string_view serial_hex, RevocationReason reason,
                std::chrono::system_clock::time_point at);

  // Puts a good card on hold (certificateHold). NotFound for an unknown serial;
  // FailedPrecondition when the card is revoked or already on hold.
  Status suspend(std::string_view serial_hex, std::chrono::system_clock::time_point at);

  // Makes a card on hold good again; the next CRL leaves it out. NotFound for an unknown
  // serial; FailedPrecondition unless the card is on hold.
  Status resume(std::string_view serial_hex);

  // Returns the state of a card; kUnknown (not an error) for a serial never recorded.
  // InvalidArgument for a malformed serial.
  Result<CardStatus> status(std::string_view serial_hex) const;

  // Returns one card; NotFound for an unknown serial.
  Result<CardRecord> find(std::string_view serial_hex) const;

  // Returns the cards of a user in serial order; an empty list when there are none.
  Result<std::vector<CardRecord>> cards_of(std::string_view uid) const;

  // Returns the cards that are revoked or on hold, in serial order: the entries of a CRL.
  Result<std::vector<CardRecord>> revoked_cards() const;

  // Returns a counter that every committed change (record, revoke, suspend, resume) raises by
  // one, in any process. Comparing it is the cheap way to notice that the registry changed.
  Result<std::uint64_t> generation() const;

  // Raises and returns the CRL number (RFC 5280 5.2.3: it increases with every CRL the CA
  // issues), starting at 1. The counter is stored, so numbers keep rising across processes.
  Result<std::uint64_t> next_crl_number();

  const std::filesystem::path& folder() const;

 private:
  struct Impl;
  explicit CardRegistry(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace careid::pki
