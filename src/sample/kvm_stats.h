/*
 * KVM binary statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst
 * "KVM_GET_STATS_FD"): one reader per VM or vCPU stats fd. The descriptors are
 * read once; a snapshot is one pread() of the data block, cheap enough for a
 * sampler thread. Values are looked up by name ("pf_fixed", "pages_4k").
 */
#ifndef TDX_SAMPLE_KVM_STATS_H
#define TDX_SAMPLE_KVM_STATS_H

#include <stddef.h>
#include <stdint.h>

struct kvm_stats {
	int fd;
	char id[64];		/* "kvm-<pid>" or "kvm-<pid>/vcpu-<n>" */
	size_t nstats;
	char **names;		/* nstats names */
	uint32_t *offsets;	/* u64 index of each stat's first value in data */
	uint32_t *flags;	/* KVM_STATS_TYPE_* | UNIT | BASE */
	uint64_t data_offset;	/* file offset of the data block */
	size_t data_words;	/* u64 words in the data block */
};

/* Take ownership of stats_fd (closed by kvm_stats_close). 0 ok, -1 + err. */
int kvm_stats_open(struct kvm_stats *s, int stats_fd, char *err, size_t errlen);
void kvm_stats_close(struct kvm_stats *s);
/* Index of a stat by name, or -1. */
int kvm_stats_find(const struct kvm_stats *s, const char *name);
/* Read the whole data block into buf (data_words u64s). 0 ok, -1 + errno. */
int kvm_stats_read(const struct kvm_stats *s, uint64_t *buf);
/* The first value of stat idx in a block read by kvm_stats_read(). */
static inline uint64_t kvm_stats_value(const struct kvm_stats *s, const uint64_t *buf, int idx)
{
	return idx < 0 ? 0 : buf[s->offsets[idx]];
}
/* Cumulative (vs instant/peak/histogram) stat: a delta makes sense. */
int kvm_stats_is_cumulative(const struct kvm_stats *s, int idx);

#endif
