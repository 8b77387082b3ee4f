/*
 * The guest's platform layer: what differs when the payload runs in a TD
 * (params->platform == TDXB_PLAT_TDX). On a plain VM every call here is the
 * plain instruction (out, nothing to accept, identity addresses). In a TD:
 *
 *  - reports are TDG.VP.VMCALL Instruction.IO, conversions TDG.VP.VMCALL
 *    MapGPA (looping on RETRY), and there is no hlt (it would raise #VE);
 *  - private test memory is accepted (TDG.MEM.PAGE.ACCEPT) before any access:
 *    a 2M request first, 4K on PAGE_SIZE_MISMATCH, as Linux's try_accept_one;
 *  - the mailbox and latency log are reached through the shared bit: the boot
 *    map's 2 MiB page holding params + mailbox is split into 4K PTEs (params
 *    stay private), the log's 2 MiB pages get the shared bit, and the test
 *    memory gets a shared alias at TDXB_TDX_ALIAS_OFFSET above its GPA.
 *
 * GHCI register conventions: reference/tdx-uapi.md §2.5 and §4.3.
 * Also the host's view of the reset vector (tdxb_reset_vector_fill).
 */
#ifndef TDXB_GUEST_TDX_H
#define TDXB_GUEST_TDX_H

#include <stdint.h>

#include "guest-images/manifest.h"

/* VA of the shared alias of test GPA g: g + OFFSET (PML4 slot 1, 512 GiB). */
#define TDXB_TDX_ALIAS_OFFSET	0x8000000000ULL
/* Page-table pages the alias needs for test_bytes (PDPT + PDs, 2 MiB leaves), host and guest. */
#define TDXB_TDX_ALIAS_PT_PAGES(test_bytes) (2 + (test_bytes) / 0x40000000ULL + 1)

/* ReportFatalError codes of the guest's early failures (before the mailbox is reachable). */
#define TDXB_TDX_FATAL_SHARED_BIT	0x7464780000000001ULL	/* RBX's GPAW disagrees with params */
#define TDXB_TDX_FATAL_LAYOUT		0x7464780000000002ULL	/* test memory beyond the alias window */

/*
 * The reset vector (GPA 0xFFFFFFF0, in the page at TDXB_RESET_VECTOR_PAGE):
 * `jmp rel32` to ENTRY, EIP wrapping at 4 GiB, then int3 padding. A far
 * jump cannot be used: the GDT is garbage at reset (tdx-uapi.md §3.3).
 */
static inline void tdxb_reset_vector_fill(uint8_t page[4096])
{
	uint32_t rel = (uint32_t)TDXB_GUEST_ENTRY - (0xFFFFFFF0u + 5u);
	for (int i = 0; i < 4096; i++)
		page[i] = 0xCC;
	page[0xFF0] = 0xE9;
	page[0xFF1] = (uint8_t)rel;
	page[0xFF2] = (uint8_t)(rel >> 8);
	page[0xFF3] = (uint8_t)(rel >> 16);
	page[0xFF4] = (uint8_t)(rel >> 24);
}

#ifdef TDXB_GUEST
/* ---- guest-only API (guest-images/tdx.c) ---- */
extern int tdxb_is_td;
/* entry.S, before guest_main: on a TD, shared-bit mappings; vcpu = ESI, gpaw = RBX at reset. */
void guest_platform_init(uint32_t vcpu, uint32_t gpaw);
/* vCPU 0 after building the test page tables: the shared alias of the test memory. */
void guest_platform_map(uint64_t *pml4);
void guest_io_out32(uint16_t port, uint32_t v);
/* MapGPA / KVM_HC_MAP_GPA_RANGE result: 0 = done. */
uint64_t guest_map_gpa_tdvmcall(uint64_t gpa, uint64_t len, int to_private);
/* Accept [gpa, gpa+len) before any access, counting into slot; 0, or the failing TDX status. */
struct tdxb_mbox_vcpu;
uint64_t guest_accept(volatile struct tdxb_mbox_vcpu *slot, uint64_t gpa, uint64_t len);
/* Where the guest reaches test GPA gpa while it is shared. */
uint64_t guest_shared_va(uint64_t gpa);
void guest_idle_forever(void) __attribute__((noreturn));

/* guest-images/tdcall.S */
struct tdxb_tdvmcall_regs {
	uint64_t r10, r11, r12, r13, r14, r15;
};
/* TDG.VP.VMCALL with R10..R15 exposed; regs updated from the outputs; returns R10. */
uint64_t tdxb_tdvmcall(struct tdxb_tdvmcall_regs *regs);
/* A TDX module call: RAX = leaf, RCX = rcx; returns RAX (status). */
uint64_t tdxb_tdcall(uint64_t leaf, uint64_t rcx);
/* ReportFatalError with a message in R14,R15,RBX,RDI,RSI,R8,R9,RDX (64 bytes); never returns. */
void tdxb_report_fatal(uint64_t code, const uint64_t msg[8]) __attribute__((noreturn));
#endif

#endif
