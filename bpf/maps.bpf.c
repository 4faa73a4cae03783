// SPDX-License-Identifier: GPL-2.0
/* The one definition of every map and setting shared by the BPF objects. */
#include "common.bpf.h"

struct targets_map targets SEC(".maps");
struct cgroups_map cgroups SEC(".maps");
struct conns_map conns SEC(".maps");
struct conn_ports_map conn_ports SEC(".maps");
struct conn_filter_map conn_filter SEC(".maps");
struct events_map events SEC(".maps");
struct events_map doorbell SEC(".maps");
struct scratch_map scratch SEC(".maps");
struct stats_map stats SEC(".maps");
struct pending_map pending SEC(".maps");

const volatile bool auto_discover = false;
const volatile bool filter_cgroup = false;
const volatile bool sock_probes = true;
const volatile __u32 abandon_min_ms = NGX502_ABANDON_MIN_MS;

char LICENSE[] SEC("license") = "GPL";
