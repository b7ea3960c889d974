/* discover.h - finding the project directory from where assetgen runs */
#ifndef DISCOVER_H
#define DISCOVER_H

/* Directories (':'-separated, absolute; each trusts the ones below it,
 * "*" every one) whose assetgen.yaml is used whoever owns them. */
#define DISCOVER_SAFE_ENV "ASSETGEN_SAFE_DIRECTORIES"

/* The project directory: the nearest one at or above start that holds an
 * assetgen.yaml, absolute and malloc'd.  The walk stops at a directory
 * owned by another user than the caller, or one whose assetgen.yaml is:
 * such a config is not used unless its directory is start and trust_start
 * is set (a directory named with -C) or it is listed in
 * ASSETGEN_SAFE_DIRECTORIES.  An assetgen.yaml that is not a regular file
 * (a FIFO, a directory) stops the walk too.  NULL when no project is
 * found: *why then holds the message to print (malloc'd), which names
 * the way to trust a config passed over. */
char *discover_root(const char *start, int trust_start, char **why);

#endif
