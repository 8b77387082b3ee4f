#include "lib/outfile.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, 0755) && errno != EEXIST) {
				int e = errno;
				free(p);
				errno = e;
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

static char *parent_of(const char *path)
{
	char *p = xstrdup(path), *slash = strrchr(p, '/');
	if (!slash) {
		free(p);
		return xstrdup(".");
	}
	if (slash == p)
		slash[1] = 0;
	else
		*slash = 0;
	return p;
}

int outdir_make_unique(const char *base, char **path)
{
	char *parent = parent_of(base);

	if (mkdirs(parent)) {
		error_errno("cannot create '%s'", parent);
		free(parent);
		return -1;
	}
	free(parent);
	/* mkdir is the claim: two calls in the same second get two folders */
	for (int i = 1; i < 1000; i++) {
		char *p = i == 1 ? xstrdup(base) : xasprintf("%s-%d", base, i);
		if (!mkdir(p, 0755)) {
			*path = p;
			return 0;
		}
		if (errno != EEXIST) {
			error_errno("cannot create '%s'", p);
			free(p);
			return -1;
		}
		free(p);
	}
	return error("cannot create '%s': 999 folders of that name exist already", base);
}

int outdir_prepare(const char *dir)
{
	struct stat sb;
	if (mkdirs(dir))
		return error_errno("cannot create '%s'", dir);
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
		return error("cannot write into '%s': not a folder", dir);
	return 0;
}

/* Is name listed in dir's manifest? The manifest itself must be a plain file. */
static bool listed(int dfd, const char *name)
{
	char buf[65536];
	size_t len = 0;
	ssize_t n;
	bool found = false;
	int fd = openat(dfd, OUTFILE_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	/* a manifest is a few KiB; a bigger one is not ours to trust */
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = 0;
	for (char *line = buf, *nl; *line && !found; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		found = !strcmp(line, name);
		if (!nl)
			break;
	}
	return found;
}

static int record(int dfd, const char *dir, const char *name)
{
	int fd = openat(dfd, OUTFILE_MANIFEST, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			0644);
	if (fd < 0)
		return error_errno("cannot write '%s/%s'", dir, OUTFILE_MANIFEST);
	if (dprintf(fd, "%s\n", name) < 0) {
		close(fd);
		return error_errno("cannot write '%s/%s'", dir, OUTFILE_MANIFEST);
	}
	return close(fd) ? error_errno("cannot write '%s/%s'", dir, OUTFILE_MANIFEST) : 0;
}

static int claim_at(int dfd, const char *dir, const char *name)
{
	struct stat sb;

	if (!*name || strchr(name, '/') || !strcmp(name, OUTFILE_MANIFEST) || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		BUG("bad output file name '%s'", name);
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT)
			return error_errno("cannot write '%s/%s'", dir, name);
		return listed(dfd, name) ? 0 : record(dfd, dir, name);
	}
	if (!listed(dfd, name) || S_ISDIR(sb.st_mode))
		return error("'%s/%s' exists and tdxbench did not write it: not replacing it "
			     "(choose another folder)", dir, name);
	if (unlinkat(dfd, name, 0))
		return error_errno("cannot replace '%s/%s'", dir, name);
	return 0;
}

int outfile_claim(const char *dir, const char *name)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;
	if (dfd < 0)
		return error_errno("cannot open folder '%s'", dir);
	ret = claim_at(dfd, dir, name);
	close(dfd);
	return ret;
}

FILE *outfile_create(const char *dir, const char *name)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;
	FILE *f;

	if (dfd < 0) {
		error_errno("cannot open folder '%s'", dir);
		return NULL;
	}
	if (!claim_at(dfd, dir, name)) {
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			error_errno("cannot create '%s/%s'", dir, name);
	}
	close(dfd);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		error_errno("cannot write '%s/%s'", dir, name);
		close(fd);
	}
	return f;
}

FILE *outfile_create_new(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f;

	if (fd < 0) {
		if (errno == EEXIST)
			error("'%s' exists: not replacing it (remove it or name a new file)", path);
		else
			error_errno("cannot create '%s'", path);
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		error_errno("cannot write '%s'", path);
		close(fd);
	}
	return f;
}
