/* SHARED BY HOST AND KEEP: the release version, printed by `enarx --version`
 * and `enarx-exec --version`. Self-contained; no code. The formats both sides
 * speak carry versions of their own (docs/abi.md): the workload stream's
 * magic, SP_VERSION and SHIM_ABI_VERSION. */
#ifndef ABI_VERSION_H
#define ABI_VERSION_H

#define ENARX_VERSION "0.1.0"

#endif
