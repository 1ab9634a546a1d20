// The subcommand groups of careidctl. Each group lives in its own <area>_commands.cpp and
// registers its subcommands on `app`; a callback sets `exit_code` to 0 on success and to 1
// after printing "careidctl: <reason>" to standard error.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace careid::careidctl {

void add_card_batch_commands(CLI::App& app, int& exit_code);  // after add_pki_commands
void add_directory_commands(CLI::App& app, int& exit_code);
void add_card_commands(CLI::App& app, int& exit_code);
void add_audit_commands(CLI::App& app, int& exit_code);
void add_backup_commands(CLI::App& app, int& exit_code);
void add_revocation_commands(CLI::App& app, int& exit_code);
void add_rbac_commands(CLI::App& app, int& exit_code);
void add_registration_commands(CLI::App& app, int& exit_code);
void add_user_commands(CLI::App& app, int& exit_code);

// Environment variables that contain card PINs when no PIN file is named.
inline constexpr const char* kCardPinVariable = "CAREID_CARD_PIN";
inline constexpr const char* kCardSoPinVariable = "CAREID_CARD_SO_PIN";

// Returns the subcommand group `name` of `app`, adding it with `help` when it is missing,
// so that several files can add commands to one group in any order.
inline CLI::App* command_group(CLI::App& app, const std::string& name, const std::string& help) {
  auto existing = app.get_subcommands([&name](CLI::App* command) { return command->get_name() == name; });
  if (!existing.empty()) {
    return existing.front();
  }
  return app.add_subcommand(name, help)->require_subcommand(1);
}

}  // namespace careid::careidctl
