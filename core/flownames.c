#include "flownames.h"

#include <stdlib.h>
#include <string.h>

void ns_flownames_init(struct ns_flownames *t)
{
    memset(t, 0, sizeof *t);
}

static void slot_clear(struct ns_flownames_rec **slot)
{
    if (*slot != NULL) {
        free((*slot)->dns);
        free((*slot)->sni);
        free(*slot);
        *slot = NULL;
    }
}

void ns_flownames_fini(struct ns_flownames *t)
{
    for (uint32_t i = 0; i < t->cap; i++)
        slot_clear(&t->slot[i]);
    free(t->slot);
    t->slot = NULL;
    t->cap = 0;     /* the counters stay readable */
}

/* The record of entry for flow_id, replacing one of an older flow; NULL without memory. */
static struct ns_flownames_rec *slot_for(struct ns_flownames *t, uint32_t entry, uint64_t flow_id)
{
    if (entry >= t->cap) {
        uint32_t ncap = t->cap ? t->cap : 1024;
        while (ncap <= entry)
            ncap *= 2;
        struct ns_flownames_rec **ns = realloc(t->slot, (size_t)ncap * sizeof *ns);
        if (ns == NULL)
            return NULL;
        memset(ns + t->cap, 0, (size_t)(ncap - t->cap) * sizeof *ns);
        t->slot = ns;
        t->cap = ncap;
    }
    struct ns_flownames_rec **slot = &t->slot[entry];
    if (*slot != NULL && (*slot)->flow_id != flow_id)
        slot_clear(slot);
    if (*slot == NULL) {
        *slot = calloc(1, sizeof **slot);
        if (*slot == NULL)
            return NULL;
        (*slot)->flow_id = flow_id;
    }
    return *slot;
}

/* Whether list (names separated by ',') holds name. */
static int listed(const char *list, size_t list_len, const char *name, size_t len)
{
    size_t i = 0;
    while (i < list_len) {
        size_t j = i;
        while (j < list_len && list[j] != ',')
            j++;
        if (j - i == len && memcmp(list + i, name, len) == 0)
            return 1;
        i = j + 1;
    }
    return 0;
}

void ns_flownames_add(struct ns_flownames *t, uint32_t entry, uint64_t flow_id, int dns,
                      const char *name, size_t len)
{
    if (flow_id == 0 || len == 0)
        return;
    if (len > NS_FLOWNAMES_MAX_LEN)
        len = NS_FLOWNAMES_MAX_LEN;
    struct ns_flownames_rec *s = slot_for(t, entry, flow_id);
    if (s == NULL) {
        t->dropped++;
        return;
    }
    if (!dns) {
        if (s->sni != NULL)
            return;
        s->sni = malloc(len + 1);
        if (s->sni == NULL) {
            t->dropped++;
            return;
        }
        memcpy(s->sni, name, len);
        s->sni[len] = '\0';
        return;
    }
    if (s->dns != NULL && listed(s->dns, s->dns_len, name, len))
        return;
    if (s->ndns >= NS_FLOWNAMES_MAX_DNS) {
        t->dropped++;
        return;
    }
    size_t need = (size_t)s->dns_len + (s->ndns ? 1 : 0) + len + 1;
    if (need > s->dns_cap) {
        size_t ncap = need < 64 ? 64 : need * 2;
        char *nd = realloc(s->dns, ncap);
        if (nd == NULL) {
            t->dropped++;
            return;
        }
        s->dns = nd;
        s->dns_cap = (uint16_t)ncap;
    }
    if (s->ndns)
        s->dns[s->dns_len++] = ',';
    memcpy(s->dns + s->dns_len, name, len);
    s->dns_len = (uint16_t)(s->dns_len + len);
    s->dns[s->dns_len] = '\0';
    s->ndns++;
}

void ns_flownames_get(const struct ns_flownames *t, uint32_t entry, uint64_t flow_id,
                      const char **dns, const char **sni)
{
    *dns = *sni = NULL;
    if (entry >= t->cap || t->slot[entry] == NULL || t->slot[entry]->flow_id != flow_id)
        return;
    *dns = t->slot[entry]->dns;
    *sni = t->slot[entry]->sni;
}

void ns_flownames_release(struct ns_flownames *t, uint32_t entry, uint64_t flow_id)
{
    if (entry < t->cap && t->slot[entry] != NULL && t->slot[entry]->flow_id == flow_id)
        slot_clear(&t->slot[entry]);
}
