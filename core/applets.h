/* SPDX-License-Identifier: MIT */
/*
 * applets.h - the one list of applets (an X-macro, BusyBox style).  An
 * applet that Kconfig leaves out is not in the list, so it does not exist
 * in the binary.  Each entry: X(name, one-line summary).
 */
#ifndef FX_APPLETS_H
#define FX_APPLETS_H

#include "config.h"

#define FX_APPLETS(X)							\
	IF_APPLET_SERVER(X(server,					\
	    "the master/worker static HTTP server (and init as PID 1)"))\
	IF_APPLET_UPGRADE(X(upgrade,					\
	    "replace the running executable, checked, with rollback"))	\
	IF_APPLET_STATUS(X(status,					\
	    "say what runs, for people, scripts and health checks"))

#define FX_APPLET_DECLARE(name, summary) int name##_main(int, char **);
FX_APPLETS(FX_APPLET_DECLARE)

#endif
