/*
 * The guest's TD platform layer (guest-images/tdx.h). Every function is a
 * plain-VM no-op or instruction unless params->platform == TDXB_PLAT_TDX.
 * Nothing here serves a TDCALL: in tests the leaves are served by the test's
 * harness (tests/unit/test_tdx_guest.c), on a TDX host by the TDX module and KVM.
 */
#define TDXB_GUEST 1
#include <stddef.h>
#include <stdint.h>

#include "guest-images/abi.h"
#include "guest-images/tdx.h"
#include "lib/tdx_uapi.h"

#define PAGE_4K		0x1000ULL
#define PAGE_2M		0x200000ULL
#define PTE_P		0x1ULL
#define PTE_W		0x2ULL
#define PTE_PS		0x80ULL
#define RETRY_LIMIT	1000	/* MapGPA RETRYs in a row without progress */

static volatile struct tdxb_guest_params *const params =
	(volatile struct tdxb_guest_params *)TDXB_GUEST_PARAMS;
extern uint64_t boot_pd[];	/* entry.S: [0, 1 GiB) with 2 MiB pages */

/* .data, not .bss: the flat image carries no bss (interp.c) */
int tdxb_is_td __attribute__((section(".data"))) = 0;
static uint64_t shared_bit __attribute__((section(".data"))) = 0;
/* 4K PTEs for the 2 MiB page that holds params (private) and the mailbox (shared) */
static uint64_t split_pt[512] __attribute__((aligned(4096), section(".data")));

static __attribute__((noreturn)) void fatal(uint64_t code, const char *text)
{
	uint64_t msg[8] = { 0 };
	for (unsigned i = 0; text[i] && i < sizeof(msg) - 1; i++)
		((char *)msg)[i] = text[i];
	tdxb_report_fatal(code, msg);
}

static void reload_cr3(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

/*
 * Every vCPU runs this at once (all start at the reset vector): each writes
 * the same values, then flushes its own TLB, so no vCPU waits for another.
 */
void guest_platform_init(uint32_t vcpu, uint32_t gpaw)
{
	uint64_t s, base = TDXB_GUEST_PARAMS & ~(PAGE_2M - 1);

	(void)vcpu;
	if (params->platform != TDXB_PLAT_TDX)
		return;
	s = params->shared_bit;
	if (gpaw < 32 || gpaw > 52 || s != 1ULL << (gpaw - 1))
		fatal(TDXB_TDX_FATAL_SHARED_BIT, "tdxbench: RBX's GPAW does not match params->shared_bit");
	shared_bit = s;
	tdxb_is_td = 1;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t pa = base + i * PAGE_4K;
		int mbox = pa >= TDXB_GUEST_MAILBOX && pa < TDXB_GUEST_MAILBOX + TDXB_GUEST_MAILBOX_SIZE;
		split_pt[i] = pa | (mbox ? s : 0) | PTE_P | PTE_W;
	}
	boot_pd[base >> 21] = (uint64_t)split_pt | PTE_P | PTE_W;
	for (uint64_t a = TDXB_GUEST_LATLOG; a < params->ptpool_gpa; a += PAGE_2M)
		boot_pd[a >> 21] = a | s | PTE_P | PTE_W | PTE_PS;
	reload_cr3();
}

/* The alias tables live past the test page tables, in [ptpool end, low_bytes). */
void guest_platform_map(uint64_t *pml4)
{
	uint64_t next = params->ptpool_gpa + params->ptpool_bytes, end = params->low_bytes;
	uint64_t a = params->test_gpa, stop = params->test_gpa + params->test_bytes;
	uint64_t *pdpt;

	if (!tdxb_is_td)
		return;
	if (stop > TDXB_TDX_ALIAS_OFFSET || (end - next) / PAGE_4K < TDXB_TDX_ALIAS_PT_PAGES(params->test_bytes))
		fatal(TDXB_TDX_FATAL_LAYOUT, "tdxbench: no room for the shared alias of the test memory");
	pdpt = (uint64_t *)next;
	next += PAGE_4K;
	for (unsigned i = 0; i < 512; i++)
		pdpt[i] = 0;
	pml4[1] = (uint64_t)pdpt | PTE_P | PTE_W;
	for (; a < stop; a += PAGE_2M) {
		uint64_t va = a + TDXB_TDX_ALIAS_OFFSET, *pd;
		if (!(pdpt[(va >> 30) & 511] & PTE_P)) {
			pd = (uint64_t *)next;
			next += PAGE_4K;
			for (unsigned i = 0; i < 512; i++)
				pd[i] = 0;
			pdpt[(va >> 30) & 511] = (uint64_t)pd | PTE_P | PTE_W;
		}
		pd = (uint64_t *)(pdpt[(va >> 30) & 511] & ~0xfffULL);
		pd[(va >> 21) & 511] = a | shared_bit | PTE_P | PTE_W | PTE_PS;
	}
}

void guest_io_out32(uint16_t port, uint32_t v)
{
	if (tdxb_is_td) {
		struct tdxb_tdvmcall_regs r = { 0, TDXB_TDVMCALL_INSTRUCTION_IO, 4, 1, port, v };
		tdxb_tdvmcall(&r);	/* nothing to do on failure: this is how failures are told */
		return;
	}
	__asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

/* MapGPA: shared bit set = to shared. KVM splits it into <=2 MiB exits and may say RETRY between them. */
uint64_t guest_map_gpa_tdvmcall(uint64_t gpa, uint64_t len, int to_private)
{
	uint64_t start = gpa | (to_private ? 0 : shared_bit), end = start + len;
	unsigned stuck = 0;

	while (start < end) {
		struct tdxb_tdvmcall_regs r = { 0, TDXB_TDVMCALL_MAP_GPA, start, end - start, 0, 0 };
		uint64_t st = tdxb_tdvmcall(&r);
		if (st != TDXB_TDVMCALL_STATUS_RETRY)
			return st;
		if (r.r11 < start || r.r11 >= end)
			return TDXB_TDVMCALL_STATUS_INVALID_OPERAND;
		stuck = r.r11 == start ? stuck + 1 : 0;
		if (stuck > RETRY_LIMIT)
			return TDXB_TDVMCALL_STATUS_RETRY;
		start = r.r11;
	}
	return 0;
}

/*
 * Accept before the first access: a 2M request where alignment allows, 4K on
 * any failure of it, as Linux's try_accept_one. Upstream S-EPT maps 4K only,
 * so the 2M request fails there (PAGE_SIZE_MISMATCH) and costs one more exit.
 * An already accepted page is not an error here (rewrites of accepted memory).
 */
uint64_t guest_accept(volatile struct tdxb_mbox_vcpu *slot, uint64_t gpa, uint64_t len)
{
	if (!tdxb_is_td)
		return 0;
	while (len) {
		uint64_t st;
		if (!(gpa & (PAGE_2M - 1)) && len >= PAGE_2M) {
			slot->accept_2m_req++;
			st = tdxb_tdcall(TDXB_TDCALL_MEM_PAGE_ACCEPT, gpa | TDXB_ACCEPT_LEVEL_2M);
			if (!st || (st & TDXB_TDX_STATUS_MASK) == TDXB_TDX_PAGE_ALREADY_ACCEPTED) {
				slot->accept_2m_ok++;
				gpa += PAGE_2M;
				len -= PAGE_2M;
				continue;
			}
		}
		slot->accept_4k++;
		st = tdxb_tdcall(TDXB_TDCALL_MEM_PAGE_ACCEPT, gpa | TDXB_ACCEPT_LEVEL_4K);
		if (st && (st & TDXB_TDX_STATUS_MASK) != TDXB_TDX_PAGE_ALREADY_ACCEPTED)
			return st;
		gpa += PAGE_4K;
		len = len > PAGE_4K ? len - PAGE_4K : 0;
	}
	return 0;
}

uint64_t guest_shared_va(uint64_t gpa)
{
	return tdxb_is_td ? gpa + TDXB_TDX_ALIAS_OFFSET : gpa;
}

/* hlt raises #VE in a TD (and TDVMCALL HLT blocks in KVM): spin instead */
void guest_idle_forever(void)
{
	for (;;) {
		if (tdxb_is_td)
			__asm__ volatile("pause");
		else
			__asm__ volatile("cli; hlt");
	}
}
