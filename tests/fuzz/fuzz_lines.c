/* fuzz_lines.c - libFuzzer target: the readers of published reports, on any bytes. Built
 * three times by `make fuzz`: fuzz_html (html.c, libxml2's HTML parser underneath),
 * fuzz_docx (-DFUZZ_DOCX: docx.c, minizip from memory and expat, and workbook.c, the XLSX
 * reader from a memory file, on inputs that start as a zip archive does) and fuzz_pdf (-DFUZZ_PDF: pdf.c, poppler underneath and the layout
 * of its characters, on inputs that start as a PDF does). Every line and cell is read to
 * the end; a crash, a leak or undefined behaviour is a finding. */
#include <stdint.h>
#include <string.h>

#include "docx.h"
#include "html.h"
#include "pdf.h"
#include "workbook.h"

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

static int touch_row(void *ud, long line, const char *sheet, long row, const char *text,
                     const char *const *cells, size_t n)
{
    *(size_t *)ud += strlen(sheet) + (size_t)row;
    return touch(ud, line, text, cells, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t total = 0;
    char err[512];
#ifdef FUZZ_DOCX
    if (size < 4 || memcmp(data, "PK\3\4", 4) != 0)
        return 0;
    nb_docx_lines((const char *)data, size, touch, &total, err, sizeof err);
    nb_workbook_lines((const char *)data, size, touch_row, &total, err, sizeof err);
#elif defined FUZZ_PDF
    if (size < 5 || memcmp(data, "%PDF-", 5) != 0)
        return 0;
    nb_pdf_lines((const char *)data, size, touch, &total, err, sizeof err);
#else
    const char *enc;
    nb_html_lines((const char *)data, size, touch, &total, &enc, err, sizeof err);
#endif
    return 0;
}
