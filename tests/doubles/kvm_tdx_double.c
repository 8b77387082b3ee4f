/*
 * TEST-ONLY DOUBLE of the KVM TDX uAPI (see kvm_tdx_double.h). Every rule
 * below cites reference/tdx-uapi.md; where the double refuses a call it
 * returns KVM's errno and notes the broken rule in kvmd_violations().
 * Objects are memfds, so the VMM's mmap/close/fallocate work on them.
 */
#include "tests/doubles/kvm_tdx_double.h"
#include "backend/kvm/vmm.h"
#include "guest-images/abi.h"
#include "lib/tdx_uapi.h"
#include "lib/util.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 128
#define MAX_VCPUS 16
#define MAX_ATTRS 1024
#define NCFG 6			/* CPUID configurations the "module" reports */
#define RUN_SIZE 4096
#define IO_DATA_OFFSET 2048
#define GPAW 48
#define MAX_VCPUS_CAP 8
#define FAKE_HW_ERROR 0xC000010000000000ULL	/* TDX_OPERAND_INVALID class */

enum kind { K_NONE, K_KVM, K_VM, K_VCPU, K_GMEM, K_STATS };
enum vm_state { VM_UNINIT, VM_INIT, VM_RUNNABLE };

struct obj {
	int fd;
	enum kind kind;
	ino_t ino;
	int vcpu;		/* K_VCPU: index */
};

struct vcpu {
	bool created, initialized, x2apic;
	struct kvm_run *run;
	int step;		/* scripted guest position */
	bool special_done;
};

struct slot {
	uint64_t gpa, size;
	bool gmem;
};

static struct {
	pthread_mutex_t lock;
	struct kvmd_config cfg;
	int fail_left;
	struct obj objs[MAX_FDS];
	size_t nobjs;
	enum vm_state state;
	bool split_irqchip, exit_hypercall, vm_created;
	uint64_t supported_attrs;
	struct vcpu vcpus[MAX_VCPUS];
	int nvcpus;
	struct { uint64_t start, end, attr; } attrs[MAX_ATTRS];
	size_t nattrs;
	struct slot slots[8];
	uint64_t *added;	/* GPAs INIT_MEM_REGION populated */
	size_t nadded;
	struct tdxb_guest_params params;
	bool have_params;
	struct sbuf log, viol;
	struct kvmd_seen seen;
} D = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
	va_list ap;
	char buf[256];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sbuf_addf(&D.viol, "%s\n", buf);
}

static int new_obj(enum kind k, size_t size, int vcpu)
{
	int fd = memfd_create("kvmd", MFD_CLOEXEC);
	struct stat st;
	if (fd < 0 || ftruncate(fd, (off_t)size) || fstat(fd, &st) || D.nobjs == MAX_FDS)
		return -ENOMEM;
	D.objs[D.nobjs++] = (struct obj){ fd, k, st.st_ino, vcpu };
	return fd;
}

static struct obj *find_obj(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return NULL;
	for (size_t i = D.nobjs; i-- > 0;)
		if (D.objs[i].fd == fd && D.objs[i].ino == st.st_ino)
			return &D.objs[i];
	return NULL;
}

static uint64_t attr_of(uint64_t gpa)
{
	uint64_t a = 0;	/* the default attribute is shared (§2.2) */
	for (size_t i = 0; i < D.nattrs; i++)
		if (gpa >= D.attrs[i].start && gpa < D.attrs[i].end)
			a = D.attrs[i].attr;
	return a;
}

static const struct slot *slot_of(uint64_t gpa)
{
	for (size_t i = 0; i < ARRAY_SIZE(D.slots); i++)
		if (D.slots[i].size && gpa >= D.slots[i].gpa && gpa < D.slots[i].gpa + D.slots[i].size)
			return &D.slots[i];
	return NULL;
}

/* The injected failure for this step, 0 if none. */
static int injected(const char *step)
{
	if (!D.cfg.fail_step || strcmp(D.cfg.fail_step, step) || D.fail_left == 0)
		return 0;
	if (D.fail_left > 0)
		D.fail_left--;
	return D.cfg.fail_errno;
}

/* ---- the scripted "module": which CPUID bits a TD may configure ---- */

static const struct tdxb_cpuid_entry2 cfg_entries[NCFG] = {
	{ .function = 0x1, .eax = 0xffffffff, .ebx = 0xffffffff, .ecx = 0xffffffff, .edx = 0xffffffff },
	{ .function = 0x7, .index = 0, .ebx = 0xffffffff, .ecx = 0xffffffdf, .edx = 0xffffffff },
	{ .function = 0xd, .index = 0, .eax = 0xffffffff },
	{ .function = 0xd, .index = 1, .eax = 0xffffffff },
	{ .function = 0x80000000, .eax = 0xffffffff },
	{ .function = 0x80000008, .eax = 0x00ff00ff },
};

static bool in_caps(uint32_t f, uint32_t idx)
{
	for (size_t i = 0; i < NCFG; i++)
		if (cfg_entries[i].function == f && cfg_entries[i].index == idx)
			return true;
	return false;
}

static void fill_supported_cpuid(struct kvm_cpuid2 *c)
{
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0x0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
		{ .function = 0x1, .eax = 0x806f8, .ecx = 1u << 21 },
		{ .function = 0x7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = (1u << 4) | 1 },
		{ .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x3 },
		{ .function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x1 },
		{ .function = 0x80000000, .eax = 0x80000008 },
		{ .function = 0x80000001, .edx = 1u << 26 },
		{ .function = 0x80000008, .eax = 0x3034 },	/* MAXPHYADDR 52 on the host: GPAW must be forced */
	};
	c->nent = ARRAY_SIZE(e);
	memcpy(c->entries, e, sizeof(e));
}

/* ---- VM-scoped TDX commands ---- */

static int tdx_vm_cmd(struct tdxb_kvm_tdx_cmd *cmd)
{
	static const char *const names[] = { "KVM_TDX_CAPABILITIES", "KVM_TDX_INIT_VM", "KVM_TDX_INIT_VCPU",
					      "KVM_TDX_INIT_MEM_REGION", "KVM_TDX_FINALIZE_VM", "KVM_TDX_GET_CPUID" };
	int inj;

	if (cmd->id >= TDXB_KVM_TDX_CMD_NR_MAX)
		return -EINVAL;
	sbuf_addf(&D.log, "vm %s\n", names[cmd->id]);
	if (cmd->hw_error) {
		violation("%s: hw_error not 0 on input (§1.3)", names[cmd->id]);
		return -EINVAL;
	}
	if (cmd->flags) {
		violation("%s: flags %#x (must be 0, §1.2)", names[cmd->id], cmd->flags);
		return -EINVAL;
	}
	switch (cmd->id) {
	case TDXB_KVM_TDX_CAPABILITIES: {
		struct tdxb_kvm_tdx_capabilities *c = (void *)(uintptr_t)cmd->data;
		if ((inj = injected(names[cmd->id])))
			return -inj;
		if (c->cpuid.nent < NCFG)
			return -E2BIG;	/* without writing back the count (§1.4) */
		memset(c, 0, sizeof(*c));
		c->supported_attrs = D.supported_attrs;
		c->supported_xfam = 0x2e7;
		c->user_tdvmcallinfo_1_r11 = 1u << 1;
		c->cpuid.nent = NCFG;
		memcpy(c->cpuid.entries, cfg_entries, sizeof(cfg_entries));
		return 0;
	}
	case TDXB_KVM_TDX_INIT_VM: {
		struct tdxb_kvm_tdx_init_vm *iv = (void *)(uintptr_t)cmd->data;
		bool gpaw_ok = false;
		if (D.state != VM_UNINIT) {
			violation("KVM_TDX_INIT_VM: called twice (§2.2)");
			return -EINVAL;
		}
		if (D.nvcpus) {
			violation("KVM_TDX_INIT_VM: after KVM_CREATE_VCPU (§2.2)");
			return -EBUSY;
		}
		for (size_t i = 0; i < 12; i++)
			if (iv->reserved[i]) {
				violation("KVM_TDX_INIT_VM: reserved[%zu] not 0", i);
				return -EINVAL;
			}
		if (iv->cpuid.padding) {
			violation("KVM_TDX_INIT_VM: cpuid.padding not 0");
			return -EINVAL;
		}
		if (iv->cpuid.nent > TDXB_KVM_MAX_CPUID_ENTRIES)
			return -E2BIG;
		if (iv->attributes & ~D.supported_attrs) {
			violation("KVM_TDX_INIT_VM: attributes %#llx outside supported_attrs", (unsigned long long)iv->attributes);
			return -EINVAL;
		}
		for (uint32_t i = 0; i < iv->cpuid.nent; i++) {
			const struct tdxb_cpuid_entry2 *e = &iv->cpuid.entries[i];
			if (!in_caps(e->function, e->index)) {
				violation("KVM_TDX_INIT_VM: CPUID %#x.%u is not in the capabilities (§2.2)", e->function, e->index);
				return -EINVAL;
			}
			if (e->function == 7 && e->index == 0 && ((e->ebx & ((1u << 4) | (1u << 11))) || (e->ecx & (1u << 5)))) {
				violation("KVM_TDX_INIT_VM: TSX or WAITPKG set");
				return -EINVAL;
			}
			if (e->function == 0x80000008) {
				uint32_t g = (e->eax >> 16) & 0xff;
				gpaw_ok = g == 48;	/* 52 needs 5-level EPT, which this "host" lacks */
				D.seen.gpaw_set = g;
			}
		}
		if (!gpaw_ok) {
			violation("KVM_TDX_INIT_VM: 0x80000008 missing or GPAW %u not 48 (§2.2, §6.1)", D.seen.gpaw_set);
			return -EINVAL;
		}
		if ((inj = injected(names[cmd->id]))) {
			if (inj == EINVAL || inj == EIO)
				cmd->hw_error = FAKE_HW_ERROR;	/* INIT_VM copies the command back even on failure */
			return -inj;
		}
		D.seen.attributes = iv->attributes;
		D.state = VM_INIT;
		return 0;
	}
	case TDXB_KVM_TDX_FINALIZE_VM:
		if (D.state != VM_INIT) {
			violation("KVM_TDX_FINALIZE_VM: TD not initialized or already final (§2.2)");
			return -EINVAL;
		}
		for (int i = 0; i < D.nvcpus; i++)
			if (!D.vcpus[i].initialized) {
				violation("KVM_TDX_FINALIZE_VM: vcpu %d not KVM_TDX_INIT_VCPU'd (§7 pitfall 3)", i);
				return -EINVAL;
			}
		if ((inj = injected(names[cmd->id])))
			return -inj;
		D.state = VM_RUNNABLE;
		return 0;
	default:
		violation("%s on the VM fd: a vCPU command (§1.2)", names[cmd->id]);
		return -EINVAL;
	}
}

/* ---- vCPU-scoped TDX commands ---- */

static int init_mem_region(struct vcpu *v, struct tdxb_kvm_tdx_cmd *cmd)
{
	struct tdxb_kvm_tdx_init_mem_region *mr = (void *)(uintptr_t)cmd->data;
	int inj;

	if (D.state != VM_INIT || !v->initialized) {
		violation("KVM_TDX_INIT_MEM_REGION: TD not initialized, final, or vCPU not INIT_VCPU'd (§2.2)");
		return -EINVAL;
	}
	if (cmd->flags & ~TDXB_KVM_TDX_MEASURE_MEMORY_REGION || !mr->nr_pages || (mr->gpa | mr->source_addr) & 4095 ||
	    mr->gpa & (1ULL << (GPAW - 1))) {
		violation("KVM_TDX_INIT_MEM_REGION: bad flags/alignment/shared GPA %#llx", (unsigned long long)mr->gpa);
		return -EINVAL;
	}
	inj = injected("KVM_TDX_INIT_MEM_REGION");
	while (mr->nr_pages) {
		const struct slot *s = slot_of(mr->gpa);
		if (!s || !s->gmem || attr_of(mr->gpa) != TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE) {
			violation("KVM_TDX_INIT_MEM_REGION: gpa %#llx not private or not in a guest_memfd slot (§2.2)",
				  (unsigned long long)mr->gpa);
			return -EINVAL;
		}
		for (size_t i = 0; i < D.nadded; i++)
			if (D.added[i] == mr->gpa) {
				violation("KVM_TDX_INIT_MEM_REGION: gpa %#llx added twice", (unsigned long long)mr->gpa);
				return -EIO;
			}
		if (inj && inj != EINTR)
			return -inj;
		D.added = xrealloc(D.added, (D.nadded + 1) * sizeof(*D.added));
		D.added[D.nadded++] = mr->gpa;
		if (mr->gpa == TDXB_GUEST_PARAMS) {
			memcpy(&D.params, (void *)(uintptr_t)mr->source_addr, sizeof(D.params));
			D.have_params = true;
		}
		if (mr->gpa == TDXB_RESET_VECTOR_PAGE) {
			const uint8_t *p = (void *)(uintptr_t)mr->source_addr;
			D.seen.reset_page_added = p[0xFF0] == 0xE9;	/* jmp rel32 at 0xFFFFFFF0 */
		}
		D.seen.pages_added++;
		if (cmd->flags)
			D.seen.measured++;
		/* KVM advances the struct in place and stops on a signal (§1.6) */
		mr->gpa += 4096;
		mr->source_addr += 4096;
		mr->nr_pages--;
		if (inj == EINTR)
			return -EINTR;
	}
	return 0;
}

static int tdx_vcpu_cmd(struct vcpu *v, int idx, struct tdxb_kvm_tdx_cmd *cmd)
{
	static const char *const names[] = { "KVM_TDX_CAPABILITIES", "KVM_TDX_INIT_VM", "KVM_TDX_INIT_VCPU",
					      "KVM_TDX_INIT_MEM_REGION", "KVM_TDX_FINALIZE_VM", "KVM_TDX_GET_CPUID" };
	int inj;

	if (cmd->id >= TDXB_KVM_TDX_CMD_NR_MAX)
		return -EINVAL;
	sbuf_addf(&D.log, "vcpu%d %s\n", idx, names[cmd->id]);
	if (cmd->hw_error)
		return -EINVAL;
	switch (cmd->id) {
	case TDXB_KVM_TDX_GET_CPUID: {
		struct tdxb_cpuid2 *c = (void *)(uintptr_t)cmd->data;
		if (D.state != VM_INIT) {
			violation("KVM_TDX_GET_CPUID: before INIT_VM or after FINALIZE (§2.2)");
			return -EINVAL;
		}
		if ((inj = injected(names[cmd->id])))
			return -inj;
		if (c->nent < 3) {
			c->nent = 3;	/* -E2BIG with nent updated (§2.2) */
			return -E2BIG;
		}
		c->nent = 3;
		c->entries[0] = (struct tdxb_cpuid_entry2){ .function = 0x1, .eax = 0x806f8, .ecx = 1u << 21 };
		c->entries[1] = (struct tdxb_cpuid_entry2){ .function = 0x7, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX };
		c->entries[2] = (struct tdxb_cpuid_entry2){ .function = 0x80000008, .eax = (GPAW << 16) | 0x34 };
		return 0;
	}
	case TDXB_KVM_TDX_INIT_VCPU:
		if (D.state != VM_INIT || v->initialized || cmd->flags) {
			violation("KVM_TDX_INIT_VCPU: TD not initialized, final, flags, or twice (§2.2)");
			return -EINVAL;
		}
		if (!v->x2apic) {
			violation("KVM_TDX_INIT_VCPU: vcpu %d CPUID lacks X2APIC: KVM_SET_CPUID2 must come first (§2.2)", idx);
			return -EINVAL;
		}
		if ((inj = injected(names[cmd->id])))
			return -inj;
		v->initialized = true;
		D.seen.vcpus_initialized++;
		return 0;
	case TDXB_KVM_TDX_INIT_MEM_REGION:
		return init_mem_region(v, cmd);
	default:
		violation("%s on a vCPU fd: a VM command (§1.2)", names[cmd->id]);
		return -EINVAL;
	}
}

/* ---- the scripted guest behind KVM_RUN ---- */

static void io_exit(struct kvm_run *run, uint32_t value)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 4;
	run->io.port = TDXB_PORT_EVENT;
	run->io.count = 1;
	run->io.data_offset = IO_DATA_OFFSET;
	memcpy((uint8_t *)run + IO_DATA_OFFSET, &value, sizeof(value));
}

static int wait_for_kick(struct kvm_run *run)
{
	while (!__atomic_load_n(&run->immediate_exit, __ATOMIC_SEQ_CST)) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return -EINTR;
}

/* Called without the lock held for the blocking cases. */
static int run_vcpu(struct vcpu *v, int idx)
{
	struct kvm_run *run = v->run;
	uint8_t *u = (uint8_t *)run + TDXB_KVM_RUN_UNION_OFFSET;
	uint32_t nph = D.have_params ? D.params.work.nphases : 0;

	if (run->immediate_exit)
		return -EINTR;
	/* what the VMM answered to the previous special exit */
	if (idx == 0 && v->special_done && v->step == 0) {
		if (D.cfg.guest == KVMD_GUEST_TDX_EXIT) {
			struct tdxb_kvm_run_tdx t;
			memcpy(&t, u, sizeof(t));
			D.seen.tdx_exit_ret = t.get_quote.ret;
		}
		if (D.cfg.guest == KVMD_GUEST_MEMFAULT)
			D.seen.private_attr_at_fault = attr_of(TDXB_GUEST_TEST_GPA + 4096);
	}
	if (idx == 0 && !v->special_done) {
		v->special_done = true;
		switch (D.cfg.guest) {
		case KVMD_GUEST_FATAL: {
			struct tdxb_kvm_run_system_event ev = { .type = TDXB_KVM_SYSTEM_EVENT_TDX_FATAL, .ndata = 16 };
			const char msg[17] = "guest says: boom";
			ev.data[1] = 0xFFCC;		/* RCX: the exposed registers */
			ev.data[12] = 0x1234;		/* R12: error code */
			memcpy(&ev.data[14], msg, 8);	/* R14, R15: the message */
			memcpy(&ev.data[15], msg + 8, 8);
			run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
			memcpy(u, &ev, sizeof(ev));
			return 0;
		}
		case KVMD_GUEST_SILENT:
			return wait_for_kick(run);
		case KVMD_GUEST_EIO:
			return -EIO;
		case KVMD_GUEST_MEMFAULT: {
			struct tdxb_kvm_memory_fault mf = { .flags = 0, .gpa = TDXB_GUEST_TEST_GPA + 4096, .size = 4096 };
			run->exit_reason = TDXB_KVM_EXIT_MEMORY_FAULT;
			memcpy(u, &mf, sizeof(mf));
			return -EFAULT;
		}
		case KVMD_GUEST_TDX_EXIT: {
			struct tdxb_kvm_run_tdx t = { .nr = TDXB_TDVMCALL_GET_QUOTE };
			t.get_quote.ret = 0;	/* the VMM must say no; KVM would pre-fill it (§1.7) */
			run->exit_reason = TDXB_KVM_EXIT_TDX;
			memcpy(u, &t, sizeof(t));
			return 0;
		}
		default:
			break;
		}
	}
	/* READY, START(0), [MapGPA], END(0), ..., DONE */
	if (v->step == 0) {
		io_exit(run, TDXB_EV_READY);
	} else if ((uint32_t)(v->step - 1) < 2 * nph) {
		uint32_t i = (uint32_t)(v->step - 1) / 2;
		bool start = (v->step - 1) % 2 == 0;
		if (!start && i == 0 && idx == 0 && D.cfg.guest == KVMD_GUEST_MAPGPA && D.seen.mapgpa_ret == ~0ULL) {
			run->exit_reason = KVM_EXIT_HYPERCALL;
			run->hypercall.nr = TDXB_KVM_HC_MAP_GPA_RANGE;
			run->hypercall.args[0] = TDXB_GUEST_TEST_GPA;	/* shared bit stripped by KVM */
			run->hypercall.args[1] = 4;
			run->hypercall.args[2] = 0;			/* to shared */
			run->hypercall.ret = 0;
			D.seen.mapgpa_ret = 0xdead;	/* "asked"; the answer is read on the next KVM_RUN */
			return 0;
		}
		if (D.seen.mapgpa_ret == 0xdead && idx == 0) {
			D.seen.mapgpa_ret = run->hypercall.ret;
			D.seen.mapgpa_attr_after = attr_of(TDXB_GUEST_TEST_GPA);
		}
		io_exit(run, (i << 8) | (start ? TDXB_EV_PHASE_START : TDXB_EV_PHASE_END));
	} else {
		io_exit(run, (nph << 8) | TDXB_EV_DONE);
	}
	v->step++;
	return 0;
}

/* ---- the ioctl entry ---- */

static int kvmd_open(void)
{
	int fd;
	pthread_mutex_lock(&D.lock);
	sbuf_addf(&D.log, "open /dev/kvm\n");
	fd = new_obj(K_KVM, 0, -1);
	pthread_mutex_unlock(&D.lock);
	return fd;
}

static const char *ioctl_name(unsigned long cmd)
{
	switch (cmd) {
	case KVM_CREATE_VM: return "KVM_CREATE_VM";
	case KVM_CHECK_EXTENSION: return "KVM_CHECK_EXTENSION";
	case KVM_GET_VCPU_MMAP_SIZE: return "KVM_GET_VCPU_MMAP_SIZE";
	case KVM_GET_SUPPORTED_CPUID: return "KVM_GET_SUPPORTED_CPUID";
	case KVM_GET_STATS_FD: return "KVM_GET_STATS_FD";
	case KVM_ENABLE_CAP: return "KVM_ENABLE_CAP";
	case KVM_CREATE_VCPU: return "KVM_CREATE_VCPU";
	case KVM_SET_CPUID2: return "KVM_SET_CPUID2";
	case KVM_GET_TSC_KHZ: return "KVM_GET_TSC_KHZ";
	case KVM_RUN: return "KVM_RUN";
	case TDXB_KVM_SET_USER_MEMORY_REGION2: return "KVM_SET_USER_MEMORY_REGION2";
	case TDXB_KVM_SET_MEMORY_ATTRIBUTES: return "KVM_SET_MEMORY_ATTRIBUTES";
	case TDXB_KVM_CREATE_GUEST_MEMFD: return "KVM_CREATE_GUEST_MEMFD";
	default: return "?";
	}
}

static int stats_fd(void)
{
	struct kvm_stats_header h = { .name_size = 48, .num_desc = 0, .id_offset = 0,
				      .desc_offset = sizeof(h), .data_offset = sizeof(h) };
	int fd = new_obj(K_STATS, 0, -1);
	if (fd >= 0 && pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -EIO;
	return fd;
}

static int vm_ioctl_locked(unsigned long cmd, void *arg)
{
	int inj;
	switch (cmd) {
	case KVM_CHECK_EXTENSION:
		switch ((long)arg) {
		case KVM_CAP_VM_TYPES: return (1 << KVM_X86_DEFAULT_VM) | (1 << TDXB_KVM_X86_TDX_VM);
		case KVM_CAP_USER_MEMORY2: return 1;
		case KVM_CAP_MEMORY_ATTRIBUTES: return (int)TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE;
		case KVM_CAP_GUEST_MEMFD: return 1;
		case KVM_CAP_MAX_VCPUS: return MAX_VCPUS_CAP;
		default: return 0;
		}
	case KVM_GET_STATS_FD:
		return stats_fd();
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap *ec = arg;
		if (ec->cap == TDXB_KVM_CAP_SPLIT_IRQCHIP) {
			if (D.nvcpus || D.split_irqchip)
				return -EEXIST;
			if (ec->args[0] > 1024)
				return -EINVAL;
			D.split_irqchip = true;
			return 0;
		}
		if (ec->cap == KVM_CAP_EXIT_HYPERCALL) {
			if (ec->args[0] != 1ULL << TDXB_KVM_HC_MAP_GPA_RANGE)
				return -EINVAL;
			D.exit_hypercall = true;
			return 0;
		}
		return -EINVAL;
	}
	case KVM_MEMORY_ENCRYPT_OP:
		return tdx_vm_cmd(arg);
	case KVM_CREATE_VCPU: {
		long id = (long)arg;
		int fd;
		if ((inj = injected("KVM_CREATE_VCPU")))
			return -inj;
		if (D.state != VM_INIT) {
			violation("KVM_CREATE_VCPU: TD %s (§2.2)", D.state == VM_UNINIT ? "not initialized" : "already final");
			return -EIO;
		}
		if (!D.split_irqchip) {
			violation("KVM_CREATE_VCPU: no split irqchip (§2.3)");
			return -EINVAL;
		}
		if (id != D.nvcpus || id >= MAX_VCPUS_CAP)
			return -EINVAL;
		fd = new_obj(K_VCPU, RUN_SIZE, (int)id);
		if (fd < 0)
			return fd;
		D.vcpus[id].created = true;
		D.vcpus[id].run = mmap(NULL, RUN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		D.nvcpus++;
		return fd;
	}
	case TDXB_KVM_CREATE_GUEST_MEMFD: {
		struct tdxb_kvm_create_guest_memfd *g = arg;
		if (g->flags & TDXB_GUEST_MEMFD_FLAG_INIT_SHARED) {
			violation("KVM_CREATE_GUEST_MEMFD: INIT_SHARED on a TD (§1.1)");
			return -EINVAL;
		}
		return new_obj(K_GMEM, g->size, -1);
	}
	case TDXB_KVM_SET_USER_MEMORY_REGION2: {
		struct tdxb_kvm_userspace_memory_region2 *r = arg;
		if (r->slot >= ARRAY_SIZE(D.slots) || (r->flags & KVM_MEM_READONLY) ||
		    ((r->flags & KVM_MEM_LOG_DIRTY_PAGES) && (r->flags & KVM_MEM_GUEST_MEMFD))) {
			violation("KVM_SET_USER_MEMORY_REGION2: slot %u flags %#x not allowed on a TD (§2.2)", r->slot, r->flags);
			return -EINVAL;
		}
		if (r->guest_phys_addr + r->memory_size > 1ULL << (GPAW - 1)) {
			violation("KVM_SET_USER_MEMORY_REGION2: slot reaches the shared bit");
			return -EINVAL;
		}
		D.slots[r->slot] = (struct slot){ r->guest_phys_addr, r->memory_size, !!(r->flags & KVM_MEM_GUEST_MEMFD) };
		return 0;
	}
	case TDXB_KVM_SET_MEMORY_ATTRIBUTES: {
		struct tdxb_kvm_memory_attributes *a = arg;
		if (a->flags || (a->attributes & ~TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE) || (a->address | a->size) & 4095 ||
		    D.nattrs == MAX_ATTRS)
			return -EINVAL;
		D.attrs[D.nattrs].start = a->address;
		D.attrs[D.nattrs].end = a->address + a->size;
		D.attrs[D.nattrs++].attr = a->attributes;
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static int vcpu_ioctl_locked(struct obj *o, unsigned long cmd, void *arg, bool *run)
{
	struct vcpu *v = &D.vcpus[o->vcpu];
	switch (cmd) {
	case KVM_GET_STATS_FD:
		return stats_fd();
	case KVM_SET_CPUID2: {
		struct kvm_cpuid2 *c = arg;
		for (uint32_t i = 0; i < c->nent; i++)
			if (c->entries[i].function == 1)
				v->x2apic = c->entries[i].ecx & (1u << 21);
		return 0;
	}
	case KVM_MEMORY_ENCRYPT_OP:
		return tdx_vcpu_cmd(v, o->vcpu, arg);
	case KVM_GET_TSC_KHZ:
		return 2000000;
	case KVM_GET_REGS: case KVM_SET_REGS: case KVM_GET_SREGS: case KVM_SET_SREGS:
		return -EINVAL;	/* protected state (§2.4) */
	case KVM_RUN:
		if (D.state != VM_RUNNABLE || !v->initialized) {
			violation("KVM_RUN: vcpu %d before FINALIZE or INIT_VCPU (§2.2)", o->vcpu);
			return -EINVAL;
		}
		*run = true;
		return 0;
	default:
		return -ENOTTY;
	}
}

static int kvmd_ioctl(int fd, unsigned long cmd, void *arg)
{
	struct obj *o;
	bool run = false;
	int r;

	pthread_mutex_lock(&D.lock);
	o = find_obj(fd);
	if (!o) {
		pthread_mutex_unlock(&D.lock);
		return -EBADF;
	}
	if (cmd != KVM_MEMORY_ENCRYPT_OP && cmd != KVM_RUN) {
		if (o->kind == K_VCPU)
			sbuf_addf(&D.log, "vcpu%d %s\n", o->vcpu, ioctl_name(cmd));
		else
			sbuf_addf(&D.log, "%s %s\n", o->kind == K_KVM ? "kvm" : "vm", ioctl_name(cmd));
	}
	switch (o->kind) {
	case K_KVM:
		if (cmd == KVM_CREATE_VM) {
			if ((long)arg != TDXB_KVM_X86_TDX_VM && (long)arg != KVM_X86_DEFAULT_VM)
				r = -EINVAL;
			else if ((r = injected("KVM_CREATE_VM")))
				r = -r;
			else
				r = new_obj(K_VM, 0, -1);
		} else if (cmd == KVM_GET_VCPU_MMAP_SIZE) {
			r = RUN_SIZE;
		} else if (cmd == KVM_GET_SUPPORTED_CPUID) {
			struct kvm_cpuid2 *c = arg;
			r = c->nent < 8 ? -E2BIG : 0;
			if (!r)
				fill_supported_cpuid(c);
		} else if (cmd == KVM_CHECK_EXTENSION) {
			r = vm_ioctl_locked(cmd, arg);
		} else {
			r = -ENOTTY;
		}
		break;
	case K_VM:
		r = vm_ioctl_locked(cmd, arg);
		break;
	case K_VCPU:
		r = vcpu_ioctl_locked(o, cmd, arg, &run);
		break;
	default:
		r = -ENOTTY;
	}
	if (run) {
		struct vcpu *v = &D.vcpus[o->vcpu];
		int idx = o->vcpu;
		bool blocks = idx == 0 && !v->special_done && D.cfg.guest == KVMD_GUEST_SILENT;
		if (blocks) {
			v->special_done = true;
			pthread_mutex_unlock(&D.lock);
			return wait_for_kick(v->run);
		}
		r = run_vcpu(v, idx);
	}
	pthread_mutex_unlock(&D.lock);
	return r;
}

static const struct vmm_sys kvmd_sys = { kvmd_open, kvmd_ioctl };

void kvmd_install(const struct kvmd_config *c)
{
	kvmd_uninstall();
	D.cfg = *c;
	D.fail_left = c->fail_times ? c->fail_times : 1;
	D.supported_attrs = TDXB_TD_ATTR_SEPT_VE_DISABLE;
	D.seen.mapgpa_ret = ~0ULL;
	D.seen.mapgpa_attr_after = ~0ULL;
	vmm_sys = &kvmd_sys;
}

void kvmd_uninstall(void)
{
	for (int i = 0; i < MAX_VCPUS; i++)
		if (D.vcpus[i].run)
			munmap(D.vcpus[i].run, RUN_SIZE);
	free(D.added);
	sbuf_free(&D.log);
	sbuf_free(&D.viol);
	memset(&D.cfg, 0, sizeof(D) - offsetof(__typeof__(D), cfg));
	vmm_sys = &vmm_sys_kernel;
}

const char *kvmd_log(void)
{
	return D.log.buf ? D.log.buf : "";
}

int kvmd_line_index(const char *log, const char *line, int from)
{
	const char *p = log;
	size_t len = strlen(line);
	for (int i = 0; *p; i++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (i >= from && n == len && !memcmp(p, line, len))
			return i;
		p += n + (nl ? 1 : 0);
	}
	return -1;
}

const char *kvmd_violations(void)
{
	return D.viol.buf ? D.viol.buf : "";
}

int kvmd_open_fds(void)
{
	int n = 0;
	for (size_t i = 0; i < D.nobjs; i++) {
		struct stat st;
		if (!fstat(D.objs[i].fd, &st) && st.st_ino == D.objs[i].ino)
			n++;
	}
	return n;
}

const struct kvmd_seen *kvmd_seen(void)
{
	D.seen.platform = D.params.platform;
	D.seen.conv_call = D.params.conv_call;
	D.seen.shared_bit_param = D.params.shared_bit;
	return &D.seen;
}
