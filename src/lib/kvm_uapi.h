/*
 * KVM uAPI newer than the build host's <linux/kvm.h> (Debian 12 ships 6.1
 * headers; the running kernel may be much newer). Values from
 * include/uapi/linux/kvm.h and arch/x86/include/uapi/asm/kvm.h (v6.16+),
 * cross-checked against reference/td-launch.md §1.1. Each is guarded so a
 * newer header wins.
 */
#ifndef TDX_KVM_UAPI_H
#define TDX_KVM_UAPI_H

#include <linux/kvm.h>
#include <stdint.h>

#ifndef KVM_CAP_EXIT_HYPERCALL
#define KVM_CAP_EXIT_HYPERCALL 201
#endif
#ifndef KVM_CAP_BINARY_STATS_FD
#define KVM_CAP_BINARY_STATS_FD 203
#endif
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO 232
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
/* 6.18: flags KVM_CREATE_GUEST_MEMFD accepts for this VM */
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif

#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM 0
#define KVM_X86_SW_PROTECTED_VM 1
#endif
#ifndef KVM_X86_TDX_VM
#define KVM_X86_TDX_VM 5
#endif

#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif
#ifndef KVM_EXIT_TDX
#define KVM_EXIT_TDX 40
#endif

#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD (1UL << 2)
#endif

struct tdxb_kvm_userspace_memory_region2 {
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
#define TDXB_KVM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct tdxb_kvm_userspace_memory_region2)

struct tdxb_kvm_memory_attributes {
	uint64_t address;
	uint64_t size;
	uint64_t attributes;
	uint64_t flags;
};
#define TDXB_KVM_SET_MEMORY_ATTRIBUTES _IOW(KVMIO, 0xd2, struct tdxb_kvm_memory_attributes)
#define TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)

struct tdxb_kvm_create_guest_memfd {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};
#define TDXB_KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct tdxb_kvm_create_guest_memfd)
#define TDXB_GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#define TDXB_GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)

/* kvm_run.memory_fault (exit union at offset 32) */
struct tdxb_kvm_memory_fault {
	uint64_t flags;
	uint64_t gpa;
	uint64_t size;
};

_Static_assert(sizeof(struct tdxb_kvm_userspace_memory_region2) == 160, "region2 is 160 bytes");
_Static_assert(sizeof(struct tdxb_kvm_memory_attributes) == 32, "attributes are 32 bytes");
_Static_assert(sizeof(struct tdxb_kvm_create_guest_memfd) == 64, "create_guest_memfd is 64 bytes");

#endif
