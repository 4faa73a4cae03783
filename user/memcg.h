/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A memory cgroup named by the id the kernel gives its directory (kernfs id,
 * the directory's inode number): its path, for the evidence of an OOM kill.
 */
#ifndef __MEMCG_H
#define __MEMCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The path of cgroup id under the cgroup2 mount (v2) or the v1 memory
 * hierarchy's mount, relative to it with a leading '/' ("/system.slice/x");
 * 0, or -ENOENT when no directory has that id (a bounded walk: depth 8).
 */
int memcg__path(uint64_t id, bool v2, char *buf, size_t size);

/* "64 MiB", "63.8 MiB", "512 KiB", "1.5 GiB": bytes for a person. */
const char *memcg__format_bytes(uint64_t bytes, char *buf, size_t size);

#endif /* __MEMCG_H */
