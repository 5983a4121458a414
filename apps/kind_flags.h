#pragma once

// Flags that name a kind (a scaling policy, a provisioner): the name is
// checked and turned into the enum where the flag is read, and a wrong one
// is refused with the parser's message, which names the choices.
//
//   app.add_option("--autoscaler", flags.policy)
//       ->transform(KindFlag("POLICY", autoscaler::ParsePolicyKind))
//       ->default_str("infaas");

#include <CLI/CLI.hpp>
#include <string>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

template <typename Parse>
CLI::Validator KindFlag(std::string name, Parse parse) {
  return CLI::Validator(
      [parse](std::string& input) -> std::string {
        auto kind = parse(input);
        if (!kind.ok()) return std::string(kind.status().message());
        // CLI11 reads an enum through its underlying integer.
        input = std::to_string(
            static_cast<std::underlying_type_t<std::decay_t<decltype(*kind)>>>(*kind));
        return std::string();
      },
      std::move(name));
}
