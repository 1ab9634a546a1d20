// A small RAII wrapper of libpq for the PostgreSQL SUS store. pg_connection.cpp is the only
// SUS code that includes <libpq-fe.h>; every libpq error leaves it as a Status.
//
// Every value reaches the server as a bound parameter (PQexecParams) or as COPY data,
// never spliced into SQL text, so stored values cannot change a statement.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

// libpq's PGconn and PGresult, declared here so that only pg_connection.cpp includes libpq.
struct pg_conn;
struct pg_result;

namespace careid::sus::storage::pg {

// Returns `uri` without a password: "postgresql://user:secret@host/db?password=x&port=5432"
// becomes "postgresql://user@host/db?port=5432". Used for every message and log line that
// names a server.
std::string redact_uri(std::string_view uri);

// One query result. Text values are valid while the QueryResult lives.
class QueryResult {
 public:
  QueryResult(QueryResult&& other) noexcept;
  QueryResult& operator=(QueryResult&& other) noexcept;
  ~QueryResult();

  int rows() const;
  bool is_null(int row, int column) const;
  // The value in text form; empty for NULL.
  std::string_view text(int row, int column) const;

 private:
  friend class Connection;
  explicit QueryResult(pg_result* result) : result_(result) {}
  pg_result* result_;
};

// A parameter of exec(): nullopt is SQL NULL.
using Param = std::optional<std::string>;

// One connection to a PostgreSQL server. Blocking; one thread at a time.
class Connection {
 public:
  // Connects with a libpq connection URI; libpq also reads PGPASSWORD and ~/.pgpass.
  // Waits at most 10 s unless the URI sets connect_timeout. Returns kUnavailable when the
  // server cannot be reached or rejects the login; the message names the URI without its
  // password.
  static Result<std::unique_ptr<Connection>> connect(std::string_view uri);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with text parameters ($1, $2, ...). Returns the server's error as a
  // Status: kUnavailable for a lost connection, kResourceExhausted for a full disk or
  // memory, kInvalidArgument for a value the column rejects, kIoError otherwise.
  Result<QueryResult> exec(std::string_view sql, const std::vector<Param>& params = {});

  // Runs SQL text without parameters, which may hold several statements. Only for SQL
  // that contains no outside values.
  Status exec_script(std::string_view sql);

  // COPY ... FROM STDIN in text format: start it, send rows (any split), finish it.
  // abort_copy() ends it with an error so that the server discards what it received.
  Status start_copy(std::string_view sql);
  Status send_copy(std::string_view data);
  Status finish_copy();
  void abort_copy();

  // Where the connection goes, without the password.
  const std::string& location() const { return location_; }

 private:
  Connection(pg_conn* connection, std::string location) : connection_(connection), location_(std::move(location)) {}
  Status result_status(pg_result* result, std::string_view operation);

  pg_conn* connection_;
  std::string location_;
};

// A transaction that rolls back when it goes out of scope uncommitted, so that every early
// return of an import leaves the store as it was.
class Transaction {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Runs `begin_sql`, such as "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".
  Status begin(std::string_view begin_sql = "BEGIN");
  Status commit();

 private:
  Connection& connection_;
  bool open_ = false;
};

}  // namespace careid::sus::storage::pg
