// The spell endpoints: pricing one spell, storing a batch and reading one stored spell.
#include <algorithm>

#include "base/log.h"
#include "sus/api/api.h"
#include "sus/api/detail/requests.h"
#include "sus/api/spell_json.h"
#include "sus/spells/spell_csv.h"

namespace careid::sus::api {
namespace {

using detail::forbidden;
using detail::json_reply;
using detail::parameter;
using detail::status_reply;

bool is_json(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "application/json";
}

bool is_csv(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "text/csv";
}

Result<Json> parse_json_body(const ApiRequest& request) {
  if (!is_json(request.content_type)) {
    return Status::invalid_argument("Content-Type must be application/json, got '" +
                                    request.content_type.substr(0, 64) + "'");
  }
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    return Status::invalid_argument("the body is not valid JSON");
  }
  return body;
}

// Checks one JSON spell as the CSV ingest does and returns it, or the reason it is invalid.
Result<spells::Spell> read_one_spell(const Json& element) {
  Result<CsvBatch> batch = json_spells_to_csv(Json::array({element}));
  if (!batch.ok()) {
    return batch.status();
  }
  if (!batch->rejected.empty()) {
    return Status::invalid_argument(batch->rejected.front().reason);
  }

  std::optional<spells::Spell> spell;
  std::string reason;
  Result<spells::IngestSummary> ingested = spells::ingest_spells(
      batch->csv,
      [&](const spells::Spell& s) {
        spell = s;
        return Status::ok_status();
      },
      [&](const spells::Rejection& rejection) { reason = rejection.reason; });
  if (!ingested.ok()) {
    return ingested.status();
  }
  if (!spell) {
    return Status::invalid_argument(reason);
  }
  return *spell;
}

// Counts the data lines of a CSV body, a bound on its rows (quoted line breaks count too).
std::size_t count_lines(std::string_view csv) {
  std::size_t lines = static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n'));
  bool unterminated = !csv.empty() && csv.back() != '\n';
  return lines + (unterminated ? 1 : 0);
}

Json rejection_json(const spells::Rejection& rejection, bool json_body) {
  Json entry = {{"reason", rejection.reason}};
  if (json_body) {
    entry["index"] = rejection.line;
  } else if (rejection.line != 0) {
    entry["line"] = rejection.line;
  }
  if (!rejection.spell_number.empty()) {
    entry["spell_number"] = rejection.spell_number;
  }
  return entry;
}

// Sorts the rejections by line (CSV) or element index (JSON) and returns them as JSON.
Json rejections_json(std::vector<spells::Rejection> rejected, bool json_body) {
  std::stable_sort(rejected.begin(), rejected.end(),
                   [](const spells::Rejection& a, const spells::Rejection& b) { return a.line < b.line; });
  Json list = Json::array();
  for (const spells::Rejection& rejection : rejected) {
    list.push_back(rejection_json(rejection, json_body));
  }
  return list;
}

}  // namespace

Result<SusApi::YearPrices> SusApi::year_prices(const std::string& year) const {
  auto tariff = cache_.tariff(year, [this](std::string_view y) {
    std::lock_guard lock(store_mutex_);
    return store_.load_tariff_year(y);
  });
  if (!tariff.ok()) {
    return tariff.status();
  }
  auto mff = cache_.mff(year, [this](std::string_view y) {
    std::lock_guard lock(store_mutex_);
    return store_.load_mff_year(y);
  });
  if (!mff.ok()) {
    return mff.status();
  }
  return YearPrices{*tariff, *mff};
}

ApiReply SusApi::priced_spell(const std::string& year, const spells::Spell& spell) const {
  Result<YearPrices> prices = year_prices(year);
  if (!prices.ok()) {
    return status_reply(prices.status());
  }
  Result<payment::Payment> payment = payment::price_spell(spell, *prices->tariff, *prices->mff);
  return json_reply({{"year", year}, {"spell", spell_to_json(spell)}, {"payment", payment_to_json(spell, payment)}});
}

ApiReply SusApi::price(const ApiRequest& request, std::string_view year_text,
                       const Principal& caller) const {
  Result<std::string, ApiReply> year = readable_year(year_text, caller);
  if (!year.ok()) {
    return year.error();
  }
  Result<Json> body = parse_json_body(request);
  if (!body.ok()) {
    return status_reply(body.status());
  }
  Result<spells::Spell> spell = read_one_spell(*body);
  if (!spell.ok()) {
    return status_reply(spell.status());
  }

  return priced_spell(*year, *spell);
}

ApiReply SusApi::submit(const ApiRequest& request, const Principal& caller) const {
  if (!settings_.access.can_submit(caller)) {
    return forbidden("the selected role has none of the SUS submit activities (sus.submit_activities)");
  }

  const std::size_t max_spells = settings_.limits.max_batch_spells;
  const bool json_body = is_json(request.content_type);
  CsvBatch batch;
  if (json_body) {
    Result<Json> body = parse_json_body(request);
    if (!body.ok()) {
      return status_reply(body.status());
    }
    if (body->is_array() && body->size() > max_spells) {
      return error_reply(413, "too_large", "the batch has " + std::to_string(body->size()) +
                                               " spells, more than sus.max_batch_spells (" +
                                               std::to_string(max_spells) + ")");
    }
    Result<CsvBatch> converted = json_spells_to_csv(*body);
    if (!converted.ok()) {
      return status_reply(converted.status());
    }
    batch = std::move(*converted);
  } else if (is_csv(request.content_type)) {
    if (count_lines(request.body) > max_spells + 1) {
      return error_reply(413, "too_large", "the CSV body has more than sus.max_batch_spells (" +
                                               std::to_string(max_spells) + ") data lines");
    }
    batch.csv = request.body;
  } else {
    return error_reply(415, "unsupported_media_type",
                       "Content-Type must be application/json or text/csv, got '" +
                           request.content_type.substr(0, 64) + "'");
  }

  return store_batch(batch, json_body, caller);
}

ApiReply SusApi::store_batch(const CsvBatch& batch, bool json_body, const Principal& caller) const {
  std::vector<spells::Rejection> rejected = batch.rejected;
  std::size_t accepted = 0;
  // ingest_spells reports each converted JSON element once, in order, so a count of its
  // callbacks finds the element's index. A CSV row of another provider has no line number
  // to report (ingest_spells gives none for valid rows), so it is named by spell number.
  std::size_t reported = 0;
  auto element = [&]() -> std::size_t {
    std::size_t position = reported++;
    return json_body && position < batch.element_of_line.size() ? batch.element_of_line[position] : 0;
  };

  std::lock_guard lock(store_mutex_);
  Result<storage::SpellWriter> writer = store_.begin_spells();
  if (!writer.ok()) {
    return status_reply(writer.status());
  }
  Result<spells::IngestSummary> ingested = spells::ingest_spells(
      batch.csv,
      [&](const spells::Spell& spell) {
        std::size_t index = element();
        if (spell.provider != caller.org_code) {
          rejected.push_back({index, spell.spell_number,
                              "provider " + spell.provider +
                                  " is not the organisation of the selected role (" + caller.org_code + ")"});
          return Status::ok_status();
        }
        ++accepted;
        return writer->put(spell);
      },
      [&](const spells::Rejection& rejection) {
        std::size_t index = element();
        rejected.push_back({json_body ? index : rejection.line, rejection.spell_number, rejection.reason});
      });
  if (!ingested.ok()) {
    return status_reply(ingested.status());
  }
  Status committed = writer->commit();
  if (!committed.ok()) {
    return status_reply(committed);
  }

  log::get("sus")->info("api outcome=spells_stored org={} accepted={} rejected={}",
                        caller.org_code, accepted, rejected.size());
  return json_reply({{"accepted", accepted},
                     {"rejected", rejected.size()},
                     {"rejections", rejections_json(std::move(rejected), json_body)}});
}

ApiReply SusApi::stored_spell(const ApiRequest& request, std::string_view provider,
                              std::string_view number, const Principal& caller) const {
  Result<std::string, ApiReply> year = readable_year(parameter(request, "year"), caller);
  if (!year.ok()) {
    return year.error();
  }

  Result<spells::Spell> spell = [&] {
    std::lock_guard lock(store_mutex_);
    return store_.find_spell(provider, number);
  }();
  if (!spell.ok() && spell.status().code() != StatusCode::kNotFound) {
    return status_reply(spell.status());
  }
  // Another organisation gets the same 403 whether the spell exists or not.
  bool own_provider = provider == caller.org_code;
  if (!own_provider && (!spell.ok() || !may_read_spell(caller, *spell))) {
    return forbidden("organisation " + caller.org_code +
                     " may read only spells it provides or commissions");
  }
  if (!spell.ok()) {
    return error_reply(404, "not_found", "provider " + std::string(provider) + " has no spell '" +
                                             std::string(number.substr(0, 32)) + "'");
  }

  return priced_spell(*year, *spell);
}

}  // namespace careid::sus::api
