// Index kinds (presence, equality, substring, ordering): searches over indexed attributes
// return what a scan of an unindexed store returns, and the planner narrows with each kind.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/engine/directory.h"
#include "directory/engine/filter_evaluator.h"
#include "directory/engine/index_keys.h"
#include "directory/engine/naming.h"
#include "directory/engine/search_plan.h"
#include "directory/schema/schema_file.h"
#include "tests/directory/schema/certificate_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace careid::directory;
using engine::Directory;
using engine::DirectoryOptions;

constexpr unsigned kEq = storage::kIndexEquality;
constexpr unsigned kPres = storage::kIndexPresence;
constexpr unsigned kSub = storage::kIndexSubstring;
constexpr unsigned kOrd = storage::kIndexOrdering;

const std::vector<storage::AttributeIndex> kIndexes = {
    {"cn", kEq | kSub | kOrd}, {"sn", kPres}, {"uid", kEq | kOrd}, {"mail", kSub | kPres},
    {"objectClass", kEq | kPres}, {"employeeNumber", kOrd}, {"dnQualifier", kOrd}};

const std::vector<std::string> kNames = {
    "Anne Smith-Jones", "Bob Brown",     "Carol  Ann White", "anne smith",  "Zoe Ng",
    "Al",               "Ann",           "Ben Annett",       "X",           "Maria de la Cruz",
    "Mark Smithson",    "smith",         "Jones Smith",      "Ánne Ünder",  "ANNE",
    "Émile Zola",       "Zed Ann Zed",   "Sam O'Neil",       "Abbey Road",  "Anneliese Baker"};

std::shared_ptr<const schema::Schema> load_schema() {
  auto schema = schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
  REQUIRE(schema.ok());
  return std::move(*schema);
}

fs::path fresh_folder(const std::string& tag) {
  static int counter = 0;
  fs::path folder = fs::temp_directory_path() /
                    ("careid-index-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  fs::remove_all(folder);
  return folder;
}

// dnQualifier is a PrintableString, so the accented letters of kNames lose their accents.
std::string printable(const std::string& name) {
  if (name == "Ánne Ünder") {
    return "Anne Under";
  }
  if (name == "Émile Zola") {
    return "Emile Zola";
  }
  return name;
}

std::vector<Entry> people() {
  std::vector<Entry> entries;
  entries.push_back({"o=nhs", {{"objectClass", {"top", "organization"}}, {"o", {"nhs"}}}});
  entries.push_back({"ou=People,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"People"}}}});
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    const std::string uid = std::to_string(100 + i * 7);
    Entry person{"uid=" + uid + ",ou=People,o=nhs",
                 {{"objectClass", {"inetOrgPerson", "extensibleObject"}},
                  {"uid", {uid}},
                  {"cn", {kNames[i]}},
                  {"sn", {"S" + uid}},
                  {"dnQualifier", {printable(kNames[i])}}}};
    if (i % 3 == 0) {
      person.attributes.push_back({"mail", {"user" + uid + "@nhs.example"}});
    }
    if (i % 4 == 0) {
      person.attributes.push_back({"employeeNumber", {"E" + std::to_string(i % 10)}});
    }
    entries.push_back(std::move(person));
  }
  return entries;
}

std::unique_ptr<Directory> open_loaded(const fs::path& folder, std::vector<storage::AttributeIndex> indexes,
                                       std::vector<Entry> entries = people()) {
  DirectoryOptions options;
  options.store_folder = folder;
  options.map_size_bytes = 64 << 20;
  options.sync = false;
  options.indexed_attributes.clear();
  options.indexes = std::move(indexes);
  auto opened = Directory::open(load_schema(), options);
  REQUIRE(opened.ok());

  auto importer = (*opened)->begin_import();
  REQUIRE(importer.ok());
  for (Entry& entry : entries) {
    careid::Status added = (*importer)->add(std::move(entry));
    INFO(added.message());
    REQUIRE(added.ok());
  }
  REQUIRE((*importer)->finish().ok());
  return std::move(*opened);
}

std::set<std::string> found_dns(const Directory& directory, const std::string& filter) {
  auto found = directory.find("o=nhs", false, filter);
  INFO(filter);
  REQUIRE(found.ok());
  std::set<std::string> dns;
  for (const Entry& entry : *found) {
    dns.insert(entry.dn);
  }
  return dns;
}

const std::vector<std::string> kFilters = {
    "(cn=*)",          "(sn=*)",         "(mail=*)",          "(cn=anne*)",      "(cn=*smith*)",
    "(cn=*jones)",     "(cn=a*s*s)",     "(cn=an*)",          "(cn=*nn*)",       "(cn=* ann *)",
    "(cn=ann *)",      "(cn=*ith)",      "(cn=x)",            "(cn=*zed)",       "(cn=carol ann*)",
    "(cn>=M)",         "(cn<=C)",        "(cn>=anne)",        "(cn<=anne smith)", "(uid>=150)",
    "(uid<=121)",      "(mail=*nhs.example)", "(mail=user1*)", "(mail=*@*)",     "(&(cn=*an*)(sn=*))",
    "(|(cn=*ann*)(uid=100))", "(!(cn=*smith*))", "(employeeNumber>=E4)", "(employeeNumber<=E2)",
    "(cn=Ánne*)",      "(cn=*zola)",     "(cn=*o'n*)",        "(cn=abbey road)", "(dnQualifier>=t)",
    "(cn=ÁNNE*)",      "(cn=ÉMILE ZOLA)", "(cn=*ünder)",
    "(dnQualifier<=al)", "(dnQualifier>=Anne Smith)", "(dnQualifier<=anne smith)", "(dnQualifier>=ÿ)"};

TEST_CASE("indexed searches match unindexed scans", "[directory][engine][index]") {
  const fs::path plain_folder = fresh_folder("plain");
  const fs::path indexed_folder = fresh_folder("indexed");
  {
    auto plain = open_loaded(plain_folder, {});
    auto indexed = open_loaded(indexed_folder, kIndexes);
    for (const std::string& filter : kFilters) {
      INFO(filter);
      CHECK(found_dns(*indexed, filter) == found_dns(*plain, filter));
    }
    CHECK(found_dns(*indexed, "(cn=*smith*)").size() == 5);
    CHECK(found_dns(*indexed, "(dnQualifier>=t)").size() == 3);
    CHECK(found_dns(*indexed, "(cn=ÉMILE ZOLA)").size() == 1);
    CHECK(found_dns(*indexed, "(cn=*ÜNDER)").size() == 1);
  }
  fs::remove_all(plain_folder);
  fs::remove_all(indexed_folder);
}

// Opens a store with `indexes` and `entries` (parents first), for tests of the planner
// itself.
struct PlannedStore {
  fs::path folder = fresh_folder("plan");
  std::shared_ptr<const schema::Schema> schema = load_schema();
  std::unique_ptr<storage::EntryStore> store;

  explicit PlannedStore(const std::vector<Entry>& entries = people(),
                        const std::vector<storage::AttributeIndex>& indexes = kIndexes) {
    storage::StoreOptions options;
    options.create_folder = true;
    options.sync = false;
    options.map_size_bytes = 64 << 20;
    REQUIRE(engine::configure_store_indexes(*schema, {}, indexes, options).ok());
    auto opened = storage::EntryStore::open(folder, std::move(options));
    REQUIRE(opened.ok());
    store = std::move(*opened);

    auto txn = store->begin_write();
    REQUIRE(txn.ok());
    for (const Entry& entry : entries) {
      auto name = engine::name_dn(*schema, entry.dn);
      REQUIRE(name.ok());
      storage::EntryId parent = storage::kNoParent;
      if (entry.dn != "o=nhs") {
        auto parent_name = engine::name_dn(*schema, name->dn.parent().to_string());
        REQUIRE(parent_name.ok());
        parent = *txn->find_id(parent_name->normalised);
      }
      REQUIRE(txn->add(name->normalised, parent, entry, engine::index_keys(*schema, *store, entry)).ok());
    }
    REQUIRE(txn->commit().ok());
  }

  ~PlannedStore() {
    store.reset();
    fs::remove_all(folder);
  }

  // Returns the candidates and checks that they include every entry the filter matches.
  std::optional<std::vector<storage::EntryId>> plan(const std::string& text) {
    auto filter = protocol::parse_filter(text);
    REQUIRE(filter.ok());
    auto txn = store->begin_read();
    REQUIRE(txn.ok());
    auto candidates = engine::plan_candidates(*filter, *schema, *store, *txn);

    engine::FilterEvaluator evaluator(*schema);
    auto count = txn->entry_count();
    for (storage::EntryId id = 1; id <= *count; ++id) {
      auto entry = txn->get(id);
      REQUIRE(entry.ok());
      if (candidates.has_value() && evaluator.evaluate(*filter, *entry) == engine::Truth::kTrue) {
        INFO(text << " matches " << entry->dn);
        CHECK(std::binary_search(candidates->begin(), candidates->end(), id));
      }
    }
    return candidates;
  }
};

TEST_CASE("substring index narrows candidates", "[directory][engine][index]") {
  PlannedStore planned;
  auto smith = planned.plan("(cn=*smith*)");
  REQUIRE(smith.has_value());
  CHECK(smith->size() == 5);
  auto initial = planned.plan("(cn=anne*)");
  REQUIRE(initial.has_value());
  CHECK(initial->size() <= 5);
  auto final_part = planned.plan("(cn=*jones)");
  REQUIRE(final_part.has_value());
  CHECK(final_part->size() == 1);
  // Parts shorter than a trigram cannot narrow, so the scope is walked.
  CHECK_FALSE(planned.plan("(cn=*n*)").has_value());
}

// People named "Bench User <n>", as in the LDAP benchmark: most substring keys of a
// name are in every entry, and a few are rare.
std::vector<Entry> numbered_people(int count) {
  std::vector<Entry> entries = {people()[0], people()[1]};
  for (int n = 1; n <= count; ++n) {
    const std::string uid = std::to_string(1000 + n);
    entries.push_back({"uid=" + uid + ",ou=People,o=nhs",
                       {{"objectClass", {"inetOrgPerson"}},
                        {"uid", {uid}},
                        {"cn", {"Bench User " + std::to_string(n)}},
                        {"sn", {"User"}}}});
  }
  return entries;
}

TEST_CASE("planner reads rare lists first", "[directory][engine][index]") {
  PlannedStore planned(numbered_people(2000));

  // " 12" and "123" are rare; "ben", "use" and the rest are in all 2,000 entries.
  auto prefix = planned.plan("(cn=Bench User 123*)");
  REQUIRE(prefix.has_value());
  CHECK(prefix->size() <= 16);
  CHECK(prefix->size() >= 11);  // 123 and 1230-1239 match; the plan may keep a few more

  // An equality that every person has does not hide a rare one in the same AND.
  auto both = planned.plan("(&(objectClass=inetOrgPerson)(uid=1500))");
  REQUIRE(both.has_value());
  CHECK(both->size() == 1);
  auto nested = planned.plan("(&(sn=*)(&(cn=*user 7*)(objectClass=inetOrgPerson)))");
  REQUIRE(nested.has_value());
  CHECK(nested->size() == 111);  // "r 7" is in 7, 70-79 and 700-799 alone
  auto none = planned.plan("(&(objectClass=inetOrgPerson)(uid=none))");
  REQUIRE(none.has_value());
  CHECK(none->empty());

  // Every filter of the broader test still gets a superset (checked inside plan()).
  for (const char* filter : {"(cn=*199*)", "(cn=*user 1999)", "(|(uid=1001)(cn=*r 20*))", "(&(cn=*h u*)(uid>=2990))",
                             "(&(cn=bench*)(!(uid=1002)))", "(cn=*ench user 1*0)"}) {
    INFO(filter);
    CHECK(planned.plan(filter).has_value());
  }
}

TEST_CASE("ordering index narrows byte-ordered rules", "[directory][engine][index]") {
  PlannedStore planned;
  // dnQualifier orders with caseIgnoreOrderingMatch, the byte order of caseIgnoreMatch's form.
  auto upper = planned.plan("(dnQualifier>=t)");
  REQUIRE(upper.has_value());
  CHECK(upper->size() == 3);  // x, zed ann zed, zoe ng
  auto lower = planned.plan("(dnQualifier<=al)");
  REQUIRE(lower.has_value());
  CHECK(lower->size() == 2);  // abbey road, al
  // employeeNumber has no ORDERING rule, so its ordering index cannot serve a range.
  CHECK_FALSE(planned.plan("(employeeNumber>=E4)").has_value());
}

TEST_CASE("index kinds not configured are ignored", "[directory][engine][index]") {
  PlannedStore planned;
  CHECK_FALSE(planned.plan("(sn=S100)").has_value());     // sn has presence only
  CHECK(planned.plan("(sn=*)").has_value());
  CHECK_FALSE(planned.plan("(mail=user100@nhs.example)").has_value());  // mail: sub and pres
  CHECK_FALSE(planned.plan("(cn=*)").has_value());        // cn has no presence index
  CHECK(planned.plan("(employeeNumber=E0)").has_value());  // ordering writes equality keys
}

TEST_CASE("unknown index kind is rejected", "[directory][engine][index]") {
  auto bits = engine::parse_index_kinds("cn", {"eq", "fuzzy"});
  REQUIRE_FALSE(bits.ok());
  CHECK(bits.status().message().find("fuzzy") != std::string::npos);
  CHECK_FALSE(engine::parse_index_kinds("cn", {}).ok());
  auto all = engine::parse_index_kinds("cn", {"EQ", "pres", "substr", "ordering"});
  REQUIRE(all.ok());
  CHECK(*all == (kEq | kPres | kSub | kOrd));
}

TEST_CASE("reindex counts entries and records", "[directory][engine][index]") {
  const fs::path folder = fresh_folder("reindex");
  {
    auto directory = open_loaded(folder, kIndexes);
    auto summary = directory->rebuild_indexes();
    REQUIRE(summary.ok());
    CHECK(summary->entries == kNames.size() + 2);
    auto sn = std::find_if(summary->attributes.begin(), summary->attributes.end(),
                           [](const auto& a) { return a.attribute == "sn"; });
    REQUIRE(sn != summary->attributes.end());
    CHECK(sn->kinds == "pres");
    CHECK(sn->records == kNames.size());
    CHECK(found_dns(*directory, "(cn=*smith*)").size() == 5);
  }
  fs::remove_all(folder);
}

TEST_CASE("changed index kinds rebuild on open", "[directory][engine][index]") {
  const fs::path folder = fresh_folder("change");
  {
    auto directory = open_loaded(folder, {{"cn", kEq}});
    CHECK(found_dns(*directory, "(cn=*smith*)").size() == 5);
  }
  {
    DirectoryOptions options;
    options.store_folder = folder;
    options.map_size_bytes = 64 << 20;
    options.indexed_attributes.clear();
    options.indexes = {{"cn", kEq | kSub}};
    auto reopened = Directory::open(load_schema(), options);
    REQUIRE(reopened.ok());
    CHECK(found_dns(**reopened, "(cn=*smith*)").size() == 5);
    auto summary = (*reopened)->rebuild_indexes();
    REQUIRE(summary.ok());
    REQUIRE(summary->attributes.size() == 1);
    CHECK(summary->attributes[0].kinds == "eq,sub");
    CHECK(summary->attributes[0].records > kNames.size());
  }
  fs::remove_all(folder);
}

// Every byte as an RFC 4515 \XX escape, for binary assertion values.
std::string escaped(std::string_view value) {
  static const char* kHex = "0123456789abcdef";
  std::string text;
  for (unsigned char c : value) {
    text += '\\';
    text += kHex[c >> 4];
    text += kHex[c & 15];
  }
  return text;
}

// Four people: two hold certificates with one issuer and serial, one another serial, and
// one a DER value that is not a certificate.
std::vector<Entry> certificate_holders() {
  const auto& certificates = careid::testing::same_serial_certificates();
  const std::string not_a_certificate("\x30\x03\x02\x01\x05", 5);
  std::vector<Entry> entries;
  entries.push_back({"o=nhs", {{"objectClass", {"top", "organization"}}, {"o", {"nhs"}}}});
  entries.push_back({"ou=People,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"People"}}}});
  const std::vector<std::pair<std::string, std::string>> holders = {{"stored", certificates.stored},
                                                                    {"reissued", certificates.reissued},
                                                                    {"other", certificates.other},
                                                                    {"garbage", not_a_certificate}};
  for (const auto& [uid, certificate] : holders) {
    entries.push_back({"uid=" + uid + ",ou=People,o=nhs",
                       {{"objectClass", {"inetOrgPerson"}},
                        {"uid", {uid}},
                        {"cn", {uid}},
                        {"sn", {uid}},
                        {"userCertificate;binary", {certificate}}}});
  }
  return entries;
}

TEST_CASE("certificate index matches issuer and serial", "[directory][engine][index]") {
  const auto& certificates = careid::testing::same_serial_certificates();
  PlannedStore planned(certificate_holders(), {{"userCertificate", kEq | kPres}});

  // certificateExactMatch compares serial number and issuer (RFC 4523 2.5), so the stored
  // certificate and its reissue share one index key, and the other serial does not.
  auto same_serial = planned.plan("(userCertificate=" + escaped(certificates.stored) + ")");
  REQUIRE(same_serial.has_value());
  CHECK(same_serial->size() == 2);
  auto other = planned.plan("(userCertificate=" + escaped(certificates.other) + ")");
  REQUIRE(other.has_value());
  CHECK(other->size() == 1);
  auto garbage = planned.plan("(userCertificate=\\30\\03\\02\\01\\05)");
  REQUIRE(garbage.has_value());
  CHECK(garbage->size() == 1);
  auto all = planned.plan("(userCertificate=*)");
  REQUIRE(all.has_value());
  CHECK(all->size() == 4);
  // The planner narrows only descriptions without options, so ;binary walks the scope.
  CHECK_FALSE(planned.plan("(userCertificate;binary=" + escaped(certificates.stored) + ")").has_value());
}

TEST_CASE("certificate search equals unindexed scan", "[directory][engine][index]") {
  const auto& certificates = careid::testing::same_serial_certificates();
  const fs::path plain_folder = fresh_folder("certificate-plain");
  const fs::path indexed_folder = fresh_folder("certificate-indexed");
  {
    auto plain = open_loaded(plain_folder, {}, certificate_holders());
    auto indexed = open_loaded(indexed_folder, {{"userCertificate", kEq}}, certificate_holders());

    for (const std::string* certificate : {&certificates.stored, &certificates.reissued, &certificates.other}) {
      for (std::string description : {"userCertificate", "userCertificate;binary"}) {
        std::string filter = "(" + description + "=" + escaped(*certificate) + ")";
        CHECK(found_dns(*indexed, filter) == found_dns(*plain, filter));
      }
    }
    CHECK(found_dns(*indexed, "(userCertificate=" + escaped(certificates.reissued) + ")") ==
          std::set<std::string>{"uid=stored,ou=People,o=nhs", "uid=reissued,ou=People,o=nhs"});
  }
  fs::remove_all(plain_folder);
  fs::remove_all(indexed_folder);
}

}  // namespace
