/*
 * The kvm backend's small VMM, in the style of the kernel's KVM selftests
 * (tools/testing/selftests/kvm/lib/kvm_util.c): raw ioctls on /dev/kvm, a VM
 * object with memslots, vCPU objects with their kvm_run page and stats fd.
 * Unlike the selftests, nothing here exits or asserts: every function
 * returns 0 or a negative errno and writes a one-line reason into err.
 *
 *   vm.c      VM create/destroy, capabilities, memslots, memory attributes
 *   memory.c  guest memory backings (anon, THP, hugetlb, memfd, guest_memfd)
 *   vcpu.c    vCPU create, TD-like boot state, the KVM_RUN loop and exit table
 *   sys.c     the door to the kernel (open /dev/kvm, ioctl), swappable by tests
 *   launch.c  how a plain VM is built (the tdx backend brings its own, src/backend/tdx/)
 *   run.c     one repetition: load the guest, phases, barrier, sampler, metrics
 *   kvm.c     the backend ops (probe, resolve, check, run)
 */
#ifndef TDX_KVM_VMM_H
#define TDX_KVM_VMM_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "lib/kvm_uapi.h"
#include "host/host.h"
#include "sample/kvm_stats.h"

/*
 * Two-layer ioctl helpers: __vm_ioctl() returns the result or -errno;
 * vm_ioctl() also writes "KVM_FOO failed: <strerror>" into err, naming the
 * ioctl by its macro. As in kvm_util.h, passing a struct of the wrong size
 * for an _IOW/_IOR ioctl fails to compile (value arguments go as (void *)).
 */
#define KVM_IOCTL_ARG_CHECK(cmd, arg) \
	((void)sizeof(char[(!_IOC_SIZE(cmd) || sizeof(*(arg)) == _IOC_SIZE(cmd)) ? 1 : -1]))

/*
 * Every open of /dev/kvm and every ioctl goes through vmm_sys: the kernel
 * by default; unit tests point it at a double of the KVM uAPI
 * (tests/doubles/), which the tool itself never links.
 */
struct vmm_sys {
	int (*open_kvm)(void);				/* fd, or -errno */
	int (*ioctl)(int fd, unsigned long cmd, void *arg);	/* result, or -errno */
};
extern const struct vmm_sys vmm_sys_kernel;
extern const struct vmm_sys *vmm_sys;
/* ioctl_log=FILE: one line per ioctl (fd, name, result), for bug reports. NULL = off. */
int vmm_ioctl_log_open(const char *path, char *err, size_t errlen);
void vmm_ioctl_log_close(void);

int kvm_raw_ioctl(int fd, unsigned long cmd, void *arg);

int kvm_ioctl_named(int fd, unsigned long cmd, const char *name, void *arg, char *err, size_t errlen);

#define __kvm_ioctl(fd, cmd, arg) \
	(KVM_IOCTL_ARG_CHECK(cmd, arg), kvm_raw_ioctl(fd, cmd, (void *)(arg)))
/* name is stringified here, before cmd is expanded: "KVM_CREATE_VCPU", not its _IO() value */
#define kvm_ioctl_n(fd, cmd, name, arg, err, errlen) \
	(KVM_IOCTL_ARG_CHECK(cmd, arg), kvm_ioctl_named(fd, cmd, name, (void *)(arg), err, errlen))
#define kvm_ioctl(fd, cmd, arg, err, errlen) kvm_ioctl_n(fd, cmd, #cmd, arg, err, errlen)
#define __vm_ioctl(vm, cmd, arg) __kvm_ioctl((vm)->vm_fd, cmd, arg)
#define vm_ioctl(vm, cmd, arg, err, errlen) kvm_ioctl_n((vm)->vm_fd, cmd, #cmd, arg, err, errlen)
#define __vcpu_ioctl(vcpu, cmd, arg) __kvm_ioctl((vcpu)->fd, cmd, arg)
#define vcpu_ioctl(vcpu, cmd, arg, err, errlen) kvm_ioctl_n((vcpu)->fd, cmd, #cmd, arg, err, errlen)

/* ---- memory backings (memory.c) ---- */

enum kvm_backing {
	BACKING_ANON,		/* anonymous, MADV_NOHUGEPAGE: 4K host pages */
	BACKING_THP,		/* anonymous, 2M aligned, MADV_HUGEPAGE */
	BACKING_HUGETLB,	/* MAP_HUGETLB 2M: needs reserved huge pages */
	BACKING_MEMFD,		/* memfd (shmem), MAP_SHARED */
	BACKING_GMEM,		/* guest_memfd, mmap()ed shared (default VM type, 6.18+) */
	BACKING_NR,
};
extern const char *const kvm_backing_names[];	/* NULL-terminated, enum order */

struct guest_mem {
	enum kvm_backing kind;
	uint32_t slot;
	uint64_t gpa, size;
	void *hva;		/* shared (userspace) view, what KVM maps for shared GPAs */
	size_t map_size;	/* bytes actually mmap()ed (THP alignment slack) */
	void *map_base;
	int fd;			/* memfd / guest_memfd backing hva, or -1 */
	int gmem_fd;		/* sw-protected VM: the private side, or -1 */
};

struct kvm_vm;
int guest_mem_alloc(struct kvm_vm *vm, struct guest_mem *m, enum kvm_backing kind, bool private_side,
		    char *err, size_t errlen);
void guest_mem_free(struct guest_mem *m);
/* Drop [off, off+len) so the next guest access refaults a zero page. */
int guest_mem_discard(struct guest_mem *m, uint64_t off, uint64_t len, bool private_side,
		      char *err, size_t errlen);
/* One line naming how a conversion is done on this backing / VM type. */
const char *guest_mem_conversion_method(const struct guest_mem *m, bool private_mem);

/* ---- the VM (vm.c) ---- */

struct kvm_vcpu;

struct kvm_vm {
	int kvm_fd;		/* /dev/kvm */
	int vm_fd;
	unsigned long type;	/* KVM_X86_DEFAULT_VM, KVM_X86_SW_PROTECTED_VM */
	int run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	bool has_region2;	/* KVM_CAP_USER_MEMORY2 */
	bool private_mem;	/* KVM_SET_MEMORY_ATTRIBUTES(PRIVATE) usable on this VM */
	struct kvm_stats stats;	/* VM stats fd */
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, set on every vCPU */
	/*
	 * Platform exits (a TD's): called first for every KVM_RUN return, r is
	 * its result (0 or -errno). 0 re-enter, 1 vCPU done, -1 failed,
	 * VMM_EXIT_UNHANDLED: the generic table decides. NULL for a plain VM.
	 */
	int (*on_exit)(struct kvm_vcpu *vcpu, int r);
	void *on_exit_arg;
};
#define VMM_EXIT_UNHANDLED (-2)

int vm_create(struct kvm_vm *vm, unsigned long type, char *err, size_t errlen);
void vm_destroy(struct kvm_vm *vm);
int vm_check_cap(struct kvm_vm *vm, long cap);	/* value, 0 when absent */
int vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0, char *err, size_t errlen);
int vm_set_memslot(struct kvm_vm *vm, const struct guest_mem *m, char *err, size_t errlen);
int vm_set_memory_attributes(struct kvm_vm *vm, uint64_t gpa, uint64_t size, uint64_t attrs,
			     char *err, size_t errlen);
/* The supported CPUID entry for (function, index), or NULL. */
const struct kvm_cpuid_entry2 *vm_cpuid(const struct kvm_vm *vm, uint32_t function, uint32_t index);
bool vm_cpu_is_amd(const struct kvm_vm *vm);

const char *kvm_exit_name(uint32_t reason);
#define KVM_EXIT_NR 48	/* size of per-reason counters; larger reasons count in the last */

/* ---- vCPUs (vcpu.c) ---- */

struct kvm_run_ctx;

struct kvm_vcpu {
	struct kvm_vm *vm;
	struct kvm_run_ctx *ctx;
	uint32_t id;
	int fd;
	struct kvm_run *run;
	struct kvm_stats stats;
	int cpu;		/* pinned host CPU, -1 = not pinned */
	pthread_t thread;
	bool thread_started;
	/* written by the vCPU thread only, read after join or under ctx->lock */
	uint64_t exits[KVM_EXIT_NR];
	volatile int state;	/* enum vcpu_state */
};

enum vcpu_state {
	VCPU_BOOTING,
	VCPU_IN_GUEST,
	VCPU_PARKED,		/* waiting at the host phase barrier */
	VCPU_DONE,
	VCPU_FAILED,
};

/* KVM_CREATE_VCPU, kvm_run mapping, stats fd; CPUID is the caller's (a TD's comes from the TDX module). */
int vcpu_create(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint32_t id, char *err, size_t errlen);
int vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid, char *err, size_t errlen);
void vcpu_destroy(struct kvm_vcpu *vcpu);
/* The state a TDX vCPU starts in (td-launch.md §2.1), entry at rip. */
int vcpu_set_td_boot_state(struct kvm_vcpu *vcpu, uint64_t rip, char *err, size_t errlen);
/* " at rip 0x..." for messages, or "" when the registers are not readable (a TD's). */
const char *vcpu_at_rip(struct kvm_vcpu *vcpu, char *buf, size_t len);
/* Thread body: the KVM_RUN loop; exits are dispatched to run.c. */
void *vcpu_thread(void *arg);
/* Make a vCPU leave KVM_RUN soon (immediate_exit + signal). */
void vcpu_kick(struct kvm_vcpu *vcpu);

/* ---- run.c callbacks from the KVM_RUN loop; 0 = re-enter, 1 = vCPU done, -1 = failed ---- */
int run_on_event(struct kvm_vcpu *vcpu, uint32_t value);
int run_on_map_gpa(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t attrs, uint64_t *ret);
/* KVM_RUN returned -EINTR (a kick): -1 if this vCPU must stop (watchdog, failure, abort). */
int run_on_kick(struct kvm_vcpu *vcpu);
/* Record the repetition's failure (first one wins) and stop every vCPU. */
void run_fail(struct kvm_run_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool run_stopping(const struct kvm_run_ctx *ctx);
/* "phase 1 (test-crash)" for messages */
const char *run_phase_label(struct kvm_run_ctx *ctx, uint32_t vcpu_id, char *buf, size_t len);

#endif
