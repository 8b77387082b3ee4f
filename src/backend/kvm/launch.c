/*
 * A plain VM (KVM_X86_DEFAULT_VM or KVM_X86_SW_PROTECTED_VM): the VMM sets
 * the state a TDX vCPU starts in itself, and the guest talks port I/O and the
 * KVM hypercall instruction.
 */
#include "backend/kvm/settings.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

static int plain_create(struct vmm_guest *g, const struct run_spec *spec, const struct kvm_settings *s,
			char *err, size_t errlen)
{
	unsigned long type = s->vm_kind == VMK_SW_PROTECTED ? KVM_X86_SW_PROTECTED_VM : KVM_X86_DEFAULT_VM;
	int r;

	r = vm_create(&g->vm, type, err, errlen);
	if (r < 0)
		return r;
	if (s->vm_kind == VMK_SW_PROTECTED && !g->vm.private_mem) {
		snprintf(err, errlen, "vm_type=sw-protected: KVM_CAP_MEMORY_ATTRIBUTES lacks PRIVATE on this VM");
		return -EOPNOTSUPP;
	}
	/* MAP_GPA_RANGE exits to us: the conversion request, as MapGPA in a TD */
	r = vm_enable_cap(&g->vm, KVM_CAP_EXIT_HYPERCALL, 1ULL << TDXB_KVM_HC_MAP_GPA_RANGE, err, errlen);
	if (r < 0)
		return r;

	g->low.slot = 0;
	g->low.gpa = 0;
	g->low.size = g->layout.low_bytes;
	r = guest_mem_alloc(&g->vm, &g->low, BACKING_ANON, false, err, errlen);
	if (r < 0)
		return r;
	r = vm_set_memslot(&g->vm, &g->low, err, errlen);
	if (r < 0)
		return r;
	g->test.slot = 1;
	g->test.gpa = TDXB_GUEST_TEST_GPA;
	g->test.size = spec->work.mem_bytes;
	r = guest_mem_alloc(&g->vm, &g->test, s->backing, s->vm_kind == VMK_SW_PROTECTED, err, errlen);
	if (r < 0)
		return r;
	r = vm_set_memslot(&g->vm, &g->test, err, errlen);
	if (r < 0)
		return r;
	if (s->vm_kind == VMK_SW_PROTECTED) {
		/* test memory starts private, as a TD's does */
		r = vm_set_memory_attributes(&g->vm, g->test.gpa, g->test.size,
					     TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE, err, errlen);
		if (r < 0)
			return r;
	}

	g->vcpus = xcalloc(g->nvcpus, sizeof(*g->vcpus));
	for (uint32_t i = 0; i < g->nvcpus; i++)
		g->vcpus[i].fd = -1;
	for (uint32_t i = 0; i < g->nvcpus; i++) {
		r = vcpu_create(&g->vm, &g->vcpus[i], i, err, errlen);
		if (r < 0)
			return r;
		r = vcpu_set_cpuid(&g->vcpus[i], g->vm.cpuid, err, errlen);
		if (r < 0)
			return r;
		r = vcpu_set_td_boot_state(&g->vcpus[i], TDXB_GUEST_ENTRY, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plain_seal(struct vmm_guest *g, const struct kvm_settings *s, char *err, size_t errlen)
{
	g->params->platform = TDXB_PLAT_KVM;
	g->params->conv_call = s->conv_hypercall ? (vm_cpu_is_amd(&g->vm) ? TDXB_CONV_VMMCALL : TDXB_CONV_VMCALL)
						 : TDXB_CONV_PORT;
	g->params->shared_bit = 0;
	return 0;
}

static void plain_notes(struct vmm_guest *g, const struct kvm_settings *s, struct run_result *res)
{
	result_note(res, "vm_type", "%s", s->vm_kind == VMK_SW_PROTECTED ? "KVM_X86_SW_PROTECTED_VM" : "KVM_X86_DEFAULT_VM");
}

const struct vmm_platform kvm_platform = {
	.create = plain_create,
	.seal = plain_seal,
	.destroy = NULL,
	.notes = plain_notes,
};
