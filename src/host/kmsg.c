/* The kernel log, record by record, from /dev/kmsg. */
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* /dev/kmsg: one record per read(), "prio,seq,usec,flags;message\n". */
int host_kmsg_each(void (*fn)(const char *msg, size_t len, void *arg), void *arg, char *why, size_t whylen)
{
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "/dev/kmsg: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg;
		if (n < 0 && (errno == EPIPE || errno == EINTR))	/* overwritten while reading: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (msg) {
			msg++;
			fn(msg, strcspn(msg, "\n"), arg);
		}
	}
	close(fd);
	return 0;
}

struct last_match {
	const char *needle;
	char *out;
	size_t len;
	bool found;
};

static void keep_last(const char *msg, size_t len, void *arg)
{
	struct last_match *m = arg;
	if (memmem(msg, len, m->needle, strlen(m->needle))) {
		snprintf(m->out, m->len, "%.*s", (int)len, msg);
		m->found = true;
	}
}

bool host_kmsg_last(const char *needle, char *out, size_t len)
{
	struct last_match m = { needle, out, len, false };
	char why[128];
	return host_kmsg_each(keep_last, &m, why, sizeof(why)) == 0 && m.found;
}
