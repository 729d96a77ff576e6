#include "packet.h"

static const char *const names[NS_MALFORMED_COUNT] = {
#define NS_X(id, text) #id,
    NS_MALFORMED_LIST(NS_X)
#undef NS_X
};

static const char *const texts[NS_MALFORMED_COUNT] = {
#define NS_X(id, text) text,
    NS_MALFORMED_LIST(NS_X)
#undef NS_X
};

const char *ns_malformed_name(enum ns_malformed m)
{
    return (unsigned)m < NS_MALFORMED_COUNT ? names[m] : "UNKNOWN";
}

const char *ns_malformed_text(enum ns_malformed m)
{
    return (unsigned)m < NS_MALFORMED_COUNT ? texts[m] : "unknown reason";
}
