/* core/community_id.c: Community ID v1, https://github.com/corelight/community-id-spec */
#include "community_id.h"

#include <string.h>

#include "sha1.h"

/* Request/reply pairs that Zeek treats as one conversation (its ICMP4_counterpart() and
 * ICMP6_counterpart(), mirrored by pycommunityid icmp.py and icmp6.py). Types not listed
 * are one-way. */
struct icmp_pair {
    uint8_t type, counter;
};

static const struct icmp_pair icmp4_pairs[] = {
    { 8, 0 },   { 0, 8 },       /* echo request, echo reply */
    { 13, 14 }, { 14, 13 },     /* timestamp, timestamp reply */
    { 15, 16 }, { 16, 15 },     /* information request, reply */
    { 10, 9 },  { 9, 10 },      /* router solicitation, advertisement */
    { 17, 18 }, { 18, 17 },     /* address mask request, reply */
};

static const struct icmp_pair icmp6_pairs[] = {
    { 128, 129 }, { 129, 128 }, /* echo request, echo reply */
    { 130, 131 }, { 131, 130 }, /* MLD listener query, report */
    { 133, 134 }, { 134, 133 }, /* router solicitation, advertisement */
    { 135, 136 }, { 136, 135 }, /* neighbor solicitation, advertisement */
    { 139, 140 }, { 140, 139 }, /* node information (who-are-you) query, reply */
    { 144, 145 }, { 145, 144 }, /* home agent address discovery request, reply */
};

void ns_community_id_icmp(uint8_t af, uint8_t type, uint8_t code, uint16_t *sport,
                          uint16_t *dport, bool *one_way)
{
    const struct icmp_pair *tab = NULL;
    size_t n = 0;

    if (af == 4) {
        tab = icmp4_pairs;
        n = sizeof icmp4_pairs / sizeof icmp4_pairs[0];
    } else if (af == 6) {
        tab = icmp6_pairs;
        n = sizeof icmp6_pairs / sizeof icmp6_pairs[0];
    }

    *sport = type;
    for (size_t i = 0; i < n; i++) {
        if (tab[i].type == type) {
            *dport = tab[i].counter;
            *one_way = false;
            return;
        }
    }
    *dport = code;
    *one_way = true;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 section 4 with '=' padding; out holds 4 * ceil(len / 3) + 1 bytes. */
static void base64_encode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 0x3f];
        out[o++] = b64_alphabet[(v >> 12) & 0x3f];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 0x3f] : '=';
        out[o++] = i + 2 < len ? b64_alphabet[v & 0x3f] : '=';
    }
    out[o] = '\0';
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void ns_community_id(const struct ns_cid_tuple *t, uint16_t seed, char out[NS_CID_LEN])
{
    size_t alen = t->af == 4 ? 4 : t->af == 6 ? 16 : 0;

    out[0] = '\0';
    if (alen == 0 || t->src == NULL || t->dst == NULL)
        return;

    const uint8_t *a = t->src, *b = t->dst;
    uint16_t pa = t->sport, pb = t->dport;
    bool one_way = false;

    if (t->has_ports && (t->proto == 1 || t->proto == 58))
        ns_community_id_icmp(t->proto == 1 ? 4 : 6, (uint8_t)pa, (uint8_t)pb, &pa, &pb,
                             &one_way);

    /* "Swap the endpoints, if needed, so the numerically smaller IP:port tuple comes
     * first. If the IP addresses are equal, the ports decide." Addresses compare as
     * network-order bytes. One-way ICMP keeps the direction it was seen in. */
    if (!one_way) {
        int c = memcmp(a, b, alen);
        if (c > 0 || (c == 0 && t->has_ports && pa > pb)) {
            const uint8_t *ta = a;
            uint16_t tp = pa;
            a = b;
            b = ta;
            pa = pb;
            pb = tp;
        }
    }

    /* seed(2) . saddr . daddr . proto(1) . pad 0(1) [. sport(2) . dport(2)], all in
     * network order: at most 2 + 16 + 16 + 2 + 4 = 40 bytes, 32-bit aligned. */
    uint8_t buf[40];
    size_t n = 0;

    put_be16(buf, seed);
    n += 2;
    memcpy(buf + n, a, alen);
    n += alen;
    memcpy(buf + n, b, alen);
    n += alen;
    buf[n++] = t->proto;
    buf[n++] = 0;
    if (t->has_ports) {
        put_be16(buf + n, pa);
        put_be16(buf + n + 2, pb);
        n += 4;
    }

    uint8_t digest[NS_SHA1_LEN];
    ns_sha1(buf, n, digest);

    out[0] = '1';
    out[1] = ':';
    base64_encode(digest, sizeof digest, out + 2);
}
