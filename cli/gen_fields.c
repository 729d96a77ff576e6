/* cli/gen_fields.c: writes docs/fields.md from the field registry, so the document
 * cannot drift from the code (a test compares the committed file with this output). */
#include <stdio.h>

#include "../core/fields.h"

static const char *type_name(enum ns_ftype t)
{
    switch (t) {
    case NS_FT_BOOL: return "boolean";
    case NS_FT_U8: return "uint8";
    case NS_FT_U16: return "uint16";
    case NS_FT_U32: return "uint32";
    case NS_FT_U64: return "uint64";
    case NS_FT_IPV4: return "IPv4 address";
    case NS_FT_IPV6: return "IPv6 address";
    case NS_FT_ETHER: return "Ethernet address";
    case NS_FT_STRING: return "string";
    case NS_FT_ABS_TIME: return "absolute time";
    case NS_FT_REL_TIME: return "relative time";
    case NS_FT_I32: return "int32";
    case NS_FT_NONE: return "label (present or absent)";
    }
    return "?";
}

int main(void)
{
    puts("# netscope fields\n");
    puts("Generated from the field registry (`core/fields.h`, `NS_FIELDS`) by `ns-gen-fields`;");
    puts("do not edit by hand (`ninja -C build docs/fields.md` is checked by the tests).\n");
    puts("A field named like a Wireshark field has that field's meaning and is printed exactly as");
    puts("tshark 4.0 prints it with `-T fields`. Every occurrence in a frame is listed, outermost");
    puts("first, including headers quoted inside ICMP errors, as tshark does.\n");
    puts("| Field | Type | Display | Title | Description |");
    puts("|---|---|---|---|---|");
    for (size_t i = 0; i < NS_FIELD_COUNT; i++) {
        const struct ns_field *f = &ns_fields[i];
        printf("| `%s` | %s | %s | %s | %s |\n", f->abbrev, type_name(f->type),
               f->disp == NS_FD_HEX ? "hex" : f->disp == NS_FD_DEC ? "decimal" : "-", f->title, f->blurb);
    }
    return 0;
}
