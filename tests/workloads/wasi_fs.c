/* Every fd_* and path_* function of WASI preview 1 on a preopened directory,
 * through the raw imports so that each errno is checked exactly, plus the
 * sandbox: no way out through "..", absolute paths or symbolic links.
 *
 * usage: wasi_fs.wasm GUEST-NAME   (the preopen at fd 3 must be GUEST-NAME and
 * hold: readme ("readme\n"), sub/, sub/ok -> ../readme, sub/up -> ../..,
 * escape -> ../secret, abs -> /etc/passwd, dirlink -> ..; and the directory
 * above it a file "secret") */
#include "check.h"

#define DIR 3
#define RW (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
            __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |                              \
            __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_ADVISE |       \
            __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS)
static __wasi_rights_t dir_base, dir_inheriting; /* the preopen's own rights */
#define ESCAPE __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_PERM

static __wasi_fd_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t rights,
                           __wasi_fdflags_t fdflags, __wasi_errno_t *err)
{
    __wasi_fd_t fd = (__wasi_fd_t)-1;
    *err = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags, rights, rights, fdflags, &fd);
    return fd;
}

static __wasi_fd_t open_dir(const char *path, __wasi_errno_t *err)
{
    __wasi_fd_t fd = (__wasi_fd_t)-1;
    *err = __wasi_path_open(DIR, 0, path, __WASI_OFLAGS_DIRECTORY, dir_base, dir_inheriting, 0, &fd);
    return fd;
}

static size_t write_str(__wasi_fd_t fd, const char *s, __wasi_errno_t *err)
{
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    size_t n = 0;
    *err = __wasi_fd_write(fd, &iov, 1, &n);
    return n;
}

static void test_preopen(const char *name)
{
    __wasi_prestat_t ps;
    EXPECT_OK("fd_prestat_get", __wasi_fd_prestat_get(DIR, &ps));
    EXPECT("prestat is a directory", ps.tag == __WASI_PREOPENTYPE_DIR && ps.u.dir.pr_name_len == strlen(name),
           "tag %d len %u", ps.tag, (unsigned)ps.u.dir.pr_name_len);
    char buf[256] = {0};
    EXPECT_OK("fd_prestat_dir_name", __wasi_fd_prestat_dir_name(DIR, (uint8_t *)buf, sizeof buf - 1));
    EXPECT("prestat name", strcmp(buf, name) == 0, "got '%s'", buf);
    EXPECT_ERR("fd_prestat_dir_name too small", __wasi_fd_prestat_dir_name(DIR, (uint8_t *)buf, 0),
               __WASI_ERRNO_NAMETOOLONG, __WASI_ERRNO_INVAL, __WASI_ERRNO_NOBUFS);
    EXPECT_ERR("fd_prestat_get on stdout", __wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF, __WASI_ERRNO_INVAL);
    EXPECT_ERR("fd_prestat_get on a closed fd", __wasi_fd_prestat_get(999, &ps), __WASI_ERRNO_BADF);
    __wasi_fdstat_t st;
    EXPECT_OK("fd_fdstat_get dir", __wasi_fd_fdstat_get(DIR, &st));
    EXPECT("preopen is a directory", st.fs_filetype == __WASI_FILETYPE_DIRECTORY, "type %d", st.fs_filetype);
    dir_base = st.fs_rights_base;
    dir_inheriting = st.fs_rights_inheriting;
}

static void test_file_io(void)
{
    __wasi_errno_t e;
    EXPECT_OK("path_create_directory", __wasi_path_create_directory(DIR, "d"));
    EXPECT_ERR("path_create_directory exists", __wasi_path_create_directory(DIR, "d"), __WASI_ERRNO_EXIST);
    __wasi_fd_t fd = open_at(DIR, "d/f", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RW, 0, &e);
    EXPECT_OK("path_open create", e);
    open_at(DIR, "d/f", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RW, 0, &e);
    EXPECT_ERR("path_open exclusive on existing", e, __WASI_ERRNO_EXIST);

    __wasi_ciovec_t two[2] = {{(const uint8_t *)"hello ", 6}, {(const uint8_t *)"world", 5}};
    size_t n = 0;
    EXPECT_OK("fd_write two iovecs", __wasi_fd_write(fd, two, 2, &n));
    EXPECT("fd_write count", n == 11, "%zu", n);
    __wasi_filesize_t pos = 0;
    EXPECT_OK("fd_tell", __wasi_fd_tell(fd, &pos));
    EXPECT("fd_tell value", pos == 11, "%llu", (unsigned long long)pos);
    EXPECT_OK("fd_seek set", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    char buf[128] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    EXPECT_OK("fd_read", __wasi_fd_read(fd, &iov, 1, &n));
    EXPECT("fd_read content", n == 11 && memcmp(buf, "hello world", 11) == 0, "%zu '%.*s'", n, (int)n, buf);
    EXPECT_OK("fd_read at end", __wasi_fd_read(fd, &iov, 1, &n));
    EXPECT("fd_read at end is 0", n == 0, "%zu", n);
    EXPECT_OK("fd_seek end", __wasi_fd_seek(fd, -5, __WASI_WHENCE_END, &pos));
    EXPECT("fd_seek end value", pos == 6, "%llu", (unsigned long long)pos);
    EXPECT_OK("fd_seek cur", __wasi_fd_seek(fd, 2, __WASI_WHENCE_CUR, &pos));
    EXPECT("fd_seek cur value", pos == 8, "%llu", (unsigned long long)pos);
    EXPECT_ERR("fd_seek before start", __wasi_fd_seek(fd, -100, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_INVAL);
    EXPECT_ERR("fd_seek bad whence", __wasi_fd_seek(fd, 0, 7, &pos), __WASI_ERRNO_INVAL);

    memset(buf, 0, sizeof buf);
    iov.buf_len = 5;
    EXPECT_OK("fd_pread", __wasi_fd_pread(fd, &iov, 1, 6, &n));
    EXPECT("fd_pread content", n == 5 && memcmp(buf, "world", 5) == 0, "'%.*s'", (int)n, buf);
    EXPECT_OK("fd_tell after pread", __wasi_fd_tell(fd, &pos));
    EXPECT("fd_pread keeps the offset", pos == 8, "%llu", (unsigned long long)pos);
    __wasi_ciovec_t up = {(const uint8_t *)"HELLO", 5};
    EXPECT_OK("fd_pwrite", __wasi_fd_pwrite(fd, &up, 1, 0, &n));
    iov.buf_len = sizeof buf;
    EXPECT_OK("fd_pread whole", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    EXPECT("fd_pwrite content", n == 11 && memcmp(buf, "HELLO world", 11) == 0, "'%.*s'", (int)n, buf);

    __wasi_filestat_t fs;
    EXPECT_OK("fd_filestat_get", __wasi_fd_filestat_get(fd, &fs));
    EXPECT("filestat size/type", fs.size == 11 && fs.filetype == __WASI_FILETYPE_REGULAR_FILE && fs.nlink == 1,
           "size %llu type %d nlink %llu", (unsigned long long)fs.size, fs.filetype, (unsigned long long)fs.nlink);
    EXPECT_OK("fd_filestat_set_size shrink", __wasi_fd_filestat_set_size(fd, 4));
    EXPECT_OK("fd_filestat_get (line 110)", __wasi_fd_filestat_get(fd, &fs));
    EXPECT("size after shrink", fs.size == 4, "%llu", (unsigned long long)fs.size);
    EXPECT_OK("fd_filestat_set_size grow", __wasi_fd_filestat_set_size(fd, 20));
    EXPECT_OK("fd_filestat_get (line 113)", __wasi_fd_filestat_get(fd, &fs));
    EXPECT("size after grow", fs.size == 20, "%llu", (unsigned long long)fs.size);

    __wasi_timestamp_t at = 1000000000ull * 1000000000ull, mt = 1500000000ull * 1000000000ull + 123;
    EXPECT_OK("fd_filestat_set_times",
              __wasi_fd_filestat_set_times(fd, at, mt, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    EXPECT_OK("fd_filestat_get (line 119)", __wasi_fd_filestat_get(fd, &fs));
    EXPECT("times set", fs.atim == at && fs.mtim == mt, "atim %llu mtim %llu", (unsigned long long)fs.atim,
           (unsigned long long)fs.mtim);
    EXPECT_ERR("fd_filestat_set_times ATIM|ATIM_NOW",
               __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
               __WASI_ERRNO_INVAL);
    EXPECT_OK("fd_filestat_set_times MTIM_NOW", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    EXPECT_OK("fd_filestat_get (line 126)", __wasi_fd_filestat_get(fd, &fs));
    EXPECT("mtim now", fs.mtim > mt && fs.atim == at, "mtim %llu", (unsigned long long)fs.mtim);

    e = __wasi_fd_allocate(fd, 0, 100);
    EXPECT("fd_allocate", e == 0 || e == __WASI_ERRNO_NOTSUP, "errno %d", e);
    if (e == 0) {
        EXPECT_OK("fd_filestat_get (line 132)", __wasi_fd_filestat_get(fd, &fs));
        EXPECT("size after allocate", fs.size == 100, "%llu", (unsigned long long)fs.size);
    }
    EXPECT_OK("fd_advise", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_SEQUENTIAL));
    EXPECT_ERR("fd_advise bad advice", __wasi_fd_advise(fd, 0, 0, 9), __WASI_ERRNO_INVAL);
    EXPECT_OK("fd_datasync", __wasi_fd_datasync(fd));
    EXPECT_OK("fd_sync", __wasi_fd_sync(fd));

    __wasi_fdstat_t st;
    EXPECT_OK("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &st));
    EXPECT("fdstat regular, no flags", st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE && st.fs_flags == 0,
           "type %d flags %d", st.fs_filetype, st.fs_flags);
    EXPECT("fdstat rights", (st.fs_rights_base & RW) == RW, "0x%llx", (unsigned long long)st.fs_rights_base);
    EXPECT_OK("fd_fdstat_set_flags APPEND", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    EXPECT_OK("fd_fdstat_get (line 146)", __wasi_fd_fdstat_get(fd, &st));
    EXPECT("fdstat shows APPEND", st.fs_flags == __WASI_FDFLAGS_APPEND, "flags %d", st.fs_flags);
    EXPECT_OK("fd_filestat_get (line 148)", __wasi_fd_filestat_get(fd, &fs));
    __wasi_filesize_t before = fs.size;
    EXPECT_OK("fd_seek (line 150)", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    write_str(fd, "Z", &e);
    EXPECT_OK("fd_filestat_get (line 152)", __wasi_fd_filestat_get(fd, &fs));
    EXPECT("APPEND writes at the end", fs.size == before + 1, "%llu -> %llu", (unsigned long long)before,
           (unsigned long long)fs.size);
    EXPECT_OK("fd_fdstat_set_flags 0", __wasi_fd_fdstat_set_flags(fd, 0));
    EXPECT_ERR("fd_fdstat_set_flags unknown bits", __wasi_fd_fdstat_set_flags(fd, 0x100), __WASI_ERRNO_INVAL);

    EXPECT_OK("fd_fdstat_set_rights drop write",
              __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0));
    write_str(fd, "x", &e);
    EXPECT_ERR("fd_write without the right", e, __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_BADF);
    EXPECT_ERR("fd_fdstat_set_rights cannot add", __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base, 0),
               __WASI_ERRNO_NOTCAPABLE);
    EXPECT_OK("fd_close", __wasi_fd_close(fd));
    EXPECT_ERR("fd_close twice", __wasi_fd_close(fd), __WASI_ERRNO_BADF);
    EXPECT_ERR("fd_write on a closed fd", __wasi_fd_write(fd, two, 2, &n), __WASI_ERRNO_BADF);
}

static void test_paths(void)
{
    __wasi_errno_t e;
    __wasi_filestat_t fs;
    EXPECT_OK("path_filestat_get", __wasi_path_filestat_get(DIR, 0, "d/f", &fs));
    EXPECT("path_filestat type", fs.filetype == __WASI_FILETYPE_REGULAR_FILE, "%d", fs.filetype);
    EXPECT_OK("path_filestat_set_times",
              __wasi_path_filestat_set_times(DIR, 0, "d/f", 7000000000ull, 9000000000ull,
                                             __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    EXPECT_OK("path_filestat_get (line 178)", __wasi_path_filestat_get(DIR, 0, "d/f", &fs));
    EXPECT("path times set", fs.atim == 7000000000ull && fs.mtim == 9000000000ull, "%llu %llu",
           (unsigned long long)fs.atim, (unsigned long long)fs.mtim);

    EXPECT_OK("path_symlink", __wasi_path_symlink("f", DIR, "d/link"));
    EXPECT_ERR("path_symlink exists", __wasi_path_symlink("f", DIR, "d/link"), __WASI_ERRNO_EXIST);
    char buf[64] = {0};
    size_t n = 0;
    EXPECT_OK("path_readlink", __wasi_path_readlink(DIR, "d/link", (uint8_t *)buf, sizeof buf, &n));
    EXPECT("readlink content", n == 1 && buf[0] == 'f', "%zu '%.*s'", n, (int)n, buf);
    EXPECT_ERR("path_readlink on a file", __wasi_path_readlink(DIR, "d/f", (uint8_t *)buf, sizeof buf, &n),
               __WASI_ERRNO_INVAL);
    EXPECT_OK("path_filestat_get nofollow", __wasi_path_filestat_get(DIR, 0, "d/link", &fs));
    EXPECT("nofollow sees the link", fs.filetype == __WASI_FILETYPE_SYMBOLIC_LINK, "%d", fs.filetype);
    EXPECT_OK("path_filestat_get follow",
              __wasi_path_filestat_get(DIR, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/link", &fs));
    EXPECT("follow sees the file", fs.filetype == __WASI_FILETYPE_REGULAR_FILE, "%d", fs.filetype);
    __wasi_fd_t fd;
    e = __wasi_path_open(DIR, 0, "d/link", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    EXPECT_ERR("path_open nofollow on a link", e, __WASI_ERRNO_LOOP, __WASI_ERRNO_NOTSUP);

    EXPECT_OK("path_link", __wasi_path_link(DIR, 0, "d/f", DIR, "d/hard"));
    EXPECT_OK("path_filestat_get (line 200)", __wasi_path_filestat_get(DIR, 0, "d/f", &fs));
    EXPECT("nlink 2", fs.nlink == 2, "%llu", (unsigned long long)fs.nlink);
    EXPECT_ERR("path_link onto existing", __wasi_path_link(DIR, 0, "d/f", DIR, "d/hard"), __WASI_ERRNO_EXIST);
    EXPECT_OK("path_rename", __wasi_path_rename(DIR, "d/hard", DIR, "d/moved"));
    EXPECT_ERR("renamed source is gone", __wasi_path_filestat_get(DIR, 0, "d/hard", &fs), __WASI_ERRNO_NOENT);
    EXPECT_ERR("path_rename missing", __wasi_path_rename(DIR, "d/nothing", DIR, "d/x"), __WASI_ERRNO_NOENT);

    fd = open_at(DIR, "d/f", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("path_open DIRECTORY on a file", e, __WASI_ERRNO_NOTDIR);
    open_at(DIR, "d/f/", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("path_open file with trailing slash", e, __WASI_ERRNO_NOTDIR);
    open_at(DIR, "d/missing", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("path_open missing", e, __WASI_ERRNO_NOENT);
    open_at(DIR, "d/f\xff", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("path_open invalid UTF-8", e, __WASI_ERRNO_ILSEQ, __WASI_ERRNO_NOENT);
    open_at(1, "x", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("path_open relative to stdout", e, __WASI_ERRNO_NOTDIR, __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_BADF);

    __wasi_fd_t dirfd = open_dir("d", &e);
    EXPECT_OK("path_open directory", e);
    char data[16];
    __wasi_iovec_t iov = {(uint8_t *)data, sizeof data};
    EXPECT_ERR("fd_read on a directory", __wasi_fd_read(dirfd, &iov, 1, &n), __WASI_ERRNO_ISDIR,
               __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_BADF);
    __wasi_filesize_t pos;
    EXPECT_ERR("fd_seek on a directory", __wasi_fd_seek(dirfd, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_ISDIR,
               __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_BADF);

    /* fd_readdir: every name once, whether read in one go or 40 bytes at a time */
    static const char *const want[] = {".", "..", "f", "link", "moved"};
    for (int small = 0; small < 2; small++) {
        int seen[5] = {0}, other = 0;
        uint8_t rd[4096];
        __wasi_dircookie_t cookie = 0;
        for (int round = 0; round < 100; round++) {
            size_t used = 0, cap = small ? 40 : sizeof rd;
            e = __wasi_fd_readdir(dirfd, rd, cap, cookie, &used);
            if (e)
                break;
            size_t p = 0;
            int complete = 0;
            while (p + sizeof(__wasi_dirent_t) <= used) {
                __wasi_dirent_t de;
                memcpy(&de, rd + p, sizeof de);
                if (p + sizeof de + de.d_namlen > used)
                    break; /* cut short: ask again from this entry */
                char name[64] = {0};
                memcpy(name, rd + p + sizeof de, de.d_namlen < 63 ? de.d_namlen : 63);
                int k;
                for (k = 0; k < 5 && strcmp(name, want[k]) != 0; k++)
                    ;
                if (k < 5)
                    seen[k]++;
                else
                    other++;
                cookie = de.d_next;
                p += sizeof de + de.d_namlen;
                complete++;
            }
            if (used < cap)
                break; /* the end */
            if (!complete && small) {
                e = __WASI_ERRNO_NOBUFS;
                break;
            }
        }
        EXPECT_OK(small ? "fd_readdir in small pieces" : "fd_readdir", e);
        int all = !other && seen[0] == seen[1] && seen[0] <= 1; /* "." and "..": both or neither */
        for (int k = 2; k < 5; k++)
            all = all && seen[k] == 1;
        EXPECT(small ? "readdir names (small buffer)" : "readdir names", all,
               "seen . %d .. %d f %d link %d moved %d other %d", seen[0], seen[1], seen[2], seen[3], seen[4], other);
    }
    EXPECT_ERR("fd_readdir on a file", __wasi_fd_readdir(1, (uint8_t *)data, sizeof data, 0, &n),
               __WASI_ERRNO_NOTDIR, __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_BADF);

    /* fd_renumber */
    __wasi_fd_t a = open_at(DIR, "d/f", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    __wasi_fd_t b = open_at(DIR, "d/moved", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, &e);
    EXPECT_OK("fd_renumber", __wasi_fd_renumber(a, b));
    __wasi_fdstat_t st;
    EXPECT_OK("fd_fdstat_get (line 281)", __wasi_fd_fdstat_get(b, &st));
    EXPECT("renumbered fd has the source's rights", !(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE), "0x%llx",
           (unsigned long long)st.fs_rights_base);
    EXPECT_ERR("fd_renumber source is closed", __wasi_fd_fdstat_get(a, &st), __WASI_ERRNO_BADF);
    EXPECT_ERR("fd_renumber to a closed fd", __wasi_fd_renumber(b, 999), __WASI_ERRNO_BADF);
    (void)__wasi_fd_close(b);
    (void)__wasi_fd_close(dirfd);

    EXPECT_ERR("path_remove_directory not empty", __wasi_path_remove_directory(DIR, "d"), __WASI_ERRNO_NOTEMPTY);
    EXPECT_ERR("path_unlink_file on a directory", __wasi_path_unlink_file(DIR, "d"), __WASI_ERRNO_ISDIR,
               __WASI_ERRNO_PERM);
    EXPECT_ERR("path_remove_directory on a file", __wasi_path_remove_directory(DIR, "d/f"), __WASI_ERRNO_NOTDIR);
    EXPECT_OK("path_unlink_file", __wasi_path_unlink_file(DIR, "d/f"));
    EXPECT_OK("path_unlink_file link", __wasi_path_unlink_file(DIR, "d/link"));
    EXPECT_OK("path_unlink_file moved", __wasi_path_unlink_file(DIR, "d/moved"));
    EXPECT_ERR("path_unlink_file missing", __wasi_path_unlink_file(DIR, "d/f"), __WASI_ERRNO_NOENT);
    EXPECT_OK("path_remove_directory", __wasi_path_remove_directory(DIR, "d"));
}

static void test_sandbox(void)
{
    __wasi_errno_t e;
    __wasi_filestat_t fs;
    __wasi_fd_t fd;
    open_at(DIR, "../secret", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("escape: ../secret", e, ESCAPE);
    open_at(DIR, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("escape: absolute path", e, ESCAPE);
    open_at(DIR, "sub/../../secret", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("escape: sub/../../secret", e, ESCAPE);
    open_at(DIR, "escape", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("escape: symlink to ../secret", e, ESCAPE);
    open_at(DIR, "abs", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("escape: symlink to /etc/passwd", e, ESCAPE);
    open_at(DIR, "dirlink/secret", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("escape: through a directory symlink to ..", e, ESCAPE);
    open_at(DIR, "sub/up/secret", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_ERR("escape: through sub/up -> ../..", e, ESCAPE);
    EXPECT_ERR("escape: path_filestat_get follow",
               __wasi_path_filestat_get(DIR, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape", &fs), ESCAPE);
    EXPECT_OK("the escape link itself is visible", __wasi_path_filestat_get(DIR, 0, "escape", &fs));
    EXPECT_ERR("escape: path_create_directory ../x", __wasi_path_create_directory(DIR, "../x"), ESCAPE);
    EXPECT_ERR("escape: path_rename to ..", __wasi_path_rename(DIR, "readme", DIR, "../stolen"), ESCAPE);
    EXPECT_ERR("escape: path_link follow", __wasi_path_link(DIR, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape", DIR, "got"),
               ESCAPE);
    EXPECT_ERR("escape: path_symlink absolute", __wasi_path_symlink("/etc/passwd", DIR, "newabs"), ESCAPE);
    EXPECT_ERR("escape: path_filestat_set_times follow",
               __wasi_path_filestat_set_times(DIR, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape", 0, 0,
                                              __WASI_FSTFLAGS_MTIM_NOW),
               ESCAPE);
    EXPECT_ERR("escape: unlink ../secret", __wasi_path_unlink_file(DIR, "../secret"), ESCAPE);

    /* links that stay inside work */
    fd = open_at(DIR, "sub/ok", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_OK("inside: sub/ok -> ../readme", e);
    char buf[32] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    size_t n = 0;
    if (!e) {
        EXPECT_OK("fd_read (line 340)", __wasi_fd_read(fd, &iov, 1, &n));
        EXPECT("inside: content", n == 7 && memcmp(buf, "readme\n", 7) == 0, "'%.*s'", (int)n, buf);
        (void)__wasi_fd_close(fd);
    }
    fd = open_at(DIR, "sub/../readme", 0, __WASI_RIGHTS_FD_READ, 0, &e);
    EXPECT_OK("inside: sub/../readme", e);
    if (!e)
        (void)__wasi_fd_close(fd);
    fd = open_dir(".", &e);
    EXPECT_OK("inside: .", e);
    if (!e)
        (void)__wasi_fd_close(fd);
}

__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t
raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
              int64_t inheriting, int32_t fdflags, int32_t fd_out);

static void test_bounds(void)
{
    size_t n;
    __wasi_errno_t e;
    /* pointers beyond linear memory must be refused, never followed */
    uintptr_t far = 0xfffffff0u;
    __wasi_ciovec_t bad = {(const uint8_t *)far, 64};
    EXPECT_ERR("fd_write buffer out of bounds", __wasi_fd_write(1, &bad, 1, &n), __WASI_ERRNO_FAULT);
    EXPECT_ERR("fd_write iovec array out of bounds", __wasi_fd_write(1, (const __wasi_ciovec_t *)far, 4, &n),
               __WASI_ERRNO_FAULT);
    EXPECT_ERR("fd_write result out of bounds", __wasi_fd_write(1, &bad, 0, (size_t *)far), __WASI_ERRNO_FAULT);
    __wasi_fd_t fd;
    e = (__wasi_errno_t)raw_path_open(DIR, 0, (int32_t)far, 32, 0, 0, 0, 0, (int32_t)(uintptr_t)&fd);
    EXPECT_ERR("path_open path out of bounds", e, __WASI_ERRNO_FAULT);
    e = (__wasi_errno_t)raw_path_open(DIR, 0, (int32_t)(uintptr_t) "readme", 6, 0, 0, 0, 0, (int32_t)far);
    EXPECT_ERR("path_open result out of bounds", e, __WASI_ERRNO_FAULT);
    e = (__wasi_errno_t)raw_path_open(DIR, 0, (int32_t)(uintptr_t) "readme\0x", 8, 0, 0, 0, 0,
                                      (int32_t)(uintptr_t)&fd);
    EXPECT_ERR("path_open with an embedded NUL", e, __WASI_ERRNO_INVAL, __WASI_ERRNO_ILSEQ, __WASI_ERRNO_NOENT);
    EXPECT_ERR("random_get out of bounds", __wasi_random_get((uint8_t *)far, 100), __WASI_ERRNO_FAULT);
    __wasi_filestat_t *fs = (__wasi_filestat_t *)far;
    EXPECT_ERR("fd_filestat_get out of bounds", __wasi_fd_filestat_get(DIR, fs), __WASI_ERRNO_FAULT);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: wasi_fs GUEST-NAME-OF-FD-3\n");
        return 2;
    }
    verbose = argc > 2;
    test_preopen(argv[1]);
    test_file_io();
    test_paths();
    test_sandbox();
    test_bounds();
    return finish("wasi_fs");
}
