/*
 * The guest image's TD path, run on this machine's KVM without TDX: the
 * same image in a plain VM, told platform = TDX, whose harness (here, in
 * the test; never in the image) plays the TDX module and KVM:
 *
 *  - every `tdcall` exits to the harness: as a #UD that a test-installed
 *    IDT sends to a stub exiting on port 0xE9 (VMX KVM injects #UD), or as
 *    KVM_EXIT_INTERNAL_ERROR (emulation) where KVM cannot emulate it (this
 *    kvm_pvm host); the harness reads the GHCI registers, serves the leaf,
 *    sets the outputs and resumes after the 4-byte TDCALL;
 *  - private and shared views are different host memory: GPA x is the
 *    private view, GPA x | shared_bit a second memslot over the shared view
 *    that the run loop reads (mailbox, latency log), so a report or a
 *    mailbox write that does not go through the shared bit is lost;
 *  - private test memory is PROT_NONE on the host until the guest accepts it
 *    (and again after a conversion), so a touch before ACCEPT fails KVM_RUN;
 *  - MapGPA is served in chunks with RETRY in between, as KVM does;
 *  - 2M accepts get PAGE_SIZE_MISMATCH (upstream S-EPT is 4K-only).
 *
 * The run loop, the barrier and the metrics are the kvm backend's own
 * (kvm_run_repetition with a harness vmm_platform).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "backend/tdx/td.h"
#include "guest-images/tdx.h"
#include "host/host.h"
#include "lib/util.h"
#include "workloads/workload.h"
#include "tests/unit/backend_test.h"

#define STUB_PORT 0xE9
#define IDT_GPA 0x1000
#define STUB_GPA 0x2000
#define HARNESS_GPAW 40
#define TDCALL_BYTES "\x66\x0f\x01\xcc"
#define OPERAND_INVALID 0xC000010000000000ULL

static struct harness {
	uint64_t S, chunk;
	bool bad_shared_bit, lie_on_accept, accept_2m_ok;
	struct guest_mem low_priv, test_priv, reset;
	uint8_t *accepted;		/* per test page */
	struct td_state td;		/* what td_on_exit's fatal decoder expects as on_exit_arg */
	/* counters, under lock */
	pthread_mutex_t lock;
	uint64_t via_ud, via_emul, io, mapgpa_calls, mapgpa_retries, accept_2m_req, accept_4k_ok, already, unsupported;
} H = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t test_pages(const struct vmm_guest *g)
{
	return g->test.size / 4096;
}

/* ---- serving the leaves ---- */

static void set_test_page(struct vmm_guest *g, uint64_t page, int prot)
{
	mprotect((uint8_t *)H.test_priv.hva + page * 4096, 4096, prot);
}

/* KVM + the module: one <= chunk piece per exit, RETRY with R11 = where to go on. */
static uint64_t serve_map_gpa(struct vmm_guest *g, uint64_t r12, uint64_t r13, uint64_t *r11)
{
	bool to_shared = r12 & H.S;
	uint64_t gpa = r12 & ~H.S, len = MIN(r13, H.chunk);
	if ((gpa | r13) & 4095 || gpa < g->test.gpa || gpa + r13 > g->test.gpa + g->test.size)
		return TDXB_TDVMCALL_STATUS_INVALID_OPERAND;
	pthread_mutex_lock(&H.lock);
	H.mapgpa_calls++;
	for (uint64_t off = 0; off < len; off += 4096) {
		uint64_t page = (gpa - g->test.gpa + off) / 4096;
		/* the old side is gone: private pages dropped (need ACCEPT again), shared pages fresh */
		set_test_page(g, page, PROT_NONE);
		H.accepted[page] = 0;
		memset((uint8_t *)g->test.hva + page * 4096, 0, 4096);
	}
	if (len < r13) {
		H.mapgpa_retries++;
		*r11 = (gpa + len) | (to_shared ? H.S : 0);
		pthread_mutex_unlock(&H.lock);
		return TDXB_TDVMCALL_STATUS_RETRY;
	}
	pthread_mutex_unlock(&H.lock);
	return 0;
}

static uint64_t serve_accept(struct vmm_guest *g, uint64_t rcx)
{
	uint64_t gpa = rcx & ~0xfffULL, level = rcx & 0x7, page;
	if (gpa < g->test.gpa || gpa >= g->test.gpa + g->test.size)
		return OPERAND_INVALID;
	pthread_mutex_lock(&H.lock);
	if (level == TDXB_ACCEPT_LEVEL_2M) {
		H.accept_2m_req++;
		pthread_mutex_unlock(&H.lock);
		return TDXB_TDX_PAGE_SIZE_MISMATCH;
	}
	page = (gpa - g->test.gpa) / 4096;
	if (H.accepted[page]) {
		H.already++;
		pthread_mutex_unlock(&H.lock);
		return TDXB_TDX_PAGE_ALREADY_ACCEPTED;
	}
	if (!H.lie_on_accept) {
		set_test_page(g, page, PROT_READ | PROT_WRITE);
		memset((uint8_t *)H.test_priv.hva + page * 4096, 0, 4096);	/* accept zeroes the page */
	}
	H.accepted[page] = 1;
	H.accept_4k_ok++;
	pthread_mutex_unlock(&H.lock);
	return 0;
}

/* ReportFatalError through the tdx backend's own decoder, as KVM would hand it over. */
static int serve_fatal(struct kvm_vcpu *vcpu, const struct kvm_regs *r)
{
	struct tdxb_kvm_run_system_event ev = { .type = TDXB_KVM_SYSTEM_EVENT_TDX_FATAL, .ndata = 16 };
	uint64_t gprs[16] = { 0, r->rcx, r->rdx, r->rbx, 0, 0, r->rsi, r->rdi,
			      r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };
	memcpy(ev.data, gprs, sizeof(gprs));
	vcpu->run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	memcpy((uint8_t *)vcpu->run + TDXB_KVM_RUN_UNION_OFFSET, &ev, sizeof(ev));
	return td_on_exit(vcpu, 0);
}

static struct vmm_guest *G;

static int harness_exit(struct kvm_vcpu *vcpu, int rc)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs r;
	uint8_t *P = H.low_priv.hva;
	uint64_t *frame;
	char err[256];
	int done = 0;
	bool via_ud = false;

	/* a PROT_NONE (unaccepted) page: VMX KVM fails KVM_RUN with EFAULT, this kvm_pvm host exits MMIO */
	if (rc == -EFAULT || (!rc && run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr >= G->test.gpa &&
			      run->mmio.phys_addr < G->test.gpa + G->test.size)) {
		run_fail(vcpu->ctx, "harness: the guest on vcpu %u touched private test memory it had not accepted "
			 "(KVM_RUN %s)", vcpu->id, rc ? "EFAULT" : "KVM_EXIT_MMIO");
		return -1;
	}
	if (rc)
		return VMM_EXIT_UNHANDLED;
	/*
	 * Two ways a plain VM's tdcall reaches us: VMX KVM injects #UD (the stub's
	 * port exit, RIP in the #UD frame); this kvm_pvm host cannot emulate it
	 * and exits KVM_EXIT_INTERNAL_ERROR (emulation) with RIP at the tdcall.
	 */
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == STUB_PORT)
		via_ud = true;
	else if (!(run->exit_reason == KVM_EXIT_INTERNAL_ERROR && run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION))
		return VMM_EXIT_UNHANDLED;
	if (vcpu_ioctl(vcpu, KVM_GET_REGS, &r, err, sizeof(err)) < 0) {
		run_fail(vcpu->ctx, "harness: %s", err);
		return -1;
	}
	frame = via_ud ? (uint64_t *)(P + r.rsp) : (uint64_t *)&r.rip;	/* the #UD frame: RIP, CS, RFLAGS, RSP, SS */
	if (memcmp(P + *frame, TDCALL_BYTES, 4)) {
		if (!via_ud)
			return VMM_EXIT_UNHANDLED;	/* a real emulation failure: the generic message */
		run_fail(vcpu->ctx, "harness: #UD at rip %#llx is not a TDCALL", (unsigned long long)*frame);
		return -1;
	}
	*frame += 4;
	__atomic_add_fetch(via_ud ? &H.via_ud : &H.via_emul, 1, __ATOMIC_RELAXED);
	if (r.rax == TDXB_TDCALL_MEM_PAGE_ACCEPT) {
		r.rax = serve_accept(G, r.rcx);
	} else if (r.rax == TDXB_TDCALL_VP_VMCALL && (r.rcx & TDXB_TDVMCALL_EXPOSE_REGS) == TDXB_TDVMCALL_EXPOSE_REGS &&
		   r.r10 == 0) {
		r.rax = 0;
		switch (r.r11) {
		case TDXB_TDVMCALL_INSTRUCTION_IO:
			if (r.r12 != 4 || r.r13 != 1 || r.r14 != TDXB_PORT_EVENT) {
				run_fail(vcpu->ctx, "harness: Instruction.IO size %llu dir %llu port %#llx",
					 (unsigned long long)r.r12, (unsigned long long)r.r13, (unsigned long long)r.r14);
				return -1;
			}
			__atomic_add_fetch(&H.io, 1, __ATOMIC_RELAXED);
			r.r10 = 0;
			done = 1;
			break;
		case TDXB_TDVMCALL_MAP_GPA: {
			uint64_t next = r.r11;
			r.r10 = serve_map_gpa(G, r.r12, r.r13, &next);
			r.r11 = next;
			break;
		}
		case TDXB_TDVMCALL_REPORT_FATAL_ERROR:
			return serve_fatal(vcpu, &r);
		default:
			__atomic_add_fetch(&H.unsupported, 1, __ATOMIC_RELAXED);
			r.r10 = TDXB_TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
		}
	} else {
		run_fail(vcpu->ctx, "harness: TDCALL leaf %llu with RCX %#llx R10 %#llx", (unsigned long long)r.rax,
			 (unsigned long long)r.rcx, (unsigned long long)r.r10);
		return -1;
	}
	if (vcpu_ioctl(vcpu, KVM_SET_REGS, &r, err, sizeof(err)) < 0) {
		run_fail(vcpu->ctx, "harness: %s", err);
		return -1;
	}
	/* the event goes to the run loop as the TD's KVM_EXIT_IO would */
	return done ? run_on_event(vcpu, (uint32_t)r.r15) : 0;
}

/* ---- the harness platform ---- */

static int slot_at(struct kvm_vm *vm, const struct guest_mem *m, uint32_t slot, uint64_t gpa, char *err, size_t errlen)
{
	struct guest_mem at = *m;
	at.slot = slot;
	at.gpa = gpa;
	return vm_set_memslot(vm, &at, err, errlen);
}

static int h_create(struct vmm_guest *g, const struct run_spec *spec, const struct kvm_settings *s, char *err,
		    size_t errlen)
{
	int r;
	G = g;
	td_layout_compute(g->nvcpus, spec->work.mem_bytes, s->pt_gran, &g->layout);
	H.S = 1ULL << (HARNESS_GPAW - 1);
	if ((r = vm_create(&g->vm, KVM_X86_DEFAULT_VM, err, errlen)) < 0)
		return r;
	g->vm.on_exit = harness_exit;
	g->vm.on_exit_arg = &H.td;
	H.low_priv.size = g->low.size = g->layout.low_bytes;
	H.test_priv.size = g->test.size = spec->work.mem_bytes;
	H.reset.size = 4096;
	g->low.gpa = 0;
	g->test.gpa = H.test_priv.gpa = TDXB_GUEST_TEST_GPA;
	H.reset.gpa = TDXB_RESET_VECTOR_PAGE;
	if ((r = guest_mem_alloc(&g->vm, &H.low_priv, BACKING_ANON, false, err, errlen)) < 0 ||
	    (r = guest_mem_alloc(&g->vm, &H.test_priv, BACKING_ANON, false, err, errlen)) < 0 ||
	    (r = guest_mem_alloc(&g->vm, &H.reset, BACKING_ANON, false, err, errlen)) < 0 ||
	    (r = guest_mem_alloc(&g->vm, &g->low, BACKING_ANON, false, err, errlen)) < 0 ||
	    (r = guest_mem_alloc(&g->vm, &g->test, BACKING_ANON, false, err, errlen)) < 0)
		return r;
	/* unaccepted: any touch before ACCEPT faults */
	mprotect(H.test_priv.hva, H.test_priv.size, PROT_NONE);
	H.accepted = xcalloc(test_pages(g), 1);
	if ((r = slot_at(&g->vm, &H.low_priv, 0, 0, err, errlen)) < 0 ||
	    (r = slot_at(&g->vm, &H.test_priv, 1, TDXB_GUEST_TEST_GPA, err, errlen)) < 0 ||
	    (r = slot_at(&g->vm, &H.reset, 2, TDXB_RESET_VECTOR_PAGE, err, errlen)) < 0 ||
	    (r = slot_at(&g->vm, &g->low, 3, H.S, err, errlen)) < 0 ||
	    (r = slot_at(&g->vm, &g->test, 4, H.S | TDXB_GUEST_TEST_GPA, err, errlen)) < 0)
		return r;
	g->vcpus = xcalloc(g->nvcpus, sizeof(*g->vcpus));
	for (uint32_t i = 0; i < g->nvcpus; i++)
		g->vcpus[i].fd = -1;
	for (uint32_t i = 0; i < g->nvcpus; i++) {
		struct kvm_vcpu *v = &g->vcpus[i];
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		if ((r = vcpu_create(&g->vm, v, i, err, errlen)) < 0 ||
		    (r = vcpu_set_cpuid(v, g->vm.cpuid, err, errlen)) < 0 ||
		    /* the TDX module's reset state, from the reset vector */
		    (r = vcpu_set_td_boot_state(v, 0xFFFFFFF0, err, errlen)) < 0 ||
		    (r = vcpu_ioctl(v, KVM_GET_REGS, &regs, err, errlen)) < 0)
			return r;
		regs.rbx = HARNESS_GPAW;
		if ((r = vcpu_ioctl(v, KVM_SET_REGS, &regs, err, errlen)) < 0 ||
		    (r = vcpu_ioctl(v, KVM_GET_SREGS, &sregs, err, errlen)) < 0)
			return r;
		sregs.idt.base = IDT_GPA;	/* the test's #UD handler; the image loads no IDT */
		sregs.idt.limit = 256 * 16 - 1;
		if ((r = vcpu_ioctl(v, KVM_SET_SREGS, &sregs, err, errlen)) < 0)
			return r;
	}
	return 0;
}

static int h_seal(struct vmm_guest *g, const struct kvm_settings *s, char *err, size_t errlen)
{
	uint8_t *P = H.low_priv.hva;
	static const uint8_t stub[] = { 0xE6, STUB_PORT, 0x48, 0xCF };	/* out %al, $0xe9; iretq */
	uint64_t lo, hi;

	(void)s;
	(void)err;
	(void)errlen;
	g->params->platform = TDXB_PLAT_TDX;
	g->params->conv_call = TDXB_CONV_TDVMCALL;
	g->params->shared_bit = H.bad_shared_bit ? H.S << 1 : H.S;
	/* "INIT_MEM_REGION": the private view gets the host-written bytes; mailbox and log stay shared-only */
	memcpy(P, g->low.hva, g->low.size);
	memset(P + TDXB_GUEST_MAILBOX, 0, TDXB_GUEST_MAILBOX_SIZE);
	memset(P + TDXB_GUEST_LATLOG, 0, g->layout.ptpool_gpa - TDXB_GUEST_LATLOG);
	memcpy(P + STUB_GPA, stub, sizeof(stub));
	/* IDT vector 6 (#UD): 64-bit interrupt gate to the stub, CS = the guest's 64-bit code selector */
	lo = (STUB_GPA & 0xffff) | ((uint64_t)TDXB_GUEST_CS64 << 16) | (0x8EULL << 40) | ((uint64_t)(STUB_GPA >> 16) << 48);
	hi = 0;
	memcpy(P + IDT_GPA + 6 * 16, &lo, 8);
	memcpy(P + IDT_GPA + 6 * 16 + 8, &hi, 8);
	tdxb_reset_vector_fill(H.reset.hva);
	return 0;
}

static void h_destroy(struct vmm_guest *g)
{
	(void)g;
	guest_mem_free(&H.low_priv);
	guest_mem_free(&H.test_priv);
	guest_mem_free(&H.reset);
	free(H.accepted);
	H.accepted = NULL;
}

static void h_notes(struct vmm_guest *g, const struct kvm_settings *s, struct run_result *res)
{
	(void)g;
	(void)s;
	result_note(res, "vm_type", "plain VM playing a TD (test harness)");
}

static const struct vmm_platform harness = {
	.create = h_create, .seal = h_seal, .destroy = h_destroy, .notes = h_notes,
};

/* ---- tests ---- */

static char why[256];
static bool usable;

static void run_guest(const char *wl_name, const char *assign, struct outcome *o)
{
	struct params p = PARAMS_INIT;
	struct run_spec spec;
	struct tdx_settings s;

	memset(o, 0, sizeof(*o));
	result_init(&o->res);
	spec_build("tdx", wl_name, assign, &p, &spec, o->err, sizeof(o->err));
	assert_int_equal(tdx_settings_read(&p, &s, o->err, sizeof(o->err)), 0);
	pthread_mutex_lock(&H.lock);
	H.io = H.mapgpa_calls = H.mapgpa_retries = H.accept_2m_req = H.accept_4k_ok = H.already = H.unsupported = 0;
	pthread_mutex_unlock(&H.lock);
	o->rc = kvm_run_repetition(&spec, &s.k, &harness, &o->res, o->err, sizeof(o->err));
	if (o->rc)
		printf("# %s %s: %s\n", wl_name, assign, o->err);
	params_free(&p);
}

static void require_kvm(void)
{
	if (!usable) {
		printf("# skip: %s\n", why);
		skip();
	}
}

static void reset_modes(void)
{
	H.chunk = 2 * MiB;
	H.bad_shared_bit = H.lie_on_accept = false;
}

/* Fault with 2M requests, then 4K/… conversions round trips, over 2 vCPUs. */
static void test_td_path(void **state)
{
	struct outcome o;
	(void)state;
	require_kvm();
	reset_modes();
	run_guest("convert-churn", "mem=8M,vcpus=2,window=2M,gran=4K,rounds=1,accept=2M", &o);
	assert_int_equal(o.rc, BACKEND_OK);
	/* counts the run loop read from the mailbox: the guest wrote them through the shared bit */
	assert_int_equal((int)metric(&o, "pages_touched"), 2048);
	assert_int_equal((int)metric(&o, "conversions"), 1024);
	/* 8M faulted as four 2M requests, each refused and done as 512 4K accepts; every to-private re-accepted */
	assert_int_equal(H.accept_2m_req, 4);
	assert_int_equal(H.accept_4k_ok, 2048 + 512);
	/* the guest's own counts agree with what the "module" saw */
	assert_int_equal((int)metric(&o, "accept_2m_requests"), 4);
	assert_int_equal((int)metric(&o, "accept_2m_ok"), 0);
	assert_int_equal((int)metric(&o, "accept_4k"), 2048 + 512);
	assert_int_equal(H.mapgpa_calls, 1024);
	assert_int_equal(H.mapgpa_retries, 0);
	assert_int_equal(H.unsupported, 0);
	assert_true(H.io >= 2 * (1 + 2 * 2 + 1));	/* READY, START/END of two phases, DONE per vCPU */
	assert_true(H.via_ud + H.via_emul > 0);
	printf("# %llu TDCALLs reached the harness as #UD, %llu as KVM emulation failures\n",
	       (unsigned long long)H.via_ud, (unsigned long long)H.via_emul);
	result_free(&o.res);
}

/* Private->shared only (split-storm): the guest touches each converted page through the shared alias. */
static void test_to_shared(void **state)
{
	struct outcome o;
	(void)state;
	require_kvm();
	reset_modes();
	run_guest("split-storm", "mem=4M,vcpus=1,per_region=4", &o);
	assert_int_equal(o.rc, BACKEND_OK);
	assert_int_equal((int)metric(&o, "conversions"), 8);	/* 4 per 2 MiB region, 2 regions */
	assert_int_equal(H.mapgpa_calls, 8);
	assert_int_equal(H.accept_2m_req, 2);			/* the fault phase asked 2M per region */
	assert_int_equal(H.accept_4k_ok, 1024);			/* none re-accepted: nothing went back */
	result_free(&o.res);
}

/* MapGPA of 64K served 16K at a time: the guest must follow RETRY to the end. */
static void test_map_gpa_retry(void **state)
{
	struct outcome o;
	(void)state;
	require_kvm();
	reset_modes();
	H.chunk = 16 * KiB;
	run_guest("convert-churn", "mem=4M,vcpus=1,window=2M,gran=64K,rounds=1,accept=4K", &o);
	assert_int_equal(o.rc, BACKEND_OK);
	assert_int_equal((int)metric(&o, "conversions"), 64);
	assert_int_equal(H.mapgpa_calls, 64 * 4);
	assert_int_equal(H.mapgpa_retries, 64 * 3);
	assert_int_equal(H.accept_2m_req, 0);
	result_free(&o.res);
}

/* A failing run: one line that says want. */
static void expect_failure(const char *wl, const char *assign, const char *want)
{
	struct outcome o;
	run_guest(wl, assign, &o);
	assert_int_equal(o.rc, BACKEND_FAILED);
	assert_null(strchr(o.err, '\n'));
	if (!strstr(o.err, want))
		fail_msg("'%s' does not say '%s'", o.err, want);
	result_free(&o.res);
}

/* The guest refuses a shared bit that disagrees with RBX's GPAW, through ReportFatalError. */
static void test_fatal_shared_bit(void **state)
{
	(void)state;
	require_kvm();
	reset_modes();
	H.bad_shared_bit = true;
	expect_failure("boot", "mem=4M,vcpus=1", "the TD reported a fatal error (TDG.VP.VMCALL ReportFatalError) on "
		       "vcpu 0 in boot, before phase 0 (fault): error code 0x7464780000000001: "
		       "\"tdxbench: RBX's GPAW does not match params->shared_bit\"");
}

/* Control: a "module" that says accepted without mapping the page makes the guest's touch fault. */
static void test_touch_needs_accept(void **state)
{
	(void)state;
	require_kvm();
	reset_modes();
	H.lie_on_accept = true;
	expect_failure("boot", "mem=4M,vcpus=1,watchdog_ms=1000", "touched private test memory it had not accepted");
}

int main(void)
{
	struct kvm_caps caps;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_td_path),
		cmocka_unit_test(test_to_shared),
		cmocka_unit_test(test_map_gpa_retry),
		cmocka_unit_test(test_fatal_shared_bit),
		cmocka_unit_test(test_touch_needs_accept),
	};
	host_probe_kvm(&caps);
	usable = caps.accessible;
	snprintf(why, sizeof(why), "%s", caps.accessible ? "" : caps.why);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
