/*
 * Guest memory backings, the same choices as the selftests' backing sources
 * (lib/test_util.c: anonymous, anonymous_thp, anonymous_hugetlb_2mb, shmem)
 * plus guest_memfd. The test memslot can also carry a guest_memfd private
 * side when the VM type has private memory (KVM_X86_SW_PROTECTED_VM, TDX).
 */
#include "backend/kvm/vmm.h"
#include "lib/util.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/mman.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *const kvm_backing_names[] = { "anon", "thp", "hugetlb", "memfd", "gmem", NULL };
_Static_assert(sizeof(kvm_backing_names) / sizeof(kvm_backing_names[0]) == BACKING_NR + 1,
	       "a name per backing");

static int gmem_create(struct kvm_vm *vm, uint64_t size, uint64_t flags, char *err, size_t errlen)
{
	struct tdxb_kvm_create_guest_memfd g = { .size = size, .flags = flags };
	return vm_ioctl(vm, TDXB_KVM_CREATE_GUEST_MEMFD, &g, err, errlen);
}

int guest_mem_alloc(struct kvm_vm *vm, struct guest_mem *m, enum kvm_backing kind, bool private_side,
		    char *err, size_t errlen)
{
	int prot = PROT_READ | PROT_WRITE;
	void *p;

	m->kind = kind;
	m->fd = m->gmem_fd = -1;
	m->hva = m->map_base = NULL;
	m->map_size = 0;
	switch (kind) {
	case BACKING_ANON:
		p = mmap(NULL, m->size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			goto mmap_fail;
		m->map_base = m->hva = p;
		m->map_size = m->size;
		/* 4K host pages even when THP is "always", as the selftests' "anonymous" */
		madvise(p, m->size, MADV_NOHUGEPAGE);
		break;
	case BACKING_THP:
		/* over-map by 2M so the guest's 2M regions line up with host THPs */
		m->map_size = m->size + 2 * MiB;
		p = mmap(NULL, m->map_size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			goto mmap_fail;
		m->map_base = p;
		m->hva = (void *)(((uintptr_t)p + 2 * MiB - 1) & ~(uintptr_t)(2 * MiB - 1));
		if (madvise(m->hva, m->size, MADV_HUGEPAGE)) {
			snprintf(err, errlen, "backing=thp: madvise(MADV_HUGEPAGE) failed: %s", strerror(errno));
			goto fail;
		}
		break;
	case BACKING_HUGETLB:
		p = mmap(NULL, m->size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
		if (p == MAP_FAILED)
			goto mmap_fail;
		m->map_base = m->hva = p;
		m->map_size = m->size;
		break;
	case BACKING_MEMFD:
		m->fd = memfd_create("tdxbench-guest", MFD_CLOEXEC);
		if (m->fd < 0 || ftruncate(m->fd, (off_t)m->size)) {
			snprintf(err, errlen, "backing=memfd: cannot create a %llu-byte memfd: %s",
				 (unsigned long long)m->size, strerror(errno));
			goto fail;
		}
		p = mmap(NULL, m->size, prot, MAP_SHARED, m->fd, 0);
		if (p == MAP_FAILED)
			goto mmap_fail;
		m->map_base = m->hva = p;
		m->map_size = m->size;
		break;
	case BACKING_GMEM: {
		/* guest_memfd as ordinary shared memory (KVM_CAP_GUEST_MEMFD_FLAGS: MMAP|INIT_SHARED) */
		int r = gmem_create(vm, m->size, TDXB_GUEST_MEMFD_FLAG_MMAP | TDXB_GUEST_MEMFD_FLAG_INIT_SHARED,
				    err, errlen);
		if (r < 0)
			goto fail;
		m->fd = r;
		p = mmap(NULL, m->size, prot, MAP_SHARED, m->fd, 0);
		if (p == MAP_FAILED)
			goto mmap_fail;
		m->map_base = m->hva = p;
		m->map_size = m->size;
		break;
	}
	default:
		snprintf(err, errlen, "unknown backing %d", kind);
		return -EINVAL;
	}
	if (private_side) {
		int r = gmem_create(vm, m->size, 0, err, errlen);
		if (r < 0)
			goto fail;
		m->gmem_fd = r;
	}
	return 0;
mmap_fail:
	snprintf(err, errlen, "backing=%s: cannot map %llu bytes: %s", kvm_backing_names[kind],
		 (unsigned long long)m->size, strerror(errno));
fail:
	guest_mem_free(m);
	return -ENOMEM;
}

void guest_mem_free(struct guest_mem *m)
{
	if (m->map_base)
		munmap(m->map_base, m->map_size);
	if (m->fd >= 0)
		close(m->fd);
	if (m->gmem_fd >= 0)
		close(m->gmem_fd);
	m->map_base = m->hva = NULL;
	m->fd = m->gmem_fd = -1;
}

static int punch(int fd, uint64_t off, uint64_t len, const char *what, char *err, size_t errlen)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len)) {
		snprintf(err, errlen, "fallocate(PUNCH_HOLE) on %s at %#llx+%#llx failed: %s", what,
			 (unsigned long long)off, (unsigned long long)len, strerror(errno));
		return -errno;
	}
	return 0;
}

int guest_mem_discard(struct guest_mem *m, uint64_t off, uint64_t len, bool private_side,
		      char *err, size_t errlen)
{
	if (private_side)
		return punch(m->gmem_fd, off, len, "guest_memfd", err, errlen);
	switch (m->kind) {
	case BACKING_MEMFD:
		return punch(m->fd, off, len, "memfd", err, errlen);
	case BACKING_GMEM:
		return punch(m->fd, off, len, "guest_memfd", err, errlen);
	default:
		/* the mmu notifier zaps KVM's mapping; the next access refaults a zero page */
		if (madvise((char *)m->hva + off, len, MADV_DONTNEED)) {
			snprintf(err, errlen, "madvise(MADV_DONTNEED) at %#llx+%#llx failed: %s",
				 (unsigned long long)off, (unsigned long long)len, strerror(errno));
			return -errno;
		}
		return 0;
	}
}

const char *guest_mem_conversion_method(const struct guest_mem *m, bool private_mem)
{
	if (private_mem)
		return "KVM_SET_MEMORY_ATTRIBUTES + discard of the old side (guest_memfd hole punch / MADV_DONTNEED)";
	switch (m->kind) {
	case BACKING_MEMFD:
		return "zap + refault via fallocate(PUNCH_HOLE) on the memfd (VM type has no private memory)";
	case BACKING_GMEM:
		return "zap + refault via fallocate(PUNCH_HOLE) on the guest_memfd (VM type has no private memory)";
	default:
		return "zap + refault via MADV_DONTNEED (VM type has no private memory)";
	}
}
