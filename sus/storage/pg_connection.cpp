#include "sus/storage/pg_connection.h"

#include <libpq-fe.h>

#include "base/log.h"

namespace careid::sus::storage::pg {
namespace {

// libpq waits for ever for a server that does not respond; a URI may set its own timeout.
constexpr const char* kDefaultConnectTimeoutSeconds = "10";

// Maps an SQLSTATE class (PostgreSQL documentation, appendix A) to a status code.
StatusCode code_of(const char* sqlstate) {
  const std::string_view state = sqlstate == nullptr ? "" : sqlstate;
  if (state.starts_with("08") || state.starts_with("57P")) {
    return StatusCode::kUnavailable;
  }
  if (state.starts_with("53")) {
    return StatusCode::kResourceExhausted;
  }
  if (state.starts_with("22") || state.starts_with("23")) {
    return StatusCode::kInvalidArgument;
  }
  if (state.starts_with("28") || state == "42501") {
    return StatusCode::kPermissionDenied;
  }
  return StatusCode::kIoError;
}

// libpq prints server notices (such as "relation already exists, skipping") to stderr
// unless a processor takes them.
void log_notice(void* /*unused*/, const char* message) {
  std::string_view text = message;
  if (text.ends_with('\n')) {
    text.remove_suffix(1);
  }
  log::get("sus")->debug("postgresql notice: {}", text);
}

std::string trimmed_error(PGconn* connection) {
  std::string message = PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

}  // namespace

std::string redact_uri(std::string_view uri) {
  const std::size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) {
    return "(a PostgreSQL connection string)";
  }
  const std::size_t authority_start = scheme_end + 3;
  const std::size_t authority_end = std::min(uri.find_first_of("/?", authority_start), uri.size());
  std::string_view authority = uri.substr(authority_start, authority_end - authority_start);
  std::string out(uri.substr(0, authority_start));

  // RFC 3986 section 3.2.1: userinfo is "user:password" before the last '@'.
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    out.append(userinfo.substr(0, userinfo.find(':'))).push_back('@');
    authority.remove_prefix(at + 1);
  }
  out.append(authority);

  const std::size_t query_start = uri.find('?', authority_end);
  out.append(uri.substr(authority_end, std::min(query_start, uri.size()) - authority_end));
  if (query_start == std::string_view::npos) {
    return out;
  }
  std::string_view query = uri.substr(query_start + 1);
  char separator = '?';
  while (!query.empty()) {
    const std::size_t amp = std::min(query.find('&'), query.size());
    const std::string_view item = query.substr(0, amp);
    query.remove_prefix(std::min(amp + 1, query.size()));
    if (item.substr(0, item.find('=')) == "password") {
      continue;
    }
    out.push_back(separator);
    out.append(item);
    separator = '&';
  }
  return out;
}

QueryResult::QueryResult(QueryResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }

QueryResult& QueryResult::operator=(QueryResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

QueryResult::~QueryResult() { PQclear(result_); }

int QueryResult::rows() const { return PQntuples(result_); }

bool QueryResult::is_null(int row, int column) const { return PQgetisnull(result_, row, column) == 1; }

std::string_view QueryResult::text(int row, int column) const {
  return {PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

Result<std::unique_ptr<Connection>> Connection::connect(std::string_view uri) {
  const std::string uri_text(uri);
  std::string location = redact_uri(uri);
  // With expand_dbname, parameters in the URI override the ones listed before it.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {kDefaultConnectTimeoutSeconds, "careid", uri_text.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, 1);
  if (connection == nullptr) {
    return Status::resource_exhausted("out of memory connecting to " + location);
  }
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = "cannot connect to SUS store " + location + ": " + trimmed_error(connection);
    PQfinish(connection);
    return Status::unavailable(message);
  }
  PQsetNoticeProcessor(connection, log_notice, nullptr);
  return std::unique_ptr<Connection>(new Connection(connection, std::move(location)));
}

Connection::~Connection() { PQfinish(connection_); }

Status Connection::result_status(pg_result* result, std::string_view operation) {
  const ExecStatusType state = PQresultStatus(result);
  if (state == PGRES_COMMAND_OK || state == PGRES_TUPLES_OK || state == PGRES_COPY_IN) {
    return Status::ok_status();
  }
  std::string message = result != nullptr ? PQresultErrorMessage(result) : "";
  if (message.empty()) {
    message = trimmed_error(connection_);
  }
  while (!message.empty() && message.back() == '\n') {
    message.pop_back();
  }
  const StatusCode code = result == nullptr ? StatusCode::kUnavailable
                                            : code_of(PQresultErrorField(result, PG_DIAG_SQLSTATE));
  return Status(code, std::string(operation) + " in SUS store " + location_ + ": " + message);
}

Result<QueryResult> Connection::exec(std::string_view sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& param : params) {
    values.push_back(param ? param->c_str() : nullptr);
  }
  const std::string statement(sql);
  QueryResult result(PQexecParams(connection_, statement.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0));
  CAREID_RETURN_IF_ERROR(result_status(result.result_, "query"));
  return result;
}

Status Connection::exec_script(std::string_view sql) {
  const std::string script(sql);
  QueryResult result(PQexec(connection_, script.c_str()));
  return result_status(result.result_, "statement");
}

Status Connection::start_copy(std::string_view sql) {
  const std::string statement(sql);
  QueryResult result(PQexec(connection_, statement.c_str()));
  if (PQresultStatus(result.result_) != PGRES_COPY_IN) {
    CAREID_RETURN_IF_ERROR(result_status(result.result_, "start COPY"));
    return Status::internal("COPY did not start in SUS store " + location_);
  }
  return Status::ok_status();
}

Status Connection::send_copy(std::string_view data) {
  if (PQputCopyData(connection_, data.data(), static_cast<int>(data.size())) != 1) {
    return Status::unavailable("sending COPY data to SUS store " + location_ + " failed: " + trimmed_error(connection_));
  }
  return Status::ok_status();
}

Status Connection::finish_copy() {
  if (PQputCopyEnd(connection_, nullptr) != 1) {
    return Status::unavailable("ending COPY in SUS store " + location_ + " failed: " + trimmed_error(connection_));
  }
  Status status;
  while (pg_result* raw = PQgetResult(connection_)) {
    QueryResult result(raw);
    if (status.ok()) {
      status = result_status(raw, "COPY");
    }
  }
  return status;
}

void Connection::abort_copy() {
  if (PQputCopyEnd(connection_, "spell import discarded") == 1) {
    while (pg_result* raw = PQgetResult(connection_)) {
      PQclear(raw);
    }
  }
}

Transaction::~Transaction() {
  if (open_) {
    (void)connection_.exec_script("ROLLBACK");
  }
}

Status Transaction::begin(std::string_view begin_sql) {
  CAREID_RETURN_IF_ERROR(connection_.exec_script(begin_sql));
  open_ = true;
  return Status::ok_status();
}

Status Transaction::commit() {
  open_ = false;
  return connection_.exec_script("COMMIT");
}

}  // namespace careid::sus::storage::pg
