/* SPDX-License-Identifier: MIT */
/*
 * fmt.h - printf for fenix, and output without stdio.  musl's printf
 * brings floating point formatting and stdio along: about 15 KiB of a
 * binary that aims at 100 KiB.  This one knows what fenix prints:
 * %d %i %u %x %X %c %s %% with the flags '-' and '0', a width, a
 * precision ('.N' or '.*', on %s too) and the sizes l, ll, z, h.
 */
#ifndef FX_FMT_H
#define FX_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* As vsnprintf(3): returns the length the whole output would have. */
int	fx_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int	fx_snprintf(char *buf, size_t n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Standard output, buffered; flushed when full and at exit. */
void	fx_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fx_puts(const char *s);		/* no newline added */
void	fx_putc(int c);
void	fx_flush(void);

/* Standard error, unbuffered (one write per call). */
void	fx_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
