#include "workloads/common.h"
#include "lib/util.h"

#include <string.h>

const char *const wl_accept_choices[] = { "4K", "2M", NULL };
const char *const wl_share_choices[] = { "split", "interleave", NULL };

int wl_read_accept(const struct opt_desc *own, const struct params *p, uint64_t *unit,
		   char *err, size_t errlen)
{
	int idx;
	if (opt_get_enum(own, p, "accept", &idx, err, errlen))
		return -1;
	*unit = idx ? 2 * MiB : 4 * KiB;
	return 0;
}

int wl_read_share(const struct opt_desc *own, const struct params *p, uint32_t *share,
		  char *err, size_t errlen)
{
	int idx;
	if (opt_get_enum(own, p, "share", &idx, err, errlen))
		return -1;
	*share = idx ? TDXB_SHARE_INTERLEAVE : TDXB_SHARE_SPLIT;
	return 0;
}
