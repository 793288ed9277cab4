// The man pages (contract section 6, issue 7): they render without warnings
// and document exactly the flags that the binary accepts, as its --help
// lists them; --help itself fits 80 columns and shows an example;
// klog-files(5) names every file the code uses.
#include <doctest/doctest.h>

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "e2e/cli_fixture.h"
#include "e2e/help_text.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

const std::string kSource = KLOG_SOURCE_DIR;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool Have(const std::string& tool) { return RunShell("command -v " + tool + " >/dev/null").exit_code == 0; }

// man/*.1, *.5, *.7, sorted.
std::vector<std::string> ManPages() {
  std::vector<std::string> out;
  DIR* d = opendir((kSource + "/man").c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 2 && n[n.size() - 2] == '.' && std::string("157").find(n.back()) != std::string::npos)
      out.push_back(kSource + "/man/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The page that documents a command path.
std::string PageFor(const std::string& command) {
  std::string top = command.substr(0, command.find(' '));
  if (top.empty()) return "klog.1";
  return "klog-" + top + ".1";
}

// ---- what a man page says ----------------------------------------------------

// Roff source to plain words: font escapes and quotes go, "\-" is "-".
std::string Plain(std::string s) {
  static const std::regex kFont(R"(\\f[BIRP])");
  s = std::regex_replace(s, kFont, "");
  static const std::regex kEscapes(R"(\\&|\\%|\\\(..)");
  s = std::regex_replace(s, kEscapes, " ");
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '-') {
      out += '-';
      ++i;
    } else if (s[i] == '"') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// Flags named in a piece of text: "-x" and "--long-name" words.
std::set<std::string> FlagsIn(const std::string& text) {
  static const std::regex kFlag(R"((^|[\s\[\]|(),=])(--?[A-Za-z][A-Za-z0-9-]*))");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kFlag); it != std::sregex_iterator(); ++it) {
    std::string f = (*it)[2];
    while (!f.empty() && f.back() == '-') f.pop_back();
    if (f.size() == 2 || f.rfind("--", 0) == 0) out.insert(f);
  }
  return out;
}

// Flags of the tagged paragraphs (.TP) of a page, by the command they belong
// to. A .SH or .SS heading "klog COMMAND ..." starts a command's part; the
// .TP tags of ".SH OPTIONS" outside such a part belong to every command of
// the page (key "*"). Other sections hold no option tags.
std::map<std::string, std::set<std::string>> TaggedFlags(const std::string& page,
                                                         const std::map<std::string, Help>& commands) {
  std::map<std::string, std::set<std::string>> out;
  std::istringstream in(page);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::string owner;  // "" none, "*" page-wide, else a command path
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    bool sh = l.rfind(".SH", 0) == 0, ss = l.rfind(".SS", 0) == 0;
    if (sh || ss) {
      std::string title = Plain(l.substr(3));
      std::istringstream words(title);
      std::vector<std::string> w;
      for (std::string x; words >> x;) w.push_back(x);
      std::string best;
      bool found = false;
      if (!w.empty() && w[0] == "klog") {
        std::string path;
        for (size_t k = 1; k < w.size(); ++k) {
          path += (path.empty() ? "" : " ") + w[k];
          if (commands.count(path)) best = path, found = true;
        }
      }
      if (found) owner = best;
      else if (sh) owner = title.find("OPTIONS") != std::string::npos && w.size() == 1 ? "*" : "";
      continue;
    }
    if (l.rfind(".TP", 0) == 0 && i + 1 < lines.size() && !owner.empty()) {
      for (const auto& f : FlagsIn(Plain(lines[i + 1]))) out[owner].insert(f);
    }
  }
  return out;
}

std::string Show(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out.empty() ? "(none)" : out;
}

std::set<std::string> Minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

}  // namespace

TEST_CASE("man pages: one per command group, the overview and the files format") {
  for (const char* name : {"klog.1", "klog-topic.1", "klog-produce.1", "klog-consume.1", "klog-group.1",
                           "klog-offset.1", "klog-verify.1", "klog-dump.1", "klog-retention.1",
                           "klog-maintenance.1", "klog-files.5"}) {
    INFO(name);
    CHECK(!Slurp(kSource + "/man/" + name).empty());
  }
}

// Issue 20 item 22: `man klog-verify` found nothing (verify, dump and
// retention shared klog-maintenance(1)).
TEST_CASE("every command has the page that man klog-COMMAND finds, and its --help names it") {
  auto commands = AllHelp();
  REQUIRE(commands.size() > 10);
  for (const auto& [command, help] : commands) {
    std::string top = command.substr(0, command.find(' '));
    std::string manual = top.empty() ? "Manual: man klog;" : "Manual: man klog-" + top + "\n";
    INFO("klog " << command << " --help");
    CHECK(help.text.find(manual) != std::string::npos);
    if (top.empty()) continue;
    std::string page = Slurp(kSource + "/man/klog-" + top + ".1");
    REQUIRE_MESSAGE(!page.empty(), "man/klog-" << top << ".1 is missing");
    // The page is the command's own: its NAME line says so.
    CHECK(page.find("\nklog\\-" + top + " \\- ") != std::string::npos);
  }
}

TEST_CASE("man pages render without a warning (groff -ww, mandoc -T lint)") {
  if (!Have("groff")) {
    Skip("groff is not installed (scripts/deps.sh installs it): the groff check did not run");
  } else {
    for (const auto& page : ManPages()) {
      RunResult r = RunShell("groff -man -ww -z '" + page + "'");
      INFO(page << ": " << r.err);
      CHECK(r.exit_code == 0);
      CHECK(r.err == "");
    }
  }
  if (!Have("mandoc")) {
    Skip("mandoc is not installed (scripts/deps.sh installs it): the mandoc check did not run");
  } else {
    // Warnings and errors; style hints (such as "input text line longer
    // than 80 bytes") are not rendering problems and are left out.
    for (const auto& page : ManPages()) {
      RunResult r = RunShell("mandoc -T lint -W warning '" + page + "' 2>&1");
      INFO(page << ": " << r.out);
      CHECK(r.out == "");
    }
  }
}

TEST_CASE("every flag of every command is in its man page, and no other") {
  auto commands = AllHelp();
  REQUIRE(commands.size() > 10);
  std::set<std::string> every_flag;
  for (const auto& [c, h] : commands) every_flag.insert(h.flags.begin(), h.flags.end());

  std::map<std::string, std::map<std::string, std::set<std::string>>> tagged;  // page -> owner -> flags
  for (const auto& [command, help] : commands) {
    std::string page = PageFor(command);
    INFO("klog " << command << " (man/" << page << ")");
    std::string text = Slurp(kSource + "/man/" + page);
    REQUIRE_MESSAGE(!text.empty(), "man/" << page << " is missing");
    if (!tagged.count(page)) tagged[page] = TaggedFlags(text, commands);
    std::set<std::string> documented = tagged[page][command];
    documented.insert(tagged[page]["*"].begin(), tagged[page]["*"].end());
    // Every command takes -h/--help: saying so once in the page will do.
    auto named = FlagsIn(Plain(text));
    if (named.count("-h") && named.count("--help")) documented.insert({"-h", "--help"});
    auto missing = Minus(help.flags, documented);
    auto extra = Minus(documented, help.flags);
    CHECK_MESSAGE(missing.empty(), "accepted but not documented: " << Show(missing));
    CHECK_MESSAGE(extra.empty(), "documented but not accepted: " << Show(extra));
  }

  // Anywhere in any page, a long flag is one that some klog command takes
  // (or one of another tool, named here).
  const std::set<std::string> foreign = {"--describe", "--reset-offsets"};
  for (const auto& page : ManPages()) {
    std::set<std::string> named;
    for (const auto& f : FlagsIn(Plain(Slurp(page))))
      if (f.rfind("--", 0) == 0) named.insert(f);
    auto unknown = Minus(Minus(named, every_flag), foreign);
    INFO(page);
    CHECK_MESSAGE(unknown.empty(), "names flags klog does not accept: " << Show(unknown));
  }
}

TEST_CASE("klog --help and every command's --help fit 80 columns and show an example") {
  for (const auto& [command, help] : AllHelp()) {
    INFO("klog " << command << " --help");
    CHECK(help.text.find("Example:") != std::string::npos);
    for (const auto& line : Lines(help.text)) {
      INFO("'" << line << "'");
      CHECK(Utf8Length(line) <= 80);
    }
  }
}

TEST_CASE("klog-files(5) names every file and directory the code lays out") {
  std::string page = Plain(Slurp(kSource + "/man/klog-files.5"));
  REQUIRE(!page.empty());
  // The string literals of the headers that own the layout.
  static const std::regex kLiteral(R"re("/?([A-Za-z0-9._]+)")re");
  std::set<std::string> names;
  for (const char* header : {"lib/topic/data_dir.h", "lib/group/group_paths.h", "lib/log/segment_name.h"}) {
    std::string text = Slurp(kSource + "/" + header);
    REQUIRE(!text.empty());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kLiteral); it != std::sregex_iterator(); ++it)
      names.insert((*it)[1]);
  }
  names.insert("writer.lock");  // lib/log/partition_writer.cc
  names.insert("topic.lock");   // lib/topic/topic_store.cc
  REQUIRE(names.size() > 10);
  for (const auto& n : names) {
    INFO(n);
    CHECK(page.find(n) != std::string::npos);
  }
}

}  // namespace klog::testing
