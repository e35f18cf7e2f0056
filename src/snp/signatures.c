/* The signatures file of `enarx sign` and `enarx run --signatures`, in
 * upstream Enarx's shape: JSON {"version": "...", "sev": {"id_block": [96
 * bytes], "id_auth": [4096 bytes]}} (byte arrays as lists of numbers). An
 * "sgx" member is ignored here. The file is the operator's input: every
 * member is checked before use. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "abi/version.h"
#include "common/file.h"
#include "snp/snp.h"

static int bytes(json_t *arr, uint8_t *out, size_t len, const char *name, char *err, size_t errlen)
{
    if (!json_is_array(arr) || json_array_size(arr) != len) {
        snprintf(err, errlen, "sev.%s must be a list of %zu bytes", name, len);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255) {
            snprintf(err, errlen, "sev.%s[%zu] is not a byte (0..255)", name, i);
            return -1;
        }
        out[i] = (uint8_t)json_integer_value(v);
    }
    return 0;
}

int snp_signatures_parse(const uint8_t *text, size_t len, uint8_t id_block[SNP_ID_BLOCK_SIZE],
                         uint8_t id_auth[SNP_ID_AUTH_SIZE], int *author_key_en, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "not JSON (%s at line %d)", je.text, je.line);
        return -1;
    }
    int rc = -1;
    const char *version = json_string_value(json_object_get(root, "version"));
    json_t *sev = json_object_get(root, "sev");
    if (!json_is_object(root))
        snprintf(err, errlen, "not a JSON object");
    else if (!version)
        snprintf(err, errlen, "no \"version\"");
    else if (strcmp(version, ENARX_VERSION) != 0)
        snprintf(err, errlen, "made by enarx %s, this is enarx %s: sign again", version, ENARX_VERSION);
    else if (!json_is_object(sev))
        snprintf(err, errlen, "no \"sev\" signature (`enarx sign --sev-id-key ...`)");
    else if (bytes(json_object_get(sev, "id_block"), id_block, SNP_ID_BLOCK_SIZE, "id_block", err, errlen) == 0 &&
             bytes(json_object_get(sev, "id_auth"), id_auth, SNP_ID_AUTH_SIZE, "id_auth", err, errlen) == 0) {
        uint32_t algo;
        memcpy(&algo, id_auth + SNP_ID_AUTH_AUTH_KEY_ALGO, 4);
        *author_key_en = algo != 0;
        rc = 0;
    }
    json_decref(root);
    return rc;
}

int snp_signatures_read(const char *path, uint8_t id_block[SNP_ID_BLOCK_SIZE], uint8_t id_auth[SNP_ID_AUTH_SIZE],
                        int *author_key_en, char *err, size_t errlen)
{
    file_contents f;
    char why[256];
    if (file_read_all(path, 1u << 20, FILE_ACCEPT_PIPE, &f, why, sizeof why) != FILE_OK) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    char inner[400];
    int rc = snp_signatures_parse(f.data, f.size, id_block, id_auth, author_key_en, inner, sizeof inner);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, inner);
    file_contents_free(&f);
    return rc;
}

static json_t *byte_list(const uint8_t *p, size_t len)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < len; i++)
        json_array_append_new(a, json_integer(p[i]));
    return a;
}

char *snp_signatures_json(const uint8_t id_block[SNP_ID_BLOCK_SIZE], const uint8_t id_auth[SNP_ID_AUTH_SIZE])
{
    json_t *root = json_pack("{s:s, s:{s:o, s:o}}", "version", ENARX_VERSION, "sev", "id_block",
                             byte_list(id_block, SNP_ID_BLOCK_SIZE), "id_auth", byte_list(id_auth, SNP_ID_AUTH_SIZE));
    char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return s;
}
