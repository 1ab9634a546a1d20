// Bulk intake: registers people from a CSV file and assigns each a role profile, as on an
// intake day. The columns are documented in docs/rbac-data.md.
//
// Idempotence: a person is identified by mail and a role profile by (organisation, job role
// or position, start date). A rerun of the same file finds both, and with --issue-cards the
// person's good card, and writes nothing for rows already done, so an interrupted intake can
// simply be run again.
//
// Rows that fail are reported with their line and reason and do not stop the run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "base/status.h"
#include "provisioning/registration/registration.h"

namespace careid::provisioning::registration {

enum class CardOutcome {
  kIssued,         // a new card was put on a token and recorded
  kAlreadyIssued,  // the person already had a good card, so nothing was written
};

// Gives a registered person a smartcard. Intake calls it after the role profile exists when
// --issue-cards is given, for new and existing people alike, so a rerun completes a row
// whose card failed. TokenCardIssuer (token_card_issuer.h) is the PKCS#11 implementation.
class CardIssuer {
 public:
  virtual ~CardIssuer() = default;

  // Issues a card to `uid` unless a good card is recorded for it. An error rejects the row,
  // except kUnavailable, which stops the intake.
  virtual Result<CardOutcome> ensure_card(const std::string& uid) = 0;
};

struct IntakeOptions {
  std::filesystem::path csv;
  // Report file for rejected rows (line,mail,reason); empty for none.
  std::filesystem::path report;
  CardIssuer* card_issuer = nullptr;  // null: no cards
  // Called after each row with the rows done so far and the total row count.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct IntakeSummary {
  std::uint64_t rows = 0;
  std::uint64_t registered = 0;      // new people
  std::uint64_t roles_assigned = 0;  // new role profiles
  std::uint64_t already_done = 0;    // rows whose person, role profile and card (with --issue-cards) existed
  std::uint64_t rejected = 0;
  std::uint64_t cards_issued = 0;
};

// Runs the intake. Bad rows are counted and reported, not returned as errors. An error is
// returned only when the CSV or report file cannot be read or written, a required column
// is missing, or the connection fails.
Result<IntakeSummary> run_intake(Registrar& registrar, const IntakeOptions& options);

}  // namespace careid::provisioning::registration
