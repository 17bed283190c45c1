/* looptrace.h: the whole runtime API in one include. */
#ifndef LOOPTRACE_H
#define LOOPTRACE_H
#include "lt/base.h"
#include "lt/combine.h"
#include "lt/executor.h"
#include "lt/future.h"
#include "lt/io.h"
#include "lt/loop.h"
#include "lt/print.h"
#include "lt/process.h"
#include "lt/signal.h"
#include "lt/stream.h"
#include "lt/sync.h"
#include "lt/task.h"
#include "lt/trace.h"
#endif
