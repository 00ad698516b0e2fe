/* fuzz_html.c - libFuzzer target: the HTML page reader (html.c, libxml2's HTML parser
 * underneath) on any bytes. Every line and cell is read to the end; a crash, a leak or
 * undefined behaviour is a finding. */
#include <stdint.h>
#include <string.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int touch(void *ud, long line, const char *text, const char *const *cells, size_t n)
{
    size_t *total = ud;
    *total += (size_t)line;
    if (text)
        *total += strlen(text);
    for (size_t i = 0; i < n; i++)
        *total += strlen(cells[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t total = 0;
    const char *enc;
    char err[512];
    nb_html_lines((const char *)data, size, touch, &total, &enc, err, sizeof err);
    return 0;
}
