// The outcome of a check of the poolnet_testing library: passed, or failed with a message that
// says what and where. It tests as a bool; GoogleTest users write EXPECT_TRUE(grad_check(...))
// and see the message on failure, without this library depending on GoogleTest.
#pragma once

#include <concepts>
#include <sstream>
#include <string>
#include <utility>

namespace poolnet::testing {

class CheckResult {
 public:
  static CheckResult pass() { return CheckResult(true, {}); }
  // The parts streamed one after the other (numbers as std::ostream writes them).
  template <class... Parts>
  static CheckResult fail(const Parts&... parts) {
    std::ostringstream message;
    (message << ... << parts);
    return CheckResult(false, message.str());
  }

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }

  // Converts to an assertion type built from a bool that messages are streamed into
  // (GoogleTest's ::testing::AssertionResult), so EXPECT_TRUE prints the message.
  template <class Assertion>
  requires(std::constructible_from<Assertion, bool> && !std::same_as<Assertion, bool> &&
           requires(Assertion & a, const std::string& s) { a << s; })
  operator Assertion() const {
    Assertion a(ok_);
    a << message_;
    return a;
  }

 private:
  CheckResult(bool ok, std::string message) : ok_(ok), message_(std::move(message)) {}
  bool ok_;
  std::string message_;
};

}  // namespace poolnet::testing
