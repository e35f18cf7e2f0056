/* A lying host, for tests only; see hostile_host.h. */
#include "hostile_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sp_hostile active;

void sp_hostile_set(const struct sp_hostile *hs)
{
    if (hs)
        active = *hs;
    else
        memset(&active, 0, sizeof active);
}

const struct sp_hostile *sp_hostile_state(void)
{
    return &active;
}

/* Damages call i's reply if it is the one the spec names. */
static void hostile_apply(struct sp_host *h, volatile struct sp_header *hdr, uint32_t i,
                          const struct sp_call *c)
{
    struct sp_hostile *hs = &active;
    if (hs->target == SP_HOSTILE_OFF || hs->fired || (hs->nr && hs->nr != c->nr))
        return;
    if (++hs->seen < (hs->nth ? hs->nth : 1))
        return;
    hs->fired = 1;
    switch (hs->target) {
    case SP_HOSTILE_RET: {
        int64_t v = hdr->call[i].ret;
        hdr->call[i].ret = hs->op == SP_HOSTILE_ADD ? v + hs->value : hs->value;
        break;
    }
    case SP_HOSTILE_RSP_SEQ: /* applied when the batch is completed, below */
        hs->fired = 2;
        break;
    case SP_HOSTILE_DATA: {
        if (hs->arg >= 6 || hs->offset > h->data_size || c->arg[hs->arg] > h->data_size)
            break;
        uint8_t *p = sp_host_data(h, c->arg[hs->arg] + hs->offset, hs->width);
        if (!p)
            break;
        uint64_t v = 0;
        memcpy(&v, p, hs->width);
        v = hs->op == SP_HOSTILE_ADD ? v + (uint64_t)hs->value : (uint64_t)hs->value;
        memcpy(p, &v, hs->width);
        break;
    }
    default:
        break;
    }
}

static uint64_t call_by_name(const char *name)
{
#define SP_BY_NAME(name_, nr, text, group) \
    if (strcmp(name, text) == 0)           \
        return nr;
    SP_CALLS(SP_BY_NAME)
#undef SP_BY_NAME
    return 0;
}

int sp_hostile_parse(struct sp_hostile *hs, const char *spec, char *err, int errlen)
{
    char buf[128], *save = NULL;
    memset(hs, 0, sizeof *hs);
    size_t len = strlen(spec);
    if (len >= sizeof buf) {
        snprintf(err, (size_t)errlen, "hostile spec too long: %s", spec);
        return -1;
    }
    memcpy(buf, spec, len + 1);
    char *call = strtok_r(buf, ":", &save), *target = strtok_r(NULL, ":", &save);
    char *op = strtok_r(NULL, ":", &save), *value = strtok_r(NULL, ":", &save);
    if (!call || !target) {
        snprintf(err, (size_t)errlen, "hostile spec '%s': expected CALL[#N]:TARGET[:set|add:VALUE]", spec);
        return -1;
    }
    char *hash = strchr(call, '#');
    if (hash) {
        *hash = 0;
        hs->nth = (uint32_t)strtoul(hash + 1, NULL, 10);
    }
    if (strcmp(call, "any") != 0 && !(hs->nr = call_by_name(call))) {
        snprintf(err, (size_t)errlen, "hostile spec '%s': unknown call '%s'", spec, call);
        return -1;
    }
    unsigned arg, width = 8;
    unsigned long long off = 0;
    if (strcmp(target, "ret") == 0) {
        hs->target = SP_HOSTILE_RET;
    } else if (strcmp(target, "rsp_seq") == 0) {
        hs->target = SP_HOSTILE_RSP_SEQ;
    } else if (sscanf(target, "arg%u+%llu/%u", &arg, &off, &width) == 3 ||
               sscanf(target, "arg%u/%u", &arg, &width) == 2) {
        if (arg > 5 || (width != 1 && width != 2 && width != 4 && width != 8)) {
            snprintf(err, (size_t)errlen, "hostile spec '%s': bad data target", spec);
            return -1;
        }
        hs->target = SP_HOSTILE_DATA;
        hs->arg = arg;
        hs->offset = off;
        hs->width = width;
    } else {
        snprintf(err, (size_t)errlen, "hostile spec '%s': unknown target '%s'", spec, target);
        return -1;
    }
    hs->op = SP_HOSTILE_ADD;
    hs->value = 1;
    if (op) {
        if (strcmp(op, "set") == 0)
            hs->op = SP_HOSTILE_SET;
        else if (strcmp(op, "add") != 0) {
            snprintf(err, (size_t)errlen, "hostile spec '%s': op must be set or add", spec);
            return -1;
        }
        if (!value) {
            snprintf(err, (size_t)errlen, "hostile spec '%s': missing value", spec);
            return -1;
        }
        hs->value = strtoll(value, NULL, 0);
    }
    return 0;
}

int __wrap_sp_host_run_batch(struct sp_host *h, uint8_t *block, uint64_t data_size)
{
    volatile struct sp_header *hdr = (volatile struct sp_header *)(void *)block;
    struct sp_batch batch;
    int r = sp_host_execute(h, block, data_size, &batch);
    if (r < 0)
        return r;
    for (uint32_t i = 0; i < batch.ran; i++) {
        struct sp_call c;
        memcpy(&c, (const void *)&hdr->call[i], sizeof c);
        hostile_apply(h, hdr, i, &c);
    }
    uint64_t seq = batch.seq;
    if (active.fired == 2) {
        seq += (uint64_t)active.value;
        active.fired = 1;
    }
    sp_host_complete(block, seq);
    return r;
}

/* In the test build of enarx: the spec comes from ENARX_SALLYPORT_HOSTILE,
 * read before main. A spec that does not parse stops the program. */
__attribute__((constructor)) static void hostile_from_environment(void)
{
    const char *spec = getenv("ENARX_SALLYPORT_HOSTILE");
    if (!spec || !*spec)
        return;
    struct sp_hostile hs;
    char err[200];
    if (sp_hostile_parse(&hs, spec, err, sizeof err) != 0) {
        fprintf(stderr, "enarx (hostile test build): ENARX_SALLYPORT_HOSTILE: %s\n", err);
        exit(2);
    }
    sp_hostile_set(&hs);
}
