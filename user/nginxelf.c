// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The binary belongs to whatever process is named nginx: it may be a local
 * user's crafted file, read here by root. So every offset, size and index
 * taken from it is checked before use, with comparisons that cannot wrap,
 * and only the pieces needed (headers, symbol and string tables, relocations,
 * PLT, one function body) are read, within a fixed budget of bytes.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nginxelf.h"

/* Function bodies and PLT sections bigger than this are not nginx's. */
#define MAX_SCAN  (1 << 20)
#define MAX_STUBS 8
/*
 * All the bytes read from one binary. A stripped nginx needs about 200 KiB,
 * one built with -g (nginx's default) a few MiB of .symtab and .strtab.
 */
#define MAX_READ (64ULL << 20)

struct elf_src {
	int fd; /* -1: the bytes are at mem */
	const uint8_t *mem;
	uint64_t size;	 /* of the file */
	uint64_t budget; /* bytes that may still be read */
};

struct elf_ctx {
	struct elf_src src;
	Elf64_Shdr *sh; /* e_shnum section headers */
	uint8_t **data; /* their file bytes, read on first use */
	size_t shnum;
	size_t shstrndx;	   /* 0 when sections have no names */
	uint64_t write_got;	   /* vaddr of write's GOT slot, 0 if unknown */
	uint64_t stubs[MAX_STUBS]; /* vaddrs of PLT jumps through that slot */
	int nstubs;
};

/* A symbol table with its string table, both checked against their headers. */
struct symtab {
	const uint8_t *syms;
	uint64_t nsyms;
	const uint8_t *str;
	uint64_t strsz;
};

/* [off, off + len) lies inside [0, total); written so that nothing can wrap. */
static bool range_ok(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

/* A heap copy of the file's bytes [off, off + len), charged to the budget. */
static int src_read(struct elf_src *s, uint64_t off, uint64_t len, uint8_t **out)
{
	uint64_t got = 0;
	uint8_t *buf;
	ssize_t n;

	*out = NULL;
	if (!range_ok(off, len, s->size))
		return -EINVAL;
	if (len > s->budget)
		return -EFBIG;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	if (s->fd < 0 && len)
		memcpy(buf, s->mem + off, len);
	while (s->fd >= 0 && got < len) {
		/* off + len <= st_size, an off_t: the offsets fit */
		n = pread(s->fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0: the file shrank since fstat() */
			n = n < 0 ? -errno : -EINVAL;
			free(buf);
			return n;
		}
		got += n;
	}
	s->budget -= len;
	*out = buf;
	return 0;
}

/* The file bytes of section i, read once; its size is c->sh[i].sh_size. */
static int sec_data(struct elf_ctx *c, size_t i, const uint8_t **out)
{
	int err;

	if (i >= c->shnum || c->sh[i].sh_type == SHT_NOBITS)
		return -EINVAL;
	if (!c->data[i]) {
		err = src_read(&c->src, c->sh[i].sh_offset, c->sh[i].sh_size, &c->data[i]);
		if (err)
			return err;
	}
	*out = c->data[i];
	return 0;
}

/* The NUL-terminated string at off in str[0, size) is name (or starts with it). */
static bool str_is(const uint8_t *str, uint64_t size, uint64_t off, const char *name, bool prefix)
{
	size_t len = strlen(name) + !prefix;

	return range_ok(off, len, size) && !memcmp(str + off, name, len);
}

/* Section i as a symbol table: entries of the right size, a string table linked. */
static int symtab_load(struct elf_ctx *c, size_t i, struct symtab *t)
{
	const Elf64_Shdr *sh = &c->sh[i];
	size_t link = sh->sh_link;
	int err;

	if (sh->sh_entsize != sizeof(Elf64_Sym) || link >= c->shnum ||
	    c->sh[link].sh_type != SHT_STRTAB)
		return -EINVAL;
	err = sec_data(c, i, &t->syms);
	if (!err)
		err = sec_data(c, link, &t->str);
	t->nsyms = sh->sh_size / sizeof(Elf64_Sym);
	t->strsz = c->sh[link].sh_size;
	return err;
}

static int sym_get(const struct symtab *t, uint64_t i, Elf64_Sym *sym)
{
	if (i >= t->nsyms)
		return -EINVAL;
	memcpy(sym, t->syms + i * sizeof(*sym), sizeof(*sym));
	if (sym->st_name >= t->strsz)
		return -EINVAL;
	return 0;
}

/* Functions we need, by name: the last definition of each wins. */
static int scan_symtab(struct elf_ctx *c, size_t i, Elf64_Sym *core, Elf64_Sym *syslog,
		       Elf64_Sym *resp)
{
	struct symtab t;
	Elf64_Sym sym;
	uint64_t j;
	int err;

	err = symtab_load(c, i, &t);
	for (j = 0; !err && j < t.nsyms; j++) {
		err = sym_get(&t, j, &sym);
		if (err || ELF64_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
			continue;
		if (str_is(t.str, t.strsz, sym.st_name, "ngx_log_error_core", false))
			*core = sym;
		else if (str_is(t.str, t.strsz, sym.st_name, "ngx_syslog_writer", false))
			*syslog = sym;
		else if (str_is(t.str, t.strsz, sym.st_name, "ngx_http_special_response_handler",
				false))
			*resp = sym;
	}
	return err;
}

/* JUMP_SLOT / GLOB_DAT relocations name write's GOT slot. */
static int scan_rela(struct elf_ctx *c, size_t i)
{
	const Elf64_Shdr *sh = &c->sh[i];
	const uint8_t *d;
	struct symtab t;
	Elf64_Rela r;
	Elf64_Sym sym;
	uint64_t j, n;
	int err;

	if (sh->sh_entsize != sizeof(Elf64_Rela))
		return -EINVAL;
	if (!sh->sh_link) /* relocations against no symbol table */
		return 0;
	if (sh->sh_link >= c->shnum ||
	    (c->sh[sh->sh_link].sh_type != SHT_DYNSYM && c->sh[sh->sh_link].sh_type != SHT_SYMTAB))
		return -EINVAL;
	err = symtab_load(c, sh->sh_link, &t);
	if (!err)
		err = sec_data(c, i, &d);
	n = sh->sh_size / sizeof(r);
	for (j = 0; !err && j < n; j++) {
		memcpy(&r, d + j * sizeof(r), sizeof(r));
		err = sym_get(&t, ELF64_R_SYM(r.r_info), &sym);
		if (!err && str_is(t.str, t.strsz, sym.st_name, "write", false))
			c->write_got = r.r_offset;
	}
	return err;
}

static int scan_sections(struct elf_ctx *c, Elf64_Sym *core, Elf64_Sym *syslog, Elf64_Sym *resp)
{
	size_t i;
	int err = 0;

	/* section 0 is the null section */
	for (i = 1; !err && i < c->shnum; i++) {
		if (c->sh[i].sh_type == SHT_DYNSYM || c->sh[i].sh_type == SHT_SYMTAB)
			err = scan_symtab(c, i, core, syslog, resp);
		else if (c->sh[i].sh_type == SHT_RELA)
			err = scan_rela(c, i);
	}
	return err;
}

/*
 * File offset of [vaddr, vaddr + len), len >= 1, through the allocated
 * section holding all of it, which must itself lie inside the file.
 */
static int map_range(struct elf_ctx *c, uint64_t vaddr, uint64_t len, uint64_t *off)
{
	const Elf64_Shdr *sh;
	size_t i;

	for (i = 1; i < c->shnum; i++) {
		sh = &c->sh[i];
		if (sh->sh_type == SHT_NOBITS || !(sh->sh_flags & SHF_ALLOC))
			continue;
		if (vaddr < sh->sh_addr || !range_ok(vaddr - sh->sh_addr, len, sh->sh_size))
			continue;
		/* offset 0 is the ELF header: never code, and "absent" to the caller */
		if (sh->sh_offset < sizeof(Elf64_Ehdr) ||
		    !range_ok(sh->sh_offset, sh->sh_size, c->src.size))
			return -EINVAL;
		*off = sh->sh_offset + (vaddr - sh->sh_addr);
		return 0;
	}
	return -EINVAL;
}

static int32_t rel32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* PLT entries jump through the GOT: `ff 25 rel32` (maybe after endbr64/bnd). */
static int scan_plt(struct elf_ctx *c)
{
	const Elf64_Shdr *sh;
	const uint8_t *names = NULL, *b;
	uint64_t j, addr;
	size_t i;
	int err;

	if (!c->write_got || !c->shstrndx)
		return 0;
	err = sec_data(c, c->shstrndx, &names);
	for (i = 1; !err && i < c->shnum; i++) {
		sh = &c->sh[i];
		if (sh->sh_type != SHT_PROGBITS || sh->sh_size < 6 || sh->sh_size > MAX_SCAN ||
		    !str_is(names, c->sh[c->shstrndx].sh_size, sh->sh_name, ".plt", true))
			continue;
		/* the stubs' addresses must not wrap around */
		if (!range_ok(sh->sh_addr, sh->sh_size, UINT64_MAX))
			return -EINVAL;
		err = sec_data(c, i, &b);
		for (j = 0; !err && j + 6 <= sh->sh_size && c->nstubs < MAX_STUBS; j++) {
			addr = sh->sh_addr + j;
			/* rel32 is signed: the sum is modulo 2^64, as the CPU computes it */
			if (b[j] == 0xff && b[j + 1] == 0x25 &&
			    addr + 6 + (uint64_t)(int64_t)rel32(b + j + 2) == c->write_got)
				c->stubs[c->nstubs++] = addr;
		}
	}
	return err;
}

static bool is_write_stub(const struct elf_ctx *c, uint64_t target)
{
	/* a call lands on the entry start, up to 5 bytes of endbr64/bnd before the jmp */
	for (int i = 0; i < c->nstubs; i++)
		if (target <= c->stubs[i] && c->stubs[i] - target <= 5)
			return true;
	return false;
}

/* `call write` sites in the function at vaddr start, whose bytes are at file offset off. */
static int scan_calls(struct elf_ctx *c, uint64_t start, uint64_t off, uint64_t size,
		      struct nginx_sites *out)
{
	uint64_t i, at, to;
	uint8_t *b;
	int err;

	err = src_read(&c->src, off, size, &b);
	if (err)
		return err;
	for (i = 0; i + 5 <= size && out->nwrite < NGINXELF_MAX_SITES; i++) {
		at = start + i;
		if (b[i] == 0xe8) {
			to = at + 5 + (uint64_t)(int64_t)rel32(b + i + 1);
			if (is_write_stub(c, to))
				out->write_calls[out->nwrite++] = off + i;
		} else if (i + 6 <= size && b[i] == 0xff && b[i + 1] == 0x15 && c->write_got) {
			to = at + 6 + (uint64_t)(int64_t)rel32(b + i + 2);
			if (to == c->write_got) /* -fno-plt */
				out->write_calls[out->nwrite++] = off + i;
		}
	}
	free(b);
	return 0;
}

/* The ELF header and section headers, checked; -ENOEXEC when not an x86-64 ELF64 file. */
static int read_headers(struct elf_ctx *c)
{
	uint64_t shsize;
	Elf64_Ehdr eh;
	uint8_t *b;
	int err;

	err = src_read(&c->src, 0, c->src.size < sizeof(eh) ? c->src.size : sizeof(eh), &b);
	if (err)
		return err;
	if (c->src.size < SELFMAG || memcmp(b, ELFMAG, SELFMAG)) {
		free(b);
		return -ENOEXEC;
	}
	if (c->src.size < sizeof(eh)) {
		free(b);
		return -EINVAL;
	}
	memcpy(&eh, b, sizeof(eh));
	free(b);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64)
		return -ENOEXEC;
	/* no sections (or more than 0xff00, which nginx never has): no symbols to find */
	if (!eh.e_shoff || !eh.e_shnum)
		return -ENOENT;
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
		return -EINVAL;
	/* both factors are 16-bit: the product fits, and src_read checks the range */
	shsize = (uint64_t)eh.e_shnum * eh.e_shentsize;
	err = src_read(&c->src, eh.e_shoff, shsize, &b);
	if (err)
		return err;
	c->sh = (Elf64_Shdr *)b; /* malloc'ed: aligned for any type */
	c->shnum = eh.e_shnum;
	c->shstrndx = eh.e_shstrndx;
	c->data = calloc(c->shnum, sizeof(*c->data));
	return c->data ? 0 : -ENOMEM;
}

static int find_sites(struct elf_ctx *c, struct nginx_sites *out)
{
	Elf64_Sym core = {}, syslog = {}, resp = {};
	uint64_t core_off, off;
	int err;

	err = read_headers(c);
	if (!err)
		err = scan_sections(c, &core, &syslog, &resp);
	if (err)
		return err;
	if (!core.st_value)
		return -ENOENT;
	/* the symbol's whole body, or at least its first byte, must be in the file */
	if (core.st_size > MAX_SCAN)
		return -EFBIG;
	err = map_range(c, core.st_value, core.st_size ? core.st_size : 1, &core_off);
	if (err)
		return err;
	out->log_core = core_off;
	if (syslog.st_value) {
		err = map_range(c, syslog.st_value, 1, &off);
		if (err)
			return err;
		out->syslog_writer = off;
	}
	if (resp.st_value) {
		err = map_range(c, resp.st_value, 1, &off);
		if (err)
			return err;
		out->special_response = off;
	}
	err = scan_plt(c);
	if (!err && core.st_size)
		err = scan_calls(c, core.st_value, core_off, core.st_size, out);
	return err;
}

static int find(struct elf_src src, struct nginx_sites *out)
{
	struct elf_ctx c = {.src = src};
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = find_sites(&c, out);
	if (err)
		memset(out, 0, sizeof(*out));
	for (i = 0; c.data && i < c.shnum; i++)
		free(c.data[i]);
	free(c.data);
	free(c.sh);
	return err;
}

int nginxelf__find_mem(const void *buf, size_t len, struct nginx_sites *out)
{
	struct elf_src src = {.fd = -1, .mem = buf, .size = len, .budget = MAX_READ};

	return find(src, out);
}

int nginxelf__find(const char *path, struct nginx_sites *out)
{
	struct elf_src src = {.budget = MAX_READ};
	struct stat st;
	int err;

	memset(out, 0, sizeof(*out));
	/*
	 * O_NONBLOCK: the path may name a FIFO, whose open would wait for a
	 * writer; anything but a regular file is refused right after.
	 */
	src.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (src.fd < 0)
		return -errno;
	if (fstat(src.fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		err = -EINVAL;
	} else {
		/*
		 * read(), not mmap: a private mapping of the binary receives the
		 * int3 of every uprobe already placed on it (another ngx502-trace,
		 * say), and the call sites would no longer be seen.
		 */
		src.size = st.st_size;
		err = find(src, out);
	}
	close(src.fd);
	return err;
}
