// The op contract of the installed poolnet_testing library (testing/op_contract.h), for
// GoogleTest: EXPECT_TRUE(op_contract({...})) prints the op and the part that failed.
#pragma once

#include <gtest/gtest.h>

#include "testing/op_contract.h"
#include "tests/support/grad_check.h"
