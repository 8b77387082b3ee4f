/* The kvm backend's knobs, host checks and guest memory layout. */
#ifndef TDX_KVM_SETTINGS_H
#define TDX_KVM_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/backend.h"
#include "backend/kvm/vmm.h"

enum kvm_vm_kind {
	VMK_DEFAULT,		/* KVM_X86_DEFAULT_VM: no private memory */
	VMK_SW_PROTECTED,	/* KVM_X86_SW_PROTECTED_VM: guest_memfd + memory attributes */
};

enum kvm_trace_mode { TRACE_AUTO, TRACE_ON, TRACE_OFF };

struct kvm_settings {
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

int kvm_settings_read(const struct params *p, struct kvm_settings *s, char *err, size_t errlen);
/* Everything that can be refused before a byte is allocated. */
int kvm_check_host(const struct run_spec *spec, const struct kvm_settings *s, char *err, size_t errlen);

struct kvm_layout {
	uint64_t ptpool_gpa, ptpool_bytes;
	uint64_t low_bytes;		/* size of memslot 0 at GPA 0 */
};
void kvm_layout_compute(uint32_t vcpus, uint64_t test_bytes, uint32_t pt_gran, struct kvm_layout *l);

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
		       struct run_result *res, char *err, size_t errlen);

#endif
