/* test_xmlscan.c - unit tests of host/xmlscan.c: what it reads gives the handlers what
 * expat gives them, fed in chunks of any size and stopped after any event; what is
 * outside its subset, or not well-formed, it hands back (bails). */
#include "../fuzz/xmlscan_diff.h"
#include "t.h"

/* Documents the scanner reads itself. */
static const char *const plain[] = {
    "<a/>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<dimension ref=\"A1:C2\"/><sheetData>"
    "<row r=\"1\" spans=\"1:3\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>43831</v></c>"
    "<c r=\"C1\" t=\"inlineStr\"><is><t>富</t><r><t xml:space=\"preserve\"> 文本 </t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>フ</t></rPh></is></c></row>"
    "<row r=\"2\"/></sheetData><pageMargins left=\"0.7\"/></worksheet>",
    "<?xml version='1.0' encoding='utf-8'?><a b='1' c=\"2\">x</a>",
    "<?xml version=\"1.0\"?>\n<!-- a comment - with a dash -->\n<?pi some data?><a/>\n<!--x-->",
    "<a  b = \"1\"\n\tc='&lt;&gt;&amp;&quot;&apos;' >&#20013;&#x6587; &amp; ]] &gt; text</a >",
    "<x:a x:b=\"&#9;\">\n  <x:c>1</x:c>\t<x:c>2</x:c>\n</x:a>",
    "<a>中文 ☃ 😀 text with ] and ]]</a>",
    "<a b=\">\" c='\"'>&#10;&#13;</a>",
    "<a><b><c><d/></c></b></a>",
    "<a>x\r\ny</a>",
    "<a b=\"x\ty\" c=\"x\ny\" d='x\r\ny\rz'>p\rq\r</a>\r\n",
    "<?xml version=\"1.0\"?>\r\n<a/>\r\n  \n",
};

/* Documents it hands to expat: outside the subset, or not well-formed. */
static const char *const bail[] = {
    "<!DOCTYPE a><a/>",
    "<a><![CDATA[x]]></a>",
    "\xEF\xBB\xBF<a/>",
    "<?xml version=\"1.0\" encoding=\"GBK\"?><a/>",
    "<?xml version=\"1.1\"?><a/>",
    "<a/><?xml version=\"1.0\"?>",
    "<a>&nbsp;</a>",
    "<a>&#0;</a>",
    "<a>&#xD800;</a>",
    "<a>&#1114112;</a>",
    "<a>&#;</a>",
    "<a></b>",
    "<a/><b/>",
    "<a>",
    "",
    "  ",
    "x<a/>",
    "<a/>x",
    "<a>]]></a>",
    "<a>\xC3</a>",
    "<a>\xED\xA0\x80</a>",
    "<a>\xEF\xBF\xBE</a>",
    "<a>\xC0\x80</a>",
    "<\xE4\xB8\xAD/>",
    "<a b=\"1\" b=\"2\"/>",
    "<a b=\"1\"c=\"2\"/>",
    "<a b=1/>",
    "<a b/>",
    "<a <b/>",
    "<a b=\"<\"/>",
    "<a><!-- x -- y --></a>",
    "<a><!-- x ---></a>",
    "< a/>",
    "<1a/>",
    "</a>",
    "<a>\x01</a>",
    "<a>\x0b</a>",
};

static void test_plain(void)
{
    char why[1024], name[128];
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        int worst = 0;
        why[0] = '\0';
        for (size_t chunk = 1; chunk <= 9 && worst == 0; chunk++)
            for (int stop = 0; stop <= 3 && worst == 0; stop++)
                worst = xs_diff(plain[i], strlen(plain[i]), chunk, stop, why, sizeof why);
        if (worst == 0)
            worst = xs_diff(plain[i], strlen(plain[i]), 65536, 0, why, sizeof why);
        snprintf(name, sizeof name, "plain %zu: read as expat reads it, in any chunks%s%s",
                 i + 1, why[0] ? ": " : "", why);
        CHECK(worst == 0, name);
    }
}

static void test_bail(void)
{
    char why[1024], name[160];
    for (size_t i = 0; i < sizeof bail / sizeof bail[0]; i++) {
        int worst = 1;
        why[0] = '\0';
        for (size_t chunk = 1; chunk <= 5 && worst == 1; chunk++)
            worst = xs_diff(bail[i], strlen(bail[i]), chunk, 0, why, sizeof why);
        if (worst == 1)
            worst = xs_diff(bail[i], strlen(bail[i]), 65536, 1, why, sizeof why);
        char shown[41];
        snprintf(shown, sizeof shown, "%s", bail[i]);
        for (char *c = shown; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = '?';
        snprintf(name, sizeof name, "bail %zu: %s handed to expat%s%s", i + 1, shown,
                 why[0] ? ": " : "", why);
        CHECK(worst == 1, name);
    }
}

/* A tag longer than the scanner holds is expat's. */
static void test_long(void)
{
    size_t n = (2u << 20) + 16;
    char *doc = malloc(n + 16);
    char why[256] = "";
    if (!doc) {
        CHECK(0, "long: memory");
        return;
    }
    memcpy(doc, "<a b=\"", 6);
    memset(doc + 6, 'x', n - 6);
    memcpy(doc + n, "\"/>", 4);
    CHECK(xs_diff(doc, n + 3, 65536, 0, why, sizeof why) == 1, "a 2 MiB tag: handed to expat");
    free(doc);
}

int main(void)
{
    test_plain();
    test_bail();
    test_long();
    T_DONE();
}
