/* The VMM's door to the kernel, and the ioctl log a bug report carries. */
#include "backend/kvm/vmm.h"
#include "lib/tdx_uapi.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int kernel_open_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int kernel_ioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);
	return r < 0 ? -errno : r;
}

const struct vmm_sys vmm_sys_kernel = { kernel_open_kvm, kernel_ioctl };
const struct vmm_sys *vmm_sys = &vmm_sys_kernel;

static FILE *ioctl_log;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int vmm_ioctl_log_open(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "we");
	if (!f) {
		snprintf(err, errlen, "ioctl_log=%s: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);	/* a crash must not lose the last lines */
	ioctl_log = f;
	return 0;
}

void vmm_ioctl_log_close(void)
{
	if (ioctl_log)
		fclose(ioctl_log);
	ioctl_log = NULL;
}

#define NAME(c) { c, #c }
static const struct { unsigned long cmd; const char *name; } names[] = {
	NAME(KVM_CREATE_VM), NAME(KVM_CHECK_EXTENSION), NAME(KVM_GET_VCPU_MMAP_SIZE),
	NAME(KVM_GET_SUPPORTED_CPUID), NAME(KVM_CREATE_VCPU), NAME(KVM_ENABLE_CAP),
	NAME(KVM_SET_CPUID2), NAME(KVM_GET_STATS_FD), NAME(KVM_RUN), NAME(KVM_GET_TSC_KHZ),
	NAME(KVM_GET_REGS), NAME(KVM_SET_REGS), NAME(KVM_GET_SREGS), NAME(KVM_SET_SREGS),
	NAME(KVM_MEMORY_ENCRYPT_OP), NAME(KVM_SET_USER_MEMORY_REGION),
	NAME(TDXB_KVM_SET_USER_MEMORY_REGION2), NAME(TDXB_KVM_SET_MEMORY_ATTRIBUTES),
	NAME(TDXB_KVM_CREATE_GUEST_MEMFD),
};
static const char *const tdx_cmds[] = {
	"CAPABILITIES", "INIT_VM", "INIT_VCPU", "INIT_MEM_REGION", "FINALIZE_VM", "GET_CPUID",
};

static void log_ioctl(int fd, unsigned long cmd, void *arg, int r)
{
	const char *name = "?";
	char sub[48] = "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cmd == cmd)
			name = names[i].name;
	if (cmd == KVM_MEMORY_ENCRYPT_OP && arg) {
		const struct tdxb_kvm_tdx_cmd *c = arg;
		snprintf(sub, sizeof(sub), " KVM_TDX_%s hw_error=%#llx",
			 c->id < TDXB_KVM_TDX_CMD_NR_MAX ? tdx_cmds[c->id] : "?", (unsigned long long)c->hw_error);
	}
	pthread_mutex_lock(&log_lock);
	fprintf(ioctl_log, "fd=%d %s (%#lx)%s -> %d%s%s\n", fd, name, cmd, sub, r, r < 0 ? " " : "",
		r < 0 ? strerror(-r) : "");
	pthread_mutex_unlock(&log_lock);
}

int kvm_raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	int r = vmm_sys->ioctl(fd, cmd, arg);
	/* KVM_RUN is the hot path: logged only when it fails */
	if (ioctl_log && (cmd != KVM_RUN || r < 0))
		log_ioctl(fd, cmd, arg, r);
	return r;
}
