// The subcommand groups of careidctl. Each group lives in its own <area>_commands.cpp and
// registers its subcommands on `app`; a callback sets `exit_code` to 0 on success and to 1
// after printing "careidctl: <reason>" to standard error.
#pragma once

#include <CLI/CLI.hpp>

namespace careid::careidctl {

}  // namespace careid::careidctl
