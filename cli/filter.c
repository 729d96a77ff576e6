/* cli/filter.c: -Y display filters. A recursive-descent parser turns the text into a flat
 * array of nodes (tests, and/or/not) and literals; matching walks that array. Semantics
 * follow tshark 4.0 (checked against tshark 4.0.17, see docs/filter.md):
 *   ==, <, <=, >, >=, contains, in, &   true when ANY occurrence of the field satisfies it;
 *   != (ne, all_ne)                     true when the field is present and ALL occurrences
 *                                       differ (so absent fields fail it, unlike !(a == b));
 *   ~= (!==, any_ne)                    some occurrence differs;
 *   === (all_eq)                        present and every occurrence equal;
 *   not in                              exactly !(a in {...}).
 * Chains of and/or are built right-leaning and evaluated by a loop, so only parentheses
 * and 'not' nest, and they are capped (NS_FILTER_MAX_DEPTH). */
#define _POSIX_C_SOURCE 200809L
#include "filter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dissectors/packet.h"

enum op {
    OP_EQ,          /* any occurrence equal */
    OP_ALL_NE,      /* present, every occurrence differs (tshark's !=) */
    OP_ANY_NE,      /* some occurrence differs */
    OP_ALL_EQ,      /* present, every occurrence equal */
    OP_LT, OP_LE, OP_GT, OP_GE,
    OP_CONTAINS,
    OP_IN,          /* lit = first set element, nlit = elements */
    OP_BITAND,      /* some occurrence has a bit of the mask set */
};

enum node_kind { N_TRUE, N_PROTO, N_PRESENT, N_TEST, N_AND, N_OR, N_NOT };

struct node {
    uint8_t kind;           /* enum node_kind */
    uint8_t op;             /* N_TEST: enum op */
    uint8_t proto;          /* N_PROTO: enum ns_proto */
    uint8_t variant;        /* N_PROTO: see proto_present() */
    uint16_t field;         /* N_PRESENT, N_TEST: enum ns_field_id */
    uint32_t a, b;          /* N_AND/N_OR: children; N_NOT: a; N_TEST: first literal, count */
};

/* A literal converted to the type of the field it is compared with. */
struct lit {
    uint64_t u;             /* unsigned fields and BOOL */
    int64_t i;              /* I32, times (nanoseconds) */
    uint8_t addr[16];       /* IPv4 (4), IPv6 (16), Ethernet (6) */
    uint8_t prefix;         /* address bits compared: a CIDR's length, else all */
    uint32_t soff, slen;    /* STRING: bytes in the pool */
    uint32_t hi;            /* a set element 'lo..hi': index of hi's literal, else 0 */
};

struct ns_filter {
    struct node *node;
    uint32_t nnodes, root;
    struct lit *lit;
    uint32_t nlits;
    char *pool;             /* string literal bytes, escapes resolved */
    uint32_t pool_used;
};

/* ---- lexer ---------------------------------------------------------------------- */

enum tok_kind {
    T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_COMMA, T_DOTDOT,
    T_AND, T_OR, T_NOT, T_CMP, T_CONTAINS, T_IN, T_AMP, T_UNSUPPORTED, T_BAD,
};

struct tok {
    enum tok_kind kind;
    enum op op;             /* T_CMP */
    size_t pos, len;        /* in the text */
};

struct parser {
    const char *s;
    size_t len;
    struct tok t;           /* the current token */
    struct ns_filter *flt;
    struct ns_err *err;
    int depth;
    bool failed;
};

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

static const struct { const char *w; enum tok_kind kind; enum op op; } keywords[] = {
    { "and", T_AND, 0 }, { "or", T_OR, 0 }, { "not", T_NOT, 0 },
    { "eq", T_CMP, OP_EQ }, { "any_eq", T_CMP, OP_EQ }, { "ne", T_CMP, OP_ALL_NE },
    { "all_ne", T_CMP, OP_ALL_NE }, { "any_ne", T_CMP, OP_ANY_NE }, { "all_eq", T_CMP, OP_ALL_EQ },
    { "lt", T_CMP, OP_LT }, { "le", T_CMP, OP_LE }, { "gt", T_CMP, OP_GT }, { "ge", T_CMP, OP_GE },
    { "contains", T_CONTAINS, 0 }, { "in", T_IN, 0 }, { "matches", T_UNSUPPORTED, 0 },
    { "bitwise_and", T_AMP, 0 },
};

static const struct { const char *sym; enum tok_kind kind; enum op op; } symbols[] = {
    /* longest first */
    { "===", T_CMP, OP_ALL_EQ }, { "!==", T_CMP, OP_ANY_NE },
    { "==", T_CMP, OP_EQ }, { "!=", T_CMP, OP_ALL_NE }, { "~=", T_CMP, OP_ANY_NE },
    { "<=", T_CMP, OP_LE }, { ">=", T_CMP, OP_GE }, { "&&", T_AND, 0 }, { "||", T_OR, 0 },
    { "..", T_DOTDOT, 0 },
    { "<", T_CMP, OP_LT }, { ">", T_CMP, OP_GT }, { "!", T_NOT, 0 }, { "&", T_AMP, 0 },
    { "(", T_LPAREN, 0 }, { ")", T_RPAREN, 0 }, { "{", T_LBRACE, 0 }, { "}", T_RBRACE, 0 },
    { ",", T_COMMA, 0 }, { "=", T_UNSUPPORTED, 0 }, { "~", T_UNSUPPORTED, 0 },
    { "[", T_UNSUPPORTED, 0 }, { "$", T_UNSUPPORTED, 0 }, { "#", T_UNSUPPORTED, 0 },
    { "@", T_UNSUPPORTED, 0 }, { "+", T_UNSUPPORTED, 0 }, { "*", T_UNSUPPORTED, 0 },
    { "|", T_UNSUPPORTED, 0 }, { "^", T_UNSUPPORTED, 0 },
};

static void lex(struct parser *p)
{
    size_t i = p->t.pos + p->t.len;
    while (i < p->len && isspace((unsigned char)p->s[i]))
        i++;
    p->t = (struct tok){ .kind = T_END, .pos = i, .len = 0 };
    if (i >= p->len)
        return;
    char c = p->s[i];
    if (c == '"') {
        size_t j = i + 1;
        while (j < p->len && p->s[j] != '"')
            j += (p->s[j] == '\\' && j + 1 < p->len) ? 2 : 1;
        p->t.kind = j < p->len ? T_STRING : T_BAD;
        p->t.len = (j < p->len ? j + 1 : p->len) - i;
        return;
    }
    /* a '.' starting a word would be a range or a ".5" nobody means */
    if (word_char(c) && c != '.') {
        size_t j = i;
        while (j < p->len && word_char(p->s[j]) && !(p->s[j] == '.' && j + 1 < p->len && p->s[j + 1] == '.'))
            j++;
        p->t.kind = T_WORD;
        p->t.len = j - i;
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            if (strlen(keywords[k].w) == p->t.len && memcmp(keywords[k].w, p->s + i, p->t.len) == 0) {
                p->t.kind = keywords[k].kind;
                p->t.op = keywords[k].op;
            }
        return;
    }
    for (size_t k = 0; k < sizeof symbols / sizeof symbols[0]; k++) {
        size_t n = strlen(symbols[k].sym);
        if (i + n <= p->len && memcmp(symbols[k].sym, p->s + i, n) == 0) {
            p->t.kind = symbols[k].kind;
            p->t.op = symbols[k].op;
            p->t.len = n;
            return;
        }
    }
    p->t.kind = T_BAD;
    p->t.len = 1;
}

/* Reports the first error only: a later one is an echo of it. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static uint32_t fail(struct parser *p, size_t pos, const char *fmt, ...)
{
    if (!p->failed) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        ns_err_set(p->err, NS_STATUS_USAGE, "column %zu: %s", pos + 1, msg);
        p->failed = true;
    }
    return 0;
}

/* The current token as text, for messages ("end of filter" at the end). */
static const char *tok_text(const struct parser *p, char *buf, size_t cap)
{
    if (p->t.kind == T_END)
        return "the end of the filter";
    size_t n = p->t.len < 40 ? p->t.len : 40;
    snprintf(buf, cap, "'%.*s%s'", (int)n, p->s + p->t.pos, n < p->t.len ? "..." : "");
    return buf;
}

static uint32_t unsupported(struct parser *p);

/* ---- literals ------------------------------------------------------------------- */

static uint32_t new_node(struct parser *p, struct node n)
{
    p->flt->node[p->flt->nnodes] = n;
    return p->flt->nnodes++;
}

static const char *type_name(enum ns_ftype t)
{
    switch (t) {
    case NS_FT_BOOL: return "a boolean";
    case NS_FT_U8: case NS_FT_U16: case NS_FT_U32: case NS_FT_U64: return "an unsigned integer";
    case NS_FT_IPV4: return "an IPv4 address";
    case NS_FT_IPV6: return "an IPv6 address";
    case NS_FT_ETHER: return "an Ethernet address";
    case NS_FT_STRING: return "a string";
    case NS_FT_ABS_TIME: return "an absolute time";
    case NS_FT_REL_TIME: return "a relative time";
    case NS_FT_I32: return "a signed integer";
    case NS_FT_NONE: return "a label";
    }
    return "?";
}

static uint64_t type_max(enum ns_ftype t)
{
    switch (t) {
    case NS_FT_U8: return UINT8_MAX;
    case NS_FT_U16: return UINT16_MAX;
    case NS_FT_U32: return UINT32_MAX;
    default: return UINT64_MAX;
    }
}

/* Seconds as [-]digits[.digits] into exact nanoseconds (digits past the ninth are cut). */
static bool parse_seconds(const char *s, size_t n, int64_t *ns)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && s[i] == '-') {
        neg = true;
        i++;
    }
    uint64_t sec = 0, frac = 0;
    size_t digits = 0, fdigits = 0;
    for (; i < n && isdigit((unsigned char)s[i]); i++, digits++) {
        if (sec > (uint64_t)INT64_MAX / 1000000000u / 10)
            return false;
        sec = sec * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && isdigit((unsigned char)s[i]); i++, fdigits++)
            if (fdigits < 9)
                frac = frac * 10 + (uint64_t)(s[i] - '0');
    }
    if (i != n || digits == 0)
        return false;
    for (size_t k = fdigits; k < 9; k++)
        frac *= 10;
    int64_t v = (int64_t)(sec * 1000000000u + frac);
    *ns = neg ? -v : v;
    return true;
}

static bool parse_ether(const char *s, size_t n, uint8_t out[6])
{
    char hex[13];
    size_t h = 0;
    /* aa:bb:cc:dd:ee:ff, aa-bb-..., aabb.ccdd.eeff or aabbccddeeff */
    char sep = 0;
    size_t group = 0, groups = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (isxdigit((unsigned char)c)) {
            if (h >= 12)
                return false;
            hex[h++] = c;
            group++;
            continue;
        }
        if ((c != ':' && c != '-' && c != '.') || (sep != 0 && c != sep) || group == 0)
            return false;
        sep = c;
        groups++;
        if ((c == '.' && group != 4) || (c != '.' && group != 2))
            return false;
        group = 0;
    }
    if (h != 12 || group == 0 || (sep == '.' && (groups != 2 || group != 4)) ||
        ((sep == ':' || sep == '-') && (groups != 5 || group != 2)))
        return false;
    for (int k = 0; k < 6; k++) {
        char b[3] = { hex[2 * k], hex[2 * k + 1], 0 };
        out[k] = (uint8_t)strtoul(b, NULL, 16);
    }
    return true;
}

/* addr[/prefix] for IPv4 (alen 4) or IPv6 (alen 16). */
static bool parse_addr(const char *s, size_t n, int af, uint8_t *addr, uint8_t *prefix)
{
    char buf[64];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    unsigned maxbits = af == AF_INET ? 32 : 128;
    *prefix = (uint8_t)maxbits;
    char *slash = strchr(buf, '/');
    if (slash != NULL) {
        char *end;
        *slash = '\0';
        if (!isdigit((unsigned char)slash[1]))
            return false;
        unsigned long bits = strtoul(slash + 1, &end, 10);
        if (*end != '\0' || bits > maxbits)
            return false;
        *prefix = (uint8_t)bits;
    }
    return inet_pton(af, buf, addr) == 1;
}

/* Resolves a string literal's escapes (tshark's: C escapes, \xHH, \ooo) into the pool. */
static bool parse_string(struct parser *p, const struct tok *t, struct lit *l)
{
    const char *s = p->s + t->pos + 1;
    size_t n = t->len - 2;
    char *out = p->flt->pool + p->flt->pool_used;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        size_t at = t->pos + 1 + i;
        char c = s[++i];
        const char *simple = strchr("\\\"'abfnrtv?", c);
        if (c != '\0' && simple != NULL) {
            static const char map[] = "\\\"'\a\b\f\n\r\t\v?";
            out[o++] = map[simple - "\\\"'abfnrtv?"];
        } else if (c == 'x' && i + 1 < n && isxdigit((unsigned char)s[i + 1])) {
            unsigned v = 0;
            for (int k = 0; k < 2 && i + 1 < n && isxdigit((unsigned char)s[i + 1]); k++, i++)
                v = v * 16 + (unsigned)(isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0'
                                                                          : (tolower((unsigned char)s[i + 1]) - 'a' + 10));
            out[o++] = (char)v;
        } else if (c >= '0' && c <= '7') {
            unsigned v = (unsigned)(c - '0');
            for (int k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++, i++)
                v = v * 8 + (unsigned)(s[i + 1] - '0');
            if (v > 255) {
                fail(p, at, "'\\%.3s' is not a byte (at most \\377)", s + i - 2);
                return false;
            }
            out[o++] = (char)v;
        } else {
            fail(p, at, "'\\%c' is not a valid escape (use \\\\, \\\", \\xHH, \\ooo, \\n, \\t, ...)", c);
            return false;
        }
    }
    l->soff = p->flt->pool_used;
    l->slen = (uint32_t)o;
    p->flt->pool_used += (uint32_t)o;
    return true;
}

/* The current token as a literal of field fid's type, appended to the literals. */
static bool parse_value(struct parser *p, enum ns_field_id fid)
{
    const struct ns_field *f = &ns_fields[fid];
    const struct tok t = p->t;
    const char *s = p->s + t.pos;
    struct lit l = { .prefix = 0 };
    char tb[64];

    if (t.kind == T_BAD && *s == '"')
        return fail(p, t.pos, "unterminated string"), false;
    if (t.kind == T_UNSUPPORTED)
        return unsupported(p), false;
    if (t.kind != T_WORD && t.kind != T_STRING)
        return fail(p, t.pos, "expected a value, got %s", tok_text(p, tb, sizeof tb)), false;
    if (t.kind == T_WORD && t.len < 128) {
        char name[128];
        memcpy(name, s, t.len);
        name[t.len] = '\0';
        if (ns_field_lookup(name) >= 0)
            return fail(p, t.pos, "comparing two fields ('%s') is not supported", name), false;
    }
    if (f->type == NS_FT_STRING) {
        if (t.kind == T_STRING) {
            if (!parse_string(p, &t, &l))
                return false;
        } else {    /* tshark 4.0 takes an unquoted word as the string itself */
            memcpy(p->flt->pool + p->flt->pool_used, s, t.len);
            l.soff = p->flt->pool_used;
            l.slen = (uint32_t)t.len;
            p->flt->pool_used += (uint32_t)t.len;
        }
        p->flt->lit[p->flt->nlits++] = l;
        lex(p);
        return true;
    }
    if (t.kind == T_STRING)
        return fail(p, t.pos, "%s is %s: write the value without quotes", f->abbrev, type_name(f->type)), false;

    bool ok = false;
    switch (f->type) {
    case NS_FT_BOOL:
    case NS_FT_U8:
    case NS_FT_U16:
    case NS_FT_U32:
    case NS_FT_U64: {
        if (f->type == NS_FT_BOOL && t.len == 4 && memcmp(s, "True", 4) == 0) {
            l.u = 1;
            ok = true;
            break;
        }
        if (f->type == NS_FT_BOOL && t.len == 5 && memcmp(s, "False", 5) == 0) {
            l.u = 0;
            ok = true;
            break;
        }
        char buf[32], *end;
        if (t.len >= sizeof buf || !isdigit((unsigned char)s[0]))
            break;
        memcpy(buf, s, t.len);
        buf[t.len] = '\0';
        errno = 0;
        l.u = strtoull(buf, &end, 0);   /* 0x hex, 0 octal, as tshark */
        if (*end != '\0')
            break;
        if (errno == ERANGE || (f->type != NS_FT_BOOL && l.u > type_max(f->type)))
            return fail(p, t.pos, "'%s' is too big for %s (at most %llu)", buf, f->abbrev,
                        (unsigned long long)type_max(f->type)), false;
        ok = true;
        break;
    }
    case NS_FT_I32: {
        char buf[32], *end;
        if (t.len >= sizeof buf)
            break;
        memcpy(buf, s, t.len);
        buf[t.len] = '\0';
        errno = 0;
        long long v = strtoll(buf, &end, 0);
        if (*end != '\0' || end == buf)
            break;
        if (errno == ERANGE || v < INT32_MIN || v > INT32_MAX)
            return fail(p, t.pos, "'%s' is out of range for %s", buf, f->abbrev), false;
        l.i = v;
        ok = true;
        break;
    }
    case NS_FT_ABS_TIME:
    case NS_FT_REL_TIME:
        ok = parse_seconds(s, t.len, &l.i);
        break;
    case NS_FT_IPV4:
        ok = parse_addr(s, t.len, AF_INET, l.addr, &l.prefix);
        break;
    case NS_FT_IPV6:
        ok = parse_addr(s, t.len, AF_INET6, l.addr, &l.prefix);
        break;
    case NS_FT_ETHER:
        ok = parse_ether(s, t.len, l.addr);
        l.prefix = 48;
        break;
    case NS_FT_STRING:
    case NS_FT_NONE:
        break;
    }
    if (!ok) {
        const char *want = f->type == NS_FT_ABS_TIME || f->type == NS_FT_REL_TIME ? "seconds, like 0.25"
                         : f->type == NS_FT_IPV4 ? "an IPv4 address or subnet, like 10.0.0.0/8"
                         : f->type == NS_FT_IPV6 ? "an IPv6 address or subnet, like 2001:db8::/32"
                         : f->type == NS_FT_ETHER ? "an Ethernet address, like 00:11:22:33:44:55"
                         : f->type == NS_FT_BOOL ? "1, 0, True or False"
                         : f->type == NS_FT_I32 ? "an integer" : "an integer (decimal, or hex with 0x)";
        return fail(p, t.pos, "'%.*s' is not valid for %s: expected %s", (int)(t.len < 40 ? t.len : 40), s,
                    f->abbrev, want), false;
    }
    p->flt->lit[p->flt->nlits++] = l;
    lex(p);
    return true;
}

/* ---- parser --------------------------------------------------------------------- */

static const struct { const char *name; uint8_t proto, variant; } protos[] = {
    { "eth", NS_PROTO_ETH, 0 }, { "llc", NS_PROTO_LLC, 0 }, { "vlan", NS_PROTO_VLAN, 0 },
    { "ieee8021ad", NS_PROTO_VLAN, 1 }, { "mpls", NS_PROTO_MPLS, 0 },
    { "pppoes", NS_PROTO_PPPOE, 0 }, { "ppp", NS_PROTO_PPPOE, 0 },
    { "sll", NS_PROTO_SLL, 0 }, { "null", NS_PROTO_NULL, 0 },
    { "ip", NS_PROTO_IPV4, 0 }, { "ipv6", NS_PROTO_IPV6, 0 }, { "gre", NS_PROTO_GRE, 0 },
    { "tcp", NS_PROTO_TCP, 0 }, { "udp", NS_PROTO_UDP, 0 }, { "icmp", NS_PROTO_ICMP, 0 },
    { "icmpv6", NS_PROTO_ICMPV6, 0 }, { "arp", NS_PROTO_ARP, 0 },
    { "dns", NS_PROTO_DNS, NS_DNS_KIND_DNS }, { "mdns", NS_PROTO_DNS, NS_DNS_KIND_MDNS },
    { "llmnr", NS_PROTO_DNS, NS_DNS_KIND_LLMNR }, { "tls", NS_PROTO_TLS, 0 },
};

static uint32_t parse_or(struct parser *p);

/* The parts of tshark's language netscope does not have, each named. */
static uint32_t unsupported(struct parser *p)
{
    const char *s = p->s + p->t.pos;
    const char *what = s[0] == '=' ? "'=' is not an operator: use '=='"
                     : s[0] == '[' ? "slices ('field[i:n]') are not supported"
                     : s[0] == '~' || s[0] == 'm' ? "'matches' and '~' (regular expressions) are not supported"
                     : s[0] == '@' ? "raw field values ('@field') are not supported"
                     : s[0] == '$' ? "field references ('${...}') are not supported"
                     : s[0] == '#' ? "layer operators ('field#n') are not supported"
                     : "arithmetic and bit operators other than '&' are not supported";
    return fail(p, p->t.pos, "%s", what);
}

static bool is_cmp_op(const struct tok *t)
{
    return t->kind == T_CMP || t->kind == T_CONTAINS || t->kind == T_IN || t->kind == T_AMP ||
           t->kind == T_UNSUPPORTED;
}

/* test = name [ relop value | "contains" value | ["not"] "in" set | "&" integer ] */
static uint32_t parse_test(struct parser *p)
{
    char tb[64];
    if (p->t.kind == T_UNSUPPORTED)
        return unsupported(p);
    if (p->t.kind != T_WORD)
        return fail(p, p->t.pos, "expected a field or a protocol, got %s", tok_text(p, tb, sizeof tb));
    struct tok name_tok = p->t;
    char name[128];
    if (name_tok.len >= sizeof name)
        return fail(p, name_tok.pos, "'%.40s...' is neither a field nor a protocol netscope knows",
                    p->s + name_tok.pos);
    memcpy(name, p->s + name_tok.pos, name_tok.len);
    name[name_tok.len] = '\0';
    lex(p);
    if (p->t.kind == T_LPAREN && p->t.pos == name_tok.pos + name_tok.len)
        return fail(p, name_tok.pos, "functions ('%s()') are not supported", name);
    if (p->t.kind == T_UNSUPPORTED)
        return unsupported(p);

    int fid = ns_field_lookup(name);
    if (fid < 0) {
        if (strcmp(name, "frame") == 0) {
            if (is_cmp_op(&p->t))
                return fail(p, p->t.pos, "'frame' is a protocol: it can only be tested for presence");
            return new_node(p, (struct node){ .kind = N_TRUE });
        }
        for (size_t k = 0; k < sizeof protos / sizeof protos[0]; k++) {
            if (strcmp(protos[k].name, name) != 0)
                continue;
            if (is_cmp_op(&p->t))
                return fail(p, p->t.pos, "'%s' is a protocol: it can only be tested for presence", name);
            return new_node(p, (struct node){ .kind = N_PROTO, .proto = protos[k].proto,
                                              .variant = protos[k].variant });
        }
        if (isdigit((unsigned char)name[0]) || name[0] == '-')
            return fail(p, name_tok.pos, "expected a field or a protocol before the value '%s'", name);
        return fail(p, name_tok.pos, "'%s' is neither a field nor a protocol netscope knows "
                    "(netscope -G fields lists the fields)", name);
    }
    const struct ns_field *f = &ns_fields[fid];
    struct node n = { .kind = N_TEST, .field = (uint16_t)fid };
    bool negate = false;
    if (p->t.kind == T_NOT) {   /* only "not in" may follow a field */
        struct tok nt = p->t;
        lex(p);
        if (p->t.kind != T_IN)
            return fail(p, nt.pos, "expected 'in' after 'not' here (write 'not' before the field)");
        negate = true;
    }
    if (!is_cmp_op(&p->t))
        return new_node(p, (struct node){ .kind = N_PRESENT, .field = (uint16_t)fid });
    struct tok op = p->t;
    if (f->type == NS_FT_NONE)
        return fail(p, op.pos, "%s has no value (it is a label): it can only be tested for presence",
                    f->abbrev);
    lex(p);
    n.a = p->flt->nlits;
    n.b = 1;
    switch (op.kind) {
    case T_CMP:
        n.op = (uint8_t)op.op;
        if (p->t.kind == T_END)
            return fail(p, p->t.pos, "expected a value after '%.*s'", (int)op.len, p->s + op.pos);
        if (!parse_value(p, (enum ns_field_id)fid))
            return 0;
        break;
    case T_CONTAINS:
        if (f->type != NS_FT_STRING)
            return fail(p, op.pos, "'contains' needs a string field; %s is %s", f->abbrev, type_name(f->type));
        n.op = OP_CONTAINS;
        if (p->t.kind == T_END)
            return fail(p, p->t.pos, "expected a value after 'contains'");
        if (!parse_value(p, (enum ns_field_id)fid))
            return 0;
        break;
    case T_AMP: {
        if (f->type < NS_FT_U8 || f->type > NS_FT_U64)
            return fail(p, op.pos, "'&' needs an unsigned integer field; %s is %s", f->abbrev, type_name(f->type));
        n.op = OP_BITAND;
        if (p->t.kind == T_END)
            return fail(p, p->t.pos, "expected a value after '%.*s'", (int)op.len, p->s + op.pos);
        if (!parse_value(p, (enum ns_field_id)fid))
            return 0;
        if (is_cmp_op(&p->t))
            return fail(p, p->t.pos, "comparing the result of '&' is not supported: '%s & M' alone "
                        "tests whether a bit of M is set", f->abbrev);
        break;
    }
    case T_IN: {
        n.op = OP_IN;
        if (p->t.kind != T_LBRACE)
            return fail(p, p->t.pos, "expected '{' after 'in', got %s", tok_text(p, tb, sizeof tb));
        size_t open = p->t.pos;
        lex(p);
        n.b = 0;
        /* the elements are the literals from n.a on; a range's hi goes right after its lo
         * and is skipped by the walk (lit.hi points at it) */
        for (;;) {
            if (p->t.kind == T_RBRACE && n.b > 0)
                break;
            if (p->t.kind == T_END)
                return fail(p, p->t.pos, "expected '}' to close the '{' at column %zu", open + 1);
            uint32_t lo = p->flt->nlits;
            if (!parse_value(p, (enum ns_field_id)fid))
                return 0;
            n.b++;
            if (p->t.kind == T_DOTDOT) {
                if (f->type == NS_FT_STRING || p->flt->lit[lo].prefix < (f->type == NS_FT_IPV4 ? 32 : f->type == NS_FT_IPV6 ? 128 : 0))
                    return fail(p, p->t.pos, "a range needs numbers, times or single addresses");
                lex(p);
                if (p->t.kind == T_END || p->t.kind == T_RBRACE)
                    return fail(p, p->t.pos, "expected a value after '..'");
                uint32_t hi = p->flt->nlits;
                if (!parse_value(p, (enum ns_field_id)fid))
                    return 0;
                p->flt->lit[lo].hi = hi;
            }
            if (p->t.kind == T_COMMA) {
                lex(p);
                if (p->t.kind == T_RBRACE)
                    return fail(p, p->t.pos, "expected a value after ','");
            }
        }
        lex(p);
        break;
    }
    default:
        return fail(p, op.pos, "unexpected '%.*s'", (int)op.len, p->s + op.pos);
    }
    if (p->failed)
        return 0;
    uint32_t id = new_node(p, n);
    if (negate)
        id = new_node(p, (struct node){ .kind = N_NOT, .a = id });
    return id;
}

static uint32_t parse_unary(struct parser *p)
{
    if (p->failed)
        return 0;
    if ((p->t.kind == T_NOT || p->t.kind == T_LPAREN) && p->depth >= NS_FILTER_MAX_DEPTH)
        return fail(p, p->t.pos, "nested too deeply (at most %d levels of '(' and 'not')",
                    NS_FILTER_MAX_DEPTH);
    uint32_t r;
    p->depth++;
    if (p->t.kind == T_NOT) {
        lex(p);
        uint32_t a = parse_unary(p);
        r = p->failed ? 0 : new_node(p, (struct node){ .kind = N_NOT, .a = a });
    } else if (p->t.kind == T_LPAREN) {
        size_t open = p->t.pos;
        lex(p);
        r = parse_or(p);
        if (!p->failed && p->t.kind != T_RPAREN) {
            char tb[64];
            if (p->t.kind == T_END)
                return fail(p, p->t.pos, "expected ')' to close the '(' at column %zu", open + 1);
            return fail(p, p->t.pos, "expected ')' or an operator, got %s", tok_text(p, tb, sizeof tb));
        }
        lex(p);
        if (!p->failed && is_cmp_op(&p->t))
            return fail(p, p->t.pos, "only a field can be compared, not a parenthesised test");
    } else {
        r = parse_test(p);
    }
    p->depth--;
    return r;
}

/* and_expr = unary { ("and" | "&&") unary }, and the same for or: a chain becomes
 * right-leaning nodes, linked as they are parsed (no recursion per element). */
static uint32_t parse_chain(struct parser *p, enum tok_kind tk, enum node_kind nk,
                            uint32_t (*sub)(struct parser *))
{
    uint32_t first = sub(p);
    if (p->failed || p->t.kind != tk)
        return first;
    uint32_t root = new_node(p, (struct node){ .kind = nk, .a = first }), cur = root;
    for (;;) {
        struct tok op = p->t;
        lex(p);
        if (p->t.kind == T_END)
            return fail(p, p->t.pos, "expected a test after '%.*s'", (int)op.len, p->s + op.pos);
        uint32_t x = sub(p);
        if (p->failed)
            return 0;
        if (p->t.kind != tk) {
            p->flt->node[cur].b = x;
            return root;
        }
        uint32_t n = new_node(p, (struct node){ .kind = nk, .a = x });
        p->flt->node[cur].b = n;
        cur = n;
    }
}

static uint32_t parse_and(struct parser *p)
{
    return parse_chain(p, T_AND, N_AND, parse_unary);
}

static uint32_t parse_or(struct parser *p)
{
    return parse_chain(p, T_OR, N_OR, parse_and);
}

struct ns_filter *ns_filter_compile(const char *text, struct ns_err *err)
{
    size_t len = strlen(text);
    if (len > 65536) {
        ns_err_set(err, NS_STATUS_USAGE, "the filter is longer than 65536 characters");
        return NULL;
    }
    struct ns_filter *flt = calloc(1, sizeof *flt);
    /* every node and literal comes from at least one character of text, so len + 2 bound
     * both; the pool holds at most the text's bytes */
    if (flt != NULL) {
        flt->node = calloc(len + 2, sizeof *flt->node);
        flt->lit = calloc(len + 2, sizeof *flt->lit);
        flt->pool = malloc(len + 1);
    }
    if (flt == NULL || flt->node == NULL || flt->lit == NULL || flt->pool == NULL) {
        ns_filter_free(flt);
        ns_err_set(err, NS_STATUS_USAGE, "out of memory for the filter");
        return NULL;
    }
    struct parser p = { .s = text, .len = len, .flt = flt, .err = err };
    lex(&p);
    if (p.t.kind == T_END) {
        flt->root = new_node(&p, (struct node){ .kind = N_TRUE });
        return flt;
    }
    flt->root = parse_or(&p);
    if (!p.failed && p.t.kind != T_END) {
        char tb[64];
        if (p.t.kind == T_BAD && text[p.t.pos] == '"')
            fail(&p, p.t.pos, "unterminated string");
        else if (p.t.kind == T_RPAREN)
            fail(&p, p.t.pos, "')' without a matching '('");
        else if (is_cmp_op(&p.t))
            fail(&p, p.t.pos, "unexpected %s: only a field can be compared", tok_text(&p, tb, sizeof tb));
        else
            fail(&p, p.t.pos, "unexpected %s: expected 'and', 'or' or the end", tok_text(&p, tb, sizeof tb));
    }
    if (p.failed) {
        ns_filter_free(flt);
        return NULL;
    }
    return flt;
}

void ns_filter_free(struct ns_filter *flt)
{
    if (flt == NULL)
        return;
    free(flt->node);
    free(flt->lit);
    free(flt->pool);
    free(flt);
}

/* ---- matching ------------------------------------------------------------------- */

static bool proto_present(const struct node *n, const struct ns_frame *f)
{
    const struct ns_pkt *pkt = f->pkt;
    for (unsigned i = 0; pkt != NULL && i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        bool hit = l->proto == n->proto && ns_layer_shown(pkt, i);
        if (n->proto == NS_PROTO_SLL)
            hit = (l->proto == NS_PROTO_SLL || l->proto == NS_PROTO_SLL2) && ns_layer_shown(pkt, i);  /* tshark: both "sll" */
        else if (n->proto == NS_PROTO_VLAN && hit)
            hit = (l->u.vlan.tpid == 0x88a8) == (n->variant == 1);        /* 802.1ad: ieee8021ad */
        else if (n->proto == NS_PROTO_DNS && hit)
            hit = l->u.dns.kind == n->variant;
        if (hit)
            return true;
    }
    return false;
}

static int cmp_u(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_i(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* Address bits beyond the literal's prefix are ignored on both sides (CIDR). */
static int cmp_addr(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
    for (unsigned k = 0; k * 8 < prefix; k++) {
        unsigned bits = prefix - k * 8;
        uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
        int d = (int)(a[k] & mask) - (int)(b[k] & mask);
        if (d != 0)
            return d < 0 ? -1 : 1;
    }
    return 0;
}

static int cmp_val(const struct ns_filter *flt, enum ns_ftype t, const struct ns_val *v, const struct lit *l)
{
    switch (t) {
    case NS_FT_BOOL:
    case NS_FT_U8:
    case NS_FT_U16:
    case NS_FT_U32:
    case NS_FT_U64:
        return cmp_u(v->v.u, l->u);
    case NS_FT_I32:
    case NS_FT_ABS_TIME:
    case NS_FT_REL_TIME:
        return cmp_i(v->v.i, l->i);
    case NS_FT_IPV4:
    case NS_FT_IPV6:
    case NS_FT_ETHER:
        return cmp_addr(v->v.addr, l->addr, l->prefix);
    case NS_FT_STRING: {
        size_t n = v->len < l->slen ? v->len : l->slen;
        int d = n ? memcmp(v->s, flt->pool + l->soff, n) : 0;
        if (d != 0)
            return d < 0 ? -1 : 1;
        return cmp_u(v->len, l->slen);
    }
    case NS_FT_NONE:
        break;
    }
    return 0;
}

static bool contains(const struct ns_val *v, const char *needle, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i + n <= v->len; i++)
        if (memcmp(v->s + i, needle, n) == 0)
            return true;
    return false;
}

static bool test_one(const struct ns_filter *flt, const struct node *n, enum ns_ftype t, const struct ns_val *v)
{
    const struct lit *l = &flt->lit[n->a];
    switch ((enum op)n->op) {
    case OP_EQ: case OP_ALL_EQ: return cmp_val(flt, t, v, l) == 0;
    case OP_ALL_NE: case OP_ANY_NE: return cmp_val(flt, t, v, l) != 0;
    case OP_LT: return cmp_val(flt, t, v, l) < 0;
    case OP_LE: return cmp_val(flt, t, v, l) <= 0;
    case OP_GT: return cmp_val(flt, t, v, l) > 0;
    case OP_GE: return cmp_val(flt, t, v, l) >= 0;
    case OP_CONTAINS: return contains(v, flt->pool + l->soff, l->slen);
    case OP_BITAND: return (v->v.u & l->u) != 0;
    case OP_IN:
        for (uint32_t k = 0, i = n->a; k < n->b; k++) {
            const struct lit *e = &flt->lit[i];
            if (e->hi != 0) {
                if (cmp_val(flt, t, v, e) >= 0 && cmp_val(flt, t, v, &flt->lit[e->hi]) <= 0)
                    return true;
                i = e->hi + 1;
            } else {
                if (cmp_val(flt, t, v, e) == 0)
                    return true;
                i++;
            }
        }
        return false;
    }
    return false;
}

static bool eval_test(const struct ns_filter *flt, const struct node *n, const struct ns_frame *f)
{
    struct ns_val vals[NS_FILTER_MAX_OCC];
    enum ns_ftype t = ns_fields[n->field].type;
    size_t nv = ns_field_values((enum ns_field_id)n->field, f, vals, NS_FILTER_MAX_OCC);
    if (nv > NS_FILTER_MAX_OCC)
        nv = NS_FILTER_MAX_OCC;
    bool all = n->op == OP_ALL_NE || n->op == OP_ALL_EQ;
    if (nv == 0)
        return false;
    for (size_t k = 0; k < nv; k++) {
        bool r = test_one(flt, n, t, &vals[k]);
        if (all && !r)
            return false;
        if (!all && r)
            return true;
    }
    return all;
}

static bool eval(const struct ns_filter *flt, uint32_t id, const struct ns_frame *f)
{
    for (;;) {
        const struct node *n = &flt->node[id];
        switch ((enum node_kind)n->kind) {
        case N_TRUE: return true;
        case N_PROTO: return proto_present(n, f);
        case N_PRESENT: return ns_field_values((enum ns_field_id)n->field, f, NULL, 0) > 0;
        case N_TEST: return eval_test(flt, n, f);
        case N_NOT: return !eval(flt, n->a, f);
        case N_AND:
            if (!eval(flt, n->a, f))
                return false;
            id = n->b;      /* the rest of the chain: a loop, not a call */
            break;
        case N_OR:
            if (eval(flt, n->a, f))
                return true;
            id = n->b;
            break;
        }
    }
}

bool ns_filter_match(const struct ns_filter *flt, const struct ns_frame *f)
{
    return flt == NULL || eval(flt, flt->root, f);
}
