#pragma once
/// \file
/// A small synchronous Redis client over hiredis: binary-safe commands, pipelines (several
/// commands, one round trip), AUTH, timeouts, and errors that name the server. The real backend
/// (dagrun, dagworker) talks to Redis only through this.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace dagplan::exec {

/// Where a Redis server listens.
struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string text() const;
};

/// Parses "HOST:PORT" (or "PORT"). Throws UsageError naming `what` for anything else.
RedisAddress parse_redis_address(const std::string& text, const std::string& what);

/// One reply. Arrays hold their elements; nil is a reply of its own.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;  ///< string, status or error text
  std::vector<RedisReply> elements;
  bool nil() const { return type == Type::kNil; }
};

class Redis {
 public:
  /// Connects (within `timeout_s`) and authenticates when `password` is not empty. Throws Error
  /// "redis HOST:PORT: ..." when it cannot.
  Redis(const RedisAddress& address, const std::string& password, double timeout_s);
  ~Redis();
  Redis(const Redis&) = delete;
  Redis& operator=(const Redis&) = delete;

  /// Sets how long a reply may take (blocking commands need more than their own timeout).
  void set_timeout(double seconds);
  /// Sends one command and returns its reply. Throws Error on a lost connection, a timeout or
  /// an error reply (naming the command).
  RedisReply command(const std::vector<std::string_view>& args);
  /// Queues a command for the next flush() (a pipeline).
  void append(const std::vector<std::string_view>& args);
  /// Sends the queued commands and returns their replies in order (one round trip). Throws on an
  /// error reply, like command().
  std::vector<RedisReply> flush();
  std::size_t pending() const { return pending_.size(); }
  /// A subscribed connection (SUBSCRIBE): sends `args` without waiting for its reply, which
  /// comes among the messages.
  void send(const std::vector<std::string_view>& args);
  /// A subscribed connection: the next message or confirmation pushed to it (waits up to the
  /// timeout; set_timeout(0): for ever). Throws Error on a lost connection or a timeout.
  RedisReply next_message();
  /// Round trips and commands sent so far (for the overhead figures).
  std::uint64_t round_trips() const { return round_trips_; }
  std::uint64_t commands() const { return commands_; }
  const RedisAddress& address() const { return address_; }

 private:
  RedisReply read_reply(const std::string& what);
  [[noreturn]] void fail(const std::string& what) const;
  RedisAddress address_;
  redisContext* c_ = nullptr;
  std::vector<std::string> pending_;  // names of queued commands, for errors
  std::uint64_t round_trips_ = 0, commands_ = 0;
};

}  // namespace dagplan::exec
