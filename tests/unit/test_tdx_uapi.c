/*
 * The TDX uAPI layout and constants the tdx backend and the guest use,
 * checked at compile time against the numbers in reference/tdx-uapi.md
 * (§1.1 constants, §1.2 sub-commands, §1.3-§1.7 sizes and offsets, §1.8
 * ioctl numbers, §2.5 TDVMCALL leaves and status codes), written out here
 * independently of src/lib/tdx_uapi.h. The program only reports that it built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backend/kvm/vmm.h"
#include "guest-images/abi.h"
#include "guest-images/tdx.h"
#include "lib/tdx_uapi.h"

#define CHECK(expr) _Static_assert(expr, #expr)

/* §1.1 */
CHECK(TDXB_KVM_X86_TDX_VM == 5);
CHECK(KVM_MEMORY_ENCRYPT_OP == 0xC008AEBA);
CHECK(TDXB_KVM_EXIT_TDX == 40);
CHECK(TDXB_KVM_EXIT_MEMORY_FAULT == 39);
CHECK(TDXB_KVM_SYSTEM_EVENT_TDX_FATAL == 7);
CHECK(TDXB_KVM_TDX_MEASURE_MEMORY_REGION == 1);
CHECK(TDXB_KVM_MAX_CPUID_ENTRIES == 256);
CHECK(TDXB_TD_ATTR_SEPT_VE_DISABLE == 1ULL << 28);
CHECK(TDXB_TD_ATTR_DEBUG == 1);
CHECK(KVM_CAP_GUEST_MEMFD_FLAGS == 244);
CHECK(TDXB_KVM_MEMORY_EXIT_FLAG_PRIVATE == 1ULL << 3);
/* §1.2 */
CHECK(TDXB_KVM_TDX_CAPABILITIES == 0 && TDXB_KVM_TDX_INIT_VM == 1 && TDXB_KVM_TDX_INIT_VCPU == 2);
CHECK(TDXB_KVM_TDX_INIT_MEM_REGION == 3 && TDXB_KVM_TDX_FINALIZE_VM == 4 && TDXB_KVM_TDX_GET_CPUID == 5);
CHECK(TDXB_KVM_TDX_CMD_NR_MAX == 6);
/* §1.3 kvm_tdx_cmd: 24 bytes */
CHECK(sizeof(struct tdxb_kvm_tdx_cmd) == 24);
CHECK(offsetof(struct tdxb_kvm_tdx_cmd, id) == 0 && offsetof(struct tdxb_kvm_tdx_cmd, flags) == 4);
CHECK(offsetof(struct tdxb_kvm_tdx_cmd, data) == 8 && offsetof(struct tdxb_kvm_tdx_cmd, hw_error) == 16);
/* §1.4 kvm_tdx_capabilities: 2056 + nent * 40 */
CHECK(sizeof(struct tdxb_kvm_tdx_capabilities) == 2056);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, supported_xfam) == 8);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r11) == 16);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, user_tdvmcallinfo_1_r11) == 24);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r12) == 32);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, user_tdvmcallinfo_1_r12) == 40);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, reserved) == 48);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, cpuid) == 2048);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, cpuid.nent) == 2048);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, cpuid.padding) == 2052);
CHECK(offsetof(struct tdxb_kvm_tdx_capabilities, cpuid.entries) == 2056);
CHECK(sizeof(struct tdxb_cpuid_entry2) == 40 && sizeof(struct tdxb_cpuid_entry2) == sizeof(struct kvm_cpuid_entry2));
CHECK(sizeof(struct tdxb_cpuid2) == sizeof(struct kvm_cpuid2));
/* §1.5 kvm_tdx_init_vm: 264 + nent * 40 */
CHECK(sizeof(struct tdxb_kvm_tdx_init_vm) == 264);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, xfam) == 8);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, mrconfigid) == 16);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, mrowner) == 64);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, mrownerconfig) == 112);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, reserved) == 160);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, cpuid.nent) == 256);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, cpuid.padding) == 260);
CHECK(offsetof(struct tdxb_kvm_tdx_init_vm, cpuid.entries) == 264);
/* §1.6 kvm_tdx_init_mem_region: 24 bytes */
CHECK(sizeof(struct tdxb_kvm_tdx_init_mem_region) == 24);
CHECK(offsetof(struct tdxb_kvm_tdx_init_mem_region, gpa) == 8);
CHECK(offsetof(struct tdxb_kvm_tdx_init_mem_region, nr_pages) == 16);
/* §1.7 kvm_run members (offsets from the start of struct kvm_run; the union at 32) */
CHECK(offsetof(struct kvm_run, exit_reason) == 8);
CHECK(TDXB_KVM_RUN_UNION_OFFSET == 32 && offsetof(struct kvm_run, io) == 32);
CHECK(offsetof(struct tdxb_kvm_run_tdx, nr) + 32 == 40);
CHECK(offsetof(struct tdxb_kvm_run_tdx, unknown.ret) + 32 == 48);
CHECK(offsetof(struct tdxb_kvm_run_tdx, unknown.data) + 32 == 56);
CHECK(offsetof(struct tdxb_kvm_run_tdx, get_quote.gpa) + 32 == 56);
CHECK(offsetof(struct tdxb_kvm_run_tdx, get_quote.size) + 32 == 64);
CHECK(offsetof(struct tdxb_kvm_run_tdx, get_tdvmcall_info.r11) + 32 == 64);
CHECK(offsetof(struct tdxb_kvm_run_tdx, get_tdvmcall_info.r14) + 32 == 88);
CHECK(offsetof(struct tdxb_kvm_run_tdx, setup_event_notify.vector) + 32 == 56);
CHECK(sizeof(struct tdxb_kvm_run_tdx) == 64);
CHECK(offsetof(struct tdxb_kvm_run_system_event, ndata) + 32 == 36);
CHECK(offsetof(struct tdxb_kvm_run_system_event, data) + 32 == 40);
CHECK(offsetof(struct kvm_run, system_event.data) == 40);
CHECK(offsetof(struct kvm_run, hypercall.nr) == 32 && offsetof(struct kvm_run, hypercall.args) == 40);
CHECK(offsetof(struct kvm_run, hypercall.ret) == 88);
CHECK(offsetof(struct tdxb_kvm_memory_fault, gpa) + 32 == 40 && offsetof(struct tdxb_kvm_memory_fault, size) + 32 == 48);
CHECK(offsetof(struct kvm_run, io.port) == 34 && offsetof(struct kvm_run, io.data_offset) == 40);
/* §1.8 */
CHECK(KVM_SET_CPUID2 == 0x4008AE90);
CHECK(KVM_ENABLE_CAP == 0x4068AEA3);
CHECK(TDXB_KVM_SET_USER_MEMORY_REGION2 == 0x40A0AE49);
CHECK(TDXB_KVM_SET_MEMORY_ATTRIBUTES == 0x4020AED2);
CHECK(TDXB_KVM_CREATE_GUEST_MEMFD == 0xC040AED4);
/* §2.3 */
CHECK(TDXB_KVM_CAP_SPLIT_IRQCHIP == 121 && TDXB_SPLIT_IRQCHIP_ROUTES == 24);
CHECK(KVM_CAP_EXIT_HYPERCALL == 201 && TDXB_KVM_HC_MAP_GPA_RANGE == 12 && KVM_CAP_VM_TYPES == 235);
/* §2.5 / §4.3: TDCALL leaves, TDVMCALL sub-functions, status codes */
CHECK(TDXB_TDCALL_VP_VMCALL == 0 && TDXB_TDCALL_MEM_PAGE_ACCEPT == 6 && TDXB_TDCALL_VP_VEINFO_GET == 3);
CHECK(TDXB_TDVMCALL_EXPOSE_REGS == 0xFC00);
CHECK(TDXB_TDVMCALL_INSTRUCTION_IO == 30 && TDXB_TDVMCALL_MAP_GPA == 0x10001);
CHECK(TDXB_TDVMCALL_GET_QUOTE == 0x10002 && TDXB_TDVMCALL_REPORT_FATAL_ERROR == 0x10003);
CHECK(TDXB_TDVMCALL_SETUP_EVENT_NOTIFY == 0x10004 && TDXB_TDVMCALL_GET_TD_VM_CALL_INFO == 0x10000);
CHECK(TDXB_TDVMCALL_STATUS_RETRY == 1 && TDXB_TDVMCALL_STATUS_INVALID_OPERAND == 0x8000000000000000ULL);
CHECK(TDXB_TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED == 0x8000000000000003ULL);
CHECK(TDXB_MAP_GPA_ENCRYPTED == 0x10);
CHECK(TDXB_RESET_VECTOR_PAGE == 0xFFFFF000ULL);
/* guest layout: the reset vector's jmp, the alias window above all test memory a 1-level PML4 slot covers */
CHECK(TDXB_TDX_ALIAS_OFFSET == 1ULL << 39 && TDXB_GUEST_TEST_GPA < TDXB_TDX_ALIAS_OFFSET);

static void test_reset_vector(void **state)
{
	uint8_t page[4096];
	int32_t rel;
	(void)state;
	tdxb_reset_vector_fill(page);
	assert_int_equal(page[0xFF0], 0xE9);	/* jmp rel32 */
	memcpy(&rel, &page[0xFF1], 4);
	/* EIP after the jmp, wrapping at 4 GiB, is the entry */
	assert_int_equal((uint32_t)(0xFFFFFFF5u + (uint32_t)rel), TDXB_GUEST_ENTRY);
	assert_int_equal(page[0xFFF], 0xCC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_vector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
