/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Least privilege once the tool is set up: after the BPF programs are
 * loaded and attached and the perf buffer is open, keep only the
 * capabilities that what follows needs (see privs.c for each one and why),
 * empty the bounding, inheritable and ambient sets of everything else, and
 * set no_new_privs.
 */
#ifndef __PRIVS_H
#define __PRIVS_H

#include <stddef.h>

/*
 * Drop every capability but the kept ones, from the effective, permitted,
 * inheritable and bounding sets and the ambient set, then set
 * PR_SET_NO_NEW_PRIVS. Does all it can even when one step fails. 0, or the
 * -errno of the first step that failed.
 */
int privs__drop(void);
/*
 * What this process holds now, for -v: "kept cap_a,cap_b,...; no_new_privs"
 * (or "no capabilities"). 0 or -errno.
 */
int privs__describe(char *buf, size_t size);

/* The effective capability bits of this process (CapEff of /proc/self/status), 0 if unknown. */
unsigned long long privs__cap_eff(void);

#endif /* __PRIVS_H */
