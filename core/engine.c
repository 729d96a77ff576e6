#include "engine.h"

#include "../dissectors/dissect.h"

enum ns_status ns_engine_init(struct ns_engine *e, const struct ns_engine_cfg *cfg, struct ns_err *err)
{
    e->have_first = false;
    e->first_ts_ns = 0;
    e->stats = (struct ns_engine_stats){0};
    e->frame = (struct ns_frame){0};
    ns_pkt_reset(&e->pkt);
    struct ns_track_cfg tc = {
        .max_flows = cfg->max_flows ? cfg->max_flows : NS_ENGINE_DEFAULT_MAX_FLOWS,
        .idle_ns = cfg->idle_ns,
        .vlan_in_key = cfg->vlan_in_key,
        .on_end = cfg->on_flow_end,
        .arg = cfg->arg,
    };
    /* tshark reassembles datagrams of any length IP allows with fragment offsets
     * (NS_REASM_MAX_LEN), not only 65535: use its limit for parity. */
    struct ns_reasm_cfg rc = {
        .max_datagrams = cfg->reasm_datagrams ? cfg->reasm_datagrams : 4096,
        .max_bytes = cfg->reasm_bytes ? cfg->reasm_bytes : 64u << 20,
        .max_datagram_len = NS_REASM_MAX_LEN,
        .timeout_ns = cfg->reasm_timeout_ns,
    };
    enum ns_status s = ns_reasm_init(&e->reasm, &rc, err);
    if (s != NS_STATUS_OK)
        return s;
    s = ns_track_init(&e->track, &tc, err);
    if (s != NS_STATUS_OK)
        ns_reasm_fini(&e->reasm);
    return s;
}

void ns_engine_fini(struct ns_engine *e)
{
    ns_track_fini(&e->track);
    ns_reasm_fini(&e->reasm);
}

/* The fragment frame's IP layer: the last unquoted IPv4/IPv6 header. */
static const struct ns_layer *fragment_layer(const struct ns_pkt *pkt)
{
    for (int i = (int)pkt->nlayers - 1; i >= 0; i--) {
        const struct ns_layer *l = &pkt->layer[i];
        if ((l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && !(l->flags & NS_LAYER_QUOTED))
            return l;
    }
    return NULL;
}

/* tshark's pinfo->vlan_id: the first nonzero 802.1Q (not 802.1ad) tag, outermost first. */
static uint16_t first_vlan(const struct ns_pkt *pkt)
{
    for (unsigned i = 0; i < pkt->nlayers; i++)
        if (pkt->layer[i].proto == NS_PROTO_VLAN && pkt->layer[i].u.vlan.tpid == 0x8100 &&
            pkt->layer[i].u.vlan.id != 0)
            return pkt->layer[i].u.vlan.id;
    return 0;
}

/* Feeds a whole fragment to reassembly; when it completes its datagram, the transport
 * header and what follows are dissected from the datagram, in this frame, as tshark does. */
static void reassemble(struct ns_engine *e, const struct ns_rec *rec)
{
    struct ns_pkt *pkt = &e->pkt;
    const struct ns_layer *l = fragment_layer(pkt);
    if (l == NULL || (l->flags & NS_LAYER_CUT) || l->hdr_len == 0)
        return;
    const uint8_t *end = rec->data + rec->caplen;
    const uint8_t *data = l->hdr + l->hdr_len;
    if (data > end)
        return;
    struct ns_frag fr = { .ts_ns = rec->ts_ns, .data = data, .vlan = first_vlan(pkt) };
    uint8_t proto;
    if (l->proto == NS_PROTO_IPV4) {
        if (l->u.ipv4.total_len < l->hdr_len)
            return;
        fr.af = 4;
        fr.src = l->u.ipv4.src;
        fr.dst = l->u.ipv4.dst;
        fr.id = l->u.ipv4.id;
        fr.proto = proto = l->u.ipv4.proto;
        fr.offset = l->u.ipv4.frag_off;
        fr.more = l->u.ipv4.mf;
        fr.frag_len = (uint32_t)(l->u.ipv4.total_len - l->hdr_len);
    } else {
        if ((uint32_t)l->u.ipv6.plen + 40 < l->hdr_len)
            return;
        fr.af = 6;
        fr.src = l->u.ipv6.src;
        fr.dst = l->u.ipv6.dst;
        fr.id = l->u.ipv6.frag_id;
        fr.proto = proto = l->u.ipv6.proto;
        fr.offset = l->u.ipv6.frag_off;
        fr.more = l->u.ipv6.frag_m;
        fr.frag_len = (uint32_t)l->u.ipv6.plen + 40 - l->hdr_len;
    }
    size_t have = (size_t)(end - data);
    fr.len = have < fr.frag_len ? have : fr.frag_len;
    struct ns_reasm_out out;
    if (ns_reasm_add(&e->reasm, &fr, &out) != NS_REASM_DONE || out.data == NULL)
        return;
    pkt->flags |= NS_PKT_REASSEMBLED;
    pkt->next.kind = NS_NEXT_IPPROTO;
    pkt->next.val = proto;
    struct ns_cur c = ns_cur_make(out.data, out.len);
    (void)ns_dissect_next(&c, pkt);
}

const struct ns_frame *ns_engine_feed(struct ns_engine *e, const struct ns_rec *rec)
{
    /* tshark measures frame.time_relative from the first frame, whatever its time (it
     * may be later than the frames after it); a first frame with no time at all (a pcapng
     * custom or simple block) makes the reference 0, so later times print as absolute. */
    if (!e->have_first) {
        e->have_first = true;
        e->first_ts_ns = rec->has_ts ? rec->ts_ns : 0;
    }
    e->stats.frames++;
    e->frame.rec = rec;
    e->frame.rel_ns = rec->ts_ns - e->first_ts_ns;
    e->frame.pkt = &e->pkt;
    e->frame.track = NULL;
    if (rec->kind != NS_REC_PACKET) {
        ns_pkt_reset(&e->pkt);
        return &e->frame;
    }
    e->stats.packets++;
    e->stats.bytes += rec->wirelen;
    (void)ns_dissect_frame(rec->data, rec->caplen, rec->linktype, &e->pkt);
    if (e->pkt.flags & NS_PKT_FRAGMENT)
        reassemble(e, rec);
    if (e->pkt.malformed != NS_MALFORMED_NONE) {
        e->stats.malformed_frames++;
        e->stats.malformed[e->pkt.malformed]++;
    }
    ns_track_frame(&e->track, rec, &e->pkt, &e->track_out);
    if (e->track_out.resent_layer >= 0) {
        /* the application layers of a resent segment are not shown, as in tshark */
        unsigned keep = (unsigned)e->track_out.resent_layer + 1;
        while (e->pkt.nlayers > keep && (e->pkt.layer[e->pkt.nlayers - 1].proto == NS_PROTO_TLS ||
                                         e->pkt.layer[e->pkt.nlayers - 1].proto == NS_PROTO_DNS))
            e->pkt.nlayers--;
    }
    e->frame.track = &e->track_out;
    return &e->frame;
}
