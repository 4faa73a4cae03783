/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --check: what this kernel offers the tool and what that means for each
 * cause of docs/DESIGN.md §4, like `bpftrace --info`. Loads nothing but a
 * helper probe (bpf_loop), attaches nothing.
 */
#ifndef __CHECK_H
#define __CHECK_H

/* Print the report on stdout. 0 when everything the causes need is there, else 1. */
int check__run(void);

#endif /* __CHECK_H */
