/* Unit tests for src/config: the TOML parser's API (locations, limits,
 * errors) and the Enarx.toml schema (defaults, every error path, FD_NAMES,
 * the dir kind, trust anchors, the template). toml-test covers the TOML
 * grammar itself (suite 10-config-toml-test). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/workload_stream.h"
#include "check.h"
#include "config/enarx_config.h"
#include "config/toml.h"

/* ---- TOML ---- */

static toml_value *parse(const char *text, toml_error *err)
{
    return toml_parse(text, strlen(text), err);
}

/* Parses text that must fail; checks line, column and that the message
 * contains `needle`. */
#define TOML_ERROR(text, l, c, needle)                                                   \
    do {                                                                                 \
        toml_error e_;                                                                   \
        toml_value *r_ = parse((text), &e_);                                             \
        CHECK(r_ == NULL);                                                               \
        toml_free(r_);                                                                   \
        CHECK_EQ_INT(e_.line, (l));                                                      \
        CHECK_EQ_INT(e_.column, (c));                                                    \
        if (!strstr(e_.message, (needle)))                                               \
            printf("     message: %s\n     wanted: %s\n", e_.message, (needle));         \
        CHECK(strstr(e_.message, (needle)) != NULL);                                     \
    } while (0)

static void test_toml_locations(void)
{
    toml_error err;
    toml_value *root = parse("# comment\n"
                             "a = 1\n"
                             "\"é\" = 'x'  # two bytes, one column\n"
                             "[t]\n"
                             "  b.c = [1,\n"
                             "     2]\n",
                             &err);
    CHECK(root != NULL);
    CHECK_EQ_INT(toml_line(root), 1);
    CHECK_EQ_INT(toml_table_size(root), 3);
    CHECK_EQ_STR(toml_table_key(root, 0), "a");
    CHECK_EQ_STR(toml_table_key(root, 1), "é");
    CHECK_EQ_STR(toml_table_key(root, 2), "t");
    const toml_value *a = toml_table_get(root, "a");
    CHECK_EQ_INT(toml_line(a), 2);
    CHECK_EQ_INT(toml_column(a), 5);
    CHECK_EQ_INT(toml_table_key_line(root, 1), 3);
    CHECK_EQ_INT(toml_table_key_column(root, 1), 1);
    const toml_value *x = toml_table_get(root, "é");
    CHECK_EQ_INT(toml_column(x), 7); /* "é" is 3 characters, then " = " */
    const toml_value *t = toml_table_get(root, "t");
    CHECK_EQ_INT(toml_line(t), 4);
    CHECK_EQ_INT(toml_column(t), 1);
    const toml_value *b = toml_table_get(t, "b");
    CHECK_EQ_INT(toml_line(b), 5);
    CHECK_EQ_INT(toml_column(b), 3);
    const toml_value *arr = toml_table_get(b, "c");
    CHECK_EQ_INT(toml_kind_of(arr), TOML_ARRAY);
    CHECK(!toml_array_of_tables(arr));
    CHECK_EQ_INT(toml_line(toml_array_get(arr, 1)), 6);
    CHECK_EQ_INT(toml_column(toml_array_get(arr, 1)), 6);
    toml_free(root);

    /* A byte-order mark is not a column. */
    root = parse("\xEF\xBB\xBF" "k = true\n", &err);
    CHECK(root != NULL);
    CHECK_EQ_INT(toml_column(toml_table_get(root, "k")), 5);
    toml_free(root);
}

static void test_toml_values(void)
{
    toml_error err;
    toml_value *root = parse("i = -9_223_372_036_854_775_808\n"
                             "h = 0x7FFF_FFFF_FFFF_FFFF\n"
                             "f = -1.5e-3\n"
                             "n = -nan\n"
                             "inf = +inf\n"
                             "b = false\n"
                             "s = \"\"\"\r\nline\\\r\n   joined\r\nnext\"\"\"\n"
                             "nul = \"a\\u0000b\"\n"
                             "odt = 1979-05-27T07:32:00.123456789999-07:30\n"
                             "ldt = 1979-05-27 07:32:00\n"
                             "ld = 2024-02-29\n"
                             "lt = 23:59:60\n"
                             "[[aot]]\n[[aot]]\n",
                             &err);
    CHECK(root != NULL);
    if (!root) {
        printf("     %u:%u: %s\n", err.line, err.column, err.message);
        return;
    }
    CHECK(toml_integer(toml_table_get(root, "i")) == INT64_MIN);
    CHECK(toml_integer(toml_table_get(root, "h")) == INT64_MAX);
    CHECK(toml_float(toml_table_get(root, "f")) == -1.5e-3);
    CHECK(isnan(toml_float(toml_table_get(root, "n"))));
    CHECK(isinf(toml_float(toml_table_get(root, "inf"))));
    CHECK_EQ_INT(toml_kind_of(toml_table_get(root, "b")), TOML_BOOL);
    CHECK(!toml_bool(toml_table_get(root, "b")));
    size_t len;
    CHECK_EQ_STR(toml_string(toml_table_get(root, "s"), &len), "linejoined\nnext");
    const char *nul = toml_string(toml_table_get(root, "nul"), &len);
    CHECK_EQ_INT(len, 3);
    CHECK(nul && memcmp(nul, "a\0b", 3) == 0);
    const toml_datetime *dt = toml_datetime_of(toml_table_get(root, "odt"));
    CHECK_EQ_INT(toml_kind_of(toml_table_get(root, "odt")), TOML_DATETIME);
    CHECK(dt && dt->year == 1979 && dt->month == 5 && dt->day == 27 && dt->hour == 7 &&
          dt->minute == 32 && dt->second == 0);
    CHECK(dt && dt->nanosecond == 123456789);
    CHECK(dt && dt->offset_minutes == -450);
    CHECK_EQ_INT(toml_kind_of(toml_table_get(root, "ldt")), TOML_DATETIME_LOCAL);
    CHECK_EQ_INT(toml_kind_of(toml_table_get(root, "ld")), TOML_DATE_LOCAL);
    CHECK_EQ_INT(toml_kind_of(toml_table_get(root, "lt")), TOML_TIME_LOCAL);
    CHECK_EQ_INT(toml_datetime_of(toml_table_get(root, "lt"))->second, 60);
    const toml_value *aot = toml_table_get(root, "aot");
    CHECK(toml_array_of_tables(aot));
    CHECK_EQ_INT(toml_array_size(aot), 2);
    CHECK_EQ_INT(toml_line(toml_array_get(aot, 1)), 17);
    /* Accessors on the wrong kind or out of range answer "nothing". */
    const toml_value *s = toml_table_get(root, "s");
    CHECK(toml_integer(s) == 0);
    CHECK(toml_datetime_of(s) == NULL);
    CHECK(toml_table_get(s, "x") == NULL);
    CHECK(toml_array_get(aot, 2) == NULL);
    CHECK(toml_table_key(root, 999) == NULL);
    CHECK(toml_string(toml_table_get(root, "i"), &len) == NULL && len == 0);
    CHECK_EQ_STR(toml_kind_name(TOML_DATETIME_LOCAL), "local date-time");
    toml_free(root);

    root = toml_parse(NULL, 0, &err); /* no text: an empty document */
    CHECK(root != NULL && toml_table_size(root) == 0);
    toml_free(root);
}

static void test_toml_big_table(void)
{
    /* Enough keys to use the hash index; every one must be found. */
    size_t cap = (size_t)64 * 1024, used = 0;
    char *text = malloc(cap);
    for (int i = 0; i < 2000; i++)
        used += (size_t)snprintf(text + used, cap - used, "key%d = %d\n", i, i);
    toml_error err;
    toml_value *root = toml_parse(text, used, &err);
    CHECK(root != NULL);
    int found = 0;
    for (int i = 0; i < 2000; i++) {
        char key[16];
        snprintf(key, sizeof key, "key%d", i);
        found += toml_integer(toml_table_get(root, key)) == i;
    }
    CHECK_EQ_INT(found, 2000);
    CHECK(toml_table_get(root, "key2000") == NULL);
    toml_free(root);
    /* A duplicate among many is still caught. */
    used += (size_t)snprintf(text + used, cap - used, "key1234 = 0\n");
    root = toml_parse(text, used, &err);
    CHECK(root == NULL);
    CHECK_EQ_INT(err.line, 2001);
    free(text);
}

static void test_toml_limits(void)
{
    /* TOML_MAX_DEPTH nested levels parse; one more is an error, not a crash. */
    char text[512];
    int n = snprintf(text, sizeof text, "a = ");
    for (int i = 0; i < TOML_MAX_DEPTH; i++)
        text[n++] = '[';
    for (int i = 0; i < TOML_MAX_DEPTH; i++)
        text[n++] = ']';
    toml_error err;
    toml_value *root = toml_parse(text, (size_t)n, &err);
    CHECK(root != NULL); /* innermost array is at depth 64 */
    toml_free(root);
    n = snprintf(text, sizeof text, "a = ");
    for (int i = 0; i <= TOML_MAX_DEPTH; i++)
        text[n++] = '[';
    root = toml_parse(text, (size_t)n, &err);
    CHECK(root == NULL);
    CHECK(strstr(err.message, "nesting is deeper than 64") != NULL);
    CHECK_EQ_INT(err.column, 4 + TOML_MAX_DEPTH + 1);

    /* 100,000 '[' as a header, as a value, and '{' */
    size_t big = 100000;
    char *hostile = malloc(big + 8);
    hostile[0] = 'a', hostile[1] = ' ', hostile[2] = '=', hostile[3] = ' ';
    memset(hostile + 4, '[', big);
    root = toml_parse(hostile, big + 4, &err);
    CHECK(root == NULL && strstr(err.message, "nesting") != NULL);
    memset(hostile + 4, '{', big);
    root = toml_parse(hostile, big + 4, &err);
    CHECK(root == NULL);
    memset(hostile, '[', big);
    root = toml_parse(hostile, big, &err);
    CHECK(root == NULL && err.line == 1 && err.column == 3);
    free(hostile);

    /* Dotted keys are bounded too (they make nested tables). */
    char *dotted = malloc(4 * 100 + 8);
    size_t len = 0;
    for (int i = 0; i < 100; i++)
        len += (size_t)sprintf(dotted + len, "%sa", i ? "." : "");
    len += (size_t)sprintf(dotted + len, " = 1");
    root = toml_parse(dotted, len, &err);
    CHECK(root == NULL && strstr(err.message, "more than 64") != NULL);
    free(dotted);
}

static void test_toml_errors(void)
{
    TOML_ERROR("a = 1\nb = \n", 2, 5, "expected a value");
    TOML_ERROR("a = 1\na = 2\n", 2, 1, "duplicate key a: already defined at line 1, column 1");
    TOML_ERROR("[t]\nx=1\n[t]\n", 3, 2, "cannot define table [t]: it is already a table (line 1, column 1)");
    TOML_ERROR("a = {b = 1}\na.c = 2\n", 2, 1, "inline table");
    TOML_ERROR("[a.b]\n[a]\nb.c = 1\n", 3, 1, "defined with a [header]");
    TOML_ERROR("a = [1]\n[[a]]\n", 2, 3, "cannot append to [[a]]: it is already an array");
    TOML_ERROR("x = 0x_1\n", 1, 5, "underscore");
    TOML_ERROR("x = 012\n", 1, 5, "leading zeros");
    TOML_ERROR("x = 9223372036854775808\n", 1, 5, "does not fit in 64 bits");
    TOML_ERROR("x = 1e400\n", 1, 5, "too large");
    TOML_ERROR("x = 1.\n", 1, 5, "expected digits after the decimal point");
    TOML_ERROR("x = 2023-02-29\n", 1, 13, "day 29 does not exist in 2023-02");
    TOML_ERROR("x = 10:61:00\n", 1, 5, "minute 00-59");
    TOML_ERROR("x = \"a\\qb\"\n", 1, 7, "invalid escape \\q");
    TOML_ERROR("x = \"\\uD800\"\n", 1, 6, "not a Unicode scalar value");
    TOML_ERROR("x = \"abc\n", 1, 9, "single-line string cannot contain a newline");
    TOML_ERROR("x = '''abc", 1, 11, "unterminated string (opened at line 1, column 5)");
    TOML_ERROR("x = {a = 1,}\n", 1, 12, "trailing comma");
    TOML_ERROR("x = {a = 1\n}\n", 1, 11, "one line");
    TOML_ERROR("x = [1 2]\n", 1, 8, "expected ',' or ']' in array");
    TOML_ERROR("x = True\n", 1, 5, "found 'True'");
    TOML_ERROR("x = 1 y = 2\n", 1, 7, "expected end of line after a key/value pair");
    TOML_ERROR("[a\n", 1, 3, "expected ']' to close the table header");
    TOML_ERROR("= 1\n", 1, 1, "expected a key");
    TOML_ERROR("a b = 1\n", 1, 3, "expected '=' after key a");
    TOML_ERROR("x = \"\"\"a\"\"\"\"\"\"\n", 1, 14, "too many quotes");
    /* Bytes TOML forbids anywhere are found first... */
    TOML_ERROR("a = 1\nb = \"\x01\"\n", 2, 6, "control character U+0001");
    TOML_ERROR("a = 1\r\nb = 2\r", 2, 6, "carriage return");
    TOML_ERROR("a = \"\xC3\x28\"\n", 1, 6, "invalid UTF-8");
    TOML_ERROR("# \xED\xA0\x80 surrogate\n", 1, 3, "invalid UTF-8");
    /* ...unless the grammar fails earlier in the document. */
    TOML_ERROR("a = \nb = \"\x01\"\n", 1, 5, "expected a value");
}

/* ---- Enarx.toml ---- */

static enarx_config *config(const char *text, enarx_config_error *err)
{
    return enarx_config_parse(text, strlen(text), "Enarx.toml", err);
}

/* The whole message must match: it names file, line, column and problem. */
#define CONFIG_ERROR(text, want)                                                      \
    do {                                                                                 \
        enarx_config_error e_;                                                           \
        enarx_config *c_ = config((text), &e_);                                          \
        CHECK(c_ == NULL);                                                               \
        enarx_config_free(c_);                                                           \
        CHECK_EQ_STR(e_.message, (want));                                             \
    } while (0)

static void test_config_default(void)
{
    enarx_config *c = enarx_config_default();
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_EQ_INT(c->file_count, 3);
    CHECK_EQ_INT(c->files[0].kind, ENARX_FILE_STDIN);
    CHECK_EQ_INT(c->files[2].kind, ENARX_FILE_STDERR);
    CHECK_EQ_INT(c->arg_count, 0);
    CHECK_EQ_INT(c->env_count, 0);
    CHECK(!c->has_steward);
    char buf[64];
    CHECK_EQ_INT(enarx_config_fd_count_value(c, buf, sizeof buf), 1);
    CHECK_EQ_STR(buf, "3");
    CHECK_EQ_INT(enarx_config_fd_names_value(c, buf, sizeof buf), 19);
    CHECK_EQ_STR(buf, "stdin:stdout:stderr");
    /* snprintf-like when the buffer is short */
    CHECK_EQ_INT(enarx_config_fd_names_value(c, buf, 8), 19);
    CHECK_EQ_STR(buf, "stdin:s");
    CHECK_EQ_INT(enarx_config_fd_names_value(c, NULL, 0), 19);
    enarx_config_free(c);

    /* A config without `files` gives no files, like upstream. */
    enarx_config_error err;
    c = config("args = [\"x\"]\n", &err);
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_EQ_INT(c->file_count, 0);
    CHECK_EQ_INT(enarx_config_fd_names_value(c, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "");
    enarx_config_fd_count_value(c, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0");
    enarx_config_free(c);
    c = config("", &err);
    CHECK(c != NULL && c->file_count == 0);
    enarx_config_free(c);
}

static void test_config_upstream_example(void)
{
    enarx_config_error err;
    enarx_config *c = config("args = [\"--argument1\", \"--argument2=foo\"]\n"
                             "steward = \"https://attest.example.com\"\n"
                             "[env]\n"
                             "VAR1 = \"var1\"\n"
                             "VAR0 = \"\"\n"
                             "[[files]]\nkind = \"null\"\n"
                             "[[files]]\nkind = \"stdout\"\n"
                             "[[files]]\nkind = \"stderr\"\n"
                             "[[files]]\nname = \"listen\"\nkind = \"listen\"\nprot = \"tls\"\nport = 12345\n"
                             "[[files]]\nname = \"connect\"\nkind = \"connect\"\nprot = \"tcp\"\n"
                             "host = \"127.0.0.1\"\nport = 23456\n",
                             &err);
    CHECK(c != NULL);
    if (!c) {
        printf("     %s\n", err.message);
        return;
    }
    CHECK_EQ_INT(c->arg_count, 2);
    CHECK_EQ_STR(c->args[1], "--argument2=foo");
    CHECK_EQ_INT(c->env_count, 2);
    CHECK_EQ_STR(c->env[0].name, "VAR1");
    CHECK_EQ_STR(c->env[1].name, "VAR0");
    CHECK_EQ_STR(c->env[1].value, "");
    CHECK(c->has_steward);
    CHECK_EQ_STR(c->steward.scheme, "https");
    CHECK_EQ_STR(c->steward.host, "attest.example.com");
    CHECK_EQ_INT(c->steward.port, 443);
    CHECK_EQ_STR(c->steward.path, "/");
    CHECK_EQ_INT(c->file_count, 5);
    const enarx_file *listen = &c->files[3], *connect = &c->files[4];
    CHECK_EQ_INT(listen->kind, ENARX_FILE_LISTEN);
    CHECK_EQ_INT(listen->prot, ENARX_PROT_TLS);
    CHECK_EQ_STR(listen->addr, "::");
    CHECK_EQ_INT(listen->port, 12345);
    CHECK_EQ_INT(listen->line, 12);
    CHECK_EQ_INT(connect->prot, ENARX_PROT_TCP);
    CHECK_EQ_STR(connect->host, "127.0.0.1");
    CHECK_EQ_INT(connect->port, 23456);
    char names[128], count[8];
    enarx_config_fd_count_value(c, count, sizeof count);
    CHECK_EQ_STR(count, "5");
    enarx_config_fd_names_value(c, names, sizeof names);
    CHECK_EQ_STR(names, "null:stdout:stderr:listen:connect");
    enarx_config_free(c);
}

static void test_config_defaults(void)
{
    enarx_config_error err;
    enarx_config *c = config("[[files]]\nkind = \"null\"\n"
                             "[[files]]\nkind = \"stdin\"\nname = \"in\"\n"
                             "[[files]]\nkind = \"listen\"\nprot = \"tcp\"\nname = \"web\"\n"
                             "[[files]]\nkind = \"listen\"\nprot = \"tls\"\nname = \"sweb\"\naddr = \"127.0.0.1\"\n"
                             "[[files]]\nkind = \"connect\"\nprot = \"tcp\"\nhost = \"db.internal\"\n"
                             "[[files]]\nkind = \"connect\"\nprot = \"tls\"\nhost = \"::1\"\nname = \"v6\"\n"
                             "[[files]]\nkind = \"listen\"\nprot = \"tcp\"\nname = \"any\"\nport = 0\n",
                             &err);
    CHECK(c != NULL);
    if (!c) {
        printf("     %s\n", err.message);
        return;
    }
    CHECK_EQ_STR(c->files[0].name, "null");
    CHECK_EQ_STR(c->files[1].name, "in");
    CHECK_EQ_INT(c->files[2].port, 80);
    CHECK_EQ_STR(c->files[2].addr, "::");
    CHECK_EQ_INT(c->files[3].port, 443);
    CHECK_EQ_STR(c->files[3].addr, "127.0.0.1");
    CHECK_EQ_STR(c->files[4].name, "db.internal"); /* connect: name defaults to host */
    CHECK_EQ_INT(c->files[4].port, 80);
    CHECK_EQ_INT(c->files[5].port, 443);
    CHECK_EQ_INT(c->files[6].port, 0);
    CHECK_EQ_INT(c->files[0].prot, ENARX_PROT_NONE);
    char names[128];
    enarx_config_fd_names_value(c, names, sizeof names);
    CHECK_EQ_STR(names, "null:in:web:sweb:db.internal:v6:any");
    enarx_config_free(c);

    /* files written as an inline array of tables work too */
    c = config("files = [{kind = \"stdout\"}, {kind = \"stderr\", name = \"log\"}]\n", &err);
    CHECK(c != NULL && c->file_count == 2);
    if (c)
        CHECK_EQ_STR(c->files[1].name, "log");
    enarx_config_free(c);
}

static void test_config_dir(void)
{
    enarx_config_error err;
    enarx_config *c = config("[[files]]\nkind = \"stdout\"\n"
                             "[[files]]\nkind = \"dir\"\nhost = \"data/in\"\nname = \"/in\"\n",
                             &err);
    CHECK(c != NULL);
    if (!c) {
        printf("     %s\n", err.message);
        return;
    }
    CHECK_EQ_INT(c->files[1].kind, ENARX_FILE_DIR);
    CHECK_EQ_STR(c->files[1].host, "data/in");
    CHECK_EQ_STR(c->files[1].name, "/in");
    char names[64];
    enarx_config_fd_names_value(c, names, sizeof names);
    CHECK_EQ_STR(names, "stdout:/in");
    enarx_config_free(c);
    CONFIG_ERROR("[[files]]\nkind = \"dir\"\nhost = \"data\"\n",
                 "Enarx.toml:1:1: files[0]: kind \"dir\" needs name = \"...\" (the path the workload "
                 "sees, like \"/data\")");
    CONFIG_ERROR("[[files]]\nkind = \"dir\"\nname = \"/data\"\n",
                 "Enarx.toml:1:1: files[0]: kind \"dir\" needs host = \"...\" (the host directory to preopen)");
    CONFIG_ERROR("[[files]]\nkind = \"dir\"\nname = \"/data\"\nhost = \"\"\n",
                 "Enarx.toml:4:8: files[0].host: must not be empty");
    CONFIG_ERROR("[[files]]\nkind = \"dir\"\nname = \"c:/data\"\nhost = \"d\"\n",
                 "Enarx.toml:3:8: files[0].name: \"c:/data\" must not contain ':' (FD_NAMES separates "
                 "names with ':')");
    CONFIG_ERROR("[[files]]\nkind = \"dir\"\nname = \"/d\"\nhost = \"d\"\nport = 1\n",
                 "Enarx.toml:5:1: files[0]: unknown key \"port\" for kind \"dir\"; expected one of kind, "
                 "host, name");
}

static void test_config_trust_anchors(void)
{
    enarx_config_error err;
    enarx_config *c = config("[tls]\nca = [\"certs/root.pem\", \"/etc/ca/extra.pem\"]\n"
                             "[[files]]\nkind = \"connect\"\nprot = \"tls\"\nhost = \"a.example\"\n"
                             "[[files]]\nkind = \"connect\"\nprot = \"tls\"\nhost = \"b.example\"\n"
                             "ca = \"b-ca.pem\"\n"
                             "ca-pem = \"\"\"\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n\"\"\"\n"
                             "[[files]]\nkind = \"connect\"\nprot = \"tcp\"\nhost = \"c.example\"\n",
                             &err);
    CHECK(c != NULL);
    if (!c) {
        printf("     %s\n", err.message);
        return;
    }
    CHECK_EQ_INT(c->tls_ca_count, 2);
    size_t n;
    const enarx_trust_anchor *ca = enarx_config_trust_anchors(c, &c->files[0], &n);
    CHECK_EQ_INT(n, 2); /* the [tls] defaults */
    CHECK(ca && !ca[0].is_pem);
    CHECK_EQ_STR(ca[0].value, "certs/root.pem");
    CHECK_EQ_INT(ca[1].line, 2);
    ca = enarx_config_trust_anchors(c, &c->files[1], &n);
    CHECK_EQ_INT(n, 2); /* its own: a path and inline PEM */
    CHECK(ca && !ca[0].is_pem && ca[1].is_pem);
    CHECK_EQ_STR(ca[0].value, "b-ca.pem");
    CHECK(ca && strstr(ca[1].value, "MIIB") != NULL);
    ca = enarx_config_trust_anchors(c, &c->files[2], &n);
    CHECK(ca == NULL && n == 0); /* tcp: no TLS at all */
    enarx_config_free(c);

    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tcp\"\nhost = \"h\"\nca = \"x.pem\"\n",
                 "Enarx.toml:5:1: files[0]: unknown key \"ca\" for kind \"connect\" with prot \"tcp\"; "
                 "expected one of kind, prot, host, name, port");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = \"tls\"\nname = \"l\"\nca = \"x.pem\"\n",
                 "Enarx.toml:5:1: files[0]: unknown key \"ca\" for kind \"listen\" with prot \"tls\"; "
                 "expected one of kind, prot, name, addr, port");
    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tls\"\nhost = \"h\"\nca-pem = \"MIIB\"\n",
                 "Enarx.toml:5:10: files[0].ca-pem: expected PEM text with -----BEGIN CERTIFICATE----- "
                 "and -----END CERTIFICATE----- lines (use ca = \"path\" to name a file)");
    CONFIG_ERROR("[tls]\nca = []\n",
                 "Enarx.toml:2:6: tls.ca: the array is empty; give at least one path, or remove the key");
    CONFIG_ERROR("[tls]\nca = [\"a.pem\", 7]\n", "Enarx.toml:2:16: tls.ca[1]: expected a string, found an integer");
    CONFIG_ERROR("[tls]\nroots = \"mozilla\"\n",
                 "Enarx.toml:2:1: tls: unknown key \"roots\"; expected one of ca, ca-pem");
    CONFIG_ERROR("tls = 1\n", "Enarx.toml:1:7: tls: expected a table ([tls]), found an integer");
}

static void test_config_errors(void)
{
    /* The example from the brief, to the letter. */
    CONFIG_ERROR("[[files]]\nkind = \"stdin\"\n[[files]]\nkind = \"stdout\"\n"
                 "[[files]]\n# fd 2\nkind = \"pipe\"\n",
                 "Enarx.toml:7:8: files[2]: unknown kind \"pipe\"; expected one of null, stdin, stdout, "
                 "stderr, listen, connect, dir");
    CONFIG_ERROR("argz = []\n", "Enarx.toml:1:1: unknown key \"argz\"; expected one of args, engine, env, "
                 "files, steward, tls");
    CONFIG_ERROR("engine = \"fast\"\n",
                 "Enarx.toml:1:10: engine: not an engine tier; expected \"auto\", \"interp\" or \"jit\"");
    CONFIG_ERROR("engine = 2\n", "Enarx.toml:1:10: engine: expected a string, found an integer");
    CONFIG_ERROR("args = [\n", "Enarx.toml:2:1: expected a value (string, number, boolean, date-time, "
                 "array or inline table), found end of file");
    CONFIG_ERROR("args = \"--x\"\n", "Enarx.toml:1:8: args: expected an array of strings, found a string");
    CONFIG_ERROR("args = [\"a\", 1]\n", "Enarx.toml:1:14: args[1]: expected a string, found an integer");
    CONFIG_ERROR("args = [\"a\\u0000b\"]\n", "Enarx.toml:1:9: args[0]: must not contain a NUL character (\\u0000)");
    CONFIG_ERROR("env = [\"A=1\"]\n", "Enarx.toml:1:7: env: expected a table of NAME = \"value\", found an array");
    CONFIG_ERROR("[env]\nA = 1\n", "Enarx.toml:2:5: env.\"A\": expected a string, found an integer");
    CONFIG_ERROR("[env]\n\"A=B\" = \"1\"\n", "Enarx.toml:2:1: env: variable name \"A=B\" must not contain '=' or NUL");
    CONFIG_ERROR("[env]\n\"\" = \"1\"\n", "Enarx.toml:2:1: env: a variable name must not be empty");
    CONFIG_ERROR("[env]\nFD_NAMES = \"x\"\n", "Enarx.toml:2:1: env: FD_NAMES is set by Enarx from `files`; remove it here");
    CONFIG_ERROR("[env.NESTED]\n", "Enarx.toml:1:1: env.\"NESTED\": expected a string, found a table");
    CONFIG_ERROR("files = {kind = \"stdin\"}\n", "Enarx.toml:1:9: files: expected an array of tables ([[files]] "
                 "entries), found a table");
    CONFIG_ERROR("files = [\"stdin\"]\n", "Enarx.toml:1:10: files[0]: expected a table (a [[files]] entry), found a string");
    CONFIG_ERROR("[[files]]\nname = \"x\"\n", "Enarx.toml:1:1: files[0]: missing key \"kind\"; expected kind = "
                 "one of null, stdin, stdout, stderr, listen, connect, dir");
    CONFIG_ERROR("[[files]]\nkind = 0\n", "Enarx.toml:2:8: files[0].kind: expected a string (one of null, "
                 "stdin, stdout, stderr, listen, connect, dir), found an integer");
    CONFIG_ERROR("[[files]]\nkind = \"Stdin\"\n", "Enarx.toml:2:8: files[0]: unknown kind \"Stdin\"; expected "
                 "one of null, stdin, stdout, stderr, listen, connect, dir");
    CONFIG_ERROR("[[files]]\nkind = \"stdin\"\nport = 1\n", "Enarx.toml:3:1: files[0]: unknown key \"port\" "
                 "for kind \"stdin\"; expected one of kind, name");
    CONFIG_ERROR("[[files]]\nkind = \"null\"\nname = \"a:b\"\n", "Enarx.toml:3:8: files[0].name: \"a:b\" must "
                 "not contain ':' (FD_NAMES separates names with ':')");
    CONFIG_ERROR("[[files]]\nkind = \"null\"\nname = \"\"\n", "Enarx.toml:3:8: files[0].name: must not be empty");
    CONFIG_ERROR("[[files]]\nkind = \"null\"\nname = 5\n", "Enarx.toml:3:8: files[0].name: expected a string, "
                 "found an integer");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nname = \"l\"\n", "Enarx.toml:1:1: files[0]: kind \"listen\" "
                 "needs prot = \"tcp\" or prot = \"tls\"");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = \"udp\"\nname = \"l\"\n", "Enarx.toml:3:8: "
                 "files[0].prot: unknown protocol \"udp\"; expected \"tcp\" or \"tls\"");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = true\n", "Enarx.toml:3:8: files[0].prot: expected "
                 "\"tcp\" or \"tls\", found a boolean");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = \"tcp\"\n", "Enarx.toml:1:1: files[0]: kind \"listen\" "
                 "needs name = \"...\" (its name in FD_NAMES)");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = \"tcp\"\nname = \"l\"\nport = 65536\n",
                 "Enarx.toml:5:8: files[0].port: port 65536 is out of range; expected 0 to 65535");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = \"tcp\"\nname = \"l\"\nport = \"80\"\n",
                 "Enarx.toml:5:8: files[0].port: expected a port number (an integer), found a string");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = \"tcp\"\nname = \"l\"\naddr = \"localhost\"\n",
                 "Enarx.toml:5:8: files[0].addr: \"localhost\" is not an IP address; expected one like "
                 "\"::\", \"0.0.0.0\" or \"127.0.0.1\"");
    CONFIG_ERROR("[[files]]\nkind = \"listen\"\nprot = \"tcp\"\nname = \"l\"\nhost = \"x\"\n",
                 "Enarx.toml:5:1: files[0]: unknown key \"host\" for kind \"listen\" with prot \"tcp\"; "
                 "expected one of kind, prot, name, addr, port");
    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tcp\"\n", "Enarx.toml:1:1: files[0]: kind \"connect\" "
                 "needs host = \"...\" (the host name or IP address to connect to)");
    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tcp\"\nhost = \"db:5432\"\n", "Enarx.toml:4:8: "
                 "files[0].host: \"db:5432\" is not a host name or IP address; give the port separately "
                 "(port = 5432)");
    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tcp\"\nhost = \"a b\"\n", "Enarx.toml:4:8: "
                 "files[0].host: \"a b\" is not a host name or IP address");
    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tcp\"\nhost = \"::1\"\n", "Enarx.toml:4:8: "
                 "files[0].host: \"::1\" contains ':', so it cannot be the file's default name; add name = \"...\"");
    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tls\"\nhost = \"h\"\nport = 0\n",
                 "Enarx.toml:5:8: files[0].port: port 0 is out of range; expected 1 to 65535");
    CONFIG_ERROR("[[files]]\nkind = \"connect\"\nprot = \"tls\"\nhost = \"h\"\naddr = \"::\"\n",
                 "Enarx.toml:5:1: files[0]: unknown key \"addr\" for kind \"connect\" with prot \"tls\"; "
                 "expected one of kind, prot, host, name, port, ca, ca-pem");
    CONFIG_ERROR("steward = 1\n", "Enarx.toml:1:11: steward: expected a string, found an integer");
    CONFIG_ERROR("steward = \"attest.example.com\"\n", "Enarx.toml:1:11: steward: \"attest.example.com\" is "
                 "not a URL; expected https://HOST[:PORT][/PATH]");
    CONFIG_ERROR("steward = \"ftp://x\"\n", "Enarx.toml:1:11: steward: unsupported URL scheme \"ftp\"; "
                 "expected https://");
    CONFIG_ERROR("steward = \"http://steward.example.com\"\n", "Enarx.toml:1:11: steward: the Steward must "
                 "be reached over https:// (plain http is allowed only for localhost, for testing)");
    CONFIG_ERROR("steward = \"https://h:99999/\"\n", "Enarx.toml:1:11: steward: the port in the URL must be "
                 "a number from 1 to 65535");
    CONFIG_ERROR("steward = \"https://user@h/\"\n", "Enarx.toml:1:11: steward: credentials (user@) in the "
                 "URL are not supported");
    CONFIG_ERROR("steward = \"https:///path\"\n", "Enarx.toml:1:11: steward: \"\" is not a valid host name "
                 "or IP address");
    CONFIG_ERROR("steward = \"https://a b\"\n", "Enarx.toml:1:11: steward: URL \"https://a b\" contains a "
                 "space or control character");
    /* TOML errors keep their place and get the file name. */
    CONFIG_ERROR("[[files]]\nkind = \"stdin\"\nkind = \"stdout\"\n", "Enarx.toml:3:1: duplicate key kind: "
                 "already defined at line 2, column 1");

    /* Accepted steward forms */
    enarx_config_error err;
    enarx_config *c = config("steward = \"HTTP://[::1]:8080/steward?x=1\"\n", &err);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_STR(c->steward.scheme, "http");
        CHECK_EQ_STR(c->steward.host, "::1");
        CHECK_EQ_INT(c->steward.port, 8080);
        CHECK_EQ_STR(c->steward.path, "/steward?x=1");
    }
    enarx_config_free(c);

    /* The file name in messages is the caller's; NULL means Enarx.toml. */
    c = enarx_config_parse("x = 1", 5, "/srv/app/Enarx.toml", &err);
    CHECK(c == NULL);
    CHECK_EQ_STR(err.message, "/srv/app/Enarx.toml:1:1: unknown key \"x\"; expected one of args, engine, "
                 "env, files, steward, tls");

    /* engine: the tier that runs the workload; absent means auto */
    static const char *const tiers[] = {"engine = \"auto\"", "engine = \"interp\"", "engine = \"jit\""};
    for (int i = 0; i < 3; i++) {
        c = enarx_config_parse(tiers[i], strlen(tiers[i]), NULL, &err);
        CHECK(c != NULL && c->engine == i);
        enarx_config_free(c);
    }
    c = enarx_config_parse("", 0, NULL, &err);
    CHECK(c != NULL && c->engine == 0);
    enarx_config_free(c);
    c = enarx_config_parse("x = 1", 5, NULL, &err);
    CHECK(c == NULL && strncmp(err.message, "Enarx.toml:1:1:", 15) == 0);
    CHECK_EQ_INT(err.line, 1);
    CHECK_EQ_INT(err.column, 1);
}

static void test_config_limits(void)
{
    enarx_config_error err;
    /* Too many files */
    size_t cap = (size_t)(ENARX_CONFIG_MAX_FILES + 1) * 32, used = 0;
    char *text = malloc(cap);
    for (int i = 0; i <= ENARX_CONFIG_MAX_FILES; i++)
        used += (size_t)snprintf(text + used, cap - used, "[[files]]\nkind = \"null\"\n");
    enarx_config *c = enarx_config_parse(text, used, "Enarx.toml", &err);
    CHECK(c == NULL);
    CHECK_EQ_STR(err.message, "Enarx.toml:1:1: files: 1025 entries; at most 1024 are allowed");
    /* exactly the limit is fine */
    c = enarx_config_parse(text, used - strlen("[[files]]\nkind = \"null\"\n"), "Enarx.toml", &err);
    CHECK(c != NULL && c->file_count == ENARX_CONFIG_MAX_FILES);
    enarx_config_free(c);
    free(text);
    /* Size limit */
    char *big = malloc(ENARX_CONFIG_MAX_SIZE + 1);
    memset(big, '\n', ENARX_CONFIG_MAX_SIZE + 1);
    c = enarx_config_parse(big, ENARX_CONFIG_MAX_SIZE + 1, "Enarx.toml", &err);
    CHECK(c == NULL);
    CHECK_EQ_STR(err.message, "Enarx.toml: 1000001 bytes; an Enarx.toml may have at most 1000000");
    CHECK_EQ_INT(err.line, 0);
    c = enarx_config_parse(big, ENARX_CONFIG_MAX_SIZE, "Enarx.toml", &err);
    CHECK(c != NULL);
    enarx_config_free(c);

    /* read_file: the same limit, and unreadable files */
    char path[] = "/tmp/enarx-config-unit-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, big, ENARX_CONFIG_MAX_SIZE + 1) == ENARX_CONFIG_MAX_SIZE + 1);
    close(fd);
    c = enarx_config_read_file(path, &err);
    CHECK(c == NULL && strstr(err.message, "larger than 1000000 bytes") != NULL);
    CHECK(truncate(path, 0) == 0);
    FILE *f = fopen(path, "w");
    fputs("[[files]]\nkind = \"stdout\"\n[[files]]\nkind = 1\n", f);
    fclose(f);
    c = enarx_config_read_file(path, &err);
    CHECK(c == NULL);
    char want[128];
    snprintf(want, sizeof want, "%s:4:8: files[1].kind: expected a string", path);
    CHECK(strncmp(err.message, want, strlen(want)) == 0);
    unlink(path);
    c = enarx_config_read_file(path, &err);
    CHECK(c == NULL && strstr(err.message, "cannot open: No such file or directory") != NULL);
    free(big);
}

/* Arguments and environment entries: the workload's limits (abi/workload_stream.h),
 * reported where the entry is. */
static void test_config_string_limits(void)
{
    enarx_config_error err;
    size_t cap = 8 + (size_t)(WL_MAX_STRINGS + 1) * 5 + 64, used = 0;
    char *text = malloc(cap);
    used += (size_t)snprintf(text, cap, "args = [");
    for (unsigned i = 0; i < WL_MAX_STRINGS; i++)
        used += (size_t)snprintf(text + used, cap - used, "\"a\",");
    used += (size_t)snprintf(text + used, cap - used, "]\n");
    enarx_config *c = enarx_config_parse(text, used, "Enarx.toml", &err);
    CHECK(c != NULL && c->arg_count == WL_MAX_STRINGS); /* exactly the limit */
    enarx_config_free(c);
    used -= 2;
    used += (size_t)snprintf(text + used, cap - used, "\"a\"]\n");
    c = enarx_config_parse(text, used, "Enarx.toml", &err);
    CHECK(c == NULL);
    CHECK_EQ_STR(err.message, "Enarx.toml:1:8: args: 65537 entries; a workload takes at most 65536 arguments "
                              "and environment entries together");
    /* args and env count together */
    used = (size_t)snprintf(text, cap, "args = [");
    for (unsigned i = 0; i < WL_MAX_STRINGS; i++)
        used += (size_t)snprintf(text + used, cap - used, "\"a\",");
    used += (size_t)snprintf(text + used, cap - used, "]\n[env]\nA = \"1\"\n");
    c = enarx_config_parse(text, used, "Enarx.toml", &err);
    CHECK(c == NULL);
    CHECK(strstr(err.message, "Enarx.toml:2:1: args and env: 65537 entries") == err.message);
    free(text);

    char *one = malloc(WL_MAX_STRING + 64);
    used = (size_t)snprintf(one, 64, "args = [\"");
    memset(one + used, 'x', WL_MAX_STRING + 1);
    used += WL_MAX_STRING + 1;
    used += (size_t)snprintf(one + used, 64, "\"]\n");
    c = enarx_config_parse(one, used, "Enarx.toml", &err);
    CHECK(c == NULL);
    CHECK_EQ_STR(err.message, "Enarx.toml:1:9: args[0]: 131073 bytes; one argument or environment entry may be "
                              "at most 131072 bytes");
    used = (size_t)snprintf(one, 64, "[env]\nLONG = \"");
    memset(one + used, 'x', WL_MAX_STRING - 4); /* LONG=... is one byte too long */
    used += WL_MAX_STRING - 4;
    used += (size_t)snprintf(one + used, 64, "\"\n");
    c = enarx_config_parse(one, used, "Enarx.toml", &err);
    CHECK(c == NULL && strstr(err.message, "Enarx.toml:2:8: env.\"LONG\": 131073 bytes") == err.message);
    free(one);
}

static void test_resolve_path(void)
{
    char out[64];
    CHECK(enarx_config_resolve_path("/srv/app/Enarx.toml", "certs/ca.pem", out, sizeof out));
    CHECK_EQ_STR(out, "/srv/app/certs/ca.pem");
    CHECK(enarx_config_resolve_path("/srv/app/Enarx.toml", "/etc/ca.pem", out, sizeof out));
    CHECK_EQ_STR(out, "/etc/ca.pem");
    CHECK(enarx_config_resolve_path("Enarx.toml", "data", out, sizeof out));
    CHECK_EQ_STR(out, "data");
    CHECK(enarx_config_resolve_path(NULL, "data", out, sizeof out));
    CHECK_EQ_STR(out, "data");
    CHECK(!enarx_config_resolve_path("/a/very/long/directory/name/that/goes/on/Enarx.toml",
                                     "and/a/long/relative/path.pem", out, sizeof out));
}

/* Uncomments "# " lines (not "## " prose) of the template. */
static char *uncomment(const char *text)
{
    char *out = malloc(strlen(text) + 1);
    size_t used = 0;
    while (*text) {
        const char *eol = strchr(text, '\n');
        size_t len = eol ? (size_t)(eol - text) + 1 : strlen(text);
        if (len >= 2 && text[0] == '#' && text[1] == ' ') {
            text += 2;
            len -= 2;
        }
        memcpy(out + used, text, len);
        used += len;
        text += len;
    }
    out[used] = '\0';
    return out;
}

static void test_template(void)
{
    const char *t = enarx_config_template();
    enarx_config_error err;
    enarx_config *c = config(t, &err);
    CHECK(c != NULL);
    if (!c) {
        printf("     %s\n", err.message);
        return;
    }
    /* As written: exactly the default configuration. */
    enarx_config *d = enarx_config_default();
    CHECK_EQ_INT(c->file_count, d->file_count);
    for (size_t i = 0; i < c->file_count && i < d->file_count; i++) {
        CHECK_EQ_INT(c->files[i].kind, d->files[i].kind);
        CHECK_EQ_STR(c->files[i].name, d->files[i].name);
    }
    CHECK_EQ_INT(c->arg_count, 0);
    CHECK_EQ_INT(c->env_count, 0);
    CHECK(!c->has_steward);
    enarx_config_free(c);
    enarx_config_free(d);

    /* Every example, uncommented, is valid and means what it says. */
    char *all = uncomment(t);
    c = config(all, &err);
    CHECK(c != NULL);
    if (!c) {
        printf("     %s\n", err.message);
        free(all);
        return;
    }
    CHECK_EQ_INT(c->arg_count, 1);
    CHECK(c->has_steward);
    CHECK_EQ_INT(c->env_count, 1);
    CHECK_EQ_INT(c->tls_ca_count, 1);
    CHECK_EQ_INT(c->file_count, 6);
    const enarx_file *f = c->files;
    CHECK(f[3].kind == ENARX_FILE_LISTEN && f[3].prot == ENARX_PROT_TLS && f[3].port == 8443);
    CHECK(f[4].kind == ENARX_FILE_CONNECT && f[4].ca_count == 1);
    CHECK(f[5].kind == ENARX_FILE_DIR);
    CHECK_EQ_STR(f[5].name, "/data");
    char names[128];
    enarx_config_fd_names_value(c, names, sizeof names);
    CHECK_EQ_STR(names, "stdin:stdout:stderr:server:example.com:/data");
    enarx_config_free(c);
    free(all);
}

int main(void)
{
    test_toml_locations();
    test_toml_values();
    test_toml_big_table();
    test_toml_limits();
    test_toml_errors();
    test_config_default();
    test_config_upstream_example();
    test_config_defaults();
    test_config_dir();
    test_config_trust_anchors();
    test_config_errors();
    test_config_limits();
    test_config_string_limits();
    test_resolve_path();
    test_template();
    return check_summary();
}
