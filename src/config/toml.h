/* A TOML 1.0 parser: text in, a read-only tree out.
 *
 * Every value remembers the line and column where it was written, so a caller
 * that checks a schema (Enarx.toml, attestation policies) can point the user at
 * the exact place that is wrong. Parsing never reads outside the given bytes and
 * rejects anything TOML 1.0 does not allow (invalid UTF-8 included), with a
 * message naming line and column. */
#ifndef CONFIG_TOML_H
#define CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Arrays and tables nest at most this deep (the root table is level 0), so
 * code that walks a parsed tree recursively needs a bounded stack. */
#define TOML_MAX_DEPTH 64

typedef enum toml_kind {
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_DATETIME,        /* offset date-time: 1979-05-27T07:32:00Z */
    TOML_DATETIME_LOCAL,  /* 1979-05-27T07:32:00 */
    TOML_DATE_LOCAL,      /* 1979-05-27 */
    TOML_TIME_LOCAL,      /* 07:32:00 */
    TOML_ARRAY,
    TOML_TABLE,
} toml_kind;

typedef struct toml_value toml_value;

typedef struct toml_error {
    unsigned line;    /* 1-based */
    unsigned column;  /* 1-based, in characters */
    char message[256];
} toml_error;

typedef struct toml_datetime {
    int year, month, day;           /* when the kind has a date */
    int hour, minute, second;       /* when the kind has a time */
    uint32_t nanosecond;
    int offset_minutes;             /* TOML_DATETIME only; 0 for Z */
} toml_datetime;

/* Parses a whole document; the result is its root table. Returns NULL and
 * fills err on any error. The text need not be NUL-terminated. */
toml_value *toml_parse(const char *text, size_t size, toml_error *err);
void toml_free(toml_value *root);

toml_kind toml_kind_of(const toml_value *value);
const char *toml_kind_name(toml_kind kind); /* "string", "integer", ... */
unsigned toml_line(const toml_value *value);
unsigned toml_column(const toml_value *value);

/* Tables keep their keys in document order. */
size_t toml_table_size(const toml_value *table);
const char *toml_table_key(const toml_value *table, size_t index);
const toml_value *toml_table_value(const toml_value *table, size_t index);
const toml_value *toml_table_get(const toml_value *table, const char *key); /* NULL if absent */
/* A key's length (keys may contain NUL bytes), and where the key was first
 * written (for "unknown key" messages). */
size_t toml_table_key_length(const toml_value *table, size_t index);
unsigned toml_table_key_line(const toml_value *table, size_t index);
unsigned toml_table_key_column(const toml_value *table, size_t index);

size_t toml_array_size(const toml_value *array);
const toml_value *toml_array_get(const toml_value *array, size_t index);
/* True for an array made by [[header]] sections (false for [ ... ] values). */
bool toml_array_of_tables(const toml_value *array);

/* Accessors given NULL or a value of another kind return 0 / NULL / empty.
 * Scalars; the caller checks the kind first. Strings may contain NUL bytes,
 * so the length is returned too (len may be NULL). */
const char *toml_string(const toml_value *value, size_t *len);
int64_t toml_integer(const toml_value *value);
double toml_float(const toml_value *value);
bool toml_bool(const toml_value *value);
const toml_datetime *toml_datetime_of(const toml_value *value);

#endif
