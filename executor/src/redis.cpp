#include "dagplan/exec/redis.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>
#include <cmath>

#include "dagplan/error.hpp"

namespace dagplan::exec {

std::string RedisAddress::text() const {
  return fmt::format("{}:{}", host, port);
}

RedisAddress parse_redis_address(const std::string& text, const std::string& what) {
  RedisAddress a;
  std::string port = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    a.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (a.host.empty() || ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
    throw UsageError(
        fmt::format("{}: expected HOST:PORT with a port in 1..65535, got '{}'", what, text));
  a.port = p;
  return a;
}

namespace {

timeval to_timeval(double seconds) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(seconds);
  tv.tv_usec = static_cast<suseconds_t>((seconds - std::floor(seconds)) * 1e6);
  return tv;
}

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

Redis::Redis(const RedisAddress& address, const std::string& password, double timeout_s)
    : address_(address) {
  c_ = redisConnectWithTimeout(address.host.c_str(), address.port, to_timeval(timeout_s));
  if (c_ == nullptr) throw Error(fmt::format("redis {}: cannot connect", address.text()));
  if (c_->err != 0) {
    std::string why = c_->errstr;
    redisFree(c_);
    c_ = nullptr;
    throw Error(fmt::format("redis {}: cannot connect: {}", address.text(), why));
  }
  set_timeout(timeout_s);
  if (!password.empty()) command({"AUTH", password});
}

Redis::~Redis() {
  if (c_ != nullptr) redisFree(c_);
}

void Redis::set_timeout(double seconds) {
  redisSetTimeout(c_, to_timeval(seconds));
}

void Redis::fail(const std::string& what) const {
  throw Error(fmt::format("redis {}: {}: {}", address_.text(), what,
                          c_->err != 0 ? std::string(c_->errstr) : "no reply"));
}

RedisReply Redis::read_reply(const std::string& what) {
  void* raw = nullptr;
  if (redisGetReply(c_, &raw) != REDIS_OK || raw == nullptr) fail(what);
  auto* r = static_cast<redisReply*>(raw);
  RedisReply out = convert(r);
  freeReplyObject(r);
  if (out.type == RedisReply::Type::kError)
    throw Error(fmt::format("redis {}: {}: {}", address_.text(), what, out.str));
  return out;
}

void Redis::append(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(c_, static_cast<int>(args.size()), argv.data(), lens.data()) !=
      REDIS_OK)
    fail(std::string(args.empty() ? "" : args[0]));
  pending_.emplace_back(args.empty() ? "" : args[0]);
  ++commands_;
}

std::vector<RedisReply> Redis::flush() {
  std::vector<RedisReply> out;
  out.reserve(pending_.size());
  if (!pending_.empty()) ++round_trips_;
  std::vector<std::string> names = std::move(pending_);
  pending_.clear();
  for (const std::string& name : names) out.push_back(read_reply(name));
  return out;
}

void Redis::send(const std::vector<std::string_view>& args) {
  append(args);
  pending_.clear();  // its reply is read as a message
  int done = 0;
  while (done == 0)
    if (redisBufferWrite(c_, &done) != REDIS_OK) fail(std::string(args.empty() ? "" : args[0]));
}

RedisReply Redis::next_message() {
  return read_reply("a subscribed message");
}

RedisReply Redis::command(const std::vector<std::string_view>& args) {
  append(args);
  return std::move(flush().front());
}

}  // namespace dagplan::exec
