/* test_html.c - unit tests of host/html.c: a page's lines as lint reads them (Word's markup
 * inside cells, &nbsp; and <o:p>, rowspan and colspan left as the page wrote them, frames
 * of tables inside cells, hidden text, breaks and blocks), the encodings, the limits. */
#include "html.h"
#include "t.h"

#include <stdlib.h>

static nb_buf got;

/* Each line as "LINE:text" or "LINE:[cell|cell]", one per line. */
static int collect(void *ud, long line, const char *text, const char *const *cells, size_t n)
{
    int *stop_after = ud;
    if (text) {
        nb_buf_printf(&got, "%ld:%s\n", line, text);
    } else {
        nb_buf_printf(&got, "%ld:[", line);
        for (size_t i = 0; i < n; i++)
            nb_buf_printf(&got, "%s%s", i ? "|" : "", cells[i]);
        nb_buf_adds(&got, "]\n");
    }
    return stop_after && --*stop_after == 0;
}

static nb_err lines(const char *page, size_t len, const char **enc, char *err, int *stop)
{
    got.len = 0;
    nb_buf_adds(&got, "");
    return nb_html_lines(page, len, collect, stop, enc, err, 512);
}

int main(void)
{
    char err[512] = "";
    const char *enc = NULL;
    const char *word =
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><title>报告</title>\n"
        "<style>td{border:1px}</style><script>var x = '<td>no</td>';</script></head><body>\n"
        "<p class=MsoNormal><span>三、收到和处理</span><span lang=EN-US>政府信息公开申请情况</span><o:p></o:p></p>\n"
        "<table border=1><tr><td colspan=3 rowspan=2><p><span>申请人</span>\n<span>情况</span></p></td>"
        "<td>自然人</td></tr>\n"
        "<tr><td><span lang=EN-US>219<o:p></o:p></span></td><td>&nbsp;</td><td><o:p>\xe3\x80\x80</o:p></td></tr>\n"
        "</table>\n"
        "<table><tr><td>frame<table><tbody><tr><th>inner</th><td>1</td></tr></tbody></table></td></tr></table>\n"
        "line one<br>line   two\n<div>a<p>b</p>c</div></body></html>";
    CHECK(lines(word, strlen(word), &enc, err, NULL) == NB_OK, "word: read");
    CHECK_STR(enc, "UTF-8", "word: UTF-8");
    CHECK_STR(got.data,
              "3:三、收到和处理政府信息公开申请情况\n"
              "4:[申请人 情况|自然人]\n"
              "6:[219||]\n"
              "8:frame\n"
              "8:[inner|1]\n"
              "9:line one\n"
              "10:line two\n"
              "10:a\n10:b\n10:c\n",
              "word: split spans joined, &nbsp; and o:p blank, spans as written, frames opened, "
              "hidden text left out, breaks and blocks as lines (a text's line is where libxml2 ends it)");

    /* GB18030, declared as gb2312 or not declared at all */
    const char *gb = "<meta charset=gb2312><table><tr><td>\xd7\xd4\xc8\xbb\xc8\xcb</td><td>7</td></tr></table>";
    CHECK(lines(gb, strlen(gb), &enc, err, NULL) == NB_OK, "gb: read");
    CHECK_STR(enc, "GB18030", "gb: not UTF-8, so GB18030");
    CHECK_STR(got.data, "1:[自然人|7]\n", "gb: decoded");
    const char *gb_bare = "<table><tr><td>\xd7\xd4\xc8\xbb\xc8\xcb</td></tr></table>";
    CHECK(lines(gb_bare, strlen(gb_bare), &enc, err, NULL) == NB_OK &&
              strcmp(got.data, "1:[自然人]\n") == 0, "gb: undeclared, decoded too");
    const char *utf8_says_gb = "<meta charset=gb2312><p>自然人</p>";
    CHECK(lines(utf8_says_gb, strlen(utf8_says_gb), &enc, err, NULL) == NB_OK &&
              strcmp(got.data, "1:自然人\n") == 0, "utf-8 declared gb2312: read as what it is");

    /* a caller that stops */
    int stop = 2;
    CHECK(lines(word, strlen(word), &enc, err, &stop) == NB_OK, "stop: not an error");
    CHECK_STR(got.data, "3:三、收到和处理政府信息公开申请情况\n4:[申请人 情况|自然人]\n",
              "stop: no line after the caller said stop");

    /* limits and nonsense */
    nb_buf wide = {0};
    nb_buf_adds(&wide, "<table><tr>");
    for (int i = 0; i <= NB_HTML_MAX_CELLS; i++)
        nb_buf_adds(&wide, "<td>1</td>");
    nb_buf_adds(&wide, "</tr></table>");
    CHECK(lines(wide.data, wide.len, &enc, err, NULL) == NB_ERR_LIMIT, "wide: a row over the cell limit refused");
    CHECK(strstr(err, "more than 1000 cells") != NULL, "wide: says so");
    nb_buf_free(&wide);
    CHECK(lines("", 0, &enc, err, NULL) == NB_ERR_INPUT, "empty: not HTML");
    CHECK_STR(err, "not an HTML page (nothing in it could be read as HTML)", "empty: says so");
    const char *binary = "\x00\x01\x02<td>\xff\xfe";
    CHECK(lines(binary, 8, &enc, err, NULL) != NB_OK || got.data != NULL, "binary: no crash");
    nb_buf_free(&got);
    T_DONE();
}
