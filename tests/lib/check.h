/* Minimal unit-test support shared by every module's unit tests.
 *
 *   CHECK(cond)              records a pass or a failure (with file:line)
 *   CHECK_EQ_INT(a, b)       compares integers, printing both on failure
 *   CHECK_EQ_STR(a, b)       compares C strings
 *   return check_summary();  prints "N passed, N failed" and gives the exit status
 *
 * Header-only so each test program is one file plus the module under test. */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned check_passed, check_failed;

static inline void check_record(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        printf("FAIL %s:%d: %s\n", file, line, what);
    }
}

#define CHECK(cond) check_record(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_EQ_INT(a, b)                                                          \
    do {                                                                            \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);             \
        if (check_a_ != check_b_)                                                   \
            printf("     %s = %lld, %s = %lld\n", #a, check_a_, #b, check_b_);      \
        check_record(check_a_ == check_b_, __FILE__, __LINE__, #a " == " #b);       \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                          \
    do {                                                                            \
        const char *check_a_ = (a), *check_b_ = (b);                                \
        int check_ok_ = check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0;    \
        if (!check_ok_)                                                             \
            printf("     %s = \"%s\", %s = \"%s\"\n", #a, check_a_ ? check_a_ : "(null)", \
                   #b, check_b_ ? check_b_ : "(null)");                             \
        check_record(check_ok_, __FILE__, __LINE__, #a " == " #b);                  \
    } while (0)

static inline int check_summary(void)
{
    printf("%u passed, %u failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
