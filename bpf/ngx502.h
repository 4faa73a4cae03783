/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ngx502-trace kernel -> user event records, and what else the kernel and
 * user sides share: the `targets` map value and the settings' values.
 *
 * This header is the wire contract of the `events` perf event array and of
 * the pinned `targets` map: the loader decodes them, and outside scripts read
 * the same bytes from the pinned maps (see docs/EVENTS.md). Fixed-width types only, 64-bit fields
 * first, no holes, no includes. Any change of layout bumps NGX502_EVENT_VERSION; the user side
 * _Static_asserts every size below.
 */
#ifndef __NGX502_H
#define __NGX502_H

#define NGX502_EVENT_VERSION 1

#define NGX502_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */
#define NGX502_COMM_LEN 16
#define NGX502_LOG_MAX	2048 /* NGX_MAX_ERROR_STR: nginx never writes more */

/* Record types: every record starts with struct ngx502_hdr. */
enum ngx502_event_type {
	NGX502_EV_CONNECT_ERR = 1,     /* connect() failed synchronously */
	NGX502_EV_TCP_CONNECT_ERR = 2, /* SYN_SENT socket failed later: RST, ICMP, kernel timeout */
	NGX502_EV_SYN_RETRANS = 3,     /* SYN retransmitted: nobody answers */
	NGX502_EV_CONNECT_ABORT = 4,   /* SYN_SENT socket closed by nginx (its connect timer) */
	NGX502_EV_SOCKET_ERR = 5,      /* socket() failed: EMFILE/ENFILE */
	NGX502_EV_TARGET_NEW = 6,      /* a process joined the target set */
	NGX502_EV_TARGET_EXIT = 7,     /* a tracked process exited */
	NGX502_EV_CONN_RESET = 8,      /* RST on an established upstream connection */
	NGX502_EV_CONN_FIN = 9,	       /* peer closed while a request was in flight */
	NGX502_EV_CONN_ABANDON = 10,   /* nginx closed an in-flight connection (read timeout) */
	NGX502_EV_SIGNAL = 11,	       /* a backend process got a fatal signal */
	NGX502_EV_LOG_LINE = 12,       /* an nginx error-log line as it was written */
	NGX502_EV_RESPONSE = 13,       /* nginx generated an error response (status >= 500) */
	NGX502_EV_OOM_VICTIM = 14,     /* the OOM killer chose a process (any, not only backends) */
	NGX502_EV_CONN_IDLE_CLOSE = 15, /* the upstream closed an idle keep-alive connection */
	NGX502_EV_MAX
};

/* How the evidence was taken. */
enum ngx502_source {
	NGX502_SRC_SOCK_TP = 1, /* sock:/tcp: tracepoints */
	NGX502_SRC_UPROBE = 2,	/* uprobe on nginx's ngx_log_error_core */
	NGX502_SRC_SYSCALL = 3, /* syscalls:sys_exit_* tracepoints (fallback) */
};

/* Per-CPU counters in the `stats` map, summed by the loader. */
enum ngx502_stat {
	NGX502_STAT_EVENTS = 0,	    /* records handed to the perf buffer */
	NGX502_STAT_DROPS = 1,	    /* bpf_perf_event_output failed: buffer full */
	NGX502_STAT_CONNS_FULL = 2, /* conns map insert failed */
	NGX502_STAT__MAX
};

/*
 * nginx closing an established upstream connection whose request has had no
 * byte back for more than this many ms is NGX502_EV_CONN_ABANDON (its read
 * timeout); a quicker close is nginx's own business unless bytes it never
 * read remain. The loader writes it into the BPF object's `abandon_min_ms`
 * before load: this is the one definition of the value.
 */
#define NGX502_ABANDON_MIN_MS 500

/* 8 bytes: the value of the `targets` map (pinned as DIR/targets), keyed by host tgid. */
struct ngx502_target {
	__u32 master; /* host tgid of the master of this process family */
	__u32 flags;  /* NGX502_TARGET_* */
};

#define NGX502_TARGET_AUTO 1 /* added by the kernel side (fork/exec), not the loader */

/* Address families as on Linux. */
#define NGX502_AF_UNIX	1
#define NGX502_AF_INET	2
#define NGX502_AF_INET6 10

/* 32 bytes: every record starts with this. */
struct ngx502_hdr {
	__u16 type;	 /* enum ngx502_event_type */
	__u16 version;	 /* NGX502_EVENT_VERSION */
	__u32 size;	 /* bytes of the whole record, header included */
	__u64 ts_ns;	 /* CLOCK_MONOTONIC, bpf_ktime_get_ns() */
	__u64 cgroup_id; /* cgroup v2 id of the nginx process */
	__u32 pid;	 /* host tgid of the nginx process */
	__u32 tid;	 /* host tid, 0 when taken in softirq context */
};

/* 136 bytes: an upstream endpoint. */
struct ngx502_addr {
	__u16 family;		    /* NGX502_AF_* */
	__u16 port;		    /* host byte order; 0 for unix */
	__u32 flags;		    /* reserved, 0 */
	__u8 addr[16];		    /* IPv4 in the first 4 bytes, network order */
	char path[NGX502_PATH_MAX]; /* unix socket path, NUL-terminated if shorter */
	__u32 reserved;
};

/*
 * An upstream's FIN on a connection idle for at least this many ms (it had carried a response,
 * none is in flight) is NGX502_EV_CONN_IDLE_CLOSE: the backend's keep-alive idle timeout. A
 * quicker FIN is a backend closing after its response (HTTP/1.0, Connection: close).
 */
#define NGX502_IDLE_CLOSE_MIN_MS 100

/* 224 bytes: NGX502_EV_CONNECT_ERR .. NGX502_EV_CONN_ABANDON, NGX502_EV_CONN_IDLE_CLOSE. */
struct ngx502_conn_event {
	struct ngx502_hdr hdr;
	__u64 sock;	      /* kernel socket address: an opaque id, equal across events */
	__u64 duration_ns;    /* since the socket entered SYN_SENT, 0 if unknown */
	__u64 bytes_sent;     /* TCP bytes_sent at the time of the event */
	__u64 bytes_received; /* TCP bytes_received at the time of the event */
	__s32 err;	      /* positive errno; 0 if none */
	__u16 source;	      /* enum ngx502_source */
	__u16 sport;	      /* local port, host order; 0 if none was bound */
	__u8 old_state;	      /* TCP states as in include/net/tcp_states.h */
	__u8 new_state;
	__u16 retrans;	/* SYN retransmits seen on this socket */
	__u32 peer_pid; /* host tgid owning the peer socket, 0 if not on this host */
	__u32 unread;	/* bytes received that nginx never read, at the time of the event */
	/*
	 * CONN_RESET/FIN/ABANDON: the connection had carried response data before nginx's latest
	 * send (a reused keep-alive connection): ms it sat idle before that send, at least 1; 0 on
	 * its first request. CONN_IDLE_CLOSE: ms it had been idle when the upstream closed it.
	 */
	__u32 idle_ms;
	struct ngx502_addr daddr;
};

/* 64 bytes: NGX502_EV_TARGET_NEW / NGX502_EV_TARGET_EXIT. */
struct ngx502_target_event {
	struct ngx502_hdr hdr;
	__u32 ppid;	 /* host tgid of the parent */
	__u32 reason;	 /* 1 fork of a target, 2 exec of nginx, 3 exit */
	__s32 exit_code; /* task->exit_code for exits */
	__u32 reserved;
	char comm[NGX502_COMM_LEN];
};

/* 224 bytes: NGX502_EV_SIGNAL, a fatal signal to a process serving nginx. */
struct ngx502_signal_event {
	struct ngx502_hdr hdr; /* pid/tid: the process that got the signal */
	__u64 sock;	       /* nginx's end of the upstream connection it served */
	__u32 sig;
	__u32 sender_pid; /* host tgid of the task that sent it (itself for a fault) */
	__u32 nginx_pid;  /* host tgid of the nginx worker whose connection it served */
	__u32 flags;	  /* NGX502_SIG_* */
	char comm[NGX502_COMM_LEN];
	char sender_comm[NGX502_COMM_LEN];
	struct ngx502_addr daddr; /* the upstream as nginx names it: the backend's local end */
};

#define NGX502_SIG_KERNEL 1 /* sent by the kernel itself (SEND_SIG_PRIV: OOM killer, ...) */
#define NGX502_SIG_FAULT  2 /* raised by a fault of the process (si_code > 0) */

/*
 * 48 + len bytes: NGX502_EV_LOG_LINE, an nginx error-log line as a worker
 * writes it (level, errno and everything else are in the text). The record
 * is sent with its line only: hdr.size is 48 + len.
 */
struct ngx502_log_event {
	struct ngx502_hdr hdr;
	__u32 len;   /* bytes in line[], at most NGX502_LOG_MAX */
	__u32 flags; /* NGX502_LOG_* */
	__s32 fd;    /* the fd nginx wrote to; -1 for its syslog writer */
	__u32 reserved;
	char line[NGX502_LOG_MAX]; /* the bytes, '\n' included, no NUL */
};

#define NGX502_LOG_TRUNCATED 1 /* nginx wrote more than NGX502_LOG_MAX bytes */
#define NGX502_LOG_SYSLOG    2 /* taken from ngx_syslog_writer, not write() */
#define NGX502_LOG_HDR_SIZE  48

/*
 * 48 bytes: NGX502_EV_RESPONSE, an error response nginx generated itself
 * (ngx_http_special_response_handler with status >= 500): what the client got.
 */
struct ngx502_response_event {
	struct ngx502_hdr hdr; /* the worker that answered */
	__u64 conn;	       /* nginx's connection number, "*N" in its error log */
	__u32 status;	       /* 500..599 */
	__u32 reserved;
};

/*
 * 112 bytes: NGX502_EV_OOM_VICTIM, a process the OOM killer chose (oom:mark_victim, run in
 * the killer's context just after its SIGKILL). Sizes are in pages of the kernel's PAGE_SIZE.
 */
struct ngx502_oom_event {
	struct ngx502_hdr hdr; /* pid/tid: the victim; cgroup_id: the victim's cgroup v2 id */
	__u64 memcg_id;	       /* cgroup id of the victim's memory cgroup (v1 or v2); 0 unknown */
	__u64 limit_pages;     /* that memory cgroup's limit (memory.max), as the kernel keeps it */
	__u64 usage_pages;     /* its usage (memory.current) when the victim was chosen */
	__u64 peak_pages;      /* its high watermark (memory.peak) */
	__u64 anon_pages;      /* the victim's resident anonymous, file and shmem pages */
	__u64 file_pages;
	__u64 shmem_pages;
	__u32 flags; /* NGX502_OOM_* */
	__u32 reserved;
	char comm[NGX502_COMM_LEN];
};

#define NGX502_OOM_MEMCG_V2 1 /* memcg_id is on the cgroup v2 hierarchy (else v1 memory) */

#endif /* __NGX502_H */
