/*
 * Dynamic probe events: a kprobe and a kretprobe on each kernel function
 * asked for that this kernel has (the TDX SEAMCALL wrappers, the DPAMT
 * get/put), or a uprobe/uretprobe pair on user functions (how the sampler is
 * tested on kernels without kprobes). Each pair is "<group>:<fn>" and
 * "<group>:<fn>__ret", so sample/tracepoints.c counts both and turns each
 * pair into a latency histogram in the run's private tracefs instance. The
 * group is per process; probes left by dead tdxbench processes are removed.
 */
#ifndef TDX_SAMPLE_PROBES_H
#define TDX_SAMPLE_PROBES_H

#include <stddef.h>
#include <stdint.h>

#define PROBES_GROUP_PREFIX "tdxbench_p"

/* The SEAMCALL wrappers of Linux 7.1 and the DPAMT v6 get/put (reference/tdx-uapi.md §5.3, §5.4). */
extern const char *const probes_tdx_functions[];

struct probes;

/*
 * kprobe + kretprobe on each function of funcs (NULL-terminated) this kernel
 * has (available_filter_functions, else /proc/kallsyms); the others are
 * listed space-separated in missing. NULL + err when none could be placed
 * or the kernel has no kprobes.
 */
struct probes *probes_kernel(const char *const *funcs, char *missing, size_t mlen, char *err, size_t errlen);
/* uprobe + uretprobe on n functions at file offsets of the ELF file path. */
struct probes *probes_user(const char *path, const char *const *names, const uint64_t *offsets, size_t n,
			   char *err, size_t errlen);
/* "group:fn+group:fn__ret+..." for tp_open(). */
const char *probes_spec(const struct probes *p);
size_t probes_count(const struct probes *p);
/* Remove the probes from the kernel and free; NULL is fine. */
void probes_destroy(struct probes *p);

#endif
