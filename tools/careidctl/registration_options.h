// Command-line options shared by the careidctl commands that talk LDAP to careidd.
#pragma once

#include <CLI/CLI.hpp>

#include "provisioning/registration/ldap_client.h"

namespace careid::careidctl {

// Adds --url, --bind-dn, --password-file, --cert, --key and --ca to `command`, filling
// `options`, which must outlive the parse.
void add_ldap_options(CLI::App* command, provisioning::registration::LdapConnectOptions& options);

}  // namespace careid::careidctl
