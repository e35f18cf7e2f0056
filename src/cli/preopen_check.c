/* Host-side preopen checks; see preopen_check.h and config/preopen_fs.h. */
#include "cli/preopen_check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "config/preopen_fs.h"

/* Cuts the next space-separated field off *s. */
static char *next_field(char **s)
{
    char *f = *s;
    if (!*f)
        return NULL;
    char *end = strchr(f, ' ');
    if (end) {
        *end = 0;
        *s = end + 1;
    } else {
        end = f + strcspn(f, "\n");
        *end = 0;
        *s = end;
    }
    return f;
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
            s[3] <= '7') {
            *out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER" */
int mountinfo_parse(char *line, unsigned long *id, char **point, char **type)
{
    char *s = line, *f[5];
    for (int i = 0; i < 5; i++)
        if (!(f[i] = next_field(&s)))
            return -1;
    char *end;
    errno = 0;
    *id = strtoul(f[0], &end, 10);
    if (errno || *end || end == f[0])
        return -1;
    char *sep;
    while ((sep = next_field(&s)) && strcmp(sep, "-") != 0)
        ;
    if (!sep || !(*type = next_field(&s)) || !**type)
        return -1;
    unescape(f[4]);
    *point = f[4];
    return (*point)[0] == '/' ? 0 : -1;
}

/* path lies in the mount at point (point is path or one of its ancestors). */
static size_t mount_holds(const char *point, const char *path)
{
    size_t n = strlen(point);
    if (strcmp(point, "/") == 0)
        return 1;
    return strncmp(path, point, n) == 0 && (path[n] == 0 || path[n] == '/') ? n : 0;
}

/* point lies strictly below path. */
static bool mount_below(const char *point, const char *path)
{
    if (strcmp(path, "/") == 0)
        return strcmp(point, "/") != 0;
    size_t n = strlen(path);
    return strncmp(point, path, n) == 0 && point[n] == '/';
}

/* The mount table: the mount dir is on (by mount id when statx gives one,
 * else the last, longest mount point that holds it), and every mount below. */
static int check_mounts(const char *dir, char *err, size_t errlen)
{
    char real[PATH_MAX];
    if (!realpath(dir, real)) {
        snprintf(err, errlen, "cannot preopen '%s': %s", dir, strerror(errno));
        return 2;
    }
    struct statx stx;
    bool have_id = statx(AT_FDCWD, real, 0, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID);
    FILE *table = fopen("/proc/self/mountinfo", "re");
    if (!table)
        return 0; /* no mount table (no /proc): the statfs check stands alone */
    char *line = NULL, *point, *type;
    size_t cap = 0, best = 0;
    unsigned long id;
    const pseudo_fs *on = NULL, *under = NULL;
    char what[PATH_MAX + 32] = "";
    while (getline(&line, &cap, table) > 0) {
        if (mountinfo_parse(line, &id, &point, &type) != 0)
            continue;
        const pseudo_fs *fs = pseudo_fs_by_type(type);
        size_t held = mount_holds(point, real);
        if (have_id ? id == stx.stx_mnt_id : held && held >= best) {
            best = held;
            on = fs;
        }
        if (fs && !under && mount_below(point, real)) {
            under = fs;
            snprintf(what, sizeof what, "'%s', mounted below it,", point);
        }
    }
    free(line);
    fclose(table);
    if (on || under) {
        preopen_fs_refusal(on ? on : under, dir, on ? "it" : what, err, errlen);
        return 2;
    }
    return 0;
}

int preopen_check(const char *dir, char *err, size_t errlen)
{
    struct statfs sf;
    if (statfs(dir, &sf) != 0) {
        snprintf(err, errlen, "cannot preopen '%s': %s", dir, strerror(errno));
        return 2;
    }
    const pseudo_fs *fs = pseudo_fs_by_magic((uint64_t)sf.f_type);
    if (fs) {
        preopen_fs_refusal(fs, dir, "it", err, errlen);
        return 2;
    }
    return check_mounts(dir, err, errlen);
}
