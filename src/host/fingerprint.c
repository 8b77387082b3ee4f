/*
 * The fingerprint as one json-c object, its identity hash, and storing it
 * once per distinct host + kernel + label.
 */
#include "host/host_int.h"
#include "lib/hash.h"
#include "lib/util.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int host_kernel_describe(const char *dir, char *out, size_t len, char *err, size_t errlen)
{
	struct stat sb;
	int pfd[2], status;
	ssize_t n = 0, r;
	pid_t pid;

	if (stat(dir, &sb)) {
		snprintf(err, errlen, "cannot describe kernel tree '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "cannot describe kernel tree '%s': not a folder", dir);
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(err, errlen, "cannot describe kernel tree '%s': %s", dir, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot describe kernel tree '%s': %s", dir, strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(pfd[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		execlp("git", "git", "-C", dir, "describe", "--tags", "--always", "--dirty",
		       "--abbrev=12", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (n < (ssize_t)len - 1 && (r = read(pfd[0], out + n, len - 1 - (size_t)n)) > 0)
		n += r;
	close(pfd[0]);
	out[n] = 0;
	out[strcspn(out, "\n")] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !out[0]) {
		snprintf(err, errlen, "cannot describe kernel tree '%s': %s", dir,
			 WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "git is not installed"
			 : "not a git work tree");
		return -1;
	}
	return 0;
}

struct json_object *host_fingerprint(const struct host_opts *o)
{
	struct json_object *fp = json_object_new_object();
	struct kvm_caps kvm;
	char now[32], name[256];

	host_probe_kvm(&kvm);
	json_object_object_add(fp, "format", json_object_new_int(1));
	json_object_object_add(fp, "collected_at", json_object_new_string(utc_now(now, sizeof(now))));
	if (gethostname(name, sizeof(name)) == 0) {
		name[sizeof(name) - 1] = 0;
		json_object_object_add(fp, "hostname", json_object_new_string(name));
	}
	json_object_object_add(fp, "label", o && o->label ? json_object_new_string(o->label) : NULL);
	if (o && o->kernel_tree) {
		struct json_object *kt = json_object_new_object();
		char desc[256], err[512];
		json_object_object_add(kt, "path", json_object_new_string(o->kernel_tree));
		if (host_kernel_describe(o->kernel_tree, desc, sizeof(desc), err, sizeof(err)))
			json_object_object_add(kt, "error", json_object_new_string(err));
		else
			json_object_object_add(kt, "describe", json_object_new_string(desc));
		json_object_object_add(fp, "kernel_tree", kt);
	}
	json_object_object_add(fp, "cpu", host_cpu_json());
	json_object_object_add(fp, "topology", host_topology_json());
	json_object_object_add(fp, "kernel", host_kernel_json());
	json_object_object_add(fp, "kvm", host_kvm_json(&kvm));
	json_object_object_add(fp, "tdx", host_tdx_json(&kvm));
	return fp;
}

const char *host_fingerprint_error(struct json_object *fp)
{
	struct json_object *kt, *e;
	if (json_object_object_get_ex(fp, "kernel_tree", &kt) &&
	    json_object_object_get_ex(kt, "error", &e))
		return json_object_get_string(e);
	return NULL;
}

const char *host_identity(struct json_object *fp, char hex[65])
{
	struct json_object *copy = NULL, *tdx, *topo, *nodes;
	const char *s;

	/* volatile parts: when it was taken, the kernel log ring, which
	 * rotates and depends on who reads it, and each NUMA node's memory,
	 * which memory hotplug moves while the machine runs (seen on a VM
	 * onlining 128M blocks for an hour after boot): the same machine must
	 * stay one host, or shards of one fleet run come back as many */
	if (json_object_deep_copy(fp, &copy, NULL))
		die("out of memory");
	json_object_object_del(copy, "collected_at");
	if (json_object_object_get_ex(copy, "tdx", &tdx)) {
		struct json_object *mv, *src;
		json_object_object_del(tdx, "kernel_log");
		/* read from that ring too: DPAMT always, the module version unless sysfs gave it */
		json_object_object_del(tdx, "dpamt");
		if (json_object_object_get_ex(tdx, "module_version", &mv) &&
		    (!json_object_object_get_ex(mv, "source", &src) ||
		     strcmp(json_object_get_string(src), "kernel log") == 0))
			json_object_object_del(tdx, "module_version");
	}
	if (json_object_object_get_ex(copy, "topology", &topo) &&
	    json_object_object_get_ex(topo, "nodes", &nodes))
		for (size_t i = 0; i < json_object_array_length(nodes); i++)
			json_object_object_del(json_object_array_get_idx(nodes, i), "memory_bytes");
	s = json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN);
	{
		char *digest = hash_sha256_hex(s, strlen(s));
		snprintf(hex, 65, "%s", digest);
		free(digest);
	}
	json_object_put(copy);
	return hex;
}

/* A string member at a dotted path, or NULL. */
const char *host_json_str(struct json_object *fp, const char *path)
{
	char buf[128], *save = NULL;
	struct json_object *cur = fp;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		if (!cur || !json_object_object_get_ex(cur, k, &cur))
			return NULL;
	return cur && json_object_is_type(cur, json_type_string) ? json_object_get_string(cur) : NULL;
}

/*
 * `run --label L` after `host --label L --kernel-tree DIR` on the same boot:
 * the label names the kernel that tree describes, so the run attaches to
 * that host record (same fingerprint, same describe) instead of a new one.
 */
static int inherit_kernel_tree(struct store *st, const struct host_opts *o,
			       struct json_object **fp)
{
	struct json_object *old, *kt, *merged;
	char *json = NULL;

	if (!o || !o->label || o->kernel_tree)
		return 0;
	if (store_host_described(st, o->label, host_json_str(*fp, "hostname"),
				 host_json_str(*fp, "kernel.release"), &json))
		return -1;
	if (!json)
		return 0;
	old = json_tokener_parse(json);
	free(json);
	if (!old || !json_object_object_get_ex(old, "kernel_tree", &kt)) {
		json_object_put(old);
		return 0;
	}
	/* where host_fingerprint() puts it, so the identity hash comes out the same */
	merged = json_object_new_object();
	json_object_object_foreach(*fp, k, v) {
		json_object_object_add(merged, k, json_object_get(v));
		if (!strcmp(k, "label"))
			json_object_object_add(merged, "kernel_tree", json_object_get(kt));
	}
	json_object_put(old);
	json_object_put(*fp);
	*fp = merged;
	return 0;
}

int host_store(struct store *st, const struct host_opts *o, int64_t *host_id)
{
	struct json_object *fp = host_fingerprint(o);
	const char *err = host_fingerprint_error(fp);
	char hash[65];
	struct host_info h;
	int ret;

	if (!err && inherit_kernel_tree(st, o, &fp)) {
		json_object_put(fp);
		return -1;
	}
	if (err) {
		error("%s", err);
		json_object_put(fp);
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.hash = host_identity(fp, hash);
	h.hostname = host_json_str(fp, "hostname");
	h.label = o ? o->label : NULL;
	h.kernel_release = host_json_str(fp, "kernel.release");
	h.kernel_describe = host_json_str(fp, "kernel_tree.describe");
	h.cpu_model = host_json_str(fp, "cpu.model_name");
	h.json = json_object_to_json_string_ext(fp, JSON_C_TO_STRING_PLAIN);
	ret = store_host_upsert(st, &h, host_id);
	json_object_put(fp);
	return ret;
}
