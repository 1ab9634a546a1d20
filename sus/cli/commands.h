// `careidctl sus ...`: import the tariff, MFF and spells into a SUS store, price spells and
// write payment extracts. Each subcommand is a thin wrapper over the sus libraries.
#pragma once

#include <CLI/CLI.hpp>

namespace careid::sus::cli {

// Adds the `sus` subcommand and its children to `app`. A callback that fails prints the
// reason to standard error and sets `exit_code` to 1; `exit_code` must outlive the parse.
void add_sus_commands(CLI::App& app, int& exit_code);

}  // namespace careid::sus::cli
