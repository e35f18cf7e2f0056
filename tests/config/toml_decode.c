/* toml-decode: the decoder side of toml-test (https://github.com/toml-lang/toml-test).
 *
 * Reads a TOML document on stdin. Valid: prints it as toml-test's tagged JSON
 * on stdout and exits 0 (tables become objects, arrays arrays, scalars
 * {"type": ..., "value": "..."}). Invalid: prints "line L, column C: ..." on
 * stderr and exits 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"

#define MAX_INPUT ((size_t)1 << 30)

static void put_json_string(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\b': fputs("\\b", stdout); break;
        case '\f': fputs("\\f", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        default:
            if (c < 0x20 || c == 0x7F)
                printf("\\u%04x", c);
            else
                putchar(c); /* the parser guarantees valid UTF-8 */
        }
    }
    putchar('"');
}

/* The shortest decimal that reads back as the same double. */
static void format_float(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d < 0 ? "-inf" : "inf");
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, size, "%.*g", precision, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

static void format_fraction(uint32_t nanosecond, char *buf, size_t size)
{
    buf[0] = '\0';
    if (nanosecond == 0)
        return;
    snprintf(buf, size, ".%09u", (unsigned)nanosecond);
    size_t n = strlen(buf);
    while (n > 2 && buf[n - 1] == '0')
        buf[--n] = '\0';
}

static void put_tagged(const char *type, const char *value)
{
    printf("{\"type\":\"%s\",\"value\":", type);
    put_json_string(value, strlen(value));
    putchar('}');
}

static void put_value(const toml_value *v)
{
    char buf[80], frac[16];
    const toml_datetime *dt = toml_datetime_of(v);
    switch (toml_kind_of(v)) {
    case TOML_TABLE:
        putchar('{');
        for (size_t i = 0; i < toml_table_size(v); i++) {
            if (i)
                putchar(',');
            put_json_string(toml_table_key(v, i), toml_table_key_length(v, i));
            putchar(':');
            put_value(toml_table_value(v, i));
        }
        putchar('}');
        break;
    case TOML_ARRAY:
        putchar('[');
        for (size_t i = 0; i < toml_array_size(v); i++) {
            if (i)
                putchar(',');
            put_value(toml_array_get(v, i));
        }
        putchar(']');
        break;
    case TOML_STRING: {
        size_t len;
        const char *s = toml_string(v, &len);
        fputs("{\"type\":\"string\",\"value\":", stdout);
        put_json_string(s, len);
        putchar('}');
        break;
    }
    case TOML_INTEGER:
        snprintf(buf, sizeof buf, "%lld", (long long)toml_integer(v));
        put_tagged("integer", buf);
        break;
    case TOML_FLOAT:
        format_float(toml_float(v), buf, sizeof buf);
        put_tagged("float", buf);
        break;
    case TOML_BOOL:
        put_tagged("bool", toml_bool(v) ? "true" : "false");
        break;
    case TOML_DATETIME: {
        char zone[16] = "Z";
        if (dt->offset_minutes) {
            int m = dt->offset_minutes < 0 ? -dt->offset_minutes : dt->offset_minutes;
            snprintf(zone, sizeof zone, "%c%02d:%02d", dt->offset_minutes < 0 ? '-' : '+', m / 60,
                     m % 60);
        }
        format_fraction(dt->nanosecond, frac, sizeof frac);
        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", dt->year, dt->month, dt->day,
                 dt->hour, dt->minute, dt->second, frac, zone);
        put_tagged("datetime", buf);
        break;
    }
    case TOML_DATETIME_LOCAL:
        format_fraction(dt->nanosecond, frac, sizeof frac);
        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%s", dt->year, dt->month, dt->day,
                 dt->hour, dt->minute, dt->second, frac);
        put_tagged("datetime-local", buf);
        break;
    case TOML_DATE_LOCAL:
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", dt->year, dt->month, dt->day);
        put_tagged("date-local", buf);
        break;
    case TOML_TIME_LOCAL:
        format_fraction(dt->nanosecond, frac, sizeof frac);
        snprintf(buf, sizeof buf, "%02d:%02d:%02d%s", dt->hour, dt->minute, dt->second, frac);
        put_tagged("time-local", buf);
        break;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: %s < file.toml\n"
                "Prints the TOML document on stdin as toml-test's tagged JSON.\n", argv[0]);
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    size_t size = 0, cap = 1 << 16;
    char *text = malloc(cap);
    if (!text) {
        fprintf(stderr, "toml-decode: out of memory\n");
        return 1;
    }
    for (;;) {
        if (size == cap) {
            if (cap >= MAX_INPUT) {
                fprintf(stderr, "toml-decode: input larger than %zu bytes\n", MAX_INPUT);
                free(text);
                return 1;
            }
            char *bigger = realloc(text, cap * 2);
            if (!bigger) {
                fprintf(stderr, "toml-decode: out of memory\n");
                free(text);
                return 1;
            }
            text = bigger;
            cap *= 2;
        }
        size_t n = fread(text + size, 1, cap - size, stdin);
        size += n;
        if (n == 0)
            break;
    }
    if (ferror(stdin)) {
        perror("toml-decode: reading stdin");
        free(text);
        return 1;
    }
    toml_error err;
    toml_value *root = toml_parse(text, size, &err);
    free(text);
    if (!root) {
        fprintf(stderr, "toml-decode: line %u, column %u: %s\n", err.line, err.column, err.message);
        return 1;
    }
    put_value(root);
    putchar('\n');
    toml_free(root);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("toml-decode: writing stdout");
        return 1;
    }
    return 0;
}
