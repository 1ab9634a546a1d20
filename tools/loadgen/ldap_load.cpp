// ldap_load: an asynchronous LDAP load generator on OpenLDAP's libldap, used by
// tools/bench/ldap_vs_slapd.sh to drive careidd and slapd with the same requests.
//
// It opens --connections connections to --url, keeps --depth requests outstanding on each
// with the asynchronous calls (ldap_search_ext, ldap_sasl_bind, ldap_modify_ext,
// ldap_add_ext, ldap_delete_ext, collected with ldap_result and a zero timeout) for
// --duration seconds, and prints one line of key=value results: completed operations per
// second and the p50, p90, p99 and p99.9 latency from sending a request to reading its
// last response message. The connections are split over --threads threads, each polling
// its own sockets. Only operations that complete inside the duration are counted.
//
// What each line of the --values file names, per --operation:
//   search-uid  a uid: subtree search of --base for (uid=VALUE), all user attributes
//   search-cn   a cn prefix: subtree search of --base for (cn=VALUE*)
//   one-level   a DN: one-level search under it for (objectClass=nhsOrgPersonRole)
//   bind        a DN: simple bind as it with the password in --user-password-file
//   modify      a DN: replace its description with a counter
//   add         (no file) adds person entries cn=<--name-prefix>-<thread>-<connection>-<n>
//               under --base and writes the DNs it added to --created
//   delete      a DN: deletes each line once, in file order (an add run's --created file)
// Values are drawn at random with a fixed seed per connection, so two runs against two
// servers send the same sequence of requests.
//
// Exit status: 0 after a run (failed operations are counted in errors=), 1 when the
// options are invalid or a connection cannot be opened or breaks.
#include <ldap.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

using Clock = std::chrono::steady_clock;

// Responses still missing this long after the duration ends are abandoned with their
// connections.
constexpr std::chrono::seconds kDrainTimeout{10};
constexpr int kPollTimeoutMs = 10;
constexpr const char* kRoleProfileFilter = "(objectClass=nhsOrgPersonRole)";

enum class Operation { kSearchUid, kSearchCn, kOneLevel, kBind, kModify, kAdd, kDelete };

const std::map<std::string, Operation> kOperations = {
    {"search-uid", Operation::kSearchUid}, {"search-cn", Operation::kSearchCn},
    {"one-level", Operation::kOneLevel},   {"bind", Operation::kBind},
    {"modify", Operation::kModify},        {"add", Operation::kAdd},
    {"delete", Operation::kDelete}};

struct Options {
  std::string url;
  std::string operation_name;
  Operation operation = Operation::kSearchUid;
  unsigned connections = 4;
  unsigned depth = 1;
  unsigned threads = 1;
  double duration_seconds = 10;
  std::string values_file;
  std::string base = "o=nhs";
  std::string bind_dn;
  std::string password_file;
  std::string user_password_file;
  std::string name_prefix = "load";
  std::string created_file;
  std::uint64_t seed = 1;
};

// Inputs shared read-only by every thread, except next_value (delete takes each line once).
struct SharedInput {
  std::vector<std::string> values;
  std::string password;
  std::string user_password;
  std::atomic<std::size_t> next_value{0};
};

struct Pending {
  Clock::time_point start;
  std::string added_dn;  // only for add, to report the entries that exist afterwards
};

struct Connection {
  LDAP* ld = nullptr;
  int fd = -1;
  unsigned index = 0;
  std::uint64_t sequence = 0;
  bool exhausted = false;
  std::mt19937_64 random;
  std::unordered_map<int, Pending> pending;
};

struct ThreadResult {
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t errors = 0;
  std::uint64_t entries = 0;
  std::map<int, std::uint64_t> result_codes;
  std::vector<std::string> created;
  std::string failure;  // non-empty when a connection broke
};

bool read_lines(const std::string& path, std::vector<std::string>& lines) {
  std::ifstream input(path);
  if (!input) {
    return false;
  }
  std::string line;
  while (std::getline(input, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return true;
}

// Escapes an assertion value for a string filter (RFC 4515 3).
std::string escape_filter_value(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "\\%02x", static_cast<unsigned char>(c));
      escaped += hex;
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// Opens one connection, binding as --bind-dn when it is set. Returns an empty string on
// success, else the reason.
std::string open_connection(const Options& options, const SharedInput& input, Connection& connection) {
  if (ldap_initialize(&connection.ld, options.url.c_str()) != LDAP_SUCCESS) {
    return "invalid --url " + options.url;
  }
  int version = LDAP_VERSION3;
  ldap_set_option(connection.ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(connection.ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);

  int rc = LDAP_SUCCESS;
  if (!options.bind_dn.empty()) {
    berval credentials{static_cast<ber_len_t>(input.password.size()), const_cast<char*>(input.password.data())};
    rc = ldap_sasl_bind_s(connection.ld, options.bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr,
                          nullptr, nullptr);
  } else {
    rc = ldap_connect(connection.ld);
  }
  if (rc != LDAP_SUCCESS) {
    return "cannot connect or bind to " + options.url + ": " + ldap_err2string(rc);
  }
  ldap_get_option(connection.ld, LDAP_OPT_DESC, &connection.fd);
  return {};
}

const std::string& pick_value(const SharedInput& input, Connection& connection) {
  return input.values[connection.random() % input.values.size()];
}

// Sends one request of the chosen operation. Returns the message id, 0 when the connection
// has no more work (delete ran out of DNs), or -1 on a send failure.
int send_request(const Options& options, SharedInput& input, Connection& connection, unsigned thread_index,
                 std::string& added_dn) {
  int msgid = 0;
  int rc = LDAP_SUCCESS;
  connection.sequence += 1;
  switch (options.operation) {
    case Operation::kSearchUid:
    case Operation::kSearchCn:
    case Operation::kOneLevel: {
      const std::string& value = pick_value(input, connection);
      std::string filter;
      std::string base = options.base;
      int scope = LDAP_SCOPE_SUBTREE;
      if (options.operation == Operation::kSearchUid) {
        filter = "(uid=" + escape_filter_value(value) + ")";
      } else if (options.operation == Operation::kSearchCn) {
        filter = "(cn=" + escape_filter_value(value) + "*)";
      } else {
        filter = kRoleProfileFilter;
        base = value;
        scope = LDAP_SCOPE_ONELEVEL;
      }
      rc = ldap_search_ext(connection.ld, base.c_str(), scope, filter.c_str(), nullptr, 0, nullptr, nullptr,
                           nullptr, 0, &msgid);
      break;
    }
    case Operation::kBind: {
      const std::string& dn = pick_value(input, connection);
      berval credentials{static_cast<ber_len_t>(input.user_password.size()),
                         const_cast<char*>(input.user_password.data())};
      rc = ldap_sasl_bind(connection.ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, &msgid);
      break;
    }
    case Operation::kModify: {
      const std::string& dn = pick_value(input, connection);
      std::string text = "load " + std::to_string(connection.sequence);
      char* values[] = {text.data(), nullptr};
      char attribute[] = "description";
      LDAPMod replace{LDAP_MOD_REPLACE, attribute, {values}};
      LDAPMod* mods[] = {&replace, nullptr};
      rc = ldap_modify_ext(connection.ld, dn.c_str(), mods, nullptr, nullptr, &msgid);
      break;
    }
    case Operation::kAdd: {
      std::string cn = options.name_prefix + "-" + std::to_string(thread_index) + "-" +
                       std::to_string(connection.index) + "-" + std::to_string(connection.sequence);
      added_dn = "cn=" + cn + "," + options.base;
      char top[] = "top";
      char person[] = "person";
      char surname[] = "Load";
      char* classes[] = {top, person, nullptr};
      char* cns[] = {cn.data(), nullptr};
      char* sns[] = {surname, nullptr};
      char object_class[] = "objectClass";
      char cn_name[] = "cn";
      char sn_name[] = "sn";
      LDAPMod class_mod{LDAP_MOD_ADD, object_class, {classes}};
      LDAPMod cn_mod{LDAP_MOD_ADD, cn_name, {cns}};
      LDAPMod sn_mod{LDAP_MOD_ADD, sn_name, {sns}};
      LDAPMod* mods[] = {&class_mod, &cn_mod, &sn_mod, nullptr};
      rc = ldap_add_ext(connection.ld, added_dn.c_str(), mods, nullptr, nullptr, &msgid);
      break;
    }
    case Operation::kDelete: {
      std::size_t next = input.next_value.fetch_add(1);
      if (next >= input.values.size()) {
        connection.exhausted = true;
        return 0;
      }
      rc = ldap_delete_ext(connection.ld, input.values[next].c_str(), nullptr, nullptr, &msgid);
      break;
    }
  }
  return rc == LDAP_SUCCESS ? msgid : -1;
}

// Records one response message (the whole chain for a search).
void record_response(LDAP* ld, LDAPMessage* message, const Pending& pending, Clock::time_point now,
                     Clock::time_point deadline, ThreadResult& result) {
  int entries = ldap_count_entries(ld, message);
  int code = LDAP_OTHER;
  int rc = ldap_parse_result(ld, message, &code, nullptr, nullptr, nullptr, nullptr, 1);
  if (rc != LDAP_SUCCESS) {
    code = rc;
  }
  if (now > deadline) {
    return;
  }

  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - pending.start).count();
  result.latencies_us.push_back(static_cast<std::uint32_t>(std::min<long long>(micros, UINT32_MAX)));
  result.entries += entries > 0 ? static_cast<std::uint64_t>(entries) : 0;
  result.result_codes[code] += 1;
  if (code != LDAP_SUCCESS) {
    result.errors += 1;
  } else if (!pending.added_dn.empty()) {
    result.created.push_back(pending.added_dn);
  }
}

// Reads every response that has arrived on one connection without blocking. Returns false
// when the connection broke.
bool drain(Connection& connection, Clock::time_point deadline, ThreadResult& result) {
  timeval zero{0, 0};
  while (!connection.pending.empty()) {
    LDAPMessage* message = nullptr;
    int type = ldap_result(connection.ld, LDAP_RES_ANY, LDAP_MSG_ALL, &zero, &message);
    if (type == 0) {
      return true;
    }
    if (type < 0) {
      int code = LDAP_OTHER;
      ldap_get_option(connection.ld, LDAP_OPT_RESULT_CODE, &code);
      result.failure = std::string("connection failed: ") + ldap_err2string(code);
      return false;
    }
    Clock::time_point now = Clock::now();
    auto found = connection.pending.find(ldap_msgid(message));
    if (found == connection.pending.end()) {
      ldap_msgfree(message);
      continue;
    }
    record_response(connection.ld, message, found->second, now, deadline, result);
    connection.pending.erase(found);
  }
  return true;
}

bool has_buffered_data(const Connection& connection) {
  Sockbuf* buffer = nullptr;
  if (connection.pending.empty() || ldap_get_option(connection.ld, LDAP_OPT_SOCKBUF, &buffer) != LDAP_OPT_SUCCESS) {
    return false;
  }
  return ber_sockbuf_ctrl(buffer, LBER_SB_OPT_DATA_READY, nullptr) > 0;
}

// Keeps each connection at --depth outstanding requests until the deadline, then collects
// the remaining responses.
void run_connections(const Options& options, SharedInput& input, std::vector<Connection>& connections,
                     unsigned thread_index, Clock::time_point deadline, ThreadResult& result) {
  std::vector<pollfd> fds(connections.size());
  while (true) {
    Clock::time_point now = Clock::now();
    bool sending = now < deadline;
    bool waiting = false;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& connection = connections[i];
      while (sending && !connection.exhausted && connection.pending.size() < options.depth) {
        std::string added_dn;
        Clock::time_point start = Clock::now();
        int msgid = send_request(options, input, connection, thread_index, added_dn);
        if (msgid < 0) {
          result.failure = "cannot send a request on connection " + std::to_string(connection.index);
          return;
        }
        if (msgid == 0) {
          break;
        }
        connection.pending.emplace(msgid, Pending{start, std::move(added_dn)});
      }
      waiting = waiting || !connection.pending.empty();
      fds[i] = pollfd{connection.fd, POLLIN, 0};
    }
    bool all_exhausted = std::all_of(connections.begin(), connections.end(),
                                     [](const Connection& c) { return c.exhausted; });
    if (!waiting && (!sending || all_exhausted)) {
      return;
    }
    if (now > deadline + kDrainTimeout) {
      result.failure = "responses still missing " + std::to_string(kDrainTimeout.count()) +
                       " s after the duration ended";
      return;
    }

    // libldap may already hold a whole response in its buffer; poll would not report it.
    bool buffered = std::any_of(connections.begin(), connections.end(), has_buffered_data);
    poll(fds.data(), fds.size(), buffered ? 0 : kPollTimeoutMs);
    for (Connection& connection : connections) {
      if (!drain(connection, deadline, result)) {
        return;
      }
    }
  }
}

double percentile_ms(const std::vector<std::uint32_t>& sorted, double fraction) {
  if (sorted.empty()) {
    return 0;
  }
  auto index = std::min(sorted.size() - 1, static_cast<std::size_t>(fraction * static_cast<double>(sorted.size())));
  return sorted[index] / 1000.0;
}

void print_summary(const Options& options, std::vector<ThreadResult>& results) {
  ThreadResult total;
  for (ThreadResult& part : results) {
    total.latencies_us.insert(total.latencies_us.end(), part.latencies_us.begin(), part.latencies_us.end());
    total.errors += part.errors;
    total.entries += part.entries;
    for (auto [code, count] : part.result_codes) {
      total.result_codes[code] += count;
    }
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  double completed = static_cast<double>(total.latencies_us.size());

  std::printf("operation=%s connections=%u depth=%u threads=%u duration_s=%.1f completed=%zu errors=%llu "
              "entries=%llu ops_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f\n",
              options.operation_name.c_str(), options.connections, options.depth, options.threads,
              options.duration_seconds, total.latencies_us.size(), static_cast<unsigned long long>(total.errors),
              static_cast<unsigned long long>(total.entries), completed / options.duration_seconds,
              percentile_ms(total.latencies_us, 0.50), percentile_ms(total.latencies_us, 0.90),
              percentile_ms(total.latencies_us, 0.99), percentile_ms(total.latencies_us, 0.999));
  for (auto [code, count] : total.result_codes) {
    if (code != LDAP_SUCCESS) {
      std::fprintf(stderr, "ldap_load: %llu operations ended with result %d (%s)\n",
                   static_cast<unsigned long long>(count), code, ldap_err2string(code));
    }
  }
}

bool write_created(const std::string& path, const std::vector<ThreadResult>& results) {
  std::ofstream output(path);
  for (const ThreadResult& part : results) {
    for (const std::string& dn : part.created) {
      output << dn << "\n";
    }
  }
  return static_cast<bool>(output);
}

// Checks option combinations and reads the files. Returns an empty string when valid.
std::string prepare(Options& options, SharedInput& input) {
  options.operation = kOperations.at(options.operation_name);
  bool needs_values = options.operation != Operation::kAdd;
  if (needs_values && options.values_file.empty()) {
    return "--operation " + options.operation_name + " needs --values";
  }
  if (needs_values && (!read_lines(options.values_file, input.values) || input.values.empty())) {
    return "cannot read values from --values " + options.values_file + " (missing or empty)";
  }
  if (options.operation == Operation::kBind) {
    // RFC 4511 4.2.1: a client must not send other requests while a bind is in progress.
    options.depth = 1;
    std::vector<std::string> lines;
    if (options.user_password_file.empty() || !read_lines(options.user_password_file, lines) || lines.empty()) {
      return "--operation bind needs --user-password-file with the users' password on its first line";
    }
    input.user_password = lines.front();
  }
  if (!options.bind_dn.empty()) {
    std::vector<std::string> lines;
    if (options.password_file.empty() || !read_lines(options.password_file, lines) || lines.empty()) {
      return "--bind-dn needs --password-file with the password on its first line";
    }
    input.password = lines.front();
  }
  if (options.threads == 0 || options.connections < options.threads) {
    return "--connections must be at least --threads, and --threads at least 1";
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Asynchronous LDAP load generator: prints operations per second and latency percentiles"};
  app.add_option("--url", options.url, "LDAP URL of the server, e.g. ldap://127.0.0.1:3389")->required();
  app.add_option("--operation", options.operation_name, "search-uid, search-cn, one-level, bind, modify, add or delete")
      ->required()
      ->check(CLI::IsMember(kOperations));
  app.add_option("--connections", options.connections, "Connections to open")->capture_default_str();
  app.add_option("--depth", options.depth, "Requests outstanding on each connection (bind always uses 1)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--threads", options.threads, "Client threads sharing the connections")->capture_default_str();
  app.add_option("--duration", options.duration_seconds, "Seconds to send requests for")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--values", options.values_file, "File with one uid, cn prefix or DN a line (see the header)");
  app.add_option("--base", options.base, "Search base, and the parent of added entries")->capture_default_str();
  app.add_option("--bind-dn", options.bind_dn, "DN every connection binds as first (writes need the admin)");
  app.add_option("--password-file", options.password_file, "File with the --bind-dn password on its first line");
  app.add_option("--user-password-file", options.user_password_file, "File with the password of the bind DNs");
  app.add_option("--name-prefix", options.name_prefix, "First part of the cn of added entries")->capture_default_str();
  app.add_option("--created", options.created_file, "File to write the DNs that add created, one a line");
  app.add_option("--seed", options.seed, "Seed of the per-connection value choice")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  SharedInput input;
  if (std::string problem = prepare(options, input); !problem.empty()) {
    std::cerr << "ldap_load: " << problem << "\n";
    return 1;
  }

  // Connections are opened (and bound) before the clock starts, round-robin over threads.
  std::vector<std::vector<Connection>> per_thread(options.threads);
  for (unsigned i = 0; i < options.connections; ++i) {
    Connection connection;
    connection.index = i;
    connection.random.seed(options.seed + i);
    if (std::string problem = open_connection(options, input, connection); !problem.empty()) {
      std::cerr << "ldap_load: " << problem << "\n";
      return 1;
    }
    per_thread[i % options.threads].push_back(std::move(connection));
  }

  auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration_seconds));
  Clock::time_point deadline = Clock::now() + duration;
  std::vector<ThreadResult> results(options.threads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] { run_connections(options, input, per_thread[t], t, deadline, results[t]); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  print_summary(options, results);
  int exit_code = 0;
  for (const ThreadResult& part : results) {
    if (!part.failure.empty()) {
      std::cerr << "ldap_load: " << part.failure << "\n";
      exit_code = 1;
    }
  }
  if (!options.created_file.empty() && !write_created(options.created_file, results)) {
    std::cerr << "ldap_load: cannot write --created " << options.created_file << "\n";
    exit_code = 1;
  }
  for (auto& connections : per_thread) {
    for (Connection& connection : connections) {
      ldap_unbind_ext_s(connection.ld, nullptr, nullptr);
    }
  }
  return exit_code;
}
