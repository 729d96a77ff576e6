/* The lookahead's peek (core/peek.h) on hostile bytes: one Ethernet frame per input. Beyond
 * memory safety it checks the peek's promise: a key it claims is the key of the flow the
 * engine then uses for the frame's first transport header (and with VLAN ids in the key
 * too, which the first byte of the input chooses). */
#include <stdint.h>
#include <stdlib.h>

#include "core/engine.h"
#include "core/peek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* one engine per key mode for the whole run (an engine per input spends the time on
     * setting up tables): flows pile up and get evicted, which the check must survive */
    static struct ns_engine engines[2];
    static bool ready[2];
    struct ns_err err;
    if (size < 1)
        return 0;
    bool vlan_in_key = data[0] & 1;
    struct ns_engine *e = &engines[vlan_in_key];
    struct ns_rec rec = { .kind = NS_REC_PACKET, .has_ts = true, .linktype = 1,
                          .interface_id = -1, .caplen = (uint32_t)(size - 1),
                          .wirelen = (uint32_t)(size - 1), .data = data + 1, .number = 1 };
    if (!ready[vlan_in_key]) {
        struct ns_engine_cfg cfg = { .max_flows = 64, .reasm_datagrams = 4,
                                     .reasm_bytes = 1u << 16, .vlan_in_key = vlan_in_key };
        if (ns_engine_init(e, &cfg, &err) != NS_STATUS_OK)
            abort();
        ready[vlan_in_key] = true;
    }
    struct ns_flow_key k;
    bool claimed = ns_peek_flow_key(&rec, vlan_in_key, &k);
    struct ns_engine_ahead a;
    if (ns_engine_prefetch_key(e, &rec, &a) != claimed)
        abort();
    ns_engine_prefetch_flow(e, &a);
    const struct ns_frame *f = ns_engine_feed(e, &rec);
    if (claimed) {
        unsigned i = 0;
        while (i < f->pkt->nlayers && f->pkt->layer[i].proto != NS_PROTO_TCP &&
               f->pkt->layer[i].proto != NS_PROTO_UDP)
            i++;
        if (i == f->pkt->nlayers || (f->pkt->layer[i].proto == NS_PROTO_TCP ? 6 : 17) != k.proto)
            abort();
        const struct ns_flow *fl = ns_flow_table_find(&e->track.flows, &k);
        if (fl == NULL || fl->hash != a.hash || fl->stream != f->track->stream[i])
            abort();
    }
    return 0;
}
