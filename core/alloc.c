/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - malloc, calloc, realloc and free for the static musl binary,
 * in place of musl's mallocng (10 KiB of the binary).  fenix is one
 * thread and allocates little: its config, a pool of connection buffers,
 * small cached files.  A size is rounded up to a class, 2^k or 3*2^(k-1)
 * bytes from 16 on; a freed block goes on its class's free list, for the
 * next request of that class, never back to the system.  Past ALLOC_BIG
 * a block is a mapping of its own, unmapped by free.  Not built for the
 * sanitizer and fuzz builds (Makefile), which keep their own malloc.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALLOC_HDR	16		/* keeps blocks 16-byte aligned */
#define ALLOC_NCLASS	28		/* classes 16 .. 3 * 2^16 bytes */
#define ALLOC_BIG	((size_t)3 << 16)	/* past it: a mapping each */
#define ALLOC_ARENA	((size_t)256 << 10)	/* carved into blocks */
#define ALLOC_MAPPED	ALLOC_NCLASS	/* h_class of a block of its own */

struct alloc_hdr {
	size_t		 h_class;	/* class index, or ALLOC_MAPPED */
	size_t		 h_len;		/* ALLOC_MAPPED: the mapping's size */
};

static void	*free_list[ALLOC_NCLASS];
static char	*arena, *arena_end;

static size_t
class_size(size_t i)
{
	return (size_t)(i & 1 ? 24 : 16) << (i >> 1);
}

/* Memory for a block of class i: from its free list, else the arena. */
static struct alloc_hdr *
carve(size_t i)
{
	struct alloc_hdr *h;
	size_t n = class_size(i) + ALLOC_HDR;
	void *m;

	if ((h = free_list[i]) != NULL) {
		free_list[i] = *(void **)(h + 1);
		return h;
	}
	if ((size_t)(arena_end - arena) < n) {
		m = mmap(NULL, ALLOC_ARENA, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		arena = m;
		arena_end = arena + ALLOC_ARENA;
	}
	h = (struct alloc_hdr *)arena;
	arena += n;
	h->h_class = i;
	return h;
}

void *
malloc(size_t n)
{
	struct alloc_hdr *h;
	size_t i, len;
	void *m;

	if (n > ALLOC_BIG) {
		if (n > PTRDIFF_MAX - 4096) {
			errno = ENOMEM;
			return NULL;
		}
		len = (n + ALLOC_HDR + 4095) & ~(size_t)4095;
		m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		h = m;
		h->h_class = ALLOC_MAPPED;
		h->h_len = len;
		return h + 1;
	}
	for (i = 0; class_size(i) < n; i++)
		;
	if ((h = carve(i)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return h + 1;
}

void
free(void *p)
{
	struct alloc_hdr *h;

	if (p == NULL)
		return;
	h = (struct alloc_hdr *)p - 1;
	if (h->h_class == ALLOC_MAPPED) {
		munmap(h, h->h_len);
		return;
	}
	*(void **)p = free_list[h->h_class];
	free_list[h->h_class] = h;
}

void *
calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

void *
realloc(void *p, size_t n)
{
	struct alloc_hdr *h;
	size_t have;
	void *q;

	if (p == NULL)
		return malloc(n);
	h = (struct alloc_hdr *)p - 1;
	have = h->h_class == ALLOC_MAPPED ? h->h_len - ALLOC_HDR :
	    class_size(h->h_class);
	if (n <= have)
		return p;
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}
