// Shell completions (contract section 6, issue 7), exercised in the real
// shells: bash (the completion function with COMP_WORDS/COMP_CWORD, reading
// COMPREPLY), zsh (the _klog function with a stand-in compadd, and the real
// completion system driven through zsh/zpty) and fish (complete -C). Each
// must offer subcommands, flags, fixed flag values, and the topic and group
// names of the data directory in effect; and each must offer exactly the
// flags that `klog ... --help` lists, so that they cannot drift apart.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "e2e/cli_fixture.h"
#include "e2e/help_text.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

const std::string kCompletions = std::string(KLOG_SOURCE_DIR) + "/completions";

bool Have(const std::string& tool) { return RunShell("command -v " + tool + " >/dev/null").exit_code == 0; }

// ---- driving the shells ----------------------------------------------------

// Each driver reads command lines (cursor at the end), one per line, from
// the file named by its second argument, and prints "@@ LINE" and then
// one completion per line.
const char* kBashDriver = R"SH(set -f
source "$1"
while IFS= read -r line; do
  COMP_LINE=$line
  COMP_POINT=${#line}
  COMP_WORDS=()
  # Words as readline makes them: split at blanks, and at '=' and ':'
  # (COMP_WORDBREAKS), which become words of their own.
  for tok in $line; do
    while [[ $tok =~ ^([^=:]*)([=:])(.*)$ ]]; do
      [[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
      COMP_WORDS+=("${BASH_REMATCH[2]}")
      tok=${BASH_REMATCH[3]}
    done
    [[ -n $tok ]] && COMP_WORDS+=("$tok")
  done
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _klog klog "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '@@ %s\n' "$line"
  ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}"
done < "$2"
printf '@@ complete -p klog\n'
complete -p klog
)SH";

// zsh's completion builtins only work inside the line editor; here they are
// replaced by functions that print what would be offered (compadd matches
// against PREFIX as the real one does), and _klog is called with words,
// CURRENT and PREFIX set as the completion system sets them.
const char* kZshDriver = R"SH(compadd() {
  local suffix=""
  while (( $# )); do
    case $1 in
      --) shift; break ;;
      -[dSJXVxPpsWMFOAD]) [[ $1 == -S ]] && suffix=$2; shift 2 ;;
      -*) shift ;;
      *) break ;;
    esac
  done
  local w
  for w in "$@"; do [[ $w == ${PREFIX}* ]] && print -r -- "$IPREFIX$w$suffix"; done
  return 0
}
_files() { print -r -- "<directories>"; }
fpath=($1 $fpath)
autoload -Uz _klog
while IFS= read -r line; do
  words=(${=line})
  [[ $line == *' ' ]] && words+=("")
  CURRENT=$#words PREFIX=${words[CURRENT]} IPREFIX="" SUFFIX=""
  print -r -- "@@ $line"
  _klog
done < $2
)SH";

// The real thing: an interactive zsh on a pseudo-terminal (zsh/zpty) with
// compinit, completing a line on TAB; a wrapper around compadd prints what
// the completion system accepted (after its own matching). Blocking reads
// wait for markers, not for time. Exit 77: no zsh/zpty module.
const char* kZshPtyDriver = R"SH(zmodload zsh/zpty 2>/dev/null || exit 77
zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false'
zpty -w z '_kc_begin() { print -r -- "<<KC-BEGIN>>" }; _kc_end() { print -r -- "<<KC-END>>" }'
zpty -w z 'compprefuncs=( _kc_begin ); comppostfuncs=( _kc_end exit )'
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; local -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<<KC>>$h"; done; builtin compadd "$@"; }'
zpty -w z 'bindkey "^I" complete-word; print -r -- "<<KC""-READY>>"; bindkey "^M" undefined-key; bindkey "^J" undefined-key'
zpty -r z line '*<<KC-READY>>*'
zpty -w -n z "$(<$2)"$'\t'
out=""
while zpty -r z line; do
  out+=$line
  [[ $out == *'<<KC-END>>'* ]] && break
done
zpty -d z
print -r -- "@@ $(<$2)"
print -r -- "${out//$'\r'/}" | grep -a '<<KC>>' | sed 's/.*<<KC>>//'
)SH";

const char* kFishDriver = R"SH(source $argv[1]
for line in (cat $argv[2])
  echo "@@ $line"
  complete -C "$line" | string replace -r '\t.*' ''
end
exit 0
)SH";

using Offers = std::map<std::string, std::vector<std::string>>;  // line -> completions

Offers ParseOffers(const std::string& out) {
  Offers offers;
  std::string current;
  bool in = false;
  for (const auto& l : Lines(out)) {
    if (l.rfind("@@ ", 0) == 0) {
      current = l.substr(3);
      offers[current];
      in = true;
    } else if (in && !l.empty()) {
      offers[current].push_back(l);
    }
  }
  return offers;
}

std::set<std::string> AsSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

std::string Show(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out.empty() ? "(none)" : out;
}

// A data directory with topics "events" and "metrics.v2", a directory under
// topics/ that is no topic, and group "billing"; "other" has topic "audit"
// and group "etl".
class Fixture {
 public:
  Fixture() {
    data_ = tmp_.Join("data");
    other_ = tmp_.Join("other");
    home_ = tmp_.Join("home");
    REQUIRE(::mkdir(home_.c_str(), 0755) == 0);
    Klog({"--dir", data_, "topic", "create", "events", "--partitions", "2"});
    Klog({"--dir", data_, "topic", "create", "metrics.v2"});
    Klog({"--dir", data_, "offset", "commit", "-g", "billing", "events:0=0"});
    REQUIRE(::mkdir((data_ + "/topics/stray").c_str(), 0755) == 0);
    Klog({"--dir", other_, "topic", "create", "audit"});
    Klog({"--dir", other_, "offset", "commit", "-g", "etl", "audit:0=0"});
  }

  const std::string& data() const { return data_; }
  const std::string& other() const { return other_; }
  const std::string& home() const { return home_; }
  std::string Missing() const { return tmp_.Join("missing/klog"); }

  // Runs `shell_command DRIVER COMPLETION_FILE REQUESTS` over `lines`.
  Offers Complete(const std::string& shell_command, const char* driver, const std::string& completion_file,
                  const std::vector<std::string>& lines, std::map<std::string, std::string> env = {},
                  std::vector<std::string> unset = {}, int* exit_code = nullptr) {
    std::string driver_path = tmp_.Join("driver." + std::to_string(n_));
    std::string requests = tmp_.Join("requests." + std::to_string(n_++));
    WriteAll(driver_path, driver);
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    WriteAll(requests, text);
    RunOptions o;
    o.env = {{"HOME", home_}, {"KLOG_DIR", data_}};
    for (const auto& [k, v] : env) o.env[k] = v;
    for (const auto& u : unset) o.env.erase(u);
    o.unset_env = unset;
    o.timeout_ms = 60000;
    RunResult r = RunShell(shell_command + " " + driver_path + " " + completion_file + " " + requests, o);
    if (exit_code) *exit_code = r.exit_code;
    else {
      INFO(shell_command << " stderr: " << r.err);
      REQUIRE(r.exit_code == 0);
    }
    last_out_ = r.out;
    return ParseOffers(r.out);
  }
  const std::string& last_out() const { return last_out_; }

 private:
  static void Klog(const std::vector<std::string>& args) {
    RunResult r = RunKlog(args);
    INFO(Join(args) << ": " << r.err);
    REQUIRE(r.exit_code == 0);
  }

  TempDir tmp_;
  std::string data_, other_, home_;
  int n_ = 0;
  std::string last_out_;
};

struct Shell {
  const char* name;
  std::string command;  // runs DRIVER COMPLETION_FILE REQUESTS
  const char* driver;
  std::string file;
};

std::vector<Shell> Shells() {
  return {
      {"bash", "bash --noprofile --norc", kBashDriver, kCompletions + "/klog.bash"},
      {"zsh", "timeout -k 5 50 zsh -f", kZshDriver, kCompletions},
      {"fish", "timeout -k 5 50 fish --no-config", kFishDriver, kCompletions + "/klog.fish"},
  };
}

// The lines every shell must complete, with what must be offered (exactly,
// for the fixed sets; at least, for names).
struct Expect {
  std::string line;
  std::set<std::string> offers;
  bool exact = true;
};

std::vector<Expect> CommonExpectations(const Fixture& f) {
  return {
      {"klog top", {"topic"}},
      {"klog topic ", {"create", "list", "describe", "alter", "delete"}},
      {"klog offset res", {"reset"}},
      {"klog consume --foll", {"--follow"}},
      {"klog produce --fs", {"--fsync"}},
      {"klog offset reset --to-e", {"--to-earliest", "--to-entry"}},
      {"klog topic describe ", {"events", "metrics.v2"}},
      {"klog topic describe m", {"metrics.v2"}},
      {"klog produce ", {"events", "metrics.v2"}},
      {"klog produce events ", {}},
      {"klog consume events ", {"events", "metrics.v2"}},
      {"klog consume -g ", {"billing"}},
      {"klog consume --group ", {"billing"}},
      {"klog group describe ", {"billing"}},
      {"klog group delete b", {"billing"}},
      {"klog offset show -g ", {"billing"}},
      {"klog offset reset -g billing --topic ", {"events", "metrics.v2"}},
      {"klog offset commit -g billing ev", {"events:"}},
      {"klog --dir " + f.other() + " consume ", {"audit"}},
      {"klog --dir " + f.other() + " group describe ", {"etl"}},
      {"klog consume --dir " + f.other() + " a", {"audit"}},
      {"klog --dir " + f.Missing() + " topic describe ", {}},
      {"klog produce events --fsync ", {"never", "batch", "always"}},
      {"klog produce events --format ", {"line", "null", "json"}},
      {"klog produce events --compression ", {"zstd", "none"}},
      {"klog topic create t --compression ", {"zstd", "none"}},
      {"klog topic alter events --compression z", {"zstd"}},
      {"klog topic describe events --format ", {"table", "json", "prometheus"}},
      {"klog group describe billing --format ", {"table", "json", "prometheus"}},
      {"klog consume events --format ", {"json"}},
      {"klog consume events -o ", {"beginning", "end"}},
      {"klog consume events --offset b", {"beginning"}},
      {"klog consume -g billing events --auto-offset-reset ", {"earliest", "latest"}},
      {"klog consume events -n ", {}},
      {"klog produce events -p ", {}},
  };
}

void CheckExpectations(const char* shell, const Offers& offers, const std::vector<Expect>& expectations) {
  for (const auto& e : expectations) {
    INFO(std::string(shell) << ": '" << e.line << "'");
    REQUIRE(offers.count(e.line));
    std::set<std::string> got = AsSet(offers.at(e.line));
    INFO("offered: " << Show(got));
    if (e.exact) {
      CHECK(got == e.offers);
    } else {
      for (const auto& want : e.offers) CHECK(got.count(want));
    }
  }
}

bool ShellMissing(const char* shell) {
  if (Have(shell)) return false;
  Skip(std::string(shell) + " is not installed (scripts/deps.sh installs it): its completion test did not run");
  return true;
}

}  // namespace

TEST_CASE("bash completion: subcommands, flags, values, topics and groups of the data directory") {
  if (ShellMissing("bash")) return;
  Fixture f;
  auto expectations = CommonExpectations(f);
  expectations.push_back({"klog consume --format=j", {"json"}});          // the piece after '='
  expectations.push_back({"klog --dir=" + f.other() + " consume a", {"audit"}});
  std::vector<std::string> lines;
  for (const auto& e : expectations) lines.push_back(e.line);
  const Shell bash = Shells()[0];
  Offers offers = f.Complete(bash.command, bash.driver, bash.file, lines);
  CheckExpectations("bash", offers, expectations);
  struct stat st;
  CHECK(::stat(f.Missing().c_str(), &st) != 0);  // completing created nothing
  CHECK(AsSet(offers["complete -p klog"]) == std::set<std::string>{"complete -F _klog klog"});
}

TEST_CASE("zsh completion: _klog offers subcommands, flags, values, topics and groups") {
  if (ShellMissing("zsh")) return;
  Fixture f;
  auto expectations = CommonExpectations(f);
  expectations.push_back({"klog consume --format=j", {"--format=json"}});
  expectations.push_back({"klog --dir ", {"<directories>"}});
  std::vector<std::string> lines;
  for (const auto& e : expectations) lines.push_back(e.line);
  const Shell zsh = Shells()[1];
  Offers offers = f.Complete(zsh.command, zsh.driver, zsh.file, lines);
  CheckExpectations("zsh", offers, expectations);
  struct stat st;
  CHECK(::stat(f.Missing().c_str(), &st) != 0);  // completing created nothing
  RunResult syntax = RunShell("zsh -n " + kCompletions + "/_klog");
  CHECK(syntax.exit_code == 0);
  CHECK(syntax.err == "");
}

TEST_CASE("zsh completion in a real interactive zsh with compinit (zsh/zpty)") {
  if (ShellMissing("zsh")) return;
  Fixture f;
  const std::vector<Expect> expectations = {
      {"klog top", {"topic"}},
      {"klog consume --foll", {"--follow"}},
      {"klog topic describe ", {"events", "metrics.v2"}},
      {"klog group describe ", {"billing"}},
      {"klog produce events --fsync ", {"never", "batch", "always"}},
  };
  for (const auto& e : expectations) {
    int rc = 0;
    Offers offers =
        f.Complete("timeout -k 5 30 zsh -f", kZshPtyDriver, kCompletions, {e.line}, {}, {}, &rc);
    if (rc == 77) {
      Skip("zsh has no zsh/zpty module: the interactive zsh completion test did not run");
      return;
    }
    INFO("output: " << f.last_out());
    REQUIRE(rc == 0);
    CheckExpectations("zsh (interactive)", offers, {e});
  }
}

TEST_CASE("fish completion: subcommands, flags, values, topics and groups of the data directory") {
  if (ShellMissing("fish")) return;
  Fixture f;
  auto expectations = CommonExpectations(f);
  expectations.push_back({"klog consume --format=j", {"--format=json"}});
  std::vector<std::string> lines;
  for (const auto& e : expectations) lines.push_back(e.line);
  const Shell fish = Shells()[2];
  Offers offers = f.Complete(fish.command, fish.driver, fish.file, lines);
  CheckExpectations("fish", offers, expectations);
  struct stat st;
  CHECK(::stat(f.Missing().c_str(), &st) != 0);  // completing created nothing
}

TEST_CASE("completions find the default data directory: $KLOG_DIR, else $XDG_DATA_HOME/klog, else ~/.local/share") {
  Fixture f;
  for (const auto& shell : Shells()) {
    if (ShellMissing(shell.name)) continue;
    // XDG_DATA_HOME/klog is the "other" directory; KLOG_DIR unset.
    std::string xdg = f.other().substr(0, f.other().rfind('/')) + "/xdg";
    REQUIRE(RunShell("mkdir -p " + xdg + " && ln -s " + f.other() + " " + xdg + "/klog 2>/dev/null; true").exit_code ==
            0);
    Offers o1 = f.Complete(shell.command, shell.driver, shell.file, {"klog topic describe "},
                           {{"XDG_DATA_HOME", xdg}}, {"KLOG_DIR"});
    INFO(std::string(shell.name));
    CHECK(AsSet(o1["klog topic describe "]) == std::set<std::string>{"audit"});
    // Neither: ~/.local/share/klog, which does not exist and is not created.
    Offers o2 = f.Complete(shell.command, shell.driver, shell.file, {"klog topic describe ", "klog consume -g "}, {},
                           {"KLOG_DIR", "XDG_DATA_HOME"});
    CHECK(o2["klog topic describe "].empty());
    CHECK(o2["klog consume -g "].empty());
    struct stat st;
    CHECK(::stat((f.home() + "/.local/share/klog").c_str(), &st) != 0);
  }
}

// Issue 17: -b/--brokers, -X and --timeout are global options like --dir.
// Their values are skipped when finding the command path; with a cluster in
// effect (-b on the line, or $KLOG_BROKERS without --dir) no directory's
// topics or groups are offered.
TEST_CASE("completions with the cluster options: no directory names on a cluster, global values skipped") {
  Fixture f;
  const std::set<std::string> subcommands = {"topic", "produce", "consume", "group",
                                             "offset", "verify", "dump", "retention", "mirror"};
  const std::set<std::string> topics = {"events", "metrics.v2"};
  const std::set<std::string> properties = {"security.protocol=", "sasl.mechanism=",  "sasl.username=",
                                            "sasl.password=",     "ssl.ca.location=", "client.id="};
  const std::vector<Expect> with_dir = {
      // A cluster on the line: nothing from $KLOG_DIR (which holds these names).
      {"klog -b localhost:9092 topic describe ", {}},
      {"klog --brokers localhost:9092 consume ", {}},
      {"klog --brokers=localhost:9092 group describe ", {}},
      {"klog consume -b localhost:9092 -g ", {}},
      {"klog offset reset -g billing --brokers h:1 --topic ", {}},
      {"klog offset commit -b h:1 -g billing ev", {}},
      {"klog --dir " + f.data() + " -b h:1 produce ", {}},
      // ... while commands and flags are still found after it.
      {"klog -b h:1 ", subcommands},
      {"klog -b h:1 topic ", {"create", "list", "describe", "alter", "delete"}},
      {"klog -b h:1 -X client.id=x --timeout 5s consume --foll", {"--follow"}},
      // The values of -X and --timeout are skipped; no cluster: the directory's names.
      {"klog -X client.id=x --timeout 5s topic describe ", topics},
      {"klog topic describe -X client.id=x --timeout 5s ", topics},
      {"klog --timeout=5s consume ", topics},
      // Their own values: nothing to offer for HOST:PORT and DURATION; a few property names for -X.
      {"klog -b ", {}},
      {"klog --brokers ", {}},
      {"klog --timeout ", {}},
      {"klog -X ", properties},
      {"klog -X sec", {"security.protocol="}},
      {"klog topic list -X ssl", {"ssl.ca.location="}},
  };
  // $KLOG_BROKERS set: a cluster, unless --dir says otherwise.
  const std::vector<Expect> with_brokers_env = {
      {"klog topic describe ", {}},
      {"klog consume -g ", {}},
      {"klog group delete ", {}},
      {"klog --dir " + f.data() + " topic describe ", topics},
      {"klog topic describe --dir " + f.data() + " m", {"metrics.v2"}},
  };
  for (const auto& shell : Shells()) {
    if (ShellMissing(shell.name)) continue;
    std::vector<std::string> lines;
    for (const auto& e : with_dir) lines.push_back(e.line);
    CheckExpectations(shell.name, f.Complete(shell.command, shell.driver, shell.file, lines), with_dir);
    lines.clear();
    for (const auto& e : with_brokers_env) lines.push_back(e.line);
    CheckExpectations(shell.name,
                      f.Complete(shell.command, shell.driver, shell.file, lines, {{"KLOG_BROKERS", "h:1"}}),
                      with_brokers_env);
  }
}

TEST_CASE("each completion offers exactly the flags and subcommands that klog --help lists") {
  auto commands = AllHelp();
  REQUIRE(commands.size() > 10);
  std::vector<std::string> lines;
  for (const auto& [c, h] : commands) {
    lines.push_back(c.empty() ? "klog -" : "klog " + c + " -");
    if (!h.subcommands.empty()) lines.push_back(c.empty() ? "klog " : "klog " + c + " ");
  }
  Fixture f;
  for (const auto& shell : Shells()) {
    if (ShellMissing(shell.name)) continue;
    Offers offers = f.Complete(shell.command, shell.driver, shell.file, lines);
    for (const auto& [c, h] : commands) {
      std::string flags_line = c.empty() ? "klog -" : "klog " + c + " -";
      INFO(std::string(shell.name) << ": '" << flags_line << "'");
      REQUIRE(offers.count(flags_line));
      CHECK(Show(AsSet(offers[flags_line])) == Show(h.flags));
      if (!h.subcommands.empty()) {
        std::string subs_line = c.empty() ? "klog " : "klog " + c + " ";
        INFO(std::string(shell.name) << ": '" << subs_line << "'");
        CHECK(Show(AsSet(offers[subs_line])) == Show(AsSet(h.subcommands)));
      }
    }
  }
}

}  // namespace klog::testing
