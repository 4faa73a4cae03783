// SPDX-License-Identifier: GPL-2.0
/*
 * Test tool: a cgroup connect4 program that refuses connects to port 18999,
 * as a site policy would. connect() then fails with EPERM before any packet
 * leaves: the upstream_connect_denied case.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define DENIED_PORT 18999

SEC("cgroup/connect4")
int deny_connect4(struct bpf_sock_addr *ctx)
{
	return ctx->user_port == bpf_htons(DENIED_PORT) ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
