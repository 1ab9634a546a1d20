#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "directory/ldif/base64.h"
#include "directory/ldif/reader.h"
#include "directory/ldif/writer.h"

namespace {

using careid::StatusCode;
using careid::directory::Attribute;
using careid::directory::Entry;
using namespace careid::directory::ldif;

// Reads every record of `text`; fails the test on the first error.
std::vector<Record> read_all(const std::string& text) {
  std::istringstream input(text);
  Reader reader(input);
  std::vector<Record> records;
  while (true) {
    auto record = reader.next();
    INFO(text);
    REQUIRE(record.ok());
    if (!record->has_value()) {
      return records;
    }
    records.push_back(std::move(**record));
  }
}

// Returns the first error of reading `text`, or OK when it reads cleanly.
careid::Status first_error(const std::string& text, ReaderLimits limits = {}) {
  std::istringstream input(text);
  Reader reader(input, limits);
  while (true) {
    auto record = reader.next();
    if (!record.ok()) {
      return record.status();
    }
    if (!record->has_value()) {
      return careid::Status::ok_status();
    }
  }
}

const Entry& as_entry(const Record& record) {
  REQUIRE(std::holds_alternative<Entry>(record));
  return std::get<Entry>(record);
}

const ChangeRecord& as_change(const Record& record) {
  REQUIRE(std::holds_alternative<ChangeRecord>(record));
  return std::get<ChangeRecord>(record);
}

bool same_entry(const Entry& a, const Entry& b) {
  if (a.dn != b.dn || a.attributes.size() != b.attributes.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.attributes.size(); ++i) {
    if (a.attributes[i].description != b.attributes[i].description ||
        a.attributes[i].values != b.attributes[i].values) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("base64 encodes and decodes", "[directory][ldif]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_decode("Zm9vYg==") == std::optional<std::string>("foob"));
  CHECK(base64_decode("Zm9vYmE=") == std::optional<std::string>("fooba"));
  CHECK(base64_decode("") == std::optional<std::string>(""));

  CHECK_FALSE(base64_decode("Zm9"));
  CHECK_FALSE(base64_decode("Zm9v!A=="));
  CHECK_FALSE(base64_decode("Zg==Zm9v"));
  CHECK_FALSE(base64_decode("Z==="));
  CHECK_FALSE(base64_decode("Zm=v"));

  std::string all_bytes;
  for (int i = 0; i < 256; ++i) {
    all_bytes.push_back(static_cast<char>(i));
  }
  CHECK(base64_decode(base64_encode(all_bytes)) == std::optional<std::string>(all_bytes));
}

TEST_CASE("ldif reads content records", "[directory][ldif]") {
  std::vector<Record> records = read_all(
      "version: 1\n"
      "# a comment\n"
      "#  folded comment\n"
      "\n"
      "dn: uid=alice,ou=People,o=nhs\r\n"
      "objectClass: top\n"
      "objectclass: person\n"
      "cn;lang-en:  Alice  Smith\n"
      "description:: w6lsw6hu\n"
      "empty:\n"
      "1.2.3.4: numeric\n"
      "\n"
      "\n"
      "dn:: dWlkPWLDtmIsbz1uaHM=\n"
      "uid: bob\n");

  REQUIRE(records.size() == 2);
  const Entry& alice = as_entry(records[0]);
  CHECK(alice.dn == "uid=alice,ou=People,o=nhs");
  REQUIRE(alice.find("objectClass") != nullptr);
  CHECK(alice.find("objectClass")->values == std::vector<std::string>{"top", "person"});
  CHECK(alice.first_value("cn;lang-en") == "Alice  Smith");
  CHECK(alice.first_value("description") == "\xc3\xa9l\xc3\xa8n");
  REQUIRE(alice.find("empty") != nullptr);
  CHECK(alice.find("empty")->values == std::vector<std::string>{""});
  CHECK(alice.first_value("1.2.3.4") == "numeric");

  const Entry& bob = as_entry(records[1]);
  CHECK(bob.dn ==
        "uid=b\xc3\xb6"
        "b,o=nhs");
  CHECK(bob.first_value("uid") == "bob");
}

TEST_CASE("ldif unfolds continued lines", "[directory][ldif]") {
  std::vector<Record> records = read_all(
      "dn: cn=Barbara Jensen, ou=Product Developm\n"
      " ent, dc=airius, dc=com\n"
      "description:: V2hhdCBhIGNhcmVmdWwgcmVhZGVyIHlvdSBhcmUhICBUaGlzIHZhbHVl\n"
      " IGlzIGJhc2UtNjQtZW5jb2RlZCBiZWNhdXNlIGl0IGhhcyBhIGNvbnRyb2wgY2hhcmFjdG\n"
      " VyIGluIGl0IChhIENSKS4NICBCeSB0aGUgd2F5LCB5b3Ugc2hvdWxkIHJlYWxseSBnZXQg\n"
      " b3V0IG1vcmUu\n"
      "cn: split\n"
      "  value\n");
  REQUIRE(records.size() == 1);
  const Entry& entry = as_entry(records[0]);
  CHECK(entry.dn == "cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com");
  CHECK(entry.first_value("description").starts_with("What a careful reader you are!"));
  CHECK(entry.first_value("description").find('\r') != std::string_view::npos);
  CHECK(entry.first_value("cn") == "split value");
}

TEST_CASE("ldif writer round trips entries", "[directory][ldif]") {
  Entry entry;
  entry.dn = "uid=caf\xc3\xa9,ou=People,o=nhs";
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "inetOrgPerson");
  entry.add_value("cn", "plain value");
  entry.add_value("description", " leading space");
  entry.add_value("description", "trailing space ");
  entry.add_value("description", ":colon first");
  entry.add_value("description", "<angle first");
  entry.add_value("description", "line\nbreak");
  entry.add_value("description", "");
  entry.add_value("userCertificate;binary", std::string("\x30\x82\x00\x01\xff", 5));
  entry.add_value("jpegPhoto", std::string(1000, '\x7f'));
  entry.add_value("note", std::string(300, 'n'));

  std::ostringstream output;
  Writer writer(output);
  REQUIRE(writer.write(entry).ok());
  REQUIRE(writer.write(entry).ok());
  const std::string text = output.str();
  CHECK(text.starts_with("version: 1\n\ndn:: "));
  CHECK(text.find("cn: plain value\n") != std::string::npos);
  CHECK(text.find("description:: IGxlYWRpbmcgc3BhY2U=\n") != std::string::npos);
  CHECK(text.find("description:\n") != std::string::npos);

  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    CHECK(line.size() <= 76);
  }

  std::vector<Record> records = read_all(text);
  REQUIRE(records.size() == 2);
  CHECK(same_entry(as_entry(records[0]), entry));
  CHECK(same_entry(as_entry(records[1]), entry));
}

TEST_CASE("ldif writer folds at any width", "[directory][ldif]") {
  Entry entry;
  entry.dn = "cn=x";
  entry.add_value("description", std::string(200, 'a') + "b");
  for (std::size_t width : {2, 3, 10, 76, 0}) {
    auto text = to_ldif(entry, width);
    REQUIRE(text.ok());
    if (width != 0) {
      std::istringstream lines(*text);
      std::string line;
      while (std::getline(lines, line)) {
        CHECK(line.size() <= width);
      }
    }
    std::vector<Record> records = read_all(*text);
    REQUIRE(records.size() == 1);
    CHECK(same_entry(as_entry(records[0]), entry));
  }

  Entry bad;
  bad.dn = "cn=x";
  bad.add_value("bad name", "v");
  CHECK(to_ldif(bad).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("ldif reads change records", "[directory][ldif]") {
  std::vector<Record> records = read_all(
      "version: 1\n"
      "dn: cn=new,o=nhs\n"
      "changetype: add\n"
      "objectClass: top\n"
      "cn: new\n"
      "\n"
      "dn: cn=gone,o=nhs\n"
      "control: 1.2.840.113556.1.4.805 true\n"
      "changetype: delete\n"
      "\n"
      "dn: cn=changed,o=nhs\n"
      "control: 1.3.6.1.1.13.1 false:: AAE=\n"
      "changetype: modify\n"
      "add: mail\n"
      "mail: a@nhs.net\n"
      "mail: b@nhs.net\n"
      "-\n"
      "delete: description\n"
      "-\n"
      "replace: telephoneNumber\n"
      "telephoneNumber: 0123\n"
      "-\n"
      "increment: uidNumber\n"
      "uidNumber: 1\n"
      "\n"
      "dn: cn=old,o=nhs\n"
      "changetype: modrdn\n"
      "newrdn: cn=new\n"
      "deleteoldrdn: 1\n"
      "newsuperior: ou=moved,o=nhs\n"
      "\n"
      "dn: cn=a,o=nhs\n"
      "changetype: moddn\n"
      "newrdn:: Y249YsOp\n"
      "deleteoldrdn: 0\n");
  REQUIRE(records.size() == 5);

  const ChangeRecord& add = as_change(records[0]);
  CHECK(add.type == ChangeType::kAdd);
  CHECK(add.dn == "cn=new,o=nhs");
  REQUIRE(add.attributes.size() == 2);
  CHECK(add.attributes[1].values == std::vector<std::string>{"new"});

  const ChangeRecord& remove = as_change(records[1]);
  CHECK(remove.type == ChangeType::kDelete);
  REQUIRE(remove.controls.size() == 1);
  CHECK(remove.controls[0].oid == "1.2.840.113556.1.4.805");
  CHECK(remove.controls[0].critical);
  CHECK_FALSE(remove.controls[0].value.has_value());

  const ChangeRecord& modify = as_change(records[2]);
  CHECK(modify.type == ChangeType::kModify);
  REQUIRE(modify.controls.size() == 1);
  CHECK_FALSE(modify.controls[0].critical);
  CHECK(modify.controls[0].value == std::optional<std::string>(std::string("\x00\x01", 2)));
  REQUIRE(modify.modifications.size() == 4);
  CHECK(modify.modifications[0].type == ModificationType::kAdd);
  CHECK(modify.modifications[0].attribute.values.size() == 2);
  CHECK(modify.modifications[1].type == ModificationType::kDelete);
  CHECK(modify.modifications[1].attribute.values.empty());
  CHECK(modify.modifications[2].type == ModificationType::kReplace);
  CHECK(modify.modifications[3].type == ModificationType::kIncrement);
  CHECK(modify.modifications[3].attribute.description == "uidNumber");

  const ChangeRecord& modrdn = as_change(records[3]);
  CHECK(modrdn.type == ChangeType::kModDn);
  CHECK(modrdn.new_rdn == "cn=new");
  CHECK(modrdn.delete_old_rdn);
  CHECK(modrdn.new_superior == std::optional<std::string>("ou=moved,o=nhs"));

  const ChangeRecord& moddn = as_change(records[4]);
  CHECK(moddn.new_rdn == "cn=b\xc3\xa9");
  CHECK_FALSE(moddn.delete_old_rdn);
  CHECK_FALSE(moddn.new_superior.has_value());
}

TEST_CASE("ldif writer round trips changes", "[directory][ldif]") {
  ChangeRecord modify;
  modify.dn = "cn=x,o=nhs";
  modify.type = ChangeType::kModify;
  modify.controls.push_back({"1.2.3", true, std::string("\x01\x02", 2)});
  modify.modifications.push_back({ModificationType::kReplace, {"cn", {"y", "\xc3\xa9"}}});
  modify.modifications.push_back({ModificationType::kDelete, {"mail", {}}});

  ChangeRecord moddn;
  moddn.dn = "cn=x,o=nhs";
  moddn.type = ChangeType::kModDn;
  moddn.new_rdn = "cn=z";
  moddn.delete_old_rdn = true;
  moddn.new_superior = "o=other";

  std::ostringstream output;
  Writer writer(output, WriterOptions{false, 76});
  REQUIRE(writer.write(modify).ok());
  REQUIRE(writer.write(moddn).ok());
  CHECK(output.str().starts_with("dn: cn=x,o=nhs\ncontrol: 1.2.3 true:: AQI=\n"));

  std::vector<Record> records = read_all(output.str());
  REQUIRE(records.size() == 2);
  const ChangeRecord& read_modify = as_change(records[0]);
  REQUIRE(read_modify.modifications.size() == 2);
  CHECK(read_modify.modifications[0].attribute.values == std::vector<std::string>{"y", "\xc3\xa9"});
  CHECK(read_modify.modifications[1].type == ModificationType::kDelete);
  CHECK(read_modify.controls[0].value == modify.controls[0].value);
  const ChangeRecord& read_moddn = as_change(records[1]);
  CHECK(read_moddn.new_superior == moddn.new_superior);
  CHECK(read_moddn.delete_old_rdn);
}

TEST_CASE("ldif errors name the line", "[directory][ldif]") {
  struct Case {
    std::string text;
    std::string message;
    StatusCode code = StatusCode::kInvalidArgument;
  };
  const std::vector<Case> cases = {
      {"dn: o=nhs\ncn x\n", "line 2: expected 'attribute: value'"},
      {"cn: x\n", "line 1: a record must start with 'dn:'"},
      {"dn: o=nhs\n\n", "line 1: entry 'o=nhs' has no attributes"},
      {"dn: o=nhs\ncn:: @@@@\n", "line 2: invalid base64"},
      {"dn: o=nhs\njpegPhoto:< file:///etc/passwd\n",
       "line 2: URL value of 'jpegPhoto' is not supported", StatusCode::kUnimplemented},
      {"version: 2\ndn: o=nhs\ncn: x\n", "line 1: unsupported LDIF version '2'"},
      {" leading continuation\n", "line 1: continuation line without a line to continue"},
      {"dn: o=nhs\nc_n: x\n", "line 2: invalid attribute description 'c_n'"},
      {"dn: o=nhs\ncn;: x\n", "line 2: invalid attribute description 'cn;'"},
      {"dn: o=nhs\ncn: a\rb\n", "line 2: value of 'cn' contains NUL or CR"},
      {"dn: o=nhs\ncn: x\nchangetype: add\n", "line 3: 'changetype' must come straight after"},
      {"dn: o=nhs\ncontrol: 1.2.3\ncn: x\n", "line 2: control lines are allowed only in change"},
      {"dn: o=nhs\ncontrol: abc\nchangetype: delete\n", "line 2: invalid control OID 'abc'"},
      {"dn: o=nhs\nchangetype: rename\n", "line 2: unknown changetype 'rename'"},
      {"dn: o=nhs\nchangetype: add\n", "line 2: add record for 'o=nhs' has no attributes"},
      {"dn: o=nhs\nchangetype: delete\ncn: x\n",
       "line 3: unexpected line after 'changetype: delete'"},
      {"dn: o=nhs\nchangetype: modify\nadd: cn\ncn: a\nsn: b\n-\n",
       "line 5: value for 'sn' inside"},
      {"dn: o=nhs\nchangetype: modify\n-\n", "line 3: '-' without a preceding"},
      {"dn: o=nhs\nchangetype: modify\nremove: cn\n-\n", "line 3: expected 'add:', 'delete:'"},
      {"dn: o=nhs\nchangetype: modify\nincrement: n\nn: 1\nn: 2\n-\n",
       "line 3: increment of 'n' needs exactly one value"},
      {"dn: o=nhs\nchangetype: modify\nadd: cn\n-\n", "line 3: add of 'cn' has no values"},
      {"dn: o=nhs\nchangetype: modrdn\ndeleteoldrdn: 1\n", "line 3: expected 'newrdn:'"},
      {"dn: o=nhs\nchangetype: modrdn\nnewrdn: cn=a\n", "line 3: missing 'deleteoldrdn:' line"},
      {"dn: o=nhs\nchangetype: modrdn\nnewrdn: cn=a\ndeleteoldrdn: yes\n",
       "line 4: deleteoldrdn must be 0 or 1"},
      {"dn: o=nhs\nchangetype: modrdn\nnewrdn: cn=a\ndeleteoldrdn: 1\nnewsuperior: o=x\nx: y\n",
       "line 6: unexpected line after a modrdn change"},
      {"dn: o=nhs\ncn: x\n\n# c\n\ndn: o=b\n cn: y\n",
       "line 6: entry 'o=bcn: y' has no attributes"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    careid::Status status = first_error(c.text);
    CHECK(status.code() == c.code);
    CHECK_THAT(status.message(), Catch::StartsWith(c.message));
  }
}

TEST_CASE("ldif reader enforces limits", "[directory][ldif]") {
  ReaderLimits limits;
  limits.max_line_bytes = 20;
  limits.max_record_bytes = 50;
  limits.max_record_lines = 4;

  careid::Status at_limit = first_error("dn: o=nhs\ncn: " + std::string(16, 'a') + "\n", limits);
  CHECK(at_limit.ok());
  careid::Status long_line = first_error("dn: o=nhs\ncn: " + std::string(17, 'a') + "\n", limits);
  CHECK(long_line.code() == StatusCode::kResourceExhausted);
  CHECK_THAT(long_line.message(),
             Catch::StartsWith("line 2: line longer than max_line_bytes (20)"));

  careid::Status folded = first_error("dn: o=nhs\ncn: aaaaaaaa\n aaaaaaaaa\n", limits);
  CHECK(folded.code() == StatusCode::kResourceExhausted);

  careid::Status huge = first_error("dn: o=nhs\ncn: " + std::string(100000, 'a') + "\n", limits);
  CHECK(huge.code() == StatusCode::kResourceExhausted);

  careid::Status big_record =
      first_error("dn: o=nhs\ncn: aaaaaaaaaaaaa\ncn: bbbbbbbbbbbbbb\ncn: cccccccccccccc\n", limits);
  CHECK(big_record.code() == StatusCode::kResourceExhausted);
  CHECK_THAT(big_record.message(), Catch::Contains("max_record_bytes (50)"));

  careid::Status many_lines = first_error("dn: o=nhs\nc: 1\nc: 2\nc: 3\nc: 4\n", limits);
  CHECK(many_lines.code() == StatusCode::kResourceExhausted);
  CHECK_THAT(many_lines.message(), Catch::Contains("max_record_lines (4)"));
}

TEST_CASE("ldif reader resumes after bad record", "[directory][ldif]") {
  std::istringstream input(
      "dn: o=first\ncn: 1\n\n"
      "dn: o=bad\ncn:: !!!!\ncn: more\n\n"
      "dn: o=third\ncn: 3\n");
  Reader reader(input);
  auto first = reader.next();
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  auto bad = reader.next();
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::StartsWith("line 5:"));
  auto third = reader.next();
  REQUIRE(third.ok());
  REQUIRE(third->has_value());
  CHECK(as_entry(**third).dn == "o=third");
  auto end = reader.next();
  REQUIRE(end.ok());
  CHECK_FALSE(end->has_value());
}

TEST_CASE("ldif reader survives truncation", "[directory][ldif]") {
  const std::string text =
      "version: 1\n"
      "dn: cn=changed,o=nhs\n"
      "control: 1.3.6.1.1.13.1 false:: AAE=\n"
      "changetype: modify\n"
      "add: mail\n"
      "mail:: YUBuaHMubmV0\n"
      "-\n"
      "\n"
      "dn: cn=Barbara Jensen, ou=Product Developm\n"
      " ent, dc=airius, dc=com\n"
      "cn: x\n";
  // Every prefix either reads cleanly or fails with a line-numbered message.
  for (std::size_t length = 0; length <= text.size(); ++length) {
    std::string prefix = text.substr(0, length);
    INFO("prefix length " << length);
    std::istringstream input(prefix);
    Reader reader(input);
    for (int guard = 0; guard < 10; ++guard) {
      auto record = reader.next();
      if (!record.ok()) {
        CHECK_THAT(record.status().message(), Catch::StartsWith("line "));
        continue;
      }
      if (!record->has_value()) {
        break;
      }
    }
  }
}

TEST_CASE("ldif reads the shared sample", "[directory][ldif]") {
  std::ifstream input(CAREID_SHARED_DATA_DIR "/good_data.ldif");
  if (!input) {
    WARN("shared sample good_data.ldif not found; skipped");
    return;
  }
  Reader reader(input);
  std::size_t entries = 0;
  while (true) {
    auto record = reader.next();
    REQUIRE(record.ok());
    if (!record->has_value()) {
      break;
    }
    ++entries;
  }
  CHECK(entries > 0);
}
