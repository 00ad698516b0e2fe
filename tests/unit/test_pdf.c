/* test_pdf.c - unit tests of the PDF exporter (export_pdf.c), read back with poppler-glib. */
#include "doc.h"
#include "export.h"
#include "docs.h"
#include "testdir.h"
#include "t.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef NB_HAVE_PDF
#include <poppler.h>
#endif

/* ---- building a document by hand (nb_doc_free frees it) ---------------- */

#define NROWS 44 /* data rows of the big table: more than a page holds */

/* Labels of the big table's rows under its tall group label (rows 4 to 11). */
static const char *const labels[] = {
    "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
    "5.要求行政机关确认或重新出具已获取信息",
    "6.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "7.属于行政执法案卷",
    "8.属于行政查询事项",
};

/* 表三 as the national format has it: three label columns, a three-row merged
 * header, seven data columns, a tall group label over every data row but the
 * first. Row r's numbers are 100 + r, 200 + r, four zeros and their sum. */
static void build_requests(nb_table *t)
{
    static const char *const kinds[] = {"商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"};
    static const char *const keys[] = {"business", "research", "ngo", "legal", "other"};
    int n = 3 + NROWS;

    table_init(t, "requests", "三、收到和处理政府信息公开申请情况", n, 10, 3, 8 + NROWS);
    put_text(t, 0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 1);
    merge(t, 0, 0, 2, 2);
    put_text(t, 0, 3, "申请人情况", 1);
    merge(t, 0, 3, 0, 9);
    put_text(t, 1, 3, "自然人", 1);
    merge(t, 1, 3, 2, 3);
    put_text(t, 1, 4, "法人或其他组织", 1);
    merge(t, 1, 4, 1, 8);
    put_text(t, 1, 9, "总计", 1);
    merge(t, 1, 9, 2, 9);
    for (int k = 0; k < 5; k++)
        put_text(t, 2, 4 + k, kinds[k], 1);
    put_text(t, 3, 0, "一、本年新收政府信息公开申请数量", 1);
    merge(t, 3, 0, 3, 2);
    put_text(t, 4, 0, "三、本年度办理结果", 1);
    merge(t, 4, 0, n - 1, 0);
    put_text(t, 4, 1, "（三）不予公开", 1);
    merge(t, 4, 1, 11, 1);
    for (int r = 3; r < n; r++) {
        char key[16];
        snprintf(key, sizeof key, "row%d", r);
        t->row_keys[r] = xstrdup(key);
        if (r >= 4 && r < 12) {
            put_text(t, r, 2, labels[r - 4], 1);
        } else if (r >= 12) {
            char label[64];
            snprintf(label, sizeof label, "（%d）第%d项事项", r, r);
            put_text(t, r, 1, label, 1);
            merge(t, r, 1, r, 2);
        }
        put_int(t, r, 3, "person", 100 + r);
        put_int(t, r, 4, keys[0], 200 + r);
        for (int k = 1; k < 5; k++)
            put_int(t, r, 4 + k, keys[k], 0);
        put_int(t, r, 9, "total", 300 + 2 * r);
    }
}

static void build_local(nb_table *t)
{
    table_init(t, "local", "附表 本地事项", 2, 2, 1, 1);
    put_text(t, 0, 0, "项目", 1);
    put_text(t, 0, 1, "说明", 1);
    put_text(t, 1, 0, "收费", 1);
    put_text(t, 1, 1, "本年未收取任何费用。", 0);
}

typedef struct {
    nb_block_type type;
    int level;
    const char *text;
    int table;
} block_def;

static nb_doc *doc_new(const block_def *blocks, int n)
{
    nb_doc *d = xcalloc(1, sizeof *d);

    d->title = xstrdup("测试区人民政府2020年政府信息公开工作年度报告");
    d->body = xstrdup("测试区人民政府");
    d->year = 2020;
    d->format = xstrdup("gov2019");
    d->created = 1609459200; /* 2021-01-01T00:00:00Z */
    d->nblocks = n;
    d->blocks = xcalloc((size_t)n, sizeof *d->blocks);
    for (int i = 0; i < n; i++) {
        d->blocks[i].type = blocks[i].type;
        d->blocks[i].level = blocks[i].level;
        d->blocks[i].text = blocks[i].text ? xstrdup(blocks[i].text) : NULL;
        d->blocks[i].table = blocks[i].table;
    }
    return d;
}

static nb_doc *build_doc(void)
{
    static const block_def blocks[] = {
        {NB_BLOCK_HEADING, 1, "一、总体情况", 0},
        {NB_BLOCK_PARA, 0, "全年在政府网站发布信息13000余条，通过微信公众号发布信息3460余条。", 0},
        {NB_BLOCK_HEADING, 2, "（一）主动公开", 0},
        {NB_BLOCK_PARA, 0, "主动公开情况良好。", 0},
        {NB_BLOCK_HEADING, 1, "三、收到和处理政府信息公开申请情况", 0},
        {NB_BLOCK_TABLE, 0, NULL, 0},
        {NB_BLOCK_HEADING, 1, "四、其他事项", 0},
        {NB_BLOCK_TABLE, 0, NULL, 1},
    };
    nb_doc *d = doc_new(blocks, (int)(sizeof blocks / sizeof blocks[0]));
    nb_check *k;

    d->ntables = 2;
    d->tables = xcalloc(2, sizeof *d->tables);
    build_requests(&d->tables[0]);
    build_local(&d->tables[1]);
    /* a check, which the report must not show */
    d->nchecks = 1;
    d->checks = k = xcalloc(1, sizeof *d->checks);
    k->id = xstrdup("H1");
    k->severity = xstrdup("error");
    k->title = xstrdup("检查标题不应出现");
    k->formula = xstrdup("一 + 二 = 七");
    k->left.text = xstrdup("");
    k->right.text = xstrdup("");
    k->status = xstrdup("FAIL");
    k->message = xstrdup("检查消息不应出现");
    return d;
}

#ifdef NB_HAVE_PDF

/* ---- reading a PDF back: words with their place ------------------------- */

#define TOP 104.88  /* the top of the text (37 mm), points from the top of the page */
#define FOOT 742.68 /* its foot (297 - 35 mm) */
#define LINE 28.99  /* the body's line pitch */

/* A word of the page: characters in a row with no gap wider than 3 pt. */
typedef struct {
    char text[512];
    int page;     /* from 1 */
    double x1, x2, y;
} word;

typedef struct {
    PopplerDocument *doc;
    word *words;
    int nwords, cap;
    int pages;
} pdf_text;

static void add_word(pdf_text *p, const word *w)
{
    if (w->text[0] == '\0')
        return;
    if (p->nwords == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->words = realloc(p->words, (size_t)p->cap * sizeof *p->words);
        if (!p->words)
            abort();
    }
    p->words[p->nwords++] = *w;
}

/* Opens PATH and cuts every page's text into words. 0 on failure. */
static int pdf_open(pdf_text *p, const char *path)
{
    GError *error = NULL;
    char *uri = g_filename_to_uri(path, NULL, NULL);

    memset(p, 0, sizeof *p);
    p->doc = uri ? poppler_document_new_from_file(uri, NULL, &error) : NULL;
    g_free(uri);
    if (!p->doc) {
        printf("# %s: %s\n", path, error ? error->message : "not opened");
        if (error)
            g_error_free(error);
        return 0;
    }
    p->pages = poppler_document_get_n_pages(p->doc);
    for (int i = 0; i < p->pages; i++) {
        PopplerPage *page = poppler_document_get_page(p->doc, i);
        PopplerRectangle *rects = NULL;
        guint nrects = 0;
        char *text = poppler_page_get_text(page);
        const char *s = text;
        word w;
        size_t len = 0;

        memset(&w, 0, sizeof w);
        poppler_page_get_text_layout(page, &rects, &nrects);
        for (guint k = 0; k < nrects && s && *s; k++, s = g_utf8_next_char(s)) {
            size_t n = (size_t)(g_utf8_next_char(s) - s);
            PopplerRectangle *r = &rects[k];
            if (*s == ' ' || *s == '\n' || *s == '\t') {
                add_word(p, &w);
                memset(&w, 0, sizeof w);
                len = 0;
                continue;
            }
            if (len > 0 && (fabs(r->y1 - w.y) > 2 || r->x1 - w.x2 > 3 || r->x1 < w.x1)) {
                add_word(p, &w);
                memset(&w, 0, sizeof w);
                len = 0;
            }
            if (len == 0) {
                w.page = i + 1;
                w.x1 = r->x1;
                w.y = r->y1;
            }
            if (len + n < sizeof w.text) {
                memcpy(w.text + len, s, n);
                len += n;
                w.text[len] = '\0';
            }
            w.x2 = r->x2;
        }
        add_word(p, &w);
        g_free(rects);
        g_free(text);
        g_object_unref(page);
    }
    return 1;
}

static void pdf_close(pdf_text *p)
{
    if (p->doc)
        g_object_unref(p->doc);
    free(p->words);
    memset(p, 0, sizeof *p);
}

/* The page where the word W is, 0 if none. */
static int page_of(const pdf_text *p, const char *w)
{
    for (int i = 0; i < p->nwords; i++) {
        if (strcmp(p->words[i].text, w) == 0)
            return p->words[i].page;
    }
    return 0;
}

/* The page of the first word that begins with PREFIX, 0 if none. */
static int page_of_prefix(const pdf_text *p, const char *prefix)
{
    for (int i = 0; i < p->nwords; i++) {
        if (strncmp(p->words[i].text, prefix, strlen(prefix)) == 0)
            return p->words[i].page;
    }
    return 0;
}

/* Words equal to W on PAGE (0: any page). */
static int count_word(const pdf_text *p, const char *w, int page)
{
    int n = 0;
    for (int i = 0; i < p->nwords; i++) {
        if ((page == 0 || p->words[i].page == page) && strcmp(p->words[i].text, w) == 0)
            n++;
    }
    return n;
}

/* 1 when the rest of a text, REST, is read from word I on: the word begins it,
 * and what it leaves is the beginning of a word on one of the next lines of the
 * same page (a cell's text broken over lines). */
static int read_from(const pdf_text *p, int i, const char *rest, int depth)
{
    const word *w = &p->words[i];
    size_t n = strlen(w->text);

    if (strncmp(rest, w->text, n) != 0)
        return 0;
    rest += n;
    if (*rest == '\0')
        return 1;
    if (depth >= 6)
        return 0;
    for (int j = 0; j < p->nwords; j++) {
        const word *u = &p->words[j];
        if (u->page == w->page && u->y > w->y + 2 && u->y < w->y + 40 && read_from(p, j, rest, depth + 1))
            return 1;
    }
    return 0;
}

/* 1 when TEXT is on a page: a word, or words on lines one below the other. */
static int has_text(const pdf_text *p, const char *text)
{
    for (int i = 0; i < p->nwords; i++) {
        if (read_from(p, i, text, 0))
            return 1;
    }
    return 0;
}

/* The words of PAGE's lowest line, joined by spaces, into OUT. */
static void last_line(const pdf_text *p, int page, char *out, size_t len)
{
    double y = -1;
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < p->nwords; i++) {
        if (p->words[i].page == page && p->words[i].y > y)
            y = p->words[i].y;
    }
    for (int i = 0; i < p->nwords; i++) {
        const word *w = &p->words[i];
        if (w->page == page && fabs(w->y - y) <= 2)
            used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s", used ? " " : "", w->text);
    }
}

/* ---- tests ---------------------------------------------------------------- */

/* Every label and every number of the tables, the headings, the paragraphs;
 * not the checks. */
static void test_text(const nb_doc *d, const pdf_text *p)
{
    int missing = 0, numbers = 1;

    for (int t = 0; t < d->ntables; t++) {
        const nb_table *tb = &d->tables[t];
        for (int i = 0; i < tb->nrows * tb->ncols; i++) {
            const nb_cell *c = &tb->cells[i];
            if (c->type == NB_V_TEXT && *c->text && !has_text(p, c->text)) {
                printf("# missing: %s\n", c->text);
                missing++;
            }
        }
    }
    CHECK(missing == 0, "text: every label of the tables is on a page (a broken one on lines below each other)");
    /* each number r of the big table's rows as often as it is in the table */
    for (int r = 3; r < 3 + NROWS; r++) {
        char a[16], b[16], s[16];
        snprintf(a, sizeof a, "%d", 100 + r);
        snprintf(b, sizeof b, "%d", 200 + r);
        snprintf(s, sizeof s, "%d", 300 + 2 * r);
        if (count_word(p, a, 0) < 1 || count_word(p, b, 0) < 1 || count_word(p, s, 0) < 1) {
            printf("# numbers of row %d: %s %s %s\n", r, a, b, s);
            numbers = 0;
        }
    }
    CHECK(numbers && count_word(p, "0", 0) >= 4 * NROWS, "text: every number of the table is a word of its own");
    CHECK(has_text(p, d->title) && has_text(p, "一、总体情况") && has_text(p, "（一）主动公开")
              && has_text(p, "主动公开情况良好。") && count_word(p, "附表", 0) == 1 && count_word(p, "本地事项", 0) == 1,
          "text: the title, the headings, the paragraphs and the caption");
    CHECK(!has_text(p, "检查消息不应出现") && !has_text(p, "检查标题不应出现"), "text: the checks are not in the report");
}

/* The word W on PAGE, or NULL. */
static const word *word_on(const pdf_text *p, const char *w, int page)
{
    for (int i = 0; i < p->nwords; i++) {
        if (p->words[i].page == page && strcmp(p->words[i].text, w) == 0)
            return &p->words[i];
    }
    return NULL;
}

/* The header row again at the top of the page the table runs onto, inside
 * the page and above the rows; words of the header never broken; the page
 * numbers. */
static void test_pages(const pdf_text *p)
{
    char line[128];
    int p1 = page_of(p, "（12）第12项事项"), pn = page_of(p, "（46）第46项事项");
    const word *head = word_on(p, "申请人情况", pn), *row = NULL;

    for (int i = 0; i < p->nwords; i++) { /* the first row of the table on page pn */
        const word *w = &p->words[i];
        if (w->page == pn && strstr(w->text, "项事项") && (!row || w->y < row->y))
            row = w;
    }
    CHECK(p1 > 0 && pn > p1, "pages: the big table runs onto another page");
    CHECK(count_word(p, "自然人", p1) == 1 && count_word(p, "商业企业", pn) == 1 && count_word(p, "科研机构", pn) == 1
              && count_word(p, "申请人情况", pn) == 1 && count_word(p, "总计", pn) == 1,
          "pages: the header rows again on the page the table goes on to, their words whole");
    CHECK(head && row && head->y >= TOP - 1 && head->y < row->y, "pages: the repeated header is at the top of the page, above the rows");
    last_line(p, 1, line, sizeof line);
    CHECK_STR(line, "— 1 —", "pages: page 1 is numbered at its foot");
    last_line(p, 2, line, sizeof line);
    CHECK_STR(line, "— 2 —", "pages: page 2 is numbered at its foot");
}

/* Each row's label and its numbers on one line (the first line of a label
 * broken over two): read as one line of text. */
static void test_rows(const pdf_text *p)
{
    int same = 1;

    for (int r = 4; r < 3 + NROWS; r++) {
        char want[16], label[64];
        const char *text = r < 12 ? labels[r - 4] : label;
        int found = 0;
        snprintf(label, sizeof label, "（%d）第%d项事项", r, r);
        snprintf(want, sizeof want, "%d", 100 + r);
        for (int i = 0; i < p->nwords && !found; i++) {
            const word *w = &p->words[i];
            if (!read_from(p, i, text, 0))
                continue;
            for (int j = 0; j < p->nwords; j++) {
                const word *u = &p->words[j];
                if (u->page == w->page && fabs(u->y - w->y) <= 2 && strcmp(u->text, want) == 0)
                    found = 1;
            }
        }
        if (!found) {
            printf("# row %d: its numbers are not on the line where its label begins\n", r);
            same = 0;
        }
    }
    CHECK(same, "rows: each row's numbers on the line where its label begins");
}

static void test_metadata(const nb_doc *d, const pdf_text *p)
{
    char *title = poppler_document_get_title(p->doc);
    char *author = poppler_document_get_author(p->doc);
    char *creator = poppler_document_get_creator(p->doc);
    PopplerFontInfo *info = poppler_font_info_new(p->doc);
    PopplerFontsIter *iter = NULL;
    int fonts = 0, embedded = 0;

    CHECK_STR(title, d->title, "metadata: the title is the report's");
    CHECK_STR(author, d->body, "metadata: the author is the body");
    CHECK_STR(creator, "nianbao", "metadata: the creator is nianbao");
    CHECK((long long)poppler_document_get_creation_date(p->doc) == d->created,
          "metadata: the creation date is the document's own");
    if (poppler_font_info_scan(info, p->pages, &iter) && iter) {
        do {
            fonts++;
            embedded += poppler_fonts_iter_is_embedded(iter) ? 1 : 0;
        } while (poppler_fonts_iter_next(iter));
        poppler_fonts_iter_free(iter);
    }
    CHECK(fonts >= 2 && embedded == fonts, "metadata: every font is embedded");
    g_object_unref(info);
    g_free(title);
    g_free(author);
    g_free(creator);
}

/* The names of PATH's fonts, each followed by a space, into OUT. */
static void font_names(const char *path, char *out, size_t len)
{
    pdf_text p;
    PopplerFontInfo *info;
    PopplerFontsIter *iter = NULL;
    size_t used = 0;

    out[0] = '\0';
    if (!pdf_open(&p, path))
        return;
    info = poppler_font_info_new(p.doc);
    if (poppler_font_info_scan(info, p.pages, &iter) && iter) {
        do {
            const char *name = poppler_fonts_iter_get_name(iter);
            used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s ", name ? name : "?");
        } while (poppler_fonts_iter_next(iter));
        poppler_fonts_iter_free(iter);
    }
    g_object_unref(info);
    pdf_close(&p);
}

/* The fonts of the roles: the defaults (GB/T 9704's by their Windows names,
 * then Noto CJK), or the document's own family lists. */
static void test_fonts(nb_doc *d)
{
    char err[512], names[1024];

    nb_export_pdf(d, tmp("f.pdf"), err, sizeof err);
    font_names(tmp("f.pdf"), names, sizeof names);
    CHECK(contains(names, "NotoSerifCJKsc-Regular") && contains(names, "NotoSerifCJKsc-Bold")
              && contains(names, "NotoSansCJKsc-Regular") && !contains(names, "NotoSansCJKsc-Bold"),
          "fonts: by default the body in Noto Serif CJK (仿宋 missing), the part headings in Noto Sans CJK (黑体)");
    if (!contains(names, "NotoSerifCJKsc-Bold"))
        printf("# fonts: %s\n", names);
    d->fonts[NB_FONT_BODY] = xstrdup("No Such Font,Noto Sans CJK SC");
    nb_export_pdf(d, tmp("f.pdf"), err, sizeof err);
    font_names(tmp("f.pdf"), names, sizeof names);
    CHECK(contains(names, "NotoSansCJKsc-Bold") && !contains(names, "NotoSerifCJKsc-Bold"),
          "fonts: the document's own body font list, first family found used (bold sub-headings in it)");
    if (!contains(names, "NotoSansCJKsc-Bold"))
        printf("# fonts: %s\n", names);
    free(d->fonts[NB_FONT_BODY]);
    d->fonts[NB_FONT_BODY] = NULL;
    remove(tmp("f.pdf"));
}

/* The same document twice: the same bytes. */
static void test_same_bytes(const nb_doc *d)
{
    char err[512];
    size_t la = 0, lb = 0;
    char *a, *b;

    CHECK(nb_export_pdf(d, tmp("a.pdf"), err, sizeof err) == NB_OK
              && nb_export_pdf(d, tmp("b.pdf"), err, sizeof err) == NB_OK,
          "bytes: written twice");
    a = slurp(tmp("a.pdf"), &la);
    b = slurp(tmp("b.pdf"), &lb);
    CHECK(a && b && la == lb && la > 1000 && memcmp(a, b, la) == 0, "bytes: the same document gives the same bytes");
    int fonts_left = 0; /* the fonts cut down to the document (pdf_fonts.c), in TMPDIR */
    DIR *dp = opendir(dir);
    for (struct dirent *e; dp && (e = readdir(dp));)
        fonts_left += strncmp(e->d_name, "nianbao-font-", 13) == 0;
    if (dp)
        closedir(dp);
    CHECK(dp && fonts_left == 0, "bytes: no font file left behind");
    free(a);
    free(b);
    remove(tmp("a.pdf"));
    remove(tmp("b.pdf"));
}


/* K one-line paragraphs, then a heading and its paragraph: wherever the page
 * ends, the heading is on the page of the paragraph it heads. */
static void test_keep(void)
{
    char err[512], text[32];
    int kept = 1, moved = 0;

    for (int k = 14; k <= 22; k++) {
        block_def *blocks = xcalloc((size_t)k + 2, sizeof *blocks);
        nb_doc *d;
        pdf_text p;
        for (int i = 0; i < k; i++) {
            blocks[i].type = NB_BLOCK_PARA;
            blocks[i].text = "填充段落。";
        }
        blocks[k].type = NB_BLOCK_HEADING;
        blocks[k].level = 1;
        blocks[k].text = "二、标题测试";
        blocks[k + 1].type = NB_BLOCK_PARA;
        blocks[k + 1].text = "紧随其后的段落，两行以上：这一段的文字足够长，在页面上要占两行或者更多的行。";
        d = doc_new(blocks, k + 2);
        free(blocks);
        if (nb_export_pdf(d, tmp("keep.pdf"), err, sizeof err) != NB_OK || !pdf_open(&p, tmp("keep.pdf"))) {
            kept = 0;
            nb_doc_free(d);
            continue;
        }
        int h = page_of(&p, "二、标题测试"), para = page_of_prefix(&p, "紧随其后的段落");
        if (h == 0 || h != para) {
            printf("# %d paragraphs before: the heading on page %d, its paragraph on page %d\n", k, h, para);
            kept = 0;
        }
        /* every filler on page 1, with room below the last for a line, and the
         * heading on page 2: the rule at work */
        snprintf(text, sizeof text, "填充段落。");
        double lowest = 0;
        for (int i = 0; i < p.nwords; i++) {
            if (p.words[i].page == 1 && strcmp(p.words[i].text, text) == 0 && p.words[i].y > lowest)
                lowest = p.words[i].y;
        }
        if (h == 2 && count_word(&p, text, 1) == k && lowest + 2 * LINE <= FOOT)
            moved = 1;
        pdf_close(&p);
        nb_doc_free(d);
        remove(tmp("keep.pdf"));
    }
    CHECK(kept, "keep: a heading is never left at the foot of a page without what it heads");
    CHECK(moved, "keep: a heading that would end a page goes on to the next with its paragraph");
}

/* Documents no report has, written all the same: a table of 16 columns (its
 * text made smaller, its numbers whole), an empty table, bytes that are not
 * UTF-8, a cell of 3,000 characters, a table of 400 rows, no title and no
 * blocks. */
static void test_odd(void)
{
    static const block_def blocks[] = {
        {NB_BLOCK_HEADING, 1, "一、\xff\xfe坏字节", 0}, {NB_BLOCK_TABLE, 0, NULL, 0},
        {NB_BLOCK_TABLE, 0, NULL, 1},                  {NB_BLOCK_TABLE, 0, NULL, 2},
        {NB_BLOCK_PARA, 0, "", 0},
    };
    nb_doc *d = doc_new(blocks, 5), *empty = xcalloc(1, sizeof *empty);
    char err[512], *big = xcalloc(3 * 3000 + 1, 1);
    pdf_text p;
    int ok;

    d->ntables = 3;
    d->tables = xcalloc(3, sizeof *d->tables);
    table_init(&d->tables[0], "wide", "宽表", 3, 16, 1, 1);
    for (int c = 0; c < 16; c++) {
        put_text(&d->tables[0], 0, c, "很长的表头文字不能断开", 1);
        put_int(&d->tables[0], 1, c, "n", 1000000 + c);
        put_text(&d->tables[0], 2, c, c % 2 ? "\xc3" : "說明文字", 0);
    }
    table_init(&d->tables[1], "none", "", 0, 0, 0, 1);
    table_init(&d->tables[2], "long", "长表", 400, 3, 1, 1);
    for (int i = 0; i < 3000; i++)
        memcpy(big + 3 * i, "长", 3);
    put_text(&d->tables[2], 0, 0, "项目", 1);
    put_text(&d->tables[2], 0, 1, "说明", 1);
    put_text(&d->tables[2], 0, 2, "数量", 1);
    for (int r = 1; r < 400; r++) {
        put_text(&d->tables[2], r, 0, "第一行\n第二行", 1);
        put_text(&d->tables[2], r, 1, r == 7 ? big : "较长的说明文字，在这一列里要折成几行才放得下。", 0);
        put_int(&d->tables[2], r, 2, "n", r);
    }
    ok = nb_export_pdf(d, tmp("odd.pdf"), err, sizeof err) == NB_OK && pdf_open(&p, tmp("odd.pdf"));
    if (!ok)
        printf("# %s\n", err);
    CHECK(ok && count_word(&p, "1000000", 0) == 1 && count_word(&p, "1000015", 0) == 1 && count_word(&p, "399", 0) == 1,
          "odd documents: 16 columns (numbers whole), an empty table, bad bytes, a huge cell, 400 rows");
    /* the cell of 3,000 characters, taller than a page: every character on the
     * pages (with the 398 of 较长, the caption's 长表 and the headers' 16 很长),
     * none below the text */
    int chars = 0, below = 0;
    for (int i = 0; ok && i < p.nwords; i++) {
        for (const char *c = p.words[i].text; (c = strstr(c, "长")); c += 3)
            chars++;
        if (p.words[i].y > FOOT + 1 && strcmp(p.words[i].text, "—") != 0 && !isdigit((unsigned char)p.words[i].text[0]))
            below++;
    }
    CHECK(chars == 3000 + 398 + 1 + 16 && below == 0,
          "odd documents: a row taller than a page goes on to the next, nothing lost or below the text");
    if (chars != 3415 || below)
        printf("# %d characters 长, %d words below the text\n", chars, below);
    if (ok)
        pdf_close(&p);
    CHECK(nb_export_pdf(empty, tmp("empty.pdf"), err, sizeof err) == NB_OK && pdf_open(&p, tmp("empty.pdf"))
              && p.pages == 1,
          "odd documents: no title and no blocks: one page");
    pdf_close(&p);
    free(big);
    nb_doc_free(d);
    nb_doc_free(empty);
    if (!getenv("NB_TEST_KEEP"))
        remove(tmp("odd.pdf"));
    remove(tmp("empty.pdf"));
}

#endif /* NB_HAVE_PDF */

static void test_errors(nb_doc *d)
{
    char err[512];
    nb_merge saved;
    FILE *f;

#ifdef NB_HAVE_PDF
    CHECK(nb_export_pdf(d, "/nonexistent-dir/r.pdf", err, sizeof err) == NB_ERR_IO
              && contains(err, "/nonexistent-dir/r.pdf: No such file or directory"),
          "errors: a missing folder: NB_ERR_IO naming the file and the reason");
    f = fopen(tmp("plain"), "w");
    if (f) {
        fputs("a file, not a folder\n", f);
        fclose(f);
    }
    CHECK(nb_export_pdf(d, tmp("plain/r.pdf"), err, sizeof err) == NB_ERR_IO && contains(err, "Not a directory")
              && contains(err, tmp("plain/r.pdf")),
          "errors: an unwritable path: NB_ERR_IO naming the file");
    CHECK(temporaries() == 0, "errors: no temporary left");
    remove(tmp("plain"));
    saved = d->tables[0].merges[1];
    d->tables[0].merges[1].r1 = 1; /* 申请人情况 now overlaps 自然人 */
    d->tables[0].merges[1].r2 = 1;
    CHECK(nb_export_pdf(d, tmp("bad.pdf"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "bad.pdf: table 'requests': merge 3 overlaps merge 2")
              && access(tmp("bad.pdf"), F_OK) != 0 && temporaries() == 0,
          "errors: a malformed table: NB_ERR_INPUT naming the file and the table, nothing written");
    d->tables[0].merges[1] = saved;
#else
    (void)saved;
    (void)f;
    CHECK(nb_export_pdf(d, tmp("r.pdf"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "libpango1.0-dev") && contains(err, "libcairo2-dev"),
          "without Pango and Cairo: NB_ERR_INPUT naming the packages to install");
    CHECK(access(tmp("r.pdf"), F_OK) != 0 && temporaries() == 0, "without Pango and Cairo: no file, no temporary");
#endif
}

int main(void)
{
    nb_doc *d;

    snprintf(dir, sizeof dir, "/tmp/nb-pdf-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    d = build_doc();
    setenv("TMPDIR", dir, 1); /* where the fonts cut down to the document go */
#ifdef NB_HAVE_PDF
    {
        pdf_text p;
        char err[512] = "";
        nb_err rc = nb_export_pdf(d, tmp("r.pdf"), err, sizeof err);
        CHECK(rc == NB_OK && access(tmp("r.pdf"), F_OK) == 0, "export: the report is written");
        if (rc != NB_OK)
            printf("# %s\n", err);
        if (pdf_open(&p, tmp("r.pdf"))) {
            test_text(d, &p);
            test_pages(&p);
            test_rows(&p);
            test_metadata(d, &p);
            pdf_close(&p);
        } else {
            CHECK(0, "export: poppler opens the report");
        }
        if (getenv("NB_TEST_KEEP"))
            printf("# kept: %s\n", tmp("r.pdf"));
        else
            remove(tmp("r.pdf"));
    }
    test_same_bytes(d);
    test_fonts(d);
    test_keep();
    test_odd();
#endif
    test_errors(d);
    nb_doc_free(d);
    if (!getenv("NB_TEST_KEEP"))
        remove_dir();
    T_DONE();
}
