/* The kvm backend's knobs, host checks and guest memory layout. */
#ifndef TDX_KVM_SETTINGS_H
#define TDX_KVM_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/backend.h"
#include "backend/kvm/vmm.h"
#include "guest-images/abi.h"

enum kvm_vm_kind {
	VMK_DEFAULT,		/* KVM_X86_DEFAULT_VM: no private memory */
	VMK_SW_PROTECTED,	/* KVM_X86_SW_PROTECTED_VM: guest_memfd + memory attributes */
};

enum kvm_trace_mode { TRACE_AUTO, TRACE_ON, TRACE_OFF };

struct kvm_settings {
	const char *backend;		/* "kvm" or "tdx": for messages */
	enum kvm_backing backing;
	enum kvm_vm_kind vm_kind;
	uint32_t pt_gran;		/* enum tdxb_pt_gran */
	const char *pin;		/* auto | none | CPU list */
	uint64_t watchdog_ms;
	uint64_t sample_ms;
	bool overcommit;
	bool conv_hypercall;		/* conversions via KVM_HC_MAP_GPA_RANGE, else port I/O */
	enum kvm_trace_mode trace;	/* tracepoints through a private tracefs instance */
	const char *trace_events;	/* "default" or "sys:event+sys:event" */
	uint64_t trace_buffer_kb;	/* ring buffer per CPU */
};

extern const struct opt_desc kvm_knobs[];

/* Validate p against knobs (kvm_knobs, or the tdx backend's) and read it into s. */
int kvm_settings_read(const struct params *p, const char *backend, const struct opt_desc *knobs,
		      struct kvm_settings *s, char *err, size_t errlen);
/* resolve() of a backend without strategies: refuse a strategy, fill the knobs' defaults. */
int kvm_resolve_knobs(const char *backend, const struct opt_desc *knobs, const char *strategy, struct params *p,
		      char *err, size_t errlen);
/* Everything that can be refused before a byte is allocated. */
int kvm_check_host(const struct run_spec *spec, const struct kvm_settings *s, char *err, size_t errlen);

struct kvm_layout {
	uint64_t ptpool_gpa, ptpool_bytes;
	uint64_t low_bytes;		/* size of memslot 0 at GPA 0 */
};
void kvm_layout_compute(uint32_t vcpus, uint64_t test_bytes, uint32_t pt_gran, struct kvm_layout *l);

/* A built guest: what the run loop (run.c) needs from whoever launched it. */
struct vmm_guest {
	struct kvm_vm vm;
	struct guest_mem low, test;
	struct kvm_layout layout;
	struct kvm_vcpu *vcpus;		/* nvcpus, fd -1 until created */
	uint32_t nvcpus;
	struct tdxb_guest_params *params;	/* in low's shared view */
	uint8_t *mailbox;
	void *priv;			/* the platform's own state */
};

/*
 * How a guest is launched: a plain VM (kvm_platform, launch.c) or a TD
 * (src/backend/tdx/). run.c calls create(), copies the image and writes the
 * common parameters into low's shared view, then seal() (platform fields of
 * the parameter page; a TD is measured and finalized there), then starts the
 * vCPU threads. destroy() runs before the common teardown (vCPUs, memory, VM).
 */
struct vmm_platform {
	int (*create)(struct vmm_guest *g, const struct run_spec *spec, const struct kvm_settings *s,
		      char *err, size_t errlen);
	int (*seal)(struct vmm_guest *g, const struct kvm_settings *s, char *err, size_t errlen);
	void (*destroy)(struct vmm_guest *g);
	void (*notes)(struct vmm_guest *g, const struct kvm_settings *s, struct run_result *res);
	/* Optional: host-side samples while every vCPU is parked, before the first phase and after the last. */
	void (*sample)(struct vmm_guest *g, bool end);
};
extern const struct vmm_platform kvm_platform;

/* Does KVM emulate the guest's instructions here? (emulation.c) */
enum kvm_emu_state { KVM_EMU_UNKNOWN, KVM_EMU_NO, KVM_EMU_YES };
struct kvm_emulation {
	enum kvm_emu_state state;
	double per_page;		/* kvm_emulate_insn per rewritten 4K page */
	uint64_t insns, pages;
	char why[320];			/* KVM_EMU_UNKNOWN: why */
};
/* Measured once per process with a 4M VM (the first call takes a fraction of a second). */
const struct kvm_emulation *kvm_probe_emulation(void);
/* "emulated: ...", "native: ...", "unknown: <why>" */
const char *kvm_emulation_str(const struct kvm_emulation *e, char *buf, size_t len);

int kvm_run_repetition(const struct run_spec *spec, const struct kvm_settings *s,
		       const struct vmm_platform *plat, struct run_result *res, char *err, size_t errlen);

#endif
