/*
 * Does this host's KVM run the guest's instructions through its instruction
 * emulator? Measured, not guessed from the module name: a 4M VM faults its
 * memory in, then writes every page again — plain stores to mapped memory,
 * nothing KVM has to do on VMX/SVM — with kvm:kvm_emulate_insn counted in a
 * private tracefs instance. At least one emulated instruction per rewritten
 * page means the guest's code runs in the emulator (as under kvm_pvm with a
 * guest that is not PVM-enlightened): rates there scale with the number of
 * instructions the guest executes per page, not with the fault path.
 */
#include "backend/kvm/settings.h"
#include "lib/util.h"
#include "sample/tracepoints.h"
#include "guest-images/abi.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PROBE_BYTES (4 * MiB)

static struct kvm_emulation cached;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void probe_now(struct kvm_emulation *e)
{
	struct kvm_settings s = {
		.backing = BACKING_ANON,
		.vm_kind = VMK_DEFAULT,
		.pt_gran = TDXB_PT_4K,
		.pin = "none",
		.watchdog_ms = 10000,
		.sample_ms = 10,	/* the monitor's tick: the join at the end waits for it */
		.trace = TRACE_ON,
		.trace_events = "kvm:kvm_emulate_insn",
		.trace_buffer_kb = 4096,
	};
	struct run_spec spec;
	struct run_result res;
	const struct result_metric *insns, *pages;
	struct tdxb_phase *ph;
	char err[512] = "";

	memset(e, 0, sizeof(*e));
	e->state = KVM_EMU_UNKNOWN;
	if (tp_probe(err, sizeof(err))) {
		snprintf(e->why, sizeof(e->why), "cannot count kvm:kvm_emulate_insn: %s", err);
		return;
	}
	if (tp_check_events(s.trace_events, err, sizeof(err))) {
		snprintf(e->why, sizeof(e->why), "%s", err);
		return;
	}
	memset(&spec, 0, sizeof(spec));
	spec.work.magic = TDXB_WORKLOAD_MAGIC;
	spec.work.version = TDXB_WORKLOAD_VERSION;
	spec.work.vcpus = 1;
	spec.work.tds = 1;
	spec.work.mem_bytes = PROBE_BYTES;
	spec.work.nphases = 2;
	for (int i = 0; i < 2; i++) {
		ph = &spec.work.phases[i];
		ph->kind = i ? TDXB_PH_REWRITE : TDXB_PH_FAULT;
		ph->len = PROBE_BYTES;
		ph->unit = 4096;
		ph->permille = 1000;
		ph->repeat = 1;
	}
	result_init(&res);
	if (kvm_run_repetition(&spec, &s, &res, err, sizeof(err)) != BACKEND_OK) {
		snprintf(e->why, sizeof(e->why), "probe VM failed: %s", err);
		result_free(&res);
		return;
	}
	insns = result_find_metric(&res, "phase1_trace_kvm_emulate_insn");
	pages = result_find_metric(&res, "phase1_pages");
	if (!insns || !pages || pages->value <= 0) {
		snprintf(e->why, sizeof(e->why), "probe VM reported no rewrite counts");
	} else {
		e->insns = (uint64_t)insns->value;
		e->pages = (uint64_t)pages->value;
		e->per_page = insns->value / pages->value;
		e->state = e->per_page >= 1.0 ? KVM_EMU_YES : KVM_EMU_NO;
	}
	result_free(&res);
}

static void probe_once(void)
{
	probe_now(&cached);
}

const struct kvm_emulation *kvm_probe_emulation(void)
{
	pthread_once(&once, probe_once);
	return &cached;
}

const char *kvm_emulation_str(const struct kvm_emulation *e, char *buf, size_t len)
{
	switch (e->state) {
	case KVM_EMU_YES:
		snprintf(buf, len, "emulated: KVM's instruction emulator runs the guest's code "
			 "(%.1f kvm:kvm_emulate_insn per 4K store to mapped memory, %llu stores probed); "
			 "guest rates here scale with the guest's instructions per page and are not fault-path costs",
			 e->per_page, (unsigned long long)e->pages);
		break;
	case KVM_EMU_NO:
		snprintf(buf, len, "native: %.3f kvm:kvm_emulate_insn per 4K store to mapped memory "
			 "(%llu stores probed)", e->per_page, (unsigned long long)e->pages);
		break;
	default:
		snprintf(buf, len, "unknown: %s", e->why);
		break;
	}
	return buf;
}
