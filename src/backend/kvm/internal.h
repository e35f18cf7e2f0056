/* KVM backend internals shared by its files. */
#ifndef BACKEND_KVM_INTERNAL_H
#define BACKEND_KVM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "backend/kvm/vmm.h"

#endif
