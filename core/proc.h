/* SPDX-License-Identifier: MIT */
/*
 * proc.h - the master: opens (or adopts) the listening sockets, forks the
 * workers, then only supervises them and acts on nginx's signals,
 * including the USR2 hot upgrade with its rollback.
 */
#ifndef FX_PROC_H
#define FX_PROC_H

#include "conf.h"

struct fx_master_opts {
	const char	*conf_file;	/* -c, may be NULL */
	char *const	*over;		/* "NAME=VALUE" from the command line */
	int		 nover;
	int		 daemon;	/* -d */
	const char	*exe;		/* resolved executable path */
	char *const	*argv;		/* the original argv, for USR2 */
};

/*
 * Load the configuration, open everything, fork the workers and run the
 * master cycle until TERM, INT or QUIT has stopped every worker.  Dies
 * (100 config, 111 system) only before the workers run.  Returns the
 * exit status.
 */
int	fx_proc_master(const struct fx_master_opts *opts);

/*
 * Resolve how to exec this program again: argv0 if it has a '/', made
 * absolute (symlinks kept), else the first executable argv0 in PATH.
 * Returns a malloc'd path, or NULL.
 */
char	*fx_proc_exe_path(const char *argv0);

#endif
