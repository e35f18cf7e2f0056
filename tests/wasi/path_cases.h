/* One table of path cases with exactly one right answer each, run
 *   - by tests/wasi/sandbox_unit.c with openat2 and with the component walk,
 *   - by the guest workload tests/workloads/wasi_sandbox.c through `enarx run`
 *     (on nil: openat2; in the KVM Keep, which does not serve openat2: the walk).
 * The answers are Linux's own for the paths inside (openat2 gives them), and
 * ENOTCAPABLE for everything that would leave the preopen, whatever is or is
 * not outside: no answer may depend on the outside.
 *
 * The tree is tests/wasi/sandbox_fixture.sh's ROOT/in. Cases run in order;
 * one that creates something is followed by one that removes it, so that
 * the table leaves the tree as it found it.
 *
 * Paths may hold "{TEXT*N}", expanded to N copies of TEXT (pc_expand). */
#ifndef TESTS_WASI_PATH_CASES_H
#define TESTS_WASI_PATH_CASES_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* WASI errno values (the harnesses check them against their own headers). */
enum {
    PC_OK = 0, PC_EEXIST = 20, PC_EINVAL = 28, PC_EISDIR = 31, PC_ELOOP = 32,
    PC_ENAMETOOLONG = 37, PC_ENOENT = 44, PC_ENOTDIR = 54, PC_ENOTEMPTY = 55,
    PC_EPERM = 63, PC_ENOTCAPABLE = 76,
};

enum pc_op {
    PC_OPEN,          /* path_open(a), following links, FD_READ */
    PC_OPEN_NOFOLLOW, /* path_open(a), lookup flags 0, FD_READ */
    PC_OPEN_DIR,      /* path_open(a), OFLAGS_DIRECTORY, FD_READDIR */
    PC_CREATE,        /* path_open(a), OFLAGS_CREAT, following links, FD_READ|FD_WRITE */
    PC_CREATE_EXCL,   /* path_open(a), OFLAGS_CREAT|OFLAGS_EXCL, following links */
    PC_STAT,          /* path_filestat_get(a), lookup flags 0 */
    PC_STAT_FOLLOW,   /* path_filestat_get(a), SYMLINK_FOLLOW */
    PC_TIMES,         /* path_filestat_set_times(a, MTIM_NOW), lookup flags 0 */
    PC_TIMES_FOLLOW,  /* ... SYMLINK_FOLLOW */
    PC_MKDIR,         /* path_create_directory(a) */
    PC_RMDIR,         /* path_remove_directory(a) */
    PC_UNLINK,        /* path_unlink_file(a) */
    PC_RENAME,        /* path_rename(a, b) */
    PC_LINK,          /* path_link(a, b), lookup flags 0 */
    PC_LINK_FOLLOW,   /* path_link(a, b), SYMLINK_FOLLOW */
    PC_SYMLINK,       /* path_symlink(target a, link b) */
    PC_READLINK,      /* path_readlink(a) */
};

struct path_case {
    enum pc_op op;
    const char *a, *b;
    int expect;
};

static const char *const pc_op_names[] = {
    "path_open", "path_open(nofollow)", "path_open(DIRECTORY)", "path_open(CREAT)",
    "path_open(CREAT|EXCL)", "path_filestat_get", "path_filestat_get(follow)",
    "path_filestat_set_times", "path_filestat_set_times(follow)", "path_create_directory",
    "path_remove_directory", "path_unlink_file", "path_rename", "path_link", "path_link(follow)",
    "path_symlink", "path_readlink",
};

/* Every link that leaves the preopen: each must give ENOTCAPABLE, whatever
 * it points to (a directory, a file, a link, nothing, an absolute path). */
#define PC_OUT_LINKS "ln_out_dir", "ln_out_file", "ln_out_missing", "ln_out_ln", "ln_abs_dir", \
                     "ln_abs_missing", "ln_up"

static const struct path_case path_cases[] = {
    /* plain names, dot components, trailing slashes */
    {PC_OPEN, "file", 0, PC_OK},
    {PC_OPEN, "./file", 0, PC_OK},
    {PC_OPEN, "dir//f", 0, PC_OK},
    {PC_OPEN, "dir/./f", 0, PC_OK},
    {PC_OPEN, "dir/sub/../f", 0, PC_OK},
    {PC_OPEN, "file/", 0, PC_ENOTDIR},
    {PC_OPEN, "file/.", 0, PC_ENOTDIR},
    {PC_OPEN, "file//", 0, PC_ENOTDIR},
    {PC_OPEN, "file/x", 0, PC_ENOTDIR},
    {PC_OPEN, "dir/", 0, PC_OK},
    {PC_OPEN, "dir/.", 0, PC_OK},
    {PC_OPEN, "dir/./", 0, PC_OK},
    {PC_OPEN, "dir//", 0, PC_OK},
    {PC_OPEN, "dir/sub/..", 0, PC_OK},
    {PC_OPEN, "dir/sub/../", 0, PC_OK},
    {PC_OPEN, ".", 0, PC_OK},
    {PC_OPEN, "./", 0, PC_OK},
    {PC_OPEN, "dir/f/", 0, PC_ENOTDIR},
    {PC_OPEN, "missing", 0, PC_ENOENT},
    {PC_OPEN, "missing/", 0, PC_ENOENT},
    {PC_OPEN, "missing/x", 0, PC_ENOENT},
    {PC_OPEN, "", 0, PC_ENOENT},
    {PC_OPEN, "..", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "../", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "../in/file", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "dir/../..", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "dir/../../outfile", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "/", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "/etc", 0, PC_ENOTCAPABLE},
    /* links inside */
    {PC_OPEN, "ln_file", 0, PC_OK},
    {PC_OPEN, "ln_file/", 0, PC_ENOTDIR},
    {PC_OPEN, "ln_dir", 0, PC_OK},
    {PC_OPEN, "ln_dir/", 0, PC_OK},
    {PC_OPEN, "ln_dir/f", 0, PC_OK},
    {PC_OPEN, "ln_dir/.", 0, PC_OK},
    {PC_OPEN, "ln_dir/sub/../f", 0, PC_OK},
    {PC_OPEN, "ln_self/file", 0, PC_OK},
    {PC_OPEN, "ln_self/ln_self/ln_dir/", 0, PC_OK},
    {PC_OPEN, "dir/ln_back", 0, PC_OK},
    {PC_OPEN, "ln_dangling", 0, PC_ENOENT},
    {PC_OPEN, "ln_dangling/", 0, PC_ENOENT},
    {PC_OPEN, "ln_loop", 0, PC_ELOOP},
    {PC_OPEN, "ln_loop/", 0, PC_ELOOP},
    {PC_OPEN, "ln_loop/x", 0, PC_ELOOP},
    /* links out */
    {PC_OPEN, "ln_out_dir", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_dir/", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_dir/f", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_dir/.", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_file", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_file/", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_missing", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_missing/", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_out_ln", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_abs_dir/", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_abs_missing", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_up/", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_up/in/file", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "dir/ln_up2/", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "ln_dir/ln_up2", 0, PC_ENOTCAPABLE},
    /* the final link is not followed without SYMLINK_FOLLOW, except before a slash */
    {PC_OPEN_NOFOLLOW, "ln_file", 0, PC_ELOOP},
    {PC_OPEN_NOFOLLOW, "ln_file/", 0, PC_ENOTDIR},
    {PC_OPEN_NOFOLLOW, "ln_dir/", 0, PC_OK},
    {PC_OPEN_NOFOLLOW, "ln_dangling/", 0, PC_ENOENT},
    {PC_OPEN_NOFOLLOW, "ln_out_dir", 0, PC_ELOOP},
    {PC_OPEN_NOFOLLOW, "ln_out_dir/", 0, PC_ENOTCAPABLE},
    {PC_OPEN_NOFOLLOW, "ln_out_file/", 0, PC_ENOTCAPABLE},
    {PC_OPEN_NOFOLLOW, "ln_out_missing/", 0, PC_ENOTCAPABLE},
    {PC_OPEN_NOFOLLOW, "ln_out_dir/f", 0, PC_ENOTCAPABLE},
    {PC_OPEN_DIR, "dir", 0, PC_OK},
    {PC_OPEN_DIR, "file", 0, PC_ENOTDIR},
    {PC_OPEN_DIR, "ln_dir", 0, PC_OK},
    {PC_OPEN_DIR, "ln_file", 0, PC_ENOTDIR},
    {PC_OPEN_DIR, "ln_out_dir", 0, PC_ENOTCAPABLE},
    {PC_OPEN_DIR, "ln_out_dir/", 0, PC_ENOTCAPABLE},
    {PC_OPEN_DIR, "..", 0, PC_ENOTCAPABLE},
    /* creating: a trailing slash is EISDIR before the name is looked at */
    {PC_CREATE, "new/", 0, PC_EISDIR},
    {PC_CREATE, "file/", 0, PC_EISDIR},
    {PC_CREATE, "dir/", 0, PC_EISDIR},
    {PC_CREATE, "dir/.", 0, PC_EISDIR},
    {PC_CREATE, ".", 0, PC_EISDIR},
    {PC_CREATE, "ln_out_missing/", 0, PC_EISDIR},
    {PC_CREATE, "ln_out_dir/", 0, PC_EISDIR},
    {PC_CREATE, "dir", 0, PC_EISDIR},
    {PC_CREATE, "..", 0, PC_ENOTCAPABLE},
    {PC_CREATE, "ln_out_missing", 0, PC_ENOTCAPABLE},
    {PC_CREATE, "ln_out_dir/new", 0, PC_ENOTCAPABLE},
    {PC_CREATE, "ln_abs_missing", 0, PC_ENOTCAPABLE},
    {PC_CREATE, "missing/new", 0, PC_ENOENT},
    {PC_CREATE, "file", 0, PC_OK},
    {PC_CREATE_EXCL, "file", 0, PC_EEXIST},
    {PC_CREATE_EXCL, "ln_dangling", 0, PC_EEXIST},
    {PC_CREATE_EXCL, "ln_out_missing", 0, PC_EEXIST},
    {PC_CREATE, "ln_dangling", 0, PC_OK},   /* creates "missing" ... */
    {PC_UNLINK, "missing", 0, PC_OK},       /* ... and removes it */
    {PC_CREATE_EXCL, "dir/new", 0, PC_OK},
    {PC_UNLINK, "dir/new", 0, PC_OK},
    /* stat and times */
    {PC_STAT, "file", 0, PC_OK},
    {PC_STAT, "file/", 0, PC_ENOTDIR},
    {PC_STAT, "dir/", 0, PC_OK},
    {PC_STAT, ".", 0, PC_OK},
    {PC_STAT, "dir/..", 0, PC_OK},
    {PC_STAT, "..", 0, PC_ENOTCAPABLE},
    {PC_STAT, "ln_file/", 0, PC_ENOTDIR},
    {PC_STAT, "ln_dir/", 0, PC_OK},
    {PC_STAT, "ln_dangling", 0, PC_OK},
    {PC_STAT, "ln_dangling/", 0, PC_ENOENT},
    {PC_STAT, "ln_loop", 0, PC_OK},
    {PC_STAT, "ln_loop/", 0, PC_ELOOP},
    {PC_STAT, "ln_out_dir", 0, PC_OK},      /* the link itself is inside */
    {PC_STAT, "ln_out_dir/", 0, PC_ENOTCAPABLE},
    {PC_STAT, "ln_out_file/", 0, PC_ENOTCAPABLE},
    {PC_STAT, "ln_out_missing/", 0, PC_ENOTCAPABLE},
    {PC_STAT, "ln_abs_missing/", 0, PC_ENOTCAPABLE},
    {PC_STAT_FOLLOW, "ln_file", 0, PC_OK},
    {PC_STAT_FOLLOW, "ln_loop", 0, PC_ELOOP},
    {PC_STAT_FOLLOW, "ln_out_dir", 0, PC_ENOTCAPABLE},
    {PC_STAT_FOLLOW, "ln_out_missing", 0, PC_ENOTCAPABLE},
    {PC_STAT_FOLLOW, "ln_dangling", 0, PC_ENOENT},
    {PC_TIMES, "file", 0, PC_OK},
    {PC_TIMES, "file/", 0, PC_ENOTDIR},
    {PC_TIMES, "ln_dir/", 0, PC_OK},
    {PC_TIMES, "ln_out_file/", 0, PC_ENOTCAPABLE},
    {PC_TIMES, "ln_out_dir/", 0, PC_ENOTCAPABLE},
    {PC_TIMES, "ln_out_dir/f", 0, PC_ENOTCAPABLE},
    {PC_TIMES, "..", 0, PC_ENOTCAPABLE},
    {PC_TIMES_FOLLOW, "ln_out_file", 0, PC_ENOTCAPABLE},
    {PC_TIMES_FOLLOW, "ln_file", 0, PC_OK},
    /* create and remove directories */
    {PC_MKDIR, "newd/", 0, PC_OK},
    {PC_MKDIR, "newd", 0, PC_EEXIST},
    {PC_RMDIR, "newd/", 0, PC_OK},
    {PC_MKDIR, "newd/.", 0, PC_ENOENT},
    {PC_MKDIR, "file", 0, PC_EEXIST},
    {PC_MKDIR, "file/", 0, PC_EEXIST},
    {PC_MKDIR, ".", 0, PC_EEXIST},
    {PC_MKDIR, "dir/..", 0, PC_EEXIST},
    {PC_MKDIR, "..", 0, PC_ENOTCAPABLE},
    {PC_MKDIR, "../x", 0, PC_ENOTCAPABLE},
    {PC_MKDIR, "ln_out_missing", 0, PC_EEXIST},
    {PC_MKDIR, "ln_out_missing/", 0, PC_EEXIST},
    {PC_MKDIR, "ln_out_dir/", 0, PC_EEXIST},
    {PC_MKDIR, "ln_out_dir/x", 0, PC_ENOTCAPABLE},
    {PC_MKDIR, "missing/x", 0, PC_ENOENT},
    {PC_MKDIR, "file/x", 0, PC_ENOTDIR},
    {PC_RMDIR, "file", 0, PC_ENOTDIR},
    {PC_RMDIR, "file/", 0, PC_ENOTDIR},
    {PC_RMDIR, "ln_dir", 0, PC_ENOTDIR},
    {PC_RMDIR, "ln_dir/", 0, PC_ENOTDIR},
    {PC_RMDIR, "ln_out_dir/", 0, PC_ENOTDIR},
    {PC_RMDIR, "ln_out_missing/", 0, PC_ENOTDIR},
    {PC_RMDIR, "missing/", 0, PC_ENOENT},
    {PC_RMDIR, "dir", 0, PC_ENOTEMPTY},
    {PC_RMDIR, "dir/", 0, PC_ENOTEMPTY},
    {PC_RMDIR, ".", 0, PC_EINVAL},
    {PC_RMDIR, "dir/.", 0, PC_EINVAL},
    {PC_RMDIR, "..", 0, PC_ENOTCAPABLE},
    {PC_RMDIR, "ln_out_dir/d", 0, PC_ENOTCAPABLE},
    /* unlink: a trailing slash asks for a directory, which unlink refuses */
    {PC_UNLINK, "file/", 0, PC_ENOTDIR},
    {PC_UNLINK, "dir", 0, PC_EISDIR},
    {PC_UNLINK, "dir/", 0, PC_EISDIR},
    {PC_UNLINK, ".", 0, PC_EISDIR},
    {PC_UNLINK, "ln_dir/", 0, PC_ENOTDIR},
    {PC_UNLINK, "ln_out_dir/", 0, PC_ENOTDIR},
    {PC_UNLINK, "ln_out_missing/", 0, PC_ENOTDIR},
    {PC_UNLINK, "ln_out_file/", 0, PC_ENOTDIR},
    {PC_UNLINK, "missing", 0, PC_ENOENT},
    {PC_UNLINK, "missing/", 0, PC_ENOENT},
    {PC_UNLINK, "../outfile", 0, PC_ENOTCAPABLE},
    {PC_UNLINK, "ln_out_dir/f", 0, PC_ENOTCAPABLE},
    /* rename: a trailing slash on either side needs a directory as the source */
    {PC_RENAME, "file/", "x", PC_ENOTDIR},
    {PC_RENAME, "file", "x/", PC_ENOTDIR},
    {PC_RENAME, "ln_dir/", "x", PC_ENOTDIR},
    {PC_RENAME, "ln_out_dir/", "x", PC_ENOTDIR},
    {PC_RENAME, "ln_out_missing/", "x", PC_ENOTDIR},
    {PC_RENAME, "missing/", "x", PC_ENOENT},
    {PC_RENAME, "missing", "x/", PC_ENOENT},
    {PC_RENAME, "file", "../stolen", PC_ENOTCAPABLE},
    {PC_RENAME, "file", "ln_out_dir/stolen", PC_ENOTCAPABLE},
    {PC_RENAME, "ln_out_dir/f", "x", PC_ENOTCAPABLE},
    {PC_RENAME, "dir/", "dir2/", PC_OK},
    {PC_RENAME, "dir2", "dir", PC_OK},
    {PC_RENAME, "ln_out_dir", "x", PC_OK},  /* the link itself */
    {PC_RENAME, "x", "ln_out_dir", PC_OK},
    /* link: a slash on the source follows its link, so it must stay inside */
    {PC_LINK, "ln_out_file/", "x", PC_ENOTCAPABLE},
    {PC_LINK, "ln_out_dir/", "x", PC_ENOTCAPABLE},
    {PC_LINK, "ln_out_missing/", "x", PC_ENOTCAPABLE},
    {PC_LINK, "ln_out_ln/", "x", PC_ENOTCAPABLE},
    {PC_LINK, "ln_abs_dir/", "x", PC_ENOTCAPABLE},
    {PC_LINK, "ln_abs_missing/", "x", PC_ENOTCAPABLE},
    {PC_LINK, "ln_up/", "x", PC_ENOTCAPABLE},
    {PC_LINK, "ln_out_dir/f", "x", PC_ENOTCAPABLE},
    {PC_LINK, "file", "../x", PC_ENOTCAPABLE},
    {PC_LINK, "file/", "x", PC_ENOTDIR},
    {PC_LINK, "ln_file/", "x", PC_ENOTDIR},
    {PC_LINK, "missing/", "x", PC_ENOENT},
    {PC_LINK, "ln_dangling/", "x", PC_ENOENT},
    {PC_LINK, "ln_loop/", "x", PC_ELOOP},
    {PC_LINK, "dir", "x", PC_EPERM},
    {PC_LINK, "dir/", "x", PC_EPERM},
    {PC_LINK, "ln_dir/", "x", PC_EPERM},
    {PC_LINK, "dir/", "file", PC_EEXIST},
    {PC_LINK, "dir/", "x/", PC_ENOENT},
    {PC_LINK, "file", "x/", PC_ENOENT},
    {PC_LINK, "file", "dir/", PC_EEXIST},
    {PC_LINK, "file", "ln_out_missing/", PC_EEXIST},
    {PC_LINK, "file", "x", PC_OK},
    {PC_UNLINK, "x", 0, PC_OK},
    {PC_LINK, "ln_out_file", "x", PC_OK},   /* the link itself */
    {PC_UNLINK, "x", 0, PC_OK},
    {PC_LINK_FOLLOW, "ln_out_file", "x", PC_ENOTCAPABLE},
    {PC_LINK_FOLLOW, "ln_out_missing", "x", PC_ENOTCAPABLE},
    {PC_LINK_FOLLOW, "ln_out_file/", "x", PC_ENOTCAPABLE},
    {PC_LINK_FOLLOW, "ln_dangling", "x", PC_ENOENT},
    {PC_LINK_FOLLOW, "ln_file", "x", PC_OK},
    {PC_UNLINK, "x", 0, PC_OK},
    /* symlink: the target is text (a relative one may climb out: it can never
     * be followed out); the new name must not end in a slash */
    {PC_SYMLINK, "t", "x/", PC_ENOENT},
    {PC_SYMLINK, "t", "file/", PC_EEXIST},
    {PC_SYMLINK, "t", "ln_out_missing/", PC_EEXIST},
    {PC_SYMLINK, "t", "ln_out_dir/", PC_EEXIST},
    {PC_SYMLINK, "t", ".", PC_EEXIST},
    {PC_SYMLINK, "t", "ln_out_dir/x", PC_ENOTCAPABLE},
    {PC_SYMLINK, "t", "../x", PC_ENOTCAPABLE},
    {PC_SYMLINK, "/etc/passwd", "x", PC_ENOTCAPABLE},
    {PC_SYMLINK, "../../outfile", "x", PC_OK},
    {PC_OPEN, "x", 0, PC_ENOTCAPABLE},
    {PC_UNLINK, "x", 0, PC_OK},
    /* readlink: "link/" names what the link resolves to, which is never a link */
    {PC_READLINK, "ln_file", 0, PC_OK},
    {PC_READLINK, "ln_out_dir", 0, PC_OK},
    {PC_READLINK, "ln_abs_missing", 0, PC_OK},
    {PC_READLINK, "ln_file/", 0, PC_ENOTDIR},
    {PC_READLINK, "ln_dir/", 0, PC_EINVAL},
    {PC_READLINK, "ln_dangling/", 0, PC_ENOENT},
    {PC_READLINK, "ln_loop/", 0, PC_ELOOP},
    {PC_READLINK, "file", 0, PC_EINVAL},
    {PC_READLINK, "file/", 0, PC_ENOTDIR},
    {PC_READLINK, "dir/", 0, PC_EINVAL},
    {PC_READLINK, ".", 0, PC_EINVAL},
    {PC_READLINK, "missing", 0, PC_ENOENT},
    {PC_READLINK, "missing/", 0, PC_ENOENT},
    {PC_READLINK, "ln_out_dir/", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "ln_out_file/", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "ln_out_missing/", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "ln_out_ln/", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "ln_abs_dir/", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "ln_abs_missing/", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "ln_up/", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "ln_out_dir/ln", 0, PC_ENOTCAPABLE},
    {PC_READLINK, "..", 0, PC_ENOTCAPABLE},
    /* depth: 1100 levels, directly and through a link 600 levels deep, and
     * back up with ".." (no resolver may stop at a depth the other does not) */
    {PC_OPEN, "deep/{d/*1100}bottom", 0, PC_OK},
    {PC_OPEN, "deep/{d/*1100}", 0, PC_OK},
    {PC_STAT, "deep/{d/*1100}bottom", 0, PC_OK},
    {PC_OPEN, "deep/{d/*600}{../*600}f", 0, PC_OK},
    {PC_OPEN, "deep/{d/*1100}{../*300}{d/*300}bottom", 0, PC_OK},
    {PC_OPEN, "deep/dl/{d/*500}bottom", 0, PC_OK},
    {PC_OPEN, "deep/dl/{d/*400}{../*1000}f", 0, PC_OK},
    {PC_OPEN, "deep/dl/{d/*400}{../*1001}file", 0, PC_OK},
    {PC_OPEN, "deep/dl/{d/*400}{../*1002}file", 0, PC_ENOTCAPABLE},
    {PC_OPEN, "deep/{d/*600}{../*601}file", 0, PC_OK},
    {PC_OPEN, "deep/{d/*600}{../*602}file", 0, PC_ENOTCAPABLE},
    {PC_MKDIR, "deep/{d/*1100}new/", 0, PC_OK},
    {PC_RMDIR, "deep/{d/*1100}new", 0, PC_OK},
    {PC_LINK_FOLLOW, "deep/dl/{d/*500}bottom", "deep/hard", PC_OK},
    {PC_UNLINK, "deep/hard", 0, PC_OK},
    {PC_READLINK, "deep/dl/{d/*500}", 0, PC_EINVAL},
    /* long link chains: the text to resolve outgrows any fixed buffer */
    {PC_OPEN, "ld/p1/f", 0, PC_OK},
    {PC_STAT_FOLLOW, "ld/p1", 0, PC_OK},
    {PC_OPEN, "ld/p1/../file", 0, PC_OK},
    {PC_OPEN, "ld/p1/../../outfile", 0, PC_ENOTCAPABLE},
    /* 40 links per resolution at most, counted over the whole path */
    {PC_OPEN, "chain/c2", 0, PC_OK},
    {PC_OPEN, "chain/c1", 0, PC_ELOOP},
    {PC_STAT_FOLLOW, "chain/c1", 0, PC_ELOOP},
    {PC_STAT, "chain/c1", 0, PC_OK},
    {PC_OPEN, "chain/d1/f", 0, PC_OK},
    {PC_OPEN, "chain/d1/../chain/c40", 0, PC_ELOOP},  /* 40 + 2 */
    {PC_OPEN, "chain/d3/../chain/c3", 0, PC_ELOOP},   /* 38 + 39: each under 40, not the sum */
    {PC_OPEN, "chain/d30/../chain/c30", 0, PC_OK},    /* 11 + 12 */
    {PC_STAT, "chain/d2/../chain/c2", 0, PC_OK},      /* the final link is not followed */
    {PC_LINK_FOLLOW, "chain/c1", "x", PC_ELOOP},
    {PC_READLINK, "chain/c1/", 0, PC_ELOOP},
    {PC_READLINK, "chain/d1/../chain/c1", 0, PC_OK},
    /* the longest path a guest may pass, and one byte more */
    {PC_OPEN, "{./*2045}file", 0, PC_OK},
    {PC_OPEN, "{./*2046}file", 0, PC_ENAMETOOLONG},
};

#define PATH_CASE_COUNT (sizeof path_cases / sizeof path_cases[0])

/* The race: while race/ and race_alt (a link to ../outside) swap places,
 * every path function runs on names below race/, and what each one reaches
 * is checked: an object opened, stat'ed or linked must never be one of
 * outside's, a file read or link read never say OUTSIDE; afterwards outside
 * must be exactly as before (no entry created, removed, renamed or touched).
 * The answers themselves vary with the race. Creations are undone by the
 * case after them when they succeed. */
static const struct path_case race_cases[] = {
    /* put back what the last round's race left half-moved (attacks too) */
    {PC_RENAME, "moved", "race/f", 0},  {PC_RENAME, "movedd", "race/d", 0},
    {PC_MKDIR, "race/d", 0, 0},         {PC_CREATE, "race/f", 0, 0},
    {PC_OPEN, "race/f", 0, 0},          {PC_OPEN, "race/", 0, 0},
    {PC_OPEN, "race//", 0, 0},          {PC_OPEN, "race/./", 0, 0},
    {PC_OPEN_DIR, "race/", 0, 0},       {PC_STAT, "race//", 0, 0},
    {PC_OPEN, "race/", 0, 0},           {PC_STAT, "race/", 0, 0},
    {PC_OPEN, "race/.", 0, 0},          {PC_OPEN, "race/d/..", 0, 0},
    {PC_OPEN, "race/ln", 0, 0},         {PC_OPEN, "race/ln/", 0, 0},
    {PC_OPEN, "race//f", 0, 0},         {PC_OPEN, "race/./f", 0, 0},
    {PC_OPEN, "race/d/../f", 0, 0},     {PC_OPEN_NOFOLLOW, "race/f", 0, 0},
    {PC_OPEN_NOFOLLOW, "race/", 0, 0},  {PC_OPEN_NOFOLLOW, "race/ln/", 0, 0},
    {PC_OPEN_DIR, "race", 0, 0},        {PC_OPEN_DIR, "race/d/", 0, 0},
    {PC_STAT, "race/f", 0, 0},          {PC_STAT, "race/", 0, 0},
    {PC_STAT, "race/.", 0, 0},          {PC_STAT, "race/ln/", 0, 0},
    {PC_STAT, "race/d/..", 0, 0},       {PC_STAT_FOLLOW, "race/ln", 0, 0},
    {PC_STAT_FOLLOW, "race", 0, 0},     {PC_TIMES, "race/f", 0, 0},
    {PC_TIMES, "race/", 0, 0},          {PC_TIMES, "race/ln/", 0, 0},
    {PC_TIMES_FOLLOW, "race/ln", 0, 0}, {PC_TIMES_FOLLOW, "race/./f", 0, 0},
    {PC_CREATE, "race/u", 0, 0},        {PC_UNLINK, "race/u", 0, 0},
    {PC_CREATE, "race/u/", 0, 0},       {PC_CREATE, "race/new", 0, 0},
    {PC_UNLINK, "race/new", 0, 0},      {PC_CREATE_EXCL, "race/./new", 0, 0},
    {PC_UNLINK, "race/./new", 0, 0},    {PC_MKDIR, "race/d2", 0, 0},
    {PC_RMDIR, "race/d2", 0, 0},        {PC_MKDIR, "race/d2/", 0, 0},
    {PC_RMDIR, "race/d2/", 0, 0},       {PC_MKDIR, "race/nd/", 0, 0},
    {PC_RMDIR, "race/nd/", 0, 0},       {PC_UNLINK, "race/u/", 0, 0},
    {PC_RMDIR, "race/d/", 0, 0},        {PC_MKDIR, "race/d", 0, 0},
    {PC_SYMLINK, "t", "race/sl", 0},
    {PC_UNLINK, "race/sl", 0, 0},       {PC_SYMLINK, "t", "race/sl/", 0},
    {PC_LINK, "race/f", "hl", 0},       {PC_UNLINK, "hl", 0, 0},
    {PC_LINK, "race/ln/", "hl", 0},     {PC_UNLINK, "hl", 0, 0},
    {PC_LINK, "race/./f", "hl", 0},     {PC_UNLINK, "hl", 0, 0},
    {PC_LINK_FOLLOW, "race/ln", "hl", 0}, {PC_UNLINK, "hl", 0, 0},
    {PC_LINK, "file", "race/hl", 0},    {PC_UNLINK, "race/hl", 0, 0},
    {PC_RENAME, "race/f", "moved", 0},  {PC_RENAME, "moved", "race/f", 0},
    {PC_RENAME, "file", "race/moved", 0}, {PC_RENAME, "race/moved", "file", 0},
    {PC_RENAME, "race/d/", "movedd", 0}, {PC_RENAME, "movedd", "race/d", 0},
    {PC_READLINK, "race/rl", 0, 0},     {PC_READLINK, "race/./rl", 0, 0},
    {PC_READLINK, "race/d/../rl", 0, 0}, {PC_READLINK, "race/ln/", 0, 0},
};

#define RACE_CASE_COUNT (sizeof race_cases / sizeof race_cases[0])

/* Expands "{TEXT*N}" groups into out (cap bytes). Returns the length, or
 * (size_t)-1 if it does not fit. */
static size_t pc_expand(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    while (*in) {
        const char *close = in[0] == '{' ? strchr(in, '}') : NULL;
        const char *star = close ? memchr(in, '*', (size_t)(close - in)) : NULL;
        if (!star) {
            if (n + 1 >= cap)
                return (size_t)-1;
            out[n++] = *in++;
            continue;
        }
        size_t len = (size_t)(star - in - 1);
        long times = strtol(star + 1, NULL, 10);
        for (long i = 0; i < times; i++) {
            if (n + len + 1 >= cap)
                return (size_t)-1;
            memcpy(out + n, in + 1, len);
            n += len;
        }
        in = close + 1;
    }
    out[n] = 0;
    return n;
}

#endif
