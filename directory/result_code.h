// LDAP result codes (RFC 4511 4.1.9 and Appendix A) and the error value that the
// directory layers return when an operation fails with one of them.
#pragma once

#include <string>
#include <string_view>

namespace careid::directory {

enum class ResultCode : int {
  kSuccess = 0,
  kOperationsError = 1,
  kProtocolError = 2,
  kTimeLimitExceeded = 3,
  kSizeLimitExceeded = 4,
  kCompareFalse = 5,
  kCompareTrue = 6,
  kAuthMethodNotSupported = 7,
  kStrongerAuthRequired = 8,
  kReferral = 10,
  kAdminLimitExceeded = 11,
  kUnavailableCriticalExtension = 12,
  kConfidentialityRequired = 13,
  kSaslBindInProgress = 14,
  kNoSuchAttribute = 16,
  kUndefinedAttributeType = 17,
  kInappropriateMatching = 18,
  kConstraintViolation = 19,
  kAttributeOrValueExists = 20,
  kInvalidAttributeSyntax = 21,
  kNoSuchObject = 32,
  kAliasProblem = 33,
  kInvalidDnSyntax = 34,
  kAliasDereferencingProblem = 36,
  kInappropriateAuthentication = 48,
  kInvalidCredentials = 49,
  kInsufficientAccessRights = 50,
  kBusy = 51,
  kUnavailable = 52,
  kUnwillingToPerform = 53,
  kLoopDetect = 54,
  kNamingViolation = 64,
  kObjectClassViolation = 65,
  kNotAllowedOnNonLeaf = 66,
  kNotAllowedOnRdn = 67,
  kEntryAlreadyExists = 68,
  kObjectClassModsProhibited = 69,
  kAffectsMultipleDsas = 71,
  kOther = 80,
  // RFC 3909 (Cancel).
  kCanceled = 118,
  kNoSuchOperation = 119,
  kTooLate = 120,
  kCannotCancel = 121,
  // RFC 4528 (Assertion control).
  kAssertionFailed = 122,
};

// Returns the RFC name of `code`, e.g. "noSuchObject".
std::string_view result_code_name(ResultCode code);

// An operation's outcome other than success: the code, the diagnosticMessage sent to
// the client, and matchedDN for noSuchObject (the deepest existing superior).
struct LdapError {
  ResultCode code = ResultCode::kOther;
  std::string diagnostic;
  std::string matched_dn;
};

}  // namespace careid::directory
