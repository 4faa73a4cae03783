// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The record layout of the `events` perf event array is a contract with
 * outside scripts (docs/EVENTS.md, scripts/ngx502-events). This table is
 * version 1 of it: when a size or an offset below changes, the change must
 * bump NGX502_EVENT_VERSION, and then this test fails on the version check
 * until the table is rewritten for the new version, along with the doc and
 * the scripts.
 */
#include <stddef.h>
#include <linux/types.h>
#include "unit.h"
#include "ngx502.h"

#define LAYOUT_VERSION 1

struct field {
	const char *name;
	size_t off, size;	    /* as compiled */
	size_t want_off, want_size; /* version 1 */
};

#define FIELD(type, member, off, size)                                                             \
	{                                                                                          \
#type "." #member, offsetof(struct type, member),                                  \
			sizeof(((struct type *)0)->member), off, size                              \
	}

#define SIZE(type, size)                                                                           \
	{                                                                                          \
		"sizeof(" #type ")", 0, sizeof(struct type), 0, size                               \
	}

static const struct field fields[] = {
	SIZE(ngx502_hdr, 32),
	FIELD(ngx502_hdr, type, 0, 2),
	FIELD(ngx502_hdr, version, 2, 2),
	FIELD(ngx502_hdr, size, 4, 4),
	FIELD(ngx502_hdr, ts_ns, 8, 8),
	FIELD(ngx502_hdr, cgroup_id, 16, 8),
	FIELD(ngx502_hdr, pid, 24, 4),
	FIELD(ngx502_hdr, tid, 28, 4),

	SIZE(ngx502_addr, 136),
	FIELD(ngx502_addr, family, 0, 2),
	FIELD(ngx502_addr, port, 2, 2),
	FIELD(ngx502_addr, flags, 4, 4),
	FIELD(ngx502_addr, addr, 8, 16),
	FIELD(ngx502_addr, path, 24, 108),
	FIELD(ngx502_addr, reserved, 132, 4),

	SIZE(ngx502_conn_event, 224),
	FIELD(ngx502_conn_event, hdr, 0, 32),
	FIELD(ngx502_conn_event, sock, 32, 8),
	FIELD(ngx502_conn_event, duration_ns, 40, 8),
	FIELD(ngx502_conn_event, bytes_sent, 48, 8),
	FIELD(ngx502_conn_event, bytes_received, 56, 8),
	FIELD(ngx502_conn_event, err, 64, 4),
	FIELD(ngx502_conn_event, source, 68, 2),
	FIELD(ngx502_conn_event, sport, 70, 2),
	FIELD(ngx502_conn_event, old_state, 72, 1),
	FIELD(ngx502_conn_event, new_state, 73, 1),
	FIELD(ngx502_conn_event, retrans, 74, 2),
	FIELD(ngx502_conn_event, peer_pid, 76, 4),
	FIELD(ngx502_conn_event, unread, 80, 4),
	FIELD(ngx502_conn_event, idle_ms, 84, 4),
	FIELD(ngx502_conn_event, daddr, 88, 136),

	SIZE(ngx502_target_event, 64),
	FIELD(ngx502_target_event, hdr, 0, 32),
	FIELD(ngx502_target_event, ppid, 32, 4),
	FIELD(ngx502_target_event, reason, 36, 4),
	FIELD(ngx502_target_event, exit_code, 40, 4),
	FIELD(ngx502_target_event, reserved, 44, 4),
	FIELD(ngx502_target_event, comm, 48, 16),

	SIZE(ngx502_signal_event, 224),
	FIELD(ngx502_signal_event, hdr, 0, 32),
	FIELD(ngx502_signal_event, sock, 32, 8),
	FIELD(ngx502_signal_event, sig, 40, 4),
	FIELD(ngx502_signal_event, sender_pid, 44, 4),
	FIELD(ngx502_signal_event, nginx_pid, 48, 4),
	FIELD(ngx502_signal_event, flags, 52, 4),
	FIELD(ngx502_signal_event, comm, 56, 16),
	FIELD(ngx502_signal_event, sender_comm, 72, 16),
	FIELD(ngx502_signal_event, daddr, 88, 136),

	SIZE(ngx502_log_event, 48 + 2048),
	FIELD(ngx502_log_event, hdr, 0, 32),
	FIELD(ngx502_log_event, len, 32, 4),
	FIELD(ngx502_log_event, flags, 36, 4),
	FIELD(ngx502_log_event, fd, 40, 4),
	FIELD(ngx502_log_event, reserved, 44, 4),
	FIELD(ngx502_log_event, line, 48, 2048),

	SIZE(ngx502_response_event, 48),
	FIELD(ngx502_response_event, hdr, 0, 32),
	FIELD(ngx502_response_event, conn, 32, 8),
	FIELD(ngx502_response_event, status, 40, 4),
	FIELD(ngx502_response_event, reserved, 44, 4),
	SIZE(ngx502_oom_event, 112),
	FIELD(ngx502_oom_event, hdr, 0, 32),
	FIELD(ngx502_oom_event, memcg_id, 32, 8),
	FIELD(ngx502_oom_event, limit_pages, 40, 8),
	FIELD(ngx502_oom_event, usage_pages, 48, 8),
	FIELD(ngx502_oom_event, peak_pages, 56, 8),
	FIELD(ngx502_oom_event, anon_pages, 64, 8),
	FIELD(ngx502_oom_event, file_pages, 72, 8),
	FIELD(ngx502_oom_event, shmem_pages, 80, 8),
	FIELD(ngx502_oom_event, flags, 88, 4),
	FIELD(ngx502_oom_event, reserved, 92, 4),
	FIELD(ngx502_oom_event, comm, 96, 16),
};

struct constant {
	const char *name;
	long val, want;
};

/* Numbers a reader decodes by: part of the same contract. */
static const struct constant constants[] = {
	{"NGX502_PATH_MAX", NGX502_PATH_MAX, 108},
	{"NGX502_COMM_LEN", NGX502_COMM_LEN, 16},
	{"NGX502_LOG_MAX", NGX502_LOG_MAX, 2048},
	{"NGX502_LOG_HDR_SIZE", NGX502_LOG_HDR_SIZE, 48},
	{"NGX502_LOG_TRUNCATED", NGX502_LOG_TRUNCATED, 1},
	{"NGX502_LOG_SYSLOG", NGX502_LOG_SYSLOG, 2},
	{"NGX502_AF_UNIX", NGX502_AF_UNIX, 1},
	{"NGX502_AF_INET", NGX502_AF_INET, 2},
	{"NGX502_AF_INET6", NGX502_AF_INET6, 10},
	{"NGX502_SRC_SOCK_TP", NGX502_SRC_SOCK_TP, 1},
	{"NGX502_SRC_UPROBE", NGX502_SRC_UPROBE, 2},
	{"NGX502_SRC_SYSCALL", NGX502_SRC_SYSCALL, 3},
	{"NGX502_SIG_KERNEL", NGX502_SIG_KERNEL, 1},
	{"NGX502_SIG_FAULT", NGX502_SIG_FAULT, 2},
	{"NGX502_EV_CONNECT_ERR", NGX502_EV_CONNECT_ERR, 1},
	{"NGX502_EV_TCP_CONNECT_ERR", NGX502_EV_TCP_CONNECT_ERR, 2},
	{"NGX502_EV_SYN_RETRANS", NGX502_EV_SYN_RETRANS, 3},
	{"NGX502_EV_CONNECT_ABORT", NGX502_EV_CONNECT_ABORT, 4},
	{"NGX502_EV_SOCKET_ERR", NGX502_EV_SOCKET_ERR, 5},
	{"NGX502_EV_TARGET_NEW", NGX502_EV_TARGET_NEW, 6},
	{"NGX502_EV_TARGET_EXIT", NGX502_EV_TARGET_EXIT, 7},
	{"NGX502_EV_CONN_RESET", NGX502_EV_CONN_RESET, 8},
	{"NGX502_EV_CONN_FIN", NGX502_EV_CONN_FIN, 9},
	{"NGX502_EV_CONN_ABANDON", NGX502_EV_CONN_ABANDON, 10},
	{"NGX502_EV_SIGNAL", NGX502_EV_SIGNAL, 11},
	{"NGX502_EV_LOG_LINE", NGX502_EV_LOG_LINE, 12},
	{"NGX502_EV_RESPONSE", NGX502_EV_RESPONSE, 13},
	{"NGX502_EV_OOM_VICTIM", NGX502_EV_OOM_VICTIM, 14},
	{"NGX502_OOM_MEMCG_V2", NGX502_OOM_MEMCG_V2, 1},
	{"NGX502_EV_CONN_IDLE_CLOSE", NGX502_EV_CONN_IDLE_CLOSE, 15},
	{"NGX502_IDLE_CLOSE_MIN_MS", NGX502_IDLE_CLOSE_MIN_MS, 100},
};

UNIT_TEST(layout_version)
{
	CHECK(NGX502_EVENT_VERSION == LAYOUT_VERSION,
	      "NGX502_EVENT_VERSION is %d, this table is version %d: rewrite it (and "
	      "docs/EVENTS.md, scripts/ngx502-events) for the new layout",
	      NGX502_EVENT_VERSION, LAYOUT_VERSION);
}

UNIT_TEST(layout_fields)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];

		CHECK(f->off == f->want_off && f->size == f->want_size,
		      "%s: offset %zu, %zu bytes; version %d has offset %zu, %zu bytes: a "
		      "layout change needs NGX502_EVENT_VERSION bumped",
		      f->name, f->off, f->size, LAYOUT_VERSION, f->want_off, f->want_size);
	}
}

UNIT_TEST(layout_constants)
{
	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
		CHECK(constants[i].val == constants[i].want, "%s is %ld, version %d has %ld",
		      constants[i].name, constants[i].val, LAYOUT_VERSION, constants[i].want);
}

/* Records are sent as whole structs, but for the log line, which is cut to its length. */
UNIT_TEST(layout_no_holes)
{
	CHECK_INT(sizeof(struct ngx502_hdr) % 8, 0);
	CHECK_INT(sizeof(struct ngx502_conn_event) % 8, 0);
	CHECK_INT(sizeof(struct ngx502_target_event) % 8, 0);
	CHECK_INT(sizeof(struct ngx502_signal_event) % 8, 0);
	CHECK_INT(offsetof(struct ngx502_log_event, line), NGX502_LOG_HDR_SIZE);
}

int main(void)
{
	return unit_main();
}
