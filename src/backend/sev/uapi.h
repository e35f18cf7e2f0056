/* The few Linux UAPI definitions the SEV-SNP launcher needs that Debian 12's
 * 6.1 headers lack (KVM_X86_SNP_VM, KVM_SEV_INIT2, KVM_SEV_SNP_*,
 * guest_memfd, KVM_SET_USER_MEMORY_REGION2, KVM_SET_MEMORY_ATTRIBUTES,
 * KVM_EXIT_MEMORY_FAULT, the /dev/sev status commands). Values and layouts
 * are Linux's (include/uapi/linux/kvm.h, arch/x86/include/uapi/asm/kvm.h,
 * include/uapi/linux/psp-sev.h of Linux 6.11 and later; the certificate
 * exit from the 2026 merge of KVM_SEV_SNP_ENABLE_REQ_CERTS), written out
 * here with their sizes checked; they are a stable ABI. */
#ifndef BACKEND_SEV_UAPI_H
#define BACKEND_SEV_UAPI_H

#include <stdint.h>
#include <linux/ioctl.h>
#include <linux/kvm.h>

/* ---- VM types and capabilities ---- */
#define SEV_KVM_X86_SNP_VM           4
#define SEV_KVM_CAP_EXIT_HYPERCALL   201
#define SEV_KVM_CAP_USER_MEMORY2     231
#define SEV_KVM_CAP_MEMORY_ATTRIBUTES 233
#define SEV_KVM_CAP_GUEST_MEMFD      234
#define SEV_KVM_CAP_VM_TYPES         235

/* ---- hypercall and exits ---- */
#define SEV_KVM_HC_MAP_GPA_RANGE     12
#define SEV_KVM_MAP_GPA_RANGE_ENCRYPTED (1ull << 4)   /* a2 bit 4: private */
#define SEV_KVM_EXIT_MEMORY_FAULT    39
#define SEV_KVM_MEMORY_EXIT_FLAG_PRIVATE (1ull << 3)
#define SEV_KVM_EXIT_SNP_REQ_CERTS   43
#define SEV_KVM_SYSTEM_EVENT_SEV_TERM 6

/* kvm_run's exit union starts where the hypercall member does. */
struct sev_kvm_memory_fault {
    uint64_t flags, gpa, size;
};
struct sev_kvm_snp_req_certs {
    uint64_t gpa, npages, ret;   /* ret: 0, ENOSPC (npages = needed), EAGAIN or EIO */
};

/* ---- memory ---- */
#define SEV_KVM_MEM_GUEST_MEMFD      (1u << 2)
#define SEV_KVM_MEMORY_ATTRIBUTE_PRIVATE (1ull << 3)

struct sev_kvm_userspace_memory_region2 {
    uint32_t slot;
    uint32_t flags;
    uint64_t guest_phys_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;
    uint64_t guest_memfd_offset;
    uint32_t guest_memfd;
    uint32_t pad1;
    uint64_t pad2[14];
};
_Static_assert(sizeof(struct sev_kvm_userspace_memory_region2) == 160, "kvm_userspace_memory_region2");

struct sev_kvm_memory_attributes {
    uint64_t address, size, attributes, flags;
};
_Static_assert(sizeof(struct sev_kvm_memory_attributes) == 32, "kvm_memory_attributes");

struct sev_kvm_create_guest_memfd {
    uint64_t size, flags, reserved[6];
};
_Static_assert(sizeof(struct sev_kvm_create_guest_memfd) == 64, "kvm_create_guest_memfd");

#define SEV_KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct sev_kvm_userspace_memory_region2)
#define SEV_KVM_SET_MEMORY_ATTRIBUTES   _IOW(KVMIO, 0xd2, struct sev_kvm_memory_attributes)
#define SEV_KVM_CREATE_GUEST_MEMFD      _IOWR(KVMIO, 0xd4, struct sev_kvm_create_guest_memfd)
_Static_assert(SEV_KVM_CREATE_GUEST_MEMFD == 0xc040aed4u, "KVM_CREATE_GUEST_MEMFD");

/* ---- device attributes of /dev/kvm (group KVM_X86_GRP_SEV) ---- */
#define SEV_KVM_X86_GRP_SEV          1
#define SEV_KVM_X86_SEV_VMSA_FEATURES 0
#define SEV_KVM_X86_SNP_POLICY_BITS  1
#define SEV_KVM_X86_SEV_SNP_REQ_CERTS 2

/* ---- KVM_MEMORY_ENCRYPT_OP ---- */
#define SEV_KVM_MEMORY_ENCRYPT_OP    _IOWR(KVMIO, 0xba, unsigned long)

enum sev_kvm_cmd_id {
    SEV_KVM_SEV_INIT2 = 22,
    SEV_KVM_SNP_LAUNCH_START = 100,
    SEV_KVM_SNP_LAUNCH_UPDATE = 101,
    SEV_KVM_SNP_LAUNCH_FINISH = 102,
    SEV_KVM_SNP_ENABLE_REQ_CERTS = 103,
};

struct sev_kvm_cmd {
    uint32_t id;
    uint32_t pad0;
    uint64_t data;       /* user address of the command's structure */
    uint32_t error;      /* the firmware's status (psp-sev.h) on failure */
    uint32_t sev_fd;     /* an open /dev/sev */
};
_Static_assert(sizeof(struct sev_kvm_cmd) == 24, "kvm_sev_cmd");

struct sev_kvm_init {
    uint64_t vmsa_features;
    uint32_t flags;
    uint16_t ghcb_version;
    uint16_t pad1;
    uint32_t pad2[8];
};
_Static_assert(sizeof(struct sev_kvm_init) == 48, "kvm_sev_init");

struct sev_kvm_snp_launch_start {
    uint64_t policy;
    uint8_t gosvw[16];
    uint16_t flags;
    uint8_t pad0[6];
    uint64_t pad1[4];
};
_Static_assert(sizeof(struct sev_kvm_snp_launch_start) == 64, "kvm_sev_snp_launch_start");

struct sev_kvm_snp_launch_update {
    uint64_t gfn_start;
    uint64_t uaddr;
    uint64_t len;
    uint8_t type;
    uint8_t pad0;
    uint16_t flags;
    uint32_t pad1;
    uint64_t pad2[4];
};
_Static_assert(sizeof(struct sev_kvm_snp_launch_update) == 64, "kvm_sev_snp_launch_update");

struct sev_kvm_snp_launch_finish {
    uint64_t id_block_uaddr;
    uint64_t id_auth_uaddr;
    uint8_t id_block_en;
    uint8_t auth_key_en;
    uint8_t vcek_disabled;
    uint8_t host_data[32];
    uint8_t pad0[3];
    uint16_t flags;
    uint64_t pad1[4];
};
_Static_assert(sizeof(struct sev_kvm_snp_launch_finish) == 88, "kvm_sev_snp_launch_finish");

/* ---- /dev/sev (include/uapi/linux/psp-sev.h) ---- */
struct sev_issue_cmd {
    uint32_t cmd;
    uint64_t data;
    uint32_t error;
} __attribute__((packed));
_Static_assert(sizeof(struct sev_issue_cmd) == 16, "sev_issue_cmd");
#define SEV_ISSUE_CMD _IOWR('S', 0x0, struct sev_issue_cmd)

#define SEV_CMD_PLATFORM_STATUS 1
#define SEV_CMD_SNP_PLATFORM_STATUS 9

struct sev_user_data_status {
    uint8_t api_major, api_minor, state;
    uint32_t flags;
    uint8_t build;
    uint32_t guest_count;
} __attribute__((packed));
_Static_assert(sizeof(struct sev_user_data_status) == 12, "sev_user_data_status");

struct sev_user_data_snp_status {
    uint8_t api_major, api_minor, state;
    uint8_t is_rmp_initialized;   /* bit 0 */
    uint32_t build_id;
    uint32_t flags;               /* bit 0 mask_chip_id, 1 mask_chip_key, 2 vlek_en, ... */
    uint32_t guest_count;
    uint64_t current_tcb_version;
    uint64_t reported_tcb_version;
} __attribute__((packed));
_Static_assert(sizeof(struct sev_user_data_snp_status) == 32, "sev_user_data_snp_status");

/* Firmware status codes the launcher acts on (psp-sev.h, sev_ret_code);
 * sev_fw_status_name (launch.c) names them all. */
#define SEV_RET_POLICY_FAILURE  0x07
#define SEV_RET_BAD_SIGNATURE   0x0a
#define SEV_RET_BAD_MEASUREMENT 0x0b
#define SEV_RET_INVALID_PARAM   0x16

#endif
