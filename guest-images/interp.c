/*
 * The guest-side phase interpreter. Runs in 64-bit mode on every vCPU after
 * entry.S: vCPU 0 builds the page tables for the test memory at the requested
 * granularity, then every vCPU walks the phase list from the parameter page
 * (the same struct tdxb_workload the sim executes) and reports to the host
 * through TDXB_PORT_EVENT and its mailbox slot. Freestanding: no libc.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-images/abi.h"
#include "workloads/order.h"

#define PAGE_4K		0x1000ULL
#define PAGE_2M		0x200000ULL
#define PAGE_1G		0x40000000ULL
#define PTE_P		0x1ULL
#define PTE_W		0x2ULL
#define PTE_PS		0x80ULL
#define MARKER		0x7464786262656e63ULL	/* written into every touched page */

static volatile struct tdxb_guest_params *const params =
	(volatile struct tdxb_guest_params *)TDXB_GUEST_PARAMS;
static volatile struct tdxb_mbox_header *const mbox =
	(volatile struct tdxb_mbox_header *)TDXB_GUEST_MAILBOX;

void guest_main(uint32_t vcpu) __attribute__((noreturn, used));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* gcc may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *a = d;
	const uint8_t *b = s;
	while (n--)
		*a++ = *b++;
	return d;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* In a TD this becomes TDVMCALL Instruction.IO (not built yet, docs/tdx.md). */
static void report(uint32_t event, uint32_t phase)
{
	uint32_t v = (phase << 8) | event;
	__asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(TDXB_PORT_EVENT) : "memory");
}

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* A tiny formatter for panic messages: strings and hex numbers. */
struct msgbuf {
	volatile char *p;
	size_t n;
};

static void msg_str(struct msgbuf *m, const char *s)
{
	while (*s && m->n + 1 < TDXB_MBOX_MSG_LEN)
		m->p[m->n++] = *s++;
	m->p[m->n] = 0;
}

static void msg_hex(struct msgbuf *m, uint64_t v)
{
	char buf[19];
	int i = 18;
	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	buf[--i] = 'x';
	buf[--i] = '0';
	msg_str(m, &buf[i]);
}

static __attribute__((noreturn)) void panic2(volatile struct tdxb_mbox_vcpu *slot, const char *what,
					     uint64_t a, const char *what2, uint64_t b)
{
	struct msgbuf m = { slot->msg, 0 };
	msg_str(&m, what);
	msg_hex(&m, a);
	if (what2) {
		msg_str(&m, what2);
		msg_hex(&m, b);
	}
	report(TDXB_EV_PANIC, slot->phase);
	halt_forever();
}

/* ---- page tables ---------------------------------------------------- */

/* No .bss: everything the image needs is in its loaded bytes or on the stack. */
struct pt_pool {
	uint64_t next, end;
	volatile struct tdxb_mbox_vcpu *slot;
};

static uint64_t *pt_alloc(struct pt_pool *pool)
{
	uint64_t *pg;
	if (pool->next + PAGE_4K > pool->end)
		panic2(pool->slot, "page-table pool exhausted at ", pool->next, NULL, 0);
	pg = (uint64_t *)pool->next;
	pool->next += PAGE_4K;
	for (unsigned i = 0; i < 512; i++)	/* 8-byte stores: fewer if the host traps them */
		pg[i] = 0;
	return pg;
}

static uint64_t *pt_next(struct pt_pool *pool, uint64_t *table, unsigned idx)
{
	if (!(table[idx] & PTE_P))
		table[idx] = (uint64_t)pt_alloc(pool) | PTE_P | PTE_W;
	return (uint64_t *)(table[idx] & ~0xfffULL);
}

extern uint64_t boot_pd[];	/* entry.S: [0, 1 GiB) with 2 MiB pages */

/*
 * Identity map: [0, 1 GiB) with the boot PD (so GPAs above the low memslot
 * exit as MMIO), the test memory at the requested granularity. A 1G or 2M
 * request falls back to the next smaller size where alignment needs it.
 */
static uint64_t build_page_tables(volatile struct tdxb_mbox_vcpu *slot)
{
	uint64_t *pml4, *pdpt;
	uint64_t a = params->test_gpa, end = params->test_gpa + params->test_bytes;
	uint32_t gran = params->pt_gran;
	struct pt_pool pool = { params->ptpool_gpa, params->ptpool_gpa + params->ptpool_bytes, slot };

	pml4 = pt_alloc(&pool);
	pdpt = pt_next(&pool, pml4, 0);
	pdpt[0] = (uint64_t)boot_pd | PTE_P | PTE_W;

	while (a < end) {
		uint64_t *l3 = pt_next(&pool, pml4, (a >> 39) & 511), *l2, *l1;
		if (gran == TDXB_PT_1G && !(a & (PAGE_1G - 1)) && end - a >= PAGE_1G) {
			l3[(a >> 30) & 511] = a | PTE_P | PTE_W | PTE_PS;
			a += PAGE_1G;
			continue;
		}
		l2 = pt_next(&pool, l3, (a >> 30) & 511);
		if (gran != TDXB_PT_4K) {	/* test memory is 2 MiB aligned and sized */
			l2[(a >> 21) & 511] = a | PTE_P | PTE_W | PTE_PS;
			a += PAGE_2M;
			continue;
		}
		l1 = pt_next(&pool, l2, (a >> 21) & 511);
		for (unsigned i = 0; i < 512; i++)
			l1[i] = (a + i * PAGE_4K) | PTE_P | PTE_W;
		a += PAGE_2M;
		/* GiBs of 4K tables take seconds, each new page an EPT fault: stay alive for the watchdog */
		slot->heartbeat++;
	}
	return (uint64_t)pml4;
}

/* ---- phases ---------------------------------------------------------- */

/*
 * Platform calls of the loops below, with the prototypes of the TD platform
 * layer (guest-images/tdx.c): a TD accepts the pages of a unit before its
 * first touch (TDG.MEM.PAGE.ACCEPT) and asks for conversions with
 * TDG.VP.VMCALL MapGPA. These weak definitions are a plain VM's, where the
 * fault loop never calls them: whether to accept is decided once per phase.
 */
uint64_t guest_accept(uint64_t gpa, uint64_t len) __attribute__((weak));
uint64_t guest_map_gpa_tdvmcall(uint64_t gpa, uint64_t len, int to_private) __attribute__((weak));

uint64_t guest_accept(uint64_t gpa, uint64_t len)
{
	return 0;	/* nothing to accept outside a TD */
}

uint64_t guest_map_gpa_tdvmcall(uint64_t gpa, uint64_t len, int to_private)
{
	return ~0ULL;	/* no TDVMCALL outside a TD: the conversion fails, the guest panics */
}

static void accept(volatile struct tdxb_mbox_vcpu *slot, uint64_t gpa, uint64_t len)
{
	uint64_t st = guest_accept(gpa, len);
	if (st)
		panic2(slot, "TDG.MEM.PAGE.ACCEPT failed at gpa ", gpa, " status ", st);
}

/*
 * The fault loop: one 8-byte store into every 4K page of [addr, addr + len),
 * nothing else per page (mov, add, cmp, jb). Where KVM emulates the guest's
 * instructions (kvm_pvm) a page costs what its instructions cost.
 */
static inline __attribute__((always_inline)) void touch_pages(uint64_t addr, uint64_t len)
{
	const uint64_t marker = MARKER;
	for (uint64_t end = addr + len; addr < end; addr += PAGE_4K)
		*(volatile uint64_t *)addr = marker;
}

/*
 * What a phase has done, kept in registers (the struct does not escape the
 * inlined walk) and published to the mailbox every TDXB_PUBLISH_PAGES pages,
 * and at least once per unit: progress for the watchdog and the time series,
 * pages and conversions for the host's phase totals.
 */
struct walk_ctx {
	volatile struct tdxb_mbox_vcpu *slot;
	uint64_t base;		/* GPA of the test memory */
	uint64_t unit;		/* bytes */
	uint64_t chunk;		/* units between two publications */
	uint64_t until;		/* units left before the next one */
	uint64_t units, pages, conversions;
	uint32_t vcpu;
	uint32_t flags;		/* convert: TDXB_CONV_* */
	bool accept;		/* a TD: accept each unit before its first touch */
};

static inline __attribute__((always_inline)) void publish(struct walk_ctx *c)
{
	c->slot->pages = c->pages;
	c->slot->progress = c->units;
}

/* A sequential fault/rewrite walk: count units, stride apart, chunk by chunk. */
static inline __attribute__((always_inline)) void fault_run(void *opaque, const struct tdxb_run *r)
{
	struct walk_ctx *c = opaque;
	uint64_t addr = c->base + r->off, left = r->count, unit = c->unit;

	while (left) {
		uint64_t n = left < c->chunk ? left : c->chunk;
		if (r->stride == unit) {
			if (c->accept)
				accept(c->slot, addr, n * unit);
			touch_pages(addr, n * unit);
			addr += n * unit;
		} else {
			for (uint64_t i = 0; i < n; i++, addr += r->stride) {
				if (c->accept)
					accept(c->slot, addr, unit);
				touch_pages(addr, unit);
			}
		}
		left -= n;
		c->units += n;
		c->pages += n * (unit / PAGE_4K);
		publish(c);
	}
}

/* Any other fault/rewrite walk (random, strided): unit by unit, the same touch. */
static inline __attribute__((always_inline)) void fault_unit(void *opaque, uint64_t off)
{
	struct walk_ctx *c = opaque;
	uint64_t addr = c->base + off;
	if (c->accept)
		accept(c->slot, addr, c->unit);
	touch_pages(addr, c->unit);
	c->units++;
	c->pages += c->unit / PAGE_4K;
	if (!--c->until) {
		c->until = c->chunk;
		publish(c);
	}
}

static inline uint64_t hypercall3(uint32_t insn, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t ret;
	if (insn == TDXB_CONV_VMMCALL)
		__asm__ volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	else
		__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	return ret;
}

static void convert(struct walk_ctx *c, uint64_t gpa, uint64_t len, int to_private)
{
	volatile struct tdxb_mbox_vcpu *slot = c->slot;
	volatile uint32_t *log = (volatile uint32_t *)(TDXB_GUEST_LATLOG +
						       (uint64_t)c->vcpu * TDXB_GUEST_LATLOG_PER_VCPU);
	uint64_t t0, t1, ret;
	uint64_t attrs = to_private ? TDXB_MAP_GPA_ENCRYPTED : 0;
	t0 = rdtsc();
	switch (params->conv_call) {
	case TDXB_CONV_PORT:
		slot->conv_gpa = gpa;
		slot->conv_npages = len / PAGE_4K;
		slot->conv_attrs = attrs;
		slot->conv_ret = ~0ULL;
		report(TDXB_EV_CONVERT, slot->phase);
		ret = slot->conv_ret;
		break;
	case TDXB_CONV_TDVMCALL:
		ret = guest_map_gpa_tdvmcall(gpa, len, to_private);
		break;
	default:
		ret = hypercall3(params->conv_call, TDXB_KVM_HC_MAP_GPA_RANGE, gpa, len / PAGE_4K, attrs);
		break;
	}
	t1 = rdtsc();
	if (ret)
		panic2(slot, "MAP_GPA_RANGE failed for gpa ", gpa, " ret ", ret);
	if (slot->lat_n < TDXB_GUEST_LATLOG_PER_VCPU / 4) {
		uint64_t d = t1 - t0;
		log[slot->lat_n++] = d > 0xffffffffULL ? 0xffffffffU : (uint32_t)d;
	}
	slot->conversions = ++c->conversions;
	/* to private in a TD: accept before any access (outside the round trip) */
	if (to_private && params->platform == TDXB_PLAT_TDX)
		accept(slot, gpa, len);
	/* the old contents must be gone: zap + refault, or a fresh private page */
	if (*(volatile uint64_t *)gpa != 0)
		panic2(slot, "conversion left data in place at gpa ", gpa, NULL, 0);
}

/* A conversion exits per unit anyway: progress is published per unit. */
static void visit_convert(void *opaque, uint64_t off)
{
	struct walk_ctx *c = opaque;
	uint64_t gpa = c->base + off;
	if (c->flags & TDXB_CONV_ROUNDTRIP) {
		convert(c, gpa, c->unit, 0);
		touch_pages(gpa, c->unit);
		c->pages += c->unit / PAGE_4K;
		convert(c, gpa, c->unit, 1);
	} else {
		convert(c, gpa, c->unit, !(c->flags & TDXB_CONV_TO_SHARED));
	}
	touch_pages(gpa, c->unit);
	c->pages += c->unit / PAGE_4K;
	c->units++;
	publish(c);
}

static void run_idle(volatile struct tdxb_mbox_vcpu *slot, uint64_t ns)
{
	uint64_t cycles = ns / 1000 * params->tsc_khz / 1000, t0 = rdtsc();
	while (rdtsc() - t0 < cycles) {
		slot->heartbeat++;
		cpu_relax();
	}
}

static __attribute__((noreturn)) void triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };
	/* #UD with an empty IDT -> #GP -> #DF -> shutdown */
	__asm__ volatile("lidt %0; ud2" : : "m"(no_idt));
	halt_forever();
}

static void run_phase(struct walk_ctx *c, const struct tdxb_phase *ph, uint32_t vcpu, uint32_t nv)
{
	switch (ph->kind) {
	case TDXB_PH_FAULT:
	case TDXB_PH_REWRITE:
		tdxb_walk_vcpu_runs(ph, vcpu, nv, fault_run, fault_unit, c);
		publish(c);	/* the units of the last, partial chunk */
		break;
	case TDXB_PH_CONVERT:
		tdxb_walk_vcpu(ph, vcpu, nv, visit_convert, c);
		break;
	case TDXB_PH_IDLE:
		run_idle(c->slot, ph->idle_ns);
		break;
	case TDXB_PH_TEARDOWN:
		break;	/* measured by the host when it destroys the VM */
	case TDXB_PH_TEST_CRASH:
		if (vcpu == 0)
			triple_fault();
		break;
	case TDXB_PH_TEST_HANG:
		if (vcpu == 0)
			for (;;)
				cpu_relax();	/* no progress, no heartbeat */
		break;
	case TDXB_PH_TEST_BAD_EXIT:
		/* an MMIO write to a GPA no memslot backs */
		if (vcpu == 0)
			*(volatile uint32_t *)(TDXB_GUEST_LOW_MAX - PAGE_2M) = 0xbad;
		break;
	default:
		panic2(c->slot, "unknown phase kind ", ph->kind, NULL, 0);
	}
}

void guest_main(uint32_t vcpu)
{
	volatile struct tdxb_mbox_vcpu *slot = TDXB_MBOX_SLOT(TDXB_GUEST_MAILBOX, vcpu);
	uint32_t nv = params->nvcpus;
	struct walk_ctx c = { .slot = slot, .base = params->test_gpa, .vcpu = vcpu };
	uint64_t cr3;

	slot->phase = 0;
	if (params->magic != TDXB_PARAMS_MAGIC || params->version != TDXB_PARAMS_VERSION ||
	    params->work.magic != TDXB_WORKLOAD_MAGIC || params->work.version != TDXB_WORKLOAD_VERSION)
		panic2(slot, "bad parameter page, magic ", params->magic, " version ", params->version);
	if (vcpu == 0) {
		cr3 = build_page_tables(slot);
		mbox->pt_root = cr3;
		__atomic_store_n(&mbox->pt_ready, 1, __ATOMIC_RELEASE);
	} else {
		while (!__atomic_load_n(&mbox->pt_ready, __ATOMIC_ACQUIRE)) {
			slot->heartbeat++;
			cpu_relax();
		}
		cr3 = mbox->pt_root;
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	report(TDXB_EV_READY, 0);

	for (uint32_t i = 0; i < params->work.nphases; i++) {
		struct tdxb_phase ph = params->work.phases[i];	/* a copy: order.h is not volatile */
		slot->phase = i;
		slot->progress = 0;
		slot->pages = 0;
		slot->conversions = 0;
		slot->lat_n = 0;
		c.unit = tdxb_phase_unit(&ph);
		c.chunk = c.unit >= TDXB_PUBLISH_PAGES * PAGE_4K ? 1 : TDXB_PUBLISH_PAGES * PAGE_4K / c.unit;
		c.until = c.chunk;
		c.units = c.pages = c.conversions = 0;
		c.flags = ph.flags;
		c.accept = params->platform == TDXB_PLAT_TDX && ph.kind == TDXB_PH_FAULT;
		report(TDXB_EV_PHASE_START, i);
		for (uint32_t r = 0; r < tdxb_phase_repeat(&ph); r++)
			run_phase(&c, &ph, vcpu, nv);
		report(TDXB_EV_PHASE_END, i);
	}
	report(TDXB_EV_DONE, params->work.nphases);
	halt_forever();
}
