/*
 * Launching a TD with raw ioctls (td.h has the order). Every step that
 * reference/tdx-uapi.md §2.2 says KVM may refuse is checked here with one
 * line naming the step, the errno and, where KVM copies it back, hw_error.
 */
#include "backend/tdx/td.h"
#include "guest-images/tdx.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INIT_VM_TRIES	10000	/* TDX_RND_NO_ENTROPY -> -EAGAIN; QEMU's bound */
#define FINALIZE_TRIES	1000	/* -EBUSY: the module is busy; 1 ms apart */
#define MEM_REGION_TRIES 1000	/* -EINTR / -EAGAIN; KVM advanced the struct in place */
#define CPUID_7_0_EBX_TSX ((1u << 4) | (1u << 11))	/* HLE, RTM */
#define CPUID_7_0_ECX_WAITPKG (1u << 5)
#define CPUID_1_ECX_X2APIC (1u << 21)

static const char *const cmd_names[] = {
	"KVM_TDX_CAPABILITIES", "KVM_TDX_INIT_VM", "KVM_TDX_INIT_VCPU", "KVM_TDX_INIT_MEM_REGION",
	"KVM_TDX_FINALIZE_VM", "KVM_TDX_GET_CPUID",
};

int td_op(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint32_t id, uint32_t flags, uint64_t data,
	  char *err, size_t errlen)
{
	struct tdxb_kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data, .hw_error = 0 };
	int r = kvm_raw_ioctl(vcpu ? vcpu->fd : vm->vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	if (r < 0) {
		char on[32] = "";
		int n;
		if (vcpu)
			snprintf(on, sizeof(on), " on vcpu %u", vcpu->id);
		n = snprintf(err, errlen, "%s failed%s: %s", cmd_names[id], on, strerror(-r));
		/* only the VM-scoped commands copy hw_error back (tdx-uapi.md §1.3) */
		if (cmd.hw_error && n > 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, " (TDX module status hw_error %#llx)",
				 (unsigned long long)cmd.hw_error);
	}
	return r;
}

void td_layout_compute(uint32_t vcpus, uint64_t test_bytes, uint32_t pt_gran, struct kvm_layout *l)
{
	kvm_layout_compute(vcpus, test_bytes, pt_gran, l);
	l->low_bytes += (TDXB_TDX_ALIAS_PT_PAGES(test_bytes) * 4096 + 2 * MiB - 1) & ~(2 * MiB - 1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* KVM_TDX_CAPABILITIES, growing the buffer on -E2BIG (KVM does not say how big). */
static struct tdxb_kvm_tdx_capabilities *td_caps(struct kvm_vm *vm, char *err, size_t errlen)
{
	for (uint32_t nent = 8; nent <= TDXB_KVM_MAX_CPUID_ENTRIES; nent *= 2) {
		struct tdxb_kvm_tdx_capabilities *c = xcalloc(1, sizeof(*c) + nent * sizeof(c->cpuid.entries[0]));
		int r;
		c->cpuid.nent = nent;
		r = td_op(vm, NULL, TDXB_KVM_TDX_CAPABILITIES, 0, (uint64_t)(uintptr_t)c, err, errlen);
		if (r == 0)
			return c;
		free(c);
		if (r != -E2BIG)
			return NULL;
	}
	snprintf(err, errlen, "KVM_TDX_CAPABILITIES: more than %d CPUID configurations", TDXB_KVM_MAX_CPUID_ENTRIES);
	return NULL;
}

/*
 * INIT_VM's CPUID: KVM's supported values, only the (leaf, subleaf) pairs the
 * module lets us configure, ANDed with their masks; GPAW written as 48
 * explicitly (a capability-filtered value keeps the host's MAXPHYADDR,
 * tdx-uapi.md §6.1).
 */
static struct tdxb_kvm_tdx_init_vm *td_init_vm_args(const struct kvm_vm *vm,
						     const struct tdxb_kvm_tdx_capabilities *caps,
						     uint64_t attributes, char *err, size_t errlen)
{
	struct tdxb_kvm_tdx_init_vm *init = xcalloc(1, sizeof(*init) + caps->cpuid.nent * sizeof(init->cpuid.entries[0]));
	bool gpaw = false;
	uint32_t n = 0;

	init->attributes = attributes;
	init->xfam = 0;		/* the module's fixed1 bits are ORed in (as the selftests) */
	for (uint32_t i = 0; i < caps->cpuid.nent; i++) {
		const struct tdxb_cpuid_entry2 *c = &caps->cpuid.entries[i];
		const struct kvm_cpuid_entry2 *e = vm_cpuid(vm, c->function, c->index);
		struct tdxb_cpuid_entry2 *o;
		if (!e)
			continue;
		o = &init->cpuid.entries[n++];
		o->function = c->function;
		o->index = c->index;
		o->flags = e->flags;
		o->eax = e->eax & c->eax;
		o->ebx = e->ebx & c->ebx;
		o->ecx = e->ecx & c->ecx;
		o->edx = e->edx & c->edx;
		if (c->function == 7 && c->index == 0) {
			o->ebx &= ~CPUID_7_0_EBX_TSX;
			o->ecx &= ~CPUID_7_0_ECX_WAITPKG;
		}
		if (c->function == 0x80000008) {
			o->eax = (o->eax & ~0xff0000u) | (48u << 16);
			gpaw = true;
		}
	}
	if (!gpaw) {
		snprintf(err, errlen, "KVM_TDX_CAPABILITIES lists no CPUID 0x80000008 (or KVM does not support it): "
			 "cannot set GPAW 48, KVM_TDX_INIT_VM would fail with EINVAL");
		free(init);
		return NULL;
	}
	init->cpuid.nent = n;
	return init;
}

/* KVM_TDX_GET_CPUID on one vCPU; -E2BIG updates nent, so one retry is enough. */
static struct tdxb_cpuid2 *td_vcpu_cpuid(struct kvm_vcpu *v, char *err, size_t errlen)
{
	uint32_t nent = TDXB_KVM_MAX_CPUID_ENTRIES;
	for (int tries = 0; tries < 2; tries++) {
		struct tdxb_cpuid2 *c = xcalloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		int r;
		c->nent = nent;
		r = td_op(v->vm, v, TDXB_KVM_TDX_GET_CPUID, 0, (uint64_t)(uintptr_t)c, err, errlen);
		if (r == 0)
			return c;
		nent = c->nent;
		free(c);
		if (r != -E2BIG || nent <= TDXB_KVM_MAX_CPUID_ENTRIES / 2)
			return NULL;
	}
	return NULL;
}

static struct tdxb_cpuid_entry2 *cpuid_find(struct tdxb_cpuid2 *c, uint32_t function)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == function && c->entries[i].index == 0)
			return &c->entries[i];
	return NULL;
}

/* GET_CPUID -> SET_CPUID2 (with X2APIC, which INIT_VCPU needs) -> INIT_VCPU; the first one also gives the GPAW. */
static int td_vcpu_init(struct td_state *st, struct kvm_vcpu *v, char *err, size_t errlen)
{
	struct tdxb_cpuid2 *c = td_vcpu_cpuid(v, err, errlen);
	struct tdxb_cpuid_entry2 *e;
	uint32_t gpaw;
	int r;

	if (!c)
		return -EINVAL;
	e = cpuid_find(c, 0x80000008);
	gpaw = e ? (e->eax >> 16) & 0xff : 0;
	if (gpaw != 48 && gpaw != 52) {
		snprintf(err, errlen, "KVM_TDX_GET_CPUID on vcpu %u: GPAW (CPUID 0x80000008 EAX[23:16]) is %u, "
			 "not 48 or 52: no shared bit to use", v->id, gpaw);
		free(c);
		return -EINVAL;
	}
	if (!st->gpaw) {
		st->gpaw = gpaw;
		st->shared_bit = 1ULL << (gpaw - 1);
	}
	e = cpuid_find(c, 1);
	if (e)
		e->ecx |= CPUID_1_ECX_X2APIC;
	r = vcpu_set_cpuid(v, (struct kvm_cpuid2 *)c, err, errlen);
	free(c);
	if (r < 0)
		return r;
	return td_op(v->vm, v, TDXB_KVM_TDX_INIT_VCPU, 0, 0, err, errlen);
}

/* Private everywhere the guest runs from; the mailbox and the latency log keep the default, shared. */
static int td_set_low_attributes(struct vmm_guest *g, char *err, size_t errlen)
{
	const uint64_t P = TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE;
	const struct { uint64_t start, end; } priv[] = {
		{ 0, TDXB_GUEST_MAILBOX },
		{ TDXB_GUEST_MAILBOX + TDXB_GUEST_MAILBOX_SIZE, TDXB_GUEST_LATLOG },
		{ g->layout.ptpool_gpa, g->layout.low_bytes },
	};
	for (size_t i = 0; i < ARRAY_SIZE(priv); i++) {
		int r = vm_set_memory_attributes(&g->vm, priv[i].start, priv[i].end - priv[i].start, P, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

static int td_memslots(struct vmm_guest *g, struct td_state *st, const struct run_spec *spec, char *err, size_t errlen)
{
	int r;

	/* every slot: guest_memfd for the private side, an ordinary mapping as the shared view and INIT_MEM_REGION source */
	g->low.slot = 0;
	g->low.gpa = 0;
	g->low.size = g->layout.low_bytes;
	g->test.slot = 1;
	g->test.gpa = TDXB_GUEST_TEST_GPA;
	g->test.size = spec->work.mem_bytes;
	st->reset.slot = 2;
	st->reset.gpa = TDXB_RESET_VECTOR_PAGE;
	st->reset.size = 4096;
	if ((r = guest_mem_alloc(&g->vm, &g->low, BACKING_ANON, true, err, errlen)) < 0 ||
	    (r = vm_set_memslot(&g->vm, &g->low, err, errlen)) < 0 ||
	    (r = guest_mem_alloc(&g->vm, &g->test, st->set->k.backing, true, err, errlen)) < 0 ||
	    (r = vm_set_memslot(&g->vm, &g->test, err, errlen)) < 0 ||
	    (r = guest_mem_alloc(&g->vm, &st->reset, BACKING_ANON, true, err, errlen)) < 0 ||
	    (r = vm_set_memslot(&g->vm, &st->reset, err, errlen)) < 0)
		return r;
	if ((r = td_set_low_attributes(g, err, errlen)) < 0 ||
	    (r = vm_set_memory_attributes(&g->vm, st->reset.gpa, st->reset.size, TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE,
					  err, errlen)) < 0)
		return r;
	/* test memory starts private and unaccepted: the guest accepts before touching */
	return vm_set_memory_attributes(&g->vm, g->test.gpa, g->test.size, TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE,
					err, errlen);
}

static int td_create(struct vmm_guest *g, const struct run_spec *spec, const struct kvm_settings *ks,
		     char *err, size_t errlen)
{
	const struct tdx_settings *s = (const struct tdx_settings *)ks;
	struct td_state *st = xcalloc(1, sizeof(*st));
	struct tdxb_kvm_tdx_capabilities *caps = NULL;
	struct tdxb_kvm_tdx_init_vm *init = NULL;
	int r;

	st->set = s;
	st->reset.fd = st->reset.gmem_fd = -1;
	g->priv = st;
	if (s->ioctl_log && *s->ioctl_log && vmm_ioctl_log_open(s->ioctl_log, err, errlen))
		return -EINVAL;
	td_layout_compute(g->nvcpus, spec->work.mem_bytes, s->k.pt_gran, &g->layout);

	r = vm_create(&g->vm, TDXB_KVM_X86_TDX_VM, err, errlen);
	if (r < 0)
		return r;
	g->vm.on_exit = td_on_exit;
	g->vm.on_exit_arg = st;
	/* a TD's limit is min(KVM_MAX_VCPUS, present CPUs), asked on the TD's own fd (tdx_vm_init) */
	r = vm_check_cap(&g->vm, KVM_CAP_MAX_VCPUS);
	if (r > 0 && g->nvcpus > (uint32_t)r) {
		snprintf(err, errlen, "vcpus=%u: a TD on this host takes at most %d (KVM_CAP_MAX_VCPUS on the TD VM)",
			 g->nvcpus, r);
		return -EINVAL;
	}
	if (!g->vm.private_mem || !g->vm.has_region2) {
		snprintf(err, errlen, "the TD VM lacks %s", !g->vm.has_region2 ? "KVM_CAP_USER_MEMORY2" :
			 "KVM_MEMORY_ATTRIBUTE_PRIVATE in KVM_CAP_MEMORY_ATTRIBUTES");
		return -EOPNOTSUPP;
	}
	caps = td_caps(&g->vm, err, errlen);
	if (!caps)
		return -EINVAL;
	st->supported_attrs = caps->supported_attrs;
	st->attributes = s->sept_ve_disable ? TDXB_TD_ATTR_SEPT_VE_DISABLE : 0;
	if (st->attributes & ~caps->supported_attrs) {
		snprintf(err, errlen, "sept_ve_disable=yes: KVM_TDX_CAPABILITIES does not offer attribute "
			 "SEPT_VE_DISABLE (supported_attrs %#llx); set sept_ve_disable=no",
			 (unsigned long long)caps->supported_attrs);
		r = -EOPNOTSUPP;
		goto out;
	}
	/* QEMU's order (tdx_kvm_init, then the generic irqchip setup); both before any vCPU */
	if ((r = vm_enable_cap(&g->vm, KVM_CAP_EXIT_HYPERCALL, 1ULL << TDXB_KVM_HC_MAP_GPA_RANGE, err, errlen)) < 0 ||
	    (r = vm_enable_cap(&g->vm, TDXB_KVM_CAP_SPLIT_IRQCHIP, TDXB_SPLIT_IRQCHIP_ROUTES, err, errlen)) < 0)
		goto out;
	init = td_init_vm_args(&g->vm, caps, st->attributes, err, errlen);
	if (!init) {
		r = -EINVAL;
		goto out;
	}
	for (;;) {
		r = td_op(&g->vm, NULL, TDXB_KVM_TDX_INIT_VM, 0, (uint64_t)(uintptr_t)init, err, errlen);
		if (r != -EAGAIN || st->init_vm_retries >= INIT_VM_TRIES)
			break;
		st->init_vm_retries++;
	}
	if (r < 0)
		goto out;
	if ((r = td_memslots(g, st, spec, err, errlen)) < 0)
		goto out;
	/* all vCPUs exist before any TDX vCPU command: those fail with -EBUSY while one is half created */
	g->vcpus = xcalloc(g->nvcpus, sizeof(*g->vcpus));
	for (uint32_t i = 0; i < g->nvcpus; i++)
		g->vcpus[i].fd = -1;
	for (uint32_t i = 0; i < g->nvcpus; i++)
		if ((r = vcpu_create(&g->vm, &g->vcpus[i], i, err, errlen)) < 0)
			goto out;
	for (uint32_t i = 0; i < g->nvcpus; i++)
		if ((r = td_vcpu_init(st, &g->vcpus[i], err, errlen)) < 0)
			goto out;
out:
	free(caps);
	free(init);
	return r;
}

/* KVM_TDX_INIT_MEM_REGION(MEASURE) of [gpa, gpa+len) from the shared view at src. */
static int td_add_region(struct vmm_guest *g, struct td_state *st, const void *src, uint64_t gpa, uint64_t len,
			 char *err, size_t errlen)
{
	struct tdxb_kvm_tdx_init_mem_region mr = {
		.source_addr = (uint64_t)(uintptr_t)src, .gpa = gpa, .nr_pages = len / 4096,
	};
	int r = -EINTR;
	for (int tries = 0; tries < MEM_REGION_TRIES && (r == -EINTR || r == -EAGAIN) && mr.nr_pages; tries++)
		r = td_op(&g->vm, &g->vcpus[0], TDXB_KVM_TDX_INIT_MEM_REGION, TDXB_KVM_TDX_MEASURE_MEMORY_REGION,
			  (uint64_t)(uintptr_t)&mr, err, errlen);
	if (r < 0) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " (gpa %#llx, %llu pages left)", (unsigned long long)mr.gpa,
			 (unsigned long long)mr.nr_pages);
		return r;
	}
	st->pages_added += len / 4096;
	return 0;
}

/* The parameter page is final: measure everything the guest boots from, then finalize. */
static int td_seal(struct vmm_guest *g, const struct kvm_settings *ks, char *err, size_t errlen)
{
	struct td_state *st = g->priv;
	uint8_t *low = g->low.hva;
	const struct { uint64_t gpa, len; } regions[] = {
		{ TDXB_GUEST_LOAD, TDXB_GUEST_IMAGE_MAX },				/* image + boot tables */
		{ TDXB_GUEST_PARAMS, 4096 },
		{ TDXB_GUEST_STACKS, (uint64_t)g->nvcpus * TDXB_GUEST_STACK_SIZE },
		{ g->layout.ptpool_gpa, g->layout.low_bytes - g->layout.ptpool_gpa },	/* page-table pools */
	};
	int r;

	(void)ks;
	g->params->platform = TDXB_PLAT_TDX;
	g->params->conv_call = TDXB_CONV_TDVMCALL;
	g->params->shared_bit = st->shared_bit;
	tdxb_reset_vector_fill(st->reset.hva);
	for (size_t i = 0; i < ARRAY_SIZE(regions); i++)
		if ((r = td_add_region(g, st, low + regions[i].gpa, regions[i].gpa, regions[i].len, err, errlen)) < 0)
			return r;
	if ((r = td_add_region(g, st, st->reset.hva, st->reset.gpa, st->reset.size, err, errlen)) < 0)
		return r;
	for (;;) {
		r = td_op(&g->vm, NULL, TDXB_KVM_TDX_FINALIZE_VM, 0, 0, err, errlen);
		if (r != -EBUSY || st->finalize_retries >= FINALIZE_TRIES)
			return r;
		st->finalize_retries++;
		sleep_ms(1);
	}
}

static void td_destroy(struct vmm_guest *g)
{
	struct td_state *st = g->priv;
	if (st) {
		guest_mem_free(&st->reset);
		free(st);
	}
	g->priv = NULL;
	vmm_ioctl_log_close();
}

const struct vmm_platform td_platform = {
	.create = td_create,
	.seal = td_seal,
	.destroy = td_destroy,
	.notes = td_notes,
	.sample = td_sample,
};
