/*
 * One repetition in a real VM: load the guest image, hand it the phase list,
 * run one thread per vCPU, and measure each phase between two host-side
 * barriers (all vCPUs report PHASE_START, the last arrival snapshots the
 * stats and starts the clock; the same at PHASE_END), as memstress starts
 * all vCPUs together. A monitor thread samples the stats as time series and
 * is the watchdog.
 */
#include "backend/kvm/settings.h"
#include "backend/kvm/pin.h"
#include "lib/util.h"
#include "sample/tracepoints.h"
#include "sample/vmstat.h"
#include "guest-images/abi.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const uint8_t tdxb_guest_image[], tdxb_guest_image_end[];

/* vCPU stats summed over vCPUs, and VM stats, recorded per phase and per run. */
static const char *const vcpu_stat_names[] = {
	"pf_taken", "pf_fixed", "pf_emulate", "pf_spurious", "pf_fast", "pf_guest",
	"exits", "io_exits", "mmio_exits", "hypercalls", "tlb_flush", "halt_exits",
};
static const char *const vm_stat_names[] = {
	"pages_4k", "pages_2m", "pages_1g", "remote_tlb_flush", "mmu_shadow_zapped", "nx_lpage_splits",
};
#define NVCPU_STATS ARRAY_SIZE(vcpu_stat_names)
#define NVM_STATS ARRAY_SIZE(vm_stat_names)

struct snap {
	uint64_t t;
	uint64_t vcpu[NVCPU_STATS];	/* summed over vCPUs */
	uint64_t vm[NVM_STATS];
	struct vmstat_snap vmstat;
};

struct phase_rec {
	struct snap start, end;
	uint64_t trace_before[TP_MAX_EVENTS];	/* tracepoint counts since the previous phase ended */
	uint64_t trace[TP_MAX_EVENTS];		/* ... during the phase */
	uint64_t pages, conversions;
	uint32_t *lat;			/* conversion round trips, TSC cycles */
	size_t nlat;
	bool lat_truncated;
	bool done;
};

struct sample_buf {
	double *t, *v;
	int *series;
	size_t n, cap;
};

enum { SER_PF_FIXED, SER_PF_TAKEN, SER_EXITS, SER_PAGES_4K, SER_PAGES_2M, SER_GUEST_UNITS, SER_NR };
static const char *const series_names[SER_NR] = {
	"pf_fixed", "pf_taken", "exits", "pages_4k", "pages_2m", "guest_units_done",
};

struct kvm_run_ctx {
	const struct run_spec *spec;
	const struct kvm_settings *set;
	struct kvm_vm vm;
	struct guest_mem low, test;
	struct kvm_layout layout;
	struct kvm_vcpu *vcpus;
	uint32_t nvcpus;
	struct tdxb_guest_params *params;
	uint8_t *mailbox;
	uint64_t tsc_khz;
	/* stat indexes, -1 where this kernel lacks the stat */
	int vcpu_idx[NVCPU_STATS], vm_idx[NVM_STATS];
	uint64_t *statbuf;		/* scratch, big enough for any stats block */
	/* barrier */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t arrived, bar_event, bar_phase;
	uint64_t generation;
	uint32_t next_phase;
	/* failure */
	volatile int stop;
	bool failed, aborted;
	char fail_msg[512];
	volatile int wd_vcpu;		/* vCPU the watchdog kicked, -1 */
	uint64_t events;		/* port events seen: watchdog activity */
	/* results */
	struct phase_rec *ph;
	uint32_t nph;
	uint64_t t0;
	pthread_t monitor;
	bool monitor_started;
	volatile int monitor_quit;
	struct sample_buf samples;
	struct tracepoints *tp;		/* NULL: not tracing */
	char trace_off_why[256];
};

/* Which vendor module runs the VMs: kvm_pvm (no VMX/SVM, shadow paging) keeps different stats. */
static const char *kvm_vendor_module(void)
{
	static const char *const mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0)
			return mods[i];
	}
	return "unknown";
}

const char *run_phase_label(struct kvm_run_ctx *ctx, uint32_t vcpu_id, char *buf, size_t len)
{
	volatile struct tdxb_mbox_vcpu *slot = TDXB_MBOX_SLOT(ctx->mailbox, vcpu_id);
	uint32_t i = slot->phase;
	if (vcpu_id >= ctx->nvcpus || i >= ctx->nph)
		snprintf(buf, len, "boot");
	else if (!ctx->ph[i].start.t)
		snprintf(buf, len, "boot, before phase %u (%s)", i, wl_phase_kind_name(ctx->spec->work.phases[i].kind));
	else
		snprintf(buf, len, "phase %u (%s)", i, wl_phase_kind_name(ctx->spec->work.phases[i].kind));
	return buf;
}

static void stop_all(struct kvm_run_ctx *ctx)
{
	ctx->stop = 1;
	pthread_cond_broadcast(&ctx->cond);
	for (uint32_t i = 0; i < ctx->nvcpus; i++)
		vcpu_kick(&ctx->vcpus[i]);
}

void run_fail(struct kvm_run_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&ctx->lock);
	if (!ctx->failed && !ctx->aborted) {
		ctx->failed = true;
		va_start(ap, fmt);
		vsnprintf(ctx->fail_msg, sizeof(ctx->fail_msg), fmt, ap);
		va_end(ap);
	}
	stop_all(ctx);
	pthread_mutex_unlock(&ctx->lock);
}

bool run_stopping(const struct kvm_run_ctx *ctx)
{
	return ctx->stop;
}

int run_on_kick(struct kvm_vcpu *vcpu)
{
	struct kvm_run_ctx *ctx = vcpu->ctx;
	char where[96];
	if (ctx->wd_vcpu == (int)vcpu->id) {
		run_fail(ctx, "guest stopped reporting progress for %llu ms (watchdog) on vcpu %u at rip %#llx in %s",
			 (unsigned long long)ctx->set->watchdog_ms, vcpu->id, (unsigned long long)vcpu_rip(vcpu),
			 run_phase_label(ctx, vcpu->id, where, sizeof(where)));
		return -1;
	}
	return ctx->stop ? -1 : 0;
}

/* ---- snapshots ---- */

static void take_snap(struct kvm_run_ctx *ctx, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	for (uint32_t v = 0; v < ctx->nvcpus; v++) {
		struct kvm_stats *st = &ctx->vcpus[v].stats;
		if (kvm_stats_read(st, ctx->statbuf))
			continue;
		for (size_t i = 0; i < NVCPU_STATS; i++)
			s->vcpu[i] += kvm_stats_value(st, ctx->statbuf, ctx->vcpu_idx[i]);
	}
	if (!kvm_stats_read(&ctx->vm.stats, ctx->statbuf))
		for (size_t i = 0; i < NVM_STATS; i++)
			s->vm[i] = kvm_stats_value(&ctx->vm.stats, ctx->statbuf, ctx->vm_idx[i]);
	vmstat_read(&s->vmstat);
}

/* ---- barrier at phase boundaries ---- */

static void on_all_arrived(struct kvm_run_ctx *ctx, uint32_t event, uint32_t i)
{
	struct phase_rec *p = &ctx->ph[i];
	uint64_t t;
	/* every vCPU is parked here: the drain cuts the event stream exactly at the boundary */
	if (event == TDXB_EV_PHASE_START) {
		if (ctx->tp)
			tp_mark(ctx->tp, p->trace_before);
		take_snap(ctx, &p->start);
		p->start.t = now_ns();	/* after the snapshot: not part of the phase */
		return;
	}
	t = now_ns();
	take_snap(ctx, &p->end);
	p->end.t = t;
	if (ctx->tp)
		tp_mark(ctx->tp, p->trace);
	for (uint32_t v = 0; v < ctx->nvcpus; v++) {
		volatile struct tdxb_mbox_vcpu *slot = TDXB_MBOX_SLOT(ctx->mailbox, v);
		const uint32_t *log = (const uint32_t *)((uint8_t *)ctx->low.hva + TDXB_GUEST_LATLOG +
							  (uint64_t)v * TDXB_GUEST_LATLOG_PER_VCPU);
		uint32_t n = MIN(slot->lat_n, TDXB_GUEST_LATLOG_PER_VCPU / 4);
		p->pages += slot->pages;
		p->conversions += slot->conversions;
		if (slot->conversions > n)
			p->lat_truncated = true;
		if (n) {
			p->lat = xrealloc(p->lat, (p->nlat + n) * sizeof(*p->lat));
			memcpy(p->lat + p->nlat, log, n * sizeof(*log));
			p->nlat += n;
		}
	}
	p->done = true;
	ctx->next_phase = i + 1;
}

static int barrier(struct kvm_vcpu *vcpu, uint32_t event, uint32_t i)
{
	struct kvm_run_ctx *ctx = vcpu->ctx;
	uint64_t gen;
	char where[96];

	pthread_mutex_lock(&ctx->lock);
	if (ctx->stop)
		goto stopped;
	if (ctx->arrived == 0) {
		uint32_t want = ctx->next_phase;
		if (i != want || i >= ctx->nph) {
			pthread_mutex_unlock(&ctx->lock);
			run_fail(ctx, "guest protocol error: vcpu %u reported %s of phase %u, expected phase %u",
				 vcpu->id, event == TDXB_EV_PHASE_START ? "start" : "end", i, want);
			return -1;
		}
		ctx->bar_event = event;
		ctx->bar_phase = i;
	} else if (ctx->bar_event != event || ctx->bar_phase != i) {
		pthread_mutex_unlock(&ctx->lock);
		run_fail(ctx, "guest protocol error: vcpu %u reported event %u of phase %u while others wait at event %u of phase %u (%s)",
			 vcpu->id, event, i, ctx->bar_event, ctx->bar_phase,
			 run_phase_label(ctx, vcpu->id, where, sizeof(where)));
		return -1;
	}
	vcpu->state = VCPU_PARKED;
	if (++ctx->arrived == ctx->nvcpus) {
		on_all_arrived(ctx, event, i);
		ctx->arrived = 0;
		ctx->generation++;
		pthread_cond_broadcast(&ctx->cond);
	} else {
		gen = ctx->generation;
		while (gen == ctx->generation && !ctx->stop)
			pthread_cond_wait(&ctx->cond, &ctx->lock);
		if (ctx->stop)
			goto stopped;
	}
	vcpu->state = VCPU_IN_GUEST;
	pthread_mutex_unlock(&ctx->lock);
	return 0;
stopped:
	pthread_mutex_unlock(&ctx->lock);
	return -1;
}

int run_on_event(struct kvm_vcpu *vcpu, uint32_t value)
{
	struct kvm_run_ctx *ctx = vcpu->ctx;
	uint32_t event = value & 0xff, phase = value >> 8;
	volatile struct tdxb_mbox_vcpu *slot = TDXB_MBOX_SLOT(ctx->mailbox, vcpu->id);
	char where[96];

	__atomic_add_fetch(&ctx->events, 1, __ATOMIC_RELAXED);
	switch (event) {
	case TDXB_EV_READY:
		return 0;
	case TDXB_EV_PHASE_START:
	case TDXB_EV_PHASE_END:
		return barrier(vcpu, event, phase);
	case TDXB_EV_DONE:
		if (phase != ctx->nph || ctx->next_phase != ctx->nph) {
			run_fail(ctx, "guest protocol error: vcpu %u done after %u of %u phases", vcpu->id,
				 ctx->next_phase, ctx->nph);
			return -1;
		}
		return 1;
	case TDXB_EV_CONVERT: {
		uint64_t ret = ~0ULL;
		int r = run_on_map_gpa(vcpu, slot->conv_gpa, slot->conv_npages, slot->conv_attrs, &ret);
		slot->conv_ret = ret;
		return r;
	}
	case TDXB_EV_PANIC: {
		char msg[TDXB_MBOX_MSG_LEN + 1];
		for (size_t k = 0; k < TDXB_MBOX_MSG_LEN; k++)
			msg[k] = slot->msg[k];
		msg[TDXB_MBOX_MSG_LEN] = 0;
		run_fail(ctx, "guest panic on vcpu %u in %s: %s", vcpu->id,
			 run_phase_label(ctx, vcpu->id, where, sizeof(where)), msg);
		return -1;
	}
	default:
		run_fail(ctx, "guest protocol error: unknown event %u from vcpu %u at rip %#llx", event, vcpu->id,
			 (unsigned long long)vcpu_rip(vcpu));
		return -1;
	}
}

/*
 * KVM_HC_MAP_GPA_RANGE, the exit a TD's MapGPA also becomes (td-launch.md
 * §3.3). With private memory: flip the attribute and discard the old side.
 * Without (default VM type): discard the range so KVM zaps its mapping and
 * the guest refaults — recorded as the run's conversion_method.
 */
int run_on_map_gpa(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t attrs, uint64_t *ret)
{
	struct kvm_run_ctx *ctx = vcpu->ctx;
	struct guest_mem *m = &ctx->test;
	uint64_t len = npages * 4096, off = gpa - m->gpa;
	bool to_private = attrs & TDXB_MAP_GPA_ENCRYPTED;
	char err[256];

	__atomic_add_fetch(&ctx->events, 1, __ATOMIC_RELAXED);
	if (gpa < m->gpa || npages == 0 || off + len > m->size || len / 4096 != npages) {
		run_fail(ctx, "guest asked to convert gpa %#llx + %llu pages outside the test memory",
			 (unsigned long long)gpa, (unsigned long long)npages);
		return -1;
	}
	if (ctx->vm.private_mem && m->gmem_fd >= 0) {
		if (vm_set_memory_attributes(&ctx->vm, gpa, len, to_private ? TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
					     err, sizeof(err)) ||
		    guest_mem_discard(m, off, len, !to_private, err, sizeof(err)))
			goto fail;
	} else if (guest_mem_discard(m, off, len, false, err, sizeof(err))) {
		goto fail;
	}
	*ret = 0;
	return 0;
fail:
	run_fail(ctx, "conversion of gpa %#llx (+%llu pages) failed: %s", (unsigned long long)gpa,
		 (unsigned long long)npages, err);
	return -1;
}

/* ---- monitor: sampler + watchdog + Ctrl-C ---- */

static void sample_add(struct sample_buf *b, int series, double t, double v)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->t = xrealloc(b->t, b->cap * sizeof(*b->t));
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
		b->series = xrealloc(b->series, b->cap * sizeof(*b->series));
	}
	b->t[b->n] = t;
	b->v[b->n] = v;
	b->series[b->n] = series;
	b->n++;
}

static uint64_t guest_activity(struct kvm_run_ctx *ctx, uint64_t *units)
{
	uint64_t a = __atomic_load_n(&ctx->events, __ATOMIC_RELAXED);
	*units = 0;
	for (uint32_t v = 0; v < ctx->nvcpus; v++) {
		volatile struct tdxb_mbox_vcpu *slot = TDXB_MBOX_SLOT(ctx->mailbox, v);
		a += slot->progress + slot->heartbeat;
		*units += slot->progress;
	}
	return a;
}

static void *monitor_thread(void *arg)
{
	struct kvm_run_ctx *ctx = arg;
	uint64_t tick_ns = MIN(ctx->set->sample_ms, MAX(ctx->set->watchdog_ms / 4, 1)) * 1000000ULL;
	uint64_t last_act = ~0ULL, last_change = now_ns(), last_sample = 0, wd_kick = 0;
	struct snap s;

	tick_ns = MAX(tick_ns, 1000000ULL);
	while (!ctx->monitor_quit && !ctx->stop) {
		struct timespec ts = { (time_t)(tick_ns / 1000000000ULL), (long)(tick_ns % 1000000000ULL) };
		uint64_t now, units, act;
		nanosleep(&ts, NULL);
		now = now_ns();
		if (ctx->spec->abort_now && *ctx->spec->abort_now) {
			pthread_mutex_lock(&ctx->lock);
			ctx->aborted = true;
			stop_all(ctx);
			pthread_mutex_unlock(&ctx->lock);
			break;
		}
		act = guest_activity(ctx, &units);
		if (act != last_act) {
			last_act = act;
			last_change = now;
		} else if (now - last_change > ctx->set->watchdog_ms * 1000000ULL) {
			bool anyone_in_guest = false;
			for (uint32_t v = 0; v < ctx->nvcpus; v++) {
				struct kvm_vcpu *vc = &ctx->vcpus[v];
				if (vc->state == VCPU_IN_GUEST || vc->state == VCPU_BOOTING) {
					anyone_in_guest = true;
					if (!wd_kick) {
						ctx->wd_vcpu = (int)v;
						vcpu_kick(vc);
						wd_kick = now;
					}
					break;
				}
			}
			if (!anyone_in_guest)
				last_change = now;	/* all parked in the host: not the guest's fault */
			else if (wd_kick && now - wd_kick > ctx->set->watchdog_ms * 1000000ULL)
				run_fail(ctx, "guest stopped reporting progress for %llu ms (watchdog) and vcpu %d did not leave KVM_RUN",
					 (unsigned long long)ctx->set->watchdog_ms, ctx->wd_vcpu);
		}
		if (now - last_sample >= ctx->set->sample_ms * 1000000ULL) {
			double t = (double)(now - ctx->t0);
			last_sample = now;
			take_snap(ctx, &s);
			sample_add(&ctx->samples, SER_PF_FIXED, t, (double)s.vcpu[1]);
			sample_add(&ctx->samples, SER_PF_TAKEN, t, (double)s.vcpu[0]);
			sample_add(&ctx->samples, SER_EXITS, t, (double)s.vcpu[6]);
			sample_add(&ctx->samples, SER_PAGES_4K, t, (double)s.vm[0]);
			sample_add(&ctx->samples, SER_PAGES_2M, t, (double)s.vm[1]);
			sample_add(&ctx->samples, SER_GUEST_UNITS, t, (double)units);
		}
	}
	return NULL;
}

/* ---- setup / teardown ---- */

static int setup_vm(struct kvm_run_ctx *ctx, char *err, size_t errlen)
{
	const struct kvm_settings *s = ctx->set;
	const struct tdxb_workload *w = &ctx->spec->work;
	size_t image_len = (size_t)(tdxb_guest_image_end - tdxb_guest_image);
	unsigned long type = s->vm_kind == VMK_SW_PROTECTED ? KVM_X86_SW_PROTECTED_VM : KVM_X86_DEFAULT_VM;
	size_t words = 0;
	int r;

	r = vm_create(&ctx->vm, type, err, errlen);
	if (r < 0)
		return r;
	if (s->vm_kind == VMK_SW_PROTECTED && !ctx->vm.private_mem) {
		snprintf(err, errlen, "vm_type=sw-protected: KVM_CAP_MEMORY_ATTRIBUTES lacks PRIVATE on this VM");
		return -EOPNOTSUPP;
	}
	/* MAP_GPA_RANGE exits to us: the conversion request, as MapGPA in a TD */
	r = vm_enable_cap(&ctx->vm, KVM_CAP_EXIT_HYPERCALL, 1ULL << TDXB_KVM_HC_MAP_GPA_RANGE, err, errlen);
	if (r < 0)
		return r;

	ctx->low.slot = 0;
	ctx->low.gpa = 0;
	ctx->low.size = ctx->layout.low_bytes;
	r = guest_mem_alloc(&ctx->vm, &ctx->low, BACKING_ANON, false, err, errlen);
	if (r < 0)
		return r;
	r = vm_set_memslot(&ctx->vm, &ctx->low, err, errlen);
	if (r < 0)
		return r;
	ctx->test.slot = 1;
	ctx->test.gpa = TDXB_GUEST_TEST_GPA;
	ctx->test.size = w->mem_bytes;
	r = guest_mem_alloc(&ctx->vm, &ctx->test, s->backing, s->vm_kind == VMK_SW_PROTECTED, err, errlen);
	if (r < 0)
		return r;
	r = vm_set_memslot(&ctx->vm, &ctx->test, err, errlen);
	if (r < 0)
		return r;
	if (s->vm_kind == VMK_SW_PROTECTED) {
		/* test memory starts private, as a TD's does */
		r = vm_set_memory_attributes(&ctx->vm, ctx->test.gpa, ctx->test.size,
					     TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE, err, errlen);
		if (r < 0)
			return r;
	}

	if (image_len > TDXB_GUEST_IMAGE_MAX) {
		snprintf(err, errlen, "guest image is %zu bytes, more than the manifest allows", image_len);
		return -E2BIG;
	}
	memcpy((uint8_t *)ctx->low.hva + TDXB_GUEST_LOAD, tdxb_guest_image, image_len);
	ctx->params = (struct tdxb_guest_params *)((uint8_t *)ctx->low.hva + TDXB_GUEST_PARAMS);
	ctx->mailbox = (uint8_t *)ctx->low.hva + TDXB_GUEST_MAILBOX;

	ctx->vcpus = xcalloc(ctx->nvcpus, sizeof(*ctx->vcpus));
	for (uint32_t i = 0; i < ctx->nvcpus; i++)
		ctx->vcpus[i].fd = -1;
	for (uint32_t i = 0; i < ctx->nvcpus; i++) {
		r = vcpu_create(&ctx->vm, &ctx->vcpus[i], i, err, errlen);
		if (r < 0)
			return r;
		ctx->vcpus[i].ctx = ctx;
		r = vcpu_set_td_boot_state(&ctx->vcpus[i], TDXB_GUEST_ENTRY, err, errlen);
		if (r < 0)
			return r;
		words = MAX(words, ctx->vcpus[i].stats.data_words);
	}
	words = MAX(words, ctx->vm.stats.data_words);
	ctx->statbuf = xcalloc(words + 1, sizeof(uint64_t));
	for (size_t i = 0; i < NVCPU_STATS; i++)
		ctx->vcpu_idx[i] = kvm_stats_find(&ctx->vcpus[0].stats, vcpu_stat_names[i]);
	for (size_t i = 0; i < NVM_STATS; i++)
		ctx->vm_idx[i] = kvm_stats_find(&ctx->vm.stats, vm_stat_names[i]);
	r = __vcpu_ioctl(&ctx->vcpus[0], KVM_GET_TSC_KHZ, NULL);
	ctx->tsc_khz = r > 0 ? (uint64_t)r : 0;
	if (!ctx->tsc_khz) {
		snprintf(err, errlen, "KVM_GET_TSC_KHZ failed: %s", strerror(r < 0 ? -r : EINVAL));
		return r < 0 ? r : -EINVAL;
	}

	ctx->params->magic = TDXB_PARAMS_MAGIC;
	ctx->params->version = TDXB_PARAMS_VERSION;
	ctx->params->platform = TDXB_PLAT_KVM;
	ctx->params->conv_call = s->conv_hypercall ? (vm_cpu_is_amd(&ctx->vm) ? TDXB_CONV_VMMCALL : TDXB_CONV_VMCALL)
						   : TDXB_CONV_PORT;
	ctx->params->pt_gran = s->pt_gran;
	ctx->params->nvcpus = ctx->nvcpus;
	ctx->params->low_bytes = ctx->layout.low_bytes;
	ctx->params->ptpool_gpa = ctx->layout.ptpool_gpa;
	ctx->params->ptpool_bytes = ctx->layout.ptpool_bytes;
	ctx->params->test_gpa = ctx->test.gpa;
	ctx->params->test_bytes = ctx->test.size;
	ctx->params->tsc_khz = ctx->tsc_khz;
	ctx->params->shared_bit = 0;
	ctx->params->work = *w;
	return 0;
}

static void teardown_vm(struct kvm_run_ctx *ctx)
{
	for (uint32_t i = 0; ctx->vcpus && i < ctx->nvcpus; i++)
		if (ctx->vcpus[i].vm)
			vcpu_destroy(&ctx->vcpus[i]);
	free(ctx->vcpus);
	ctx->vcpus = NULL;
	guest_mem_free(&ctx->test);
	guest_mem_free(&ctx->low);
	vm_destroy(&ctx->vm);
}

/* ---- metrics ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of sorted v */
static uint32_t pct(const uint32_t *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);
	return v[k ? MIN(k, n) - 1 : 0];
}

/*
 * Per-page accounting: traced events per 4K page the guest touched, per phase
 * (phase<i>_<name>) and over the fault phases (<name>). A name is emitted when
 * at least one of its events is traced (trace_events=per-page traces them all).
 */
static const struct {
	const char *name;
	const char *events[2];
} per_page[] = {
	{ "exits_per_page", { "kvm_exit" } },
	{ "emulated_insns_per_page", { "kvm_emulate_insn" } },
	{ "pt_walks_per_page", { "kvm_mmu_pagetable_walk" } },
	{ "host_faults_per_page", { "page_fault_user", "page_fault_kernel" } },
};

static void emit_per_page(struct kvm_run_ctx *ctx, struct run_result *res)
{
	const struct tdxb_workload *w = &ctx->spec->work;
	size_t nev = tp_nevents(ctx->tp);
	char name[128];

	for (size_t m = 0; m < ARRAY_SIZE(per_page); m++) {
		uint64_t fault_n = 0, fault_pages = 0;
		bool traced = false;
		int idx[2] = { -1, -1 };
		for (size_t e = 0; e < ARRAY_SIZE(per_page[m].events); e++)
			for (size_t k = 0; per_page[m].events[e] && k < nev; k++)
				if (!strcmp(tp_event_name(ctx->tp, k), per_page[m].events[e])) {
					idx[e] = (int)k;
					traced = true;
				}
		if (!traced)
			continue;
		for (uint32_t i = 0; i < ctx->nph; i++) {
			const struct phase_rec *p = &ctx->ph[i];
			uint64_t n = 0;
			for (size_t e = 0; e < 2; e++)
				n += idx[e] >= 0 ? p->trace[idx[e]] : 0;
			if (!p->pages)
				continue;
			snprintf(name, sizeof(name), "phase%u_%s", i, per_page[m].name);
			result_metric(res, name, (double)n / (double)p->pages, "ops/page");
			if (w->phases[i].kind == TDXB_PH_FAULT) {
				fault_n += n;
				fault_pages += p->pages;
			}
		}
		if (fault_pages)
			result_metric(res, per_page[m].name, (double)fault_n / (double)fault_pages, "ops/page");
	}
}

/*
 * Tracepoint counts per phase, and per run from the first phase's start to the
 * last one's end (the gaps between phases included, as for the KVM stats).
 */
static void emit_trace(struct kvm_run_ctx *ctx, struct run_result *res)
{
	size_t nev = tp_nevents(ctx->tp);
	uint64_t lost = tp_lost(ctx->tp);
	struct sbuf sb = SBUF_INIT;
	char name[128];

	for (size_t k = 0; k < nev; k++) {
		uint64_t total = 0;
		for (uint32_t i = 0; i < ctx->nph; i++) {
			total += ctx->ph[i].trace[k] + (i ? ctx->ph[i].trace_before[k] : 0);
			snprintf(name, sizeof(name), "phase%u_trace_%s", i, tp_event_name(ctx->tp, k));
			result_metric(res, name, (double)ctx->ph[i].trace[k], "ops");
		}
		snprintf(name, sizeof(name), "trace_%s", tp_event_name(ctx->tp, k));
		result_metric(res, name, (double)total, "ops");
		sbuf_addf(&sb, "%s%s", k ? " " : "", tp_event_full_name(ctx->tp, k));
	}
	result_metric(res, "trace_lost", (double)lost, "ops");
	emit_per_page(ctx, res);
	result_note(res, "trace", "%s counted in private tracefs instance %s (%llu KiB/CPU, this process's threads "
		    "only); %llu events lost%s%s%s", sb.buf, tp_instance_name(ctx->tp),
		    (unsigned long long)ctx->set->trace_buffer_kb, (unsigned long long)lost,
		    lost ? " (buffer overflowed between drains: counts are low; raise trace_buffer_kb)" : "",
		    *tp_skipped(ctx->tp) ? "; not on this kernel: " : "", tp_skipped(ctx->tp));
	sbuf_free(&sb);
}

static void emit_metrics(struct kvm_run_ctx *ctx, struct run_result *res)
{
	const struct tdxb_workload *w = &ctx->spec->work;
	uint64_t wall = 0, fault_wall = 0, fault_pages = 0, conv = 0, conv_wall = 0, touched = 0;
	uint32_t *lat = NULL;
	size_t nlat = 0;
	bool lat_trunc = false;
	char name[96];
	const struct phase_rec *first = &ctx->ph[0], *last = &ctx->ph[ctx->nph - 1];

	for (uint32_t i = 0; i < ctx->nph; i++) {
		const struct phase_rec *p = &ctx->ph[i];
		const struct tdxb_phase *ph = &w->phases[i];
		uint64_t dt = p->end.t - p->start.t;
		wall += dt;
		snprintf(name, sizeof(name), "phase%u_wall_ns", i);
		result_metric(res, name, (double)dt, "ns");
		snprintf(name, sizeof(name), "phase%u_pages", i);
		result_metric(res, name, (double)p->pages, "pages");
		for (size_t k = 0; k < NVCPU_STATS; k++) {
			/* per phase only the fault and exit counters; the rest per run */
			if (ctx->vcpu_idx[k] < 0 || (strcmp(vcpu_stat_names[k], "pf_taken") &&
						     strcmp(vcpu_stat_names[k], "pf_fixed") &&
						     strcmp(vcpu_stat_names[k], "exits")))
				continue;
			snprintf(name, sizeof(name), "phase%u_%s", i, vcpu_stat_names[k]);
			result_metric(res, name, (double)(p->end.vcpu[k] - p->start.vcpu[k]), "ops");
		}
		if (ph->kind == TDXB_PH_FAULT) {
			fault_wall += dt;
			fault_pages += p->pages;
			touched += p->pages;
			if (dt) {
				snprintf(name, sizeof(name), "phase%u_pages_per_sec_per_vcpu", i);
				result_metric(res, name, (double)p->pages / ((double)dt / 1e9) / ctx->nvcpus, "pages/s");
			}
		}
		if (ph->kind == TDXB_PH_CONVERT) {
			conv += p->conversions;
			conv_wall += dt;
			snprintf(name, sizeof(name), "phase%u_conversions", i);
			result_metric(res, name, (double)p->conversions, "ops");
			if (p->nlat) {
				lat = xrealloc(lat, (nlat + p->nlat) * sizeof(*lat));
				memcpy(lat + nlat, p->lat, p->nlat * sizeof(*lat));
				nlat += p->nlat;
			}
			lat_trunc |= p->lat_truncated;
		}
	}
	result_metric(res, "wall_ns", (double)wall, "ns");
	for (size_t k = 0; k < NVCPU_STATS; k++)
		if (ctx->vcpu_idx[k] >= 0)
			result_metric(res, vcpu_stat_names[k], (double)(last->end.vcpu[k] - first->start.vcpu[k]), "ops");
	for (size_t k = 0; k < NVM_STATS; k++) {
		int idx = ctx->vm_idx[k];
		if (idx < 0)
			continue;
		if (kvm_stats_is_cumulative(&ctx->vm.stats, idx))
			result_metric(res, vm_stat_names[k], (double)(last->end.vm[k] - first->start.vm[k]), "ops");
		else
			result_metric(res, vm_stat_names[k], (double)last->end.vm[k],
				      !strncmp(vm_stat_names[k], "pages_", 6) ? "pages" : "");
	}
	for (int k = 0; k < VMSTAT_NKEYS; k++) {
		if (!(last->end.vmstat.present & (1u << k)))
			continue;
		snprintf(name, sizeof(name), "vmstat_%s", vmstat_keys[k]);
		result_metric(res, name, (double)(int64_t)(last->end.vmstat.v[k] - first->start.vmstat.v[k]), "");
	}
	if (fault_wall) {
		result_metric(res, "pages_touched", (double)touched, "pages");
		if (ctx->vcpu_idx[1] >= 0 && touched && last->end.vcpu[1] == first->start.vcpu[1])
			result_note(res, "stats_caveat", "pf_fixed did not move while the guest faulted in %llu pages: "
				    "this KVM (%s) does not count guest faults there; vmstat_pgfault shows the host side",
				    (unsigned long long)touched, kvm_vendor_module());
		result_metric(res, "pages_per_sec_per_vcpu",
			      (double)fault_pages / ((double)fault_wall / 1e9) / ctx->nvcpus, "pages/s");
	}
	if (conv_wall) {
		result_metric(res, "conversions", (double)conv, "ops");
		result_metric(res, "conversions_per_sec", (double)conv / ((double)conv_wall / 1e9), "ops/s");
	}
	if (nlat) {
		double ns_per_cycle = 1e6 / (double)ctx->tsc_khz;
		int h;
		qsort(lat, nlat, sizeof(*lat), cmp_u32);
		result_metric(res, "convert_ns_p50", pct(lat, nlat, 0.50) * ns_per_cycle, "ns");
		result_metric(res, "convert_ns_p99", pct(lat, nlat, 0.99) * ns_per_cycle, "ns");
		result_metric(res, "convert_ns_max", lat[nlat - 1] * ns_per_cycle, "ns");
		/* log2 histogram of the round trips */
		h = result_hist(res, "convert_ns", "ns");
		for (size_t i = 0; i < nlat;) {
			uint32_t b = 0;
			size_t j = i;
			while ((1ULL << (b + 1)) <= lat[i])
				b++;
			while (j < nlat && lat[j] < (1ULL << (b + 1)))
				j++;
			result_bucket(res, h, (double)(1ULL << b) * ns_per_cycle,
				      (double)(1ULL << (b + 1)) * ns_per_cycle, j - i);
			i = j;
		}
		result_note(res, "convert_latency", "guest-measured round trip of the conversion request (%s; rdtsc, %llu kHz)%s",
			    ctx->set->conv_hypercall ? "KVM_HC_MAP_GPA_RANGE exit" : "port I/O exit",
			    (unsigned long long)ctx->tsc_khz,
			    lat_trunc ? "; percentiles from the first 65536 conversions per vCPU and phase" : "");
	}
	free(lat);
	{
		uint64_t total = 0;
		for (uint32_t r = 0; r < KVM_EXIT_NR; r++) {
			uint64_t n = 0;
			for (uint32_t v = 0; v < ctx->nvcpus; v++)
				n += ctx->vcpus[v].exits[r];
			if (!n)
				continue;
			total += n;
			snprintf(name, sizeof(name), "user_exits_%s", kvm_exit_name(r) + strlen("KVM_EXIT_"));
			for (char *c = name; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
			result_metric(res, name, (double)n, "ops");
		}
		result_metric(res, "user_exits", (double)total, "ops");
	}
	if (ctx->tp)
		emit_trace(ctx, res);
	for (int i = 0; i < SER_NR; i++)
		result_series(res, series_names[i], i == SER_PAGES_4K || i == SER_PAGES_2M ? "pages" : "ops");
	for (size_t i = 0; i < ctx->samples.n; i++)
		result_sample(res, ctx->samples.series[i], ctx->samples.t[i], ctx->samples.v[i]);
}

int kvm_run_repetition(const struct run_spec *spec, const struct kvm_settings *s,
		       struct run_result *res, char *err, size_t errlen)
{
	struct kvm_run_ctx *ctx = xcalloc(1, sizeof(*ctx));
	int cpus[TDXB_GUEST_MAX_VCPUS];
	int ncpus, r, ret = BACKEND_FAILED;
	uint64_t t;

	ctx->spec = spec;
	ctx->set = s;
	ctx->nvcpus = spec->work.vcpus;
	ctx->nph = spec->work.nphases;
	ctx->wd_vcpu = -1;
	ctx->test.fd = ctx->test.gmem_fd = ctx->low.fd = ctx->low.gmem_fd = -1;
	ctx->vm.vm_fd = ctx->vm.kvm_fd = -1;
	ctx->vm.stats.fd = -1;
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->cond, NULL);
	ctx->ph = xcalloc(MAX(ctx->nph, 1), sizeof(*ctx->ph));
	kvm_layout_compute(ctx->nvcpus, spec->work.mem_bytes, s->pt_gran, &ctx->layout);

	if (!ctx->nph) {
		snprintf(err, errlen, "workload has no phases");
		goto out;
	}
	ncpus = pin_parse(s->pin, cpus, (int)ARRAY_SIZE(cpus), err, errlen);
	if (ncpus < 0)
		goto out;
	if (setup_vm(ctx, err, errlen) < 0)
		goto teardown;
	if (s->trace != TRACE_OFF) {
		char why[256];
		/* our pid + event-fork: the vCPU threads created below are traced, nobody else */
		ctx->tp = tp_open(s->trace_events, getpid(), s->trace_buffer_kb, why, sizeof(why));
		if (ctx->tp && tp_start(ctx->tp, why, sizeof(why))) {
			tp_close(ctx->tp);
			ctx->tp = NULL;
		}
		if (!ctx->tp && s->trace == TRACE_ON) {
			snprintf(err, errlen, "trace=on: %s", why);
			goto teardown;
		}
		if (!ctx->tp)
			snprintf(ctx->trace_off_why, sizeof(ctx->trace_off_why), "%s", why);
	}

	ctx->t0 = now_ns();
	if (pthread_create(&ctx->monitor, NULL, monitor_thread, ctx)) {
		snprintf(err, errlen, "cannot start the monitor thread");
		goto teardown;
	}
	ctx->monitor_started = true;
	for (uint32_t i = 0; i < ctx->nvcpus; i++) {
		struct kvm_vcpu *v = &ctx->vcpus[i];
		v->cpu = ncpus ? cpus[i % (uint32_t)ncpus] : -1;
		v->state = VCPU_BOOTING;
		r = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (r) {
			run_fail(ctx, "cannot start the thread of vcpu %u: %s", i, strerror(r));
			break;
		}
		v->thread_started = true;
	}
	for (uint32_t i = 0; i < ctx->nvcpus; i++)
		if (ctx->vcpus[i].thread_started)
			pthread_join(ctx->vcpus[i].thread, NULL);
	ctx->monitor_quit = 1;
	pthread_join(ctx->monitor, NULL);
	ctx->monitor_started = false;
	if (ctx->tp)
		tp_stop(ctx->tp);

	if (ctx->aborted) {
		ret = BACKEND_ABORTED;
		snprintf(err, errlen, "interrupted");
		goto teardown;
	}
	if (ctx->failed) {
		snprintf(err, errlen, "%s", ctx->fail_msg);
		goto teardown;
	}
	for (uint32_t i = 0; i < ctx->nph; i++) {
		if (!ctx->ph[i].done) {
			snprintf(err, errlen, "phase %u never finished", i);
			goto teardown;
		}
	}
	emit_metrics(ctx, res);
	result_note(res, "conversion_method", "%s", guest_mem_conversion_method(&ctx->test, ctx->vm.private_mem &&
										   ctx->test.gmem_fd >= 0));
	result_note(res, "backing", "%s", kvm_backing_names[s->backing]);
	result_note(res, "kvm_module", "%s", kvm_vendor_module());
	if (ctx->trace_off_why[0])
		result_note(res, "trace", "off: %s", ctx->trace_off_why);
	result_note(res, "vm_type", "%s", s->vm_kind == VMK_SW_PROTECTED ? "KVM_X86_SW_PROTECTED_VM" : "KVM_X86_DEFAULT_VM");
	result_note(res, "guest_pt", "%s", s->pt_gran == TDXB_PT_4K ? "4K" : s->pt_gran == TDXB_PT_2M ? "2M" : "1G");
	{
		struct sbuf sb = SBUF_INIT;
		for (uint32_t i = 0; i < ctx->nvcpus; i++)
			sbuf_addf(&sb, "%s%d", i ? "," : "", ctx->vcpus[i].cpu);
		result_note(res, "pinning", "%s (vcpu i -> host cpu; -1 = unpinned)", sb.buf);
		sbuf_free(&sb);
	}
	ret = BACKEND_OK;
teardown:
	if (ctx->monitor_started) {
		ctx->monitor_quit = 1;
		pthread_join(ctx->monitor, NULL);
	}
	/* the instance goes on every path: success, failure, Ctrl-C */
	tp_close(ctx->tp);
	ctx->tp = NULL;
	t = now_ns();
	teardown_vm(ctx);
	if (ret == BACKEND_OK)
		result_metric(res, "teardown_ns", (double)(now_ns() - t), "ns");
out:
	for (uint32_t i = 0; i < ctx->nph; i++)
		free(ctx->ph[i].lat);
	free(ctx->ph);
	free(ctx->statbuf);
	free(ctx->samples.t);
	free(ctx->samples.v);
	free(ctx->samples.series);
	pthread_mutex_destroy(&ctx->lock);
	pthread_cond_destroy(&ctx->cond);
	free(ctx);
	return ret;
}
