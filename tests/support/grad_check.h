// The gradient checker of the installed poolnet_testing library (testing/grad_check.h), for
// GoogleTest: its CheckResult converts to ::testing::AssertionResult, so
// EXPECT_TRUE(grad_check(...)) prints the worst element on failure.
#pragma once

#include <gtest/gtest.h>

#include "testing/grad_check.h"
