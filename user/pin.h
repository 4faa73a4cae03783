/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --pin DIR / --unpin DIR: hand the `events` perf event array to an outside
 * reader (scripts/ngx502-events, bpftool map event_pipe). Under DIR, on a
 * bpf filesystem:
 *
 *	DIR/events		the perf event array, records as in docs/EVENTS.md
 *	DIR/targets		the target set (host tgid -> master), kept fresh by the tool
 *	DIR/stats		per-CPU counters, enum ngx502_stat
 *	DIR/link_<prog>[_N]	one per attached program link: keeps it attached
 *
 * One process pins and the same or another one (--unpin) removes; a pinned
 * `events` marks DIR as owned, so two instances never share a perf buffer.
 */
#ifndef __PIN_H
#define __PIN_H

struct tracer;

/* 1 when DIR/events is pinned already (another --pin owns DIR), 0 when not. */
int pin__busy(const char *dir);
/*
 * Pin the maps and every link of tr not pinned yet under dir. The first call
 * mounts bpffs at /sys/fs/bpf when dir is under it and nothing is mounted
 * there, and creates dir; later calls pin only links attached since (new
 * nginx binaries). 0, -EBUSY when dir is owned by another instance, or
 * -errno; the reason was printed on stderr.
 */
int pin__all(struct tracer *tr, const char *dir);
/*
 * Remove every ngx502-trace object pinned under dir (events, targets, stats,
 * link_*), then undo the mkdir and the mount this process did. Removing the
 * last pin of a link detaches its program. Count removed, or -errno.
 */
int pin__remove(const char *dir);

#endif /* __PIN_H */
