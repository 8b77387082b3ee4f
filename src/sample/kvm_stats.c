#include "sample/kvm_stats.h"
#include "lib/util.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kvm_stats_open(struct kvm_stats *s, int stats_fd, char *err, size_t errlen)
{
	struct kvm_stats_header h;
	size_t desc_size;
	char *descs = NULL;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = stats_fd;
	n = pread(stats_fd, &h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h)) {
		snprintf(err, errlen, "cannot read KVM stats header: %s", n < 0 ? strerror(errno) : "short read");
		goto fail;
	}
	if (h.name_size == 0 || h.name_size > 4096 || h.num_desc > 65536) {
		snprintf(err, errlen, "implausible KVM stats header (name_size %u, num_desc %u)",
			 h.name_size, h.num_desc);
		goto fail;
	}
	if (h.id_offset) {
		n = pread(stats_fd, s->id, MIN(sizeof(s->id) - 1, (size_t)h.name_size), h.id_offset);
		if (n < 0)
			s->id[0] = 0;
	}
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = xcalloc(h.num_desc, desc_size);
	n = pread(stats_fd, descs, desc_size * h.num_desc, h.desc_offset);
	if (n != (ssize_t)(desc_size * h.num_desc)) {
		snprintf(err, errlen, "cannot read KVM stats descriptors: %s", n < 0 ? strerror(errno) : "short read");
		goto fail;
	}
	s->nstats = h.num_desc;
	s->names = xcalloc(s->nstats, sizeof(*s->names));
	s->offsets = xcalloc(s->nstats, sizeof(*s->offsets));
	s->flags = xcalloc(s->nstats, sizeof(*s->flags));
	for (size_t i = 0; i < s->nstats; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * desc_size);
		size_t end = d->offset / 8 + d->size;
		s->names[i] = xmalloc(h.name_size + 1);
		memcpy(s->names[i], d->name, h.name_size);
		s->names[i][h.name_size] = 0;
		s->offsets[i] = d->offset / 8;
		s->flags[i] = d->flags;
		if (end > s->data_words)
			s->data_words = end;
	}
	s->data_offset = h.data_offset;
	free(descs);
	return 0;
fail:
	free(descs);
	kvm_stats_close(s);
	return -1;
}

void kvm_stats_close(struct kvm_stats *s)
{
	for (size_t i = 0; s->names && i < s->nstats; i++)
		free(s->names[i]);
	free(s->names);
	free(s->offsets);
	free(s->flags);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int kvm_stats_find(const struct kvm_stats *s, const char *name)
{
	for (size_t i = 0; i < s->nstats; i++)
		if (!strcmp(s->names[i], name))
			return (int)i;
	return -1;
}

int kvm_stats_read(const struct kvm_stats *s, uint64_t *buf)
{
	size_t want = s->data_words * sizeof(uint64_t);
	ssize_t n = pread(s->fd, buf, want, s->data_offset);
	if (n < 0)
		return -1;
	if ((size_t)n != want) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int kvm_stats_is_cumulative(const struct kvm_stats *s, int idx)
{
	return idx >= 0 && (s->flags[idx] & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
}
