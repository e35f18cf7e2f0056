/* toml-test-compare WANT.json HAVE.json: compares a decoder's output with
 * toml-test's expected JSON the way toml-test does. Tables and arrays must
 * match exactly; tagged scalars {"type", "value"} must have the same type and
 * an equal value: floats numerically (any nan equals any nan), date-times as
 * instants (offset date-times) or field by field (local kinds, ' ' or 'T',
 * 'z' or 'Z'), everything else as exact strings. Exit 0 equal, 1 different
 * (with the path of the first difference on stdout), 2 unreadable input.
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

static jvalue *jload(const char *path, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = "cannot open";
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(s, cap *= 2);
            if (!bigger) {
                free(s);
                s = NULL;
            }
            s = bigger;
        }
    }
    fclose(f);
    if (!s) {
        *why = "out of memory";
        return NULL;
    }
    jreader r = {s, n, 0, 0, NULL};
    jvalue *v = jparse(&r);
    jskip(&r);
    if (v && r.pos != n) {
        jfree(v);
        v = NULL;
        r.error = "trailing text";
    }
    free(s);
    *why = r.error;
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

static bool same(const jvalue *want, const jvalue *have, char *path, size_t room)
{
    size_t used = strlen(path);
    if (is_tagged(want)) {
        const char *type = jget(want, "type")->text;
        if (!is_tagged(have)) {
            printf("%s: want a tagged %s, have something else\n", path, type);
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
            printf("%s: want %s \"%s\", have %s \"%s\"\n", path, type, a->text, have_type, b->text);
        return ok;
    }
    if (want->kind == J_OBJECT) {
        if (have->kind != J_OBJECT || want->count != have->count) {
            printf("%s: tables differ in their keys\n", path);
            return false;
        }
        for (size_t i = 0; i < want->count; i++) {
            const jvalue *other = jget_n(have, want->keys[i], want->key_lens[i]);
            snprintf(path + used, room - used, ".%s", want->keys[i]);
            if (!other) {
                printf("%s: missing\n", path);
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
            printf("%s: arrays differ in length\n", path);
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
    printf("%s: unexpected JSON in the expected file\n", path);
    return false;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s WANT.json HAVE.json\n", argv[0]);
        return 2;
    }
    const char *why;
    jvalue *want = jload(argv[1], &why);
    if (!want) {
        printf("%s: %s\n", argv[1], why ? why : "unreadable");
        return 2;
    }
    jvalue *have = jload(argv[2], &why);
    if (!have) {
        printf("decoder output is not JSON: %s\n", why ? why : "unreadable");
        jfree(want);
        return 1;
    }
    char path[4096] = "$";
    int rc = same(want, have, path, sizeof path) ? 0 : 1;
    jfree(want);
    jfree(have);
    return rc;
}
