#include "donor_import.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "donor_csv.h"

namespace blooddrive::coordinator {
namespace {

struct ImportOptions {
  std::string file;
  bool dry_run = false;
  std::string home_site;
  std::string report;
  int parallel = 8;
};

enum class Result { kPending, kImported, kWouldImport, kDuplicate, kRejected, kFailed };

absl::string_view ResultLabel(Result result) {
  switch (result) {
    case Result::kImported:
      return "imported";
    case Result::kWouldImport:
      return "would import";
    case Result::kDuplicate:
      return "duplicate";
    case Result::kRejected:
      return "rejected";
    case Result::kFailed:
      return "failed";
    case Result::kPending:
      break;
  }
  return "not processed";
}

struct RowOutcome {
  Result result = Result::kPending;
  std::string donor;   // "donors/{donor}" created or found
  std::string column;  // rejected by the file: the column
  std::string detail;
};

// A call failure after which no further row can succeed: the registry is gone, or we may not.
bool IsFatal(grpc::StatusCode code) {
  // CANCELLED: a registry shutting down cancels the calls it is serving.
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::CANCELLED || code == grpc::StatusCode::UNAUTHENTICATED ||
         code == grpc::StatusCode::PERMISSION_DENIED;
}

// "donor.documents[0]: already registered to donors/abc" -> "donors/abc".
std::string RegisteredTo(absl::string_view message) {
  const size_t at = message.find("donors/");
  if (at == absl::string_view::npos) return "";
  size_t end = at;
  while (end < message.size() && message[end] != ' ' && message[end] != ',' &&
         message[end] != ';' && message[end] != ')') {
    ++end;
  }
  return std::string(message.substr(at, end - at));
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

std::string CsvQuote(absl::string_view text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

// The import of one parsed file: rows are looked up and created by a few threads at once, results
// kept per row, progress shown from the calling thread.
class Importer {
 public:
  Importer(cli::Session& session, const ImportOptions& options, const DonorCsv& csv,
           v1::DonorRegistry::Stub* registry)
      : session_(session),
        options_(options),
        csv_(csv),
        registry_(registry),
        outcomes_(csv.rows.size()) {}

  void Run();
  // Prints the rows, the summary and the report; returns the exit code.
  int Finish();

 private:
  RowOutcome Import(const DonorCsvRow& row);
  // Looks the row's documents up; a found donor makes the row a duplicate. False on a failed call
  // (the outcome says why).
  bool LookUp(const DonorCsvRow& row, RowOutcome* outcome);
  void Fatal(const grpc::Status& status, const grpc::ClientContext& context);
  void Worker();
  void DrawProgress(size_t done, bool last);
  void PrintJsonRow(size_t index) const;
  bool WriteReport(const std::vector<RowOutcome>& outcomes) const;

  cli::Session& session_;
  const ImportOptions& options_;
  const DonorCsv& csv_;
  v1::DonorRegistry::Stub* const registry_;
  std::vector<size_t> work_;  // indexes of rows that need calls
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  absl::Time start_;

  mutable absl::Mutex mu_;
  std::vector<RowOutcome> outcomes_ ABSL_GUARDED_BY(mu_);
  size_t done_ ABSL_GUARDED_BY(mu_) = 0;
  std::string fatal_ ABSL_GUARDED_BY(mu_);  // the sentence for the first fatal failure
  int fatal_code_ ABSL_GUARDED_BY(mu_) = cli::kExitOk;
  bool fatal_cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

void Importer::Fatal(const grpc::Status& status, const grpc::ClientContext& context) {
  stop_ = true;
  const bool cancelled = status.error_code() == grpc::StatusCode::CANCELLED;
  absl::MutexLock lock(&mu_);
  // A cancelled call says less than the UNAVAILABLE that usually follows it.
  if (!fatal_.empty() && !fatal_cancelled_) return;
  if (!fatal_.empty() && cancelled) return;
  fatal_cancelled_ = cancelled;
  if (cancelled) {
    fatal_ = "the registry cancelled the calls in flight (is it shutting down?)";
    fatal_code_ = cli::kExitUnavailable;
    return;
  }
  fatal_ = cli::Describe(status, context);
  fatal_code_ = cli::ExitCodeFor(status.error_code());
}

bool Importer::LookUp(const DonorCsvRow& row, RowOutcome* outcome) {
  for (const v1::IdentityDocument& document : row.request.donor().documents()) {
    v1::FindDonorsRequest request;
    *request.mutable_document() = document;
    request.set_page_size(1);
    v1::FindDonorsResponse response;
    std::unique_ptr<grpc::ClientContext> context = session_.NewContext();
    const grpc::Status status = registry_->FindDonors(context.get(), request, &response);
    if (!status.ok()) {
      if (IsFatal(status.error_code())) {
        Fatal(status, *context);
      } else {
        outcome->result = Result::kFailed;
        outcome->detail = cli::Describe(status, *context);
      }
      return false;
    }
    if (response.donors_size() > 0) {
      outcome->result = Result::kDuplicate;
      outcome->donor = response.donors(0).name();
      outcome->detail = absl::StrCat("duplicate of ", outcome->donor, " (same document)");
      return false;
    }
  }
  return true;
}

RowOutcome Importer::Import(const DonorCsvRow& row) {
  RowOutcome outcome;
  if (!LookUp(row, &outcome)) return outcome;
  if (options_.dry_run) {
    outcome.result = Result::kWouldImport;
    return outcome;
  }
  v1::Donor created;
  std::unique_ptr<grpc::ClientContext> context = session_.NewContext();
  const grpc::Status status = registry_->CreateDonor(context.get(), row.request, &created);
  if (status.ok()) {
    outcome.result = Result::kImported;
    outcome.donor = created.name();
    return outcome;
  }
  switch (status.error_code()) {
    case grpc::StatusCode::ALREADY_EXISTS:  // registered by someone else since the lookup
      outcome.result = Result::kDuplicate;
      outcome.donor = RegisteredTo(status.error_message());
      outcome.detail = absl::StrCat("duplicate of ", outcome.donor, " (same document)");
      break;
    case grpc::StatusCode::INVALID_ARGUMENT:
      outcome.result = Result::kRejected;
      outcome.detail = absl::StrCat("the registry refused it: ", status.error_message());
      break;
    default:
      if (IsFatal(status.error_code())) {
        Fatal(status, *context);
        outcome.result = Result::kPending;
      } else {
        outcome.result = Result::kFailed;
        outcome.detail = cli::Describe(status, *context);
      }
  }
  return outcome;
}

void Importer::Worker() {
  while (!stop_) {
    const size_t i = next_.fetch_add(1);
    if (i >= work_.size()) return;
    RowOutcome outcome = Import(csv_.rows[work_[i]]);
    absl::MutexLock lock(&mu_);
    if (outcome.result != Result::kPending) ++done_;
    outcomes_[work_[i]] = std::move(outcome);
  }
}

void Importer::DrawProgress(size_t done, bool last) {
  const size_t total = csv_.rows.size();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  constexpr int kWidth = 30;
  const int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
  std::string line =
      absl::StrCat("\r[", std::string(filled, '#'), std::string(kWidth - filled, '.'), "] ", done,
                   "/", total, " rows  ", static_cast<int>(rate), " rows/s");
  if (!last && rate > 0) {
    const int eta = static_cast<int>(static_cast<double>(total - done) / rate);
    absl::StrAppend(&line, "  ETA ", eta / 60, ":", absl::Dec(eta % 60, absl::kZeroPad2));
  }
  std::cerr << line << "\x1b[K" << (last ? "\n" : "") << std::flush;
}

void Importer::Run() {
  start_ = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < csv_.rows.size(); ++i) {
      const DonorCsvRow& row = csv_.rows[i];
      RowOutcome& outcome = outcomes_[i];
      switch (row.kind) {
        case DonorCsvRow::Kind::kValid:
          work_.push_back(i);
          continue;
        case DonorCsvRow::Kind::kRejected:
          outcome.result = Result::kRejected;
          outcome.column = row.column;
          break;
        case DonorCsvRow::Kind::kDuplicate:
          outcome.result = Result::kDuplicate;
          break;
      }
      outcome.detail = row.reason;
      ++done_;
    }
  }
  const bool progress = isatty(STDERR_FILENO) && csv_.rows.size() > 50;
  const size_t threads = std::min<size_t>(std::max(options_.parallel, 1), work_.size());
  std::vector<std::thread> workers;
  for (size_t i = 0; i < threads; ++i) workers.emplace_back([this] { Worker(); });
  // JSON lines go out in row order as soon as every earlier row is done.
  size_t printed = 0;
  for (;;) {
    size_t done = 0;
    bool finished = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this] { return done_ == csv_.rows.size() || stop_; };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(100));
      done = done_;
      finished = done_ == csv_.rows.size();
    }
    if (session_.json()) {
      for (;;) {
        {
          absl::MutexLock lock(&mu_);
          if (printed >= outcomes_.size() || outcomes_[printed].result == Result::kPending) break;
        }
        PrintJsonRow(printed++);
      }
    }
    if (progress) DrawProgress(done, false);
    if (finished || stop_) break;
  }
  for (std::thread& worker : workers) worker.join();
  if (progress) {
    absl::MutexLock lock(&mu_);
    DrawProgress(done_, true);
  }
  if (session_.json()) {
    // After a stop, the rows done by threads still in flight.
    while (printed < outcomes_.size()) {
      bool pending;
      {
        absl::MutexLock lock(&mu_);
        pending = outcomes_[printed].result == Result::kPending;
      }
      if (!pending) PrintJsonRow(printed);
      ++printed;
    }
  }
}

void Importer::PrintJsonRow(size_t index) const {
  const DonorCsvRow& row = csv_.rows[index];
  RowOutcome outcome;
  {
    absl::MutexLock lock(&mu_);
    outcome = outcomes_[index];
  }
  std::string line = absl::StrCat("{\"row\":", row.row, ",\"name\":", JsonQuote(row.display_name),
                                  ",\"result\":", JsonQuote(ResultLabel(outcome.result)));
  if (!outcome.donor.empty()) absl::StrAppend(&line, ",\"donor\":", JsonQuote(outcome.donor));
  if (!outcome.column.empty()) absl::StrAppend(&line, ",\"column\":", JsonQuote(outcome.column));
  if (!outcome.detail.empty()) absl::StrAppend(&line, ",\"detail\":", JsonQuote(outcome.detail));
  if (row.kind == DonorCsvRow::Kind::kValid) {
    absl::StrAppend(&line, ",\"requestId\":", JsonQuote(row.request.request_id()));
  }
  std::cout << line << "}\n";
}

bool Importer::WriteReport(const std::vector<RowOutcome>& outcomes) const {
  std::ofstream out(options_.report, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  const std::string sep(1, csv_.separator);
  // A byte-order mark, so that Excel opens Cyrillic names as UTF-8.
  out << "\xEF\xBB\xBF"
      << "row" << sep << "name" << sep << "result" << sep << "donor" << sep << "column" << sep
      << "detail\r\n";
  for (size_t i = 0; i < csv_.rows.size(); ++i) {
    const RowOutcome& o = outcomes[i];
    out << csv_.rows[i].row << sep << CsvQuote(csv_.rows[i].display_name) << sep
        << ResultLabel(o.result) << sep << o.donor << sep << CsvQuote(o.column) << sep
        << CsvQuote(o.detail) << "\r\n";
  }
  out.flush();
  return static_cast<bool>(out);
}

int Importer::Finish() {
  std::vector<RowOutcome> outcomes;
  std::string fatal;
  int fatal_code = cli::kExitOk;
  {
    absl::MutexLock lock(&mu_);
    outcomes = outcomes_;
    fatal = fatal_;
    fatal_code = fatal_code_;
  }
  size_t imported = 0, duplicates = 0, rejected = 0, failed = 0, pending = 0;
  for (const RowOutcome& o : outcomes) {
    switch (o.result) {
      case Result::kImported:
      case Result::kWouldImport:
        ++imported;
        break;
      case Result::kDuplicate:
        ++duplicates;
        break;
      case Result::kRejected:
        ++rejected;
        break;
      case Result::kFailed:
        ++failed;
        break;
      case Result::kPending:
        ++pending;
        break;
    }
  }
  const size_t total = outcomes.size();
  if (!session_.json()) {
    // Big files: every row that needs attention, not thousands of "imported" lines.
    constexpr size_t kAllRowsUpTo = 200;
    cli::Table table({"ROW", "NAME", "RESULT", "DETAIL"});
    size_t hidden = 0;
    for (size_t i = 0; i < total; ++i) {
      const RowOutcome& o = outcomes[i];
      if (o.result == Result::kPending) continue;
      const bool routine = o.result == Result::kImported || o.result == Result::kWouldImport;
      if (routine && total > kAllRowsUpTo) {
        ++hidden;
        continue;
      }
      table.AddRow({absl::StrCat(csv_.rows[i].row), csv_.rows[i].display_name,
                    std::string(ResultLabel(o.result)), o.detail.empty() ? o.donor : o.detail});
    }
    if (!table.empty()) table.Print(std::cout);
    if (hidden > 0) {
      std::cout << "(" << hidden << " " << (options_.dry_run ? "valid" : "imported")
                << " rows not shown; --json or --report FILE lists every row)\n";
    }
  }
  if (session_.json()) {
    std::cout << "{\"summary\":{\"rows\":" << total << ",\"imported\":" << imported
              << ",\"duplicates\":" << duplicates << ",\"rejected\":" << rejected
              << ",\"failed\":" << failed << ",\"notProcessed\":" << pending
              << ",\"dryRun\":" << (options_.dry_run ? "true" : "false") << "}}\n";
  } else {
    std::string summary = absl::StrCat(
        total, " rows: ", imported, options_.dry_run ? " would be imported" : " imported", ", ",
        duplicates, duplicates == 1 ? " duplicate" : " duplicates", ", ", rejected, " rejected");
    if (failed > 0) absl::StrAppend(&summary, ", ", failed, " failed");
    if (pending > 0) absl::StrAppend(&summary, ", ", pending, " not processed");
    if (options_.dry_run) absl::StrAppend(&summary, " (dry run: nothing was created)");
    std::cout << summary << "\n";
  }
  std::cout.flush();
  if (!options_.report.empty()) {
    if (!WriteReport(outcomes)) {
      std::cerr << "error: cannot write the report to " << options_.report << "\n";
    } else if (!session_.json()) {
      std::cout << "report: " << options_.report << "\n";
    }
  }
  if (!fatal.empty()) {
    return session_.Fail(
        absl::StrCat(fatal, "\nStopped after ", total - pending, " of ", total,
                     " rows. Every donor the registry confirmed is kept; run the same command "
                     "again to finish (request ids come from the rows, so nothing is created "
                     "twice)."),
        fatal_code);
  }
  const int code = rejected > 0 || failed > 0 ? cli::kExitPartial : cli::kExitOk;
  session_.Finish(code);
  return code;
}

void RunImport(cli::Session& session, const ImportOptions& options) {
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    session.Fail(absl::StrCat("cannot read ", options.file), cli::kExitUsage);
    return;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  DonorCsvOptions csv_options;
  csv_options.home_site = options.home_site;
  csv_options.today = absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
  absl::StatusOr<DonorCsv> csv = ParseDonorCsv(buffer.str(), csv_options);
  if (!csv.ok()) {
    session.Fail(absl::StrCat(options.file, ": ", csv.status().message()), cli::kExitUsage);
    return;
  }
  // Checked before any donor is created: a report that cannot be written after the import
  // would leave the coordinator without the per-row results and a run to redo.
  if (!options.report.empty() && !std::ofstream(options.report, std::ios::app)) {
    session.Fail(absl::StrCat("cannot write the report to ", options.report), cli::kExitUsage);
    return;
  }
  v1::DonorRegistry::Stub* registry = session.registry();
  if (registry == nullptr) return;
  Importer importer(session, options, *csv, registry);
  importer.Run();
  importer.Finish();
}

}  // namespace

void AddDonorImportCommand(CLI::App& donor_group, cli::Session& session) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* command = donor_group.add_subcommand(
      "import",
      "Register the donors of a spreadsheet saved as CSV (UTF-8; ',' or ';'). Each row is looked "
      "up by its documents first: a donor already registered is skipped as a duplicate. Rows "
      "that cannot be read are rejected with the column and the reason; the others are imported. "
      "Running the same file again creates nothing new.");
  command->add_option("FILE", options->file, "The CSV file; the first row names the columns")
      ->required();
  command->add_flag("--dry-run", options->dry_run,
                    "Check every row and look it up in the registry, but create nothing");
  command->add_option("--home-site", options->home_site,
                      "Home site for rows that name none, e.g. astana-old-town");
  command->add_option("--report", options->report,
                      "Also write every row's result to this CSV file (opens in Excel)");
  command->add_option("--parallel", options->parallel, "Calls in flight at once (1..32)")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  command->footer(absl::StrCat(
      "Columns (header names in English, Russian or Kazakh, any case):\n", DonorCsvColumnsHelp(),
      "Dates: YYYY-MM-DD or DD.MM.YYYY. Blood groups: O+, 0+, A(II) Rh-, II+, ... (empty: not "
      "typed yet).\nExit: 0 every row imported or a duplicate, 1 some rows rejected, 2 the file "
      "cannot be read, 7 the registry went away (run again to finish).\n\n",
      cli::HelpFooter()));
  command->callback([&session, options] { RunImport(session, *options); });
}

}  // namespace blooddrive::coordinator
