/* test_wml.c - unit tests of the WordprocessingML writer (wml.c) and the DOCX exporter
 * (export_docx.c): escaping, elements in the schema's order, a merged table, a footer with a
 * PAGE field, the package parts; then nb_export_docx on a small hand-built document, read back
 * from the zip (minizip) and parsed (expat): its parts, text, merges, header rows, fonts,
 * same bytes twice, and clean failures. No Lua. */
#include "doc.h"
#include "export.h"
#include "export_util.h"
#include "docs.h"
#include "testdir.h"
#include "t.h"
#include "util.h"
#include "wml.h"

#include <dirent.h>
#include <errno.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unzip.h>

/* ---- capturing what the writer writes ----------------------------------------- */

static char *buf;
static size_t len;
static FILE *out;

static FILE *begin(void)
{
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    if (!out)
        abort();
    return out;
}

/* What was written since begin(). */
static const char *got(void)
{
    fclose(out);
    out = NULL;
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* 1 when S is well-formed XML (expat). */
static int well_formed(const char *s, size_t n)
{
    XML_Parser p = XML_ParserCreate(NULL);
    int ok = XML_Parse(p, s, (int)n, 1) == XML_STATUS_OK;
    if (!ok)
        printf("# XML error at line %lu: %s\n", (unsigned long)XML_GetCurrentLineNumber(p),
               XML_ErrorString(XML_GetErrorCode(p)));
    XML_ParserFree(p);
    return ok;
}

/* ---- the XML layer ---------------------------------------------------------------- */

static void test_escaping(void)
{
    FILE *f = begin();
    nb_xml_text(f, "a&b<c>d\"e'\x01\x0b\x1f\t\n\r|中文");
    CHECK_STR(got(), "a&amp;b&lt;c&gt;d\"e'\t\n\r|中文",
              "escape text: & < > escaped, control characters dropped, tab/newline/CR kept");

    f = begin();
    nb_xml_attr_value(f, "a&b<c>d\"e\x02\t\n\r");
    CHECK_STR(got(), "a&amp;b&lt;c&gt;d&quot;e&#9;&#10;&#13;",
              "escape attribute: \" too, and tab/newline/CR as character references");

    f = begin();
    nb_xml_text(f, "x\xff" "y\xe4\xb8" "z\xed\xa0\x80" "w\xef\xbf\xbe" "v\xc0\xafu");
    CHECK_STR(got(), "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdw\xef\xbf\xbd"
                     "v\xef\xbf\xbd\xef\xbf\xbdu",
              "escape: bytes that are not UTF-8 (stray, cut, surrogate, overlong) and U+FFFE become U+FFFD");

    f = begin();
    nb_xml_text(f, NULL);
    nb_xml_attr_value(f, "");
    CHECK_STR(got(), "", "escape: NULL and empty write nothing");

    f = begin();
    nb_xml_text(f, "\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    CHECK_STR(got(), "\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", "escape: four-byte characters up to U+10FFFF kept");

    char *chars = nb_xml_chars("a&b<c>\"\x01\t\n\r|x\xff" "z\xed\xa0\x80" "w\xef\xbf\xbe|中");
    CHECK_STR(chars ? chars : "(null)", "a&b<c>\"\t\n\r|x\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdw\xef\xbf\xbd|中",
              "xml chars: what the escaped text reads back as, unescaped");
    free(chars);
    const char *clean = "表三 a&b<c>\"\t\n\r\xf0\x9f\x98\x80";
    chars = nb_xml_chars(clean);
    CHECK(chars && chars != clean && strcmp(chars, clean) == 0, "xml chars: a text with nothing to change, copied");
    free(chars);
    chars = nb_xml_chars("\x7f\x1f");
    CHECK_STR(chars ? chars : "(null)", "\x7f", "xml chars: a control character at the end left out");
    free(chars);
    chars = nb_xml_chars(NULL);
    CHECK_STR(chars ? chars : "(null)", "", "xml chars: NULL is the empty text");
    free(chars);
}

static void test_elements(void)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;
    FILE *f = begin();

    nb_xml_attr(&a, "w:name", "A&B \"C\"");
    nb_xml_attr_int(&a, "w:w", -42);
    nb_xml_start(f, "w:x", &a);
    nb_xml_empty(f, "w:y", NULL);
    nb_xml_data(f, "w:z", NULL, "<1>");
    nb_xml_val(f, "w:jc", "center");
    nb_xml_val_int(f, "w:sz", 32);
    nb_xml_end(f, "w:x");
    CHECK_STR(got(), "<w:x w:name=\"A&amp;B &quot;C&quot;\" w:w=\"-42\"><w:y/><w:z>&lt;1&gt;</w:z>"
                     "<w:jc w:val=\"center\"/><w:sz w:val=\"32\"/></w:x>",
              "elements: start with attributes (escaped, numbers), empty, data, w:val, end");

    nb_xml_attrs_clear(&a);
    for (int i = 0; i < NB_XML_MAX_ATTRS + 3; i++)
        nb_xml_attr_int(&a, "n", i);
    CHECK(a.n == NB_XML_MAX_ATTRS, "elements: attributes past the limit are dropped, not overrun");

    f = begin();
    nb_xml_declaration(f);
    CHECK_STR(got(), "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n", "declaration");
    CHECK(NB_WML_MM(37) == 2098 && NB_WML_MM(28) == 1587 && NB_WML_PT(28.95) == 579,
          "units: millimetres and points to twips");
}

/* ---- paragraphs and runs ------------------------------------------------------------ */

static void test_runs(void)
{
    const nb_wml_rpr r = {.style = "Strong", .font = "仿宋_GB2312", .bold = 1, .size = 32,
                          .lang_east_asia = "zh-CN"};
    FILE *f = begin();

    nb_wml_run(f, NULL, "a\tb\nc \r &d");
    CHECK_STR(got(), "<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t xml:space=\"preserve\">c </w:t>"
                     "<w:t xml:space=\"preserve\"> &amp;d</w:t></w:r>",
              "run: tab as w:tab, newline as w:br, CR dropped, spaces at the ends preserved");

    f = begin();
    nb_wml_run(f, &r, "字");
    CHECK_STR(got(), "<w:r><w:rPr><w:rStyle w:val=\"Strong\"/><w:rFonts w:ascii=\"仿宋_GB2312\" "
                     "w:hAnsi=\"仿宋_GB2312\" w:eastAsia=\"仿宋_GB2312\" w:cs=\"仿宋_GB2312\"/><w:b/><w:bCs/>"
                     "<w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/>"
                     "</w:rPr><w:t>字</w:t></w:r>",
              "run properties in the schema's order: rStyle, rFonts, b, sz, lang");

    char *longtext = malloc(3001);
    for (int i = 0; i < 1000; i++)
        memcpy(longtext + 3 * i, "中", 3);
    longtext[3000] = '\0';
    f = begin();
    nb_wml_run(f, NULL, longtext);
    const char *s = got();
    CHECK(count(s, "中") == 1000 && !contains(s, "\xef\xbf\xbd"), "run: long text is written whole, no character cut");
    free(longtext);
}

static void test_paragraphs(void)
{
    const nb_wml_ppr all = {.style = "Heading1", .keep_next = 1, .keep_lines = 1, .page_break_before = 1,
                            .no_widow_control = 1, .no_snap_to_grid = 1, .space_before = 10,
                            .space_after = 20, .line_rule = NB_WML_LINE_EXACT, .line = 579,
                            .indent_set = 1, .indent_left = 1, .indent_right = 2, .first_line = 640,
                            .first_line_chars = 200, .jc = NB_WML_JC_BOTH, .outline_level = 1};
    const nb_wml_rpr mark = {.size = 21};
    FILE *f = begin();

    nb_wml_ppr_write(f, &all, &mark);
    CHECK_STR(got(), "<w:pPr><w:pStyle w:val=\"Heading1\"/><w:keepNext/><w:keepLines/><w:pageBreakBefore/>"
                     "<w:widowControl w:val=\"0\"/><w:snapToGrid w:val=\"0\"/>"
                     "<w:spacing w:before=\"10\" w:after=\"20\" w:line=\"579\" w:lineRule=\"exact\"/>"
                     "<w:ind w:left=\"1\" w:right=\"2\" w:firstLineChars=\"200\" w:firstLine=\"640\"/>"
                     "<w:jc w:val=\"both\"/><w:outlineLvl w:val=\"0\"/>"
                     "<w:rPr><w:sz w:val=\"21\"/><w:szCs w:val=\"21\"/></w:rPr></w:pPr>",
              "paragraph properties in the schema's order (pStyle ... outlineLvl, rPr)");

    f = begin();
    nb_wml_paragraph(f, NULL, NULL, NULL);
    nb_wml_paragraph(f, &(nb_wml_ppr){.jc = NB_WML_JC_CENTER}, NULL, "标题");
    nb_wml_ppr_write(f, &(nb_wml_ppr){0}, NULL);
    CHECK_STR(got(), "<w:p></w:p>\n<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr><w:r><w:t>标题</w:t></w:r></w:p>\n",
              "paragraph: empty; one run; properties that set nothing write nothing");
}

/* ---- a merged table ------------------------------------------------------------------ */

/* 3 columns, 3 rows:  | A (2 rows) | B over 2 columns |
 *                     | ^          | c | d |
 *                     | e | f | g |                    */
static void test_table(void)
{
    static const int grid[] = {1000, 800, 700};
    const nb_wml_table t = {.style = "TableGrid", .ncols = 3, .grid = grid, .center = 1, .border = 4,
                            .cell_margin = 57, .fixed = 1};
    FILE *f = begin();

    nb_wml_table_start(f, &t);
    nb_wml_row_start(f, &(nb_wml_row){.header = 1, .cant_split = 1});
    nb_wml_cell_start(f, &(nb_wml_cell){.width = 1000, .vmerge = NB_WML_VMERGE_RESTART, .vcenter = 1});
    nb_wml_paragraph(f, NULL, NULL, "A");
    nb_wml_cell_end(f);
    nb_wml_cell_start(f, &(nb_wml_cell){.width = 1500, .span = 2});
    nb_wml_paragraph(f, NULL, NULL, "B");
    nb_wml_cell_end(f);
    nb_wml_row_end(f);
    nb_wml_row_start(f, &(nb_wml_row){.header = 1});
    nb_wml_cell_start(f, &(nb_wml_cell){.width = 1000, .vmerge = NB_WML_VMERGE_CONTINUE});
    nb_wml_paragraph(f, NULL, NULL, "");
    nb_wml_cell_end(f);
    nb_wml_cell_start(f, NULL);
    nb_wml_paragraph(f, NULL, NULL, "c");
    nb_wml_cell_end(f);
    nb_wml_cell_start(f, &(nb_wml_cell){0});
    nb_wml_paragraph(f, NULL, NULL, "d");
    nb_wml_cell_end(f);
    nb_wml_row_end(f);
    nb_wml_row_start(f, NULL);
    for (int c = 0; c < 3; c++) {
        nb_wml_cell_start(f, &(nb_wml_cell){.width = grid[c]});
        nb_wml_paragraph(f, NULL, NULL, c == 0 ? "e" : c == 1 ? "f" : "g");
        nb_wml_cell_end(f);
    }
    nb_wml_row_end(f);
    nb_wml_table_end(f);
    const char *s = got();
    CHECK_STR(s,
              "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"2500\" w:type=\"dxa\"/>"
              "<w:jc w:val=\"center\"/><w:tblBorders>"
              "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
              "<w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
              "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
              "<w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
              "<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
              "<w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/></w:tblBorders>"
              "<w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"57\" w:type=\"dxa\"/>"
              "<w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>"
              "<w:tblGrid><w:gridCol w:w=\"1000\"/><w:gridCol w:w=\"800\"/><w:gridCol w:w=\"700\"/></w:tblGrid>\n"
              "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
              "<w:tc><w:tcPr><w:tcW w:w=\"1000\" w:type=\"dxa\"/><w:vMerge w:val=\"restart\"/>"
              "<w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:r><w:t>A</w:t></w:r></w:p>\n</w:tc>"
              "<w:tc><w:tcPr><w:tcW w:w=\"1500\" w:type=\"dxa\"/><w:gridSpan w:val=\"2\"/></w:tcPr>"
              "<w:p><w:r><w:t>B</w:t></w:r></w:p>\n</w:tc></w:tr>\n"
              "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
              "<w:tc><w:tcPr><w:tcW w:w=\"1000\" w:type=\"dxa\"/><w:vMerge/></w:tcPr><w:p></w:p>\n</w:tc>"
              "<w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p>\n</w:tc>"
              "<w:tc><w:p><w:r><w:t>d</w:t></w:r></w:p>\n</w:tc></w:tr>\n"
              "<w:tr><w:tc><w:tcPr><w:tcW w:w=\"1000\" w:type=\"dxa\"/></w:tcPr><w:p><w:r><w:t>e</w:t></w:r></w:p>\n</w:tc>"
              "<w:tc><w:tcPr><w:tcW w:w=\"800\" w:type=\"dxa\"/></w:tcPr><w:p><w:r><w:t>f</w:t></w:r></w:p>\n</w:tc>"
              "<w:tc><w:tcPr><w:tcW w:w=\"700\" w:type=\"dxa\"/></w:tcPr><w:p><w:r><w:t>g</w:t></w:r></w:p>\n</w:tc>"
              "</w:tr>\n</w:tbl>\n",
              "table: properties in order, the grid, a vertical merge (restart, continue), a gridSpan, header rows");
    char *doc = malloc(strlen(s) + 200);
    sprintf(doc, "<w:body xmlns:w=\"%s\">%s</w:body>", NB_WML_NS_W, s);
    CHECK(well_formed(doc, strlen(doc)), "table: well-formed");
    free(doc);
}

/* ---- a footer, a section, styles, the package parts ----------------------------------- */

static void test_footer(void)
{
    const nb_wml_rpr r = {.font = "宋体", .size = 28};
    FILE *f = begin();

    nb_wml_part_start(f, "w:ftr");
    nb_wml_p_start(f, &(nb_wml_ppr){.style = "Footer", .jc = NB_WML_JC_RIGHT});
    nb_wml_run(f, NULL, "— ");
    nb_wml_field(f, &r, "PAGE", "1");
    nb_wml_run(f, NULL, " —");
    nb_wml_p_end(f);
    nb_wml_part_end(f, "w:ftr");
    const char *s = got();
    const char *rpr = "<w:rPr><w:rFonts w:ascii=\"宋体\" w:hAnsi=\"宋体\" w:eastAsia=\"宋体\" w:cs=\"宋体\"/>"
                      "<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/></w:rPr>";
    char want[2048];
    snprintf(want, sizeof want,
             "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
             "<w:ftr xmlns:w=\"" NB_WML_NS_W "\" xmlns:r=\"" NB_WML_NS_R "\">\n"
             "<w:p><w:pPr><w:pStyle w:val=\"Footer\"/><w:jc w:val=\"right\"/></w:pPr>"
             "<w:r><w:t xml:space=\"preserve\">— </w:t></w:r>"
             "<w:r>%s<w:fldChar w:fldCharType=\"begin\"/></w:r>"
             "<w:r>%s<w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>"
             "<w:r>%s<w:fldChar w:fldCharType=\"separate\"/></w:r>"
             "<w:r>%s<w:t>1</w:t></w:r>"
             "<w:r>%s<w:fldChar w:fldCharType=\"end\"/></w:r>"
             "<w:r><w:t xml:space=\"preserve\"> —</w:t></w:r></w:p>\n</w:ftr>\n",
             rpr, rpr, rpr, rpr, rpr);
    CHECK_STR(s, want, "footer: “— PAGE —” with a complex PAGE field (begin, instrText, separate, result, end)");
    CHECK(well_formed(s, strlen(s)), "footer: a well-formed part");
}

static void test_section(void)
{
    const nb_wml_section s = {.width = NB_WML_A4_WIDTH, .height = NB_WML_A4_HEIGHT, .top = 2098,
                              .bottom = 1984, .left = 1587, .right = 1474, .header = 850, .footer = 1247,
                              .footer_default = "rId1", .footer_even = "rId2", .line_pitch = 579};
    FILE *f = begin();

    nb_wml_section_write(f, &s);
    nb_wml_section_write(f, &(nb_wml_section){.width = 16838, .height = 11906, .landscape = 1});
    CHECK_STR(got(),
              "<w:sectPr><w:footerReference w:type=\"even\" r:id=\"rId2\"/>"
              "<w:footerReference w:type=\"default\" r:id=\"rId1\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/>"
              "<w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1587\" w:header=\"850\" "
              "w:footer=\"1247\" w:gutter=\"0\"/><w:cols w:space=\"425\"/><w:docGrid w:linePitch=\"579\"/></w:sectPr>\n"
              "<w:sectPr><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>"
              "<w:pgMar w:top=\"0\" w:right=\"0\" w:bottom=\"0\" w:left=\"0\" w:header=\"0\" w:footer=\"0\" "
              "w:gutter=\"0\"/><w:cols w:space=\"425\"/></w:sectPr>\n",
              "section: footers, A4, margins, grid; landscape");
}

static void test_styles(void)
{
    const nb_wml_ppr p = {.outline_level = 1, .keep_next = 1};
    const nb_wml_rpr r = {.font = "黑体"};
    const nb_wml_style h1 = {NB_WML_STYLE_PARAGRAPH, "Heading1", "heading 1", "Normal", "Normal", 0, 1, 9,
                             &p, &r, 0, 0};
    const nb_wml_style grid = {.type = NB_WML_STYLE_TABLE, .id = "TableGrid", .name = "Table Grid",
                               .is_default = 1, .table_border = 4, .table_cell_margin = 57};
    FILE *f = begin();

    nb_wml_style_write(f, &h1);
    nb_wml_style_write(f, &grid);
    nb_wml_font(f, "仿宋_GB2312", "仿宋,FangSong", "roman");
    const char *s = got();
    CHECK(starts_with(s, "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/>"
                     "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:qFormat/>"
                     "<w:pPr><w:keepNext/><w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr><w:rFonts w:ascii=\"黑体\" "
                     "w:hAnsi=\"黑体\" w:eastAsia=\"黑体\" w:cs=\"黑体\"/></w:rPr></w:style>\n"),
          "styles: a paragraph style: id, name, basedOn, next, uiPriority, qFormat, pPr, rPr in order");
    CHECK(contains(s, "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/>"
                      "<w:tblPr><w:tblBorders>")
              && contains(s, "</w:tblBorders><w:tblCellMar><w:left w:w=\"57\" w:type=\"dxa\"/>"),
          "styles: a table style with borders and cell margins");
    CHECK(contains(s, "<w:font w:name=\"仿宋_GB2312\"><w:altName w:val=\"仿宋,FangSong\"/><w:charset w:val=\"86\"/>"
                      "<w:family w:val=\"roman\"/><w:pitch w:val=\"variable\"/></w:font>"),
          "fonts: the other families as w:altName, GB2312 charset, the family class");
}

static void test_package(void)
{
    char when[21];
    FILE *f = begin();

    nb_opc_types_start(f);
    nb_opc_override(f, "/word/document.xml", "application/x");
    nb_opc_types_end(f);
    nb_opc_rels_start(f);
    nb_opc_rel(f, "rId1", "styles", "styles.xml");
    nb_opc_rel(f, "rId2", "http://example.org/t", "a&b.xml");
    nb_opc_rels_end(f);
    const char *s = got();
    CHECK(contains(s, "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>")
              && contains(s, "<Override PartName=\"/word/document.xml\" ContentType=\"application/x\"/></Types>"),
          "content types: the defaults and an override");
    CHECK(contains(s, "<Relationship Id=\"rId1\" Type=\"" NB_WML_NS_R "/styles\" Target=\"styles.xml\"/>")
              && contains(s, "Type=\"http://example.org/t\" Target=\"a&amp;b.xml\"/></Relationships>"),
          "relationships: a short type in the officeDocument namespace, a full URI as it is, targets escaped");

    nb_opc_w3cdtf(1609459200, when);
    CHECK_STR(when, "2021-01-01T00:00:00Z", "w3cdtf: a Unix time in UTC");
    nb_opc_w3cdtf(0, when);
    CHECK_STR(when, "1970-01-01T00:00:00Z", "w3cdtf: 0");
    nb_opc_w3cdtf(-5, when);
    CHECK_STR(when, "1970-01-01T00:00:00Z", "w3cdtf: before 1970: the epoch");
    nb_opc_w3cdtf(1LL << 40, when);
    CHECK_STR(when, "1970-01-01T00:00:00Z", "w3cdtf: past 9999: the epoch");

    f = begin();
    nb_opc_core_write(f, &(nb_opc_core){.title = "A<B>&C", .creator = "某区人民政政府", .created = 1609459200});
    s = got();
    CHECK(contains(s, "<dc:title>A&lt;B&gt;&amp;C</dc:title><dc:creator>某区人民政政府</dc:creator>")
              && contains(s, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2021-01-01T00:00:00Z</dcterms:created>")
              && !contains(s, "dc:subject") && well_formed(s, strlen(s)),
          "core properties: title escaped, creator, created; fields not given left out; well-formed");
}

/* ---- the exporter: a small hand-built document ------------------------------------- */

/* 表三-like: a note over 3 columns and 3 header rows, 申请人情况 over 4, labels merged down. */
static void build_requests(nb_table *t)
{
    table_init(t, "requests", "三、收到和处理政府信息公开申请情况", 7, 7, 3, 16);
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
    put_text(t, 4, 0, "三、本年度办理结果", 1);
    merge(t, 4, 0, 5, 0);
    put_text(t, 4, 1, "（三）不予公开", 1);
    merge(t, 4, 1, 5, 1);
    put_text(t, 4, 2, "1.属于国家秘密", 1);
    put_text(t, 5, 2, "2.其他法律行政法规禁止公开", 1);
    put_text(t, 6, 0, "四、结转下年度继续办理", 1);
    merge(t, 6, 0, 6, 2);
    for (int r = 3; r < 7; r++) {
        static const char *const keys[] = {"person", "business", "other", "total"};
        t->row_keys[r] = xstrdup(r == 3 ? "new" : r == 4 ? "3.1" : r == 5 ? "3.2" : "carried_out");
        for (int c = 3; c < 7; c++)
            put_int(t, r, c, keys[c - 3], 100 * r + c);
    }
}

/* A table of 24 narrow columns: it fits the line only in a smaller type. */
static void build_wide(nb_table *t)
{
    table_init(t, "wide", "附表 宽表", 2, 24, 1, 16);
    for (int c = 0; c < 24; c++) {
        put_text(t, 0, c, "结果维持", 1);
        put_int(t, 1, c, "v", c);
    }
}

static void build_local(nb_table *t)
{
    table_init(t, "local", "附表 本地事项", 2, 2, 1, 16);
    put_text(t, 0, 0, "项目", 1);
    put_text(t, 0, 1, "说明", 1);
    put_text(t, 1, 0, "引号", 1);
    put_text(t, 1, 1, "a<b>&\"c\"\n第二行", 0);
}

static nb_doc *build_doc(void)
{
    static const struct {
        nb_block_type type;
        int level;
        const char *text;
        int table;
    } blocks[] = {
        {NB_BLOCK_HEADING, 1, "一、总体情况", 0},
        {NB_BLOCK_PARA, 0, "全年公开信息<5 & 更多。\n第二行", 0},
        {NB_BLOCK_HEADING, 2, "（一）主动公开", 0},
        {NB_BLOCK_HEADING, 1, "三、收到和处理政府信息公开申请情况", 0},
        {NB_BLOCK_TABLE, 0, NULL, 0},
        {NB_BLOCK_TABLE, 0, NULL, 1},
        {NB_BLOCK_TABLE, 0, NULL, 2},
    };
    nb_doc *d = xcalloc(1, sizeof *d);

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
    build_requests(&d->tables[0]);
    build_wide(&d->tables[1]);
    build_local(&d->tables[2]);
    d->nchecks = 1;
    d->checks = xcalloc(1, sizeof *d->checks);
    d->checks[0].id = xstrdup("H1");
    d->checks[0].message = xstrdup("检查结果不应出现在报告里");
    d->checks[0].left.text = xstrdup("");
    d->checks[0].right.text = xstrdup("");
    return d;
}

/* ---- reading the package back --------------------------------------------------------- */

/* The entry NAME of the zip at PATH, NUL-terminated (NULL when missing or damaged). */
static char *entry(const char *path, const char *name, size_t *n)
{
    unzFile z = unzOpen64(path);
    char *b = NULL;
    unz_file_info64 info;

    if (z && unzLocateFile(z, name, 1) == UNZ_OK && unzGetCurrentFileInfo64(z, &info, NULL, 0, NULL, 0, NULL, 0) == UNZ_OK
        && unzOpenCurrentFile(z) == UNZ_OK) {
        b = malloc(info.uncompressed_size + 1);
        int got_n = b ? unzReadCurrentFile(z, b, (unsigned)info.uncompressed_size) : -1;
        if (unzCloseCurrentFile(z) != UNZ_OK || got_n != (int)info.uncompressed_size) {
            free(b);
            b = NULL;
        } else {
            b[got_n] = '\0';
            *n = (size_t)got_n;
        }
    }
    if (z)
        unzClose(z);
    return b;
}

/* The entries' names, one per line, and whether all are dated 2021-01-01 00:00. */
static char *entries(const char *path, int *dated)
{
    nb_buf names = {0};
    unzFile z = unzOpen64(path);
    int rc = z ? unzGoToFirstFile(z) : UNZ_BADZIPFILE;

    *dated = 1;
    nb_buf_adds(&names, "");
    while (rc == UNZ_OK) {
        char name[256];
        unz_file_info64 info;
        unzGetCurrentFileInfo64(z, &info, name, sizeof name, NULL, 0, NULL, 0);
        nb_buf_printf(&names, "%s\n", name);
        *dated &= info.tmu_date.tm_year == 2021 && info.tmu_date.tm_mon == 0 && info.tmu_date.tm_mday == 1
                  && info.tmu_date.tm_hour == 0 && info.tmu_date.tm_min == 0;
        rc = unzGoToNextFile(z);
    }
    if (z)
        unzClose(z);
    return names.data;
}

/* The widths of the Nth table's grid (0-based), summed, and its number of columns. */
static long grid_sum(const char *xml, int nth, int *ncols)
{
    const char *p = xml;
    long sum = 0;

    *ncols = 0;
    for (int i = 0; i <= nth && p; i++)
        if ((p = strstr(p, "<w:tblGrid>")))
            p++;
    const char *end = p ? strstr(p, "</w:tblGrid>") : NULL;
    while (p && end && (p = strstr(p, "<w:gridCol w:w=\"")) && p < end) {
        p += strlen("<w:gridCol w:w=\"");
        sum += strtol(p, NULL, 10);
        (*ncols)++;
    }
    return sum;
}

static void test_export(nb_doc *d)
{
    static const char *const parts[] = {
        "[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels",
        "word/styles.xml", "word/settings.xml", "word/fontTable.xml", "word/footer1.xml",
        "word/footer2.xml", "docProps/core.xml", "docProps/app.xml"};
    char err[512] = "", *names, *a, *b, *doc, *part;
    size_t na = 0, nb = 0, n = 0;
    int dated, ok = 1, ncols;

    CHECK(nb_export_docx(d, tmp("r.docx"), err, sizeof err) == NB_OK, "export: writes the document");
    if (*err)
        printf("# %s\n", err);
    names = entries(tmp("r.docx"), &dated);
    nb_buf want = {0};
    nb_buf_adds(&want, "");
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        nb_buf_printf(&want, "%s\n", parts[i]);
    CHECK_STR(names, want.data, "export: the package's parts, [Content_Types].xml first");
    CHECK(dated, "export: every zip entry is dated with the document's creation time");
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        part = entry(tmp("r.docx"), parts[i], &n);
        if (!part || !well_formed(part, n)) {
            printf("# %s is not well-formed\n", parts[i]);
            ok = 0;
        }
        free(part);
    }
    CHECK(ok, "export: every part reads back (CRC) and is well-formed XML");
    free(names);
    nb_buf_free(&want);

    doc = entry(tmp("r.docx"), "word/document.xml", &n);
    CHECK(contains(doc, "<w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>测试区人民政府</w:t></w:r><w:r><w:br/></w:r>"
                        "<w:r><w:t>2020年政府信息公开工作年度报告</w:t></w:r></w:p>"),
          "document: the title in the Title style, broken after the body's name");
    CHECK(contains(doc, "<w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>一、总体情况</w:t>")
              && contains(doc, "<w:pStyle w:val=\"Heading2\"/></w:pPr><w:r><w:t>（一）主动公开</w:t>"),
          "document: headings of level 1 and 2 in Heading1 and Heading2");
    CHECK(contains(doc, "<w:p><w:r><w:t>全年公开信息&lt;5 &amp; 更多。</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"),
          "document: a paragraph in Normal, escaped, its newline a line break");
    CHECK(count(doc, "<w:tbl>") == 3 && count(doc, "<w:tblHeader/>") == 3 + 1 + 1,
          "document: three tables; w:tblHeader on the header rows (3, 1, 1)");
    CHECK(contains(doc, "<w:gridSpan w:val=\"3\"/><w:vMerge w:val=\"restart\"/><w:vAlign w:val=\"center\"/></w:tcPr>"
                        "<w:p><w:pPr><w:pStyle w:val=\"TableHeading\"/><w:keepNext/></w:pPr><w:r><w:t>（本列数据")
              && count(doc, "<w:gridSpan w:val=\"3\"/><w:vMerge/>") == 2,
          "document: the note over 3 columns and 3 rows: gridSpan 3, vMerge restart then continue twice");
    CHECK(contains(doc, "<w:gridSpan w:val=\"4\"/><w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:pPr><w:pStyle "
                        "w:val=\"TableHeading\"/><w:keepNext/></w:pPr><w:r><w:t>申请人情况</w:t>"),
          "document: 申请人情况 over 4 columns");
    CHECK(count(doc, "<w:cantSplit/>") == 7 + 2 + 2, "document: no row split across pages (w:cantSplit on every row)");
    CHECK(contains(doc, "<w:pStyle w:val=\"TableLabel\"/></w:pPr><w:r><w:t>1.属于国家秘密</w:t>")
              && contains(doc, "<w:pStyle w:val=\"TableData\"/></w:pPr><w:r><w:t>403</w:t>"),
          "document: labels in 表格项目 (TableLabel), data in 表格数据 (TableData)");
    CHECK(contains(doc, "<w:pStyle w:val=\"Caption\"/></w:pPr><w:r><w:t>附表 宽表</w:t>")
              && !contains(doc, "<w:t>三、收到和处理政府信息公开申请情况</w:t></w:r></w:p>\n<w:p><w:pPr><w:pStyle w:val=\"Caption\"/>"),
          "document: a caption for a table whose heading is not its title, none when it is");
    CHECK(contains(doc, "<w:t>a&lt;b&gt;&amp;\"c\"</w:t><w:br/><w:t>第二行</w:t>"), "document: cell text escaped, newlines kept");
    CHECK(grid_sum(doc, 0, &ncols) == 8845 && ncols == 7, "layout: 表三 spans the text block (156 mm), 7 columns");
    long wide = grid_sum(doc, 1, &ncols);
    CHECK(wide <= 8845 && wide > 8800 && ncols == 24 && contains(doc, "<w:sz w:val=\"15\"/>"),
          "layout: 24 columns of 结果维持 fit the line in the smallest type (7.5 pt), words broken");
    CHECK(contains(doc, "<w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1474\" "
                        "w:bottom=\"1984\" w:left=\"1587\""),
          "document: A4 with GB/T 9704's margins");
    CHECK(contains(doc, "<w:footerReference w:type=\"even\" r:id=\"rIdFooterEven\"/><w:footerReference "
                        "w:type=\"default\" r:id=\"rIdFooterOdd\"/>"),
          "document: footers for odd and even pages");
    CHECK(!contains(doc, "检查结果不应出现") && !contains(doc, "H1"), "document: the check results are not in the report");
    free(doc);

    part = entry(tmp("r.docx"), "word/footer1.xml", &n);
    CHECK(contains(part, "<w:jc w:val=\"right\"/></w:pPr><w:r><w:t xml:space=\"preserve\">— </w:t></w:r>")
              && contains(part, "<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>"),
          "footer of odd pages: — PAGE — on the right");
    free(part);
    part = entry(tmp("r.docx"), "word/footer2.xml", &n);
    CHECK(contains(part, "<w:ind w:left=\"280\" w:right=\"0\"") && contains(part, "<w:jc w:val=\"left\"/>")
              && contains(part, " PAGE "),
          "footer of even pages: — PAGE — on the left, one character in");
    free(part);
    part = entry(tmp("r.docx"), "word/settings.xml", &n);
    CHECK(contains(part, "<w:evenAndOddHeaders/>"), "settings: odd and even footers");
    free(part);
    part = entry(tmp("r.docx"), "word/styles.xml", &n);
    CHECK(contains(part, "w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/><w:pPr><w:spacing w:line=\"579\" "
                         "w:lineRule=\"exact\"/><w:ind w:left=\"0\" w:right=\"0\" w:firstLineChars=\"200\" "
                         "w:firstLine=\"640\"/><w:jc w:val=\"both\"/></w:pPr><w:rPr><w:rFonts w:ascii=\"仿宋_GB2312\"")
              && contains(part, "<w:sz w:val=\"32\"/>"),
          "styles: Normal in 仿宋_GB2312 三号, fixed 28.95 pt lines, two characters' indent");
    CHECK(contains(part, "w:styleId=\"Title\"") && contains(part, "w:eastAsia=\"方正小标宋简体\"")
              && contains(part, "<w:sz w:val=\"44\"/>"),
          "styles: Title in the title font's first family at 二号");
    CHECK(contains(part, "<w:name w:val=\"heading 1\"/>") && contains(part, "<w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr>"
                                                                         "<w:rFonts w:ascii=\"黑体\""),
          "styles: heading 1 (Word's navigation) in 黑体");
    free(part);
    part = entry(tmp("r.docx"), "docProps/core.xml", &n);
    CHECK(contains(part, "<dc:title>测试区人民政府2020年政府信息公开工作年度报告</dc:title>")
              && contains(part, "<dc:creator>测试区人民政府</dc:creator>")
              && contains(part, ">2021-01-01T00:00:00Z</dcterms:created>"),
          "core properties: title, creator (the body), created (the document's)");
    free(part);

    /* The same document: the same bytes. */
    CHECK(nb_export_docx(d, tmp("s.docx"), err, sizeof err) == NB_OK, "export: again");
    a = slurp(tmp("r.docx"), &na);
    b = slurp(tmp("s.docx"), &nb);
    CHECK(a && b && na == nb && memcmp(a, b, na) == 0, "export: the same document gives the same bytes");
    free(a);
    free(b);
    remove(tmp("s.docx"));

    /* Fonts from the document: the first family in the runs, the others as the font's altName. */
    d->fonts[NB_FONT_BODY] = xstrdup(" 思源宋体 , Noto Serif CJK SC");
    CHECK(nb_export_docx(d, tmp("f.docx"), err, sizeof err) == NB_OK, "fonts: export with the body's own fonts");
    part = entry(tmp("f.docx"), "word/styles.xml", &n);
    CHECK(contains(part, "w:eastAsia=\"思源宋体\"") && !contains(part, "仿宋_GB2312"),
          "fonts: the first family of the document's body fonts in the styles");
    free(part);
    part = entry(tmp("f.docx"), "word/fontTable.xml", &n);
    CHECK(contains(part, "<w:font w:name=\"思源宋体\"><w:altName w:val=\"Noto Serif CJK SC\"/>"),
          "fonts: the other families as the font's w:altName");
    free(part);
    free(d->fonts[NB_FONT_BODY]);
    d->fonts[NB_FONT_BODY] = NULL;
    remove(tmp("f.docx"));
}

/* An empty document, a short title: still a document. */
static void test_empty(void)
{
    nb_doc *d = xcalloc(1, sizeof *d);
    char err[512] = "", *doc;
    size_t n = 0;

    CHECK(nb_export_docx(d, tmp("e.docx"), err, sizeof err) == NB_OK, "empty: a document without title or blocks is written");
    doc = entry(tmp("e.docx"), "word/document.xml", &n);
    CHECK(doc && well_formed(doc, n) && contains(doc, "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr></w:p>"),
          "empty: an empty title paragraph, a well-formed body");
    free(doc);
    d->title = xstrdup("短标题");
    d->body = xstrdup("短");
    nb_export_docx(d, tmp("e.docx"), err, sizeof err);
    doc = entry(tmp("e.docx"), "word/document.xml", &n);
    CHECK(contains(doc, "<w:r><w:t>短标题</w:t></w:r></w:p>"), "empty: a title that fits one line is not broken");
    free(doc);
    remove(tmp("e.docx"));
    nb_doc_free(d);
}

static void test_failures(nb_doc *d)
{
    char err[512] = "", path[600];
    nb_merge saved = d->tables[0].merges[1];

    CHECK(nb_export_docx(d, "/nonexistent-dir/r.docx", err, sizeof err) == NB_ERR_IO
              && contains(err, "/nonexistent-dir/r.docx: No such file or directory"),
          "fails: a missing folder, NB_ERR_IO naming the path and the reason");
    write_file(tmp("plain"), "a file\n");
    snprintf(path, sizeof path, "%s/r.docx", tmp("plain"));
    CHECK(nb_export_docx(d, path, err, sizeof err) == NB_ERR_IO && contains(err, path)
              && contains(err, "Not a directory"),
          "fails: a path through a file, NB_ERR_IO 'Not a directory'");
    remove(tmp("plain"));

    write_file(tmp("keep.docx"), "the previous report\n");
    d->tables[0].merges[1].r1 = 1; /* 申请人情况 now overlaps 自然人 */
    d->tables[0].merges[1].r2 = 1;
    d->tables[0].merges[1].c1 = 3;
    CHECK(nb_export_docx(d, tmp("keep.docx"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "keep.docx: table 'requests': merge 3 overlaps merge 2 at row 1, column 3"),
          "fails: overlapping merges, NB_ERR_INPUT naming the file and the table");
    d->tables[0].merges[1] = saved;
    CHECK(file_is(tmp("keep.docx"), "the previous report\n"), "fails: the previous file is unchanged");

    nb_out_test_fail_close(1, ENOSPC);
    nb_err rc = nb_export_docx(d, tmp("keep.docx"), err, sizeof err);
    nb_out_test_fail_close(0, 0);
    CHECK(rc == NB_ERR_IO && contains(err, "keep.docx: write failed: No space left on device"),
          "fails: a full disk, NB_ERR_IO with the system's reason");
    CHECK(file_is(tmp("keep.docx"), "the previous report\n"), "fails: the previous file is unchanged after a full disk");
    CHECK(temporaries() == 0, "fails: no temporary left behind");
    remove(tmp("keep.docx"));

    nb_doc *hollow = xcalloc(1, sizeof *hollow);
    hollow->ntables = 1;
    hollow->tables = xcalloc(1, sizeof *hollow->tables);
    hollow->tables[0].id = xstrdup("t");
    hollow->tables[0].nrows = 2;
    hollow->tables[0].ncols = 2;
    hollow->nblocks = 1;
    hollow->blocks = xcalloc(1, sizeof *hollow->blocks);
    hollow->blocks[0].type = NB_BLOCK_TABLE;
    CHECK(nb_export_docx(hollow, tmp("h.docx"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "table 't': malformed (2 rows, 2 columns, 0 header rows)")
              && access(tmp("h.docx"), F_OK) != 0,
          "fails: a table without cells, NB_ERR_INPUT, nothing written");
    hollow->blocks[0].table = 3;
    CHECK(nb_export_docx(hollow, tmp("h.docx"), err, sizeof err) == NB_ERR_INPUT
              && contains(err, "block 1 names table 3 of 1"),
          "fails: a block naming a missing table");
    nb_doc_free(hollow);
    CHECK(temporaries() == 0, "fails: still no temporary");
}

int main(void)
{
    nb_doc *d;

    snprintf(dir, sizeof dir, "/tmp/nb-wml-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_escaping();
    test_elements();
    test_runs();
    test_paragraphs();
    test_table();
    test_footer();
    test_section();
    test_styles();
    test_package();
    d = build_doc();
    test_export(d);
    test_empty();
    test_failures(d);
    nb_doc_free(d);
    free(buf);
    remove(tmp("r.docx"));
    if (rmdir(dir) != 0)
        printf("# %s not empty\n", dir);
    T_DONE();
}
