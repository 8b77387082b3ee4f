/* vCPU pinning: pin=auto|none|<cpu list>. */
#ifndef TDX_KVM_PIN_H
#define TDX_KVM_PIN_H

#include <stddef.h>

/*
 * Fill cpus[0..max) from spec; returns how many (0 = leave unpinned) or -1
 * with a one-line reason in err (unknown CPU, bad syntax).
 */
int pin_parse(const char *spec, int *cpus, int max, char *err, size_t errlen);
/* CPUs this process may run on. */
int pin_host_cpus(void);

#endif
