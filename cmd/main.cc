// klog: pick the command, parse its flags, call lib/, print, map the status
// to an exit code. Nothing else lives here.
#include <signal.h>

#include <cstdio>
#include <exception>
#include <string>

#include "cli.h"

int main(int argc, char** argv) {
  using namespace klog::cmd;
  signal(SIGPIPE, SIG_IGN);  // a closed pipe is EPIPE, handled as "stop quietly"
  try {
    CLI::App app{"klog: Kafka's model (topics, partitions, offsets, consumer groups)\n"
                 "over a plain directory.\n"
                 "Example: printf 'a\\nb\\n' | klog produce events && klog consume events",
                 "klog"};
    app.set_version_flag("--version", std::string("klog ") + KLOG_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    Globals g;
    app.add_option("--dir", g.dir, "Data directory (default: $KLOG_DIR, else\n${XDG_DATA_HOME:-~/.local/share}/klog)")
        ->type_name("DIR")
        ->each([](const std::string& v) {
          // `--dir "$BACKUP"` with an empty variable must not mean the default.
          if (v.empty())
            throw CLI::RuntimeError(UsageError("--dir: empty path (leave --dir out to use $KLOG_DIR or the default)"));
        });
    app.add_option("-b,--brokers", g.brokers,
                   "Kafka cluster to use instead of a directory\n(default: $KLOG_BROKERS)")
        ->type_name("HOST:PORT[,...]")
        ->each([](const std::string& v) {
          if (v.empty())
            throw CLI::RuntimeError(
                UsageError("--brokers: empty (an unset variable?); give HOST:PORT[,HOST:PORT...] or leave it out"));
        });
    app.add_option("-X", g.properties, "librdkafka property for the cluster (repeatable;\nbeats kafka.conf)")
        ->type_name("NAME=VALUE")
        ->allow_extra_args(false);
    app.add_option("--timeout", g.timeout, "Bound on reaching the cluster and on each\nrequest (default 30s)")
        ->type_name("DURATION");
    app.add_flag("-q,--quiet", g.quiet, "Print nothing but records and errors");
    app.add_flag("-v,--verbose", g.verbose, "Print progress notes on stderr");
    Action action;
    AddTopicCommands(app, g, action);
    AddProduceCommand(app, g, action);
    AddConsumeCommand(app, g, action);
    AddGroupCommands(app, g, action);
    AddOffsetCommands(app, g, action);
    AddMaintenanceCommands(app, g, action);
    AddMirrorCommand(app, g, action);
    // `klog COMMAND --help` names the page a user types next: one per
    // top-level command (klog-verify(1), klog-topic(1) for topic create ...).
    app.footer("Manual: man klog; each command: man klog-COMMAND (e.g. man klog-consume)");
    for (CLI::App* top : app.get_subcommands([](CLI::App*) { return true; })) {
      std::string manual = "Manual: man klog-" + top->get_name();
      top->footer(manual);
      for (CLI::App* sub : top->get_subcommands([](CLI::App*) { return true; })) sub->footer(manual);
    }
    {
      // CLI11 would print the version and ignore the rest (global options
      // such as an alias's --dir are fine).
      bool version = false, other = false;
      for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--") break;
        if (a == "--version") version = true;
        else if (a == "--dir" || a == "-b" || a == "--brokers" || a == "-X" || a == "--timeout") ++i;
        else if (a.rfind("--dir=", 0) != 0 && a.rfind("--brokers=", 0) != 0 && a.rfind("--timeout=", 0) != 0 &&
                 a != "-q" && a != "--quiet" && a != "-v" && a != "--verbose")
          other = true;
      }
      if (version && other) return UsageError("--version takes nothing else (run 'klog --version' alone)");
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::RuntimeError& e) {
      return e.get_exit_code();  // already reported by the flag's parser
    } catch (const CLI::ParseError& e) {
      // Name an unknown command rather than CLI11's "a subcommand is required".
      for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--dir" || a == "-b" || a == "--brokers" || a == "-X" || a == "--timeout") {
          ++i;
          continue;
        }
        if (a.empty() || a[0] == '-') continue;
        bool known = false;
        for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
          known |= sub->get_name() == a;
        if (!known) return UsageError("unknown command '" + a + "' (run 'klog --help' for the list)");
        break;
      }
      std::string msg = e.what();
      if (msg.empty()) msg = e.get_name();
      return UsageError(msg + " (run 'klog --help' or 'klog COMMAND --help')");
    }
    if (!action) return UsageError("no command given (run 'klog --help')");
    return action();
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const std::exception& e) {
    return Fail(klog::Status::IOError(std::string("unexpected: ") + e.what()));
  } catch (...) {
    return Fail(klog::Status::IOError("unexpected failure"));
  }
}
