/* A CoreMark-like mix (own code, not CoreMark): linked-list manipulation,
 * integer matrix work, a character state machine and a CRC, iterated. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct node { struct node *next; int32_t key, val; } node;

static uint16_t crc16(uint16_t crc, uint32_t v)
{
    for (int i = 0; i < 32; i++) {
        uint16_t bit = (uint16_t)((crc ^ v) & 1);
        crc >>= 1;
        v >>= 1;
        if (bit) crc ^= 0xa001;
    }
    return crc;
}

static node *reverse(node *l)
{
    node *r = NULL;
    while (l) { node *n = l->next; l->next = r; r = l; l = n; }
    return r;
}

static node *sort_list(node *l)
{   /* merge sort by key */
    if (!l || !l->next) return l;
    node *slow = l, *fast = l->next;
    while (fast && fast->next) { slow = slow->next; fast = fast->next->next; }
    node *b = slow->next; slow->next = NULL;
    node *a = sort_list(l); b = sort_list(b);
    node head, *t = &head;
    while (a && b) { if (a->key <= b->key) { t->next = a; a = a->next; } else { t->next = b; b = b->next; } t = t->next; }
    t->next = a ? a : b;
    return head.next;
}

static int32_t matrix(int n, int32_t *A, int32_t *B, int32_t *C, int32_t k)
{
    for (int i = 0; i < n * n; i++) A[i] += k;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int32_t s = 0;
            for (int x = 0; x < n; x++) s += A[i * n + x] * B[x * n + j];
            C[i * n + j] = s;
        }
    int32_t acc = 0;
    for (int i = 0; i < n * n; i++) acc ^= C[i] >> (i & 7);
    return acc;
}

static int state_machine(const char *s, int *counts)
{
    enum { START, INT, FLOAT, EXP, BAD } st = START;
    int transitions = 0;
    for (; *s; s++) {
        char c = *s;
        if (c == ',') { counts[st]++; st = START; transitions++; continue; }
        switch (st) {
        case START: st = (c >= '0' && c <= '9') ? INT : (c == '.') ? FLOAT : BAD; break;
        case INT: if (c == '.') st = FLOAT; else if (c == 'e') st = EXP; else if (c < '0' || c > '9') st = BAD; break;
        case FLOAT: if (c == 'e') st = EXP; else if (c < '0' || c > '9') st = BAD; break;
        case EXP: if (c < '0' || c > '9') st = BAD; break;
        case BAD: break;
        }
        transitions++;
    }
    return transitions;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 2000;
    enum { N = 400, M = 24 };
    node *nodes = malloc(N * sizeof *nodes), *list = NULL;
    int32_t *A = malloc(M * M * 4), *B = malloc(M * M * 4), *C = malloc(M * M * 4);
    for (int i = 0; i < M * M; i++) { A[i] = i % 13 - 6; B[i] = i % 7 - 3; }
    uint32_t seed = 7;
    for (int i = 0; i < N; i++) {
        seed = seed * 1664525u + 1013904223u;
        nodes[i].key = (int32_t)(seed >> 20); nodes[i].val = i; nodes[i].next = list; list = &nodes[i];
    }
    const char *text = "123,4.5e6,.75,abc,1e9,77,3.14159,x1,0.5,99999,2e,..,12e3";
    uint16_t crc = 0;
    int counts[5] = {0};
    for (int it = 0; it < iters; it++) {
        list = sort_list(list);
        crc = crc16(crc, (uint32_t)list->key);
        list = reverse(list);
        for (node *p = list; p; p = p->next) p->key ^= (p->val * 31 + it) & 0xff;
        crc = crc16(crc, (uint32_t)matrix(M, A, B, C, it & 3));
        crc = crc16(crc, (uint32_t)state_machine(text, counts));
    }
    printf("crc %04x counts %d %d %d %d %d\n", crc, counts[0], counts[1], counts[2], counts[3], counts[4]);
    return 0;
}
