/*
 * /dev/kvm capabilities: what this kernel's KVM can create. Shared by
 * `tdxbench host` and the kvm backend (which needs the same answers before
 * it builds a VM). lib/kvm_uapi.h supplies the capability numbers older
 * uapi headers lack.
 */
#include "host/host_int.h"
#include "lib/kvm_uapi.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>


static const char *const vm_type_names[] = {
	"default", "sw-protected", "sev", "sev-es", "sev-snp", "tdx",
};

const char *host_vm_type_name(unsigned bit)
{
	return bit < ARRAY_SIZE(vm_type_names) ? vm_type_names[bit] : NULL;
}

const char *host_vm_types_str(uint32_t bitmap, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned b = 0; b < 32 && off < len; b++) {
		const char *name;
		if (!(bitmap & (1u << b)))
			continue;
		name = host_vm_type_name(b);
		if (name)
			off += snprintf(buf + off, len - off, "%s%s", off ? " " : "", name);
		else
			off += snprintf(buf + off, len - off, "%stype%u", off ? " " : "", b);
	}
	return buf;
}

static int check_ext(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
	return r < 0 ? 0 : r;
}

void host_probe_kvm(struct kvm_caps *c)
{
	int fd, vm;

	memset(c, 0, sizeof(*c));
	c->api_version = -1;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		c->present = e != ENOENT && e != ENODEV && e != ENXIO;
		if (e == ENOENT)
			snprintf(c->why, sizeof(c->why),
				 "/dev/kvm does not exist (kvm module not loaded, or no virtualization)");
		else if (e == EACCES || e == EPERM)
			snprintf(c->why, sizeof(c->why),
				 "/dev/kvm: permission denied (join the kvm group or run as root)");
		else
			snprintf(c->why, sizeof(c->why), "/dev/kvm: %s", strerror(e));
		return;
	}
	c->present = true;
	c->api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (c->api_version != KVM_API_VERSION) {
		snprintf(c->why, sizeof(c->why), "/dev/kvm: API version %d, expected %d",
			 c->api_version, KVM_API_VERSION);
		close(fd);
		return;
	}
	c->accessible = true;
	c->vm_types = (uint32_t)check_ext(fd, KVM_CAP_VM_TYPES);
	c->tdx_vm_type = c->vm_types & (1u << KVM_X86_TDX_VM);
	c->binary_stats = check_ext(fd, KVM_CAP_BINARY_STATS_FD) > 0;
	c->user_memory2 = check_ext(fd, KVM_CAP_USER_MEMORY2) > 0;
	c->max_vcpus = check_ext(fd, KVM_CAP_MAX_VCPUS);
	c->guest_memfd = check_ext(fd, KVM_CAP_GUEST_MEMFD) > 0;
	/* memory attributes (and guest_memfd on newer kernels) depend on the
	 * VM type: ask a default VM, then drop it */
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm >= 0) {
		c->memory_attributes = check_ext(vm, KVM_CAP_MEMORY_ATTRIBUTES) > 0;
		c->guest_memfd = c->guest_memfd || check_ext(vm, KVM_CAP_GUEST_MEMFD) > 0;
		close(vm);
	} else {
		c->memory_attributes = check_ext(fd, KVM_CAP_MEMORY_ATTRIBUTES) > 0;
	}
	close(fd);
}

struct json_object *host_kvm_json(const struct kvm_caps *c)
{
	struct json_object *o = json_object_new_object(), *types;
	json_object_object_add(o, "present", json_object_new_boolean(c->present));
	json_object_object_add(o, "accessible", json_object_new_boolean(c->accessible));
	if (!c->accessible) {
		json_object_object_add(o, "why", json_object_new_string(c->why));
		return o;
	}
	json_object_object_add(o, "api_version", json_object_new_int(c->api_version));
	json_object_object_add(o, "vm_types_bitmap", json_object_new_int((int32_t)c->vm_types));
	types = json_object_new_array();
	for (unsigned b = 0; b < 32; b++) {
		char name[16];
		if (!(c->vm_types & (1u << b)))
			continue;
		if (!host_vm_type_name(b))
			snprintf(name, sizeof(name), "type%u", b);
		json_object_array_add(types, json_object_new_string(host_vm_type_name(b) ?
								     host_vm_type_name(b) : name));
	}
	json_object_object_add(o, "vm_types", types);
	json_object_object_add(o, "guest_memfd", json_object_new_boolean(c->guest_memfd));
	json_object_object_add(o, "memory_attributes", json_object_new_boolean(c->memory_attributes));
	json_object_object_add(o, "binary_stats_fd", json_object_new_boolean(c->binary_stats));
	json_object_object_add(o, "user_memory2", json_object_new_boolean(c->user_memory2));
	json_object_object_add(o, "max_vcpus", json_object_new_int(c->max_vcpus));
	return o;
}
