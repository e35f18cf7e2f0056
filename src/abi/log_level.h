/* SHARED BY HOST AND KEEP: log levels. Self-contained; no code.
 *
 * The one vocabulary for how much to say. The numbers cross the boundary:
 * the workload stream's LOG_LEVEL frame (abi/workload_stream.h), the KVM boot
 * information's log_level (abi/kvm_boot.h) and the level of a sallyport
 * SP_LOG call (abi/sallyport.h) all carry one of these values. A message of
 * level L is shown when L <= the level set. Names, for options and
 * environment variables, in this order: error, warn, info, debug, trace
 * (ENARX_LOG_LEVEL_NAMES). */
#ifndef ABI_LOG_LEVEL_H
#define ABI_LOG_LEVEL_H

enum enarx_log_level {
    ENARX_LOG_ERROR = 0,
    ENARX_LOG_WARN = 1,
    ENARX_LOG_INFO = 2,
    ENARX_LOG_DEBUG = 3,
    ENARX_LOG_TRACE = 4,
};

#define ENARX_LOG_LEVEL_COUNT 5
#define ENARX_LOG_LEVEL_NAMES {"error", "warn", "info", "debug", "trace"}

#endif
