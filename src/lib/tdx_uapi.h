/*
 * The TDX part of the KVM uAPI (Linux 7.1: arch/x86/include/uapi/asm/kvm.h,
 * include/uapi/linux/kvm.h), which the build host's 6.1 headers lack.
 * Numbers and layouts from reference/tdx-uapi.md §1; every size and offset
 * is asserted below, and tests/unit/test_tdx_uapi.c checks them again
 * against the reference's tables. Also the GHCI/TDCALL numbers the guest
 * and the exit handlers share (arch/x86/include/asm/shared/tdx.h).
 * Freestanding (stdint only): the guest payload includes it too.
 */
#ifndef TDX_TDX_UAPI_H
#define TDX_TDX_UAPI_H

#include <stddef.h>
#include <stdint.h>

/* ---- host uAPI (§1.1, §1.2) ---- */
#define TDXB_KVM_X86_TDX_VM			5
#define TDXB_KVM_EXIT_MEMORY_FAULT		39
#define TDXB_KVM_EXIT_TDX			40
#define TDXB_KVM_SYSTEM_EVENT_TDX_FATAL		7
#define TDXB_KVM_TDX_MEASURE_MEMORY_REGION	(1ULL << 0)
#define TDXB_KVM_MAX_CPUID_ENTRIES		256
#define TDXB_TD_ATTR_DEBUG			(1ULL << 0)
#define TDXB_TD_ATTR_SEPT_VE_DISABLE		(1ULL << 28)
#define TDXB_KVM_MEMORY_EXIT_FLAG_PRIVATE	(1ULL << 3)
#define TDXB_KVM_CAP_SPLIT_IRQCHIP		121
#define TDXB_KVM_CAP_X2APIC_API			129
#define TDXB_KVM_CAP_X86_APIC_BUS_CYCLES_NS	237
#define TDXB_SPLIT_IRQCHIP_ROUTES		24	/* QEMU and the selftests */
#define TDXB_RESET_VECTOR_PAGE			0xFFFFF000ULL

enum tdxb_kvm_tdx_cmd_id {
	TDXB_KVM_TDX_CAPABILITIES = 0,
	TDXB_KVM_TDX_INIT_VM = 1,
	TDXB_KVM_TDX_INIT_VCPU = 2,
	TDXB_KVM_TDX_INIT_MEM_REGION = 3,
	TDXB_KVM_TDX_FINALIZE_VM = 4,
	TDXB_KVM_TDX_GET_CPUID = 5,
	TDXB_KVM_TDX_CMD_NR_MAX = 6,
};

struct tdxb_kvm_tdx_cmd {
	uint32_t id;
	uint32_t flags;
	uint64_t data;
	uint64_t hw_error;	/* out: SEAMCALL status; must be 0 on input */
};

/* kvm_cpuid2 / kvm_cpuid_entry2 as the TDX structs embed them */
struct tdxb_cpuid_entry2 {
	uint32_t function, index, flags, eax, ebx, ecx, edx;
	uint32_t padding[3];
};

struct tdxb_cpuid2 {
	uint32_t nent;
	uint32_t padding;
	struct tdxb_cpuid_entry2 entries[];
};

struct tdxb_kvm_tdx_capabilities {
	uint64_t supported_attrs;
	uint64_t supported_xfam;
	uint64_t kernel_tdvmcallinfo_1_r11;
	uint64_t user_tdvmcallinfo_1_r11;
	uint64_t kernel_tdvmcallinfo_1_r12;
	uint64_t user_tdvmcallinfo_1_r12;
	uint64_t reserved[250];
	struct tdxb_cpuid2 cpuid;
};

struct tdxb_kvm_tdx_init_vm {
	uint64_t attributes;
	uint64_t xfam;
	uint64_t mrconfigid[6];
	uint64_t mrowner[6];
	uint64_t mrownerconfig[6];
	uint64_t reserved[12];	/* must be 0 */
	struct tdxb_cpuid2 cpuid;
};

struct tdxb_kvm_tdx_init_mem_region {
	uint64_t source_addr;
	uint64_t gpa;
	uint64_t nr_pages;
};

/* ---- kvm_run exit members (§1.7); the exit union starts at offset 32 ---- */
#define TDXB_KVM_RUN_UNION_OFFSET 32

struct tdxb_kvm_run_tdx {
	uint64_t flags;
	uint64_t nr;
	union {
		struct {
			uint64_t ret;
			uint64_t data[5];
		} unknown;
		struct {
			uint64_t ret;
			uint64_t gpa;
			uint64_t size;
		} get_quote;
		struct {
			uint64_t ret;
			uint64_t leaf;
			uint64_t r11, r12, r13, r14;
		} get_tdvmcall_info;
		struct {
			uint64_t ret;
			uint64_t vector;
		} setup_event_notify;
	};
};

struct tdxb_kvm_run_system_event {
	uint32_t type;
	uint32_t ndata;
	uint64_t data[16];
};

/* ---- GHCI / TDCALL (§2.5, §4.3) ---- */
#define TDXB_TDCALL_VP_VMCALL		0
#define TDXB_TDCALL_VP_VEINFO_GET	3
#define TDXB_TDCALL_MEM_PAGE_ACCEPT	6
#define TDXB_TDVMCALL_EXPOSE_REGS	0xFC00ULL	/* R10..R15, as the selftests */
#define TDXB_TDVMCALL_GET_TD_VM_CALL_INFO	0x10000
#define TDXB_TDVMCALL_MAP_GPA		0x10001
#define TDXB_TDVMCALL_GET_QUOTE		0x10002
#define TDXB_TDVMCALL_REPORT_FATAL_ERROR 0x10003
#define TDXB_TDVMCALL_SETUP_EVENT_NOTIFY 0x10004
#define TDXB_TDVMCALL_INSTRUCTION_IO	30
#define TDXB_TDVMCALL_STATUS_SUCCESS	0x0000000000000000ULL
#define TDXB_TDVMCALL_STATUS_RETRY	0x0000000000000001ULL
#define TDXB_TDVMCALL_STATUS_INVALID_OPERAND 0x8000000000000000ULL
#define TDXB_TDVMCALL_STATUS_ALIGN_ERROR 0x8000000000000002ULL
#define TDXB_TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED 0x8000000000000003ULL
/* TDG.MEM.PAGE.ACCEPT: RCX = gpa | level; status classes (asm/shared/tdx_errno.h) */
#define TDXB_ACCEPT_LEVEL_4K		0
#define TDXB_ACCEPT_LEVEL_2M		1
#define TDXB_TDX_STATUS_MASK		0xFFFFFFFF00000000ULL
#define TDXB_TDX_PAGE_ALREADY_ACCEPTED	0xC0000B0A00000000ULL
#define TDXB_TDX_PAGE_SIZE_MISMATCH	0xC0000B0B00000000ULL
/* ReportFatalError: R12 error code; bit 63 = R13 holds a GPA of a message */
#define TDXB_FATAL_GPA_VALID		(1ULL << 63)

/* ---- layout, as reference/tdx-uapi.md §1.3-§1.7 gives it ---- */
_Static_assert(sizeof(struct tdxb_kvm_tdx_cmd) == 24, "kvm_tdx_cmd is 24 bytes");
_Static_assert(offsetof(struct tdxb_kvm_tdx_cmd, hw_error) == 16, "hw_error @16");
_Static_assert(sizeof(struct tdxb_cpuid_entry2) == 40, "kvm_cpuid_entry2 is 40 bytes");
_Static_assert(sizeof(struct tdxb_kvm_tdx_capabilities) == 2056, "capabilities fixed part is 2056 bytes");
_Static_assert(offsetof(struct tdxb_kvm_tdx_capabilities, cpuid) == 2048, "caps.cpuid @2048");
_Static_assert(sizeof(struct tdxb_kvm_tdx_init_vm) == 264, "init_vm fixed part is 264 bytes");
_Static_assert(offsetof(struct tdxb_kvm_tdx_init_vm, reserved) == 160, "init_vm.reserved @160");
_Static_assert(offsetof(struct tdxb_kvm_tdx_init_vm, cpuid) == 256, "init_vm.cpuid @256");
_Static_assert(sizeof(struct tdxb_kvm_tdx_init_mem_region) == 24, "init_mem_region is 24 bytes");
_Static_assert(sizeof(struct tdxb_kvm_run_tdx) == 64, "kvm_run.tdx is 64 bytes");
_Static_assert(sizeof(struct tdxb_kvm_run_system_event) == 136, "system_event with data[16]");

#endif
