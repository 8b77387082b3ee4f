/*
 * Workload registry. A workload is a named builder: parameters in, phase list
 * (workloads/phase.h) out. One file per workload under workloads/, each
 * exporting one `const struct workload_desc wl_<name>`, listed in
 * workloads/registry.h.
 */
#ifndef TDX_WORKLOAD_H
#define TDX_WORKLOAD_H

#include <stddef.h>

#include "lib/opts.h"
#include "lib/params.h"
#include "workloads/phase.h"

#define WL_TEST_ONLY	(1u << 0)	/* hidden from `workloads` and the default suite */

struct workload_desc {
	const char *name;
	const char *summary;
	/* what the phases do, for `tdxbench workloads` and docs */
	const char *description;
	/* workload-specific keys, {NULL}-terminated; a key here overrides the common one */
	const struct opt_desc *params;
	unsigned flags;
	/*
	 * Metrics this workload is about, NULL-terminated or NULL: its run
	 * summary shows them whenever they are stored, even when every row has
	 * the same value (a teardown table shows PAMT.REMOVE, not the boot's
	 * PAMT.ADD again).
	 */
	const char *const *headline;
	/* Fill out from p (common keys: mem, vcpus, tds, seed). -1 + err on bad input. */
	int (*build)(const struct params *p, struct tdxb_workload *out, char *err, size_t errlen);
};

/* Keys every workload accepts: mem, vcpus, tds. */
extern const struct opt_desc workload_common_opts[];

const struct workload_desc *workload_find(const char *name);
/* NULL-terminated, registry order. */
const struct workload_desc *const *workload_all(void);
/* Names for "did you mean" (NULL-terminated, static). */
const char *const *workload_names(void);

/* Helpers for builders. */
struct wl_common {
	uint64_t mem;
	uint32_t vcpus, tds;
	uint64_t seed;
};
/*
 * Read mem, vcpus, tds (through own's descriptor when the workload overrides
 * one, else workload_common_opts) and seed.
 */
int wl_read_common(const struct opt_desc *own, const struct params *p, struct wl_common *c,
		   char *err, size_t errlen);
/* own when it describes key, else workload_common_opts. */
const struct opt_desc *wl_key_table(const struct opt_desc *own, const char *key);
void wl_init(struct tdxb_workload *w, const struct wl_common *c);
struct tdxb_phase *wl_add_phase(struct tdxb_workload *w, uint32_t kind);
/* "fault", "convert", ... "test-crash"; "?" for an unknown kind. */
const char *wl_phase_kind_name(uint32_t kind);
/* Human-readable one line per phase. */
void wl_describe_phase(const struct tdxb_phase *ph, char *buf, size_t len);

#endif
