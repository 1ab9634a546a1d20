// careidctl pki issue-cards: many card certificates at once, for load tests.
#include <iostream>
#include <map>
#include <string>

#include "provisioning/card_batch.h"
#include "tools/careidctl/commands.h"

namespace careid::careidctl {

void add_card_batch_commands(CLI::App& app, int& exit_code) {
  CLI::App* pki_group = command_group(app, "pki", "Card authority files of a data folder");

  static provisioning::CardBatchOptions options;
  static const std::map<std::string, pki::KeyType> key_types = {
      {"ecdsa", pki::KeyType::kEcdsaP256}, {"rsa", pki::KeyType::kRsa2048}};
  auto* issue = pki_group->add_subcommand(
      "issue-cards", "Issue cards for the first N people of the directory (uid order) into a folder");
  issue->add_option("--config", options.config_file, "careid.toml of the data folder")
      ->required()
      ->check(CLI::ExistingFile);
  issue->add_option("--count", options.count, "Number of cards, 1 to 1000000")->capture_default_str();
  issue->add_option("--out", options.out_dir, "Folder for <uid>.pem and <uid>.key (key mode 0600)")
      ->required();
  issue->add_option("--key-type", options.key_type, "Card key: ecdsa (P-256) or rsa (RSA-2048)")
      ->transform(CLI::CheckedTransformer(key_types, CLI::ignore_case).description("ecdsa or rsa"))
      ->default_str("ecdsa");

  issue->callback([&exit_code] {
    auto summary = provisioning::issue_card_batch(options);
    if (!summary.ok()) {
      std::cerr << "careidctl: " << summary.status().message() << "\n";
      exit_code = 1;
      return;
    }
    std::cout << "issued " << summary->issued << " cards to " << options.out_dir.string() << " in "
              << summary->seconds << " s\n";
    exit_code = 0;
  });
}

}  // namespace careid::careidctl
