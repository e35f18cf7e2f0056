/* toml-test-run TESTS_DIR FILE_LIST DECODER [-v]: the toml-test runner.
 *
 * For every X.toml named in FILE_LIST (toml-test's files-toml-1.0.0) it runs
 * DECODER with the file on stdin (10 s limit):
 *   valid/X.toml   must exit 0 and print JSON equal to valid/X.json, compared
 *                  the way toml-test does: tables and arrays exactly; tagged
 *                  scalars {"type", "value"} by type and value -- floats
 *                  numerically (any nan equals any nan), offset date-times as
 *                  instants, local date-times field by field (' ' or 'T',
 *                  'z' or 'Z'), everything else as exact strings;
 *   invalid/X.toml must exit 1 with a message on stderr (no crash, no hang).
 * Prints a FAIL line per failing case and ends with "N passed, N failed".
 *
 * It carries its own small JSON reader because toml-test has keys containing
 * NUL ("\u0000"), which common JSON libraries cannot represent. */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

/* ---- a minimal JSON reader (objects, arrays, strings; numbers and
 * literals are accepted and kept as text) ---- */

typedef enum { J_OBJECT, J_ARRAY, J_STRING, J_OTHER } jkind;

typedef struct jvalue jvalue;
struct jvalue {
    jkind kind;
    char *text; /* string contents, or the literal's text */
    size_t len;
    size_t count;
    char **keys;     /* objects */
    size_t *key_lens;
    jvalue **items;  /* object values / array items */
};

typedef struct jreader {
    const char *s;
    size_t n, pos;
    int depth;
    const char *error;
} jreader;

static void jfree(jvalue *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++) {
        if (v->keys)
            free(v->keys[i]);
        jfree(v->items[i]);
    }
    free(v->keys);
    free(v->key_lens);
    free(v->items);
    free(v->text);
    free(v);
}

static void jskip(jreader *r)
{
    while (r->pos < r->n && strchr(" \t\r\n", r->s[r->pos]))
        r->pos++;
}

static int jhex4(jreader *r)
{
    int v = 0;
    if (r->n - r->pos < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = r->s[r->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static void jput(char *out, size_t *len, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*len)++] = (char)(0xC0 | cp >> 6);
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*len)++] = (char)(0xE0 | cp >> 12);
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*len)++] = (char)(0xF0 | cp >> 18);
        out[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Cursor on the opening quote. The decoded form is never longer than the
 * escaped one, so one allocation of the remaining size is enough. */
static char *jstring(jreader *r, size_t *len)
{
    r->pos++;
    size_t start = r->pos, end = start;
    while (end < r->n && r->s[end] != '"')
        end += r->s[end] == '\\' ? 2 : 1;
    if (end >= r->n) {
        r->error = "unterminated string";
        return NULL;
    }
    char *out = malloc(end - start + 1);
    if (!out) {
        r->error = "out of memory";
        return NULL;
    }
    *len = 0;
    while (r->pos < end) {
        char c = r->s[r->pos++];
        if (c != '\\') {
            out[(*len)++] = c;
            continue;
        }
        char e = r->s[r->pos++];
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        const char *hit = e ? strchr(from, e) : NULL;
        if (hit) {
            out[(*len)++] = to[hit - from];
            continue;
        }
        int cp = e == 'u' ? jhex4(r) : -1;
        if (cp >= 0xD800 && cp <= 0xDBFF && r->pos + 6 <= end && r->s[r->pos] == '\\' &&
            r->s[r->pos + 1] == 'u') {
            r->pos += 2;
            int lo = jhex4(r);
            cp = lo >= 0xDC00 && lo <= 0xDFFF ? 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00) : -1;
        }
        if (cp < 0) {
            free(out);
            r->error = "bad escape in string";
            return NULL;
        }
        jput(out, len, (uint32_t)cp);
    }
    out[*len] = '\0';
    r->pos = end + 1;
    return out;
}

static jvalue *jparse(jreader *r);

static bool jappend(jvalue *v, char *key, size_t key_len, jvalue *item)
{
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    jvalue **items = realloc(v->items, (v->count + 1) * sizeof *items);
    if (!items)
        return false;
    v->items = items;
    if (v->kind == J_OBJECT) {
        char **keys = realloc(v->keys, (v->count + 1) * sizeof *keys);
        if (keys)
            v->keys = keys;
        size_t *lens = realloc(v->key_lens, (v->count + 1) * sizeof *lens);
        if (lens)
            v->key_lens = lens;
        if (!keys || !lens)
            return false;
        v->keys[v->count] = key;
        v->key_lens[v->count] = key_len;
    }
    v->items[v->count++] = item;
    return true;
}

static jvalue *jcontainer(jreader *r, jkind kind)
{
    char close = kind == J_OBJECT ? '}' : ']';
    jvalue *v = calloc(1, sizeof *v);
    if (!v || ++r->depth > 200) {
        free(v);
        r->error = "too deep or out of memory";
        return NULL;
    }
    v->kind = kind;
    r->pos++;
    jskip(r);
    if (r->pos < r->n && r->s[r->pos] == close) {
        r->pos++;
        r->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        jskip(r);
        if (kind == J_OBJECT) {
            if (r->pos >= r->n || r->s[r->pos] != '"' || !(key = jstring(r, &key_len))) {
                r->error = r->error ? r->error : "expected a key";
                break;
            }
            jskip(r);
            if (r->pos >= r->n || r->s[r->pos++] != ':') {
                free(key);
                r->error = "expected ':'";
                break;
            }
        }
        jvalue *item = jparse(r);
        if (!item || !jappend(v, key, key_len, item)) {
            free(key);
            jfree(item);
            r->error = r->error ? r->error : "out of memory";
            break;
        }
        jskip(r);
        if (r->pos < r->n && r->s[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->n && r->s[r->pos] == close) {
            r->pos++;
            r->depth--;
            return v;
        }
        r->error = "expected ',' or a closing bracket";
        break;
    }
    jfree(v);
    return NULL;
}

static jvalue *jparse(jreader *r)
{
    jskip(r);
    if (r->pos >= r->n) {
        r->error = "unexpected end";
        return NULL;
    }
    char c = r->s[r->pos];
    if (c == '{')
        return jcontainer(r, J_OBJECT);
    if (c == '[')
        return jcontainer(r, J_ARRAY);
    jvalue *v = calloc(1, sizeof *v);
    if (!v) {
        r->error = "out of memory";
        return NULL;
    }
    if (c == '"') {
        v->kind = J_STRING;
        v->text = jstring(r, &v->len);
    } else {
        size_t start = r->pos;
        while (r->pos < r->n && strchr("+-.0123456789eEtruefalsn", r->s[r->pos]))
            r->pos++;
        v->kind = J_OTHER;
        v->len = r->pos - start;
        v->text = v->len ? strndup(r->s + start, v->len) : NULL;
        if (!v->len)
            r->error = "unexpected character";
    }
    if (!v->text) {
        free(v);
        return NULL;
    }
    return v;
}

/* Reads a whole file descriptor from its start; NULL on error. */
static char *read_fd(int fd, size_t *size)
{
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap + 1);
    if (!s || lseek(fd, 0, SEEK_SET) != 0) {
        free(s);
        return NULL;
    }
    for (;;) {
        ssize_t got = read(fd, s + n, cap - n);
        if (got < 0) {
            free(s);
            return NULL;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n == cap) {
            char *bigger = realloc(s, cap * 2 + 1);
            if (!bigger) {
                free(s);
                return NULL;
            }
            s = bigger;
            cap *= 2;
        }
    }
    s[n] = '\0';
    *size = n;
    return s;
}

static jvalue *jload_text(const char *s, size_t n, const char **why)
{
    jreader r = {s, n, 0, 0, NULL};
    jvalue *v = jparse(&r);
    jskip(&r);
    if (v && r.pos != n) {
        jfree(v);
        v = NULL;
        r.error = "trailing text";
    }
    *why = r.error ? r.error : "unreadable";
    return v;
}

static jvalue *jload(const char *path, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = "cannot open";
        return NULL;
    }
    size_t n;
    char *s = read_fd(fd, &n);
    close(fd);
    if (!s) {
        *why = "cannot read";
        return NULL;
    }
    jvalue *v = jload_text(s, n, why);
    free(s);
    return v;
}

static const jvalue *jget(const jvalue *obj, const char *key)
{
    for (size_t i = 0; i < obj->count; i++)
        if (obj->key_lens[i] == strlen(key) && memcmp(obj->keys[i], key, obj->key_lens[i]) == 0)
            return obj->items[i];
    return NULL;
}

static const jvalue *jget_n(const jvalue *obj, const char *key, size_t len)
{
    for (size_t i = 0; i < obj->count; i++)
        if (obj->key_lens[i] == len && memcmp(obj->keys[i], key, len) == 0)
            return obj->items[i];
    return NULL;
}

/* ---- toml-test's comparison ---- */

typedef struct when {
    long long days; /* days since 0000-03-01, only for kinds with a date */
    int hour, minute, second;
    long nanosecond;
    int offset_minutes;
} when;

static bool two_digits(const char *s, int *out)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe;
}

/* Parses the parts present in `kind`; false if malformed. */
static bool parse_when(const char *kind, const char *s, when *w)
{
    memset(w, 0, sizeof *w);
    bool has_date = strcmp(kind, "time-local") != 0;
    bool has_time = strcmp(kind, "date-local") != 0;
    if (has_date) {
        int y1, y2, m, d;
        if (!two_digits(s, &y1) || !two_digits(s + 2, &y2) || s[4] != '-' || !two_digits(s + 5, &m) ||
            s[7] != '-' || !two_digits(s + 8, &d))
            return false;
        w->days = days_from_civil(y1 * 100 + y2, m, d);
        s += 10;
        if (has_time) {
            if (*s != 'T' && *s != 't' && *s != ' ')
                return false;
            s++;
        }
    }
    if (has_time) {
        if (!two_digits(s, &w->hour) || s[2] != ':' || !two_digits(s + 3, &w->minute) || s[5] != ':' ||
            !two_digits(s + 6, &w->second))
            return false;
        s += 8;
        if (*s == '.') {
            long scale = 100000000;
            s++;
            if (!isdigit((unsigned char)*s))
                return false;
            for (; isdigit((unsigned char)*s); s++) {
                w->nanosecond += (*s - '0') * scale;
                scale /= 10;
            }
        }
    }
    if (strcmp(kind, "datetime") == 0) {
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            int h, m;
            if (!two_digits(s + 1, &h) || s[3] != ':' || !two_digits(s + 4, &m))
                return false;
            w->offset_minutes = (h * 60 + m) * (*s == '-' ? -1 : 1);
            s += 6;
        } else {
            return false;
        }
    }
    return *s == '\0';
}

static bool same_when(const char *kind, const char *a, const char *b)
{
    when x, y;
    if (!parse_when(kind, a, &x) || !parse_when(kind, b, &y))
        return false;
    long long sx = ((x.days * 24 + x.hour) * 60 + x.minute - x.offset_minutes) * 60 + x.second;
    long long sy = ((y.days * 24 + y.hour) * 60 + y.minute - y.offset_minutes) * 60 + y.second;
    return sx == sy && x.nanosecond == y.nanosecond;
}

static bool same_float(const char *a, const char *b)
{
    char *end_a, *end_b;
    double x = strtod(a, &end_a), y = strtod(b, &end_b);
    if (*end_a || *end_b || end_a == a || end_b == b)
        return false;
    if (isnan(x) || isnan(y))
        return isnan(x) && isnan(y);
    return x == y;
}

static bool is_tagged(const jvalue *v)
{
    if (v->kind != J_OBJECT || v->count != 2)
        return false;
    const jvalue *type = jget(v, "type"), *value = jget(v, "value");
    return type && value && type->kind == J_STRING && value->kind == J_STRING;
}

static const char *report_prefix = "";

static bool same(const jvalue *want, const jvalue *have, char *path, size_t room)
{
    size_t used = strlen(path);
    if (is_tagged(want)) {
        const char *type = jget(want, "type")->text;
        if (!is_tagged(have)) {
            printf("%s%s: want a tagged %s, have something else\n", report_prefix, path, type);
            return false;
        }
        const char *have_type = jget(have, "type")->text;
        const jvalue *a = jget(want, "value"), *b = jget(have, "value");
        bool ok;
        if (strcmp(type, have_type) != 0)
            ok = false;
        else if (strcmp(type, "float") == 0)
            ok = same_float(a->text, b->text);
        else if (strstr(type, "date") || strstr(type, "time"))
            ok = same_when(type, a->text, b->text);
        else if (strcmp(type, "bool") == 0)
            ok = strcasecmp(a->text, b->text) == 0;
        else
            ok = a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
        if (!ok)
            printf("%s%s: want %s \"%s\", have %s \"%s\"\n", report_prefix, path, type, a->text, have_type, b->text);
        return ok;
    }
    if (want->kind == J_OBJECT) {
        if (have->kind != J_OBJECT || want->count != have->count) {
            printf("%s%s: tables differ in their keys\n", report_prefix, path);
            return false;
        }
        for (size_t i = 0; i < want->count; i++) {
            const jvalue *other = jget_n(have, want->keys[i], want->key_lens[i]);
            snprintf(path + used, room - used, ".%s", want->keys[i]);
            if (!other) {
                printf("%s%s: missing\n", report_prefix, path);
                return false;
            }
            if (!same(want->items[i], other, path, room))
                return false;
            path[used] = '\0';
        }
        return true;
    }
    if (want->kind == J_ARRAY) {
        if (have->kind != J_ARRAY || want->count != have->count) {
            printf("%s%s: arrays differ in length\n", report_prefix, path);
            return false;
        }
        for (size_t i = 0; i < want->count; i++) {
            snprintf(path + used, room - used, "[%zu]", i);
            if (!same(want->items[i], have->items[i], path, room))
                return false;
            path[used] = '\0';
        }
        return true;
    }
    printf("%s%s: unexpected JSON in the expected file\n", report_prefix, path);
    return false;
}

/* ---- running the decoder ---- */

typedef struct run {
    int status; /* exit status, or -1 killed by a signal, -2 timed out */
    char *out, *err;
    size_t out_len, err_len;
} run;

static void on_alarm(int sig)
{
    (void)sig;
}

static bool run_decoder(char *const *decoder, const char *input, run *r)
{
    memset(r, 0, sizeof *r);
    int in = open(input, O_RDONLY | O_CLOEXEC);
    FILE *out = tmpfile(), *err = tmpfile();
    if (in < 0 || !out || !err) {
        if (in >= 0)
            close(in);
        if (out)
            fclose(out);
        if (err)
            fclose(err);
        return false;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in, 0);
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        execvp(decoder[0], decoder);
        _exit(127);
    }
    close(in);
    int status = 0;
    if (pid > 0) {
        /* SIGALRM (no SA_RESTART) interrupts waitpid after 10 s. */
        alarm(10);
        pid_t w = waitpid(pid, &status, 0);
        alarm(0);
        if (w != pid) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r->status = -2;
        } else {
            r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
    } else {
        r->status = 127;
    }
    r->out = read_fd(fileno(out), &r->out_len);
    r->err = read_fd(fileno(err), &r->err_len);
    fclose(out);
    fclose(err);
    return r->out && r->err;
}

static const char *describe_status(int status, char *buf, size_t size)
{
    if (status == -2)
        return "timed out after 10 s";
    if (status == -1)
        return "killed by a signal (crash?)";
    snprintf(buf, size, "exit status %d", status);
    return buf;
}

static void print_excerpt(const char *s, size_t n)
{
    for (size_t i = 0; i < n && i < 300; i++)
        putchar(s[i] == '\n' ? ' ' : s[i]);
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "-v") == 0)) {
        fprintf(stderr, "usage: %s TESTS_DIR FILE_LIST DECODER [-v]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    bool verbose = argc == 5;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    char *decoder[] = {argv[3], NULL};
    FILE *list = fopen(argv[2], "r");
    if (!list) {
        perror(argv[2]);
        return 2;
    }
    char line[1024];
    int pass[2] = {0, 0}, total[2] = {0, 0};
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\r\n")] = '\0';
        size_t len = strlen(line);
        if (len < 5 || strcmp(line + len - 5, ".toml") != 0)
            continue;
        bool valid = strncmp(line, "valid/", 6) == 0;
        char input[2048], expect[2048];
        snprintf(input, sizeof input, "%s/%s", dir, line);
        snprintf(expect, sizeof expect, "%s/%.*s.json", dir, (int)(len - 5), line);
        total[valid]++;
        run r;
        if (!run_decoder(decoder, input, &r)) {
            printf("FAIL %s: cannot run the decoder on it\n", line);
            free(r.out);
            free(r.err);
            continue;
        }
        bool ok = false;
        char status_buf[32];
        if (!valid) {
            if (r.status == 0) {
                printf("FAIL %s: accepted invalid input\n", line);
            } else if (r.status != 1) {
                printf("FAIL %s: %s: ", line, describe_status(r.status, status_buf, sizeof status_buf));
                print_excerpt(r.err, r.err_len);
                printf("\n");
            } else if (r.err_len == 0) {
                printf("FAIL %s: rejected without a message\n", line);
            } else {
                ok = true;
            }
        } else if (r.status != 0) {
            printf("FAIL %s: %s: ", line, describe_status(r.status, status_buf, sizeof status_buf));
            print_excerpt(r.err, r.err_len);
            printf("\n");
        } else {
            const char *why;
            jvalue *want = jload(expect, &why);
            jvalue *have = want ? jload_text(r.out, r.out_len, &why) : NULL;
            if (!want) {
                printf("FAIL %s: %s: %s\n", line, expect, why);
            } else if (!have) {
                printf("FAIL %s: decoder output is not JSON: %s\n", line, why);
            } else {
                char path[4096] = "$", prefix[1100];
                snprintf(prefix, sizeof prefix, "FAIL %s: ", line);
                report_prefix = prefix; /* same() prints the first difference */
                ok = same(want, have, path, sizeof path);
            }
            jfree(want);
            jfree(have);
        }
        if (ok) {
            pass[valid]++;
            if (verbose)
                printf("ok   %s\n", line);
        }
        free(r.out);
        free(r.err);
    }
    fclose(list);
    int passed = pass[0] + pass[1], failed = total[0] + total[1] - passed;
    printf("toml-test: valid %d/%d, invalid %d/%d\n", pass[1], total[1], pass[0], total[0]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
