/* test_reader.c - unit tests of host/reader.c: CSV encodings and quoting, XLSX sheets and cells. */
#include "reader.h"
#include "t.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

static char dir[64];

/* The path of NAME in the temp dir (a rotating set of static buffers). */
static const char *path_of(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static const char *write_file(const char *name, const char *data, size_t len)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        perror(path);
        exit(2);
    }
    fclose(f);
    return path;
}

#define WRITE(name, lit) write_file((name), (lit), sizeof(lit) - 1)

/* Appends S to OUT; with ESCAPE, newline and CR are shown as \n and \r. */
static void dump_add(char *out, size_t cap, const char *s, int escape)
{
    size_t n = strlen(out);
    for (; *s && n + 3 < cap; s++) {
        if (!escape) {
            out[n++] = *s;
        } else if (*s == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else if (*s == '\r') {
            out[n++] = '\\';
            out[n++] = 'r';
        } else {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
}

/* Reads all rows of PATH as "LINE:f1|f2\n..." (newline and CR in fields
 * shown as \n and \r). An open failure gives "OPEN: msg"; a read error
 * appends "ERR LINE: msg". The encoding goes to ENC when given. */
static const char *dump(const char *path, const char *sheet, const char **enc)
{
    static char out[8192];
    char err[256] = "", tmp[64];
    nb_reader *r = NULL;
    nb_reader_open(path, sheet, &r, err, sizeof err);
    size_t nf;
    char **f;
    long line;
    nb_err st;
    out[0] = '\0';
    if (enc)
        *enc = NULL;
    if (!r) {
        snprintf(out, sizeof out, "OPEN: %s", err);
        return out;
    }
    if (enc)
        *enc = nb_reader_encoding(r);
    while ((st = nb_reader_next(r, &nf, &f, &line, err, sizeof err)) == NB_OK) {
        snprintf(tmp, sizeof tmp, "%ld:", line);
        dump_add(out, sizeof out, tmp, 0);
        for (size_t i = 0; i < nf; i++) {
            if (i)
                dump_add(out, sizeof out, "|", 0);
            dump_add(out, sizeof out, f[i], 1);
        }
        dump_add(out, sizeof out, "\n", 0);
    }
    if (st == NB_ERR_INPUT) {
        snprintf(tmp, sizeof tmp, "ERR %ld: ", line);
        dump_add(out, sizeof out, tmp, 0);
        dump_add(out, sizeof out, err, 0);
        /* after an error the reader is at its end */
        if (nb_reader_next(r, &nf, &f, &line, err, sizeof err) != NB_DONE)
            dump_add(out, sizeof out, " (not EOF after the error)", 0);
    }
    nb_reader_close(r);
    return out;
}

static void test_csv_encodings(void)
{
    const char *enc;
    CHECK_STR(dump(WRITE("u.csv", "a,b,c\n1,2,3\n"), NULL, &enc), "1:a|b|c\n2:1|2|3\n",
              "utf-8 rows");
    CHECK_STR(enc, "UTF-8", "utf-8 detected");
    CHECK_STR(dump(WRITE("bom.csv", "\xEF\xBB\xBF姓名,类型\n张三,自然人\n"), NULL, &enc),
              "1:姓名|类型\n2:张三|自然人\n", "BOM stripped from the first field");
    CHECK_STR(enc, "UTF-8 with BOM", "utf-8 with BOM detected");
    /* 类型,名称 CRLF 自然人,U+20000 CRLF in GB18030 (the last one a 4-byte sequence) */
    CHECK_STR(dump(WRITE("gb.csv", "\xc0\xe0\xd0\xcd,\xc3\xfb\xb3\xc6\r\n"
                                   "\xd7\xd4\xc8\xbb\xc8\xcb,\x95\x32\x82\x36\r\n"),
                   NULL, &enc),
              "1:类型|名称\n2:自然人|\xF0\xA0\x80\x80\n", "GB18030 converted to UTF-8");
    CHECK_STR(enc, "GB18030", "GB18030 detected");
    CHECK_STR(dump(WRITE("bad.csv", "a,b\nc,\xff\n"), NULL, NULL),
              "OPEN: not UTF-8 or GB18030 text (byte 0xFF at line 2)", "neither encoding");
    CHECK_STR(dump(WRITE("bad2.csv", "\xEF\xBB\xBFx\n\n\xd7\xd4\x80\n"), NULL, NULL),
              "OPEN: not UTF-8 text despite the BOM (byte 0xD7 at line 3)",
              "BOM then invalid UTF-8: no GB18030 guess");
    CHECK_STR(dump(WRITE("bad3.csv", "a\r\nb\r\n\xd7\xd4\x81\x20\n"), NULL, NULL),
              "OPEN: not UTF-8 or GB18030 text (byte 0x81 at line 3)",
              "GB18030 lead byte with a bad trail byte");
    /* C0 80 (overlong NUL) and ED A0 80 (surrogate) are not UTF-8, but are GB18030 */
    CHECK_STR(dump(WRITE("ov.csv", "\xc0\x80\n"), NULL, &enc), "1:\xe7\xba\xae\n",
              "overlong UTF-8 read as GB18030");
    CHECK_STR(enc, "GB18030", "overlong UTF-8 is not UTF-8");
}

static void test_csv_quoting(void)
{
    CHECK_STR(dump(WRITE("q.csv", "id,text\n"
                                  "1,\"a \"\"q\"\", b\nsecond line\"\n"
                                  "2,\"x,y\"\n"
                                  "3,\"\"\n"),
                   NULL, NULL),
              "1:id|text\n2:1|a \"q\", b\\nsecond line\n4:2|x,y\n5:3|\n",
              "quoted fields: doubled quotes, comma, newline; line numbers after it");
    CHECK_STR(dump(WRITE("crlf.csv", "a,b\r\n\"x\r\ny\",\"p\rq\"\r\nc,d\r\n"), NULL, NULL),
              "1:a|b\n2:x\\ny|p\\rq\n4:c|d\n",
              "CRLF: CR before LF dropped, lone CR in quotes kept");
    CHECK_STR(dump(WRITE("mid.csv", "ab\"c,d\"\"e\n\"q\"tail,z\n"), NULL, NULL),
              "1:ab\"c|d\"\"e\n2:qtail|z\n", "quotes inside unquoted fields kept literally");
    CHECK_STR(dump(WRITE("emptyf.csv", "a,,b\nc,\n,\n"), NULL, NULL), "1:a||b\n2:c|\n3:|\n",
              "empty fields kept, trailing comma gives an empty last field");
    CHECK_STR(dump(WRITE("noeol.csv", "a,b\nc,\"d\""), NULL, NULL), "1:a|b\n2:c|d\n",
              "last record without newline");
    CHECK_STR(dump(WRITE("sp.csv", " a , b \n"), NULL, NULL), "1: a | b \n",
              "spaces not trimmed");
    CHECK_STR(dump(WRITE("blank.csv", "\na\n\n\r\n\"\"\nb\n\n"), NULL, NULL), "2:a\n6:b\n",
              "blank lines skipped, line numbers kept");
    CHECK_STR(dump(WRITE("nul.csv", "a\0b,c\n"), NULL, NULL), "1:a|c\n",
              "a NUL byte inside a field does not split the record");
}

static void test_csv_errors(void)
{
    CHECK_STR(dump(WRITE("unt.csv", "a,b\n1,\"x\ny\"\n2,\"ok\nfine\",\"abc\n\nd\n"), NULL, NULL),
              "1:a|b\n2:1|x\\ny\nERR 5: unterminated quote (opened at line 5)",
              "unterminated quote: message and line after a multi-line field");
    CHECK_STR(dump(WRITE("unt2.csv", "\"abc"), NULL, NULL),
              "ERR 1: unterminated quote (opened at line 1)", "unterminated quote at EOF");
    CHECK_STR(dump(WRITE("empty.csv", ""), NULL, NULL), "OPEN: empty file", "0-byte file");
    CHECK_STR(dump(WRITE("bomonly.csv", "\xEF\xBB\xBF"), NULL, NULL), "OPEN: empty file",
              "BOM-only file");
    CHECK_STR(dump(WRITE("ws.csv", " \r\n\n\t\n"), NULL, NULL), "OPEN: empty file",
              "whitespace-only file");
    CHECK_STR(dump(WRITE("x.xlsx", "a,b\n1,2\n"), NULL, NULL),
              "OPEN: not an XLSX file (no zip archive)", "text file named .xlsx");
    CHECK_STR(dump(WRITE("Y.XLSX", ""), NULL, NULL), "OPEN: not an XLSX file (no zip archive)",
              "empty file named .XLSX");
    CHECK_STR(dump(WRITE("s.csv", "a\n"), "Sheet1", NULL),
              "OPEN: --sheet applies to XLSX files only", "--sheet for a CSV file");
    CHECK_STR(dump(path_of("missing.csv"), NULL, NULL),
              "OPEN: cannot open: No such file or directory", "missing file");
}

/* A CSV of N rows "i,name i,"quoted, i"" with a header; checks count and lines. */
/* Opens PATH; returns the code and the message (static) in *MSG. */
static nb_err open_err(const char *path, const char **msg)
{
    static char err[256];
    nb_reader *r = NULL;
    nb_err rc;
    err[0] = '\0';
    rc = nb_reader_open(path, NULL, &r, err, sizeof err);
    nb_reader_close(r);
    *msg = err;
    return rc;
}

/* FIFOs, devices, directories and sockets are refused at once (a FIFO without
 * a writer would block a plain open). */
static void test_not_regular(void)
{
    const char *fifo = path_of("fifo.csv"), *sock = path_of("sock.csv"), *msg;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
    CHECK(open_err(fifo, &msg) == NB_ERR_INPUT, "FIFO refused with NB_ERR_INPUT");
    CHECK_STR(msg, "not a regular file (a FIFO)", "FIFO: message");
    CHECK(open_err("/dev/zero", &msg) == NB_ERR_INPUT, "/dev/zero refused");
    CHECK_STR(msg, "not a regular file (a character device)", "/dev/zero: message");
    CHECK(open_err("/dev/urandom", &msg) == NB_ERR_INPUT, "/dev/urandom refused");
    CHECK(open_err(dir, &msg) == NB_ERR_INPUT, "directory refused");
    CHECK_STR(msg, "not a regular file (a directory)", "directory: message");
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "socket bound");
    CHECK(open_err(sock, &msg) == NB_ERR_INPUT, "socket refused");
    CHECK_STR(msg, "not a regular file (a socket)", "socket: message");
    if (fd >= 0)
        close(fd);
    CHECK(open_err(path_of("missing.xlsx"), &msg) == NB_ERR_IO, "missing file: NB_ERR_IO");
}

static void test_csv_large(void)
{
    const int n = 200000;
    const char *path = path_of("big.csv");
    FILE *f = fopen(path, "wb");
    char err[256];
    nb_reader *r;
    size_t nf;
    char **fl;
    long line, last = 0, rows = 0;
    int ok = 1;
    nb_err st;
    fprintf(f, "id,name,note\r\n");
    for (int i = 1; i <= n; i++)
        fprintf(f, "%d,name %d,\"quoted, %d\"\r\n", i, i, i);
    fclose(f);
    nb_reader_open(path, NULL, &r, err, sizeof err);
    CHECK(r != NULL, "large CSV opens");
    if (!r)
        return;
    while ((st = nb_reader_next(r, &nf, &fl, &line, err, sizeof err)) == NB_OK) {
        if (rows > 0) {
            char want[32];
            snprintf(want, sizeof want, "quoted, %ld", rows);
            if (nf != 3 || atol(fl[0]) != rows || strcmp(fl[2], want) != 0)
                ok = 0;
        }
        rows++;
        last = line;
    }
    CHECK(st == NB_DONE, "large CSV ends with EOF");
    CHECK(rows == n + 1 && last == n + 1, "large CSV: every row, last line number");
    CHECK(ok, "large CSV: every row's fields");
    nb_reader_close(r);
}

/* A row wider than the reader's first field array. */
static void test_csv_wide(void)
{
    char data[4096] = "", cell[16], err[256];
    nb_reader *r;
    size_t nf = 0;
    char **f = NULL;
    long line = 0;
    for (int i = 0; i < 300; i++) {
        snprintf(cell, sizeof cell, "%s\"c%d\"", i ? "," : "", i);
        strcat(data, cell);
    }
    strcat(data, "\nx\n");
    nb_reader_open(write_file("wide.csv", data, strlen(data)), NULL, &r, err, sizeof err);
    CHECK(r != NULL, "wide CSV opens");
    if (!r)
        return;
    CHECK(nb_reader_next(r, &nf, &f, &line, err, sizeof err) == NB_OK && nf == 300,
          "300 fields in one row");
    CHECK_STR(nf == 300 ? f[299] : NULL, "c299", "last of 300 fields");
    CHECK_STR(nf == 300 ? f[0] : NULL, "c0", "first of 300 fields");
    CHECK(nb_reader_next(r, &nf, &f, &line, err, sizeof err) == NB_OK && nf == 1 &&
              line == 2 && strcmp(f[0], "x") == 0,
          "narrow row after a wide one");
    nb_reader_close(r);
}

static void make_workbook(const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *s1 = workbook_add_worksheet(wb, "名单");
    lxw_worksheet *s2 = workbook_add_worksheet(wb, "Other");
    lxw_format *bold = workbook_add_format(wb);
    lxw_format *date = workbook_add_format(wb);
    lxw_datetime d = {2020, 1, 1, 0, 0, 0};
    lxw_rich_string_tuple f1 = {.format = bold, .string = "富"};
    lxw_rich_string_tuple f2 = {.format = NULL, .string = "文本"};
    lxw_rich_string_tuple *rich[] = {&f1, &f2, NULL};
    format_set_bold(bold);
    format_set_num_format(date, "yyyy-mm-dd");
    worksheet_write_string(s1, 0, 0, "姓名", NULL);
    worksheet_write_string(s1, 0, 1, "日期", NULL);
    worksheet_write_string(s1, 0, 2, "数量", NULL);
    worksheet_write_string(s1, 1, 0, "张三", NULL);
    worksheet_write_datetime(s1, 1, 1, &d, date);
    worksheet_write_number(s1, 1, 2, 3, NULL);
    /* row 3 left out */
    worksheet_write_string(s1, 3, 0, "李四", NULL);
    worksheet_write_number(s1, 3, 2, 2.5, NULL);
    worksheet_write_blank(s1, 4, 1, bold); /* a cell with no value: row skipped */
    worksheet_write_string(s1, 5, 0, "张三", NULL);
    worksheet_write_boolean(s1, 5, 1, 1, NULL);
    worksheet_write_formula_str(s1, 5, 2, "=\"a\"&\"b\"", NULL, "ab");
    worksheet_write_boolean(s1, 5, 3, 0, NULL);
    worksheet_write_rich_string(s1, 6, 0, rich, NULL);
    worksheet_write_string(s1, 7, 3, "D8", NULL);
    worksheet_write_string(s2, 0, 0, "second", NULL);
    worksheet_write_number(s2, 2, 1, 43831.5, NULL);
    if (workbook_close(wb) != LXW_NO_ERROR) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

static void test_xlsx(void)
{
    const char *path = path_of("book.xlsx");
    const char *enc;
    make_workbook(path);
    CHECK_STR(dump(path, NULL, &enc),
              "1:姓名|日期|数量\n2:张三|43831|3\n4:李四||2.5\n6:张三|TRUE|ab|FALSE\n"
              "7:富文本\n8:|||D8\n",
              "first sheet: shared strings, numbers, date serial, gaps, bool, formula, rich text");
    CHECK_STR(enc, "XLSX", "XLSX encoding name");
    CHECK_STR(dump(path, "Other", NULL), "1:second\n3:|43831.5\n", "sheet chosen by name");
    CHECK_STR(dump(path, "名单", NULL), "1:姓名|日期|数量\n2:张三|43831|3\n4:李四||2.5\n"
                                      "6:张三|TRUE|ab|FALSE\n7:富文本\n8:|||D8\n",
              "first sheet chosen by its name");
    CHECK_STR(dump(path, "Nope", NULL), "OPEN: no sheet named 'Nope' (sheets: 名单, Other)",
              "unknown sheet");
}

/* 100,000 rows in constant_memory mode: inline strings, no shared strings part. */
static void test_xlsx_large(void)
{
    const int n = 100000;
    const char *path = path_of("big.xlsx");
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "big");
    char s[32], err[256];
    nb_reader *r;
    size_t nf;
    char **f;
    long line, rows = 0, last = 0;
    int ok = 1;
    nb_err st;
    for (int i = 0; i < n; i++) {
        snprintf(s, sizeof s, "名字%d", i);
        worksheet_write_string(ws, (lxw_row_t)i, 0, s, NULL);
        worksheet_write_number(ws, (lxw_row_t)i, 2, i, NULL);
    }
    if (workbook_close(wb) != LXW_NO_ERROR) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    nb_reader_open(path, NULL, &r, err, sizeof err);
    CHECK(r != NULL, "large XLSX opens");
    if (!r)
        return;
    while ((st = nb_reader_next(r, &nf, &f, &line, err, sizeof err)) == NB_OK) {
        snprintf(s, sizeof s, "名字%ld", rows);
        if (nf != 3 || strcmp(f[0], s) != 0 || f[1][0] != '\0' || atol(f[2]) != rows)
            ok = 0;
        rows++;
        last = line;
    }
    CHECK(st == NB_DONE, "large XLSX ends with EOF");
    CHECK(rows == n && last == n, "large XLSX: every row, last row number");
    CHECK(ok, "large XLSX: inline strings and numbers in every row");
    nb_reader_close(r);
}

/* Writes a zip of N entries NAMES[i] with text BODIES[i]. */
static const char *make_zip(const char *name, int n, const char *const *names,
                            const char *const *bodies)
{
    const char *path = path_of(name);
    zipFile z = zipOpen64(path, APPEND_STATUS_CREATE);
    if (!z) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        zipOpenNewFileInZip64(z, names[i], NULL, NULL, 0, NULL, 0, NULL, Z_DEFLATED,
                              Z_DEFAULT_COMPRESSION, 0);
        zipWriteInFileInZip(z, bodies[i], (unsigned)strlen(bodies[i]));
        zipCloseFileInZip(z);
    }
    zipClose(z, NULL);
    return path;
}

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

/* Hand-written parts: namespace prefixes, phonetic runs, errors, cells without r. */
static void test_xlsx_handmade(void)
{
    static const char *const names[] = {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/strings.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/sheet3.xml",
    };
    static const char *const bodies[] = {
        "<Types/>",
        "<?xml version=\"1.0\"?><workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">"
        "<sheets><sheet name=\"甲\" sheetId=\"2\" r:id=\"rId7\"/>"
        "<sheet name=\"乙\" sheetId=\"1\" r:id=\"rId1\"/>"
        "<sheet name=\"丙\" sheetId=\"3\" r:id=\"rId3\"/>"
        "<sheet name=\"丁\" sheetId=\"4\" r:id=\"rId4\"/></sheets></workbook>",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        "<Relationship Id=\"rId7\" Type=\"" NS_REL "/worksheet\""
        " Target=\"/xl/worksheets/sheet2.xml\"/>"
        "<Relationship Id=\"rId3\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet3.xml\"/>"
        "<Relationship Id=\"rId4\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/gone.xml\"/>"
        "<Relationship Id=\"rId9\" Type=\"" NS_REL "/sharedStrings\" Target=\"strings.xml\"/>"
        "</Relationships>",
        "<sst xmlns=\"" NS_MAIN "\"><si><t>plain</t></si>"
        "<si><r><t>ri</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">ch </t></r>"
        "<rPh sb=\"0\" eb=\"1\"><t>ふりがな</t></rPh></si>"
        "<si><t>a&amp;b</t></si></sst>",
        "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
        "<row r=\"2\"><c r=\"B2\" t=\"s\"><v>9</v></c></row>"
        "</sheetData></worksheet>",
        "<x:worksheet xmlns:x=\"" NS_MAIN "\"><x:sheetData>"
        "<x:row r=\"2\"><x:c r=\"A2\" t=\"s\"><x:v>1</x:v></x:c>"
        "<x:c t=\"e\"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:r><x:t>in</x:t></x:r><x:r><x:t>line</x:t></x:r>"
        "</x:is></x:c></x:row>"
        "<x:row><x:c r=\"C3\" t=\"s\"><x:v>2</x:v></x:c></x:row>"
        "<x:row r=\"9\"><x:c r=\"A9\"/><x:c r=\"B9\" t=\"inlineStr\"><x:is><x:t></x:t></x:is>"
        "</x:c></x:row>"
        "<x:row r=\"10\"><x:c r=\"A10\"><x:v>-1.25E-3</x:v></x:c></x:row>"
        "</x:sheetData></x:worksheet>",
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
        "<row r=\"2\"><c r=\"A2\"><v>2</v></b></row></sheetData></worksheet>",
    };
    const char *path = make_zip("hand.xlsx", 7, names, bodies);
    CHECK_STR(dump(path, NULL, NULL), "2:rich |#DIV/0!|inline\n3:||a&b\n10:-1.25E-3\n",
              "first sheet in workbook order: prefixes, rich text without rPh, error, "
              "absolute target, cells without r, empty row skipped, number as written");
    CHECK_STR(dump(path, "乙", NULL),
              "1:plain\nERR 2: xl/worksheets/sheet1.xml: cell B2: no shared string 9",
              "bad shared string index");
    CHECK_STR(dump(path, "丙", NULL), "1:1\nERR 2: xl/worksheets/sheet3.xml:1: mismatched tag",
              "malformed sheet XML");
    CHECK_STR(dump(path, "丁", NULL), "OPEN: sheet '丁': no xl/worksheets/gone.xml in the archive",
              "sheet part missing");
    CHECK_STR(dump(make_zip("nowb.xlsx", 1, names, bodies), NULL, NULL),
              "OPEN: not an XLSX file (no xl/workbook.xml)", "zip without xl/workbook.xml");
    CHECK_STR(dump(WRITE("broken.xlsx", "PK\x03\x04 not really a zip"), NULL, NULL),
              "OPEN: not an XLSX file (damaged zip archive)", "damaged zip");
}

static void on_alarm(int sig)
{
    static const char msg[] = "not ok - timed out (a read blocked?)\n";
    (void)sig;
    if (write(1, msg, sizeof msg - 1) < 0)
        _exit(1);
    _exit(1);
}

int main(void)
{
    char cmd[128];
    signal(SIGALRM, on_alarm);
    alarm(60);
    snprintf(dir, sizeof dir, "/tmp/nb_reader_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_csv_encodings();
    test_csv_quoting();
    test_csv_errors();
    test_not_regular();
    test_csv_large();
    test_csv_wide();
    test_xlsx();
    test_xlsx_large();
    test_xlsx_handmade();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
