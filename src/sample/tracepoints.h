/*
 * KVM tracepoints counted through a private tracefs instance (libtracefs):
 * our own ring buffer, never the global trace / trace_pipe, so a trace
 * somebody else runs is neither clobbered nor polluted. Events are restricted
 * to this process's threads (set_event_pid + event-fork). A drainer thread
 * empties the per-CPU buffers every few ms and counts records per event, so
 * the vCPU threads do no per-event work; tp_mark() drains synchronously and
 * hands back the counts since the previous mark, which is exact when called
 * while the traced threads are parked (the phase barrier).
 */
#ifndef TDX_SAMPLE_TRACEPOINTS_H
#define TDX_SAMPLE_TRACEPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TP_MAX_EVENTS 32
#define TP_INSTANCE_PREFIX "tdxbench-"

/* The events traced when none are named; those this kernel lacks are skipped. */
extern const char *const tp_default_events[];
/* The events of the per-page accounting (spec "per-page"); missing ones are skipped too. */
extern const char *const tp_per_page_events[];

struct tracepoints;

/*
 * Is tracing possible here at all (root, tracefs mounted or mountable,
 * events/kvm present)? 0, or -1 with the reason in why.
 */
int tp_probe(char *why, size_t len);

/*
 * Find or mount tracefs, remove instances left by dead tdxbench processes,
 * create a private instance with buf_kb of ring buffer per CPU and enable the
 * events: spec is "default", "per-page" or names like "kvm:kvm_exit+kvmmmu:fast_page_fault"
 * ('+' or spaces between, "sys:event" or "sys/event"). A named event that does
 * not exist is an error; a default one is skipped. Events are restricted to
 * pid and the threads it creates from now on. Tracing is not on yet.
 * NULL + err on failure (nothing left behind).
 */
struct tracepoints *tp_open(const char *spec, pid_t pid, size_t buf_kb, char *err, size_t errlen);
/* Are the events in spec all on this kernel (tp_open's rules)? 0, or -1 + err. */
int tp_check_events(const char *spec, char *err, size_t errlen);
/* Tracing on, drainer thread started. 0 ok, -1 + err. */
int tp_start(struct tracepoints *tp, char *err, size_t errlen);
/* Drain now; add the counts since the previous mark to out[tp_nevents()] and restart them. */
void tp_mark(struct tracepoints *tp, uint64_t *out);
/* Tracing off, drainer stopped, the rest drained (counted by the next tp_mark). */
void tp_stop(struct tracepoints *tp);
/* Tracing off, instance removed from tracefs, everything freed; NULL is fine. */
void tp_close(struct tracepoints *tp);

size_t tp_nevents(const struct tracepoints *tp);
/* "kvm_page_fault" / "kvm:kvm_page_fault" */
const char *tp_event_name(const struct tracepoints *tp, size_t i);
const char *tp_event_full_name(const struct tracepoints *tp, size_t i);
const char *tp_instance_name(const struct tracepoints *tp);
/* Events the kernel dropped or overwrote (per-CPU stats overrun + dropped events). */
uint64_t tp_lost(struct tracepoints *tp);
/* Default events this kernel lacks, space-separated ("" if none). */
const char *tp_skipped(const struct tracepoints *tp);

#endif
