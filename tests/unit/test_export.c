/* test_export.c - unit tests of the exporters (doc.c, export.c and export_*.c). */
#include "zipmem.h" /* first: minizip's ioapi.h asks for libc's 64-bit file functions */
#include "doc.h"
#include "export.h"
#include "export_layout.h"
#include "export_util.h"
#include "hash.h"
#include "docs.h"
#include "testdir.h"
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <wctype.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <minizip/unzip.h>
#include <zlib.h>

/* ---- building a document by hand (nb_doc_free frees it) ---------------- */

/* A data row of the 表三-like table: person, business, other, total. */
static void request_row(nb_table *t, int r, const char *key, long long a, long long b, long long c)
{
    row_key(t, r, key);
    put_int(t, r, 3, "person", a);
    put_int(t, r, 4, "business", b);
    put_int(t, r, 5, "other", c);
    put_int(t, r, 6, "total", a + b + c);
}

/* 表二-like: two blocks, a signed change and an amount in 万元 over two columns. */
static void build_active(nb_table *t)
{
    static const char *const heads[] = {"信息内容", "上一年项目数量", "本年增/减", "处理决定数量"};

    table_init(t, "active", "二、主动公开政府信息情况", 6, 4, 0, 16);
    put_text(t, 0, 0, "第二十条第（五）项", 1);
    merge(t, 0, 0, 0, 3);
    for (int c = 0; c < 4; c++)
        put_text(t, 1, c, heads[c], 1);
    put_text(t, 2, 0, "行政许可", 1);
    row_key(t, 2, "license");
    put_int(t, 2, 1, "items_prev", 95);
    put_data(t, 2, 2, "items_change", NB_V_INT, NB_FMT_SIGNED, 25, 0, NULL);
    put_int(t, 2, 3, "decisions", 22113);
    put_text(t, 3, 0, "第二十条第（九）项", 1);
    merge(t, 3, 0, 3, 3);
    put_text(t, 4, 0, "信息内容", 1);
    put_text(t, 4, 1, "采购项目数量", 1);
    put_text(t, 4, 2, "采购总金额", 1);
    merge(t, 4, 2, 4, 3);
    put_text(t, 5, 0, "政府集中采购", 1);
    row_key(t, 5, "purchase");
    put_int(t, 5, 1, "count", 67);
    put_data(t, 5, 2, "amount", NB_V_NUM, NB_FMT_MONEY_UNIT, 0, 21350.46, NULL);
    merge(t, 5, 2, 5, 3);
}

/* 表三-like: three label columns, a three-row merged header, four data columns. */
static void build_requests(nb_table *t)
{
    table_init(t, "requests", "三、收到和处理政府信息公开申请情况", 10, 7, 3, 16);
    put_text(t, 0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 1);
    merge(t, 0, 0, 2, 2);
    put_text(t, 0, 3, "申请人情况", 1);
    merge(t, 0, 3, 0, 6);
    put_text(t, 1, 3, "自然人", 1);
    merge(t, 1, 3, 2, 3);
    put_text(t, 1, 4, "法人或其他组织", 1);
    merge(t, 1, 4, 1, 5);
    put_text(t, 1, 6, "总计", 1);
    merge(t, 1, 6, 2, 6);
    put_text(t, 2, 4, "商业企业", 1);
    put_text(t, 2, 5, "其他", 1);

    put_text(t, 3, 0, "一、本年新收政府信息公开申请数量", 1);
    merge(t, 3, 0, 3, 2);
    request_row(t, 3, "new", 219, 1, 0);
    put_text(t, 4, 0, "二、上年结转政府信息公开申请数量", 1);
    merge(t, 4, 0, 4, 2);
    request_row(t, 4, "carried_in", 7, 0, 0);
    put_text(t, 5, 0, "三、本年度办理结果", 1);
    merge(t, 5, 0, 8, 0);
    put_text(t, 5, 1, "（一）予以公开", 1);
    merge(t, 5, 1, 5, 2);
    request_row(t, 5, "1", 7, 0, 0);
    put_text(t, 6, 1, "（三）不予公开", 1);
    merge(t, 6, 1, 7, 1);
    put_text(t, 6, 2, "1.属于国家秘密", 1);
    request_row(t, 6, "3.1", 0, 0, 0);
    put_data(t, 6, 5, "other", NB_V_TEXT, NB_FMT_PLAIN, 0, 0, "/");
    put_text(t, 7, 2, "2.其他法律行政法规禁止公开", 1);
    request_row(t, 7, "3.2", 20, 0, 0);
    put_data(t, 7, 5, "other", NB_V_BLANK, NB_FMT_PLAIN, 0, 0, NULL);
    put_text(t, 8, 1, "（七）总计", 1);
    merge(t, 8, 1, 8, 2);
    request_row(t, 8, "total", 191, 1, 0);
    put_text(t, 9, 0, "四、结转下年度继续办理", 1);
    merge(t, 9, 0, 9, 2);
    request_row(t, 9, "carried_out", 36, 0, 0);
}

/* A local table without keys, with CSV-hostile text. */
static void build_local(nb_table *t)
{
    table_init(t, "local", "附表 本地事项", 2, 2, 1, 16);
    put_text(t, 0, 0, "项目", 1);
    put_text(t, 0, 1, "说明", 1);
    put_text(t, 1, 0, "引号", 1);
    put_text(t, 1, 1, "a,\"b\"\n第二行", 0);
}

static nb_doc *build_doc(void)
{
    nb_doc *d = xcalloc(1, sizeof *d);
    nb_check *k;
    static const struct { nb_block_type type; int level; const char *text; int table; } blocks[] = {
        {NB_BLOCK_HEADING, 1, "一、总体情况", 0},
        {NB_BLOCK_PARA, 0, "全年公开信息<5 & 更多。", 0},
        {NB_BLOCK_HEADING, 2, "（一）主动公开", 0},
        {NB_BLOCK_PARA, 0, "主动公开情况良好。", 0},
        {NB_BLOCK_HEADING, 1, "二、主动公开政府信息情况", 0},
        {NB_BLOCK_TABLE, 0, NULL, 0},
        {NB_BLOCK_HEADING, 1, "三、收到和处理政府信息公开申请情况", 0},
        {NB_BLOCK_TABLE, 0, NULL, 1},
        {NB_BLOCK_TABLE, 0, NULL, 2},
    };

    d->title = xstrdup("测试区人民政府2020年政府信息公开工作年度报告");
    d->body = xstrdup("测试区人民政府");
    d->year = 2020;
    d->format = xstrdup("gov2019");
    d->created = 1609459200; /* 2021-01-01T00:00:00Z */
    d->nblocks = (int)(sizeof blocks / sizeof blocks[0]);
    d->blocks = xcalloc((size_t)d->nblocks, sizeof *d->blocks);
    for (int i = 0; i < d->nblocks; i++) {
        d->blocks[i].type = blocks[i].type;
        d->blocks[i].level = blocks[i].level;
        d->blocks[i].text = blocks[i].text ? xstrdup(blocks[i].text) : NULL;
        d->blocks[i].table = blocks[i].table;
    }
    d->ntables = 3;
    d->tables = xcalloc(3, sizeof *d->tables);
    build_active(&d->tables[0]);
    build_requests(&d->tables[1]);
    build_local(&d->tables[2]);

    d->nchecks = 1;
    d->checks = k = xcalloc(1, sizeof *d->checks);
    k->id = xstrdup("H1");
    k->severity = xstrdup("error");
    k->title = xstrdup("一+二=（七）+四");
    k->formula = xstrdup("一 + 二 = （七） + 四");
    k->left.type = NB_V_INT;
    k->left.i = 226;
    k->left.text = xstrdup("226");
    k->right.type = NB_V_INT;
    k->right.i = 227;
    k->right.text = xstrdup("227");
    k->status = xstrdup("FAIL");
    k->message = xstrdup("自然人列不等 | 差 \"1\"");
    k->nevidence = 2;
    k->evidence = xcalloc(2, sizeof *k->evidence);
    k->evidence[0] = xstrdup("requests.new.person");
    k->evidence[1] = xstrdup("requests.carried_out.person");
    return d;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_cell_format(void)
{
    nb_cell c;
    char *s;

#define FMT_IS(type_, fmt_, i_, num_, want, name)                                  \
    do {                                                                           \
        memset(&c, 0, sizeof c);                                                   \
        c.type = (type_);                                                          \
        c.fmt = (fmt_);                                                            \
        c.i = (i_);                                                                \
        c.num = (num_);                                                            \
        c.text = "/";                                                              \
        s = nb_cell_format(&c);                                                    \
        CHECK_STR(s, (want), (name));                                              \
        free(s);                                                                   \
    } while (0)

    FMT_IS(NB_V_INT, NB_FMT_PLAIN, 219, 0, "219", "format: integer");
    FMT_IS(NB_V_INT, NB_FMT_SIGNED, 25, 0, "+25", "format: signed positive");
    FMT_IS(NB_V_INT, NB_FMT_SIGNED, -58, 0, "-58", "format: signed negative");
    FMT_IS(NB_V_INT, NB_FMT_SIGNED, 0, 0, "0", "format: signed zero");
    FMT_IS(NB_V_INT, NB_FMT_PLAIN, 0, 0, "0", "format: integer zero");
    FMT_IS(NB_V_INT, NB_FMT_PLAIN, -7, 0, "-7", "format: integer negative");
    FMT_IS(NB_V_INT, NB_FMT_PLAIN, LLONG_MIN, 0, "-9223372036854775808", "format: the least integer");
    FMT_IS(NB_V_INT, NB_FMT_SIGNED, LLONG_MAX, 0, "+9223372036854775807", "format: signed, the greatest");
    FMT_IS(NB_V_NUM, NB_FMT_MONEY, 0, 21350.46, "21350.46", "format: money");
    FMT_IS(NB_V_NUM, NB_FMT_MONEY, 0, 7, "7.00", "format: money, whole");
    FMT_IS(NB_V_NUM, NB_FMT_MONEY, 0, -0.001, "0.00", "format: money, no negative zero");
    FMT_IS(NB_V_NUM, NB_FMT_MONEY_UNIT, 0, 21350.46, "21350.46万元", "format: money with unit");
    FMT_IS(NB_V_NUM, NB_FMT_PLAIN, 0, 103.3879, "103.3879", "format: plain decimal");
    FMT_IS(NB_V_TEXT, NB_FMT_PLAIN, 0, 0, "/", "format: text copied");
    FMT_IS(NB_V_BLANK, NB_FMT_PLAIN, 0, 0, "", "format: blank");
#undef FMT_IS
}

/* The break classes of S as a string of digits (one per place between characters). */
static const char *breaks_of(const char *s, const unsigned char *allowed)
{
    static char out[64];
    int n;
    unsigned char *b = nb_layout_breaks(s, strlen(s), allowed, &n);
    int k = 0;

    for (int i = 1; b && i < n && k < 63; i++)
        out[k++] = (char)('0' + b[i]);
    out[k] = '\0';
    free(b);
    return b ? out : "(null)";
}

/* export_layout.h: where a line may end. 1 punct, 2 particle, 3 between words, 4 any
 * CJK place, 5 inside a word, 6 not allowed. */
static void test_breaks(void)
{
    const unsigned char none[5] = {0, 0, 0, 0, 0};

    CHECK_STR(breaks_of("商业企业", NULL), "535", "breaks: 商业/企业 between the words, not inside");
    CHECK_STR(breaks_of("社会公益组织", NULL), "53535", "breaks: 社会/公益/组织");
    CHECK_STR(breaks_of("自然人", NULL), "55", "breaks: 自然人 is one word");
    CHECK_STR(breaks_of("1.属于国家秘密", NULL), "6353535", "breaks: after the numbering 1., not inside it");
    CHECK_STR(breaks_of("（三）不予公开", NULL), "661535", "breaks: after the closing bracket, not before it or after the opening one");
    CHECK_STR(breaks_of("政府2020年", NULL), "516664", "breaks: before a number, not inside it");
    CHECK_STR(breaks_of("答复的期限", NULL), "5325", "breaks: after the particle 的");
    CHECK_STR(breaks_of("甲乙丙", NULL), "44", "breaks: unknown words break anywhere between CJK characters");
    CHECK_STR(breaks_of("甲乙丙", none), "66", "breaks: where the caller's line breaking allows none, none");
    CHECK_STR(breaks_of("ab\xff", NULL), "64", "breaks: a malformed byte is one character (not Latin: a break may come before it)");
    CHECK_STR(breaks_of("", NULL), "", "breaks: empty text");
}

/* export_layout.h: lines of wrapped text, as a word processor wraps it. */
static void test_text_lines(void)
{
    int widest;

    CHECK(nb_layout_text_lines("aaaa bbbb cccc", 7, &widest) == 3 && widest == 14,
          "text lines: Latin words wrap at spaces (aaaa / bbbb / cccc at 7: 3 lines, not 14 / 7)");
    CHECK(nb_layout_text_lines("aaaa bbbb cc", 12, &widest) == 1, "text lines: one line when it fits");
    CHECK(nb_layout_text_lines("examples/shenhe/data/requests.csv:182", 20, &widest) == 2,
          "text lines: a word wider than a line is broken where it must (37 units at 20)");
    CHECK(nb_layout_text_lines("一二三四五六七八九十", 8, &widest) == 3 && widest == 20,
          "text lines: CJK text wraps anywhere (20 units at 8: 3 lines)");
    CHECK(nb_layout_text_lines("a\nb", 5, &widest) == 2, "text lines: each newline starts a line");
    CHECK(nb_layout_text_lines("SH-0024 (30个工作日, a.csv:182)；\nSH-0118", 30, &widest) == 3,
          "text lines: a record per line, the long one wrapped at its space");

    /* a line wrapped before is not wrapped again: the same answers asked again, another
       text of the same length, the same text at another capacity, and 3,000 texts (more
       than are kept) before the first again */
    CHECK(nb_layout_text_lines("aaaa bbbb cccc", 7, &widest) == 3 && widest == 14,
          "text lines again: the same answer");
    CHECK(nb_layout_text_lines("aaaaaaaaaaaaaa", 7, &widest) == 2 && widest == 14,
          "text lines again: another text of the same length (a word broken where it must)");
    CHECK(nb_layout_text_lines("aaaa bbbb cccc", 10, &widest) == 2 &&
              nb_layout_text_lines("aaaa bbbb cccc", 14, &widest) == 1,
          "text lines again: the same text at other capacities");
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        char text[64];
        int k = 1 + i % 48; /* a word of K letters: ceil(K / 16) lines at 16 */
        for (int j = 0; j < k; j++)
            text[j] = (char)('a' + (i / 48 + j) % 26);
        text[k] = '\0';
        bad += nb_layout_text_lines(text, 16, &widest) != (k + 15) / 16;
    }
    CHECK(bad == 0 && nb_layout_text_lines("一二三四五六七八九十", 8, &widest) == 3,
          "text lines again: 3,000 texts, then the first again");
    /* 2,000 texts of 24 bytes (words and spaces in varying places) at two capacities: each
       wrapped from cold, then all again kept, in another order */
    static int cold[2000];
    char texts[2000][25];
    for (int i = 0; i < 2000; i++) {
        for (int j = 0; j < 24; j++)
            texts[i][j] = (i * 7 + j * 13) % 11 == 0 ? ' ' : (char)('a' + (i + j) % 26);
        texts[i][24] = '\0';
        nb_layout_kept_free();
        cold[i] = nb_layout_text_lines(texts[i], i % 2 ? 9 : 11, &widest);
    }
    bad = 0;
    for (int n = 0; n < 3; n++) /* met, kept, read from what was kept */
        for (int i = 1999; i >= 0; i--)
            bad += nb_layout_text_lines(texts[i], i % 2 ? 9 : 11, &widest) != cold[i];
    int lines_seen[8] = {0};
    for (int i = 0; i < 2000; i++)
        lines_seen[cold[i] < 8 ? cold[i] : 7] = 1;
    CHECK(bad == 0 && lines_seen[2] + lines_seen[3] + lines_seen[4] >= 2,
          "text lines again: 2,000 texts of one length, kept, answer as from cold");
    /* two texts of one length in one slot, with other answers: the one kept is not the
       other's */
    int a = -1, b = -1;
    for (int i = 0; i < 2000 && b < 0; i++)
        for (int j = 0; j < i && b < 0; j++)
            if (cold[i] != cold[j] && i % 2 == j % 2 &&
                nb_layout_test_slot(texts[i], i % 2 ? 9 : 11) == nb_layout_test_slot(texts[j], j % 2 ? 9 : 11))
                a = j, b = i;
    CHECK(b >= 0, "text lines again: two texts of one length and slot, with other answers");
    if (b >= 0) {
        double cap = b % 2 ? 9 : 11;
        nb_layout_kept_free();
        nb_layout_text_lines(texts[b], cap, &widest);
        nb_layout_text_lines(texts[b], cap, &widest); /* kept */
        CHECK(nb_layout_text_lines(texts[a], cap, &widest) == cold[a] &&
                  nb_layout_text_lines(texts[b], cap, &widest) == cold[b],
              "text lines again: of two texts in one slot, each its own answer");
    }
}

static void test_text_width(void)
{
    CHECK(nb_text_width("自然人a") == 7, "width: 自然人a is 7");
    CHECK(nb_text_width("（一）") == 6, "width: fullwidth brackets");
    CHECK(nb_text_width("“三安全一稳定”") == 14, "width: curly quotes are ambiguous, so narrow");
    CHECK(nb_text_width("、。") == 4, "width: CJK punctuation");
    CHECK(nb_text_width("한글ｱ") == 5, "width: Hangul wide, halfwidth katakana narrow");
    CHECK(nb_text_width("abc 1/2") == 7, "width: ASCII");
    CHECK(nb_text_width("") == 0 && nb_text_width(NULL) == 0, "width: empty");
    CHECK(nb_text_width("\xff" "a\xe4") == 3, "width: malformed bytes count 1 each");
    /* of a part of a text, as if it ended there */
    CHECK(nb_text_width_n("自然人a", 6) == 4 && nb_text_width_n("自然人a", 10) == 7,
          "width of a part: whole characters, or the whole text");
    CHECK(nb_text_width_n("自然", 2) == 2, "width of a part: a character cut short counts its bytes one each");
    CHECK(nb_text_width_n("ab\ncd", 2) == 2 && nb_text_width_n("a", 0) == 0, "width of a part: a line");
}

static const char expected_json[] =
    "{\n"
    "  \"body\": \"测试区人民政府\",\n"
    "  \"year\": 2020,\n"
    "  \"format\": \"gov2019\",\n"
    "  \"tables\": {\n"
    "    \"active\": {\n"
    "      \"license\": {\n"
    "        \"items_prev\": 95,\n"
    "        \"items_change\": 25,\n"
    "        \"decisions\": 22113\n"
    "      },\n"
    "      \"purchase\": {\n"
    "        \"count\": 67,\n"
    "        \"amount\": 21350.46\n"
    "      }\n"
    "    },\n"
    "    \"requests\": {\n"
    "      \"new\": {\n"
    "        \"person\": 219,\n"
    "        \"business\": 1,\n"
    "        \"other\": 0,\n"
    "        \"total\": 220\n"
    "      },\n"
    "      \"carried_in\": {\n"
    "        \"person\": 7,\n"
    "        \"business\": 0,\n"
    "        \"other\": 0,\n"
    "        \"total\": 7\n"
    "      },\n"
    "      \"1\": {\n"
    "        \"person\": 7,\n"
    "        \"business\": 0,\n"
    "        \"other\": 0,\n"
    "        \"total\": 7\n"
    "      },\n"
    "      \"3.1\": {\n"
    "        \"person\": 0,\n"
    "        \"business\": 0,\n"
    "        \"other\": \"/\",\n"
    "        \"total\": 0\n"
    "      },\n"
    "      \"3.2\": {\n"
    "        \"person\": 20,\n"
    "        \"business\": 0,\n"
    "        \"other\": null,\n"
    "        \"total\": 20\n"
    "      },\n"
    "      \"total\": {\n"
    "        \"person\": 191,\n"
    "        \"business\": 1,\n"
    "        \"other\": 0,\n"
    "        \"total\": 192\n"
    "      },\n"
    "      \"carried_out\": {\n"
    "        \"person\": 36,\n"
    "        \"business\": 0,\n"
    "        \"other\": 0,\n"
    "        \"total\": 36\n"
    "      }\n"
    "    },\n"
    "    \"local\": {}\n"
    "  },\n"
    "  \"checks\": [\n"
    "    {\n"
    "      \"id\": \"H1\",\n"
    "      \"severity\": \"error\",\n"
    "      \"title\": \"一+二=（七）+四\",\n"
    "      \"formula\": \"一 + 二 = （七） + 四\",\n"
    "      \"left\": 226,\n"
    "      \"right\": 227,\n"
    "      \"status\": \"FAIL\",\n"
    "      \"evidence\": [\n"
    "        \"requests.new.person\",\n"
    "        \"requests.carried_out.person\"\n"
    "      ],\n"
    "      \"message\": \"自然人列不等 | 差 \\\"1\\\"\"\n"
    "    }\n"
    "  ]\n"
    "}\n";

static void test_json(const nb_doc *d)
{
    char err[512] = "";
    char *s;

    CHECK(nb_export_json(d, tmp("r.json"), err, sizeof err) == 0, "json: export");
    s = slurp(tmp("r.json"), NULL);
    CHECK_STR(s, expected_json, "json: exact text");
    free(s);
}

static void test_csv(const nb_doc *d)
{
    char err[512] = "", prefix[128];
    char *s;
    size_t len = 0;
    int bare_lf = 0;

    snprintf(prefix, sizeof prefix, "%s/r", dir);
    CHECK(nb_export_csv(d, prefix, err, sizeof err) == 0, "csv: export");
    s = slurp(tmp("r-requests.csv"), &len);
    CHECK(s && len > 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0, "csv: starts with a UTF-8 BOM");
    for (size_t i = 0; s && i < len; i++)
        bare_lf += s[i] == '\n' && (i == 0 || s[i - 1] != '\r');
    CHECK(s && bare_lf == 0 && contains(s, "\r\n"), "csv: CRLF line ends");
    CHECK(contains(s, "\xEF\xBB\xBF（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
                      ",,,申请人情况,,,\r\n,,,自然人,法人或其他组织,,总计\r\n"),
          "csv: header rows, covered cells empty");
    CHECK(contains(s, "\r\n三、本年度办理结果,（一）予以公开,,7,0,0,7\r\n"
                      ",（三）不予公开,1.属于国家秘密,0,0,/,0\r\n"
                      ",,2.其他法律行政法规禁止公开,20,0,,20\r\n"),
          "csv: body rows with text and blank cells");
    free(s);
    s = slurp(tmp("r-active.csv"), NULL);
    CHECK(contains(s, "政府集中采购,67,21350.46万元,\r\n"), "csv: money with unit as displayed");
    free(s);
    s = slurp(tmp("r-local.csv"), NULL);
    CHECK(contains(s, "引号,\"a,\"\"b\"\"\n第二行\"\r\n"), "csv: RFC 4180 quoting");
    free(s);
}

static void test_md(const nb_doc *d)
{
    char err[512] = "";
    char *s;

    CHECK(nb_export_md(d, tmp("r.md"), err, sizeof err) == 0, "md: export");
    s = slurp(tmp("r.md"), NULL);
    CHECK(starts_with(s, "# 测试区人民政府2020年政府信息公开工作年度报告\n\n## 一、总体情况\n\n"
                         "全年公开信息<5 & 更多。\n\n### （一）主动公开\n\n主动公开情况良好。\n\n"),
          "md: title, headings and paragraphs");
    CHECK(contains(s, "## 二、主动公开政府信息情况\n\n"
                      "| 第二十条第（五）项 |  |  |  |\n"
                      "|---|---:|---:|---:|\n"
                      "| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
                      "| 行政许可 | 95 | +25 | 22113 |\n"),
          "md: 表二 pipe rows, no repeated caption");
    CHECK(contains(s, "| 政府集中采购 | 67 | 21350.46万元 |  |\n"), "md: merged money cell");
    CHECK(contains(s, "| 三、本年度办理结果 | （一）予以公开 |  | 7 | 0 | 0 | 7 |\n"
                      "|  | （三）不予公开 | 1.属于国家秘密 | 0 | 0 | / | 0 |\n"
                      "|  |  | 2.其他法律行政法规禁止公开 | 20 | 0 |  | 20 |\n"),
          "md: 表三 rows, covered cells empty");
    CHECK(contains(s, "**附表 本地事项**\n\n| 项目 | 说明 |\n|---|---|\n| 引号 | a,\"b\"<br>第二行 |\n"),
          "md: caption of a table without its heading, newline as <br>");
    CHECK(s && !contains(s, "检查结果") && !contains(s, "H1") && !contains(s, "requests.new.person"),
          "md: no check results in the report");
    CHECK(s && s[strlen(s) - 1] == '\n' && s[strlen(s) - 2] != '\n', "md: ends with one newline");
    free(s);
}

static void test_txt(const nb_doc *d)
{
    char err[512] = "";
    char *s;

    CHECK(nb_export_txt(d, tmp("r.txt"), err, sizeof err) == 0, "txt: export");
    s = slurp(tmp("r.txt"), NULL);
    CHECK(starts_with(s, "测试区人民政府2020年政府信息公开工作年度报告\n\n一、总体情况\n"
                         "全年公开信息<5 & 更多。\n（一）主动公开\n主动公开情况良好。\n"),
          "txt: title, blank line, headings and paragraphs");
    CHECK(contains(s, "\n二、主动公开政府信息情况\n第二十条第（五）项 |  |  |  |\n"
                      "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
                      "行政许可 | 95 | +25 | 22113 |\n"),
          "txt: pipe rows as in the seed");
    CHECK(s && !contains(s, "检查结果") && !contains(s, "H1") && !contains(s, "requests.new.person"),
          "txt: no check results in the report");
    free(s);
}

static void test_html(const nb_doc *d)
{
    char err[512] = "";
    char *s;

    CHECK(nb_export_html(d, tmp("r.html"), err, sizeof err) == 0, "html: export");
    s = slurp(tmp("r.html"), NULL);
    CHECK(s && strncmp(s, "<!DOCTYPE html>\n", 16) == 0 && contains(s, "<meta charset=\"utf-8\">"),
          "html: doctype and charset");
    CHECK(contains(s, "@page { size: A4; margin: 37mm 26mm 35mm 28mm;")
              && contains(s, "@bottom-center { content: \"— \" counter(page) \" —\"")
              && contains(s, "page-break-after: avoid; break-after: avoid;"),
          "html: print CSS: A4, GB/T 9704 margins, page numbers, headings kept with what follows");
    CHECK(contains(s, "<th rowspan=\"3\" colspan=\"3\" align=\"center\" valign=\"middle\" style=\""
                      "border:1px solid #000;"),
          "html: rowspan and colspan on the note, border inline");
    CHECK(contains(s, "line-height:1.25;overflow-wrap:anywhere;font-size:"),
          "html: a word wider than its cell (a file path) may break rather than overflow");
    CHECK(contains(s, ">申请人情况</th></tr>\n<tr><th rowspan=\"2\" align=\"center\" valign=\"middle\" width=\"")
              && contains(s, ">自然人</th><th colspan=\"2\" align=\"center\""),
          "html: covered cells not emitted");
    CHECK(contains(s, "<th class=\"label\" rowspan=\"4\" align=\"left\" valign=\"middle\" width=\"")
              && contains(s, ">三、本年度办理结果</th>"),
          "html: label cell, left");
    CHECK(contains(s, "<td class=\"num\" colspan=\"2\" align=\"center\" valign=\"middle\" nowrap style=\"")
              && contains(s, "white-space:nowrap;\">21350.46万元</td>"),
          "html: merged number cell, kept on one line");
    CHECK(contains(s, ">全年公开信息&lt;5 &amp; 更多。</p>") && contains(s, "<p style=\"font-size:16pt;text-indent:2em;"),
          "html: text escaped, paragraph style inline");
    CHECK(contains(s, "<table class=\"report\" id=\"table-requests\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" "
                      "width=\"100%\" style=\"width:100%;table-layout:fixed;border-collapse:collapse;border:1px solid #000;"),
          "html: border, spacing, padding and width as attributes and inline style");
    CHECK(contains(s, "<colgroup><col width=\""), "html: column widths");
    CHECK(contains(s, "font-family:'仿宋_GB2312','仿宋','FangSong','Noto Serif CJK SC',serif;")
              && contains(s, "h2 { font-family:'黑体','SimHei','Noto Sans CJK SC',sans-serif; }"),
          "html: the document's fonts by role");
    CHECK(contains(s, "</colgroup>\n<thead>\n"), "html: thead");
    CHECK(s && !contains(s, "检查结果") && !contains(s, "H1") && !contains(s, "差 &quot;1&quot;"),
          "html: no check results in the report");
    free(s);
}

/* The openpyxl side of the XLSX test: prints one line per failure. */
static const char xlsx_check_py[] =
    "import sys\n"
    "try:\n"
    "    import openpyxl\n"
    "except Exception as e:\n"
    "    print('cannot import openpyxl:', e); sys.exit(1)\n"
    "wb = openpyxl.load_workbook(sys.argv[1])\n"
    "bad = []\n"
    "def want(cond, what):\n"
    "    if not cond: bad.append(what)\n"
    "want(wb.sheetnames == ['正文', '二、主动公开政府信息情况', '三、收到和处理政府信息公开申请情况',\n"
    "                      '附表 本地事项'], 'sheet names: 正文 first, no checks %r' % wb.sheetnames)\n"
    "ws = wb['三、收到和处理政府信息公开申请情况']\n"
    "v = ws['D7'].value\n"
    "want(v == 219 and not isinstance(v, str), 'D5 is the number 219, got %r' % (v,))\n"
    "merged = set(str(r) for r in ws.merged_cells.ranges)\n"
    "for r in ['A3:G3', 'A4:C6', 'D4:G4', 'D5:D6', 'A9:A12', 'B10:B11']:\n"
    "    want(r in merged, 'merged range %s missing from %r' % (r, sorted(merged)))\n"
    "want(ws['D7'].font.name == '宋体', 'D5 font %r' % ws['D7'].font.name)\n"
    "want(ws['D7'].font.sz == 11, 'D5 size %r' % ws['D7'].font.sz)\n"
    "want(ws['D7'].number_format == '0', 'D5 format %r' % ws['D7'].number_format)\n"
    "want(ws['D7'].alignment.horizontal == 'right', 'D5 alignment')\n"
    "want(ws['A3'].font.name == '黑体' and ws['A3'].font.b and ws['A3'].font.sz == 14, 'title font')\n"
    "want(ws['D5'].alignment.horizontal == 'center' and ws['D5'].alignment.wrap_text, 'header alignment')\n"
    "want(ws['A7'].alignment.horizontal == 'left', 'label alignment')\n"
    "# openpyxl re-derives the borders of covered cells; read their styles from the XML\n"
    "import zipfile, xml.etree.ElementTree as ET\n"
    "ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}\n"
    "z = zipfile.ZipFile(sys.argv[1])\n"
    "styles = ET.fromstring(z.read('xl/styles.xml'))\n"
    "xfs = styles.findall('m:cellXfs/m:xf', ns)\n"
    "borders = styles.findall('m:borders/m:border', ns)\n"
    "cells = {c.get('r'): c for c in ET.fromstring(z.read('xl/worksheets/sheet3.xml')).iter('{%s}c' % ns['m'])}\n"
    "for ref in ['B5', 'C6', 'G4', 'E4', 'A12', 'A10', 'F11', 'D7']:\n"
    "    c = cells.get(ref)\n"
    "    b = borders[int(xfs[int(c.get('s', 0))].get('borderId', 0))] if c is not None else None\n"
    "    want(b is not None and all(b.find('m:' + side, ns) is not None and b.find('m:' + side, ns).get('style') == 'thin'\n"
    "                                for side in ('left', 'right', 'top', 'bottom')), 'thin borders on %s' % ref)\n"
    "want(ws['F10'].value == '/', 'F8 text')\n"
    "want(ws.print_title_rows == '$1:$6', 'print titles: the title block, the title and the header %r' % ws.print_title_rows)\n"
    "want(ws.page_setup.paperSize in (9, '9'), 'paper %r' % ws.page_setup.paperSize)\n"
    "want(ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1, '1') and ws.page_setup.fitToHeight in (0, '0'), 'fit to width')\n"
    "want(ws.print_options.horizontalCentered, 'centred')\n"
    "for col in 'ABCDEFG':\n"
    "    w = ws.column_dimensions[col].width\n"
    "    want(w is not None and 8 <= w <= 60, 'width of %s: %r' % (col, w))\n"
    "ws = wb['二、主动公开政府信息情况']\n"
    "want(ws['C6'].value == 25 and ws['C6'].number_format == '+0;-0;0', 'signed cell %r %r' % (ws['C6'].value, ws['C6'].number_format))\n"
    "want(abs(ws['C9'].value - 21350.46) < 1e-9 and ws['C9'].number_format == '0.00\"万元\"', 'money cell %r %r' % (ws['C9'].value, ws['C9'].number_format))\n"
    "want('C9:D9' in set(str(r) for r in ws.merged_cells.ranges), 'money merge')\n"
    "want(ws['A4'].alignment.horizontal == 'center', 'block title centred')\n"
    "want(ws.page_setup.orientation == 'portrait', 'portrait')\n"
    "want(wb.properties.created.year == 2021, 'created %r' % wb.properties.created)\n"
    "ws = wb['三、收到和处理政府信息公开申请情况']\n"
    "want(ws['A1'].value == '测试区人民政府2020年政府信息公开工作年度报告' and 'A1:G1' in set(str(r) for r in ws.merged_cells.ranges), 'title block: the report %r' % ws['A1'].value)\n"
    "want(ws['A2'].value == '测试区人民政府　2020年度', 'title block: body and year %r' % ws['A2'].value)\n"
    "want(ws.oddHeader.left.text == '测试区人民政府' and ws.oddHeader.right.text == '2020年度' and ws.oddHeader.center.text == '政府信息公开工作年度报告', 'printed header')\n"
    "want(ws.oddFooter.center.text == '— &P —', 'page number footer %r' % ws.oddFooter.center.text)\n"
    "ws = wb['正文']\n"
    "col = [c.value for c in ws['A']]\n"
    "want(col[:4] == ['测试区人民政府2020年政府信息公开工作年度报告', '一、总体情况', '全年公开信息<5 & 更多。', '（一）主动公开'], '正文: title, headings, paragraphs %r' % col[:4])\n"
    "want('（见工作表“三、收到和处理政府信息公开申请情况”）' in col, '正文 names the sheet of each table %r' % col)\n"
    "want(ws['B1'].value is None and ws.page_setup.paperSize in (9, '9'), '正文: one column, A4')\n"
    "for b in bad: print(b)\n"
    "sys.exit(1 if bad else 0)\n";

static void test_xlsx(const nb_doc *d)
{
    char err[512] = "", cmd[512];
    char *a, *b;
    size_t alen = 0, blen = 0;
    FILE *f;

    CHECK(nb_export_xlsx(d, tmp("a.xlsx"), err, sizeof err) == 0, "xlsx: export");
    if (*err)
        printf("# %s\n", err);
    sleep(1); /* a clock leaking into the file would show now */
    CHECK(nb_export_xlsx(d, tmp("b.xlsx"), err, sizeof err) == 0, "xlsx: export again");
    a = slurp(tmp("a.xlsx"), &alen);
    b = slurp(tmp("b.xlsx"), &blen);
    CHECK(a && b && alen > 1000 && alen == blen && memcmp(a, b, alen) == 0, "xlsx: byte-identical twice");
    free(a);
    free(b);

    f = fopen(tmp("check.py"), "w");
    if (f) {
        fputs(xlsx_check_py, f);
        fclose(f);
    }
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", tmp("check.py"), tmp("a.xlsx"));
    CHECK(system(cmd) == 0, "xlsx: openpyxl reads numbers, merges, fonts, borders, print setup");
}

/* Same bytes whatever was kept: a part whose bytes are those deflated last under its name
 * is not deflated again (a regeneration writes the same content types, relations and
 * styles into every workbook), and another document, a workbook or a DOCX (another
 * level), in between changes no byte. */
static void test_kept_parts(nb_doc *d)
{
    char err[512] = "";
    nb_doc *empty = xcalloc(1, sizeof *empty);
    nb_zip_kept_free();
    long from = nb_zip_test_reused();
    CHECK(nb_export_xlsx(d, tmp("cold.xlsx"), err, sizeof err) == 0 && nb_zip_test_reused() == from,
          "kept parts: a workbook from cold deflates every part");
    CHECK(nb_export_xlsx(empty, tmp("other.xlsx"), err, sizeof err) == 0 &&
              nb_export_docx(d, tmp("kept.docx"), err, sizeof err) == 0,
          "kept parts: another workbook and a DOCX between");
    CHECK(nb_export_xlsx(d, tmp("warm1.xlsx"), err, sizeof err) == 0 &&
              nb_export_xlsx(d, tmp("warm2.xlsx"), err, sizeof err) == 0,
          "kept parts: the workbook again, twice (a part is kept from its name's second time)");
    long before = nb_zip_test_reused();
    CHECK(nb_export_xlsx(d, tmp("warm3.xlsx"), err, sizeof err) == 0 && nb_zip_test_reused() - before >= 10,
          "kept parts: the same workbook a third time in a row: its parts not deflated again");
    if (nb_zip_test_reused() - before < 10)
        printf("# %ld parts reused\n", nb_zip_test_reused() - before);
    size_t lc = 0, l1 = 0, l2 = 0, lo = 0, lo2 = 0;
    char *c = slurp(tmp("cold.xlsx"), &lc), *w1 = slurp(tmp("warm1.xlsx"), &l1), *w2 = slurp(tmp("warm3.xlsx"), &l2);
    CHECK(c && w1 && w2 && lc > 1000 && lc == l1 && lc == l2 && memcmp(c, w1, lc) == 0 && memcmp(c, w2, lc) == 0,
          "kept parts: the workbook's bytes the same from cold, after others, and twice in a row");
    nb_zip_kept_free();
    CHECK(nb_export_xlsx(empty, tmp("other2.xlsx"), err, sizeof err) == 0, "kept parts: the other from cold");
    char *o = slurp(tmp("other.xlsx"), &lo), *o2 = slurp(tmp("other2.xlsx"), &lo2);
    CHECK(o && o2 && lo == lo2 && memcmp(o, o2, lo) == 0,
          "kept parts: the other workbook's bytes the same after the first as from cold");
    free(c), free(w1), free(w2), free(o), free(o2);
    nb_doc_free(empty);

    /* a sheet of the same length, one digit changed: deflated again (compared, not trusted) */
    nb_cell *digit = NULL;
    for (int t = 0; t < d->ntables && !digit; t++)
        for (int i = 0; i < d->tables[t].nrows * d->tables[t].ncols && !digit; i++) {
            nb_cell *x = &d->tables[t].cells[i];
            if (x->type == NB_V_INT && x->i >= 1 && x->i <= 8 && strlen(x->text) == 1)
                digit = x;
        }
    CHECK(digit != NULL, "kept parts: a cell of one digit to change");
    if (!digit)
        return;
    static char next[2];
    char *was = digit->text;
    long long old = digit->i;
    next[0] = (char)('0' + old + 1);
    CHECK(nb_export_xlsx(d, tmp("before.xlsx"), err, sizeof err) == 0 &&
              nb_export_xlsx(d, tmp("before.xlsx"), err, sizeof err) == 0,
          "kept parts: the workbook kept (its second time)");
    digit->i = old + 1, digit->text = next;
    CHECK(nb_export_xlsx(d, tmp("changed.xlsx"), err, sizeof err) == 0, "kept parts: one digit changed");
    nb_zip_kept_free();
    CHECK(nb_export_xlsx(d, tmp("changed_cold.xlsx"), err, sizeof err) == 0, "kept parts: the change from cold");
    digit->i = old, digit->text = was;
    size_t lb = 0, lw = 0, lk = 0;
    char *b = slurp(tmp("before.xlsx"), &lb), *w = slurp(tmp("changed.xlsx"), &lw),
         *k = slurp(tmp("changed_cold.xlsx"), &lk);
    CHECK(b && w && k && lw == lk && memcmp(w, k, lw) == 0 && (lb != lw || memcmp(b, w, lb) != 0),
          "kept parts: a part changed but not in length is deflated again");
    free(b), free(w), free(k);
}

/* Sheet names: invalid characters, clashes, length, apostrophes, fallbacks. */
static void test_sheet_names(void)
{
    static const char *const titles[] = {
        "表[1]/2:3*?", "表[1]/2:3*?", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五",
        "'引号'", "", "history",
    };
    nb_doc *d = xcalloc(1, sizeof *d);
    char err[512] = "", cmd[512], out[1024] = "";
    FILE *p;

    d->ntables = (int)(sizeof titles / sizeof titles[0]);
    d->tables = xcalloc((size_t)d->ntables, sizeof *d->tables);
    for (int i = 0; i < d->ntables; i++) {
        table_init(&d->tables[i], i == 4 ? "local" : "x", titles[i], 1, 1, 0, 16);
        put_int(&d->tables[i], 0, 0, "v", i);
    }
    CHECK(nb_export_xlsx(d, tmp("names.xlsx"), err, sizeof err) == 0, "sheet names: export");
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import sys, openpyxl; print('|'.join(openpyxl.load_workbook(sys.argv[1]).sheetnames))\" %s",
             tmp("names.xlsx"));
    if ((p = popen(cmd, "r"))) {
        if (!fgets(out, sizeof out, p))
            out[0] = '\0';
        pclose(p);
    }
    CHECK_STR(out, "表_1__2_3__|表_1__2_3__ (2)|一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一|引号|local|history (2)\n",
              "sheet names: cleaned, unique, at most 31 characters");
    nb_doc_free(d);

    d = xcalloc(1, sizeof *d);
    CHECK(nb_export_xlsx(d, tmp("empty.xlsx"), err, sizeof err) == 0, "empty document: one blank sheet");
    nb_doc_free(d);

    /* the characters a name folds without the locale have no case by the locale either */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    CHECK(utf8 != (locale_t)0, "sheet names: the system has C.UTF-8");
    long caseless = 0, cased = 0;
    for (unsigned c = 0x80; utf8 && c <= 0x10FFFF; c++) {
        if (!nb_xlsx_caseless(c))
            continue;
        caseless++;
        if (towlower_l((wint_t)c, utf8) != (wint_t)c || towupper_l((wint_t)c, utf8) != (wint_t)c) {
            if (cased++ < 5)
                printf("# U+%04X has a case\n", c);
        }
    }
    CHECK(caseless > 39000 && cased == 0, "sheet names: the characters taken as caseless have no case");
    CHECK(!nb_xlsx_caseless(0xFF21) && !nb_xlsx_caseless(0xFF41) && !nb_xlsx_caseless(0xC4),
          "sheet names: fullwidth and Latin letters are not taken as caseless");
    if (utf8)
        freelocale(utf8);
}

static void test_errors(nb_doc *d)
{
    char err[512];
    nb_merge saved;
    nb_doc *wide = xcalloc(1, sizeof *wide);

    wide->ntables = 1; /* one column more than Excel has */
    wide->tables = xcalloc(1, sizeof *wide->tables);
    table_init(&wide->tables[0], "wide", "", 1, 16385, 0, 16);

    CHECK(nb_export_json(d, "/nonexistent-dir/r.json", err, sizeof err) == NB_ERR_IO
              && contains(err, "/nonexistent-dir/r.json") && contains(err, "No such file or directory"),
          "errors: json names the path and the reason");
    CHECK(nb_export_md(d, "/nonexistent-dir/r.md", err, sizeof err) == NB_ERR_IO
              && contains(err, "/nonexistent-dir/r.md: No such file"),
          "errors: md");
    CHECK(nb_export_csv(d, "/nonexistent-dir/r", err, sizeof err) == NB_ERR_IO
              && contains(err, "/nonexistent-dir/r-active.csv: No such file"),
          "errors: csv names the file");
    CHECK(nb_export_xlsx(d, "/nonexistent-dir/r.xlsx", err, sizeof err) == NB_ERR_IO
              && contains(err, "/nonexistent-dir/r.xlsx: No such file or directory"),
          "errors: xlsx names the path and the reason");

    CHECK(nb_export_xlsx(wide, tmp("bad.xlsx"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "bad.xlsx: sheet 'wide' column XFE: a worksheet holds 16384 columns"),
          "errors: a table wider than a worksheet names the sheet and the first column past it");

    saved = d->tables[1].merges[1];
    d->tables[1].merges[1].r1 = 1; /* 申请人情况 now overlaps 自然人 */
    d->tables[1].merges[1].r2 = 1;
    d->tables[1].merges[1].c1 = 3;
    CHECK(nb_export_html(d, tmp("bad.html"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "table 'requests': merge 3 overlaps merge 2 at row 1, column 3"),
          "errors: overlapping merges refused (html)");
    CHECK(nb_export_xlsx(d, tmp("bad.xlsx"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "bad.xlsx: table 'requests': merge 3 overlaps"),
          "errors: overlapping merges refused (xlsx)");
    CHECK(access(tmp("bad.xlsx"), F_OK) != 0, "errors: no partial xlsx left behind");
    d->tables[1].merges[1] = saved;
    d->tables[1].merges[1].r2 = 10;
    CHECK(nb_export_txt(d, tmp("bad.txt"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "bad.txt: table 'requests': merge 2 (rows 0-10, columns 3-6) is out of range"),
          "errors: merge out of range");
    d->tables[1].merges[1] = saved;

    free(d->tables[0].row_keys[5]);
    d->tables[0].row_keys[5] = xstrdup("license");
    /* Rows may share a key (cells spread over grid rows), but not a cell. */
    free(d->tables[0].cells[5 * 4 + 1].key);
    d->tables[0].cells[5 * 4 + 1].key = xstrdup("items_prev");
    CHECK(nb_export_json(d, tmp("bad.json"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "bad.json: table 'active': row 'license' has column key 'items_prev' twice"),
          "errors: duplicate JSON keys refused");
    nb_doc_free(wide);

    /* A table that claims rows and columns but has no cells: refused, not read. */
    nb_doc *hollow = xcalloc(1, sizeof *hollow);
    hollow->ntables = 1;
    hollow->tables = xcalloc(1, sizeof *hollow->tables);
    hollow->tables[0].id = xstrdup("t");
    hollow->tables[0].nrows = 2;
    hollow->tables[0].ncols = 2;
    hollow->nblocks = 1;
    hollow->blocks = xcalloc(1, sizeof *hollow->blocks);
    hollow->blocks[0].type = NB_BLOCK_TABLE;
    for (int i = 0; i < nb_nexporters; i++) {
        char name[128];
        snprintf(name, sizeof name, "errors: %s refuses a table without cells", nb_exporters[i].name);
        CHECK(nb_exporters[i].write(hollow, tmp("hollow"), err, sizeof err) == NB_ERR_INPUT
                  && contains(err, "table 't': malformed (2 rows, 2 columns, 0 header rows)"), name);
    }
    CHECK(temporaries() == 0, "errors: no temporary left after refused tables");
    nb_doc_free(hollow);
}


/* ---- atomic outputs -------------------------------------------------------- */

/* An export that fails after it has begun to write (a malformed table after
 * the title and the first table) leaves the previous file as it was. */
static void test_atomic_midway(nb_doc *d)
{
    static const char *const names[] = {"keep.md", "keep.txt", "keep.html", "keep.xlsx"};
    const nb_export_fn fns[] = {
        nb_export_md, nb_export_txt, nb_export_html, nb_export_xlsx,
    };
    nb_merge saved = d->tables[1].merges[1];
    char err[512], name[64];

    d->tables[1].merges[1].r1 = 1; /* 申请人情况 now overlaps 自然人 */
    d->tables[1].merges[1].r2 = 1;
    d->tables[1].merges[1].c1 = 3;
    for (int i = 0; i < 4; i++) {
        write_file(tmp(names[i]), "the previous report\n");
        CHECK(fns[i](d, tmp(names[i]), err, sizeof err) != 0, "atomic: a malformed table fails the export");
        snprintf(name, sizeof name, "atomic: %s: the previous file is unchanged", names[i]);
        CHECK(file_is(tmp(names[i]), "the previous report\n"), name);
        remove(tmp(names[i]));
    }
    d->tables[1].merges[1] = saved;
    CHECK(temporaries() == 0, "atomic: no temporary file left in the folder");
}

/* CSV: a malformed second table leaves every previous table file unchanged. */
static void test_atomic_csv(nb_doc *d)
{
    char err[512], prefix[128];
    nb_merge saved = d->tables[1].merges[1];

    snprintf(prefix, sizeof prefix, "%s/keep", dir);
    write_file(tmp("keep-active.csv"), "old active\n");
    write_file(tmp("keep-requests.csv"), "old requests\n");
    d->tables[1].merges[1].r2 = 10; /* out of range */
    CHECK(nb_export_csv(d, prefix, err, sizeof err) != 0, "atomic csv: a malformed second table fails");
    d->tables[1].merges[1] = saved;
    CHECK(file_is(tmp("keep-active.csv"), "old active\n"), "atomic csv: the first table's file is unchanged");
    CHECK(file_is(tmp("keep-requests.csv"), "old requests\n"), "atomic csv: the second table's file is unchanged");
    CHECK(access(tmp("keep-local.csv"), F_OK) != 0, "atomic csv: the third table's file is not made");
    CHECK(temporaries() == 0, "atomic csv: no temporary file left in the folder");
    remove(tmp("keep-active.csv"));
    remove(tmp("keep-requests.csv"));
}

/* ---- XLSX cells over Excel's limit ----------------------------------------- */

/* What the command CMD prints (up to 1 MB), NULL on failure. */
static char *output_of(const char *cmd)
{
    char *out;
    FILE *p;
    size_t n = 0, cap = 1 << 20;

    if (!(p = popen(cmd, "r")) || !(out = malloc(cap))) {
        if (p)
            pclose(p);
        return NULL;
    }
    while (n + 1 < cap && (n += fread(out + n, 1, cap - 1 - n, p)) && !feof(p))
        ;
    out[n] = '\0';
    pclose(p);
    return out;
}

/* The text of cell REF in sheet N of the workbook at PATH, read back with openpyxl. */
static char *xlsx_cell_text(const char *path, int sheet, const char *ref)
{
    char cmd[1024];

    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import sys, openpyxl; "
             "sys.stdout.write(openpyxl.load_workbook(sys.argv[1]).worksheets[%d]['%s'].value or '')\" %s"
             " 2>/dev/null",
             sheet, ref, path);
    return output_of(cmd);
}

/* Entry NAME of the zip at PATH, read with Python's zipfile. */
static char *zip_entry(const char *path, const char *name)
{
    char cmd[1024];

    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())\""
             " %s %s 2>/dev/null",
             path, name);
    return output_of(cmd);
}

/* Characters as Excel counts them (UTF-16 units). */
static long utf16_units(const char *s)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80)
            n += (*p & 0xF8) == 0xF0 ? 2 : 1;
    }
    return n;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = s ? strlen(s) : 0, b = strlen(suffix);
    return s && a >= b && strcmp(s + a - b, suffix) == 0;
}

/* One over-long plain cell: cut to Excel's limit, ending with "…". */
static void test_xlsx_long_cells(nb_doc *d)
{
    char err[512] = "", *cell;
    char *old = d->tables[2].cells[3].text, *long_text = malloc(40001);

    memset(long_text, 'x', 40000);
    long_text[40000] = '\0';
    d->tables[2].cells[3].text = long_text;
    CHECK(nb_export_xlsx(d, tmp("long.xlsx"), err, sizeof err) == 0, "xlsx long: the export succeeds");
    if (*err)
        printf("# %s\n", err);
    cell = xlsx_cell_text(tmp("long.xlsx"), 3, "B5");
    CHECK(cell && ends_with(cell, "…") && utf16_units(cell) == 32767 && cell[0] == 'x',
          "xlsx long: an over-long plain cell is cut to the limit, ending with …");
    free(cell);
    d->tables[2].cells[3].text = old;
    free(long_text);
    remove(tmp("long.xlsx"));
}

/* Text kept as written: spaces at either end, XML's special characters, and text that
 * reads as a shared string's escape ("_x0041_" is Excel's "A"); control characters,
 * which XML cannot hold, dropped. Read back with openpyxl. */
static void test_xlsx_text(nb_doc *d)
{
    char err[512] = "", *cell;
    char *old = d->tables[2].cells[3].text;

    d->tables[2].cells[3].text = "  a&b<c>\"_x0041_ _x00zz_\x01\n ";
    CHECK(nb_export_xlsx(d, tmp("text.xlsx"), err, sizeof err) == 0, "xlsx text: the export succeeds");
    cell = xlsx_cell_text(tmp("text.xlsx"), 3, "B5");
    CHECK_STR(cell ? cell : "(none)", "  a&b<c>\"_x0041_ _x00zz_\n ", "xlsx text: read back as written");
    free(cell);
    /* openpyxl reads "_xHHHH_" as it is; Excel and LibreOffice read it as the character. */
    cell = zip_entry(tmp("text.xlsx"), "xl/sharedStrings.xml");
    CHECK(cell && contains(cell, "\"_x005F_x0041_ _x00zz_") && !contains(cell, "\"_x0041_"),
          "xlsx text: text that reads as an escape is escaped (_x005F_)");
    free(cell);
    d->tables[2].cells[3].text = old;
    remove(tmp("text.xlsx"));
}

/* A document of NTABLES tables titled TITLES, of 2 x 2 cells with a header row, for BODY. */
static nb_doc *small_doc(const char *body, const char *const *titles, int ntables)
{
    nb_doc *d = xcalloc(1, sizeof *d);

    d->title = xstrdup("报告");
    d->body = xstrdup(body);
    d->year = 2020;
    d->ntables = ntables;
    d->tables = xcalloc((size_t)ntables, sizeof *d->tables);
    for (int i = 0; i < ntables; i++) {
        table_init(&d->tables[i], "t", titles[i], 2, 2, 1, 1);
        put_text(&d->tables[i], 0, 0, "项目", 1);
        put_text(&d->tables[i], 0, 1, "数量", 1);
        put_text(&d->tables[i], 1, 0, "行", 1);
        put_int(&d->tables[i], 1, 1, "n", i);
    }
    return d;
}

/* Odd input read back by Python's XML parser and openpyxl (tests/unit/xlsx_hostile.py):
 * malformed UTF-8 and U+FFFE in a sheet's name (they made workbook.xml malformed), names
 * that differ only in case beyond ASCII, a body's name with "_x0041_" in the printed
 * header, a title of 2,000 characters (its row was over Excel's 409 points), a body of
 * 300 characters (the subtitle lost its year, the header its report and year), a carriage
 * return (read back as a line feed) and malformed bytes past Excel's 32,767 characters. */
static void test_xlsx_hostile(void)
{
    char err[512] = "", cmd[1024], *long_title = malloc(2000 * 3 + 1), *long_body = malloc(300 * 3 + 1);
    char *junk = malloc(30000 + 10000 + 1);
    const char *names[] = {"ok\xEF\xBF\xBE", "bad\xC0\x80x\xED\xA0\x80y", "ÄBC", "äbc", "ＡＢ", "ａｂ", long_title};
    const char *one[] = {"文本"};
    nb_doc *d;

    for (int i = 0; i < 2000; i++)
        memcpy(long_title + 3 * i, "标", 3);
    long_title[6000] = '\0';
    for (int i = 0; i < 300; i++)
        memcpy(long_body + 3 * i, "机", 3);
    long_body[900] = '\0';
    memset(junk, 'a', 30000);
    memset(junk + 30000, 0x80, 10000);
    junk[40000] = '\0';

    d = small_doc("B_x0041_&甲", names, 7);
    CHECK(nb_export_xlsx(d, tmp("names.xlsx"), err, sizeof err) == NB_OK, "hostile xlsx: odd sheet names written");
    nb_doc_free(d);
    d = small_doc(long_body, one, 1);
    CHECK(nb_export_xlsx(d, tmp("long.xlsx"), err, sizeof err) == NB_OK, "hostile xlsx: a long body written");
    nb_doc_free(d);
    d = small_doc("甲", one, 1);
    put_text(&d->tables[0], 0, 0, "a\r\nb\rc", 1);
    put_text(&d->tables[0], 0, 1, junk, 1);
    CHECK(nb_export_xlsx(d, tmp("text.xlsx"), err, sizeof err) == NB_OK, "hostile xlsx: odd text written");
    nb_doc_free(d);

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %.*sxlsx_hostile.py %s %s %s", (int)(strrchr(__FILE__, '/') + 1 - __FILE__),
             __FILE__, tmp("names.xlsx"), tmp("long.xlsx"), tmp("text.xlsx"));
    CHECK(system(cmd) == 0, "hostile xlsx: well-formed, names unique and valid, header and subtitle whole, text as written");
    remove(tmp("names.xlsx"));
    remove(tmp("long.xlsx"));
    remove(tmp("text.xlsx"));
    free(long_title);
    free(long_body);
    free(junk);
}

/* ---- the registry ------------------------------------------------------------ */

/* The path to give exporter X for files named BASE: BASE.ext, or BASE
 * itself for a per-table exporter (it adds -<table id>.ext). */
static const char *target(const nb_exporter *x, const char *base)
{
    static char path[256];
    snprintf(path, sizeof path, "%s%s", base, x->per_table ? "" : x->ext);
    return path;
}

/* The file exporter X writes for BASE (the first table's, when per table). */
static void written_file(const nb_exporter *x, const nb_doc *d, const char *base, char *out, size_t n)
{
    if (x->per_table)
        snprintf(out, n, "%s-%s%s", base, d->tables[0].id, x->ext);
    else
        snprintf(out, n, "%s%s", base, x->ext);
}

static void test_registry(const nb_doc *d)
{
    static const char *const want[] = {"xlsx", "docx", "pdf", "md", "txt", "html", "csv", "json"};
    char name[128], path[256], err[512];
    int found = 1, unique = 1, described = 1, writes = 1;

    CHECK(nb_nexporters == 8, "registry: eight exporters");
    for (int i = 0; i < 8 && i < nb_nexporters; i++) {
        snprintf(name, sizeof name, "registry: '%s' in place %d", want[i], i + 1);
        CHECK(nb_exporter_find(want[i]) == &nb_exporters[i], name);
    }
    for (int i = 0; i < nb_nexporters; i++) {
        const nb_exporter *x = &nb_exporters[i];
        found = found && nb_exporter_find(x->name) == x;
        for (int j = 0; j < i; j++)
            unique = unique && strcmp(nb_exporters[j].name, x->name) != 0;
        described = described && x->ext[0] == '.' && x->title && *x->title && x->write;
        written_file(x, d, tmp("reg"), path, sizeof path);
        remove(path);
        err[0] = '\0';
        if (x->write(d, target(x, tmp("reg")), err, sizeof err) != NB_OK || access(path, F_OK) != 0) {
            printf("# %s: %s\n", x->name, err);
            writes = 0;
        }
        for (int t = 0; t < d->ntables && x->per_table; t++) {
            snprintf(path, sizeof path, "%s-%s%s", tmp("reg"), d->tables[t].id, x->ext);
            remove(path);
        }
        written_file(x, d, tmp("reg"), path, sizeof path);
        remove(path);
    }
    CHECK(found, "registry: every registered name is found");
    CHECK(unique, "registry: names are unique");
    CHECK(described, "registry: every row has an extension, a title and a writer");
    CHECK(writes, "registry: every exporter writes its file for a small document");
    CHECK(nb_exporter_find("rtf") == NULL && nb_exporter_find("") == NULL
              && nb_exporter_find("XLSX") == NULL && nb_exporter_find(NULL) == NULL,
          "registry: an unknown name is NULL");
    CHECK(nb_exporter_find("csv")->per_table && !nb_exporter_find("json")->per_table,
          "registry: CSV alone writes a file per table");
}

/* ---- deferred syncs (regen) ------------------------------------------------------ */

/* Two files (JSON and XLSX): each synced, with its folder, as it is put in place; deferred, none until nb_out_sync_deferred, which syncs
 * once; the bytes the same either way. */
static void test_deferred_sync(const nb_doc *d)
{
    char err[512] = "";
    long before = nb_out_test_syncs();
    CHECK(nb_export_json(d, tmp("sync.json"), err, sizeof err) == NB_OK &&
              nb_export_xlsx(d, tmp("sync.xlsx"), err, sizeof err) == NB_OK,
          "deferred sync: two files written, synced one by one");
    CHECK(nb_out_test_syncs() - before == 4, "deferred sync: (a file and its folder each: 4 syncs)");
    size_t json_len, xlsx_len;
    char *json = slurp(tmp("sync.json"), &json_len), *xlsx = slurp(tmp("sync.xlsx"), &xlsx_len);
    nb_out_defer_sync(1, dir);
    before = nb_out_test_syncs();
    CHECK(nb_export_json(d, tmp("later.json"), err, sizeof err) == NB_OK &&
              nb_export_xlsx(d, tmp("later.xlsx"), err, sizeof err) == NB_OK && nb_out_test_syncs() == before,
          "deferred sync: the same two written without a sync");
    size_t n1, n2;
    char *json2 = slurp(tmp("later.json"), &n1), *xlsx2 = slurp(tmp("later.xlsx"), &n2);
    CHECK(json && json2 && n1 == json_len && memcmp(json, json2, n1) == 0 && xlsx && xlsx2 && n2 > 0,
          "deferred sync: in place, the same JSON, a workbook");
    CHECK(nb_out_sync_deferred(dir, err, sizeof err) == NB_OK && nb_out_test_syncs() == before + 1,
          "deferred sync: all synced at once");
    nb_out_defer_sync(1, NULL); /* no folder opened at the start: the one given now */
    CHECK(nb_out_sync_deferred(tmp("none"), err, sizeof err) == NB_ERR_IO && contains(err, "cannot sync the files written"),
          "deferred sync: a folder that is not there is an error that names it");
    nb_out_defer_sync(0, NULL);
    before = nb_out_test_syncs();
    CHECK(nb_export_json(d, tmp("sync.json"), err, sizeof err) == NB_OK && nb_out_test_syncs() - before == 2,
          "deferred sync: turned off, each file synced again");
    free(json);
    free(json2);
    free(xlsx);
    free(xlsx2);
    remove(tmp("sync.json"));
    remove(tmp("sync.xlsx"));
    remove(tmp("later.json"));
    remove(tmp("later.xlsx"));
}

/* A folder made: its parent's sync goes on in a thread until the files are placed (a
 * commit, a group's end), at most eight at a time; none while deferred; a worker forked
 * meanwhile does not wait for its parent's. */
static void test_folder_syncs(const nb_doc *d)
{
    char err[512] = "", path[1024];
    long before = nb_out_test_syncs();
    CHECK(mkdir(tmp("made"), 0777) == 0, "folder syncs: a folder made");
    nb_out_folder_made(tmp("made"));
    CHECK(nb_out_test_syncs() - before == 1 && nb_out_test_folder_syncs() == 1,
          "folder syncs: its parent's sync counted, going on meanwhile");
    snprintf(path, sizeof path, "%s/r.json", tmp("made"));
    CHECK(nb_export_json(d, path, err, sizeof err) == NB_OK && nb_out_test_folder_syncs() == 0,
          "folder syncs: waited for when a file is put in place");
    remove(path);
    nb_out_folder_made(tmp("made/")); /* "made/": still the entry of "made" */
    nb_out_group_begin(0);
    unsigned failed = 0;
    CHECK(nb_out_group_end(&failed, err, sizeof err) == NB_OK && nb_out_test_folder_syncs() == 0,
          "folder syncs: waited for at a group's end, even with no file");
    int most = 0;
    for (int i = 0; i < 12; i++) {
        nb_out_folder_made(tmp("made"));
        most = nb_out_test_folder_syncs() > most ? nb_out_test_folder_syncs() : most;
    }
    CHECK(most == 8, "folder syncs: at most eight at a time");
    pid_t pid = fork();
    if (pid == 0) { /* a worker: its copies closed, nothing joined that is not its own */
        nb_out_folder_syncs_wait();
        _exit(nb_out_test_folder_syncs() == 0 ? 0 : 1);
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "folder syncs: a forked worker leaves its parent's alone");
    CHECK(nb_out_test_folder_syncs() > 0, "folder syncs: the parent's still to wait for");
    nb_out_folder_syncs_wait();
    CHECK(nb_out_test_folder_syncs() == 0, "folder syncs: waited for");
    nb_out_defer_sync(1, dir);
    before = nb_out_test_syncs();
    nb_out_folder_made(tmp("made"));
    CHECK(nb_out_test_syncs() == before && nb_out_test_folder_syncs() == 0,
          "folder syncs: none while deferred (the batch's sync carries it)");
    nb_out_defer_sync(0, NULL);
    rmdir(tmp("made"));
}

/* ---- a group of files (one report's formats) -------------------------------------- */

/* The file descriptors this process has open. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    return n;
}

static unsigned bit_of(const char *name)
{
    return 1u << (nb_exporter_find(name) - nb_exporters);
}

/* The formats of one report written as a group: nothing under a final name until the
 * group's end, then all of them: each file synced once and their folder once, where one by
 * one each file took two (its own, its folder's); the same bytes as alone. A format that fails keeps its
 * previous file and does not stop the others; a file that cannot be moved into place is
 * told and leaves no temporary; inside a batch (regen) the group makes no sync. */
/* 1 when the SHA-256 noted for the file put in place at PATH is that of its bytes. */
static int placed_sha256_is_file(const char *path)
{
    size_t n = 0;
    char *bytes = slurp(path, &n), hex[65];
    const char *noted = nb_out_placed_sha256(path);
    if (!bytes || !noted)
        return free(bytes), 0;
    nb_sha256_hex(bytes, n, hex);
    free(bytes);
    return strcmp(hex, noted) == 0;
}

static void test_group(const nb_doc *d)
{
    char err[512] = "";
    nb_export_errs errs;
    unsigned want = bit_of("json") | bit_of("md") | bit_of("csv");
    CHECK(nb_export_json(d, tmp("alone.json"), err, sizeof err) == NB_OK, "group: a JSON alone");

    nb_out_group_begin(0);
    CHECK(nb_export_md(d, tmp("early.md"), err, sizeof err) == NB_OK && access(tmp("early.md"), F_OK) != 0,
          "group: a file written in a group is not in place before the group's end");
    unsigned failed = 1;
    CHECK(nb_out_group_end(&failed, err, sizeof err) == NB_OK && failed == 0 && access(tmp("early.md"), F_OK) == 0,
          "group: in place at the group's end");
    remove(tmp("early.md"));

    long before = nb_out_test_syncs(), fs_before = nb_out_test_fs_syncs();
    unsigned written = nb_export_group(d, dir, "g", want, 1, errs);
    CHECK(written == want, "group: JSON, Markdown and CSV written");
    /* each file synced by itself (its write-back begun as it was written), then the folder
       once: not the whole file system, whose other files' dirty pages are not the report's */
    long files = 2 + d->ntables; /* the JSON, the Markdown, a CSV a table */
    CHECK(nb_out_test_syncs() - before == files + 1, "group: each file synced once, and the folder once");
    if (nb_out_test_syncs() - before != files + 1)
        printf("# syncs: %ld (want %ld)\n", nb_out_test_syncs() - before, files + 1);
    CHECK(nb_out_test_fs_syncs() == fs_before, "group: the file system is not synced as a whole");
    size_t n1 = 0, n2 = 0;
    char *a = slurp(tmp("alone.json"), &n1), *b = slurp(tmp("g.json"), &n2);
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0, "group: the same JSON as alone");
    free(a);
    free(b);
    int placed = access(tmp("g.md"), F_OK) == 0;
    for (int t = 0; t < d->ntables; t++) {
        char name[128];
        snprintf(name, sizeof name, "g-%s.csv", d->tables[t].id);
        placed = placed && access(tmp(name), F_OK) == 0;
    }
    CHECK(d->ntables > 1 && placed && temporaries() == 0, "group: every file in place, no temporary left");
    int sums = placed_sha256_is_file(tmp("g.json")) && placed_sha256_is_file(tmp("g.md"));
    for (int t = 0; t < d->ntables; t++) {
        char name[128];
        snprintf(name, sizeof name, "g-%s.csv", d->tables[t].id);
        sums = sums && placed_sha256_is_file(tmp(name));
    }
    CHECK(sums && nb_out_placed_sha256(tmp("alone.json")) == NULL,
          "group: the SHA-256 of each file it put in place is that of its bytes; none of a file before it");
    /* not asked for: none computed (a report's six files, 0.1 ms) */
    written = nb_export_group(d, dir, "g", want, 0, errs);
    CHECK(written == want && access(tmp("g.json"), F_OK) == 0 && nb_out_placed_sha256(tmp("g.json")) == NULL &&
              nb_out_placed_sha256(tmp("g.md")) == NULL,
          "group: without SHA256, written and no SHA-256 noted");

    /* a format that fails: its previous file kept, the others written */
    write_file(tmp("g.md"), "before\n");
    nb_out_test_fail_close(1, ENOSPC); /* Markdown is written first of the three */
    written = nb_export_group(d, dir, "g", want, 1, errs);
    nb_out_test_fail_close(0, 0);
    CHECK(written == (want & ~bit_of("md")) && contains(errs[nb_exporter_find("md") - nb_exporters],
                                                         "g.md: write failed: No space left on device"),
          "group: a format that fails is told, the others are written");
    CHECK(file_is(tmp("g.md"), "before\n") && temporaries() == 0,
          "group: the failed format's previous file kept, no temporary left");
    CHECK(nb_out_placed_sha256(tmp("g.md")) == NULL && placed_sha256_is_file(tmp("g.json")),
          "group: no SHA-256 for the file of a format that failed; the others' theirs");

    /* a file that cannot be moved into place (a folder holds its name) */
    remove(tmp("g.json"));
    mkdir(tmp("g.json"), 0755);
    write_file(tmp("g.json/x"), "x");
    written = nb_export_group(d, dir, "g", want, 1, errs);
    CHECK(written == (want & ~bit_of("json")) &&
              contains(errs[nb_exporter_find("json") - nb_exporters], "g.json: cannot move the written file into place"),
          "group: a file that cannot be put in place is told, the others are");
    CHECK(temporaries() == 0, "group: and no temporary is left");
    remove(tmp("g.json/x"));
    rmdir(tmp("g.json"));

    /* the files a group replaces are held until all are in place, then let go of: every
       descriptor closed; a FIFO in a file's place is replaced, not opened (it would wait
       for a writer) */
    int fds_held = open_fds();
    write_file(tmp("g.md"), "old\n");
    remove(tmp("g.json"));
    CHECK(mkfifo(tmp("g.json"), 0644) == 0, "group: a FIFO where the JSON goes");
    written = nb_export_group(d, dir, "g", want, 0, errs);
    struct stat fifo_st;
    CHECK(written == want && stat(tmp("g.json"), &fifo_st) == 0 && S_ISREG(fifo_st.st_mode) &&
              !file_is(tmp("g.md"), "old\n") && open_fds() == fds_held && temporaries() == 0,
          "group: the files it replaced let go of, every descriptor closed; a FIFO replaced");

    /* a format dropped from the group: its files are not put in place */
    nb_out o = {0};
    nb_out_group_begin(0);
    nb_out_group_tag(3);
    CHECK(nb_out_open(&o, tmp("dropped.txt"), err, sizeof err) == NB_OK && fputs("x", o.f) >= 0 &&
              nb_out_finish(&o, err, sizeof err) == NB_OK,
          "group: a file committed");
    nb_out_group_drop(3);
    CHECK(nb_out_group_end(&failed, err, sizeof err) == NB_OK && failed == 0 &&
              access(tmp("dropped.txt"), F_OK) != 0 && temporaries() == 0,
          "group: dropped, it is not put in place and leaves no temporary");

    /* many files: past 64 each is named at once, its descriptor closed */
    int fds_before = open_fds(), most = 0, all = 1;
    nb_out_group_begin(0);
    for (int i = 0; i < 100 && all; i++) {
        char name[32];
        snprintf(name, sizeof name, "many%03d.txt", i);
        all = nb_out_open(&o, tmp(name), err, sizeof err) == NB_OK && fprintf(o.f, "%d\n", i) > 0 &&
              nb_out_finish(&o, err, sizeof err) == NB_OK;
        if (open_fds() - fds_before > most)
            most = open_fds() - fds_before;
    }
    CHECK(all && most <= 66, "group: 100 files hold at most 66 descriptors");
    if (most > 66)
        printf("# descriptors: %d\n", most);
    CHECK(nb_out_group_end(&failed, err, sizeof err) == NB_OK && failed == 0 && open_fds() == fds_before,
          "group: and all are put in place, every descriptor closed");
    for (int i = 0; i < 100; i++) {
        char name[32], text[16];
        snprintf(name, sizeof name, "many%03d.txt", i);
        snprintf(text, sizeof text, "%d\n", i);
        all = all && file_is(tmp(name), text);
        remove(tmp(name));
    }
    CHECK(all && temporaries() == 0, "group: each with its bytes, no temporary left");

    /* inside a batch */
    nb_out_defer_sync(1, NULL);
    before = nb_out_test_syncs();
    written = nb_export_group(d, dir, "g", want, 1, errs);
    CHECK(written == want && nb_out_test_syncs() == before && access(tmp("g.json"), F_OK) == 0,
          "group: inside a batch, written without a sync");
    CHECK(placed_sha256_is_file(tmp("g.json")) && placed_sha256_is_file(tmp("g.md")),
          "group: inside a batch, the SHA-256 of each file put in place is that of its bytes");
    nb_out_defer_sync(0, NULL);
    remove(tmp("alone.json"));
    remove(tmp("g.json"));
    remove(tmp("g.md"));
    for (int t = 0; t < d->ntables; t++) {
        char name[128];
        snprintf(name, sizeof name, "g-%s.csv", d->tables[t].id);
        remove(tmp(name));
    }
}

/* ---- a full disk, a file size limit, permissions ------------------------------ */

/* Every file the exporter X would write for PATH gets TEXT. */
static void put_previous(const nb_exporter *x, const nb_doc *d, const char *path, const char *text)
{
    char file[256];

    for (int t = 0; t < (x->per_table ? d->ntables : 1); t++) {
        if (x->per_table)
            snprintf(file, sizeof file, "%s-%s%s", path, d->tables[t].id, x->ext);
        else
            snprintf(file, sizeof file, "%s%s", path, x->ext);
        write_file(file, text);
    }
}

/* 1 when every file X would write for PATH still holds TEXT; removes them. */
static int previous_kept(const nb_exporter *x, const nb_doc *d, const char *path, const char *text)
{
    char file[256];
    int kept = 1;

    for (int t = 0; t < (x->per_table ? d->ntables : 1); t++) {
        if (x->per_table)
            snprintf(file, sizeof file, "%s-%s%s", path, d->tables[t].id, x->ext);
        else
            snprintf(file, sizeof file, "%s%s", path, x->ext);
        kept = kept && file_is(file, text);
        remove(file);
    }
    return kept;
}

/* ENOSPC through the seam of the output helper: the disk fills while the
 * file is written (for CSV: while the second table's is). */
static void test_full_disk(const nb_doc *d)
{
    char err[512], name[128], want[300];

    for (int i = 0; i < nb_nexporters; i++) {
        const nb_exporter *x = &nb_exporters[i];
        put_previous(x, d, tmp("full"), "before the disk filled\n");
        nb_out_test_fail_close(x->per_table ? 2 : 1, ENOSPC);
        nb_err rc = x->write(d, target(x, tmp("full")), err, sizeof err);
        nb_out_test_fail_close(0, 0);
        snprintf(want, sizeof want, "%s%s: write failed: No space left on device", tmp("full"),
                 x->per_table ? "-requests.csv" : x->ext);
        snprintf(name, sizeof name, "full disk: %s fails with NB_ERR_IO and the system's reason", x->name);
        CHECK(rc == NB_ERR_IO && contains(err, want), name);
        if (!contains(err, want))
            printf("# got: %s\n", err);
        snprintf(name, sizeof name, "full disk: %s leaves the previous files unchanged", x->name);
        CHECK(previous_kept(x, d, tmp("full"), "before the disk filled\n"), name);
        snprintf(name, sizeof name, "full disk: %s leaves no temporary file", x->name);
        CHECK(temporaries() == 0, name);
    }
    CHECK(nb_export_md(d, tmp("after.md"), err, sizeof err) == NB_OK, "full disk: the seam is off again");
    remove(tmp("after.md"));
}

/* A real write failure midway: the process may not write files over 200
 * bytes (EFBIG), so every exporter fails while writing, and must still say
 * why (stdio forgets the errno of a failed buffered write). */
static void test_file_size_limit(const nb_doc *d)
{
    struct rlimit old, small;
    char err[512], name[128];
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);

    getrlimit(RLIMIT_FSIZE, &old);
    small = old;
    small.rlim_cur = 200;
    for (int i = 0; i < nb_nexporters; i++) {
        const nb_exporter *x = &nb_exporters[i];
        nb_err rc;
        put_previous(x, d, tmp("limit"), "the previous report\n");
        setrlimit(RLIMIT_FSIZE, &small);
        rc = x->write(d, target(x, tmp("limit")), err, sizeof err);
        setrlimit(RLIMIT_FSIZE, &old);
        snprintf(name, sizeof name, "size limit: %s fails with NB_ERR_IO and the system's reason", x->name);
        CHECK(rc == NB_ERR_IO && contains(err, tmp("limit")) && contains(err, "File too large"), name);
        if (rc != NB_ERR_IO)
            printf("# %d: %s\n", rc, err);
        snprintf(name, sizeof name, "size limit: %s leaves the previous files unchanged", x->name);
        CHECK(previous_kept(x, d, tmp("limit"), "the previous report\n"), name);
        snprintf(name, sizeof name, "size limit: %s leaves no temporary file", x->name);
        CHECK(temporaries() == 0, name);
    }

    /* A cell larger than stdio's buffer, written with one fputs: the write
     * fails while the cell is written, not at the close (where a stdio
     * stream's fflush may succeed with nothing left to write, its errno
     * gone). */
    nb_doc *big = xcalloc(1, sizeof *big);
    big->title = xstrdup("大");
    big->ntables = 1;
    big->tables = xcalloc(1, sizeof *big->tables);
    table_init(&big->tables[0], "big", "", 1, 1, 0, 16);
    free(big->tables[0].cells[0].text);
    big->tables[0].cells[0].text = xcalloc(20001, 1);
    memset(big->tables[0].cells[0].text, 'p', 20000);
    write_file(tmp("big-big.csv"), "the previous table\n");
    setrlimit(RLIMIT_FSIZE, &small);
    nb_err rc = nb_export_csv(big, tmp("big"), err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(rc == NB_ERR_IO && contains(err, "big-big.csv: write failed: File too large"),
          "size limit: a cell larger than stdio's buffer fails with the system's reason");
    if (!contains(err, "File too large"))
        printf("# got: %s\n", err);
    CHECK(file_is(tmp("big-big.csv"), "the previous table\n") && temporaries() == 0,
          "size limit: the large file leaves the previous one and no temporary");
    remove(tmp("big-big.csv"));
    nb_doc_free(big);
    signal(SIGXFSZ, old_handler);
}

/* Temporaries an earlier, killed export left (".NAME.XXXXXX", between its link and its rename)
 * are removed by the next export of NAME: its folder is read once a process, so the second
 * name's is found in what the first export read; a folder of more than the 16 names kept
 * is read again for each file; a name cut to 200 bytes in its temporary is matched cut;
 * a name that only looks like one is kept. */
static void test_stale_temporaries(const nb_doc *d)
{
    char err[512], name[64], longname[260], longtmp[280], lpath[280];

    mkdir(tmp("stale"), 0777); /* folders no export of this process has read */
    mkdir(tmp("stale2"), 0777);
    memset(longname, 'n', 210);
    memcpy(longname + 210, ".md", 4);
    snprintf(longtmp, sizeof longtmp, "stale/.%.200s.Lo9ng1", longname);
    snprintf(lpath, sizeof lpath, "stale/%s", longname);
    write_file(tmp(longtmp), "stale\n");
    write_file(tmp("stale/.s1.md.Ab3xYz"), "stale\n");
    write_file(tmp("stale/.s2.md.Qw9ErT"), "stale\n");
    write_file(tmp("stale/.s2.md.bak"), "not ours\n");
    write_file(tmp("stale/.s2.md.keep.Zz9Zz9"), "another name's\n");
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "stale2/.s3.md.%06d", i);
        write_file(tmp(name), "stale\n");
    }
    CHECK(nb_export_md(d, tmp("stale/s1.md"), err, sizeof err) == NB_OK && access(tmp("stale/.s1.md.Ab3xYz"), F_OK) != 0,
          "stale: an export removes its name's temporary");
    CHECK(access(tmp("stale/.s2.md.Qw9ErT"), F_OK) == 0, "stale: and not another name's");
    CHECK(nb_export_md(d, tmp("stale/s2.md"), err, sizeof err) == NB_OK && access(tmp("stale/.s2.md.Qw9ErT"), F_OK) != 0,
          "stale: the next name's, in the folder read once, is removed by its export");
    CHECK(access(tmp("stale/.s2.md.bak"), F_OK) == 0 && access(tmp("stale/.s2.md.keep.Zz9Zz9"), F_OK) == 0,
          "stale: names that only look like temporaries are kept");
    CHECK(nb_export_md(d, tmp(lpath), err, sizeof err) == NB_OK && access(tmp(longtmp), F_OK) != 0,
          "stale: a long name's temporary (its name cut to 200 bytes) is removed");
    CHECK(nb_export_md(d, tmp("stale2/s1.md"), err, sizeof err) == NB_OK &&
              nb_export_md(d, tmp("stale2/s3.md"), err, sizeof err) == NB_OK &&
              access(tmp("stale2/.s3.md.000000"), F_OK) != 0 && access(tmp("stale2/.s3.md.000019"), F_OK) != 0,
          "stale: more temporaries than are kept: all removed");
    remove(tmp("stale/.s2.md.bak"));
    remove(tmp("stale/.s2.md.keep.Zz9Zz9"));
    remove(tmp("stale/s1.md"));
    remove(tmp("stale/s2.md"));
    remove(tmp(lpath));
    remove(tmp("stale2/s1.md"));
    remove(tmp("stale2/s3.md"));
    CHECK(rmdir(tmp("stale")) == 0 && rmdir(tmp("stale2")) == 0, "stale: only the two look-alikes were left");
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* New files get 0666 & ~umask, as fopen gives; a replaced file keeps its mode. */
static void test_permissions(const nb_doc *d)
{
    char err[512];
    mode_t old = umask(022);

    remove(tmp("perm.md"));
    CHECK(nb_export_md(d, tmp("perm.md"), err, sizeof err) == NB_OK && mode_of(tmp("perm.md")) == 0644,
          "permissions: a new file gets 0666 & ~umask (022: 0644), not mkstemp's 0600");
    umask(027);
    remove(tmp("perm.md"));
    nb_export_md(d, tmp("perm.md"), err, sizeof err);
    CHECK(mode_of(tmp("perm.md")) == 0640, "permissions: umask 027 gives 0640");
    chmod(tmp("perm.md"), 0604);
    nb_export_md(d, tmp("perm.md"), err, sizeof err);
    CHECK(mode_of(tmp("perm.md")) == 0604, "permissions: a replaced file keeps its mode");
    umask(022);
    remove(tmp("perm.xlsx"));
    nb_export_xlsx(d, tmp("perm.xlsx"), err, sizeof err);
    CHECK(mode_of(tmp("perm.xlsx")) == 0644, "permissions: a new XLSX gets 0644 too");
    umask(old);
    remove(tmp("perm.md"));
    remove(tmp("perm.xlsx"));
}

/* A folder that cannot hold the file (a path through a regular file): the
 * system's reason, NB_ERR_IO, nothing made. */
static void test_unwritable_folder(const nb_doc *d)
{
    char err[512], path[256], name[128];

    write_file(tmp("plain"), "a file, not a folder\n");
    snprintf(path, sizeof path, "%s/r", tmp("plain"));
    for (int i = 0; i < nb_nexporters; i++) {
        const nb_exporter *x = &nb_exporters[i];
        snprintf(name, sizeof name, "unwritable folder: %s: NB_ERR_IO, 'Not a directory'", x->name);
        CHECK(x->write(d, target(x, path), err, sizeof err) == NB_ERR_IO && contains(err, "Not a directory")
                  && contains(err, path), name);
    }
    CHECK(file_is(tmp("plain"), "a file, not a folder\n") && temporaries() == 0,
          "unwritable folder: nothing changed, nothing left");
    remove(tmp("plain"));
}

/* A file name near the system's limit (255 bytes) still gets a temporary
 * beside it: the temporary's name is cut, not the file's. */
static void test_long_name(const nb_doc *d)
{
    char name[256], err[512] = "";

    memset(name, 'n', 240);
    strcpy(name + 240, "名字.md"); /* 240 + 6 + 3 = 249 bytes */
    CHECK(nb_export_md(d, tmp(name), err, sizeof err) == NB_OK && access(tmp(name), F_OK) == 0,
          "long name: a 249-byte file name is written");
    if (*err)
        printf("# %s\n", err);
    CHECK(temporaries() == 0, "long name: no temporary left");
    remove(tmp(name));
}

/* ---- the zip archive in memory (export_zip.c) ---------------------------------------- */

/* The entry NAME of the archive Z (LEN bytes) read back with minizip's reader, which checks
 * each entry's CRC-32 at its end: its bytes (malloc'ed) and their number, or NULL. Its
 * method and compressed size into *METHOD and *CSIZE. */
static char *unzip_entry(const char *z, size_t len, const char *name, size_t *n, int *method,
                         unsigned long *csize)
{
    nb_zipmem m = {.data = (char *)z, .len = len};
    zlib_filefunc64_def io;
    nb_zipmem_io(&io, &m);
    unzFile u = unzOpen2_64("", &io);
    char *out = NULL;
    unz_file_info64 info;
    if (u && unzLocateFile(u, name, 1) == UNZ_OK &&
        unzGetCurrentFileInfo64(u, &info, NULL, 0, NULL, 0, NULL, 0) == UNZ_OK &&
        unzOpenCurrentFile(u) == UNZ_OK) {
        *method = (int)info.compression_method;
        *csize = (unsigned long)info.compressed_size;
        out = malloc(info.uncompressed_size + 1);
        int got = out ? unzReadCurrentFile(u, out, (unsigned)info.uncompressed_size + 1) : -1;
        *n = got < 0 ? 0 : (size_t)got;
        if (unzCloseCurrentFile(u) != UNZ_OK || got < 0 || (size_t)got != info.uncompressed_size) {
            free(out); /* a CRC that does not match, or a size */
            out = NULL;
        }
    }
    if (u)
        unzClose(u);
    return out;
}

/* Parts written into a zip in memory read back the same through an independent reader
 * (minizip's, which checks every entry's CRC-32): text (deflated smaller), an empty part, and
 * bytes that do not compress; at every level the exporters use. */
static void test_zip(void)
{
    size_t tn = 200000, rn = 50000;
    char *text = malloc(tn), *rnd = malloc(rn);
    if (!text || !rnd) {
        free(text);
        free(rnd);
        CHECK(0, "zip: memory for the parts");
        return;
    }
    for (size_t i = 0; i < tn; i++)
        text[i] = "<row r=\"1\"><c t=\"s\"><v>12</v></c></row>\n"[i % 38];
    unsigned x = 12345;
    for (size_t i = 0; i < rn; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        rnd[i] = (char)(x >> 7);
    }
    const int levels[] = {Z_BEST_SPEED, Z_DEFAULT_COMPRESSION, Z_BEST_COMPRESSION};
    for (int l = 0; l < 3; l++) {
        nb_zip *z = nb_zip_new(1609459200LL, levels[l]);
        const char *data = NULL;
        size_t len = 0;
        int ok = z && nb_zip_add(z, "xl/text.xml", text, tn) == 0 && nb_zip_add(z, "empty", "", 0) == 0 &&
                 nb_zip_add(z, "random.bin", rnd, rn) == 0 && nb_zip_finish(z, &data, &len) == 0;
        char name[160];
        snprintf(name, sizeof name, "zip: three parts written (level %d)", levels[l]);
        CHECK(ok, name);
        struct {
            const char *name;
            const char *bytes;
            size_t n;
        } want[] = {{"xl/text.xml", text, tn}, {"empty", "", 0}, {"random.bin", rnd, rn}};
        for (int i = 0; ok && i < 3; i++) {
            size_t n = 0;
            int method = -1;
            unsigned long csize = 0;
            char *got = unzip_entry(data, len, want[i].name, &n, &method, &csize);
            snprintf(name, sizeof name, "zip: %s read back the same, its CRC-32 right (level %d)",
                     want[i].name, levels[l]);
            CHECK(got && n == want[i].n && (n == 0 || memcmp(got, want[i].bytes, n) == 0), name);
            snprintf(name, sizeof name, "zip: %s deflated (level %d)", want[i].name, levels[l]);
            CHECK(method == Z_DEFLATED, name);
            if (i == 0) {
                snprintf(name, sizeof name, "zip: text deflated small (%lu of %zu bytes, level %d)", csize, tn,
                         levels[l]);
                CHECK(csize < tn / 20, name);
            }
            free(got);
        }
        nb_zip_free(z);
    }
    free(text);
    free(rnd);
}

/* A folder made is synced into its parent (its entry on disk with the files); in a batch
 * the batch's sync carries it. */
static void test_folder_made(void)
{
    char sub[600];
    snprintf(sub, sizeof sub, "%s/made", dir);
    CHECK(mkdir(sub, 0777) == 0, "folder made: made");
    long before = nb_out_test_syncs();
    nb_out_folder_made(sub);
    CHECK(nb_out_test_syncs() - before == 1, "folder made: its parent synced");
    nb_out_defer_sync(1, NULL);
    before = nb_out_test_syncs();
    nb_out_folder_made(sub);
    CHECK(nb_out_test_syncs() == before, "folder made: nothing of its own in a batch");
    nb_out_defer_sync(0, NULL);
    rmdir(sub);
}

int main(void)
{
    nb_doc *d;
    const char *keep = getenv("NB_TEST_KEEP");

    snprintf(dir, sizeof dir, "/tmp/nb-export-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_cell_format();
    test_text_width();
    test_breaks();
    test_text_lines();
    d = build_doc();
    test_json(d);
    test_csv(d);
    test_md(d);
    test_txt(d);
    test_html(d);
    test_zip();
    test_xlsx(d);
    test_kept_parts(d);
    test_sheet_names();
    test_registry(d);
    test_atomic_midway(d);
    test_atomic_csv(d);
    test_deferred_sync(d);
    test_folder_syncs(d);
    test_group(d);
    test_folder_made();
    test_full_disk(d);
    test_file_size_limit(d);
    test_permissions(d);
    test_stale_temporaries(d);
    test_unwritable_folder(d);
    test_long_name(d);
    test_xlsx_text(d);
    test_xlsx_hostile();
    test_xlsx_long_cells(d);
    test_errors(d);
    nb_doc_free(d);
    nb_doc_free(NULL);
    if (keep)
        printf("# outputs kept in %s\n", dir);
    else
        remove_dir();
    T_DONE();
}
