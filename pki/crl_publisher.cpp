#include "pki/crl_publisher.h"

#include "base/log.h"

namespace careid::pki {

CrlPublisher::CrlPublisher(CertificateAuthority ca, CardRegistry& registry, PkiLayout layout,
                           std::chrono::seconds validity, std::chrono::milliseconds check_interval)
    : ca_(std::move(ca)),
      registry_(registry),
      layout_(std::move(layout)),
      validity_(validity),
      check_interval_(check_interval) {}

CrlPublisher::~CrlPublisher() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
}

Result<std::unique_ptr<CrlPublisher>> CrlPublisher::create(CertificateAuthority ca, CardRegistry& registry,
                                                           PkiLayout layout, std::chrono::seconds validity,
                                                           std::chrono::milliseconds check_interval) {
  std::unique_ptr<CrlPublisher> publisher(
      new CrlPublisher(std::move(ca), registry, std::move(layout), validity, check_interval));
  auto generation = registry.generation();
  if (!generation.ok()) {
    return generation.status();
  }
  CAREID_RETURN_IF_ERROR(publisher->publish(*generation));
  if (check_interval.count() > 0) {
    CrlPublisher* self = publisher.get();
    publisher->thread_ = std::jthread([self](std::stop_token stop) { self->run_loop(stop); });
  }
  return publisher;
}

Bytes CrlPublisher::current_der() const {
  std::lock_guard lock(mutex_);
  return der_;
}

Status CrlPublisher::refresh() {
  auto generation = registry_.generation();
  if (!generation.ok()) {
    return generation.status();
  }
  {
    std::lock_guard lock(mutex_);
    if (*generation == generation_ && std::chrono::system_clock::now() < renew_at_) {
      return Status::ok_status();
    }
  }
  return publish(*generation);
}

Status CrlPublisher::publish(std::uint64_t generation) {
  CrlOptions options;
  options.validity = validity_;
  auto crl = publish_crl(ca_, registry_, layout_, options);
  if (!crl.ok()) {
    return crl.status();
  }
  log::get("pki")->info("CRL number {} published: {} entries, next update in {} s", crl->number,
                        crl->entries, validity_.count());

  std::lock_guard lock(mutex_);
  der_ = std::move(crl->der);
  generation_ = generation;
  renew_at_ = crl->this_update + validity_ / 2;
  return Status::ok_status();
}

void CrlPublisher::run_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, stop, check_interval_, [] { return false; });
    }
    if (stop.stop_requested()) {
      return;
    }
    Status status = refresh();
    if (!status.ok()) {
      log::get("pki")->error("CRL publication failed, serving the previous CRL: {}", status.to_string());
    }
  }
}

}  // namespace careid::pki
