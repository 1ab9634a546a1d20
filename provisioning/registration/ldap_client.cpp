#include "provisioning/registration/ldap_client.h"

#include <fstream>

#include <ldap.h>

namespace careid::provisioning::registration {
namespace {

struct BerValueList {
  std::vector<std::vector<char>> storage;
  std::vector<berval> values;
  std::vector<berval*> pointers;

  explicit BerValueList(const std::vector<std::string>& texts) {
    storage.reserve(texts.size());
    values.reserve(texts.size());
    for (const std::string& text : texts) {
      storage.emplace_back(text.begin(), text.end());
      values.push_back(berval{static_cast<ber_len_t>(text.size()), storage.back().data()});
    }
    for (berval& value : values) {
      pointers.push_back(&value);
    }
    pointers.push_back(nullptr);
  }
};

// LDAPMod array for add and modify; owns every buffer it points to.
struct ModList {
  std::vector<std::string> types;
  std::vector<std::unique_ptr<BerValueList>> values;
  std::vector<LDAPMod> mods;
  std::vector<LDAPMod*> pointers;

  void add(const std::string& type, const std::vector<std::string>& texts) {
    types.push_back(type);
    values.push_back(std::make_unique<BerValueList>(texts));
  }

  LDAPMod** finish(int op) {
    mods.resize(types.size());
    for (std::size_t i = 0; i < types.size(); ++i) {
      mods[i].mod_op = op | LDAP_MOD_BVALUES;
      mods[i].mod_type = types[i].data();
      mods[i].mod_bvalues = values[i]->pointers.data();
      pointers.push_back(&mods[i]);
    }
    pointers.push_back(nullptr);
    return pointers.data();
  }
};

Result<std::string> read_password(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::io_error("cannot read password file " + path.string());
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') {
    password.pop_back();
  }
  return password;
}

int scope_value(Scope scope) {
  switch (scope) {
    case Scope::kBase:
      return LDAP_SCOPE_BASE;
    case Scope::kOneLevel:
      return LDAP_SCOPE_ONELEVEL;
    case Scope::kSubtree:
      break;
  }
  return LDAP_SCOPE_SUBTREE;
}

directory::Entry decode_entry(LDAP* ld, LDAPMessage* message) {
  directory::Entry entry;
  char* dn = ldap_get_dn(ld, message);
  entry.dn = dn ? dn : "";
  ldap_memfree(dn);

  BerElement* ber = nullptr;
  for (char* type = ldap_first_attribute(ld, message, &ber); type != nullptr;
       type = ldap_next_attribute(ld, message, ber)) {
    berval** values = ldap_get_values_len(ld, message, type);
    directory::Attribute attribute{type, {}};
    for (int i = 0; values && values[i]; ++i) {
      attribute.values.emplace_back(values[i]->bv_val, values[i]->bv_len);
    }
    ldap_value_free_len(values);
    entry.attributes.push_back(std::move(attribute));
    ldap_memfree(type);
  }
  ber_free(ber, 0);
  return entry;
}

Status set_tls_options(LDAP* ld, const LdapConnectOptions& options) {
  struct Option {
    int id;
    const std::filesystem::path& path;
  };
  for (const Option& option : {Option{LDAP_OPT_X_TLS_CACERTFILE, options.ca_certificate},
                               Option{LDAP_OPT_X_TLS_CERTFILE, options.certificate},
                               Option{LDAP_OPT_X_TLS_KEYFILE, options.private_key}}) {
    if (!option.path.empty() && ldap_set_option(ld, option.id, option.path.c_str()) != LDAP_OPT_SUCCESS) {
      return Status::invalid_argument("cannot use TLS file " + option.path.string());
    }
  }
  int require = LDAP_OPT_X_TLS_DEMAND;
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require);
  int new_context = 0;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &new_context) != LDAP_OPT_SUCCESS) {
    return Status::invalid_argument("cannot set up TLS with certificate " + options.certificate.string() +
                                    " and CA " + options.ca_certificate.string());
  }
  return Status::ok_status();
}

}  // namespace

struct LdapClient::Handle {
  LDAP* ld = nullptr;
  ~Handle() {
    if (ld) {
      ldap_unbind_ext_s(ld, nullptr, nullptr);
    }
  }
};

LdapClient::LdapClient(std::unique_ptr<Handle> handle, std::string url)
    : handle_(std::move(handle)), url_(std::move(url)) {}

LdapClient::~LdapClient() = default;

Result<std::unique_ptr<LdapClient>> LdapClient::connect(const LdapConnectOptions& options) {
  auto handle = std::make_unique<Handle>();
  if (ldap_initialize(&handle->ld, options.url.c_str()) != LDAP_SUCCESS) {
    return Status::invalid_argument("invalid LDAP URL '" + options.url + "'; expected ldap://host:port");
  }
  int version = LDAP_VERSION3;
  ldap_set_option(handle->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  timeval timeout{options.timeout_seconds, 0};
  ldap_set_option(handle->ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
  ldap_set_option(handle->ld, LDAP_OPT_TIMEOUT, &timeout);
  ldap_set_option(handle->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  std::unique_ptr<LdapClient> client(new LdapClient(std::move(handle), options.url));
  LDAP* ld = client->handle_->ld;

  if (!options.certificate.empty()) {
    CAREID_RETURN_IF_ERROR(set_tls_options(ld, options));
    if (options.url.starts_with("ldap://")) {
      int code = ldap_start_tls_s(ld, nullptr, nullptr);
      if (code != LDAP_SUCCESS) {
        return client->error_status(code, "StartTLS with", options.url);
      }
    }
    // RFC 4513 5.2.3: EXTERNAL with no credentials; the identity is the certificate's.
    berval empty{0, nullptr};
    int code = ldap_sasl_bind_s(ld, nullptr, "EXTERNAL", &empty, nullptr, nullptr, nullptr);
    if (code != LDAP_SUCCESS) {
      return client->error_status(code, "SASL EXTERNAL bind with certificate", options.certificate.string());
    }
    return client;
  }

  std::string password;
  if (!options.password_file.empty()) {
    auto read = read_password(options.password_file);
    if (!read.ok()) {
      return read.status();
    }
    password = std::move(*read);
  }
  if (!options.bind_dn.empty() && password.empty()) {
    return Status::invalid_argument("bind DN " + options.bind_dn + " needs --password-file");
  }
  berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
  int code = ldap_sasl_bind_s(ld, options.bind_dn.empty() ? nullptr : options.bind_dn.c_str(), LDAP_SASL_SIMPLE,
                              &credentials, nullptr, nullptr, nullptr);
  if (code != LDAP_SUCCESS) {
    return client->error_status(code, "bind as", options.bind_dn.empty() ? "anonymous" : options.bind_dn);
  }
  return client;
}

Status LdapClient::error_status(int code, std::string_view action, std::string_view dn) const {
  char* diagnostic = nullptr;
  ldap_get_option(handle_->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic);
  std::string message = std::string(action) + " " + std::string(dn) + " failed: " + ldap_err2string(code);
  if (diagnostic && *diagnostic) {
    message += " (" + std::string(diagnostic) + ")";
  }
  ldap_memfree(diagnostic);

  switch (code) {
    case LDAP_ALREADY_EXISTS:
      return Status::already_exists(message);
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_STRONG_AUTH_REQUIRED:
      return Status::permission_denied(message);
    case LDAP_NO_SUCH_OBJECT:
      return Status::not_found(message);
    case LDAP_SERVER_DOWN:
    case LDAP_CONNECT_ERROR:
    case LDAP_TIMEOUT:
    case LDAP_BUSY:
    case LDAP_UNAVAILABLE:
      return Status::unavailable(message + "; check that careidd is running at " + url_);
    default:
      return Status::invalid_argument(message);
  }
}

Result<std::vector<directory::Entry>> LdapClient::search(std::string_view base, Scope scope,
                                                         std::string_view filter,
                                                         const std::vector<std::string>& attributes) {
  std::string base_text(base);
  std::string filter_text(filter);
  std::vector<std::string> names = attributes;
  std::vector<char*> attribute_list;
  for (std::string& name : names) {
    attribute_list.push_back(name.data());
  }
  attribute_list.push_back(nullptr);

  LDAPMessage* result = nullptr;
  int code = ldap_search_ext_s(handle_->ld, base_text.c_str(), scope_value(scope), filter_text.c_str(),
                               names.empty() ? nullptr : attribute_list.data(), 0, nullptr, nullptr, nullptr,
                               LDAP_NO_LIMIT, &result);
  std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> owned(result, ldap_msgfree);
  if (code == LDAP_NO_SUCH_OBJECT) {
    return std::vector<directory::Entry>{};
  }
  if (code != LDAP_SUCCESS) {
    return error_status(code, "search below", base);
  }

  std::vector<directory::Entry> entries;
  for (LDAPMessage* message = ldap_first_entry(handle_->ld, result); message != nullptr;
       message = ldap_next_entry(handle_->ld, message)) {
    entries.push_back(decode_entry(handle_->ld, message));
  }
  return entries;
}

Result<std::optional<directory::Entry>> LdapClient::read(std::string_view dn) {
  auto entries = search(dn, Scope::kBase, "(objectClass=*)");
  if (!entries.ok()) {
    return entries.status();
  }
  if (entries->empty()) {
    return std::optional<directory::Entry>();
  }
  return std::optional<directory::Entry>(std::move(entries->front()));
}

Status LdapClient::add(const directory::Entry& entry) {
  ModList mods;
  for (const directory::Attribute& attribute : entry.attributes) {
    mods.add(attribute.description, attribute.values);
  }
  int code = ldap_add_ext_s(handle_->ld, entry.dn.c_str(), mods.finish(LDAP_MOD_ADD), nullptr, nullptr);
  return code == LDAP_SUCCESS ? Status::ok_status() : error_status(code, "adding", entry.dn);
}

Status LdapClient::replace(std::string_view dn, std::string_view attribute, const std::vector<std::string>& values) {
  ModList mods;
  mods.add(std::string(attribute), values);
  std::string dn_text(dn);
  int code = ldap_modify_ext_s(handle_->ld, dn_text.c_str(), mods.finish(LDAP_MOD_REPLACE), nullptr, nullptr);
  return code == LDAP_SUCCESS ? Status::ok_status() : error_status(code, "modifying", dn);
}

}  // namespace careid::provisioning::registration
