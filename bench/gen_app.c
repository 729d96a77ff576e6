/* bench/gen_app.c: the application payloads that dissectors look inside: DNS queries and
 * responses (RFC 1035 section 4) and TLS 1.3 ClientHello/ServerHello (RFC 8446 section
 * 4.1) with a server_name extension (RFC 6066 section 3). Everything else is pattern bytes.
 * Writers fill a caller buffer of at least NS_GEN_APP_MAX bytes and return the length. */
#include "gen.h"

#include <string.h>

static const char *const name_hosts[] = { "www", "api", "cdn", "mail", "img", "login", "static", "ws" };
static const char *const name_domains[] = { "example.com", "example.net", "example.org",
                                            "netscope.test", "bench.invalid" };

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A name per flow that tools can count: flow number in it, so every flow's differs. */
void ns_gen_flow_name(char *out, size_t cap, uint32_t flow, bool tls)
{
    uint64_t s = flow * 0x2545f4914f6cdd1dULL + (tls ? 7 : 3);
    const char *h = name_hosts[ns_gen_rng_below(&s, NELEMS(name_hosts))];
    const char *d = name_domains[ns_gen_rng_below(&s, NELEMS(name_domains))];
    snprintf(out, cap, "%s%u.%s", h, (unsigned)flow, d);
}

static uint8_t *w16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *w24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    return w16(p + 1, (uint16_t)v);
}

static uint8_t *wbytes(uint8_t *p, const void *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

static uint8_t *wrandom(uint8_t *p, size_t n, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)ns_gen_rng_next(rng);
    return p + n;
}

/* QNAME as length-prefixed labels; names come from ns_gen_flow_name, so every label is
 * well under 63 bytes. */
static uint8_t *put_qname(uint8_t *p, const char *name)
{
    while (*name) {
        size_t n = strcspn(name, ".");
        *p++ = (uint8_t)n;
        p = wbytes(p, name, n);
        name += n;
        if (*name == '.')
            name++;
    }
    *p++ = 0;
    return p;
}

static uint8_t *put_dns_header(uint8_t *p, uint16_t id, uint16_t flags, uint16_t ancount)
{
    p = w16(p, id);
    p = w16(p, flags);
    p = w16(p, 1);
    p = w16(p, ancount);
    p = w16(p, 0);
    return w16(p, 0);
}

size_t ns_gen_dns_query(uint8_t *out, uint16_t id, const char *qname, uint16_t qtype)
{
    uint8_t *p = put_dns_header(out, id, 0x0100, 0);       /* standard query, RD */
    p = put_qname(p, qname);
    p = w16(p, qtype);
    p = w16(p, 1);
    return (size_t)(p - out);
}

size_t ns_gen_dns_response(uint8_t *out, uint16_t id, const char *qname, uint16_t qtype,
                           const uint8_t *addr)
{
    uint8_t *p = put_dns_header(out, id, 0x8180, 1);       /* response, RD, RA, no error */
    p = put_qname(p, qname);
    p = w16(p, qtype);
    p = w16(p, 1);
    p = w16(p, 0xc00c);             /* the answer names the question by pointer */
    p = w16(p, qtype);
    p = w16(p, 1);
    p = w16(p, 0);
    p = w16(p, 300);                /* TTL */
    uint16_t rdlen = qtype == 28 ? 16 : 4;
    p = w16(p, rdlen);
    p = wbytes(p, addr, rdlen);
    return (size_t)(p - out);
}

/* Opens a record and a handshake message; the caller patches both lengths at the end. */
static uint8_t *tls_open(uint8_t *out, uint8_t hs_type, uint16_t rec_version)
{
    uint8_t *p = out;
    *p++ = 22;
    p = w16(p, rec_version);
    p = w16(p, 0);
    *p++ = hs_type;
    p = w24(p, 0);
    return w16(p, 0x0303);          /* legacy_version */
}

static size_t tls_close(uint8_t *out, uint8_t *end)
{
    size_t total = (size_t)(end - out);
    w16(out + 3, (uint16_t)(total - 5));
    w24(out + 6, (uint32_t)(total - 9));
    return total;
}

static uint8_t *ext_server_name(uint8_t *p, const char *sni)
{
    uint16_t n = (uint16_t)strlen(sni);
    p = w16(p, 0);
    p = w16(p, (uint16_t)(n + 5));
    p = w16(p, (uint16_t)(n + 3));
    *p++ = 0;                       /* host_name */
    p = w16(p, n);
    return wbytes(p, sni, n);
}

static uint8_t *ext_key_share(uint8_t *p, bool client, uint64_t *rng)
{
    p = w16(p, 51);
    p = w16(p, client ? 38 : 36);
    if (client)
        p = w16(p, 36);
    p = w16(p, 29);                 /* x25519 */
    p = w16(p, 32);
    return wrandom(p, 32, rng);
}

size_t ns_gen_tls_client_hello(uint8_t *out, const char *sni, uint64_t *rng)
{
    static const uint8_t suites[] = { 0x00, 0x08, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2f };
    static const uint8_t fixed_exts[] = {
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17,          /* groups */
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                                  /* points */
        0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, /* sigs */
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,                /* versions */
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2',                  /* ALPN */
        0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
    };
    uint8_t *p = tls_open(out, 1, 0x0301);
    p = wrandom(p, 32, rng);
    *p++ = 32;
    p = wrandom(p, 32, rng);
    p = wbytes(p, suites, sizeof suites);
    *p++ = 1;
    *p++ = 0;                       /* null compression only */
    uint8_t *ext_len = p;
    p += 2;
    p = ext_server_name(p, sni);
    p = wbytes(p, fixed_exts, sizeof fixed_exts);
    p = ext_key_share(p, true, rng);
    w16(ext_len, (uint16_t)(p - ext_len - 2));
    return tls_close(out, p);
}

size_t ns_gen_tls_server_hello(uint8_t *out, uint64_t *rng)
{
    static const uint8_t versions[] = { 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04 };
    uint8_t *p = tls_open(out, 2, 0x0303);
    p = wrandom(p, 32, rng);
    *p++ = 32;
    p = wrandom(p, 32, rng);
    p = w16(p, 0x1301);
    *p++ = 0;
    uint8_t *ext_len = p;
    p += 2;
    p = wbytes(p, versions, sizeof versions);
    p = ext_key_share(p, false, rng);
    w16(ext_len, (uint16_t)(p - ext_len - 2));
    return tls_close(out, p);
}
