/* SPDX-License-Identifier: MIT */
/*
 * fmt.c - a small printf and unbuffered-or-buffered output (see fmt.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "util.h"

struct out {
	char	*p;
	size_t	 n;		/* room left, the NUL not counted */
	size_t	 len;		/* what the output would take */
};

static void
emit(struct out *o, const char *s, size_t n)
{
	size_t k = n < o->n ? n : o->n;

	memcpy(o->p, s, k);
	o->p += k;
	o->n -= k;
	o->len += n;
}

static void
pad(struct out *o, int c, int n)
{
	char ch = (char)c;

	while (n-- > 0)
		emit(o, &ch, 1);
}

int
fx_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n ? n - 1 : 0, 0 };
	unsigned long long u;
	char tmp[24], *t;
	const char *s, *pct;
	int left, zero, width, prec, size, neg, base, upper, len;

	for (;;) {
		pct = strchr(fmt, '%');
		if (pct == NULL) {
			emit(&o, fmt, strlen(fmt));
			break;
		}
		emit(&o, fmt, (size_t)(pct - fmt));
		fmt = pct + 1;
		left = zero = width = size = 0;
		prec = -1;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				zero = 1;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		} else
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + *fmt++ - '0';
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + *fmt++ - '0';
		}
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z')
				size++;
			else if (*fmt != 'h')
				break;
		}
		neg = 0;
		base = 10;
		upper = 0;
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = size >= 2 ? va_arg(ap, long long) :
			    size == 1 ? va_arg(ap, long) : va_arg(ap, int);

			neg = v < 0;
			u = neg ? 0 - (unsigned long long)v :
			    (unsigned long long)v;
			goto number;
		}
		case 'X':
			upper = 1;
			/* FALLTHROUGH */
		case 'x':
			base = 16;
			/* FALLTHROUGH */
		case 'u':
			u = size >= 2 ? va_arg(ap, unsigned long long) :
			    size == 1 ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned);
		number:
			t = tmp + sizeof(tmp);
			do {
				*--t = (upper ? "0123456789ABCDEF" :
				    "0123456789abcdef")[u % (unsigned)base];
			} while ((u /= (unsigned)base) != 0);
			len = (int)(tmp + sizeof(tmp) - t) + neg;
			if (!left && !zero)
				pad(&o, ' ', width - len);
			if (neg)
				emit(&o, "-", 1);
			if (!left && zero)
				pad(&o, '0', width - len);
			emit(&o, t, (size_t)(tmp + sizeof(tmp) - t));
			if (left)
				pad(&o, ' ', width - len);
			break;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			s = tmp;
			len = 1;
			goto string;
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			len = prec >= 0 ? (int)strnlen(s, (size_t)prec) :
			    (int)strlen(s);
		string:
			if (!left)
				pad(&o, ' ', width - len);
			emit(&o, s, (size_t)len);
			if (left)
				pad(&o, ' ', width - len);
			break;
		case '%':
			emit(&o, "%", 1);
			break;
		default:		/* not ours: print it as it is */
			emit(&o, pct, (size_t)(fmt - pct + (*fmt != '\0')));
			if (*fmt == '\0')
				fmt--;
			break;
		}
		fmt++;
	}
	if (n > 0)
		*o.p = '\0';
	return (int)o.len;
}

int
fx_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fx_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static char out_buf[4096];
static size_t out_len;

/*
 * exit() runs it, as .fini_array's destructors: atexit() would bring in
 * musl's allocator for its handler table (1.3 KiB of the binary).
 */
__attribute__((destructor)) void
fx_flush(void)
{
	if (out_len > 0)
		(void)fx_write_all(STDOUT_FILENO, out_buf, out_len);
	out_len = 0;
}

void
fx_puts(const char *s)
{
	size_t n = strlen(s), k;

	while (n > 0) {
		if (out_len == sizeof(out_buf))
			fx_flush();
		k = sizeof(out_buf) - out_len;
		if (k > n)
			k = n;
		memcpy(out_buf + out_len, s, k);
		out_len += k;
		s += k;
		n -= k;
	}
}

void
fx_putc(int c)
{
	char s[2] = { (char)c, '\0' };

	fx_puts(s);
}

void
fx_printf(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	fx_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fx_puts(buf);
}

void
fx_eprintf(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fx_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	(void)fx_write_all(STDERR_FILENO, buf, (size_t)n);
}
