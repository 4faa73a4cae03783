/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where an nginx binary can be watched: its exported ngx_log_error_core
 * (connect failures, with errno and peer name), ngx_syslog_writer,
 * ngx_http_special_response_handler (the error responses nginx makes), and the
 * instructions inside ngx_log_error_core that call write(2) with the
 * finished error-log line in (rsi, rdx). A uprobe there reads the line as
 * nginx writes it, wherever it goes, and costs nothing while nginx is quiet.
 */
#ifndef __NGINXELF_H
#define __NGINXELF_H

#include <stddef.h>

#define NGINXELF_MAX_SITES 8

struct nginx_sites {
	unsigned long log_core;	     /* file offset of ngx_log_error_core, 0 if absent */
	unsigned long syslog_writer; /* file offset of ngx_syslog_writer, 0 if absent */
	/* file offset of ngx_http_special_response_handler (error responses), 0 if absent */
	unsigned long special_response;
	int nwrite;
	unsigned long write_calls[NGINXELF_MAX_SITES]; /* file offsets of `call write` sites */
};

/*
 * Read the ELF file at path (x86-64), which must be a regular file. 0,
 * -ENOENT when ngx_log_error_core is absent, -ENOEXEC when not an x86-64
 * ELF64 file, -EINVAL when malformed, -EFBIG when its tables are too big.
 */
int nginxelf__find(const char *path, struct nginx_sites *out);
/* The same for a file's bytes in memory (tests and fuzzing). */
int nginxelf__find_mem(const void *buf, size_t len, struct nginx_sites *out);

#endif /* __NGINXELF_H */
