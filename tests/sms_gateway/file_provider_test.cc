#include "file_provider.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace blooddrive::sms_gateway {
namespace {

namespace pb = google::protobuf;

class FileProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sms-gateway-file-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/outbox.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<FileProvider> Open(bool deduplicate = true) {
    absl::StatusOr<std::unique_ptr<FileProvider>> provider =
        FileProvider::Open({.path = path_, .deduplicate = deduplicate});
    EXPECT_TRUE(provider.ok()) << provider.status();
    return provider.ok() ? *std::move(provider) : nullptr;
  }

  std::string Contents() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  std::vector<std::string> Lines() const {
    return absl::StrSplit(Contents(), '\n', absl::SkipEmpty());
  }

  static pb::Struct Parse(const std::string& line) {
    pb::Struct object;
    const auto status = pb::util::JsonStringToMessage(line, &object);
    EXPECT_TRUE(status.ok()) << status << " in " << line;
    return object;
  }

  std::string dir_;
  std::string path_;
};

v1::OutboundMessage Message(const std::string& id, const std::string& text,
                            v1::SmsEncoding encoding = v1::SMS_ENCODING_UCS2, int segments = 1) {
  v1::OutboundMessage message;
  message.set_name("messages/" + id);
  message.set_phone("+77011234567");
  message.set_text(text);
  message.set_encoding(encoding);
  message.set_segment_count(segments);
  return message;
}

TEST_F(FileProviderTest, WritesOneValidJsonLinePerMessageWithTextIntact) {
  std::unique_ptr<FileProvider> provider = Open();
  ASSERT_NE(provider, nullptr);
  // Kazakh Cyrillic, JSON's special characters, controls, GSM-7 extension characters, an emoji.
  const std::vector<std::string> texts = {
      "Сәлеметсіз бе, Айгерім! Қан тапсыру 30.11 сағ. 10:30, «Ескі қала» орталығы.",
      "Quote \" backslash \\ slash / newline\nreturn\r tab\t bell\x07 nul-free {[~]} €",
      "Rahmat! Qon topshirganingiz uchun tashakkur 🩸❤️",
  };
  std::vector<SendResult> results;
  const absl::Time before = absl::Now() - absl::Seconds(1);
  for (size_t i = 0; i < texts.size(); ++i) {
    results.push_back(provider->Send(Message("m" + std::to_string(i), texts[i],
                                             i == 1 ? v1::SMS_ENCODING_GSM7 : v1::SMS_ENCODING_UCS2,
                                             static_cast<int>(i) + 1)));
    ASSERT_EQ(results.back().kind, SendResult::Kind::kSent) << results.back().error;
  }
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), texts.size()) << Contents();
  EXPECT_EQ(Contents().back(), '\n');
  for (size_t i = 0; i < texts.size(); ++i) {
    const pb::Struct line = Parse(lines[i]);
    const auto& f = line.fields();
    EXPECT_EQ(f.at("name").string_value(), "messages/m" + std::to_string(i));
    EXPECT_EQ(f.at("phone").string_value(), "+77011234567");
    EXPECT_EQ(f.at("text").string_value(), texts[i]);  // byte for byte
    EXPECT_EQ(f.at("encoding").string_value(), i == 1 ? "GSM7" : "UCS2");
    EXPECT_EQ(f.at("segments").number_value(), static_cast<double>(i + 1));
    EXPECT_EQ(f.at("provider_message_id").string_value(), results[i].provider_message_id);
    absl::Time sent;
    std::string error;
    ASSERT_TRUE(
        absl::ParseTime(absl::RFC3339_full, f.at("sent_time").string_value(), &sent, &error))
        << error;
    EXPECT_GE(sent, before);
    EXPECT_LE(sent, absl::Now() + absl::Seconds(1));
  }
  // Cyrillic is written as UTF-8, not as \u escapes, so the file stays readable.
  EXPECT_NE(lines[0].find("Айгерім"), std::string::npos);
  EXPECT_NE(results[0].provider_message_id, results[1].provider_message_id);
  EXPECT_NE(results[1].provider_message_id, results[2].provider_message_id);
}

TEST_F(FileProviderTest, FileIsPrivate) {
  ASSERT_NE(Open(), nullptr);
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(JsonString, EscapesWhatJsonRequires) {
  std::string out;
  AppendJsonString(&out, "a\"b\\c\nd\te\x01\x1f\x7f/Ж");
  EXPECT_EQ(out, R"("a\"b\\c\nd\te\u0001\u001f\u007f/Ж")");
  EXPECT_EQ(JsonObject().Add("k", "v").Add("n", 3).Build(), R"({"k":"v","n":3})");
  EXPECT_EQ(JsonObject().Build(), "{}");
}

TEST_F(FileProviderTest, RemembersWhatItSentAcrossReopen) {
  std::string id;
  {
    std::unique_ptr<FileProvider> provider = Open();
    ASSERT_NE(provider, nullptr);
    EXPECT_FALSE(provider->AlreadySent("messages/a").has_value());
    const SendResult sent = provider->Send(Message("a", "Привет"));
    ASSERT_EQ(sent.kind, SendResult::Kind::kSent);
    id = sent.provider_message_id;
    ASSERT_TRUE(provider->AlreadySent("messages/a").has_value());
  }
  std::unique_ptr<FileProvider> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  const std::optional<SendResult> earlier = reopened->AlreadySent("messages/a");
  ASSERT_TRUE(earlier.has_value());
  EXPECT_EQ(earlier->kind, SendResult::Kind::kSent);
  EXPECT_EQ(earlier->provider_message_id, id);
  EXPECT_FALSE(reopened->AlreadySent("messages/b").has_value());

  std::unique_ptr<FileProvider> without = Open(/*deduplicate=*/false);
  ASSERT_NE(without, nullptr);
  EXPECT_FALSE(without->AlreadySent("messages/a").has_value());
}

TEST_F(FileProviderTest, TornLastLineIsClosedBeforeTheNextMessage) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << R"({"name":"messages/whole","provider_message_id":"p1"})"
        << "\n"
        << R"({"name":"messages/torn","pho)";  // a crash mid-write
  }
  std::unique_ptr<FileProvider> provider = Open();
  ASSERT_NE(provider, nullptr);
  EXPECT_TRUE(provider->AlreadySent("messages/whole").has_value());
  EXPECT_FALSE(provider->AlreadySent("messages/torn").has_value());
  ASSERT_EQ(provider->Send(Message("torn", "again")).kind, SendResult::Kind::kSent);
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u) << Contents();
  EXPECT_EQ(lines[1], R"({"name":"messages/torn","pho)");
  EXPECT_EQ(Parse(lines[2]).fields().at("name").string_value(), "messages/torn");
}

TEST_F(FileProviderTest, UnwritablePathIsAnError) {
  EXPECT_FALSE(
      FileProvider::Open({.path = dir_ + "/no/such/dir/x.jsonl", .deduplicate = true}).ok());
  EXPECT_FALSE(FileProvider::Open({.path = "", .deduplicate = true}).ok());
}

}  // namespace
}  // namespace blooddrive::sms_gateway
