/* test_pdf_read.c - unit tests of host/pdf.c: a PDF's lines as lint reads them. The
 * documents are made here with cairo's PDF surface and Pango (linked when NB_HAVE_PDF is
 * defined; without them this test fails, it does not skip): text at known places, as a
 * report's page and tables set it: a paragraph, columns of figures, labels that wrap
 * around their row's figures (centred, or from the top of the row), a group label over
 * several rows, a label run into its first figure, a table that goes on on the next page
 * under its repeated header. Then documents poppler refuses: garbage, an encrypted one, a
 * truncated one; and the limits. */
#include "pdf.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static nb_buf got;
static int not_text; /* lines given as cells */

/* Each line as "LINE:text" (a form feed as "<FF>"), one per line. */
static int collect(void *ud, long line, const char *text, const char *const *cells, size_t n)
{
    int *stop_after = ud;
    nb_buf_printf(&got, "%ld:", line);
    if (cells || n || !text)
        not_text++;
    for (const char *p = text; *p; p++) {
        if (*p == '\f')
            nb_buf_adds(&got, "<FF>");
        else
            nb_buf_add(&got, p, 1);
    }
    nb_buf_adds(&got, "\n");
    return stop_after && --*stop_after == 0;
}

static nb_err lines(const char *pdf, size_t len, char *err, int *stop)
{
    got.len = 0;
    nb_buf_adds(&got, "");
    err[0] = '\0';
    return nb_pdf_lines(pdf, len, collect, stop, err, 512);
}

/* An encrypted document (the standard security handler, RC4 40 bits) whose password is
 * not empty: poppler cannot open it without it. */
static void encrypted(nb_buf *b)
{
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        "<< /Filter /Standard /V 1 /R 2 /O <1111111111111111111111111111111111111111111111111111"
        "111111111111> /U <222222222222222222222222222222222222222222222222222222222222222"
        "2> /P -44 >>",
    };
    long off[4];
    b->len = 0;
    nb_buf_adds(b, "%PDF-1.4\n");
    for (int i = 0; i < 4; i++) {
        off[i] = (long)b->len;
        nb_buf_printf(b, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    long xref = (long)b->len;
    nb_buf_adds(b, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 0; i < 4; i++)
        nb_buf_printf(b, "%010ld 00000 n \n", off[i]);
    nb_buf_printf(b, "trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID "
                     "[<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\n"
                     "startxref\n%ld\n%%%%EOF\n", xref);
}

/* Under LeakSanitizer: what cairo's PDF surface and fontconfig keep for good while this
 * test makes its documents is theirs, not the reader's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\nleak:libfontconfig.so\n";
}

#ifdef NB_HAVE_PDF
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return nb_buf_add(closure, data, length) ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

typedef struct {
    cairo_surface_t *s;
    cairo_t *cr;
    PangoLayout *l;
} doc;

static void doc_open(doc *d, nb_buf *b)
{
    b->len = 0;
    d->s = cairo_pdf_surface_create_for_stream(to_buf, b, 595, 842);
    d->cr = cairo_create(d->s);
    d->l = pango_cairo_create_layout(d->cr);
    PangoFontDescription *f = pango_font_description_from_string("Noto Sans CJK SC");
    pango_font_description_set_absolute_size(f, 10.5 * PANGO_SCALE);
    pango_layout_set_font_description(d->l, f);
    pango_font_description_free(f);
}

/* TEXT with its top left at X, Y (points). */
static void put(doc *d, double x, double y, const char *text)
{
    cairo_move_to(d->cr, x, y);
    pango_layout_set_text(d->l, text, -1);
    pango_cairo_show_layout(d->cr, d->l);
}

/* TEXT ending at X (a right-aligned figure). */
static void put_right(doc *d, double x, double y, const char *text)
{
    int w, h;
    pango_layout_set_text(d->l, text, -1);
    pango_layout_get_size(d->l, &w, &h);
    put(d, x - (double)w / PANGO_SCALE, y, text);
}

/* The width of TEXT. */
static double width(doc *d, const char *text)
{
    int w, h;
    pango_layout_set_text(d->l, text, -1);
    pango_layout_get_size(d->l, &w, &h);
    return (double)w / PANGO_SCALE;
}

/* Figures at the three columns of a row at Y. */
static void figures(doc *d, double y, const char *a, const char *b, const char *c)
{
    put_right(d, 330, y, a);
    put_right(d, 390, y, b);
    put_right(d, 520, y, c);
}

static void doc_close(doc *d)
{
    g_object_unref(d->l);
    cairo_destroy(d->cr);
    cairo_surface_finish(d->s);
    cairo_surface_destroy(d->s);
}

/* A report's pages: a paragraph, a table with every way a label is laid out, the table
 * going on on page 2 under its repeated header, a page without text. */
static void report(nb_buf *b)
{
    doc d;
    doc_open(&d, b);
    put(&d, 60, 40, "三、收到和处理政府信息公开申请情况");
    put(&d, 60, 62, "2020年共收到申请220件，see the table below.");
    /* the header: text over the figures */
    put(&d, 130, 100, "项目");
    put_right(&d, 330, 100, "自然人");
    put_right(&d, 390, 100, "法人");
    put_right(&d, 520, 100, "总计");
    /* a label on one line */
    put(&d, 130, 130, "1.属于国家秘密");
    figures(&d, 130, "0", "0", "0");
    /* a label over two lines, its row's figures centred between them */
    put(&d, 130, 160, "2.其他法律行政法");
    put(&d, 140, 175, "规禁止公开");
    figures(&d, 167.5, "20", "1", "21");
    /* a label over three lines, the figures on the middle one */
    put(&d, 130, 205, "5.要求行政机关");
    put(&d, 130, 220, "确认或重新出具");
    put(&d, 140, 235, "已获取信息");
    figures(&d, 220, "+25", "-6", "21350.46万元");
    /* a label from the top of its row, the figures on its first line */
    put(&d, 130, 265, "4.保护第三方合");
    put(&d, 130, 280, "法权益");
    figures(&d, 265, "9", "/", "9");
    /* a group label over the rows above, in its own column, between rows */
    put(&d, 60, 190, "（三）不");
    put(&d, 60, 205, "予公开");
    /* a label run into its first figure (a cell without margins) */
    put(&d, 130, 310, "规范性文件");
    put(&d, 130 + width(&d, "规范性文件"), 310, "12");
    put_right(&d, 390, 310, "3");
    put_right(&d, 520, 310, "15");
    /* a page number at the foot */
    put(&d, 280, 800, "— 3 —");
    cairo_show_page(d.cr);
    /* page 2: the header again, the table goes on */
    put(&d, 130, 60, "项目");
    put_right(&d, 330, 60, "自然人");
    put_right(&d, 390, 60, "法人");
    put_right(&d, 520, 60, "总计");
    put(&d, 130, 90, "6.属于四类过程性信息");
    figures(&d, 90, "1", "0", "1");
    cairo_show_page(d.cr);
    cairo_show_page(d.cr); /* a page without text */
    doc_close(&d);
}

static void pages(nb_buf *b, int n)
{
    doc d;
    doc_open(&d, b);
    for (int i = 0; i < n; i++)
        cairo_show_page(d.cr);
    doc_close(&d);
}
#endif

int main(void)
{
    char err[512];
    nb_buf pdf = {0};
#ifdef NB_HAVE_PDF
    report(&pdf);
    CHECK(pdf.len > 1000 && memcmp(pdf.data, "%PDF-", 5) == 0, "cairo made a PDF");
    CHECK(lines(pdf.data, pdf.len, err, NULL) == NB_OK, "report: read");
    CHECK_STR(got.data,
              "1:三、收到和处理政府信息公开申请情况\n"
              "2:2020年共收到申请220件，see the table below.\n"
              "3:项目  自然人  法人  总计\n"
              "4:1.属于国家秘密  0  0  0\n"
              "5:2.其他法律行政法规禁止公开  20  1  21\n"
              "6:（三）不予公开\n"
              "7:5.要求行政机关确认或重新出具已获取信息  +25  -6  21350.46万元\n"
              "8:4.保护第三方合法权益  9  /  9\n"
              "9:规范性文件  12  3  15\n"
              "10:— 3 —\n"
              "11:<FF>项目  自然人  法人  总计\n"
              "12:6.属于四类过程性信息  1  0  1\n",
              "report: a line per row, wrapped labels joined on their row's line (centred or "
              "from the top), the group label joined in its column, a figure cut from its "
              "label, Latin words spaced, CJK joined, page 2 after a form feed, numbered on");

    int stop = 2;
    CHECK(lines(pdf.data, pdf.len, err, &stop) == NB_OK, "stop: NB_OK");
    CHECK_STR(got.data, "1:三、收到和处理政府信息公开申请情况\n2:2020年共收到申请220件，see the table below.\n",
              "stop: nothing after the callback said stop");

    /* a document cut short: poppler repairs it or refuses it, never crashes */
    nb_err rc = lines(pdf.data, pdf.len / 2, err, NULL);
    CHECK(rc == NB_OK || (rc == NB_ERR_INPUT && strstr(err, "(poppler: ")), "truncated: read or refused");

    pages(&pdf, 3);
    CHECK(lines(pdf.data, pdf.len, err, NULL) == NB_OK, "no text: NB_OK");
    CHECK_STR(got.data, "", "no text: no line");

    pages(&pdf, NB_PDF_MAX_PAGES + 1);
    CHECK(lines(pdf.data, pdf.len, err, NULL) == NB_ERR_LIMIT, "501 pages: NB_ERR_LIMIT");
    CHECK_STR(err, "a PDF of 501 pages, more than 500", "501 pages: said");
    CHECK_STR(got.data, "", "501 pages: no line");
    /* Pango's and cairo's caches, so that the leak checkers see only what is ours */
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
#else
    CHECK(0, "test_pdf_read needs cairo-pdf and pangocairo (the Debian packages libcairo2-dev and "
             "libpango1.0-dev) to make its documents");
#endif

    const char *garbage = "this is not a PDF at all";
    CHECK(lines(garbage, strlen(garbage), err, NULL) == NB_ERR_INPUT, "garbage: NB_ERR_INPUT");
    CHECK_STR(err, "not a PDF file that can be read (poppler: PDF document is damaged)",
              "garbage: poppler's own words");
    CHECK(lines("", 0, err, NULL) == NB_ERR_INPUT, "empty: NB_ERR_INPUT");
    CHECK(lines("%PDF-1.4\n", 9, err, NULL) == NB_ERR_INPUT, "a header only: NB_ERR_INPUT");

    encrypted(&pdf);
    CHECK(lines(pdf.data, pdf.len, err, NULL) == NB_ERR_INPUT, "encrypted: NB_ERR_INPUT");
    CHECK_STR(err, "an encrypted PDF: it opens only with its password, which nianbao does not "
                   "take (poppler: Document is encrypted)", "encrypted: said, with poppler's words");

    /* the size is refused before anything is read (the bytes past the buffer are not) */
    CHECK(lines(garbage, (size_t)NB_PDF_MAX_BYTES + 1, err, NULL) == NB_ERR_LIMIT,
          "over the size limit: NB_ERR_LIMIT");
    CHECK_STR(err, "a PDF file of more than 256 MiB", "over the size limit: said");

    CHECK(not_text == 0, "every line is given as text, never as cells");
    nb_buf_free(&pdf);
    nb_buf_free(&got);
    T_DONE();
}
