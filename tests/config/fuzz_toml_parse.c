/* libFuzzer target: arbitrary bytes -> toml_parse.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks properties:
 *  - an error has a line and column >= 1 and a non-empty message;
 *  - every value in an accepted tree has a location and sane contents;
 *  - round trip: the tree written back as TOML (inline form) parses again to
 *    an equal tree. That catches mistakes in escapes, numbers and dates. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct out {
    char *s;
    size_t len, cap;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (o->len + n + 1 > cap)
            cap *= 2;
        char *bigger = realloc(o->s, cap);
        if (!bigger)
            abort();
        o->s = bigger;
        o->cap = cap;
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = '\0';
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_quoted(out *o, const char *s, size_t n)
{
    puts_(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(o, esc, 2);
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\u%04X", c);
            puts_(o, esc);
        } else {
            put(o, (const char *)&c, 1);
        }
    }
    puts_(o, "\"");
}

static void write_value(out *o, const toml_value *v)
{
    char buf[96];
    const toml_datetime *dt = toml_datetime_of(v);
    switch (toml_kind_of(v)) {
    case TOML_TABLE:
        puts_(o, "{");
        for (size_t i = 0; i < toml_table_size(v); i++) {
            if (i)
                puts_(o, ", ");
            put_quoted(o, toml_table_key(v, i), toml_table_key_length(v, i));
            puts_(o, " = ");
            write_value(o, toml_table_value(v, i));
        }
        puts_(o, "}");
        return;
    case TOML_ARRAY:
        puts_(o, "[");
        for (size_t i = 0; i < toml_array_size(v); i++) {
            if (i)
                puts_(o, ",\n");
            write_value(o, toml_array_get(v, i));
        }
        puts_(o, "]");
        return;
    case TOML_STRING: {
        size_t len;
        const char *s = toml_string(v, &len);
        put_quoted(o, s, len);
        return;
    }
    case TOML_INTEGER:
        snprintf(buf, sizeof buf, "%lld", (long long)toml_integer(v));
        break;
    case TOML_FLOAT: {
        double d = toml_float(v);
        if (isnan(d))
            snprintf(buf, sizeof buf, "nan");
        else if (isinf(d))
            snprintf(buf, sizeof buf, d < 0 ? "-inf" : "inf");
        else
            snprintf(buf, sizeof buf, "%.17e", d);
        break;
    }
    case TOML_BOOL:
        snprintf(buf, sizeof buf, toml_bool(v) ? "true" : "false");
        break;
    case TOML_DATETIME:
        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09u%c%02d:%02d", dt->year, dt->month,
                 dt->day, dt->hour, dt->minute, dt->second, (unsigned)dt->nanosecond,
                 dt->offset_minutes < 0 ? '-' : '+', abs(dt->offset_minutes) / 60,
                 abs(dt->offset_minutes) % 60);
        break;
    case TOML_DATETIME_LOCAL:
        snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%09u", dt->year, dt->month, dt->day,
                 dt->hour, dt->minute, dt->second, (unsigned)dt->nanosecond);
        break;
    case TOML_DATE_LOCAL:
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", dt->year, dt->month, dt->day);
        break;
    case TOML_TIME_LOCAL:
        snprintf(buf, sizeof buf, "%02d:%02d:%02d.%09u", dt->hour, dt->minute, dt->second,
                 (unsigned)dt->nanosecond);
        break;
    }
    puts_(o, buf);
}

static void check_tree(const toml_value *v)
{
    if (toml_line(v) < 1 || toml_column(v) < 1)
        abort();
    if (toml_kind_of(v) == TOML_TABLE) {
        for (size_t i = 0; i < toml_table_size(v); i++) {
            const char *key = toml_table_key(v, i);
            size_t len = toml_table_key_length(v, i);
            if (!key || key[len] != '\0' || toml_table_key_line(v, i) < 1)
                abort();
            /* Lookup by name finds this entry unless the key has a NUL. */
            if (strlen(key) == len && toml_table_get(v, key) != toml_table_value(v, i))
                abort();
            check_tree(toml_table_value(v, i));
        }
    } else if (toml_kind_of(v) == TOML_ARRAY) {
        for (size_t i = 0; i < toml_array_size(v); i++)
            check_tree(toml_array_get(v, i));
    } else if (toml_kind_of(v) == TOML_STRING) {
        size_t len;
        const char *s = toml_string(v, &len);
        if (!s || s[len] != '\0')
            abort();
    }
}

static int same(const toml_value *a, const toml_value *b)
{
    if (toml_kind_of(a) != toml_kind_of(b))
        return 0;
    switch (toml_kind_of(a)) {
    case TOML_TABLE:
        if (toml_table_size(a) != toml_table_size(b))
            return 0;
        for (size_t i = 0; i < toml_table_size(a); i++) {
            size_t la = toml_table_key_length(a, i), lb = toml_table_key_length(b, i);
            if (la != lb || memcmp(toml_table_key(a, i), toml_table_key(b, i), la) != 0 ||
                !same(toml_table_value(a, i), toml_table_value(b, i)))
                return 0;
        }
        return 1;
    case TOML_ARRAY:
        if (toml_array_size(a) != toml_array_size(b))
            return 0;
        for (size_t i = 0; i < toml_array_size(a); i++)
            if (!same(toml_array_get(a, i), toml_array_get(b, i)))
                return 0;
        return 1;
    case TOML_STRING: {
        size_t la, lb;
        const char *sa = toml_string(a, &la), *sb = toml_string(b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    case TOML_INTEGER:
        return toml_integer(a) == toml_integer(b);
    case TOML_FLOAT: {
        double x = toml_float(a), y = toml_float(b);
        return (isnan(x) && isnan(y)) || (x == y && signbit(x) == signbit(y));
    }
    case TOML_BOOL:
        return toml_bool(a) == toml_bool(b);
    default:
        return memcmp(toml_datetime_of(a), toml_datetime_of(b), sizeof(toml_datetime)) == 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    toml_error err;
    toml_value *root = toml_parse((const char *)data, size, &err);
    if (!root) {
        if (err.line < 1 || err.column < 1 || err.message[0] == '\0' ||
            memchr(err.message, '\0', sizeof err.message) == NULL)
            abort();
        return 0;
    }
    check_tree(root);
    /* Round trip: every top-level entry as key = <inline value>. */
    out o = {0};
    for (size_t i = 0; i < toml_table_size(root); i++) {
        put_quoted(&o, toml_table_key(root, i), toml_table_key_length(root, i));
        puts_(&o, " = ");
        write_value(&o, toml_table_value(root, i));
        puts_(&o, "\n");
    }
    toml_error err2;
    toml_value *again = toml_parse(o.s ? o.s : "", o.len, &err2);
    if (!again) {
        fprintf(stderr, "round trip failed: %u:%u: %s\n---\n%s\n---\n", err2.line, err2.column,
                err2.message, o.s);
        abort();
    }
    if (!same(root, again)) {
        fprintf(stderr, "round trip changed the document:\n%s\n", o.s);
        abort();
    }
    toml_free(again);
    toml_free(root);
    free(o.s);
    return 0;
}
