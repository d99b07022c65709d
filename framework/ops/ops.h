// Every op of the framework. Each op family is one header + one source file in this folder.
#pragma once

#include "framework/ops/adaptive_pool.h"
#include "framework/ops/avg_pool.h"
#include "framework/ops/batch_norm.h"
#include "framework/ops/conv2d.h"
#include "framework/ops/dropout.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/geometry.h"
#include "framework/ops/lp_pool.h"
#include "framework/ops/matmul.h"
#include "framework/ops/max_pool.h"
#include "framework/ops/pad.h"
#include "framework/ops/pool_window.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/softmax.h"
