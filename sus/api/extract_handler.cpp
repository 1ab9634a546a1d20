// The extract endpoints: priced spells of one provider or commissioner for a period, with
// optional filters, as JSON or as the extract CSV of `careidctl sus extract`.
#include <set>

#include "sus/api/api.h"
#include "sus/api/detail/requests.h"
#include "sus/api/spell_json.h"
#include "sus/extract/extract.h"

namespace careid::sus::api {
namespace {

using detail::json_reply;
using detail::parameter;
using detail::parse_year;
using detail::status_reply;

const std::set<std::string, std::less<>> kExtractParameters = {
    "year", "from", "to", "hrg", "admission_method", "classification", "format", "provider", "commissioner"};

// The filters beyond SpellFilter's period and organisations.
struct ExtraFilter {
  std::string hrg;
  std::string admission_method;
  std::string classification;

  bool matches(const spells::Spell& spell) const {
    return (hrg.empty() || spell.hrg_code == hrg) &&
           (admission_method.empty() || spell.admission_method == admission_method) &&
           (classification.empty() ||
            classification == std::to_string(static_cast<int>(spell.classification)));
  }
};

struct ExtractQuery {
  std::string year;
  extract::SpellFilter filter;
  ExtraFilter extra;
  bool csv = false;
};

Status read_date(const ApiRequest& request, std::string_view name, spells::Date& date) {
  std::string_view text = parameter(request, name);
  if (text.empty()) {
    return Status::ok_status();
  }
  std::optional<spells::Date> parsed = spells::parse_date(text);
  if (!parsed) {
    return Status::invalid_argument("invalid " + std::string(name) + " '" +
                                    std::string(text.substr(0, 32)) + "'; expected CCYY-MM-DD");
  }
  date = *parsed;
  return Status::ok_status();
}

// Checks that from and to lie inside the requested financial year, because a spell is priced
// by the tariff of the year it was discharged in.
Status check_period(const ExtractQuery& query, const extract::SpellFilter& year_period) {
  const std::string range = " (" + spells::format_date(year_period.from) + " to " +
                            spells::format_date(year_period.to) + ")";
  if (query.filter.from < year_period.from || query.filter.from > year_period.to) {
    return Status::invalid_argument("from " + spells::format_date(query.filter.from) + " is outside financial year " +
                                    query.year + range + "; ask for each year separately");
  }
  if (query.filter.to < year_period.from || query.filter.to > year_period.to) {
    return Status::invalid_argument("to " + spells::format_date(query.filter.to) + " is outside financial year " +
                                    query.year + range + "; ask for each year separately");
  }
  if (query.filter.from > query.filter.to) {
    return Status::invalid_argument("from " + spells::format_date(query.filter.from) + " is after to " +
                                    spells::format_date(query.filter.to));
  }
  return Status::ok_status();
}

// Checks a CDS patient classification code: 1 to 5, as spells::PatientClassification.
Status check_classification(std::string_view classification) {
  if (classification.empty() || (classification.size() == 1 && classification[0] >= '1' && classification[0] <= '5')) {
    return Status::ok_status();
  }
  return Status::invalid_argument("invalid classification '" + std::string(classification.substr(0, 16)) +
                                  "'; expected a CDS patient classification code from 1 to 5");
}

Result<ExtractQuery> read_query(const ApiRequest& request) {
  for (const auto& [name, value] : request.parameters) {
    if (!kExtractParameters.contains(name)) {
      return Status::invalid_argument("unknown query parameter '" + name.substr(0, 32) +
                                      "'; see sus/api/openapi.yaml");
    }
  }

  ExtractQuery query;
  Result<std::string> year = parse_year(parameter(request, "year"));
  if (!year.ok()) {
    return year.status();
  }
  query.year = *year;
  Result<extract::SpellFilter> period = extract::financial_year_period(query.year);
  if (!period.ok()) {
    return period.status();
  }
  query.filter = *period;

  CAREID_RETURN_IF_ERROR(read_date(request, "from", query.filter.from));
  CAREID_RETURN_IF_ERROR(read_date(request, "to", query.filter.to));
  CAREID_RETURN_IF_ERROR(check_period(query, *period));

  query.extra = {std::string(parameter(request, "hrg")),
                 std::string(parameter(request, "admission_method")),
                 std::string(parameter(request, "classification"))};
  CAREID_RETURN_IF_ERROR(check_classification(query.extra.classification));

  std::string_view format = parameter(request, "format");
  if (!format.empty() && format != "json" && format != "csv") {
    return Status::invalid_argument("invalid format '" + std::string(format.substr(0, 16)) +
                                    "'; expected json or csv");
  }
  query.csv = format == "csv";
  return query;
}

// Summary counts of an extract, as extract::PricingSummary counts them.
struct Totals {
  std::size_t spells = 0;
  std::size_t priced = 0;
  std::size_t unpriced = 0;
  payment::Pence total = 0;

  void add(const Result<payment::Payment>& payment) {
    ++spells;
    if (payment.ok()) {
      ++priced;
      total += payment->total;
    } else {
      ++unpriced;
    }
  }
};

Json query_json(const ExtractQuery& query, const Totals& totals) {
  Json body = {{"year", query.year},
               {"from", spells::format_date(query.filter.from)},
               {"to", spells::format_date(query.filter.to)},
               {"summary",
                {{"spells", totals.spells},
                 {"priced", totals.priced},
                 {"unpriced", totals.unpriced},
                 {"total", tariff::format_pounds(totals.total)}}}};
  if (!query.filter.provider.empty()) {
    body["provider"] = query.filter.provider;
  }
  if (!query.filter.commissioner.empty()) {
    body["commissioner"] = query.filter.commissioner;
  }
  return body;
}

// Prices every stored spell the query selects, into CSV or a JSON array. Holds `mutex`
// while it reads the store. Returns kResourceExhausted past `max_spells`.
Result<ApiReply> run_extract(const storage::SusStore& store, std::mutex& mutex, const ExtractQuery& query,
                             const tariff::TariffYear& tariff, const tariff::MffTable& mff,
                             std::size_t max_spells) {
  Totals totals;
  std::string csv = query.csv ? extract::extract_header() : "";
  Json rows = Json::array();

  std::unique_lock lock(mutex);
  Status visited = store.for_each_spell([&](const spells::Spell& spell) {
    if (!query.filter.matches(spell) || !query.extra.matches(spell)) {
      return Status::ok_status();
    }
    if (totals.spells == max_spells) {
      return Status::resource_exhausted("the extract has more than sus.max_extract_spells (" +
                                        std::to_string(max_spells) +
                                        ") spells; narrow it with from, to or the other filters");
    }
    Result<payment::Payment> payment = payment::price_spell(spell, tariff, mff);
    totals.add(payment);
    if (query.csv) {
      extract::append_extract_row(csv, spell, payment);
    } else {
      Json payment_json = payment_to_json(spell, payment);
      payment_json.erase("explanation");
      rows.push_back({{"spell", spell_to_json(spell)}, {"payment", std::move(payment_json)}});
    }
    return Status::ok_status();
  });
  lock.unlock();
  CAREID_RETURN_IF_ERROR(visited);

  ApiReply reply;
  if (query.csv) {
    reply.content_type = "text/csv; charset=utf-8";
    reply.body = std::move(csv);
    return reply;
  }
  Json body = query_json(query, totals);
  body["spells"] = std::move(rows);
  return json_reply(body);
}

}  // namespace

ApiReply SusApi::extract(const ApiRequest& request, std::string_view provider,
                         std::string_view commissioner, const Principal& caller) const {
  if (!settings_.access.can_read(caller)) {
    return detail::forbidden("the selected role has none of the SUS read activities (sus.read_activities)");
  }
  if (provider.empty() && commissioner.empty()) {
    return error_reply(400, "invalid_request", "name a provider or a commissioner (or both)");
  }

  bool own = (!provider.empty() && provider == caller.org_code) ||
             (!commissioner.empty() && commissioner == caller.org_code);
  if (!own) {
    return detail::forbidden("organisation " + caller.org_code +
                             " may read only extracts of spells it provides or commissions");
  }

  Result<ExtractQuery> query = read_query(request);
  if (!query.ok()) {
    return status_reply(query.status());
  }
  query->filter.provider = std::string(provider);
  query->filter.commissioner = std::string(commissioner);

  Result<YearPrices> prices = year_prices(query->year);
  if (!prices.ok()) {
    return status_reply(prices.status());
  }
  Result<ApiReply> reply = run_extract(store_, store_mutex_, *query, *prices->tariff, *prices->mff,
                                       settings_.limits.max_extract_spells);
  return reply.ok() ? std::move(*reply) : status_reply(reply.status());
}

}  // namespace careid::sus::api
