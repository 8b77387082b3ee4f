/* The workload list: one line per workloads/<name>.c (symbol wl_<name>). */
#ifndef TDX_WORKLOAD_REGISTRY_H
#define TDX_WORKLOAD_REGISTRY_H

#include "workloads/workload.h"

#define TDX_WORKLOADS(X)	\
	X(boot)			\
	X(random4k)		\
	X(fault2m)		\
	X(convert_churn)	\
	X(split_storm)		\
	X(multi_td)		\
	X(teardown)		\
	X(linux_boot)		\
	X(test_crash)		\
	X(test_hang)		\
	X(test_bad_exit)

#define TDX_WL_DECLARE(n) extern const struct workload_desc wl_##n;
TDX_WORKLOADS(TDX_WL_DECLARE)
#undef TDX_WL_DECLARE

#endif
