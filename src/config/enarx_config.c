/* Enarx.toml schema: checks a parsed TOML tree against the schema and builds
 * an enarx_config. See enarx_config.h and docs/config.md. */
#include "config/enarx_config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/engine_tier.h"
#include "abi/workload_stream.h"
#include "common/file.h"
#include "config/toml.h"

/* ---------------------------------------------------------------------------
 * Storage: the public struct first, then an arena holding everything it
 * points to, freed in one go. */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} arena_block;

typedef struct owned_config {
    enarx_config pub;
    arena_block *blocks;
} owned_config;

static void *arena_alloc(owned_config *o, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    n = n ? (n + 15) & ~(size_t)15 : 16;
    arena_block *b = o->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 4096 ? n : 4096;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = o->blocks;
        o->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_strndup(owned_config *o, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = arena_alloc(o, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void enarx_config_free(enarx_config *config)
{
    if (!config)
        return;
    owned_config *o = (owned_config *)config;
    arena_block *b = o->blocks;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(o);
}

/* ---------------------------------------------------------------------------
 * Names. */

static const char *const kind_names[] = {"null", "stdin", "stdout", "stderr", "listen", "connect", "dir"};
#define KIND_COUNT (sizeof kind_names / sizeof kind_names[0])
#define KIND_LIST "null, stdin, stdout, stderr, listen, connect, dir"

const char *enarx_file_kind_name(enarx_file_kind kind)
{
    return (size_t)kind < KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *enarx_prot_name(enarx_prot prot)
{
    return prot == ENARX_PROT_TCP ? "tcp" : prot == ENARX_PROT_TLS ? "tls" : "";
}

/* ---------------------------------------------------------------------------
 * The checker and its messages. */

typedef struct checker {
    owned_config *out;
    const char *filename;
    enarx_config_error *err;
    bool failed;
} checker;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static bool fail_at(checker *c, unsigned line, unsigned column, const char *fmt, ...)
{
    if (c->failed)
        return false;
    c->failed = true;
    if (!c->err)
        return false;
    char detail[sizeof c->err->message];
    va_list ap;
    va_start(ap, fmt);
    /* The analyzer reports this va_list as uninitialised when it has analysed
     * another file first in the same run: a false positive. */
    vsnprintf(detail, sizeof detail, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    c->err->line = line;
    c->err->column = column;
    char *msg = c->err->message;
    size_t size = sizeof c->err->message;
    int n = line ? snprintf(msg, size, "%s:%u:%u: ", c->filename, line, column)
                 : snprintf(msg, size, "%s: ", c->filename);
    size_t used = n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
    size_t len = strlen(detail);
    if (len > size - 1 - used)
        len = size - 1 - used; /* a long message loses its end, never its place */
    memcpy(msg + used, detail, len);
    msg[used + len] = '\0';
    return false;
}

#define FAIL_AT(c, v, ...) fail_at((c), toml_line(v), toml_column(v), __VA_ARGS__)

static bool fail_oom(checker *c)
{
    return fail_at(c, 0, 0, "out of memory");
}

/* Quotes untrusted text for a message: printable ASCII and UTF-8 as is,
 * other bytes as \xNN, long text shortened. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
    size_t used = 0;
    buf[used++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (used + 8 >= size) {
            memcpy(buf + used, "...", 3);
            used += 3;
            break;
        }
        if (ch == '"' || ch == '\\') {
            buf[used++] = '\\';
            buf[used++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7F) {
            used += (size_t)snprintf(buf + used, size - used, "\\x%02X", ch);
        } else {
            buf[used++] = (char)ch;
        }
    }
    buf[used++] = '"';
    buf[used] = '\0';
    return buf;
}

static const char *with_article(const toml_value *v)
{
    switch (toml_kind_of(v)) {
    case TOML_STRING: return "a string";
    case TOML_INTEGER: return "an integer";
    case TOML_FLOAT: return "a float";
    case TOML_BOOL: return "a boolean";
    case TOML_ARRAY: return "an array";
    case TOML_TABLE: return "a table";
    case TOML_DATETIME: return "an offset date-time";
    case TOML_DATETIME_LOCAL: return "a local date-time";
    case TOML_DATE_LOCAL: return "a local date";
    case TOML_TIME_LOCAL: return "a local time";
    }
    return "a value";
}

/* A string value without NUL bytes, copied into the config. `what` names
 * the setting in messages ("files[2].host"). */
static const char *get_string(checker *c, const toml_value *v, const char *what, bool allow_empty)
{
    size_t len;
    const char *s = toml_string(v, &len);
    if (!s)
        return FAIL_AT(c, v, "%s: expected a string, found %s", what, with_article(v)), NULL;
    if (memchr(s, '\0', len))
        return FAIL_AT(c, v, "%s: must not contain a NUL character (\\u0000)", what), NULL;
    if (!allow_empty && len == 0)
        return FAIL_AT(c, v, "%s: must not be empty", what), NULL;
    char *copy = arena_strndup(c->out, s, len);
    if (!copy)
        fail_oom(c);
    return copy;
}

/* ---------------------------------------------------------------------------
 * Values with a syntax of their own. */

static bool is_ip_address(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* A DNS name (letters, digits, '-', '_' in dot-separated labels of 1-63
 * characters, 253 at most) or an IP address. */
static bool is_host(const char *s)
{
    if (is_ip_address(s))
        return true;
    size_t len = strlen(s);
    if (len > 0 && s[len - 1] == '.')
        len--; /* a fully qualified name may end with a dot */
    if (len == 0 || len > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                   ch == '-' || ch == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

static bool is_loopback(const char *host)
{
    unsigned char a[16];
    if (strcmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char one[16] = {[15] = 1};
        return memcmp(a, one, 16) == 0;
    }
    return false;
}

/* scheme://host[:port][/path][?query][#fragment], https (or http to a
 * loopback host, for a Steward under test on this machine). */
static bool parse_steward(checker *c, const toml_value *v, enarx_url *url)
{
    const char *text = get_string(c, v, "steward", false);
    if (!text)
        return false;
    char show[96];
    url->text = text;
    for (const char *s = text; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7F)
            return FAIL_AT(c, v, "steward: URL %s contains a space or control character",
                           shown(text, strlen(text), show, sizeof show));
    const char *sep = strstr(text, "://");
    if (!sep || sep == text)
        return FAIL_AT(c, v, "steward: %s is not a URL; expected https://HOST[:PORT][/PATH]",
                       shown(text, strlen(text), show, sizeof show));
    size_t scheme_len = (size_t)(sep - text);
    char *scheme = arena_strndup(c->out, text, scheme_len);
    if (!scheme)
        return fail_oom(c);
    for (char *s = scheme; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
    if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
        return FAIL_AT(c, v, "steward: unsupported URL scheme %s; expected https://",
                       shown(scheme, scheme_len, show, sizeof show));
    url->scheme = scheme;
    const char *authority = sep + 3;
    size_t auth_len = strcspn(authority, "/?#");
    if (memchr(authority, '@', auth_len))
        return FAIL_AT(c, v, "steward: credentials (user@) in the URL are not supported");
    const char *host = authority, *host_end, *port = NULL;
    if (*authority == '[') {
        host = authority + 1;
        host_end = memchr(host, ']', auth_len);
        if (!host_end)
            return FAIL_AT(c, v, "steward: missing ']' after the IPv6 address in the URL");
        if (host_end + 1 < authority + auth_len) {
            if (host_end[1] != ':')
                return FAIL_AT(c, v, "steward: expected ':' or '/' after ']' in the URL");
            port = host_end + 2;
        }
    } else {
        host_end = memchr(authority, ':', auth_len);
        if (host_end)
            port = host_end + 1;
        else
            host_end = authority + auth_len;
    }
    char *h = arena_strndup(c->out, host, (size_t)(host_end - host));
    if (!h)
        return fail_oom(c);
    for (char *s = h; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
    if (!*h || !is_host(h) || (*authority == '[' && !strchr(h, ':')))
        return FAIL_AT(c, v, "steward: %s is not a valid host name or IP address",
                       shown(h, strlen(h), show, sizeof show));
    url->host = h;
    url->port = strcmp(scheme, "https") == 0 ? 443 : 80;
    if (port) {
        const char *end = authority + auth_len;
        unsigned long n = 0;
        if (port == end)
            return FAIL_AT(c, v, "steward: empty port after ':' in the URL");
        for (const char *s = port; s < end; s++) {
            if (*s < '0' || *s > '9' || n > 65535)
                return FAIL_AT(c, v, "steward: the port in the URL must be a number from 1 to 65535");
            n = n * 10 + (unsigned long)(*s - '0');
        }
        if (n == 0 || n > 65535)
            return FAIL_AT(c, v, "steward: the port in the URL must be a number from 1 to 65535");
        url->port = (uint16_t)n;
    }
    const char *path = authority + auth_len;
    url->path = *path ? path : "/";
    if (strcmp(scheme, "http") == 0 && !is_loopback(h))
        return FAIL_AT(c, v, "steward: the Steward must be reached over https:// (plain http is "
                       "allowed only for localhost, for testing)");
    return true;
}

/* A port: 1-65535, or 0-65535 where 0 lets the system choose (listen). */
static bool get_port(checker *c, const toml_value *v, const char *what, bool allow_zero, uint16_t *port)
{
    if (toml_kind_of(v) != TOML_INTEGER)
        return FAIL_AT(c, v, "%s: expected a port number (an integer), found %s", what, with_article(v));
    int64_t n = toml_integer(v);
    if (n < (allow_zero ? 0 : 1) || n > 65535)
        return FAIL_AT(c, v, "%s: port %lld is out of range; expected %d to 65535", what, (long long)n,
                       allow_zero ? 0 : 1);
    *port = (uint16_t)n;
    return true;
}

/* A file's name: non-empty, no ':' (FD_NAMES joins names with ':'). */
static const char *get_name(checker *c, const toml_value *v, const char *what)
{
    const char *name = get_string(c, v, what, false);
    if (name && strchr(name, ':')) {
        char show[96];
        FAIL_AT(c, v, "%s: %s must not contain ':' (FD_NAMES separates names with ':')", what,
                shown(name, strlen(name), show, sizeof show));
        return NULL;
    }
    return name;
}

/* `ca` (paths) or `ca-pem` (PEM text): a string or an array of strings,
 * appended to *list. */
static bool get_trust_anchors(checker *c, const toml_value *v, const char *what, bool pem,
                              const enarx_trust_anchor **list, size_t *count)
{
    size_t n = toml_kind_of(v) == TOML_ARRAY ? toml_array_size(v) : 1;
    if (toml_kind_of(v) != TOML_ARRAY && toml_kind_of(v) != TOML_STRING)
        return FAIL_AT(c, v, "%s: expected a string or an array of strings, found %s", what,
                       with_article(v));
    if (n == 0)
        return FAIL_AT(c, v, "%s: the array is empty; give at least one %s, or remove the key", what,
                       pem ? "PEM certificate" : "path");
    if (*count + n > 256)
        return FAIL_AT(c, v, "%s: too many trust anchors (256 at most)", what);
    enarx_trust_anchor *all = arena_alloc(c->out, (*count + n) * sizeof *all);
    if (!all)
        return fail_oom(c);
    if (*count)
        memcpy(all, *list, *count * sizeof *all);
    for (size_t i = 0; i < n; i++) {
        const toml_value *item = toml_kind_of(v) == TOML_ARRAY ? toml_array_get(v, i) : v;
        char item_what[96];
        if (toml_kind_of(v) == TOML_ARRAY)
            snprintf(item_what, sizeof item_what, "%s[%zu]", what, i);
        else
            snprintf(item_what, sizeof item_what, "%s", what);
        const char *value = get_string(c, item, item_what, false);
        if (!value)
            return false;
        if (pem) {
            const char *begin = strstr(value, "-----BEGIN CERTIFICATE-----");
            if (!begin || !strstr(begin, "-----END CERTIFICATE-----"))
                return FAIL_AT(c, item, "%s: expected PEM text with -----BEGIN CERTIFICATE----- and "
                               "-----END CERTIFICATE----- lines (use ca = \"path\" to name a file)",
                               item_what);
        }
        all[*count + i] = (enarx_trust_anchor){pem, value, toml_line(item), toml_column(item)};
    }
    *list = all;
    *count += n;
    return true;
}

/* ---------------------------------------------------------------------------
 * Tables: unknown keys are errors, like upstream's deny_unknown_fields. */

static bool key_allowed(const char *key, size_t len, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strlen(*allowed) == len && memcmp(*allowed, key, len) == 0)
            return true;
    return false;
}

static void join(const char *const *list, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (; *list && used < size; list++) {
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", *list);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Fails on the first key of `table` not in `allowed`. `context` prefixes the
 * message ("files[2]: "), `detail` explains the set ("for kind \"stdin\""). */
static bool check_keys(checker *c, const toml_value *table, const char *context,
                       const char *const *allowed, const char *detail)
{
    for (size_t i = 0; i < toml_table_size(table); i++) {
        const char *key = toml_table_key(table, i);
        size_t len = toml_table_key_length(table, i);
        if (key_allowed(key, len, allowed))
            continue;
        char show[96], list[160];
        join(allowed, list, sizeof list);
        return fail_at(c, toml_table_key_line(table, i), toml_table_key_column(table, i),
                       "%sunknown key %s%s; expected one of %s", context, shown(key, len, show, sizeof show),
                       detail, list);
    }
    return true;
}

/* ---------------------------------------------------------------------------
 * The sections. */

/* Arguments and environment entries travel to the workload under the limits
 * of abi/workload_stream.h, whichever way they come: here they are checked
 * where the user can see which entry is at fault. */
static bool string_too_long(checker *c, const toml_value *v, const char *what, size_t len)
{
    if (len <= WL_MAX_STRING)
        return false;
    FAIL_AT(c, v, "%s: %zu bytes; one argument or environment entry may be at most %u bytes", what, len,
            WL_MAX_STRING);
    return true;
}

static bool too_many_strings(checker *c, const toml_value *v, const char *what, size_t n)
{
    if (n <= WL_MAX_STRINGS)
        return false;
    FAIL_AT(c, v, "%s: %zu entries; a workload takes at most %u arguments and environment entries together",
            what, n, WL_MAX_STRINGS);
    return true;
}

static bool check_args(checker *c, const toml_value *v)
{
    if (toml_kind_of(v) != TOML_ARRAY)
        return FAIL_AT(c, v, "args: expected an array of strings, found %s", with_article(v));
    size_t n = toml_array_size(v);
    if (too_many_strings(c, v, "args", n))
        return false;
    const char **args = arena_alloc(c->out, (n ? n : 1) * sizeof *args);
    if (!args)
        return fail_oom(c);
    for (size_t i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "args[%zu]", i);
        if (!(args[i] = get_string(c, toml_array_get(v, i), what, true)) ||
            string_too_long(c, toml_array_get(v, i), what, strlen(args[i])))
            return false;
    }
    c->out->pub.args = args;
    c->out->pub.arg_count = n;
    return true;
}

static bool check_env(checker *c, const toml_value *v)
{
    if (toml_kind_of(v) != TOML_TABLE)
        return FAIL_AT(c, v, "env: expected a table of NAME = \"value\", found %s", with_article(v));
    size_t n = toml_table_size(v);
    if (too_many_strings(c, v, c->out->pub.arg_count ? "args and env" : "env", c->out->pub.arg_count + n))
        return false;
    enarx_env *env = arena_alloc(c->out, (n ? n : 1) * sizeof *env);
    if (!env)
        return fail_oom(c);
    for (size_t i = 0; i < n; i++) {
        const char *key = toml_table_key(v, i);
        size_t len = toml_table_key_length(v, i);
        unsigned line = toml_table_key_line(v, i), column = toml_table_key_column(v, i);
        char show[96], what[128];
        shown(key, len, show, sizeof show);
        if (len == 0)
            return fail_at(c, line, column, "env: a variable name must not be empty");
        if (memchr(key, '\0', len) || memchr(key, '=', len))
            return fail_at(c, line, column, "env: variable name %s must not contain '=' or NUL", show);
        if (strcmp(key, "FD_COUNT") == 0 || strcmp(key, "FD_NAMES") == 0)
            return fail_at(c, line, column, "env: %s is set by Enarx from `files`; remove it here", key);
        snprintf(what, sizeof what, "env.%s", show);
        env[i].name = arena_strndup(c->out, key, len);
        if (!env[i].name)
            return fail_oom(c);
        if (!(env[i].value = get_string(c, toml_table_value(v, i), what, true)) ||
            string_too_long(c, toml_table_value(v, i), what, len + 1 + strlen(env[i].value)))
            return false;
    }
    c->out->pub.env = env;
    c->out->pub.env_count = n;
    return true;
}

static bool check_tls(checker *c, const toml_value *v)
{
    static const char *const allowed[] = {"ca", "ca-pem", NULL};
    if (toml_kind_of(v) != TOML_TABLE)
        return FAIL_AT(c, v, "tls: expected a table ([tls]), found %s", with_article(v));
    if (!check_keys(c, v, "tls: ", allowed, ""))
        return false;
    const toml_value *ca = toml_table_get(v, "ca"), *pem = toml_table_get(v, "ca-pem");
    enarx_config *pub = &c->out->pub;
    if (ca && !get_trust_anchors(c, ca, "tls.ca", false, &pub->tls_ca, &pub->tls_ca_count))
        return false;
    if (pem && !get_trust_anchors(c, pem, "tls.ca-pem", true, &pub->tls_ca, &pub->tls_ca_count))
        return false;
    return true;
}

static bool check_prot(checker *c, const toml_value *t, const char *ctx, enarx_file *f)
{
    const toml_value *prot = toml_table_get(t, "prot");
    if (!prot)
        return FAIL_AT(c, t, "%s: kind \"%s\" needs prot = \"tcp\" or prot = \"tls\"", ctx,
                       enarx_file_kind_name(f->kind));
    size_t len;
    const char *s = toml_string(prot, &len);
    if (!s)
        return FAIL_AT(c, prot, "%s.prot: expected \"tcp\" or \"tls\", found %s", ctx, with_article(prot));
    if (len == 3 && memcmp(s, "tcp", 3) == 0) {
        f->prot = ENARX_PROT_TCP;
    } else if (len == 3 && memcmp(s, "tls", 3) == 0) {
        f->prot = ENARX_PROT_TLS;
    } else {
        char show[96];
        return FAIL_AT(c, prot, "%s.prot: unknown protocol %s; expected \"tcp\" or \"tls\"", ctx,
                       shown(s, len, show, sizeof show));
    }
    return true;
}

static bool check_kind(checker *c, const toml_value *t, const char *ctx, enarx_file *f)
{
    const toml_value *kind = toml_table_get(t, "kind");
    if (!kind)
        return FAIL_AT(c, t, "%s: missing key \"kind\"; expected kind = one of %s", ctx, KIND_LIST);
    size_t len;
    const char *s = toml_string(kind, &len);
    if (!s)
        return FAIL_AT(c, kind, "%s.kind: expected a string (one of %s), found %s", ctx, KIND_LIST,
                       with_article(kind));
    for (size_t k = 0; k < KIND_COUNT; k++) {
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], s, len) == 0) {
            f->kind = (enarx_file_kind)k;
            return true;
        }
    }
    char show[96];
    return FAIL_AT(c, kind, "%s: unknown kind %s; expected one of %s", ctx, shown(s, len, show, sizeof show),
                   KIND_LIST);
}

static bool check_file(checker *c, const toml_value *t, size_t index, enarx_file *f)
{
    static const char *const plain_keys[] = {"kind", "name", NULL};
    static const char *const listen_keys[] = {"kind", "prot", "name", "addr", "port", NULL};
    static const char *const connect_keys[] = {"kind", "prot", "host", "name", "port", NULL};
    static const char *const connect_tls_keys[] = {"kind", "prot", "host", "name", "port", "ca", "ca-pem",
                                                   NULL};
    static const char *const dir_keys[] = {"kind", "host", "name", NULL};
    char ctx[32], what[64], ctx_colon[40], detail[48];
    snprintf(ctx, sizeof ctx, "files[%zu]", index);
    snprintf(ctx_colon, sizeof ctx_colon, "%s: ", ctx);
    if (toml_kind_of(t) != TOML_TABLE)
        return FAIL_AT(c, t, "%s: expected a table (a [[files]] entry), found %s", ctx, with_article(t));
    f->line = toml_line(t);
    f->column = toml_column(t);
    if (!check_kind(c, t, ctx, f))
        return false;
    const char *const *allowed = plain_keys;
    if (f->kind == ENARX_FILE_LISTEN || f->kind == ENARX_FILE_CONNECT) {
        if (!check_prot(c, t, ctx, f))
            return false;
        allowed = f->kind == ENARX_FILE_LISTEN ? listen_keys
                  : f->prot == ENARX_PROT_TLS  ? connect_tls_keys
                                               : connect_keys;
        snprintf(detail, sizeof detail, " for kind \"%s\" with prot \"%s\"", enarx_file_kind_name(f->kind),
                 enarx_prot_name(f->prot));
    } else {
        allowed = f->kind == ENARX_FILE_DIR ? dir_keys : plain_keys;
        snprintf(detail, sizeof detail, " for kind \"%s\"", enarx_file_kind_name(f->kind));
    }
    if (!check_keys(c, t, ctx_colon, allowed, detail))
        return false;

    const toml_value *name = toml_table_get(t, "name");
    const toml_value *host = toml_table_get(t, "host");
    const toml_value *port = toml_table_get(t, "port");
    snprintf(what, sizeof what, "%s.name", ctx);
    if (name && !(f->name = get_name(c, name, what)))
        return false;
    if (f->kind <= ENARX_FILE_STDERR && !name)
        f->name = enarx_file_kind_name(f->kind);
    if (f->kind == ENARX_FILE_LISTEN || f->kind == ENARX_FILE_DIR) {
        if (!name)
            return FAIL_AT(c, t, "%s: kind \"%s\" needs name = \"...\" (%s)", ctx, enarx_file_kind_name(f->kind),
                           f->kind == ENARX_FILE_DIR ? "the path the workload sees, like \"/data\""
                                                     : "its name in FD_NAMES");
    }
    if (f->kind == ENARX_FILE_LISTEN || f->kind == ENARX_FILE_CONNECT) {
        f->port = f->prot == ENARX_PROT_TLS ? 443 : 80;
        snprintf(what, sizeof what, "%s.port", ctx);
        if (port && !get_port(c, port, what, f->kind == ENARX_FILE_LISTEN, &f->port))
            return false;
    }
    if (f->kind == ENARX_FILE_LISTEN) {
        const toml_value *addr = toml_table_get(t, "addr");
        f->addr = "::";
        snprintf(what, sizeof what, "%s.addr", ctx);
        if (addr) {
            if (!(f->addr = get_string(c, addr, what, false)))
                return false;
            if (!is_ip_address(f->addr)) {
                char show[96];
                return FAIL_AT(c, addr, "%s: %s is not an IP address; expected one like \"::\", "
                               "\"0.0.0.0\" or \"127.0.0.1\"", what,
                               shown(f->addr, strlen(f->addr), show, sizeof show));
            }
        }
    }
    if (f->kind == ENARX_FILE_CONNECT || f->kind == ENARX_FILE_DIR) {
        if (!host)
            return FAIL_AT(c, t, "%s: kind \"%s\" needs host = \"...\" (%s)", ctx, enarx_file_kind_name(f->kind),
                           f->kind == ENARX_FILE_DIR ? "the host directory to preopen"
                                                     : "the host name or IP address to connect to");
        snprintf(what, sizeof what, "%s.host", ctx);
        if (!(f->host = get_string(c, host, what, false)))
            return false;
    }
    if (f->kind == ENARX_FILE_CONNECT) {
        char show[96];
        shown(f->host, strlen(f->host), show, sizeof show);
        if (!is_host(f->host)) {
            const char *colon = strrchr(f->host, ':');
            if (colon && colon[1] >= '0' && colon[1] <= '9' && !strchr(colon + 1, ']'))
                return FAIL_AT(c, host, "%s: %s is not a host name or IP address; give the port "
                               "separately (port = %s)", what, show, colon + 1);
            return FAIL_AT(c, host, "%s: %s is not a host name or IP address", what, show);
        }
        if (!name) {
            if (strchr(f->host, ':'))
                return FAIL_AT(c, host, "%s: %s contains ':', so it cannot be the file's default name; "
                               "add name = \"...\"", what, show);
            f->name = f->host;
        }
        if (f->prot == ENARX_PROT_TLS) {
            const toml_value *ca = toml_table_get(t, "ca"), *pem = toml_table_get(t, "ca-pem");
            snprintf(what, sizeof what, "%s.ca", ctx);
            if (ca && !get_trust_anchors(c, ca, what, false, &f->ca, &f->ca_count))
                return false;
            snprintf(what, sizeof what, "%s.ca-pem", ctx);
            if (pem && !get_trust_anchors(c, pem, what, true, &f->ca, &f->ca_count))
                return false;
        }
    }
    return true;
}

static bool check_files(checker *c, const toml_value *v)
{
    if (toml_kind_of(v) != TOML_ARRAY)
        return FAIL_AT(c, v, "files: expected an array of tables ([[files]] entries), found %s",
                       with_article(v));
    size_t n = toml_array_size(v);
    if (n > ENARX_CONFIG_MAX_FILES)
        return FAIL_AT(c, v, "files: %zu entries; at most %d are allowed", n, ENARX_CONFIG_MAX_FILES);
    enarx_file *files = arena_alloc(c->out, (n ? n : 1) * sizeof *files);
    if (!files)
        return fail_oom(c);
    for (size_t i = 0; i < n; i++)
        if (!check_file(c, toml_array_get(v, i), i, &files[i]))
            return false;
    c->out->pub.files = files;
    c->out->pub.file_count = n;
    return true;
}

/* engine = "auto" | "interp" | "jit": the tier that runs the workload */
static bool check_engine(checker *c, const toml_value *v)
{
    static const char *const names[] = ENARX_ENGINE_NAMES;
    const char *s = get_string(c, v, "engine", true);
    if (!s)
        return false;
    for (int i = 0; i < ENARX_ENGINE_COUNT; i++)
        if (strcmp(s, names[i]) == 0) {
            c->out->pub.engine = i;
            return true;
        }
    return FAIL_AT(c, v, "engine: not an engine tier; expected \"auto\", \"interp\" or \"jit\"");
}

static bool check_root(checker *c, const toml_value *root)
{
    static const char *const allowed[] = {"args", "engine", "env", "files", "steward", "tls", NULL};
    if (!check_keys(c, root, "", allowed, ""))
        return false;
    const toml_value *v;
    if ((v = toml_table_get(root, "args")) && !check_args(c, v))
        return false;
    if ((v = toml_table_get(root, "env")) && !check_env(c, v))
        return false;
    if ((v = toml_table_get(root, "engine")) && !check_engine(c, v))
        return false;
    if ((v = toml_table_get(root, "steward"))) {
        if (!parse_steward(c, v, &c->out->pub.steward))
            return false;
        c->out->pub.has_steward = true;
    }
    if ((v = toml_table_get(root, "tls")) && !check_tls(c, v))
        return false;
    /* Like upstream: a config without `files` gives the workload no files.
     * Only the absence of any config means stdin, stdout and stderr. */
    if ((v = toml_table_get(root, "files")) && !check_files(c, v))
        return false;
    return true;
}

enarx_config *enarx_config_parse(const char *text, size_t size, const char *filename,
                                 enarx_config_error *err)
{
    enarx_config_error scratch = {0};
    checker c = {.filename = filename ? filename : "Enarx.toml", .err = err ? err : &scratch};
    memset(c.err, 0, sizeof *c.err);
    if (size > ENARX_CONFIG_MAX_SIZE) {
        fail_at(&c, 0, 0, "%zu bytes; an Enarx.toml may have at most %d", size, ENARX_CONFIG_MAX_SIZE);
        return NULL;
    }
    toml_error terr;
    toml_value *root = toml_parse(text, size, &terr);
    if (!root) {
        fail_at(&c, terr.line, terr.column, "%s", terr.message);
        return NULL;
    }
    c.out = calloc(1, sizeof *c.out);
    if (!c.out) {
        toml_free(root);
        fail_oom(&c);
        return NULL;
    }
    bool ok = check_root(&c, root);
    toml_free(root);
    if (!ok) {
        enarx_config_free(&c.out->pub);
        return NULL;
    }
    return &c.out->pub;
}

enarx_config *enarx_config_read_file(const char *path, enarx_config_error *err)
{
    enarx_config_error scratch = {0};
    checker c = {.filename = path, .err = err ? err : &scratch};
    memset(c.err, 0, sizeof *c.err);
    char why[256];
    file_contents text;
    file_status s = file_read_all(path, ENARX_CONFIG_MAX_SIZE, 0, &text, why, sizeof why);
    if (s == FILE_TOO_LARGE) {
        fail_at(&c, 0, 0, "larger than %d bytes, the limit for an Enarx.toml", ENARX_CONFIG_MAX_SIZE);
        return NULL;
    }
    if (s != FILE_OK) {
        fail_at(&c, 0, 0, "%s", why);
        return NULL;
    }
    enarx_config *config = enarx_config_parse((const char *)text.data, text.size, path, c.err);
    file_contents_free(&text);
    return config;
}

enarx_config *enarx_config_default(void)
{
    owned_config *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    enarx_file *files = arena_alloc(o, 3 * sizeof *files);
    if (!files) {
        enarx_config_free(&o->pub);
        return NULL;
    }
    for (int i = 0; i < 3; i++) {
        files[i].kind = (enarx_file_kind)(ENARX_FILE_STDIN + i);
        files[i].name = enarx_file_kind_name(files[i].kind);
    }
    o->pub.files = files;
    o->pub.file_count = 3;
    return &o->pub;
}

/* ---------------------------------------------------------------------------
 * Helpers for the runtime. */

size_t enarx_config_fd_count_value(const enarx_config *config, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%zu", config->file_count);
    return n < 0 ? 0 : (size_t)n;
}

static void put_char(char *buf, size_t size, size_t *total, char ch)
{
    if (*total + 1 < size)
        buf[*total] = ch;
    (*total)++;
}

size_t enarx_config_fd_names_value(const enarx_config *config, char *buf, size_t size)
{
    size_t total = 0;
    for (size_t i = 0; i < config->file_count; i++) {
        if (i)
            put_char(buf, size, &total, ':');
        for (const char *s = config->files[i].name; *s; s++)
            put_char(buf, size, &total, *s);
    }
    if (size)
        buf[total < size ? total : size - 1] = '\0';
    return total;
}

const enarx_trust_anchor *enarx_config_trust_anchors(const enarx_config *config,
                                                     const enarx_file *file, size_t *count)
{
    if (file->kind != ENARX_FILE_CONNECT || file->prot != ENARX_PROT_TLS) {
        *count = 0;
        return NULL;
    }
    if (file->ca_count) {
        *count = file->ca_count;
        return file->ca;
    }
    *count = config->tls_ca_count;
    return config->tls_ca;
}

bool enarx_config_resolve_path(const char *config_path, const char *path, char *out, size_t size)
{
    size_t dir_len = 0;
    if (path[0] != '/' && config_path) {
        const char *slash = strrchr(config_path, '/');
        if (slash)
            dir_len = (size_t)(slash - config_path) + 1;
    }
    size_t len = strlen(path);
    if (dir_len + len + 1 > size || dir_len + len + 1 < len)
        return false;
    if (dir_len)
        memcpy(out, config_path, dir_len);
    memcpy(out + dir_len, path, len + 1);
    return true;
}
