/* The VM object: /dev/kvm, KVM_CREATE_VM, capabilities, memslots, attributes. */
#include "backend/kvm/vmm.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kvm_ioctl_named(int fd, unsigned long cmd, const char *name, void *arg, char *err, size_t errlen)
{
	int r = kvm_raw_ioctl(fd, cmd, arg);
	if (r < 0 && err)
		snprintf(err, errlen, "%s failed: %s", name, strerror(-r));
	return r;
}

static int get_supported_cpuid(struct kvm_vm *vm, char *err, size_t errlen)
{
	for (uint32_t nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = xcalloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		int r;
		c->nent = nent;
		r = kvm_raw_ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (r == 0) {
			vm->cpuid = c;
			return 0;
		}
		free(c);
		if (r != -E2BIG) {
			snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(-r));
			return r;
		}
	}
	snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	return -E2BIG;
}

int vm_create(struct kvm_vm *vm, unsigned long type, char *err, size_t errlen)
{
	int r;
	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = -1;
	vm->stats.fd = -1;
	vm->type = type;
	vm->kvm_fd = vmm_sys->open_kvm();
	if (vm->kvm_fd < 0) {
		r = vm->kvm_fd;
		snprintf(err, errlen, "/dev/kvm not accessible: %s", strerror(-r));
		return r;
	}
	r = kvm_ioctl(vm->kvm_fd, KVM_CREATE_VM, (void *)type, err, errlen);
	if (r < 0)
		goto fail;
	vm->vm_fd = r;
	r = kvm_ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL, err, errlen);
	if (r < 0)
		goto fail;
	vm->run_size = r;
	vm->has_region2 = vm_check_cap(vm, KVM_CAP_USER_MEMORY2) > 0;
	vm->private_mem = (vm_check_cap(vm, KVM_CAP_MEMORY_ATTRIBUTES) & TDXB_KVM_MEMORY_ATTRIBUTE_PRIVATE) != 0;
	r = get_supported_cpuid(vm, err, errlen);
	if (r < 0)
		goto fail;
	r = vm_ioctl(vm, KVM_GET_STATS_FD, NULL, err, errlen);
	if (r < 0)
		goto fail;
	if (kvm_stats_open(&vm->stats, r, err, errlen)) {
		r = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	vm_destroy(vm);
	return r;
}

void vm_destroy(struct kvm_vm *vm)
{
	if (vm->stats.names || vm->stats.fd >= 0)
		kvm_stats_close(&vm->stats);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm->cpuid);
	vm->cpuid = NULL;
	vm->vm_fd = vm->kvm_fd = -1;
}

int vm_check_cap(struct kvm_vm *vm, long cap)
{
	int r = __vm_ioctl(vm, KVM_CHECK_EXTENSION, (void *)cap);
	return r < 0 ? 0 : r;
}

int vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0, char *err, size_t errlen)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg0 } };
	return vm_ioctl(vm, KVM_ENABLE_CAP, &ec, err, errlen);
}

int vm_set_memslot(struct kvm_vm *vm, const struct guest_mem *m, char *err, size_t errlen)
{
	if (vm->has_region2) {
		struct tdxb_kvm_userspace_memory_region2 r = {
			.slot = m->slot,
			.guest_phys_addr = m->gpa,
			.memory_size = m->size,
			.userspace_addr = (uint64_t)(uintptr_t)m->hva,
		};
		int gfd = m->gmem_fd >= 0 ? m->gmem_fd : m->kind == BACKING_GMEM ? m->fd : -1;
		if (gfd >= 0) {
			r.flags |= KVM_MEM_GUEST_MEMFD;
			r.guest_memfd = (uint32_t)gfd;
		}
		return vm_ioctl(vm, TDXB_KVM_SET_USER_MEMORY_REGION2, &r, err, errlen);
	} else {
		struct kvm_userspace_memory_region r = {
			.slot = m->slot,
			.guest_phys_addr = m->gpa,
			.memory_size = m->size,
			.userspace_addr = (uint64_t)(uintptr_t)m->hva,
		};
		return vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r, err, errlen);
	}
}

int vm_set_memory_attributes(struct kvm_vm *vm, uint64_t gpa, uint64_t size, uint64_t attrs,
			     char *err, size_t errlen)
{
	struct tdxb_kvm_memory_attributes a = { .address = gpa, .size = size, .attributes = attrs };
	return vm_ioctl(vm, TDXB_KVM_SET_MEMORY_ATTRIBUTES, &a, err, errlen);
}

const struct kvm_cpuid_entry2 *vm_cpuid(const struct kvm_vm *vm, uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; vm->cpuid && i < vm->cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];
		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index))
			return e;
	}
	return NULL;
}

bool vm_cpu_is_amd(const struct kvm_vm *vm)
{
	const struct kvm_cpuid_entry2 *e = vm_cpuid(vm, 0, 0);
	/* "AuthenticAMD" / "HygonGenuine": ebx = "Auth" / "Hygo" */
	return e && (e->ebx == 0x68747541 || e->ebx == 0x6f677948);
}

#define EXIT_NAME(r) [KVM_EXIT_##r] = "KVM_EXIT_" #r
static const char *const exit_names[] = {
	EXIT_NAME(UNKNOWN), EXIT_NAME(EXCEPTION), EXIT_NAME(IO), EXIT_NAME(HYPERCALL),
	EXIT_NAME(DEBUG), EXIT_NAME(HLT), EXIT_NAME(MMIO), EXIT_NAME(IRQ_WINDOW_OPEN),
	EXIT_NAME(SHUTDOWN), EXIT_NAME(FAIL_ENTRY), EXIT_NAME(INTR), EXIT_NAME(SET_TPR),
	EXIT_NAME(TPR_ACCESS), EXIT_NAME(S390_SIEIC), EXIT_NAME(S390_RESET), EXIT_NAME(DCR),
	EXIT_NAME(NMI), EXIT_NAME(INTERNAL_ERROR), EXIT_NAME(OSI), EXIT_NAME(PAPR_HCALL),
	EXIT_NAME(S390_UCONTROL), EXIT_NAME(WATCHDOG), EXIT_NAME(S390_TSCH), EXIT_NAME(EPR),
	EXIT_NAME(SYSTEM_EVENT), EXIT_NAME(S390_STSI), EXIT_NAME(IOAPIC_EOI), EXIT_NAME(HYPERV),
	EXIT_NAME(ARM_NISV), EXIT_NAME(X86_RDMSR), EXIT_NAME(X86_WRMSR), EXIT_NAME(DIRTY_RING_FULL),
	EXIT_NAME(AP_RESET_HOLD), EXIT_NAME(X86_BUS_LOCK), EXIT_NAME(XEN), EXIT_NAME(RISCV_SBI),
	EXIT_NAME(RISCV_CSR), EXIT_NAME(NOTIFY), EXIT_NAME(MEMORY_FAULT), EXIT_NAME(TDX),
};
_Static_assert(ARRAY_SIZE(exit_names) <= KVM_EXIT_NR, "KVM_EXIT_NR too small for the exit table");

const char *kvm_exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "KVM_EXIT_(unknown)";
}
