/* core/format.c: values printed the way tshark 4.0 prints them in -T fields. */
#include "fields.h"

#include <stdio.h>
#include <string.h>

/* RFC 5952 text, as glibc's inet_ntop (which Wireshark uses) writes it: the longest run of
 * two or more zero groups (the first on a tie) becomes "::", and ::ffff:a.b.c.d and
 * ::a.b.c.d keep their IPv4 tail. */
static size_t fmt_ipv6(const uint8_t a[16], char *buf, size_t cap)
{
    unsigned w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (w[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2)
        best = -1;
    char tmp[64];
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                tmp[n++] = ':';
            continue;
        }
        if (i != 0)
            tmp[n++] = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
            n += (size_t)snprintf(tmp + n, sizeof tmp - n, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
            break;
        }
        n += (size_t)snprintf(tmp + n, sizeof tmp - n, "%x", w[i]);
    }
    if (best >= 0 && best + best_len == 8)
        tmp[n++] = ':';
    tmp[n] = '\0';
    return (size_t)snprintf(buf, cap, "%s", tmp);
}

static size_t fmt_time(int64_t ns, char *buf, size_t cap)
{
    const char *sign = "";
    uint64_t mag;
    if (ns < 0) {
        sign = "-";
        mag = (uint64_t)(-(ns + 1)) + 1;
    } else {
        mag = (uint64_t)ns;
    }
    return (size_t)snprintf(buf, cap, "%s%llu.%09llu", sign,
                            (unsigned long long)(mag / 1000000000u),
                            (unsigned long long)(mag % 1000000000u));
}

/* Strings are printed as their bytes (UTF-8 passes, as in tshark); control bytes are
 * escaped as \xNN so a hostile name cannot break a tab-separated line. Dissectors that
 * have their own escaping (DNS labels) have already applied it. */
static size_t fmt_string(const char *s, size_t len, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        size_t el;
        if (ch >= 0x20 && ch != 0x7f) {
            esc[0] = (char)ch;
            el = 1;
        } else {
            el = (size_t)snprintf(esc, sizeof esc, "\\x%02x", ch);
        }
        if (n + el >= cap)
            break;
        memcpy(buf + n, esc, el);
        n += el;
    }
    buf[n] = '\0';
    return n;
}

size_t ns_field_format(enum ns_field_id id, const struct ns_val *v, char *buf, size_t cap)
{
    const struct ns_field *f = &ns_fields[id];
    int width = 0;
    if (cap == 0)
        return 0;
    switch (f->type) {
    case NS_FT_BOOL:
        return (size_t)snprintf(buf, cap, "%u", v->v.u ? 1u : 0u);
    case NS_FT_U8: width = 2; break;
    case NS_FT_U16: width = 4; break;
    case NS_FT_U32: width = 8; break;
    case NS_FT_U64: width = 16; break;
    case NS_FT_IPV4:
        return (size_t)snprintf(buf, cap, "%u.%u.%u.%u", v->v.addr[0], v->v.addr[1],
                                v->v.addr[2], v->v.addr[3]);
    case NS_FT_IPV6:
        return fmt_ipv6(v->v.addr, buf, cap);
    case NS_FT_ETHER:
        return (size_t)snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", v->v.addr[0],
                                v->v.addr[1], v->v.addr[2], v->v.addr[3], v->v.addr[4],
                                v->v.addr[5]);
    case NS_FT_STRING:
        return fmt_string(v->s, v->len, buf, cap);
    case NS_FT_ABS_TIME:
    case NS_FT_REL_TIME:
        return fmt_time(v->v.i, buf, cap);
    case NS_FT_I32:
        return (size_t)snprintf(buf, cap, "%lld", (long long)v->v.i);
    case NS_FT_NONE:
        return (size_t)snprintf(buf, cap, "1");
    }
    if (f->disp == NS_FD_HEX)
        return (size_t)snprintf(buf, cap, "0x%0*llx", width, (unsigned long long)v->v.u);
    return (size_t)snprintf(buf, cap, "%llu", (unsigned long long)v->v.u);
}
