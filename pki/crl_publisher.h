// CrlPublisher: keeps the card CA's CRL current for careidd. It publishes a CRL when created,
// then a background thread issues a new one when the card registry's generation changes or
// when half of the CRL's validity has passed, so the served CRL never reaches its nextUpdate
// while careidd runs. Each new CRL is also written to pki/crl.der and pki/crl.pem.
//
// A failed publication is logged on the "pki" logger and retried at the next check; the last
// good CRL stays served meanwhile.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/crl.h"
#include "pki/layout.h"

namespace careid::pki {

class CrlPublisher {
 public:
  // Publishes the first CRL (failing when that fails) and, when `check_interval` is positive,
  // starts the thread that checks every interval. `registry` must outlive the publisher.
  static Result<std::unique_ptr<CrlPublisher>> create(CertificateAuthority ca, CardRegistry& registry,
                                                      PkiLayout layout, std::chrono::seconds validity,
                                                      std::chrono::milliseconds check_interval);

  // Stops and joins the thread.
  ~CrlPublisher();
  CrlPublisher(const CrlPublisher&) = delete;
  CrlPublisher& operator=(const CrlPublisher&) = delete;

  // The DER of the newest CRL. Thread-safe.
  Bytes current_der() const;

  // Publishes a new CRL now when the registry changed or half the validity has passed.
  Status refresh();

 private:
  CrlPublisher(CertificateAuthority ca, CardRegistry& registry, PkiLayout layout,
               std::chrono::seconds validity, std::chrono::milliseconds check_interval);
  Status publish(std::uint64_t generation);
  void run_loop(std::stop_token stop);

  const CertificateAuthority ca_;
  CardRegistry& registry_;
  const PkiLayout layout_;
  const std::chrono::seconds validity_;
  const std::chrono::milliseconds check_interval_;

  mutable std::mutex mutex_;  // guards the three members below
  Bytes der_;
  std::uint64_t generation_ = 0;
  std::chrono::system_clock::time_point renew_at_;

  std::mutex wake_mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last member: stopped first
};

}  // namespace careid::pki
