// What `klog ... --help` lists, read from the real binary: the drift tests
// compare it with the man pages (man_test) and the completions
// (completion_test), so neither can offer what klog does not accept.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/cli_fixture.h"

namespace klog::testing {

struct Help {
  std::string text;
  std::set<std::string> flags;           // "-h", "--help", ...
  std::vector<std::string> subcommands;  // in the order listed
};

// `klog COMMAND --help` parsed: flags of "Options:", names of "Subcommands:".
inline Help HelpOf(const std::string& command) {
  std::vector<std::string> args;
  std::istringstream words(command);
  for (std::string w; words >> w;) args.push_back(w);
  args.push_back("--help");
  RunResult r = RunKlog(args);
  INFO("klog " << command << " --help: " << r.err);
  REQUIRE(r.exit_code == 0);
  Help h;
  h.text = r.out;
  std::string section;
  for (const std::string& line : Lines(r.out)) {
    if (!line.empty() && line[0] != ' ') {
      section = line;
      continue;
    }
    if (line.size() < 3 || line.compare(0, 2, "  ") != 0 || line[2] == ' ') continue;
    std::string first = line.substr(2, line.find(' ', 2) - 2);
    if (section == "Options:" && first[0] == '-') {
      std::istringstream names(first);
      for (std::string n; std::getline(names, n, ',');) h.flags.insert(n);
    } else if (section == "Subcommands:") {
      h.subcommands.push_back(first);
    }
  }
  return h;
}

// Every command path ("" for klog itself, "topic", "topic create", ...).
inline std::map<std::string, Help> AllHelp() {
  std::map<std::string, Help> all;
  std::vector<std::string> todo = {""};
  while (!todo.empty()) {
    std::string c = todo.back();
    todo.pop_back();
    all[c] = HelpOf(c);
    for (const auto& s : all[c].subcommands) todo.push_back(c.empty() ? s : c + " " + s);
  }
  return all;
}

}  // namespace klog::testing
