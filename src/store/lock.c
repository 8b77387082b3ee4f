/*
 * Who is running a session. While a process runs (or resumes) a session it
 * holds a write lock on byte <session id> of "<db>.lock", an open file
 * description lock: the kernel drops it however the process ends (exit,
 * SIGKILL, the OOM killer), so a session marked running whose byte nobody
 * holds was left behind by a process that died without saying so. `db
 * check` reports such sessions, `db repair` marks them interrupted, and a
 * second `run --resume` of a session that is held refuses to start.
 */
#include "store/store_int.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One descriptor per process: closing another would not drop OFD locks, but keep it simple. */
static int lock_fd = -1;
static char *lock_path;

static char *lock_file(const struct store *st)
{
	return xasprintf("%s.lock", store_path(st));
}

static int open_lock(const struct store *st, bool create)
{
	char *path = lock_file(st);
	int fd;

	if (lock_fd >= 0 && !strcmp(lock_path, path)) {
		free(path);
		return lock_fd;
	}
	/* never follow a symlink planted where our lock file goes */
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0644);
	if (fd < 0 && !create && errno == EACCES)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		free(path);
		errno = e;
		return -1;
	}
	if (lock_fd >= 0)
		close(lock_fd);
	free(lock_path);
	lock_fd = fd;
	lock_path = path;
	return fd;
}

static struct flock byte_of(int64_t session, short type)
{
	struct flock fl;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)session;
	fl.l_len = 1;
	return fl;
}

int store_session_lock(struct store *st, int64_t session)
{
	struct flock fl = byte_of(session, F_WRLCK);
	int fd = open_lock(st, true);

	if (fd < 0)
		return error("cannot create the lock file '%s.lock': %s", store_path(st),
			     strerror(errno));
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return 1;
	return error("cannot lock session %lld in '%s.lock': %s", (long long)session,
		     store_path(st), strerror(errno));
}

int store_session_locked(struct store *st, int64_t session)
{
	struct flock fl = byte_of(session, F_WRLCK);
	int fd = open_lock(st, false);

	if (fd < 0)
		return errno == ENOENT ? 0 : error("cannot read the lock file '%s.lock': %s",
						   store_path(st), strerror(errno));
	if (fcntl(fd, F_OFD_GETLK, &fl))
		return error("cannot read the lock file '%s.lock': %s", store_path(st),
			     strerror(errno));
	return fl.l_type != F_UNLCK;
}

int store_stale_sessions(struct store *st, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	s = store_prepare(st, "SELECT id FROM sessions WHERE status = 'running' OR id IN "
			      "(SELECT session_id FROM runs WHERE status = 'running') ORDER BY id");
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		int held = store_session_locked(st, id);
		if (held < 0) {
			sqlite3_finalize(s);
			free(*ids);
			*ids = NULL;
			*n = 0;
			return -1;
		}
		if (held)
			continue;
		GROW(*ids, cap, *n + 1);
		(*ids)[(*n)++] = id;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return store_dberr(st, "cannot list sessions in");
	}
	return 0;
}

int store_repair_session(struct store *st, int64_t session)
{
	static const char reason[] = "the process running it ended without recording why "
				     "(killed, out of memory, power lost); repaired by db repair";
	sqlite3_stmt *s;
	char now[32];
	int held;

	/* hold it ourselves while repairing: a resume starting now must wait for us */
	held = store_session_lock(st, session);
	if (held)
		return held < 0 ? -1 : error("session %lld is running now: nothing to repair",
					     (long long)session);
	if (store_begin(st))
		return -1;
	s = store_prepare(st, "UPDATE runs SET status = 'interrupted', reason = ?1 "
			      "WHERE session_id = ?2 AND status = 'running'");
	if (!s)
		goto fail;
	sqlite3_bind_text(s, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, session);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		store_dberr(st, "cannot repair runs in");
		goto fail;
	}
	sqlite3_finalize(s);
	s = store_prepare(st, "UPDATE sessions SET status = 'interrupted', finished = ?1 "
			      "WHERE id = ?2 AND status = 'running'");
	if (!s)
		goto fail;
	sqlite3_bind_text(s, 1, utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, session);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		store_dberr(st, "cannot repair sessions in");
		goto fail;
	}
	sqlite3_finalize(s);
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}
