#include "base/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace careid::metrics {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  // The first bound >= value; past the end means the +Inf bucket.
  auto bound = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  std::size_t index = static_cast<std::size_t>(bound - upper_bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.upper_bounds = upper_bounds_;

  // The count is the sum of the buckets read here, so that the +Inf bucket and _count
  // always agree even while other threads observe.
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(running);
  }
  running += buckets_[upper_bounds_.size()].load(std::memory_order_relaxed);
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::string format_value(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

namespace {

// Escapes backslash and line feed, and the double quote too when `quote` is set: label
// values escape all three, HELP text only the first two.
std::string escape(std::string_view text, bool quote) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"' && quote) {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}


std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }

void Exposition::family(std::string_view name, std::string_view help, MetricType type) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  text_ += escape(help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type_name(type);
  text_ += '\n';
}

void Exposition::write_labels(const Labels& labels, std::string_view extra_name, std::string_view extra_value) {
  if (labels.empty() && extra_name.empty()) {
    return;
  }
  text_ += '{';
  bool first = true;
  auto write = [&](std::string_view name, std::string_view value) {
    if (!first) {
      text_ += ',';
    }
    first = false;
    text_ += name;
    text_ += "=\"";
    text_ += escape_label_value(value);
    text_ += '"';
  };
  for (const auto& [name, value] : labels) {
    write(name, value);
  }
  if (!extra_name.empty()) {
    write(extra_name, extra_value);
  }
  text_ += '}';
}

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  text_ += name;
  write_labels(labels);
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

void Exposition::histogram(std::string_view name, const Labels& labels, const Histogram::Snapshot& snapshot) {
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
    text_ += bucket;
    write_labels(labels, "le", format_value(snapshot.upper_bounds[i]));
    text_ += ' ' + std::to_string(snapshot.cumulative_counts[i]) + '\n';
  }
  text_ += bucket;
  write_labels(labels, "le", "+Inf");
  text_ += ' ' + std::to_string(snapshot.count) + '\n';

  sample(std::string(name) + "_sum", labels, snapshot.sum);
  sample(std::string(name) + "_count", labels, static_cast<double>(snapshot.count));
}

Registry::Registration::Registration(Registration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}

Registry::Registration& Registry::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

Registry::Registration::~Registration() { reset(); }

void Registry::Registration::reset() {
  if (registry_ != nullptr) {
    registry_->remove(id_);
    registry_ = nullptr;
  }
}

Registry::Registration Registry::add(Collector collector) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  collectors_.emplace_back(id, std::move(collector));
  return Registration(this, id);
}

void Registry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(collectors_, [id](const auto& entry) { return entry.first == id; });
}

std::string Registry::scrape() const {
  Exposition exposition;
  std::lock_guard lock(mutex_);
  for (const auto& [id, collector] : collectors_) {
    collector(exposition);
  }
  return exposition.text();
}

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace careid::metrics
