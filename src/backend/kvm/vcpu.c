/* vCPUs: creation, the TD-like boot state, the KVM_RUN loop and its exits. */
#include "backend/kvm/vmm.h"
#include "lib/util.h"
#include "guest-images/abi.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KICK_SIGNAL SIGUSR2

static void kick_handler(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return -EINTR */
}

static void kick_handler_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: KVM_RUN must return */
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
}

static void install_kick_handler(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, kick_handler_init);
}

int vcpu_create(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint32_t id, char *err, size_t errlen)
{
	int r;
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	vcpu->stats.fd = -1;
	r = vm_ioctl(vm, KVM_CREATE_VCPU, (void *)(unsigned long)id, err, errlen);
	if (r < 0)
		return r;
	vcpu->fd = r;
	vcpu->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		snprintf(err, errlen, "cannot map kvm_run of vcpu %u: %s", id, strerror(errno));
		r = -errno;
		goto fail;
	}
	r = vcpu_ioctl(vcpu, KVM_GET_STATS_FD, NULL, err, errlen);
	if (r < 0)
		goto fail;
	if (kvm_stats_open(&vcpu->stats, r, err, errlen)) {
		r = -EINVAL;
		goto fail;
	}
	install_kick_handler();
	return 0;
fail:
	vcpu_destroy(vcpu);
	return r;
}

int vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid, char *err, size_t errlen)
{
	return vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid, err, errlen);
}

void vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (vcpu->stats.names || vcpu->stats.fd >= 0)
		kvm_stats_close(&vcpu->stats);
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->vm->run_size);
	if (vcpu->fd > 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

/*
 * TDH.VP.INIT's initial state (td-launch.md §2.1, tdx-module td_vmcs_init.c):
 * flat 32-bit protected mode, paging off, CR0 = PE|NE, CR4 = MCE (VMXE is the
 * host's), EFER = SCE|LME|NXE, RBX = GPAW, RSI = vCPU index, RDX = CPUID(1).EAX.
 * The GDT/IDT are garbage in a TD; the guest loads its own.
 */
int vcpu_set_td_boot_state(struct kvm_vcpu *vcpu, uint64_t rip, char *err, size_t errlen)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment data = code;
	const struct kvm_cpuid_entry2 *leaf1 = vm_cpuid(vcpu->vm, 1, 0);
	int r;

	r = vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs, err, errlen);
	if (r < 0)
		return r;
	data.type = 0x3;
	data.selector = 0x10;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x21;		/* PE | NE */
	sregs.cr4 = 0x40;		/* MCE */
	sregs.cr3 = 0;
	sregs.efer = 0x901;		/* SCE | LME | NXE */
	sregs.gdt.base = 0;
	sregs.gdt.limit = 0xffff;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	r = vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs, err, errlen);
	if (r < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rflags = 0x2;
	regs.rsi = vcpu->id;
	regs.rbx = 48;
	regs.rdx = leaf1 ? leaf1->eax : 0;
	return vcpu_ioctl(vcpu, KVM_SET_REGS, &regs, err, errlen);
}

const char *vcpu_at_rip(struct kvm_vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_regs regs;
	/* a TD's registers are protected: KVM_GET_REGS is -EINVAL, so say nothing */
	if (__vcpu_ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
		buf[0] = 0;
	else
		snprintf(buf, len, " at rip %#llx", (unsigned long long)regs.rip);
	return buf;
}

void vcpu_kick(struct kvm_vcpu *vcpu)
{
	if (vcpu->run)
		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, KICK_SIGNAL);
}

static int handle_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char where[96], ripbuf[32];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port == TDXB_PORT_EVENT && run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.size == 4 && run->io.count == 1) {
			uint32_t v;
			memcpy(&v, (uint8_t *)run + run->io.data_offset, sizeof(v));
			return run_on_event(vcpu, v);
		}
		run_fail(vcpu->ctx, "unexpected %s %s port %#x size %u on vcpu %u%s in %s",
			 kvm_exit_name(run->exit_reason), run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, vcpu->id, vcpu_at_rip(vcpu, ripbuf, sizeof(ripbuf)),
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	case KVM_EXIT_HYPERCALL:
		if (run->hypercall.nr == TDXB_KVM_HC_MAP_GPA_RANGE) {
			uint64_t ret = 0;
			int r = run_on_map_gpa(vcpu, run->hypercall.args[0], run->hypercall.args[1],
					       run->hypercall.args[2], &ret);
			run->hypercall.ret = ret;
			return r;
		}
		run_fail(vcpu->ctx, "unexpected KVM_EXIT_HYPERCALL nr %llu on vcpu %u%s in %s",
			 (unsigned long long)run->hypercall.nr, vcpu->id, vcpu_at_rip(vcpu, ripbuf, sizeof(ripbuf)),
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	case KVM_EXIT_SHUTDOWN:
		run_fail(vcpu->ctx, "guest triple fault (KVM_EXIT_SHUTDOWN) on vcpu %u%s in %s",
			 vcpu->id, vcpu_at_rip(vcpu, ripbuf, sizeof(ripbuf)),
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	case KVM_EXIT_MMIO:
		run_fail(vcpu->ctx, "unexpected KVM_EXIT_MMIO (%s gpa %#llx, no memslot) on vcpu %u%s in %s",
			 run->mmio.is_write ? "write" : "read", (unsigned long long)run->mmio.phys_addr,
			 vcpu->id, vcpu_at_rip(vcpu, ripbuf, sizeof(ripbuf)),
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		run_fail(vcpu->ctx, "KVM_EXIT_INTERNAL_ERROR suberror %u on vcpu %u%s in %s",
			 run->internal.suberror, vcpu->id, vcpu_at_rip(vcpu, ripbuf, sizeof(ripbuf)),
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		run_fail(vcpu->ctx, "KVM_EXIT_FAIL_ENTRY reason %#llx on vcpu %u in %s",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason, vcpu->id,
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	default:
		run_fail(vcpu->ctx, "unexpected %s (%u) on vcpu %u%s in %s",
			 kvm_exit_name(run->exit_reason), run->exit_reason, vcpu->id,
			 vcpu_at_rip(vcpu, ripbuf, sizeof(ripbuf)),
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	}
}

void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	char where[96];

	if (vcpu->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(vcpu->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	vcpu->state = VCPU_IN_GUEST;
	for (;;) {
		int r;
		if (run_stopping(vcpu->ctx))
			break;
		r = __vcpu_ioctl(vcpu, KVM_RUN, NULL);
		if (vcpu->vm->on_exit) {
			int h = vcpu->vm->on_exit(vcpu, r);
			if (h != VMM_EXIT_UNHANDLED) {
				if (h > 0) {
					vcpu->state = VCPU_DONE;
					return NULL;
				}
				if (h < 0)
					break;
				continue;
			}
		}
		if (r == -EINTR || r == -EAGAIN) {
			vcpu->exits[KVM_EXIT_INTR]++;
			__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
			if (run_on_kick(vcpu) < 0)
				break;
			continue;
		}
		if (r < 0) {
			run_fail(vcpu->ctx, "KVM_RUN failed on vcpu %u in %s: %s%s", vcpu->id,
				 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)), strerror(-r),
				 r == -EIO ? " (KVM marked the VM dead, see dmesg)" : "");
			break;
		}
		vcpu->exits[MIN(vcpu->run->exit_reason, KVM_EXIT_NR - 1)]++;
		r = handle_exit(vcpu);
		if (r > 0) {
			vcpu->state = VCPU_DONE;
			return NULL;
		}
		if (r < 0)
			break;
	}
	vcpu->state = VCPU_FAILED;
	return NULL;
}
