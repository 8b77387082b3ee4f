/*
 * The tdx backend: the kvm backend's VMM and run loop (src/backend/kvm/)
 * with a TD launch (td.c), a TD's exits (exits.c) and its notes and DPAMT
 * figure (notes.c) plugged in through struct vmm_platform; tdx.c has the
 * backend ops and knobs. Written to the Linux 7.1 uAPI (reference/tdx-uapi.md);
 * the ordering follows §2.6 and QEMU's target/i386/kvm/tdx.c:
 *
 *   KVM_CREATE_VM(5) -> KVM_TDX_CAPABILITIES -> ENABLE_CAP(EXIT_HYPERCALL,
 *   SPLIT_IRQCHIP) -> KVM_TDX_INIT_VM -> memslots (guest_memfd + shared view),
 *   attributes -> KVM_CREATE_VCPU x n -> per vCPU KVM_TDX_GET_CPUID ->
 *   KVM_SET_CPUID2 -> KVM_TDX_INIT_VCPU -> image/params written ->
 *   KVM_TDX_INIT_MEM_REGION(MEASURE) -> KVM_TDX_FINALIZE_VM -> vCPU threads.
 */
#ifndef TDX_BACKEND_TDX_TD_H
#define TDX_BACKEND_TDX_TD_H

#include "backend/kvm/settings.h"
#include "lib/tdx_uapi.h"
#include "sample/dpamt_mem.h"

struct tdx_settings {
	struct kvm_settings k;		/* first: the run loop sees only this */
	bool sept_ve_disable;		/* TD attribute bit 28 */
	const char *ioctl_log;		/* NULL = none */
	const char *kprobes;		/* "default", "none" or fn+fn */
	char probe_note[768];		/* filled by tdx_run: what was probed, what is missing */
};

extern const struct vmm_platform td_platform;

/* The backend's knobs (tdx.c) into s; the refusals of knobs a TD cannot take are one line in err. */
int tdx_settings_read(const struct params *p, struct tdx_settings *s, char *err, size_t errlen);

/* The kvm layout plus room for the guest's shared alias page tables (guest-images/tdx.h). */
void td_layout_compute(uint32_t vcpus, uint64_t test_bytes, uint32_t pt_gran, struct kvm_layout *l);

/* The TD's own state, g->priv. */
struct td_state {
	const struct tdx_settings *set;
	struct guest_mem reset;		/* slot 2: the reset-vector page at 0xFFFFF000 */
	uint64_t attributes, shared_bit, supported_attrs;
	uint32_t gpaw;
	uint64_t pages_added;		/* KVM_TDX_INIT_MEM_REGION pages */
	uint64_t init_vm_retries, finalize_retries;
	struct dpamt_mem mem[2];	/* before the first phase, after the last (vCPUs parked) */
	bool mem_sampled[2];
	/* exits.c, updated by vCPU threads */
	uint64_t implicit_conversions, tdx_exits_refused;
};

/* One KVM_MEMORY_ENCRYPT_OP on the VM (vcpu NULL) or a vCPU fd: 0, or -errno + err naming the sub-command and hw_error. */
int td_op(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint32_t id, uint32_t flags, uint64_t data,
	  char *err, size_t errlen);

/* notes.c: DPAMT memory samples (vCPUs parked), and the run's TD notes and metrics. */
void td_sample(struct vmm_guest *g, bool end);
void td_notes(struct vmm_guest *g, const struct kvm_settings *ks, struct run_result *res);

/* exits.c: the TD exits the generic table does not know (vm->on_exit). */
int td_on_exit(struct kvm_vcpu *vcpu, int r);
/* Decode a TDX_FATAL system event (kvm_run.system_event.data[16]) into one line. */
void td_fatal_describe(const uint64_t data[16], char *out, size_t len);

#endif
