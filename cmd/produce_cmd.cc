// klog produce TOPIC [VALUE...]
#include <unistd.h>

#include "cli.h"
#include "backend/produce_stream.h"
#include "backend/stop_signals.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {
namespace {

struct ProduceFlags {
  std::string topic;
  std::vector<std::string> values;
  std::string format = "line";
  std::string key;
  bool has_key = false;
  std::string key_separator;
  bool has_key_separator = false;
  std::vector<std::string> headers;
  int partition = -1;
  std::string fsync = "never";
  std::string compression;
  std::string compression_level;
  std::string batch_size = "1MiB";
  std::string linger = "0ms";
  std::string max_record_size = "1MiB";
  bool print_offsets = false;
  bool json = false;
};

int Run(const Globals& g, const ProduceFlags& f) {
  Status name = util::ValidateName(f.topic, "topic");
  if (!name.ok()) return UsageError(name.message());
  backend::ProducerOptions po;
  if (f.partition >= 0) po.partition = f.partition;
  po.fsync = ParseFlag("--fsync", backend::ParseFsyncPolicy(f.fsync));
  if (!f.compression.empty()) po.codec = ParseFlag("--compression", backend::ParseCodec(f.compression));
  if (!f.compression_level.empty())
    po.zstd_level = ParseCompressionLevelFlag(f.compression_level);
  po.batch_bytes = ParseFlag("--batch-size", util::ParseSize(f.batch_size));
  po.max_record_bytes = ParseFlag("--max-record-size", util::ParseSize(f.max_record_size));
  if (po.batch_bytes == 0) return UsageError("--batch-size: must be at least 1 byte");
  if (po.max_record_bytes > (64u << 20)) return UsageError("--max-record-size: at most 64MiB");
  // A batch is built in memory (and is one batch on disk: its length is 32 bits).
  if (po.batch_bytes > backend::kMaxBatchBytes)
    return UsageError("--batch-size: at most " + util::FormatSize(backend::kMaxBatchBytes) + ", not '" + f.batch_size +
                      "'");
  if (f.json && !f.print_offsets) return UsageError("--json needs --print-offsets (it formats the offsets printed)");

  backend::StreamOptions so;
  so.format = ParseFlag("--format", backend::ParseInputFormat(f.format));
  if (f.has_key) so.key = f.key;
  if (f.has_key_separator) {
    if (f.key_separator.empty()) return UsageError("-K: empty separator (give the text between key and value)");
    if (so.format == backend::InputFormat::kJson)
      return UsageError("-K cannot be used with --format json: each object gives its own \"key\"");
    so.key_separator = f.key_separator;
  }
  for (const auto& h : f.headers) {
    auto header = util::ParseHeader(h);
    if (!header.ok()) return UsageError("-H " + header.status().message());
    so.headers.push_back(std::move(*header));
  }
  so.linger_ms = ParseFlag("--linger", util::ParseDurationMs(f.linger));
  po.linger_ms = so.linger_ms;
  po.warn = [&g](const std::string& message) { Warn(g, message); };

  if (f.values.empty()) {
    // Before the producer starts its threads: they inherit the mask, so a
    // stop signal reaches only the wait for input (os/signals.h).
    backend::CatchStopSignals();
    backend::DeliverStopSignalsOnlyWhileWaiting();
    so.stop_on_signal = true;
  }

  auto store = OpenBackendFrom(g);
  auto producer = store->OpenProducer(f.topic, po);
  if (!producer.ok()) return Fail(producer.status());

  format::Output out;
  backend::WrittenCallback report;
  bool reader_gone = false;
  int64_t records = 0;  // for -v
  if (f.print_offsets || g.verbose) {
    report = [&](const std::vector<backend::WrittenRun>& written) {
      for (const auto& run : written) records += run.count;
      if (!f.print_offsets || reader_gone) return Status::Ok();
      // A line per record; in a run only the offset changes.
      for (const auto& run : written) {
        std::string p = std::to_string(run.partition);
        std::string before = f.json ? "{\"topic\":\"" + f.topic + "\",\"partition\":" + p + ",\"offset\":" : p + " ";
        const char* after = f.json ? "}\n" : "\n";
        for (int64_t offset = run.offset; offset < run.offset + run.count; ++offset)
          out.buffer().append(before).append(std::to_string(offset)).append(after);
      }
      // Flushed per batch: what is printed is written, even if we die next.
      Status st = out.Flush();
      if (st.code() != Code::kOutputClosed) return st;
      // The offsets' reader went away (`... | head -1`): the records still
      // matter more than their offsets, so keep writing all of the input.
      reader_gone = true;
      return Status::Ok();
    };
  }
  uint64_t cut = 0;
  Status st = f.values.empty() ? backend::ProduceStream(0, **producer, so, report, &cut)
                               : backend::ProduceValues(f.values, **producer, so, report);
  if (!st.ok()) return Fail(st);
  if (cut > 0)
    Warn(g, "stopped by a signal: the unfinished last record (" + std::to_string(cut) +
                " bytes, no delimiter yet) was not written");
  if (g.verbose)
    Note(g, "wrote " + std::to_string(records) + (records == 1 ? " record" : " records") + " to topic '" + f.topic + "'");
  return kExitOk;
}

}  // namespace

void AddProduceCommand(CLI::App& app, Globals& g, Action& action) {
  auto f = std::make_shared<ProduceFlags>();
  auto* sub = app.add_subcommand(
      "produce",
      "Append records from stdin or VALUE arguments\nExample: tail -F app.log | klog produce logs \\\n  --linger 100ms");
  sub->add_option("TOPIC", f->topic, "Topic to append to")->required();
  sub->add_option("VALUE", f->values, "Record values (instead of reading stdin)");
  sub->add_option("--format", f->format, "Input: line (default), null (NUL-delimited)\nor json (one object per line)")
      ->type_name("FORMAT")
        ->check(CLI::IsMember({"line", "null", "json"}));
  sub->add_option("-k,--key", f->key, "Key for every record")->type_name("KEY")->each([f](const std::string&) {
    f->has_key = true;
  });
  sub->add_option("-K,--key-separator", f->key_separator, "Split records at the first SEP: KEY SEP VALUE")
      ->type_name("SEP")
      ->each([f](const std::string&) { f->has_key_separator = true; });
  // One value per -H, so that `-H a=1 VALUE` leaves VALUE a record.
  sub->add_option("-H,--header", f->headers, "Header NAME=VALUE for every record (repeatable)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  AddIntOption(sub, "-p,--partition", f->partition, 0, backend::kMaxPartitions - 1, "Write every record to partition N")
      ->type_name("N");
  sub->add_option("--fsync", f->fsync, "When to fsync: never (default), batch or always")
      ->type_name("POLICY")
        ->check(CLI::IsMember({"never", "batch", "always"}));
  sub->add_option("--compression", f->compression, "Override the topic's compression: zstd or none")
      ->type_name("CODEC")
        ->check(CLI::IsMember({"zstd", "none"}));
  sub->add_option("--compression-level", f->compression_level, "Override the topic's zstd level (1-19)")
      ->type_name("N");
  sub->add_option("--batch-size", f->batch_size, "Write once a partition's batch holds this much\n(default 1MiB)")
      ->type_name("SIZE");
  sub->add_option("--linger", f->linger, "Wait this long for more input before writing\n(default 0ms: write as soon as input pauses)")
      ->type_name("DURATION");
  sub->add_option("--max-record-size", f->max_record_size, "Refuse records larger than this (default 1MiB)")
      ->type_name("SIZE");
  sub->add_flag("--print-offsets", f->print_offsets, "Print PARTITION OFFSET for each record written");
  sub->add_flag("--json", f->json, "With --print-offsets: one JSON object per record");
  sub->callback([&, f] { action = [&, f] { return Run(g, *f); }; });
}

}  // namespace klog::cmd
