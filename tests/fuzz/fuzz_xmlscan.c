/* fuzz_xmlscan.c - libFuzzer target: host/xmlscan.c against expat on any bytes. The
 * first two bytes choose the chunk size (1-256) and how often a handler stops the
 * scanner (0: never); the rest is the document. A document the scanner reads itself
 * must be one expat accepts, with the same events (xmlscan_diff.h); a difference is
 * a finding, and so are a crash, a leak or undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>

#include "xmlscan_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char why[1024];
    size_t chunk = (size_t)data[0] + 1;
    int stop = data[1] % 8;
    if (xs_diff((const char *)data + 2, size - 2, chunk, stop, why, sizeof why) < 0) {
        fprintf(stderr, "xmlscan differs from expat: %s\n", why);
        abort();
    }
    return 0;
}
