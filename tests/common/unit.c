/* Unit tests for src/common: the UTF-8 validator (table 3-7 edge cases, then
 * every sequence of up to three bytes and a slice of the four-byte ones
 * against a reference built from the definition) and the safe file reader
 * (regular files, limits, FIFOs with and without a writer, directories,
 * devices, pipes). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "common/file.h"
#include "common/utf8.h"
#include "utf8_reference.h"

/* ---- UTF-8 ---- */

#define VALID(...) CHECK(utf8_valid((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})))
#define INVALID(...) CHECK(!utf8_valid((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})))

static void test_utf8_edges(void)
{
    CHECK(utf8_valid((const uint8_t *)"", 0));
    CHECK(utf8_valid((const uint8_t *)"plain ASCII\n", 12));
    VALID(0x00);
    VALID(0x7F);
    VALID(0xC2, 0x80);             /* U+0080, the first two-byte code point */
    VALID(0xDF, 0xBF);             /* U+07FF */
    VALID(0xE0, 0xA0, 0x80);       /* U+0800 */
    VALID(0xED, 0x9F, 0xBF);       /* U+D7FF, just below the surrogates */
    VALID(0xEE, 0x80, 0x80);       /* U+E000, just above them */
    VALID(0xEF, 0xBF, 0xBF);       /* U+FFFF */
    VALID(0xF0, 0x90, 0x80, 0x80); /* U+10000 */
    VALID(0xF4, 0x8F, 0xBF, 0xBF); /* U+10FFFF, the last code point */
    VALID('a', 0xE2, 0x82, 0xAC, 'b', 0xF0, 0x9F, 0x98, 0x80);

    /* overlong forms */
    INVALID(0xC0, 0x80);             /* U+0000 in two bytes ("modified UTF-8") */
    INVALID(0xC0, 0xAF);             /* '/' in two bytes: the classic path trick */
    INVALID(0xC1, 0xBF);
    INVALID(0xE0, 0x80, 0xAF);       /* '/' in three bytes */
    INVALID(0xE0, 0x9F, 0xBF);       /* U+07FF in three bytes */
    INVALID(0xF0, 0x80, 0x80, 0xAF); /* '/' in four bytes */
    INVALID(0xF0, 0x8F, 0xBF, 0xBF); /* U+FFFF in four bytes */
    /* surrogates */
    INVALID(0xED, 0xA0, 0x80);       /* U+D800 */
    INVALID(0xED, 0xBF, 0xBF);       /* U+DFFF */
    INVALID(0xED, 0xA0, 0xBD, 0xED, 0xB2, 0xA9); /* a CESU-8 pair */
    /* beyond U+10FFFF */
    INVALID(0xF4, 0x90, 0x80, 0x80); /* U+110000 */
    INVALID(0xF5, 0x80, 0x80, 0x80);
    INVALID(0xF7, 0xBF, 0xBF, 0xBF);
    INVALID(0xF8, 0x88, 0x80, 0x80, 0x80); /* old five-byte form */
    INVALID(0xFE);
    INVALID(0xFF);
    /* stray, missing and cut-short continuation bytes */
    INVALID(0x80);
    INVALID(0xBF);
    INVALID('a', 0x80, 'b');
    INVALID(0xC2);
    INVALID(0xE2, 0x82);
    INVALID(0xF0, 0x9F, 0x98);
    INVALID(0xE2, 0x28, 0xA1);
    INVALID(0xC2, 0xC2, 0x80);
    INVALID(0xF0, 0x9F, 0x98, 0x7F);

    CHECK_EQ_INT(utf8_sequence_length((const uint8_t *)"a", 1), 1);
    CHECK_EQ_INT(utf8_sequence_length((const uint8_t *)"\xE2\x82\xAC!", 4), 3);
    CHECK_EQ_INT(utf8_sequence_length((const uint8_t *)"\xF4\x8F\xBF\xBF", 4), 4);
    CHECK_EQ_INT(utf8_sequence_length((const uint8_t *)"\xF4\x8F\xBF\xBF", 3), 0);
    CHECK_EQ_INT(utf8_sequence_length((const uint8_t *)"x", 0), 0);
}

static void test_utf8_against_reference(void)
{
    unsigned long mismatches = 0, whole = 0;
    uint8_t b[4] = {0};
    /* Every string of one to three bytes. */
    for (size_t n = 1; n <= 3; n++) {
        for (uint32_t v = 0; v < (1u << (8 * n)); v++) {
            for (size_t k = 0; k < n; k++)
                b[k] = (uint8_t)(v >> (8 * (n - 1 - k)));
            int ok = utf8_valid(b, n) == reference_valid(b, n) &&
                     utf8_sequence_length(b, n) == reference_sequence_length(b, n);
            whole += reference_sequence_length(b, n) == n;
            if (!ok && mismatches++ < 5)
                printf("     mismatch on %zu bytes %02X %02X %02X\n", n, b[0], b[1], b[2]);
        }
    }
    /* Four bytes: every lead and second byte, the boundary values after. */
    static const uint8_t tail[] = {0x00, 0x7F, 0x80, 0x81, 0xBE, 0xBF, 0xC0, 0xFF};
    for (unsigned lead = 0; lead < 256; lead++)
        for (unsigned second = 0; second < 256; second++)
            for (size_t t3 = 0; t3 < sizeof tail; t3++)
                for (size_t t4 = 0; t4 < sizeof tail; t4++) {
                    b[0] = (uint8_t)lead, b[1] = (uint8_t)second, b[2] = tail[t3], b[3] = tail[t4];
                    int ok = utf8_valid(b, 4) == reference_valid(b, 4) &&
                             utf8_sequence_length(b, 4) == reference_sequence_length(b, 4);
                    if (!ok && mismatches++ < 10)
                        printf("     mismatch on 4 bytes %02X %02X %02X %02X\n", b[0], b[1], b[2], b[3]);
                }
    CHECK_EQ_INT(mismatches, 0);
    /* Single sequences filling 1, 2, 3 bytes: 128 + 1920 + 61440 (63488
     * three-byte forms minus 2048 surrogates). */
    CHECK_EQ_INT(whole, 128 + 1920 + 61440);
    /* Every code point's encoding is accepted. */
    unsigned long refused = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        uint8_t e[4];
        size_t n = reference_encode(cp, e);
        refused += utf8_sequence_length(e, n) != n;
    }
    CHECK_EQ_INT(refused, 0);
}

/* ---- files ---- */

static char dir[] = "/tmp/common-unit-XXXXXX";

static const char *in_dir(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void write_text(const char *name, const char *text, size_t len)
{
    FILE *f = fopen(in_dir(name), "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(text, 1, len, f) == len);
        fclose(f);
    }
}

static void test_read_regular(void)
{
    char why[256] = "";
    file_contents fc;
    write_text("five", "hello", 5);
    CHECK_EQ_INT(file_read_all(in_dir("five"), 5, 0, &fc, why, sizeof why), FILE_OK);
    CHECK_EQ_INT(fc.size, 5);
    CHECK(fc.data && memcmp(fc.data, "hello", 6) == 0); /* NUL after the end */
    CHECK(!fc.is_pipe);
    file_contents_free(&fc);
    CHECK(fc.data == NULL);

    CHECK_EQ_INT(file_read_all(in_dir("five"), 4, 0, &fc, why, sizeof why), FILE_TOO_LARGE);
    CHECK_EQ_STR(why, "is 5 bytes; the limit is 4");
    CHECK(fc.data == NULL);

    write_text("empty", "", 0);
    CHECK_EQ_INT(file_read_all(in_dir("empty"), 10, 0, &fc, why, sizeof why), FILE_OK);
    CHECK(fc.size == 0 && fc.data && fc.data[0] == 0);
    file_contents_free(&fc);

    CHECK_EQ_INT(file_read_all(in_dir("missing"), 10, 0, &fc, why, sizeof why), FILE_CANNOT_OPEN);
    CHECK_EQ_STR(why, "cannot open: No such file or directory");

    /* st_size 0 but bytes inside: read to the end all the same */
    CHECK_EQ_INT(file_read_all("/proc/self/stat", 1 << 16, 0, &fc, why, sizeof why), FILE_OK);
    CHECK(fc.size > 0);
    file_contents_free(&fc);
    CHECK_EQ_INT(file_read_all("/proc/self/stat", 3, 0, &fc, why, sizeof why), FILE_TOO_LARGE);
    CHECK_EQ_STR(why, "holds more than 3 bytes, the limit");

    int fd = -1;
    uint64_t size = 0;
    CHECK_EQ_INT(file_open_regular(in_dir("five"), &fd, &size, why, sizeof why), FILE_OK);
    CHECK_EQ_INT(size, 5);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
    if (fd >= 0)
        close(fd);
}

static void test_refuse_other_types(void)
{
    char why[256] = "";
    file_contents fc;
    int fd = -1;
    uint64_t size;
    /* A FIFO nobody writes to: refused at once, never waited on. */
    CHECK(mkfifo(in_dir("fifo"), 0600) == 0);
    CHECK_EQ_INT(file_read_all(in_dir("fifo"), 100, 0, &fc, why, sizeof why), FILE_WRONG_TYPE);
    CHECK_EQ_STR(why, "is a FIFO, not a regular file");
    CHECK_EQ_INT(file_open_regular(in_dir("fifo"), &fd, &size, why, sizeof why), FILE_WRONG_TYPE);
    CHECK_EQ_STR(why, "is a FIFO, not a regular file");
    /* Where pipes are welcome, one without a writer reads as empty. */
    CHECK_EQ_INT(file_read_all(in_dir("fifo"), 100, FILE_ACCEPT_PIPE, &fc, why, sizeof why), FILE_OK);
    CHECK(fc.size == 0 && fc.is_pipe);
    file_contents_free(&fc);

    CHECK_EQ_INT(file_read_all(dir, 100, 0, &fc, why, sizeof why), FILE_WRONG_TYPE);
    CHECK_EQ_STR(why, "is a directory, not a regular file");
    CHECK_EQ_INT(file_read_all(dir, 100, FILE_ACCEPT_PIPE, &fc, why, sizeof why), FILE_WRONG_TYPE);
    CHECK_EQ_STR(why, "is a directory, not a regular file or a pipe");
    CHECK_EQ_INT(file_read_all("/dev/zero", 100, 0, &fc, why, sizeof why), FILE_WRONG_TYPE);
    CHECK_EQ_STR(why, "is a character device, not a regular file");
    CHECK_EQ_INT(file_open_regular("/dev/null", &fd, &size, why, sizeof why), FILE_WRONG_TYPE);
    CHECK_EQ_STR(file_type_name(S_IFSOCK), "a socket");
    CHECK_EQ_STR(file_type_name(S_IFBLK), "a block device");
}

/* A pipe with a writer: read to its end, growing past the first chunk, and
 * cut at the limit. */
static void test_read_pipe(size_t bytes, size_t limit, file_status want)
{
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        char block[4096];
        memset(block, 'x', sizeof block);
        for (size_t left = bytes; left > 0;) {
            size_t n = left < sizeof block ? left : sizeof block;
            if (write(p[1], block, n) != (ssize_t)n)
                _exit(0); /* the reader stopped at its limit */
            left -= n;
        }
        _exit(0);
    }
    close(p[1]);
    char path[64], why[256] = "";
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    file_contents fc;
    file_status got = file_read_all(path, limit, FILE_ACCEPT_PIPE, &fc, why, sizeof why);
    CHECK_EQ_INT(got, want);
    if (want == FILE_OK) {
        CHECK_EQ_INT(fc.size, bytes);
        CHECK(fc.is_pipe && fc.data && fc.data[bytes] == 0);
    }
    file_contents_free(&fc);
    close(p[0]);
    waitpid(pid, NULL, 0);
}

int main(void)
{
    alarm(60); /* a read that waits (the bug these tests are for) fails, not hangs */
    test_utf8_edges();
    test_utf8_against_reference();
    if (!mkdtemp(dir)) {
        printf("FAIL mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    test_read_regular();
    test_refuse_other_types();
    test_read_pipe(3, 10, FILE_OK);
    test_read_pipe(300000, 1 << 20, FILE_OK);
    test_read_pipe(300000, 300000, FILE_OK);
    test_read_pipe(300001, 300000, FILE_TOO_LARGE);
    unlink(in_dir("five"));
    unlink(in_dir("empty"));
    unlink(in_dir("fifo"));
    rmdir(dir);
    return check_summary();
}
