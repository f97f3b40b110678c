// HttpProvider against a tiny HTTP/1.1 server on a loopback socket, run by the test itself.
#include "http_provider.h"

#include <arpa/inet.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace blooddrive::sms_gateway {
namespace {

// Answers each connection with the next queued reply (200 {} when none is queued), then closes it;
// records every request.
class TestHttpServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::string extra_headers;  // "Name: value\r\n" lines
    absl::Duration delay;       // before answering
  };
  struct Request {
    std::string head;  // request line and headers
    std::string body;
  };

  TestHttpServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestHttpServer() {
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    close(listen_fd_);
  }

  std::string url(const std::string& path = "/send") const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  void Queue(Reply reply) {
    absl::MutexLock lock(&mu_);
    replies_.push_back(std::move(reply));
  }
  std::vector<Request> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (true) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      Handle(fd);
      close(fd);
    }
  }

  void Handle(int fd) {
    std::string data;
    char buffer[4096];
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) return;
      data.append(buffer, n);
    }
    Request request;
    request.head = data.substr(0, head_end);
    size_t length = 0;
    for (absl::string_view line : absl::StrSplit(request.head, "\r\n")) {
      if (absl::StartsWithIgnoreCase(line, "content-length:")) {
        (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &length);
      }
    }
    request.body = data.substr(head_end + 4);
    while (request.body.size() < length) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      request.body.append(buffer, n);
    }
    Reply reply;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      if (!replies_.empty()) {
        reply = replies_.front();
        replies_.pop_front();
      } else {
        reply.body = "{}";
      }
    }
    if (reply.delay > absl::ZeroDuration()) absl::SleepFor(reply.delay);
    const std::string response =
        absl::StrCat("HTTP/1.1 ", reply.status, " X\r\nContent-Type: application/json\r\n",
                     "Content-Length: ", reply.body.size(), "\r\nConnection: close\r\n",
                     reply.extra_headers, "\r\n", reply.body);
    (void)!write(fd, response.data(), response.size());
  }

  int listen_fd_;
  int port_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::deque<Reply> replies_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

v1::OutboundMessage Message() {
  v1::OutboundMessage message;
  message.set_name("messages/abc123");
  message.set_phone("+998901234567");
  message.set_text("Эслатма: эртага соат 10:30 да «Eski shahar» — \"qon\"");
  message.set_encoding(v1::SMS_ENCODING_UCS2);
  message.set_segment_count(1);
  return message;
}

std::unique_ptr<HttpProvider> Provider(const std::string& url,
                                       absl::Duration timeout = absl::Seconds(5)) {
  HttpProvider::Options options;
  options.url = url;
  options.timeout = timeout;
  options.authorization = "Bearer provider-key";
  absl::StatusOr<std::unique_ptr<HttpProvider>> provider = HttpProvider::Create(options);
  EXPECT_TRUE(provider.ok()) << provider.status();
  return provider.ok() ? *std::move(provider) : nullptr;
}

TEST(HttpProvider, PostsTheMessageAsJsonAndTakesTheIdFromTheAnswer) {
  TestHttpServer server;
  server.Queue({.status = 200, .body = R"({"id":"prov-42","status":"queued"})"});
  std::unique_ptr<HttpProvider> provider = Provider(server.url());
  ASSERT_NE(provider, nullptr);
  const SendResult result = provider->Send(Message());
  EXPECT_EQ(result.kind, SendResult::Kind::kSent) << result.error;
  EXPECT_EQ(result.provider_message_id, "prov-42");

  const std::vector<TestHttpServer::Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(requests[0].head, "POST /send HTTP/1.1")) << requests[0].head;
  EXPECT_TRUE(absl::StrContains(requests[0].head, "Idempotency-Key: messages/abc123"));
  EXPECT_TRUE(absl::StrContains(requests[0].head, "Authorization: Bearer provider-key"));
  EXPECT_TRUE(absl::StrContains(requests[0].head, "Content-Type: application/json"));
  google::protobuf::Struct body;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(requests[0].body, &body).ok())
      << requests[0].body;
  const auto& f = body.fields();
  EXPECT_EQ(f.at("name").string_value(), "messages/abc123");
  EXPECT_EQ(f.at("phone").string_value(), "+998901234567");
  EXPECT_EQ(f.at("text").string_value(), Message().text());
  EXPECT_EQ(f.at("encoding").string_value(), "UCS2");
  EXPECT_EQ(f.at("segments").number_value(), 1);
}

TEST(HttpProvider, SuccessWithoutAnIdGetsAGeneratedOne) {
  TestHttpServer server;
  server.Queue({.status = 202, .body = ""});
  server.Queue({.status = 201, .body = "not json"});
  std::unique_ptr<HttpProvider> provider = Provider(server.url());
  ASSERT_NE(provider, nullptr);
  const SendResult first = provider->Send(Message());
  const SendResult second = provider->Send(Message());
  ASSERT_EQ(first.kind, SendResult::Kind::kSent);
  ASSERT_EQ(second.kind, SendResult::Kind::kSent);
  EXPECT_TRUE(absl::StartsWith(first.provider_message_id, "http-")) << first.provider_message_id;
  EXPECT_NE(first.provider_message_id, second.provider_message_id);
  EXPECT_LE(first.provider_message_id.size(), 128u);
}

TEST(HttpProvider, StatusCodesMapToSentTransientPermanent) {
  struct Case {
    int status;
    SendResult::Kind kind;
    // The gateway's configuration, not the message: "not sent", so the feed keeps the message.
    bool configuration = false;
  };
  const std::vector<Case> cases = {
      {200, SendResult::Kind::kSent},
      {201, SendResult::Kind::kSent},
      {400, SendResult::Kind::kPermanentFailure},
      {413, SendResult::Kind::kPermanentFailure},
      {422, SendResult::Kind::kPermanentFailure},
      {401, SendResult::Kind::kTransientFailure, true},  // an expired provider token
      {403, SendResult::Kind::kTransientFailure, true},  // an account not allowed to send
      {404, SendResult::Kind::kTransientFailure, true},  // a wrong --http_url
      {407, SendResult::Kind::kTransientFailure, true},  // a proxy that wants credentials
      {408, SendResult::Kind::kTransientFailure},
      {429, SendResult::Kind::kTransientFailure},
      {500, SendResult::Kind::kTransientFailure},
      {502, SendResult::Kind::kTransientFailure},
      {503, SendResult::Kind::kTransientFailure},
      {504, SendResult::Kind::kTransientFailure},
  };
  TestHttpServer server;
  std::unique_ptr<HttpProvider> provider = Provider(server.url());
  ASSERT_NE(provider, nullptr);
  for (const Case& c : cases) {
    server.Queue({.status = c.status, .body = c.status < 300 ? R"({"message_id":7})" : ""});
    const SendResult result = provider->Send(Message());
    EXPECT_EQ(result.kind, c.kind) << "HTTP " << c.status;
    EXPECT_EQ(IsConfigurationError(c.status), c.configuration) << "HTTP " << c.status;
    if (c.kind == SendResult::Kind::kSent) {
      EXPECT_EQ(result.provider_message_id, "7");
    } else if (c.configuration) {
      // The status only (the provider's body may quote the phone number), marked "not sent" so
      // the feed counts no attempt, and not retried at once: the operator needs minutes.
      EXPECT_EQ(result.error,
                absl::StrCat("not sent: http status ", c.status, " (gateway configuration)"));
      EXPECT_GE(result.retry_after, absl::Minutes(1)) << "HTTP " << c.status;
    } else {
      EXPECT_EQ(result.error, absl::StrCat("http status ", c.status));
    }
  }
}

TEST(HttpProvider, RetryAfterIsPassedOn) {
  TestHttpServer server;
  server.Queue({.status = 429, .body = "", .extra_headers = "Retry-After: 7\r\n"});
  server.Queue({.status = 503, .body = "", .extra_headers = "Retry-After: 120\r\n"});
  std::unique_ptr<HttpProvider> provider = Provider(server.url());
  ASSERT_NE(provider, nullptr);
  const SendResult busy = provider->Send(Message());
  EXPECT_EQ(busy.kind, SendResult::Kind::kTransientFailure);
  EXPECT_EQ(busy.retry_after, absl::Seconds(7));
  const SendResult down = provider->Send(Message());
  EXPECT_EQ(down.kind, SendResult::Kind::kTransientFailure);
  EXPECT_EQ(down.retry_after, absl::Seconds(120));
}

TEST(HttpProvider, TimeoutIsTransient) {
  TestHttpServer server;
  server.Queue({.status = 200, .body = R"({"id":"late"})", .delay = absl::Seconds(2)});
  std::unique_ptr<HttpProvider> provider = Provider(server.url(), absl::Milliseconds(300));
  ASSERT_NE(provider, nullptr);
  const absl::Time start = absl::Now();
  const SendResult result = provider->Send(Message());
  EXPECT_EQ(result.kind, SendResult::Kind::kTransientFailure);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(absl::StartsWith(result.error, "http: ")) << result.error;
}

TEST(HttpProvider, ConnectionRefusedIsTransient) {
  int port;
  {
    TestHttpServer server;  // a port that was just free, now closed again
    port = std::stoi(server.url("").substr(std::string("http://127.0.0.1:").size()));
  }
  std::unique_ptr<HttpProvider> provider =
      Provider(absl::StrCat("http://127.0.0.1:", port, "/send"));
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->Send(Message()).kind, SendResult::Kind::kTransientFailure);
}

TEST(HttpProvider, RejectsUrlsThatAreNotHttp) {
  for (const char* url : {"", "ftp://x/", "file:///etc/passwd", "localhost:8080/send"}) {
    HttpProvider::Options options;
    options.url = url;
    EXPECT_FALSE(HttpProvider::Create(options).ok()) << url;
  }
}

TEST(ProviderIdFromBody, ReadsCommonShapes) {
  EXPECT_EQ(ProviderIdFromBody(R"({"id":"a1"})"), "a1");
  EXPECT_EQ(ProviderIdFromBody(R"({"message_id":"b2"})"), "b2");
  EXPECT_EQ(ProviderIdFromBody(R"({"messageId":12345678901})"), "12345678901");
  EXPECT_EQ(ProviderIdFromBody(R"({"id":"","message_id":"c3"})"), "c3");
  EXPECT_EQ(ProviderIdFromBody(R"({"id":true})"), "");
  EXPECT_EQ(ProviderIdFromBody(absl::StrCat(R"({"id":")", std::string(129, 'x'), R"("})")), "");
  EXPECT_EQ(ProviderIdFromBody("[1,2]"), "");
  EXPECT_EQ(ProviderIdFromBody(""), "");
}

}  // namespace
}  // namespace blooddrive::sms_gateway
