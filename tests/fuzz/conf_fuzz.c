/* SPDX-License-Identifier: MIT */
/*
 * conf_fuzz.c - libFuzzer target for the config parser of core/conf.c:
 * the input is a config file (read through a memfd) and, line by line,
 * a list of -o NAME=VALUE overrides.  Every outcome is 0 or -1 with a
 * message; what is accepted is in range; LeakSanitizer sees the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int mfd = -1;
static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fx_log_level = FX_LOG_ERR;
	if ((mfd = memfd_create("conf_fuzz", MFD_CLOEXEC)) == -1)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	return 0;
}

static void
check(const struct fx_conf *c)
{
	if (c->nlisten < 0 || c->nlisten > FX_LISTEN_MAX ||
	    c->workers < 0 || c->workers > 1024 || c->max_conns < 1 ||
	    c->header_ms < 1 || c->send_ms < 1 || c->keepalive_ms < 0 ||
	    c->body_max < 0 || c->root == NULL || c->root[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_conf c;
	char err[256], *text, *over[8], *line, *nl;
	const char *why;
	int rc, n = 0;

	if (ftruncate(mfd, 0) == -1 ||
	    pwrite(mfd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = '\0';
	fx_conf_defaults(&c);
	rc = fx_conf_file(&c, path, err, sizeof(err));
	if (rc == 0)
		check(&c);
	else if (rc != -1 || err[0] == '\0' || strlen(err) >= sizeof(err))
		abort();
	fx_conf_free(&c);

	/* The same text as -o overrides, one per line. */
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; n < 8 && line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		over[n++] = line;
	}
	err[0] = '\0';
	rc = fx_conf_load(&c, NULL, over, n, err, sizeof(err));
	if (rc == 0)
		check(&c);
	else if (rc != -1 || err[0] == '\0')
		abort();
	fx_conf_free(&c);
	fx_conf_defaults(&c);
	if (fx_conf_set_kv(&c, text, &why) == -1 && why == NULL)
		abort();
	fx_conf_free(&c);
	free(text);
	return 0;
}
