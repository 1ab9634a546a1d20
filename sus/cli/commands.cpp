#include "sus/cli/commands.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sus/csv/csv.h"
#include "sus/extract/extract.h"
#include "sus/payment/payment.h"
#include "sus/spells/spell_csv.h"
#include "sus/storage/store.h"
#include "sus/tariff/tariff_csv.h"

namespace careid::sus::cli {
namespace {

namespace fs = std::filesystem;

int fail(const Status& status) {
  std::cerr << "careidctl sus: " << status.message() << "\n";
  return 1;
}

// Options shared by the subcommands. CLI11 binds options to addresses that must live until
// parsing ends, so they are static.
struct Options {
  std::string store;
  std::string year;
  fs::path input;
  fs::path rejects;
  fs::path out;
  std::string provider;
  std::string commissioner;
  std::string spell_number;
  std::string from;
  std::string to;
};

// Encloses a field in quotes, doubling any quote inside (RFC 4180 section 2 rules 6 and 7).
std::string quote_csv(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

Options& options() {
  static Options instance;
  return instance;
}

void add_store_option(CLI::App* command) {
  command->add_option("--store", options().store,
                      "SUS store: an LMDB folder (created when missing) or a PostgreSQL URI "
                      "postgresql://USER@HOST/DB (put the password in ~/.pgpass or PGPASSWORD)")
      ->required();
}

void add_store_and_year(CLI::App* command) {
  add_store_option(command);
  command->add_option("--year", options().year, "Financial year of the tariff, such as 2015/16")->required();
}

Result<std::unique_ptr<storage::SusStore>> open_store() { return storage::open_store(options().store); }

Status import_tariff() {
  if (!tariff::is_financial_year(options().year)) {
    return Status::invalid_argument("invalid --year '" + options().year + "'; expected such as 2015/16");
  }
  auto text = csv::read_file(options().input);
  if (!text.ok()) {
    return text.status();
  }
  auto parsed = tariff::parse_tariff_csv(*text, options().year);
  CAREID_RETURN_IF_ERROR(tariff::import_errors_status(options().input, parsed.errors, parsed.error_count));
  auto store = open_store();
  if (!store.ok()) {
    return store.status();
  }
  CAREID_RETURN_IF_ERROR((*store)->replace_tariff_year(parsed.tariff));
  std::cout << "stored " << parsed.tariff.size() << " HRG prices for " << options().year << "\n";
  return Status::ok_status();
}

Status import_mff() {
  if (!tariff::is_financial_year(options().year)) {
    return Status::invalid_argument("invalid --year '" + options().year + "'; expected such as 2015/16");
  }
  auto text = csv::read_file(options().input);
  if (!text.ok()) {
    return text.status();
  }
  auto parsed = tariff::parse_mff_csv(*text, options().year);
  CAREID_RETURN_IF_ERROR(tariff::import_errors_status(options().input, parsed.errors, parsed.error_count));
  auto store = open_store();
  if (!store.ok()) {
    return store.status();
  }
  CAREID_RETURN_IF_ERROR((*store)->replace_mff_year(parsed.table));
  std::cout << "stored " << parsed.table.by_provider.size() << " market forces factors for " << options().year << "\n";
  return Status::ok_status();
}

Status import_spells() {
  auto text = csv::read_file(options().input);
  if (!text.ok()) {
    return text.status();
  }
  auto store = open_store();
  if (!store.ok()) {
    return store.status();
  }
  auto writer = (*store)->begin_spells();
  if (!writer.ok()) {
    return writer.status();
  }

  std::ofstream rejects_file;
  if (!options().rejects.empty()) {
    rejects_file.open(options().rejects);
    if (!rejects_file) {
      return Status::io_error("cannot write " + options().rejects.string());
    }
    rejects_file << "line,spell_number,reason\n";
  }
  std::size_t printed_rejections = 0;
  auto summary = spells::ingest_spells(
      *text, [&](const spells::Spell& spell) { return writer->put(spell); },
      [&](const spells::Rejection& rejection) {
        if (printed_rejections++ < 10) {
          std::cerr << "rejected line " << rejection.line << ": " << rejection.reason << "\n";
        }
        if (rejects_file.is_open()) {
          rejects_file << rejection.line << "," << quote_csv(rejection.spell_number) << ","
                       << quote_csv(rejection.reason) << "\n";
        }
      });
  if (!summary.ok()) {
    return summary.status().with_context(options().input.string());
  }
  CAREID_RETURN_IF_ERROR(writer->commit());
  std::cout << "stored " << summary->accepted << " spells, rejected " << summary->rejected << "\n";
  return Status::ok_status();
}

Result<extract::SpellFilter> make_filter() {
  auto filter = extract::financial_year_period(options().year);
  if (!filter.ok()) {
    return filter.status();
  }
  const std::pair<const std::string*, spells::Date*> bounds[] = {{&options().from, &filter->from},
                                                                 {&options().to, &filter->to}};
  for (const auto& [text, date] : bounds) {
    if (text->empty()) {
      continue;
    }
    auto parsed = spells::parse_date(*text);
    if (!parsed) {
      return Status::invalid_argument("invalid date '" + *text + "'; expected CCYY-MM-DD");
    }
    *date = *parsed;
  }
  filter->provider = options().provider;
  filter->commissioner = options().commissioner;
  return filter;
}

void print_summary(const extract::PricingSummary& summary, double seconds) {
  std::cout << "priced " << summary.priced << " of " << summary.spells << " spells in " << seconds
            << " s, total " << tariff::format_pounds(summary.total) << ", unpriced " << summary.unpriced << "\n";
  for (const std::string& reason : summary.unpriced_reasons) {
    std::cout << "  unpriced: " << reason << "\n";
  }
}

Status explain_one_spell(const storage::SusStore& store) {
  auto spell = store.find_spell(options().provider, options().spell_number);
  if (!spell.ok()) {
    return spell.status();
  }
  auto tariff = store.load_tariff_year(options().year);
  if (!tariff.ok()) {
    return tariff.status();
  }
  auto mff = store.load_mff_year(options().year);
  if (!mff.ok()) {
    return mff.status();
  }
  auto payment = payment::price_spell(*spell, *tariff, *mff);
  if (!payment.ok()) {
    return payment.status();
  }
  std::cout << "spell " << spell->provider << "/" << spell->spell_number << ", HRG " << spell->hrg_code
            << ", admission method " << spell->admission_method << ", length of stay " << spell->length_of_stay()
            << " days, age " << spell->age_on_admission << "\n";
  for (const std::string& line : payment::explain(*spell, *payment)) {
    std::cout << "  " << line << "\n";
  }
  return Status::ok_status();
}

Status price() {
  auto store = open_store();
  if (!store.ok()) {
    return store.status();
  }
  if (!options().spell_number.empty()) {
    if (options().provider.empty()) {
      return Status::invalid_argument("--spell needs --provider");
    }
    return explain_one_spell(**store);
  }
  auto filter = make_filter();
  if (!filter.ok()) {
    return filter.status();
  }
  const auto start = std::chrono::steady_clock::now();
  auto summary = extract::price_stored_spells(**store, options().year, *filter);
  if (!summary.ok()) {
    return summary.status();
  }
  print_summary(*summary, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return Status::ok_status();
}

Status write_extract() {
  if (options().provider.empty() == options().commissioner.empty()) {
    return Status::invalid_argument("give exactly one of --provider and --commissioner");
  }
  auto store = open_store();
  if (!store.ok()) {
    return store.status();
  }
  auto filter = make_filter();
  if (!filter.ok()) {
    return filter.status();
  }
  std::ofstream out(options().out);
  if (!out) {
    return Status::io_error("cannot write " + options().out.string());
  }
  const auto start = std::chrono::steady_clock::now();
  auto summary = extract::write_extract(**store, options().year, *filter, out);
  if (!summary.ok()) {
    return summary.status();
  }
  print_summary(*summary, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::cout << "wrote " << options().out.string() << "\n";
  return Status::ok_status();
}

void add_period_options(CLI::App* command) {
  command->add_option("--from", options().from, "First discharge date CCYY-MM-DD (default: 1 April of --year)");
  command->add_option("--to", options().to, "Last discharge date CCYY-MM-DD (default: 31 March after --year)");
}

}  // namespace

void add_sus_commands(CLI::App& app, int& exit_code) {
  auto* sus = app.add_subcommand("sus", "National tariff, spell payment calculation and extracts")->require_subcommand(1);
  auto run = [&exit_code](Status (*action)()) {
    return [&exit_code, action] {
      Status status = action();
      exit_code = status.ok() ? 0 : fail(status);
    };
  };

  auto* tariff_command = sus->add_subcommand("import-tariff", "Store a tariff year from the admitted patient care CSV");
  add_store_and_year(tariff_command);
  tariff_command->add_option("file", options().input, "CSV export of the workbook table")->required()->check(CLI::ExistingFile);
  tariff_command->callback(run(import_tariff));

  auto* mff_command = sus->add_subcommand("import-mff", "Store a year's market forces factors per provider");
  add_store_and_year(mff_command);
  mff_command->add_option("file", options().input, "CSV with Org.Code and MFF columns")->required()->check(CLI::ExistingFile);
  mff_command->callback(run(import_mff));

  auto* spells_command = sus->add_subcommand("import-spells", "Store spells from a CSV with CDS field names");
  add_store_option(spells_command);
  spells_command->add_option("--rejects", options().rejects, "CSV file to write rejected rows and reasons to");
  spells_command->add_option("file", options().input, "Spell CSV")->required()->check(CLI::ExistingFile);
  spells_command->callback(run(import_spells));

  auto* price_command = sus->add_subcommand("price", "Price stored spells, or explain one spell's payment");
  add_store_and_year(price_command);
  add_period_options(price_command);
  price_command->add_option("--provider", options().provider, "Only this provider's spells (ODS code)");
  price_command->add_option("--commissioner", options().commissioner, "Only this commissioner's spells (ODS code)");
  price_command->add_option("--spell", options().spell_number, "Explain this spell of --provider");
  price_command->callback(run(price));

  auto* extract_command = sus->add_subcommand("extract", "Write a payment extract CSV for a provider or commissioner");
  add_store_and_year(extract_command);
  add_period_options(extract_command);
  extract_command->add_option("--provider", options().provider, "Provider ODS code");
  extract_command->add_option("--commissioner", options().commissioner, "Commissioner ODS code");
  extract_command->add_option("--out", options().out, "Output CSV file")->required();
  extract_command->callback(run(write_extract));
}

}  // namespace careid::sus::cli
