/*
 * Output files that never overwrite what tdxbench did not write. A folder
 * the tool writes into keeps the names it wrote in ".tdxbench-written"; a
 * file may be replaced only if it is listed there. Files are created with
 * O_EXCL | O_NOFOLLOW, so a symlink planted in the folder is refused, never
 * followed.
 */
#ifndef TDX_OUTFILE_H
#define TDX_OUTFILE_H

#include <stdio.h>

#define OUTFILE_MANIFEST ".tdxbench-written"

/*
 * A new folder for this call: base, else base-2, base-3, ... (parents are
 * created). *path is malloc'd. -1 with the error printed.
 */
int outdir_make_unique(const char *base, char **path);
/* A folder the user named: created (with parents) if missing; it must be a folder. */
int outdir_prepare(const char *dir);
/*
 * Before anything (this process or a child like gnuplot) writes dir/name:
 * succeed if it does not exist, or exists and is listed as ours (then it is
 * unlinked: a symlink is removed, never followed); refuse anything else with
 * one printed line. The name is recorded as ours.
 */
int outfile_claim(const char *dir, const char *name);
/* outfile_claim() + a new file opened for writing (O_EXCL | O_NOFOLLOW). */
FILE *outfile_create(const char *dir, const char *name);
/*
 * A single file the user named (export -o): created new, never replacing an
 * existing file or following a symlink. NULL with the error printed.
 */
FILE *outfile_create_new(const char *path);

#endif
