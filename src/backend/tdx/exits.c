/*
 * The exits a TD adds to the kvm VMM's table (reference/tdx-uapi.md §1.7,
 * §2.5): KVM_EXIT_MEMORY_FAULT as an implicit conversion, the guest's
 * ReportFatalError, KVM_EXIT_TDX leaves this VMM does not serve, and the
 * -EIO of a TD KVM killed. Instruction.IO and MapGPA arrive as KVM_EXIT_IO
 * and KVM_EXIT_HYPERCALL and take the kvm backend's path.
 */
#include "backend/tdx/td.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

/* kvm_run.system_event.data[] index of each GPR (KVM's order, tdx_report_fatal_error) */
enum { D_RCX = 1, D_RDX = 2, D_RBX = 3, D_RSI = 6, D_RDI = 7, D_R8 = 8, D_R9 = 9, D_R12 = 12, D_R13 = 13,
       D_R14 = 14, D_R15 = 15 };

void td_fatal_describe(const uint64_t data[16], char *out, size_t len)
{
	/* the message registers in QEMU's order (tdx_handle_report_fatal_error), each exposed in RCX's mask */
	static const int msg_regs[] = { D_R14, D_R15, D_RBX, D_RDI, D_RSI, D_R8, D_R9, D_RDX };
	char msg[sizeof(msg_regs) / sizeof(msg_regs[0]) * 8 + 1];
	uint64_t mask = data[D_RCX], code = data[D_R12];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(msg_regs); i++) {
		if (!(mask & (1ULL << msg_regs[i])))
			break;
		memcpy(msg + n, &data[msg_regs[i]], 8);
		n += 8;
	}
	msg[n] = 0;
	for (size_t i = 0; i < n && msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
			msg[i] = '?';
	if (code & TDXB_FATAL_GPA_VALID)
		snprintf(out, len, "error code %#llx, gpa %#llx%s%s%s", (unsigned long long)code,
			 (unsigned long long)data[D_R13], *msg ? ": \"" : "", msg, *msg ? "\"" : "");
	else
		snprintf(out, len, "error code %#llx%s%s%s", (unsigned long long)code, *msg ? ": \"" : "", msg,
			 *msg ? "\"" : "");
}

static int on_memory_fault(struct kvm_vcpu *vcpu, struct td_state *st)
{
	struct tdxb_kvm_memory_fault mf;
	uint64_t ret = 0;
	char where[96];

	memcpy(&mf, (uint8_t *)vcpu->run + TDXB_KVM_RUN_UNION_OFFSET, sizeof(mf));
	vcpu->exits[MIN(TDXB_KVM_EXIT_MEMORY_FAULT, KVM_EXIT_NR - 1)]++;
	if (mf.gpa < TDXB_GUEST_TEST_GPA || !mf.size || mf.size % 4096) {
		run_fail(vcpu->ctx, "KVM_EXIT_MEMORY_FAULT: vcpu %u made a %s access to gpa %#llx (+%#llx) outside "
			 "the test memory in %s", vcpu->id, mf.flags & TDXB_KVM_MEMORY_EXIT_FLAG_PRIVATE ? "private" :
			 "shared", (unsigned long long)mf.gpa, (unsigned long long)mf.size,
			 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)));
		return -1;
	}
	__atomic_add_fetch(&st->implicit_conversions, 1, __ATOMIC_RELAXED);
	return run_on_map_gpa(vcpu, mf.gpa, mf.size / 4096,
			      mf.flags & TDXB_KVM_MEMORY_EXIT_FLAG_PRIVATE ? TDXB_MAP_GPA_ENCRYPTED : 0, &ret);
}

/* KVM kills a TD with -EIO; the kernel log usually names the GPA (tdx_handle_ept_violation). */
static void on_dead(struct kvm_vcpu *vcpu)
{
	static const char *const needles[] = { "Guest access before accepting", "kvm_intel: ", "virt/tdx: " };
	char line[256] = "", where[96];

	for (size_t i = 0; i < ARRAY_SIZE(needles) && !line[0]; i++)
		if (!host_kmsg_last(needles[i], line, sizeof(line)))
			line[0] = 0;
	run_fail(vcpu->ctx, "KVM_RUN failed on vcpu %u in %s: %s: KVM marked the TD dead; kernel log: %s", vcpu->id,
		 run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)), strerror(EIO),
		 line[0] ? line : "(nothing readable; see dmesg)");
}

int td_on_exit(struct kvm_vcpu *vcpu, int r)
{
	struct td_state *st = vcpu->vm->on_exit_arg;
	struct kvm_run *run = vcpu->run;
	uint8_t *u = (uint8_t *)run + TDXB_KVM_RUN_UNION_OFFSET;
	char where[96], what[320];

	if (r == -EFAULT && run->exit_reason == TDXB_KVM_EXIT_MEMORY_FAULT)
		return on_memory_fault(vcpu, st);
	if (r == -EIO) {
		on_dead(vcpu);
		return -1;
	}
	if (r < 0)
		return VMM_EXIT_UNHANDLED;
	if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
		struct tdxb_kvm_run_system_event ev;
		memcpy(&ev, u, sizeof(ev));
		if (ev.type != TDXB_KVM_SYSTEM_EVENT_TDX_FATAL)
			return VMM_EXIT_UNHANDLED;
		vcpu->exits[KVM_EXIT_SYSTEM_EVENT]++;
		td_fatal_describe(ev.data, what, sizeof(what));
		run_fail(vcpu->ctx, "the TD reported a fatal error (TDG.VP.VMCALL ReportFatalError) on vcpu %u in %s: %s",
			 vcpu->id, run_phase_label(vcpu->ctx, vcpu->id, where, sizeof(where)), what);
		return -1;
	}
	if (run->exit_reason == TDXB_KVM_EXIT_TDX) {
		struct tdxb_kvm_run_tdx t;
		memcpy(&t, u, sizeof(t));
		vcpu->exits[MIN(TDXB_KVM_EXIT_TDX, KVM_EXIT_NR - 1)]++;
		/* GetTdVmCallInfo leaf 1 comes pre-filled "success, nothing more"; the rest is refused */
		if (t.nr != TDXB_TDVMCALL_GET_TD_VM_CALL_INFO)
			t.unknown.ret = TDXB_TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
		memcpy(u, &t, sizeof(t));
		__atomic_add_fetch(&st->tdx_exits_refused, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return VMM_EXIT_UNHANDLED;
}
