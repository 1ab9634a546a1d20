// Prometheus metrics: counters and histograms that the hot path updates with relaxed
// atomics, and a writer for the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// A component owns its metric objects and adds a collector to the process-wide registry().
// A scrape calls every collector, which writes whole metric families into an Exposition.
// Updating a Counter or Histogram takes no lock; only adding or removing a collector and a
// scrape take the registry's mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace careid::metrics {

// Label names and values of one sample, in output order. Values are escaped on output.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void increment(std::uint64_t amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Upper bounds, in seconds, for operation latencies: 0.5 ms to 10 s.
const std::vector<double>& latency_buckets();

// A histogram with fixed upper bounds. observe() is three relaxed atomic additions; a
// snapshot taken during updates may count an observation in `sum` and not yet in a bucket.
class Histogram {
 public:
  // `upper_bounds` must be sorted ascending; the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds = latency_buckets());

  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    // Cumulative counts: cumulative_counts[i] observations were <= upper_bounds[i].
    std::vector<std::uint64_t> cumulative_counts;
    // All observations, which is also the +Inf bucket.
    std::uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> upper_bounds_;
  // One slot per upper bound plus one for +Inf; not cumulative.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// Builds the text of one scrape. Call family() once per metric name, then its samples,
// before the next family: the format requires the samples of a family to be adjacent.
class Exposition {
 public:
  // Writes the # HELP and # TYPE lines of `name`.
  void family(std::string_view name, std::string_view help, MetricType type);

  void sample(std::string_view name, const Labels& labels, double value);

  // Writes the _bucket, _sum and _count samples of a histogram family `name`.
  void histogram(std::string_view name, const Labels& labels, const Histogram::Snapshot& snapshot);

  const std::string& text() const { return text_; }

 private:
  void write_labels(const Labels& labels, std::string_view extra_name = {}, std::string_view extra_value = {});

  std::string text_;
};

// Formats `value` as the exposition format expects: the shortest round-trip form, "+Inf",
// "-Inf" or "NaN".
std::string format_value(double value);

// Escapes a label value: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);

using Collector = std::function<void(Exposition&)>;

class Registry {
 public:
  // Removes its collector on destruction, waiting for a scrape that is running it.
  class Registration {
   public:
    Registration() = default;
    Registration(Registry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    ~Registration();

   private:
    void reset();

    Registry* registry_ = nullptr;
    std::uint64_t id_ = 0;
  };

  // Adds `collector`, which a scrape calls from the metrics listener's thread, so it must
  // be thread-safe against the component it reads.
  [[nodiscard]] Registration add(Collector collector);

  // Runs every collector in the order they were added and returns the exposition text.
  std::string scrape() const;

 private:
  void remove(std::uint64_t id);

  mutable std::mutex mutex_;
  std::vector<std::pair<std::uint64_t, Collector>> collectors_;
  std::uint64_t next_id_ = 1;
};

// The process-wide registry that careidd's components add their collectors to.
Registry& registry();

}  // namespace careid::metrics
