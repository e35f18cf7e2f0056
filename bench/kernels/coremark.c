/* coremark: a CoreMark-like mix of the small-integer work embedded programs
 * do, repeated SIZE times. Each iteration:
 *   - linked list: search for values, reverse the list, merge-sort it by
 *     value and back by id through a comparison function pointer (indirect
 *     calls), and edit values in place;
 *   - matrix: 16-bit matrices multiplied into 32-bit ones, matrix-vector and
 *     matrix-constant products, and a branchy scan of the results;
 *   - state machine: classify the comma-separated tokens of a text (integer,
 *     decimal, scientific, invalid) one character at a time, after changing
 *     one character of the text;
 *   - CRC-16: every partial result is folded into a bitwise CRC.
 * (Written for this project; it follows CoreMark's recipe, not its code.) */
#include "kernel.h"

enum { LIST_NODES = 240, MAT = 18, TEXT_TOKENS = 64 };

/* ---- CRC-16 (reflected polynomial 0xA001), bit by bit -------------------------- */

static uint16_t crc_byte(uint16_t crc, uint8_t b)
{
    crc ^= b;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    return crc;
}

static uint16_t crc_u16(uint16_t crc, uint16_t v)
{
    return crc_byte(crc_byte(crc, (uint8_t)v), (uint8_t)(v >> 8));
}

static uint16_t crc_u32(uint16_t crc, uint32_t v)
{
    return crc_u16(crc_u16(crc, (uint16_t)v), (uint16_t)(v >> 16));
}

/* ---- linked list ------------------------------------------------------------------ */

typedef struct node {
    struct node *next;
    int16_t value;
    uint16_t id;
} node;

typedef int (*node_cmp)(const node *, const node *);

static int by_value(const node *a, const node *b)
{
    return a->value != b->value ? a->value - b->value : a->id - b->id;
}

static int by_id(const node *a, const node *b)
{
    return a->id - b->id;
}

static node *list_reverse(node *head)
{
    node *prev = NULL;
    while (head) {
        node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Position of the first node holding value, or -1. */
static int list_find(const node *head, int16_t value)
{
    for (int pos = 0; head; head = head->next, pos++)
        if (head->value == value)
            return pos;
    return -1;
}

static node *merge(node *a, node *b, node_cmp cmp)
{
    node first, *tail = &first;
    while (a && b) {
        if (cmp(a, b) <= 0)
            tail->next = a, a = a->next;
        else
            tail->next = b, b = b->next;
        tail = tail->next;
    }
    tail->next = a ? a : b;
    return first.next;
}

/* Top-down merge sort: split with a slow/fast walk, sort halves, merge. */
static node *list_sort(node *head, node_cmp cmp)
{
    if (!head || !head->next)
        return head;
    node *slow = head, *fast = head->next;
    while (fast && fast->next)
        slow = slow->next, fast = fast->next->next;
    node *second = slow->next;
    slow->next = NULL;
    return merge(list_sort(head, cmp), list_sort(second, cmp), cmp);
}

static uint16_t list_work(node **headp, uint64_t iter, uint16_t crc)
{
    node *head = *headp;
    for (int k = 0; k < 6; k++) {
        int16_t want = (int16_t)((iter * 7 + (uint64_t)k * 131) % 1024) - 512;
        crc = crc_u16(crc, (uint16_t)list_find(head, want));
    }
    head = list_reverse(head);
    head = list_sort(head, by_value);
    int n = 0;
    for (node *p = head; p; p = p->next, n++) {
        if (n < 24)
            crc = crc_u16(crc, (uint16_t)p->value);
        if ((p->id + iter) % 5 == 0) /* keep values in -512..511 */
            p->value = (int16_t)(((p->value + 512 + (int)(iter % 97)) & 1023) - 512);
    }
    head = list_sort(head, by_id);
    crc = crc_u16(crc, (uint16_t)head->value);
    *headp = head;
    return crc;
}

/* ---- matrices --------------------------------------------------------------------- */

typedef struct matrices {
    int16_t a[MAT][MAT], b[MAT][MAT];
    int32_t c[MAT][MAT];
    int32_t v[MAT];
} matrices;

/* Sums c in a branchy way, the way CoreMark's matrix test does. */
static int32_t scan(const int32_t c[MAT][MAT], int32_t limit)
{
    int32_t total = 0, ret = 0;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            total += c[i][j];
            if (total > limit) {
                ret += 10;
                total = 0;
            } else {
                ret += c[i][j] > 0 ? 1 : 0;
            }
        }
    return ret;
}

static uint16_t matrix_work(matrices *m, uint64_t iter, uint16_t crc)
{
    int16_t k = (int16_t)(iter & 0x3f);
    for (int i = 0; i < MAT; i++) /* c = a * b */
        for (int j = 0; j < MAT; j++) {
            int32_t s = 0;
            for (int t = 0; t < MAT; t++)
                s += (int32_t)m->a[i][t] * m->b[t][j];
            m->c[i][j] = s;
        }
    crc = crc_u16(crc, (uint16_t)scan(m->c, 1 << 20));
    for (int i = 0; i < MAT; i++) { /* v = a * column 0 of b */
        int32_t s = 0;
        for (int t = 0; t < MAT; t++)
            s += (int32_t)m->a[i][t] * m->b[t][0];
        m->v[i] = s;
    }
    for (int i = 0; i < MAT; i++) /* c = a * k, then bit-field extraction */
        for (int j = 0; j < MAT; j++)
            m->c[i][j] = (int32_t)((uint32_t)(m->a[i][j] * k) >> 2 & 0x0fff) + (m->v[i] & 7);
    crc = crc_u16(crc, (uint16_t)scan(m->c, 1 << 12));
    for (int i = 0; i < MAT; i++) /* a += k, kept small */
        for (int j = 0; j < MAT; j++)
            m->a[i][j] = (int16_t)(((m->a[i][j] + k) & 0x07ff) - 0x400);
    return crc_u32(crc, (uint32_t)m->v[iter % MAT]);
}

/* ---- state machine ---------------------------------------------------------------- */

enum state { S_START, S_SIGN, S_INT, S_POINT, S_FRACTION, S_EXP, S_EXP_SIGN, S_EXPONENT, S_INVALID, STATES };

static enum state step(enum state s, char ch)
{
    int digit = ch >= '0' && ch <= '9';
    switch (s) {
    case S_START:
        return digit ? S_INT : (ch == '-' || ch == '+') ? S_SIGN : ch == '.' ? S_POINT : S_INVALID;
    case S_SIGN:
        return digit ? S_INT : ch == '.' ? S_POINT : S_INVALID;
    case S_INT:
        return digit ? S_INT : ch == '.' ? S_POINT : (ch == 'e' || ch == 'E') ? S_EXP : S_INVALID;
    case S_POINT:
        return digit ? S_FRACTION : S_INVALID;
    case S_FRACTION:
        return digit ? S_FRACTION : (ch == 'e' || ch == 'E') ? S_EXP : S_INVALID;
    case S_EXP:
        return digit ? S_EXPONENT : (ch == '-' || ch == '+') ? S_EXP_SIGN : S_INVALID;
    case S_EXP_SIGN:
    case S_EXPONENT:
        return digit ? S_EXPONENT : S_INVALID;
    default:
        return S_INVALID;
    }
}

static uint16_t scan_text(const char *text, uint16_t crc)
{
    uint32_t finals[STATES] = {0}, transitions = 0;
    enum state s = S_START;
    for (const char *p = text;; p++) {
        if (*p == ',' || *p == 0) {
            finals[s]++;
            s = S_START;
            if (*p == 0)
                break;
            continue;
        }
        enum state next = step(s, *p);
        transitions += next != s;
        s = next;
    }
    for (int i = 0; i < STATES; i++)
        crc = crc_u32(crc, finals[i]);
    return crc_u32(crc, transitions);
}

static size_t make_text(char *text, size_t cap, uint64_t *seed)
{
    static const char *const shapes[] = {"%u", "-%u", "%u.%u", "+%u.%ue-%u", "%ue%u", "%u.%uE+%u", "%ux%u", ".%u"};
    size_t len = 0;
    for (int t = 0; t < TEXT_TOKENS; t++) {
        uint64_t r = rng_next(seed);
        unsigned x = (unsigned)(r >> 8) % 100000, y = (unsigned)(r >> 32) % 1000, z = (unsigned)(r >> 48) % 40;
        int n = snprintf(text + len, cap - len, shapes[r % 8], x, y, z);
        if (n < 0 || (size_t)n + 2 >= cap - len)
            break;
        len += (size_t)n;
        text[len++] = ',';
    }
    text[--len] = 0; /* drop the last comma */
    return len;
}

static uint16_t text_work(char *text, size_t len, uint64_t iter, uint16_t crc)
{
    static const char edits[] = "0123456789.e-+x";
    size_t pos = (size_t)(iter * 7) % len;
    char saved = text[pos];
    if (saved != ',')
        text[pos] = edits[iter % (sizeof edits - 1)];
    crc = scan_text(text, crc);
    text[pos] = saved;
    return crc;
}

int main(int argc, char **argv)
{
    uint64_t iterations = kernel_size(argc, argv, "coremark", 100, 100000000);
    uint64_t seed = 2024;
    static node pool[LIST_NODES];
    for (int i = 0; i < LIST_NODES; i++) {
        pool[i].id = (uint16_t)i;
        pool[i].value = (int16_t)(rng_next(&seed) % 1024) - 512;
        pool[i].next = i + 1 < LIST_NODES ? &pool[i + 1] : NULL;
    }
    node *head = &pool[0];
    static matrices m;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            m.a[i][j] = (int16_t)(rng_next(&seed) % 2048) - 1024;
            m.b[i][j] = (int16_t)(rng_next(&seed) % 256) - 128;
        }
    static char text[TEXT_TOKENS * 24];
    size_t len = make_text(text, sizeof text, &seed);

    uint16_t crc = 0;
    uint64_t sum = 0;
    for (uint64_t it = 0; it < iterations; it++) {
        crc = list_work(&head, it, crc);
        crc = matrix_work(&m, it, crc);
        crc = text_work(text, len, it, crc);
        sum = mix(sum, crc);
    }
    /* the list must still hold every node once, in id order */
    int n = 0;
    for (node *p = head; p; p = p->next, n++)
        if (p->id != n)
            kernel_fail("coremark", "the linked list lost its order");
    if (n != LIST_NODES)
        kernel_fail("coremark", "the linked list lost nodes");
    kernel_report("coremark", iterations, sum);
    return 0;
}
