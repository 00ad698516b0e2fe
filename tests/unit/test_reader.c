/* test_reader.c - unit tests of host/reader.c: CSV encodings and quoting, XLSX sheets and cells. */
#include "reader.h"
#include "reader_impl.h"
#include "t.h"
#include "html.h"
#include "workbook.h"

#include <dirent.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
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

/* The codes of the last dump: of nb_reader_open, and of the nb_reader_next that ended it. */
static nb_err dump_open_rc, dump_next_rc;

/* Reads all rows of PATH as "LINE:f1|f2\n..." (newline and CR in fields
 * shown as \n and \r). An open failure gives "OPEN: msg"; a read error
 * appends "ERR LINE: msg". The encoding (right after the open) goes to ENC
 * when given. The codes are left in dump_open_rc and dump_next_rc. */
static const char *dump(const char *path, const char *sheet, const char **enc)
{
    static char out[8192];
    char err[256] = "", tmp[64];
    nb_reader *r = NULL;
    size_t nf;
    char **f;
    long line;
    nb_err st;
    dump_open_rc = nb_reader_open(path, sheet, &r, err, sizeof err);
    dump_next_rc = NB_DONE;
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
    dump_next_rc = st;
    if (st != NB_DONE) {
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
              "1:a|b\nERR 2: not UTF-8 or GB18030 text (byte 0xFF)", "neither encoding");
    CHECK_STR(dump(WRITE("bad2.csv", "\xEF\xBB\xBFx\n\n\xd7\xd4\x80\n"), NULL, NULL),
              "1:x\nERR 3: not UTF-8 text despite the BOM (byte 0xD7)",
              "BOM then invalid UTF-8: no GB18030 guess");
    CHECK_STR(dump(WRITE("bad3.csv", "a\r\nb\r\n\xd7\xd4\x81\x20\n"), NULL, NULL),
              "1:a\n2:b\nERR 3: not UTF-8 or GB18030 text (byte 0x81)",
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
    CHECK_STR(dump(WRITE("nul.csv", "a\0b,c\n"), NULL, NULL), "ERR 1: NUL byte in field 1",
              "a NUL byte inside a field is refused (it used to cut the field short)");
}

static void test_csv_errors(void)
{
    CHECK_STR(dump(WRITE("unt.csv", "a,b\n1,\"x\ny\"\n2,\"ok\nfine\",\"abc\n\nd\n"), NULL, NULL),
              "1:a|b\n2:1|x\\ny\nERR 5: unterminated quote (opened at line 5)",
              "unterminated quote: message and line after a multi-line field");
    CHECK_STR(dump(WRITE("unt2.csv", "\"abc"), NULL, NULL),
              "ERR 1: unterminated quote (opened at line 1)", "unterminated quote at EOF");
    CHECK_STR(dump(WRITE("unt3.csv", "\xEF\xBB\xBF" "baa\naabab\",b\"\"b中\nba,b,\nb\n,\n\"中\n"), NULL,
                   NULL),
              "1:baa\n2:aabab\"|b\"\"b中\n3:ba|b|\n4:b\n5:|\n"
              "ERR 6: unterminated quote (opened at line 6)",
              "unterminated quote after the text was moved to the buffer's start (found by fuzzing)");
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

/* ---- CSV under attack: NUL bytes, CR line ends, encodings line by line, limits, memory */

/* A NUL byte is refused on its line, naming the field. */
static void test_csv_nul(void)
{
    CHECK_STR(dump(WRITE("nul1.csv", "A1\0XYZ,b\n"), NULL, NULL), "ERR 1: NUL byte in field 1",
              "NUL in the first field");
    CHECK(dump_next_rc == NB_ERR_INPUT, "NUL: NB_ERR_INPUT");
    CHECK_STR(dump(WRITE("nul2.csv", "h\na,A1\0XYZ\n"), NULL, NULL),
              "1:h\nERR 2: NUL byte in field 2", "NUL in the second field of line 2");
    CHECK_STR(dump(WRITE("nul3.csv", "h\n\"x\ny\0z\",q\n"), NULL, NULL),
              "1:h\nERR 3: NUL byte in field 1", "NUL in a quoted field, on its own line");
    CHECK_STR(dump(WRITE("nul4.csv", "a,\"q\"\0\n"), NULL, NULL), "ERR 1: NUL byte in field 2",
              "NUL after a closing quote");
}

/* CR-only line ends (Excel for Mac's "CSV (Macintosh)"). */
static void test_csv_cr(void)
{
    CHECK_STR(dump(WRITE("cr.csv", "a,b\rc,d\r\re,f\r"), NULL, NULL), "1:a|b\n2:c|d\n4:e|f\n",
              "CR-only: rows, blank line skipped, line numbers");
    CHECK_STR(dump(WRITE("cr2.csv", "a,b\rc,\"d\""), NULL, NULL), "1:a|b\n2:c|d\n",
              "CR-only without a final CR");
    CHECK_STR(dump(WRITE("cr3.csv", "id,t\r1,\"x\ry\"\r2,\"p\r\nq\"\r3,z\r"), NULL, NULL),
              "1:id|t\n2:1|x\\ry\n4:2|p\\nq\n6:3|z\n",
              "CR-only: CR in quotes kept and counted as a line, CRLF in quotes is LF");
    CHECK_STR(dump(WRITE("cr4.csv", "a\rb\nc\r\nd\r"), NULL, NULL), "1:a\n2:b\n3:c\n4:d\n",
              "CR file with LF and CRLF ends too");
    CHECK_STR(dump(WRITE("cr5.csv", "a\r\"b\rc"), NULL, NULL),
              "1:a\nERR 2: unterminated quote (opened at line 2)", "CR-only: unterminated quote");
    CHECK_STR(dump(WRITE("lfcr.csv", "x\na\rb,c\nd\n"), NULL, NULL), "1:x\n2:a\\rb|c\n3:d\n",
              "LF file (its first line end is LF): a lone CR stays data, as before");
}

/* The first line with non-ASCII bytes fixes the encoding; later lines must follow it. */
static void test_csv_encoding_lines(void)
{
    const char *enc;
    CHECK_STR(dump(WRITE("mix1.csv", "id,name\n1,中文\n2,\xb2\xe2\xca\xd4\n"), NULL, NULL),
              "1:id|name\n2:1|中文\n"
              "ERR 3: mixed encodings: line 2 is UTF-8, this line is not (byte 0xB2)",
              "UTF-8 line then a GBK line");
    CHECK(dump_next_rc == NB_ERR_INPUT, "mixed encodings: NB_ERR_INPUT");
    CHECK_STR(dump(WRITE("mix2.csv", "id\n\xb2\xe2\n中文\n"), NULL, NULL),
              "1:id\n2:测\nERR 3: mixed encodings: line 2 is GB18030, this line is UTF-8",
              "GBK line then a UTF-8 line");
    CHECK_STR(dump(WRITE("mix3.csv", "\xb2\xe2\n\xff\n"), NULL, NULL),
              "1:测\nERR 2: mixed encodings: line 1 is GB18030, this line is not (byte 0xFF)",
              "GBK line then a line of neither");
    CHECK_STR(dump(WRITE("mix4.csv", "中,文\nc,\xff\n"), NULL, NULL),
              "1:中|文\nERR 2: mixed encodings: line 1 is UTF-8, this line is not (byte 0xFF)",
              "0xFF on line 2 is named with its line and byte");
    CHECK_STR(dump(WRITE("mix5.csv", "\xEF\xBB\xBF" "a\n\xb2\xe2\n"), NULL, NULL),
              "1:a\nERR 2: not UTF-8 text despite the BOM (byte 0xB2)", "BOM, then GBK");
    CHECK_STR(dump(WRITE("trail.csv", "\x81\x5c,\x81\x7c|\n"), NULL, &enc), "1:乗|亅|\n",
              "GB18030 trail bytes 0x5C and 0x7C are not text");
    CHECK_STR(enc, "GB18030", "trail bytes: GB18030");
    CHECK_STR(dump(WRITE("gbq.csv", "a\n\"\xb2\xe2\n\xca\xd4\",\xb2\xe2\n"), NULL, &enc),
              "1:a\n2:测\\n试|测\n", "GBK in a quoted field over two lines");
    CHECK_STR(enc, "GB18030", "ASCII header, GBK after it: GB18030 right after the open");
}

/* Reads every row of PATH; returns "N rows, last line L" or "N rows, then
 * ERR LINE: message" (or "OPEN: message"). The codes go to dump_*_rc. */
static const char *read_end(const char *path, const char *sheet)
{
    static char out[512];
    char err[256];
    nb_reader *r;
    size_t nf;
    char **f;
    long line = 0, last = 0, rows = 0;
    nb_err st;
    dump_open_rc = nb_reader_open(path, sheet, &r, err, sizeof err);
    dump_next_rc = NB_DONE;
    if (!r) {
        snprintf(out, sizeof out, "OPEN: %s", err);
        return out;
    }
    while ((st = nb_reader_next(r, &nf, &f, &line, err, sizeof err)) == NB_OK) {
        rows++;
        last = line;
    }
    dump_next_rc = st;
    if (st == NB_DONE)
        snprintf(out, sizeof out, "%ld rows, last line %ld", rows, last);
    else
        snprintf(out, sizeof out, "%ld rows, then ERR %ld: %s", rows, line, err);
    nb_reader_close(r);
    return out;
}

/* Writes N lines made by LINE(i, buf) into NAME; returns the path. */
static const char *write_lines(const char *name, long n, size_t (*line)(long, char *))
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    char buf[4096];
    if (!f) {
        perror(path);
        exit(2);
    }
    for (long i = 0; i < n; i++)
        fwrite(buf, 1, line(i, buf), f);
    fclose(f);
    return path;
}

/* Line I: I % 7 ASCII letters, then I % 251 characters C (of CLEN bytes), ",end". */
static const char *chunk_char;
static size_t chunk_clen;

static size_t chunk_line(long i, char *b)
{
    size_t n = 0;
    for (long k = 0; k < i % 7; k++)
        b[n++] = 'x';
    for (long k = 0; k < i % 251; k++) {
        memcpy(b + n, chunk_char, chunk_clen);
        n += chunk_clen;
    }
    memcpy(b + n, ",end\r\n", 6);
    return n + 6;
}

/* Reads PATH written by chunk_line with characters WANT (UTF-8); 1 if every row is right. */
static int chunk_check(const char *path, long n, const char *want, const char **enc)
{
    char err[256], exp[4096];
    nb_reader *r;
    size_t nf;
    char **f;
    long line, i = 0;
    int ok = 1;
    if (nb_reader_open(path, NULL, &r, err, sizeof err) != NB_OK)
        return 0;
    while (nb_reader_next(r, &nf, &f, &line, err, sizeof err) == NB_OK) {
        size_t k = 0;
        for (long j = 0; j < i % 7; j++)
            exp[k++] = 'x';
        for (long j = 0; j < i % 251; j++) {
            strcpy(exp + k, want);
            k += strlen(want);
        }
        exp[k] = '\0';
        if (line != i + 1 || nf != 2 || strcmp(f[0], exp) != 0 || strcmp(f[1], "end") != 0)
            ok = 0;
        i++;
    }
    *enc = nb_reader_encoding(r);
    nb_reader_close(r);
    return ok && i == n;
}

/* Multi-byte characters across every read boundary: GB18030 two- and four-byte
 * forms, UTF-8 three- and four-byte forms; files of several megabytes. */
static void test_csv_chunks(void)
{
    static const struct {
        const char *name, *raw, *utf8, *enc;
    } cases[] = {
        {"ch1.csv", "\xd6\xd0", "中", "GB18030"},
        {"ch2.csv", "\x95\x32\x82\x36", "\xf0\xa0\x80\x80", "GB18030"},
        {"ch3.csv", "中", "中", "UTF-8"},
        {"ch4.csv", "\xf0\xa0\x80\x80", "\xf0\xa0\x80\x80", "UTF-8"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *enc = NULL, *path;
        char name[96];
        chunk_char = cases[c].raw;
        chunk_clen = strlen(cases[c].raw);
        path = write_lines(cases[c].name, 20000, chunk_line);
        snprintf(name, sizeof name, "%s: every row across read boundaries (%s)", cases[c].name,
                 cases[c].enc);
        CHECK(chunk_check(path, 20000, cases[c].utf8, &enc), name);
        CHECK_STR(enc, cases[c].enc, "encoding of a multi-megabyte file");
    }
}

static size_t ascii_line(long i, char *b)
{
    return (size_t)sprintf(b, "%ld,some ascii text here\n", i);
}

/* An ASCII start longer than any read, then one GBK line: the file is GB18030. */
static void test_csv_late_encoding(void)
{
    const char *path = write_lines("late.csv", 200000, ascii_line);
    FILE *f = fopen(path, "ab");
    char err[256];
    nb_reader *r;
    size_t nf;
    char **fl;
    long line, last = 0;
    nb_err st;
    fputs("x,\xb2\xe2\xca\xd4\n", f);
    fclose(f);
    nb_reader_open(path, NULL, &r, err, sizeof err);
    CHECK(r != NULL, "late encoding: opens");
    if (!r)
        return;
    while ((st = nb_reader_next(r, &nf, &fl, &line, err, sizeof err)) == NB_OK)
        last = line;
    CHECK(st == NB_DONE && last == 200001, "late encoding: every row");
    CHECK_STR(nb_reader_encoding(r), "GB18030", "late encoding: GB18030 after the last row");
    nb_reader_close(r);
    path = write_lines("late2.csv", 200000, ascii_line);
    f = fopen(path, "ab");
    fputs("x,测试\ny,\xb2\xe2\n", f);
    fclose(f);
    CHECK_STR(read_end(path, NULL),
              "200001 rows, then ERR 200002: mixed encodings: line 200001 is UTF-8, this line is not (byte 0xB2)",
              "late encoding: line numbers of a mixed file");
}

/* Writes HEAD, then N copies of UNIT, then TAIL into NAME; returns the path. */
static const char *write_repeat(const char *name, const char *head, const char *unit, size_t n,
                                const char *tail)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    size_t ulen = strlen(unit);
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(head, f);
    for (size_t i = 0; i < n; i++)
        fwrite(unit, 1, ulen, f);
    fputs(tail, f);
    fclose(f);
    return path;
}

/* Fields, records and rows beyond the documented limits: NB_ERR_LIMIT, on the record's line. */
static void test_csv_limits(void)
{
    char want[160], unit[2002]; /* 2000 bytes and a comma: 2 MiB in fewer than 16384 fields */
    CHECK_STR(read_end(write_repeat("cell1.csv", "h\nx,", "a", NB_READER_MAX_CELL, "\n"), NULL),
              "2 rows, last line 2", "a field of NB_READER_MAX_CELL bytes is read");
    snprintf(want, sizeof want, "1 rows, then ERR 2: field 2 longer than %d bytes",
             NB_READER_MAX_CELL);
    CHECK_STR(read_end(write_repeat("cell2.csv", "h\nx,", "a", NB_READER_MAX_CELL + 1, "\n"),
                       NULL),
              want, "a field one byte longer is refused");
    CHECK(dump_next_rc == NB_ERR_LIMIT, "field too long: NB_ERR_LIMIT");
    CHECK_STR(read_end(write_repeat("cell3.csv", "h\nx,\"", "a\n", NB_READER_MAX_CELL, "\"\n"),
                       NULL),
              "1 rows, then ERR 2: field 2 longer than 1048576 bytes",
              "a quoted field over many lines: the line where its record starts");
    memset(unit, 'a', sizeof unit - 2);
    unit[sizeof unit - 2] = ',';
    unit[sizeof unit - 1] = '\0';
    snprintf(want, sizeof want, "1 rows, then ERR 2: record longer than %d bytes",
             NB_READER_MAX_RECORD);
    CHECK_STR(read_end(write_repeat("rec1.csv", "h\n", unit,
                                    NB_READER_MAX_RECORD / (sizeof unit - 1) + 1, "\n"),
                       NULL),
              want, "a record longer than NB_READER_MAX_RECORD is refused");
    CHECK(dump_next_rc == NB_ERR_LIMIT, "record too long: NB_ERR_LIMIT");
    CHECK_STR(read_end(write_repeat("rec2.csv", "h\n", "a", (size_t)20 << 20, ""), NULL), want,
              "a 20 MiB line without an end is refused");
    CHECK_STR(read_end(write_repeat("wide1.csv", "h\n", "1,", NB_READER_MAX_FIELDS - 1, "1\n"),
                       NULL),
              "2 rows, last line 2", "NB_READER_MAX_FIELDS fields are read");
    snprintf(want, sizeof want, "1 rows, then ERR 2: more than %d fields", NB_READER_MAX_FIELDS);
    CHECK_STR(read_end(write_repeat("wide2.csv", "h\n", "1,", NB_READER_MAX_FIELDS, "1\n"), NULL),
              want, "one more field is refused");
    CHECK(dump_next_rc == NB_ERR_LIMIT, "too many fields: NB_ERR_LIMIT");
}

#ifndef __SANITIZE_ADDRESS__
/* Peak resident size in KiB of a fresh process (this program, run with --read) that
 * reads every row of PATH (SHEET: an XLSX sheet or NULL), or -1. The process tells its
 * own (VmHWM): wait4's ru_maxrss would count this one's size at the fork as well, and
 * this one has made files of a gigabyte by then. */
static long peak_kb(const char *path, const char *sheet)
{
    int status, fd[2];
    pid_t pid;
    char buf[64];
    ssize_t got = 0, n;
    fflush(stdout);
    if (pipe(fd) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execl("/proc/self/exe", "test_reader", "--read", path, sheet, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    while (pid > 0 && got < (ssize_t)sizeof buf - 1 &&
           (n = read(fd[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0)
        got += n;
    close(fd[0]);
    buf[got] = '\0';
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return got > 0 ? atol(buf) : -1;
}

/* This process's peak resident size in KiB (VmHWM), or -1. */
static long own_peak_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}
#endif

/* Checks that reading PATH takes less than MAX_KB KiB more than reading a
 * one-line file. Not under AddressSanitizer, whose own memory hides it. */
static void check_read_memory(const char *path, const char *sheet, long max_kb, const char *name)
{
#ifdef __SANITIZE_ADDRESS__
    (void)path;
    (void)sheet;
    (void)max_kb;
    printf("# %s: not measured under ASan (its allocator holds memory of its own)\n", name);
#else
    long base = peak_kb(WRITE("tiny.csv", "a,b\n"), NULL), kb = peak_kb(path, sheet);
    printf("# %s: %ld KiB more than a one-line file\n", name, kb - base);
    CHECK(base > 0 && kb > 0 && kb - base < max_kb, name);
#endif
}

/* A 116 MB CSV is read in bounded memory; an 8 GiB sparse file ends at its first byte. */
static void test_csv_memory(void)
{
    const char *path = write_repeat("mem.csv", "id,name,note\n",
                                    "12345,张三 李四,\"a quoted, note\"\n", (size_t)3 << 20, "");
    const char *sparse = path_of("sparse.csv");
    int fd = open(sparse, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    check_read_memory(path, NULL, 16 * 1024, "116 MB CSV read in less than 16 MiB");
    CHECK_STR(read_end(path, NULL), "3145729 rows, last line 3145729", "116 MB CSV: every row");
    CHECK(fd >= 0 && ftruncate(fd, (off_t)8 << 30) == 0, "sparse file made");
    if (fd >= 0)
        close(fd);
    CHECK_STR(dump(sparse, NULL, NULL), "ERR 1: NUL byte in field 1", "sparse file: NUL at once");
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

/* An entry of a zip made by write_zip: NAME holding HEAD, then UNIT REPEAT times, then TAIL. */
typedef struct {
    const char *name, *head, *unit, *tail;
    size_t repeat;
} zentry;

/* Writes the N entries E into the zip NAME (METHOD: Z_DEFLATED, or 0 to store). */
static const char *write_zip(const char *name, int method, const zentry *e, int n)
{
    static char block[1 << 20];
    const char *path = path_of(name);
    zipFile z = zipOpen64(path, APPEND_STATUS_CREATE);
    if (!z) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        size_t ulen = e[i].unit ? strlen(e[i].unit) : 0, per = ulen ? sizeof block / ulen : 0;
        zipOpenNewFileInZip64(z, e[i].name, NULL, NULL, 0, NULL, 0, NULL, method,
                              method ? Z_BEST_SPEED : 0, 1);
        zipWriteInFileInZip(z, e[i].head, (unsigned)strlen(e[i].head));
        for (size_t k = 0; k < per; k++) /* a block of whole units */
            memcpy(block + k * ulen, e[i].unit, ulen);
        for (size_t left = e[i].repeat; left > 0;) {
            size_t m = left < per ? left : per;
            zipWriteInFileInZip(z, block, (unsigned)(m * ulen));
            left -= m;
        }
        if (e[i].tail)
            zipWriteInFileInZip(z, e[i].tail, (unsigned)strlen(e[i].tail));
        zipCloseFileInZip(z);
    }
    zipClose(z, NULL);
    return path;
}

/* Writes a zip of N entries NAMES[i] with text BODIES[i]. */
static const char *make_zip(const char *name, int n, const char *const *names,
                            const char *const *bodies)
{
    zentry e[16];
    for (int i = 0; i < n; i++)
        e[i] = (zentry){names[i], bodies[i], NULL, NULL, 0};
    return write_zip(name, Z_DEFLATED, e, n);
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

/* ---- XLSX under attack: shared strings, cells, rows and XML beyond the limits */

#define WB_ONE_SHEET                                                                          \
    "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>"                         \
    "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define RELS_ONE_SHEET                                                                        \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"   \
    "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet1.xml\"/>" \
    "<Relationship Id=\"rId2\" Type=\"" NS_REL "/sharedStrings\" Target=\"sharedStrings.xml\"/>" \
    "</Relationships>"
#define SHEET_HEAD "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>"
#define SHEET_TAIL "</sheetData></worksheet>"

/* A workbook of one sheet: shared strings SST, sheet SHEET (their names are filled in). */
static const char *book(const char *name, zentry sst, zentry sheet)
{
    zentry e[5] = {
        {"[Content_Types].xml", "<Types/>", NULL, NULL, 0},
        {"xl/workbook.xml", WB_ONE_SHEET, NULL, NULL, 0},
        {"xl/_rels/workbook.xml.rels", RELS_ONE_SHEET, NULL, NULL, 0},
        sst,
        sheet,
    };
    e[3].name = "xl/sharedStrings.xml";
    e[4].name = "xl/worksheets/sheet1.xml";
    return write_zip(name, Z_DEFLATED, e, 5);
}

static const zentry no_sst = {NULL, "<sst/>", NULL, NULL, 0};
static const zentry one_cell = {NULL, SHEET_HEAD "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>" SHEET_TAIL,
                                NULL, NULL, 0};

/* ---- XLSX read by the scanner, and by expat where the scanner hands over */

/* Parts the scanner does not read itself (xmlscan.h) are read by expat: a
 * CDATA section in the middle of a sheet (expat reads the sheet again and
 * passes over the rows given), in the shared strings, a DOCTYPE at the start. */
static void test_xlsx_fallback(void)
{
    static const zentry sst = {NULL, "<sst><si><t>s0</t></si><si><t>s&#49;</t></si></sst>", NULL,
                               NULL, 0};
    static const zentry sst_cdata = {NULL, "<sst><si><t>s0</t></si>"
                                           "<si><t><![CDATA[<c1>]]></t></si></sst>", NULL, NULL, 0};
    static const zentry sheet = {NULL, SHEET_HEAD
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\"><v>1</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t><![CDATA[a<b]]></t></is></c></row>"
        "<row><c t=\"inlineStr\"><is><t>&#x4E2D;</t></is></c></row>"
        "<row r=\"6\"><c r=\"C6\"><v>6</v></c></row>" SHEET_TAIL, NULL, NULL, 0};
    static const zentry doctype = {NULL, "<!DOCTYPE worksheet>" SHEET_HEAD
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>" SHEET_TAIL, NULL, NULL, 0};
    CHECK_STR(dump(book("fb1.xlsx", sst, sheet), NULL, NULL),
              "1:s0|1\n2:s1\n3:a<b\n4:中\n6:||6\n",
              "a CDATA section in row 3: rows 1 and 2 once, then expat's");
    CHECK_STR(dump(book("fb2.xlsx", sst_cdata, sheet), NULL, NULL),
              "1:s0|1\n2:<c1>\n3:a<b\n4:中\n6:||6\n",
              "a CDATA section in the shared strings: expat reads them all again");
    CHECK_STR(dump(book("fb3.xlsx", sst, doctype), NULL, NULL), "1:s1\n",
              "a DOCTYPE: expat reads the sheet");
}

/* A workbook's text escapes "_xHHHH_" (Excel writes a carriage return "_x000D_") decoded,
 * in shared strings, inline strings and a formula's text; "_x005F_" escapes the "_" of a
 * text that reads as one; a NUL, a lone surrogate and a malformed one stay as written. */
static void test_xlsx_escapes(void)
{
    static const zentry sst = {NULL, "<sst><si><t>a_x000D_b</t></si><si><t>_x005F_x0041_</t></si>"
                                     "<si><t>_xD83D__xDE00_</t></si>"
                                     "<si><t>_x0000_ _xD800_ _x00zz_ _x4e2d_ _x4E2D</t></si></sst>",
                               NULL, NULL, 0};
    static const zentry sheet = {NULL, SHEET_HEAD
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
        "<c r=\"C1\" t=\"s\"><v>2</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>3</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>_x0042_</t></is></c>"
        "<c r=\"B3\" t=\"str\"><f>\"C\"</f><v>_x0043_</v></c><c r=\"C3\"><v>12</v></c></row>"
        SHEET_TAIL, NULL, NULL, 0};
    CHECK_STR(dump(book("esc.xlsx", sst, sheet), NULL, NULL),
              "1:a\\rb|_x0041_|\xF0\x9F\x98\x80\n2:_x0000_ _xD800_ _x00zz_ 中 _x4E2D\n3:B|C|12\n",
              "xlsx: text escapes decoded (a carriage return, an escaped escape, a surrogate pair)");
}

/* A formula whose result was not saved (openpyxl writes them so) is refused, naming its
 * cell: read as blank, its count would be lost. One with its result saved is read as that
 * result, a blank result too. */
static void test_xlsx_formula(void)
{
    static const zentry saved = {NULL, SHEET_HEAD
        "<row r=\"1\"><c r=\"A1\"><v>2</v></c><c r=\"B1\"><f>A1*2</f><v>4</v></c>"
        "<c r=\"C1\" t=\"str\"><f>\"\"</f><v></v></c><c r=\"D1\"><v>5</v></c>"
        /* LibreOffice's: a result as an inline string, an empty one too */
        "<c r=\"E1\" t=\"inlineStr\"><f>D1</f><is><t>5%</t></is></c>"
        "<c r=\"F1\" t=\"inlineStr\"><f>\"\"</f><is><t></t></is></c><c r=\"G1\"><v>7</v></c></row>"
        SHEET_TAIL, NULL, NULL, 0};
    static const zentry unsaved = {NULL, SHEET_HEAD
        "<row r=\"1\"><c r=\"A1\"><v>2</v></c></row>"
        "<row r=\"2\"><c r=\"A2\"><v>3</v></c><c r=\"B2\"><f>A2*2</f></c></row>"
        SHEET_TAIL, NULL, NULL, 0};
    static const zentry openpyxl = {NULL, SHEET_HEAD /* as openpyxl writes it: an empty <v> */
        "<row r=\"1\"><c r=\"A1\"><v>2</v></c><c r=\"B1\"><f>1+1</f><v></v></c></row>"
        SHEET_TAIL, NULL, NULL, 0};
    static const zentry shared = {NULL, SHEET_HEAD
        "<row r=\"1\"><c r=\"A1\"><f t=\"shared\" ref=\"A1:A2\" si=\"0\">1+1</f><v>2</v></c></row>"
        "<row r=\"2\"><c r=\"A2\"><f t=\"shared\" si=\"0\"/></c></row>"
        SHEET_TAIL, NULL, NULL, 0};
    CHECK_STR(dump(book("f1.xlsx", no_sst, saved), NULL, NULL), "1:2|4||5|5%||7\n",
              "formula: its saved result is read (a blank result as blank), an inline string's too");
    CHECK_STR(dump(book("f2.xlsx", no_sst, unsaved), NULL, NULL),
              "1:2\nERR 2: xl/worksheets/sheet1.xml: cell B2: a formula with no saved result (open "
              "the workbook in Excel or LibreOffice and save it, so that its results are stored in it)",
              "formula: one with no saved result is refused, naming its cell");
    CHECK_STR(dump(book("f3.xlsx", no_sst, shared), NULL, NULL),
              "1:2\nERR 2: xl/worksheets/sheet1.xml: cell A2: a formula with no saved result (open "
              "the workbook in Excel or LibreOffice and save it, so that its results are stored in it)",
              "formula: a shared formula's cell with no saved result too");
    CHECK_STR(dump(book("f4.xlsx", no_sst, openpyxl), NULL, NULL),
              "ERR 1: xl/worksheets/sheet1.xml: cell B1: a formula with no saved result (open "
              "the workbook in Excel or LibreOffice and save it, so that its results are stored in it)",
              "formula: an empty result of a number (openpyxl's) is none saved");
}

/* Shared strings: one too long, too many bytes in all, too many of them. */
static void test_xlsx_sst_limits(void)
{
    char want[200];
    const char *big;
    CHECK_STR(dump(book("sst1.xlsx", (zentry){NULL, "<sst><si><t>", "一", "</t></si></sst>", 32767},
                        one_cell),
                   NULL, NULL),
              "1:1\n", "a shared string of 32767 characters (not bytes) is read");
    snprintf(want, sizeof want,
             "OPEN: xl/sharedStrings.xml: string 2 longer than %d characters",
             NB_READER_MAX_XLSX_TEXT);
    CHECK_STR(dump(book("sst2.xlsx",
                        (zentry){NULL, "<sst><si><t>a</t></si><si><r><t>", "一", "</t></r></si></sst>",
                                 NB_READER_MAX_XLSX_TEXT + 1},
                        one_cell),
                   NULL, NULL),
              want, "a shared string of 32768 characters is refused");
    CHECK(dump_open_rc == NB_ERR_LIMIT, "shared string too long: NB_ERR_LIMIT");
    big = book("sst3.xlsx", (zentry){NULL, "<sst><si><t>", "a", "</t></si></sst>", (size_t)1 << 30},
               one_cell);
    CHECK_STR(dump(big, NULL, NULL),
              "OPEN: xl/sharedStrings.xml: string 1 longer than 32767 characters",
              "a 1 MB file whose shared string inflates to 1 GiB is refused");
    check_read_memory(big, NULL, 16 * 1024, "1 GiB shared string: less than 16 MiB");
    big = book("sst4.xlsx", (zentry){NULL, "<sst>",
                                     "<si><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                     "</t></si>", "</sst>", (size_t)8 << 20},
               one_cell);
    snprintf(want, sizeof want,
             "OPEN: xl/sharedStrings.xml: shared strings longer than %d bytes in all (string %d)",
             NB_READER_MAX_SST_BYTES, NB_READER_MAX_SST_BYTES / 111 + 1);
    CHECK_STR(dump(big, NULL, NULL), want, "shared strings of 1 GiB in all are refused");
    CHECK(dump_open_rc == NB_ERR_LIMIT, "shared strings too long in all: NB_ERR_LIMIT");
    check_read_memory(big, NULL, 32 * 1024,
                      "1 GiB of shared strings: less than 32 MiB (their offsets and 16 MiB of them "
                      "in memory, the rest of their limit, 256 MiB, in a temporary file)");
    /* as many strings as may be, each empty: their offsets too are bounded (4 bytes each
       for the 8 Mi strings, 32 MiB, when they were all kept in memory) */
    big = book("sst6.xlsx", (zentry){NULL, "<sst>", "<si/>", "</sst>", (size_t)NB_READER_MAX_SST_COUNT},
               one_cell);
    CHECK_STR(dump(big, NULL, NULL), "1:1\n", "8 Mi empty shared strings: read");
    check_read_memory(big, NULL, 20 * 1024, "8 Mi empty shared strings: less than 20 MiB");
    snprintf(want, sizeof want, "OPEN: xl/sharedStrings.xml: more than %d shared strings",
             NB_READER_MAX_SST_COUNT);
    CHECK_STR(dump(book("sst5.xlsx", (zentry){NULL, "<sst>", "<si/>", "</sst>",
                                              (size_t)NB_READER_MAX_SST_COUNT + 1},
                        one_cell),
                   NULL, NULL),
              want, "one shared string too many is refused");
    CHECK(dump_open_rc == NB_ERR_LIMIT, "too many shared strings: NB_ERR_LIMIT");
}

/* ---- shared strings past the reader's budget, in a temporary file */

enum { SPILL_N = 3000 };

/* Shared string I of the spill tests, NUL-terminated (static): two of 32,767 characters
 * (98 KB: across the file's blocks of 64 KiB), the rest up to 1,000 bytes (1.5 MB in all,
 * more than the cache's 1 MiB of blocks). */
static const char *spill_str(int i)
{
    static char b[3 * 32767 + 64];
    if (i == 700 || i == 2100) {
        for (int k = 0; k < 32767; k++)
            memcpy(b + 3 * k, "一", 3);
        b[3 * 32767] = '\0';
        return b;
    }
    int n = snprintf(b, sizeof b, "串%d-", i), pad = (i * 37) % 1000;
    memset(b + n, 'x', (size_t)pad);
    b[n + pad] = '\0';
    return b;
}

/* A workbook of the SPILL_N strings (LAST: a CDATA section ends them, which expat reads:
 * the scanner hands over and the strings are read again) and SPILL_N rows, row i naming
 * string i * 7919 % SPILL_N then i * 13 % SPILL_N: every string, in no order. */
static const char *spill_book(const char *name, const char *last)
{
    size_t cap = (size_t)4 << 20, len = 0;
    char *sst = malloc(cap), *sheet = malloc((size_t)1 << 20);
    if (!sst || !sheet)
        exit(2);
    len += (size_t)snprintf(sst, cap, "<sst>");
    for (int i = 0; i < SPILL_N; i++)
        len += (size_t)snprintf(sst + len, cap - len, "<si><t>%s</t></si>",
                                last && i == SPILL_N - 1 ? last : spill_str(i));
    snprintf(sst + len, cap - len, "</sst>");
    len = (size_t)snprintf(sheet, (size_t)1 << 20, SHEET_HEAD);
    for (int i = 0; i < SPILL_N; i++)
        len += (size_t)snprintf(sheet + len, ((size_t)1 << 20) - len,
                                "<row r=\"%d\"><c r=\"A%d\" t=\"s\"><v>%d</v></c>"
                                "<c r=\"B%d\" t=\"s\"><v>%d</v></c></row>",
                                i + 1, i + 1, i * 7919 % SPILL_N, i + 1, i * 13 % SPILL_N);
    snprintf(sheet + len, ((size_t)1 << 20) - len, SHEET_TAIL);
    const char *path = book(name, (zentry){NULL, sst, NULL, NULL, 0}, (zentry){NULL, sheet, NULL, NULL, 0});
    free(sst);
    free(sheet);
    return path;
}

/* Reads every row of PATH and compares it with spill_book's (LAST as there): the rows
 * that differ, -1 when the workbook cannot be read. */
static int spill_check(const char *path, const char *last)
{
    char err[512];
    nb_reader *r = NULL;
    size_t nf;
    char **f;
    long line;
    int bad = 0, rows = 0;
    if (nb_reader_open(path, NULL, &r, err, sizeof err) != NB_OK) {
        printf("# %s\n", err);
        return -1;
    }
    nb_err st;
    while ((st = nb_reader_next(r, &nf, &f, &line, err, sizeof err)) == NB_OK) {
        int a = rows * 7919 % SPILL_N, b = rows * 13 % SPILL_N;
        const char *wa = last && a == SPILL_N - 1 ? last : spill_str(a);
        int ok = nf == 2 && line == rows + 1 && strcmp(f[0], wa) == 0;
        const char *wb = last && b == SPILL_N - 1 ? last : spill_str(b);
        bad += !(ok && strcmp(f[1], wb) == 0);
        rows++;
    }
    nb_reader_close(r);
    if (st != NB_DONE)
        printf("# %s\n", err);
    return st != NB_DONE || rows != SPILL_N ? -1 : bad;
}

/* The entries of directory PATH other than . and .., or -1. */
static int entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_xlsx_spill(void)
{
    const char *path = spill_book("spill.xlsx", NULL);
    size_t budget = nb_xlsx_sst_in_memory;
    const char *tmpdir = getenv("TMPDIR");
    char *saved = tmpdir ? strdup(tmpdir) : NULL, spilldir[256], want[512];
    snprintf(spilldir, sizeof spilldir, "%s", path_of("spill"));
    mkdir(spilldir, 0700);
    setenv("TMPDIR", spilldir, 1);
    CHECK(spill_check(path, NULL) == 0 && entries(spilldir) == 0,
          "spill: 1.7 MB of shared strings within the budget: every cell, no temporary file");
    int fds = entries("/proc/self/fd");
    nb_xlsx_sst_in_memory = 4096;
    CHECK(spill_check(path, NULL) == 0,
          "spill: past a budget of 4 KiB, read back from the temporary file: every cell, "
          "strings across its blocks, more of them than its cache holds");
    CHECK(entries(spilldir) == 0 && entries("/proc/self/fd") == fds,
          "spill: the temporary file gone, its descriptor closed");
    nb_xlsx_sst_in_memory = 0;
    CHECK(spill_check(path, NULL) == 0, "spill: a budget of nothing: every string in the file");
    nb_xlsx_sst_in_memory = 4096;
    CHECK(spill_check(spill_book("spill2.xlsx", "<![CDATA[<c1>]]>"), "<c1>") == 0,
          "spill: a CDATA section after the budget: expat reads the strings again, the "
          "temporary file made anew");
    CHECK(entries("/proc/self/fd") == fds, "spill: read again, no descriptor left open");
    /* cells that go between two strings whose blocks fall in the same set of the cache
       (blocks 0 and 128: string 0 takes 5 bytes of the file, each after it 30): both kept
       (its sets hold two blocks), not read again at every cell */
    nb_xlsx_sst_in_memory = 0;
    static const zentry two = {NULL, "<sst><si><t>a</t></si>", "<si><t>0123456789abcdef0123456789</t></si>",
                               "</sst>", 40000};
    static const zentry turns = {NULL, SHEET_HEAD, "<row><c t=\"s\"><v>3</v></c><c t=\"s\"><v>17478</v></c></row>",
                                 SHEET_TAIL, 5000};
    const char *tw = book("spill3.xlsx", two, turns);
    long before = nb_xlsx_blocks_read();
    char *got = strdup(dump(tw, NULL, NULL));
    long blocks = nb_xlsx_blocks_read() - before;
    const char *row1 = "1:0123456789abcdef0123456789|0123456789abcdef0123456789\n";
    CHECK(got && strncmp(got, row1, strlen(row1)) == 0 &&
              dump_next_rc == NB_DONE && blocks > 0 && blocks < 20,
          "spill: 5,000 rows going between two strings whose blocks share a set of the cache: "
          "their blocks read once");
    printf("# %ld blocks read; %.80s\n", blocks, got ? got : "");
    free(got);
    /* strings of 4 KB in no order: each found from the string kept at its block, reading the
       lengths of a block or two, not those of up to 63 strings before it, each in a block of
       its own (5x as slow: 6.3 million blocks read for 100,000 cells, found by a review) */
    enum { LONG_N = 640, LONG_CELLS = 3000 };
    size_t cap = (size_t)LONG_N * 4100 + 64, len = 0;
    char *sst = malloc(cap), *sheet = malloc((size_t)LONG_CELLS * 64 + 256), *lwant = malloc(4100);
    if (!sst || !sheet || !lwant)
        exit(2);
    len += (size_t)snprintf(sst, cap, "<sst>");
    for (int i = 0; i < LONG_N; i++) {
        len += (size_t)snprintf(sst + len, cap - len, "<si><t>%05d", i);
        memset(sst + len, 'q', 3995);
        len += 3995;
        len += (size_t)snprintf(sst + len, cap - len, "</t></si>");
    }
    snprintf(sst + len, cap - len, "</sst>");
    len = (size_t)snprintf(sheet, 256, SHEET_HEAD);
    for (int i = 0; i < LONG_CELLS; i++)
        len += (size_t)sprintf(sheet + len, "<row><c t=\"s\"><v>%d</v></c></row>", (i * 7919 + 63) % LONG_N);
    sprintf(sheet + len, SHEET_TAIL);
    const char *lp = book("spill4.xlsx", (zentry){NULL, sst, NULL, NULL, 0}, (zentry){NULL, sheet, NULL, NULL, 0});
    nb_reader *lr = NULL;
    char lerr[256];
    size_t lnf;
    char **lf;
    long lline;
    int lrows = 0, lbad = 0;
    before = nb_xlsx_blocks_read();
    if (nb_reader_open(lp, NULL, &lr, lerr, sizeof lerr) == NB_OK) {
        while (nb_reader_next(lr, &lnf, &lf, &lline, lerr, sizeof lerr) == NB_OK) {
            snprintf(lwant, 4100, "%05d", (lrows * 7919 + 63) % LONG_N);
            memset(lwant + 5, 'q', 3995);
            lwant[4000] = '\0';
            lbad += lnf != 1 || strcmp(lf[0], lwant) != 0;
            lrows++;
        }
        nb_reader_close(lr);
    }
    blocks = nb_xlsx_blocks_read() - before;
    printf("# %ld blocks read for %d cells of strings of 4 KB\n", blocks, LONG_CELLS);
    CHECK(lrows == LONG_CELLS && lbad == 0 && blocks < 4 * LONG_CELLS,
          "spill: strings of 4 KB in no order: every cell, fewer than 4 blocks read for each");
    free(sst);
    free(sheet);
    free(lwant);
    nb_xlsx_sst_in_memory = 4096;
    snprintf(spilldir, sizeof spilldir, "%s", path_of("no/such"));
    setenv("TMPDIR", spilldir, 1);
    snprintf(want, sizeof want,
             "OPEN: xl/sharedStrings.xml: cannot keep the shared strings past 4096 bytes in a "
             "temporary file in %s (TMPDIR): No such file or directory",
             spilldir);
    CHECK_STR(dump(path, NULL, NULL), want, "spill: a temporary file that cannot be made: named");
    CHECK(dump_open_rc == NB_ERR_IO, "spill: no temporary file: NB_ERR_IO");
    nb_xlsx_sst_in_memory = budget;
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
}

/* Cells and rows: a cell's text, a row's text, a row's cells. */
static void test_xlsx_cell_limits(void)
{
    char want[200];
    snprintf(want, sizeof want,
             "1:x\nERR 2: xl/worksheets/sheet1.xml: cell B2: text longer than %d characters",
             NB_READER_MAX_XLSX_TEXT);
    CHECK_STR(dump(book("cell1.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>x"
                                 "</t></is></c></row><row r=\"2\"><c r=\"B2\" t=\"inlineStr\"><is><t>",
                                 "a", "</t></is></c></row>" SHEET_TAIL, (size_t)1 << 30}),
                   NULL, NULL),
              want, "an inline string of 1 GiB is refused at its cell");
    CHECK(dump_next_rc == NB_ERR_LIMIT, "cell text too long: NB_ERR_LIMIT");
    snprintf(want, sizeof want,
             "ERR 3: xl/worksheets/sheet1.xml: cell C3: text longer than %d characters",
             NB_READER_MAX_XLSX_TEXT);
    CHECK_STR(dump(book("cell2.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"3\"><c r=\"C3\"><v>", "9",
                                 "</v></c></row>" SHEET_TAIL, NB_READER_MAX_XLSX_TEXT + 1}),
                   NULL, NULL),
              want, "a value of 32768 digits is refused");
    snprintf(want, sizeof want, "ERR 1: xl/worksheets/sheet1.xml: row 1: more than %d bytes of text",
             NB_READER_MAX_RECORD);
    CHECK_STR(dump(book("row1.xlsx", (zentry){NULL, "<sst><si><t>", "a", "</t></si></sst>", 32767},
                        (zentry){NULL, SHEET_HEAD "<row r=\"1\">", "<c t=\"s\"><v>0</v></c>",
                                 "</row>" SHEET_TAIL, NB_READER_MAX_RECORD / 32768 + 1}),
                   NULL, NULL),
              want, "a row of more than NB_READER_MAX_RECORD bytes is refused");
    CHECK(dump_next_rc == NB_ERR_LIMIT, "row too long: NB_ERR_LIMIT");
    snprintf(want, sizeof want, "ERR 1: xl/worksheets/sheet1.xml: row 1: more than %d cells",
             NB_READER_MAX_FIELDS);
    CHECK_STR(dump(book("row2.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"1\">", "<c r=\"A1\"><v>1</v></c>",
                                 "</row>" SHEET_TAIL, NB_READER_MAX_FIELDS + 1}),
                   NULL, NULL),
              want, "a row of more cells than columns is refused");
    CHECK(dump_next_rc == NB_ERR_LIMIT, "too many cells: NB_ERR_LIMIT");
}

/* XML that makes the parser hold much: a huge attribute, a deep nesting. */
static void test_xlsx_xml_limits(void)
{
    char want[200];
    snprintf(want, sizeof want,
             "ERR 1: xl/worksheets/sheet1.xml:1: XML parser memory over %d bytes "
             "(a tag too long or elements nested too deep)",
             NB_READER_MAX_XML_MEMORY);
    CHECK_STR(dump(book("xml1.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"1\"><c r=\"A1\" t=\"", "x",
                                 "\"><v>1</v></c></row>" SHEET_TAIL, (size_t)16 << 20}),
                   NULL, NULL),
              want, "an attribute of 16 MiB is refused");
    CHECK(dump_next_rc == NB_ERR_LIMIT, "attribute too long: NB_ERR_LIMIT");
    CHECK_STR(dump(book("xml2.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>", "<x>",
                                 SHEET_TAIL, (size_t)4 << 20}),
                   NULL, NULL) + 4,
              want, "elements nested four million deep are refused");
    snprintf(want, sizeof want,
             "OPEN: xl/sharedStrings.xml:1: XML parser memory over %d bytes "
             "(a tag too long or elements nested too deep)",
             NB_READER_MAX_XML_MEMORY);
    CHECK_STR(dump(book("xml3.xlsx", (zentry){NULL, "<sst><si a=\"", "x", "\"/></sst>",
                                              (size_t)16 << 20},
                        one_cell),
                   NULL, NULL),
              want, "the same in the shared strings");
}

/* A workbook of too many sheets (kept in memory with their names and relationships). */
static void test_xlsx_workbook_limit(void)
{
    zentry e[4] = {
        {"[Content_Types].xml", "<Types/>", NULL, NULL, 0},
        {"xl/workbook.xml", "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>",
         "<sheet name=\"Sheet12345\" sheetId=\"1\" r:id=\"rId1\"/>", "</sheets></workbook>",
         NB_READER_MAX_WORKBOOK / 16 + 1},
        {"xl/_rels/workbook.xml.rels", RELS_ONE_SHEET, NULL, NULL, 0},
        one_cell,
    };
    char want[160];
    e[3].name = "xl/worksheets/sheet1.xml";
    snprintf(want, sizeof want, "OPEN: xl/workbook.xml: sheets and relationships longer than %d bytes",
             NB_READER_MAX_WORKBOOK);
    CHECK_STR(dump(write_zip("wb1.xlsx", Z_DEFLATED, e, 4), NULL, NULL), want,
              "a workbook of 65537 sheets is refused");
    CHECK(dump_open_rc == NB_ERR_LIMIT, "too many sheets: NB_ERR_LIMIT");
}

/* Row numbers beyond Excel's last row (1048576); a CRC error names the row. */
static void test_xlsx_rows(void)
{
    CHECK_STR(dump(book("rn1.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"5\"><c><v>1</v></c></row>"
                                 "<row r=\"99999999999999999999\"><c><v>2</v></c></row>"
                                 "<row><c><v>3</v></c></row>" SHEET_TAIL, NULL, NULL, 0}),
                   NULL, NULL),
              "5:1\nERR 5: xl/worksheets/sheet1.xml: row 99999999999999999999 beyond 1048576",
              "a row number too large for a long");
    CHECK(dump_next_rc == NB_ERR_INPUT, "row number too large: NB_ERR_INPUT");
    CHECK_STR(dump(book("rn2.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"1048576\"><c><v>1</v></c></row>"
                                 "<row><c><v>2</v></c></row>" SHEET_TAIL, NULL, NULL, 0}),
                   NULL, NULL),
              "1048576:1\nERR 1048576: xl/worksheets/sheet1.xml: row 1048577 beyond 1048576",
              "a row without r after the last one");
    CHECK_STR(dump(book("rn3.xlsx", no_sst,
                        (zentry){NULL, SHEET_HEAD "<row r=\"1048577\"><c><v>1</v></c></row>"
                                 SHEET_TAIL, NULL, NULL, 0}),
                   NULL, NULL),
              "ERR 1: xl/worksheets/sheet1.xml: row 1048577 beyond 1048576",
              "a first row beyond the last one (line 1: no row was read, never line 0)");
}

/* Sets the byte OFF bytes into the data of the zip entry NAME of the file PATH
 * to BYTE (the first local header with that name). */
static void patch_entry(const char *path, const char *name, long off, unsigned char byte)
{
    static unsigned char d[1 << 16];
    FILE *f = fopen(path, "r+b");
    size_t n = f ? fread(d, 1, sizeof d, f) : 0, nl = strlen(name);
    for (size_t i = 30; f && i + nl < n; i++) {
        if (memcmp(d + i, name, nl) != 0 || memcmp(d + i - 30, "PK\x03\x04", 4) != 0)
            continue;
        fseek(f, (long)(i + nl + d[i - 2] + 256 * d[i - 1]) + off, SEEK_SET);
        fputc(byte, f);
        break;
    }
    if (f)
        fclose(f);
}

/* A damaged entry (bad CRC, data that does not inflate) names the part and the row. */
static void test_xlsx_damaged(void)
{
    zentry e[4] = {
        {"[Content_Types].xml", "<Types/>", NULL, NULL, 0},
        {"xl/workbook.xml", WB_ONE_SHEET, NULL, NULL, 0},
        {"xl/_rels/workbook.xml.rels", RELS_ONE_SHEET, NULL, NULL, 0},
        {"xl/worksheets/sheet1.xml", SHEET_HEAD "<row r=\"1\"><c><v>1111</v></c></row>"
                                     "<row r=\"2\"><c><v>2222</v></c></row>" SHEET_TAIL, NULL, NULL, 0},
    };
    const char *path = write_zip("crc1.xlsx", 0, e, 4);
    patch_entry(path, e[3].name, (long)strlen(e[3].head) - 42, '3'); /* 2222 -> 3222 */
    CHECK_STR(dump(path, NULL, NULL),
              "1:1111\n2:3222\nERR 2: xl/worksheets/sheet1.xml: damaged zip entry (bad CRC)",
              "bad CRC of the sheet: found after its last row");
    CHECK(dump_next_rc == NB_ERR_INPUT, "bad CRC: NB_ERR_INPUT");
    path = write_zip("crc2.xlsx", Z_DEFLATED, e, 4);
    patch_entry(path, e[3].name, 0, 0xFF); /* a reserved block type */
    CHECK_STR(dump(path, NULL, NULL),
              "ERR 1: xl/worksheets/sheet1.xml: damaged zip entry (cannot inflate)",
              "sheet data that does not inflate: row 1, never line 0");
    e[3] = (zentry){"xl/sharedStrings.xml", "<sst><si><t>abc</t></si></sst>", NULL, NULL, 0};
    path = write_zip("crc3.xlsx", 0, e, 4);
    patch_entry(path, e[3].name, 13, 'X');
    CHECK_STR(dump(path, NULL, NULL), "OPEN: xl/sharedStrings.xml: damaged zip entry (bad CRC)",
              "bad CRC of the shared strings");
}

/* A large part (a sheet, the shared strings) is inflated by a thread of its own, ahead
 * of its parsing: every row once and in order, the CRC checked at the end, an inflate
 * error named, expat taking over late in the sheet, a reader closed mid-sheet. */
static void test_xlsx_ahead(void)
{
    static const zentry big = {NULL, SHEET_HEAD,
                               "<row><c t=\"inlineStr\"><is><t>行</t></is></c><c><v>7</v></c></row>",
                               SHEET_TAIL, 60000};
    char err[256];
    nb_reader *r = NULL;
    size_t nf;
    char **f;
    long line;
    int base = t_threads();
    const char *path = book("ah1.xlsx", no_sst, big);
    CHECK_STR(read_end(path, NULL), "60000 rows, last line 60000", "a large sheet: every row once");
    CHECK(nb_reader_open(path, NULL, &r, err, sizeof err) == NB_OK &&
              nb_reader_next(r, &nf, &f, &line, err, sizeof err) == NB_OK && nf == 2 &&
              strcmp(f[0], "行") == 0 && strcmp(f[1], "7") == 0 && line == 1,
          "a large sheet: its first row");
    CHECK(base > 0 && t_threads() == base + 2,
          "a large sheet is inflated by a thread of its own, and its rows read ahead by another");
    nb_reader_close(r); /* the thread waits for room: closing stops it */
    CHECK(t_threads_now(base) == base, "a reader closed mid-sheet: its threads are gone");
    r = NULL;
    CHECK(nb_reader_open(book("ah2.xlsx", no_sst, one_cell), NULL, &r, err, sizeof err) == NB_OK &&
              nb_reader_next(r, &nf, &f, &line, err, sizeof err) == NB_OK && t_threads_now(base) == base,
          "a small sheet is read in place");
    nb_reader_close(r);

    zentry e[4] = {
        {"[Content_Types].xml", "<Types/>", NULL, NULL, 0},
        {"xl/workbook.xml", WB_ONE_SHEET, NULL, NULL, 0},
        {"xl/_rels/workbook.xml.rels", RELS_ONE_SHEET, NULL, NULL, 0},
        big,
    };
    e[3].name = "xl/worksheets/sheet1.xml";
    path = write_zip("ah3.xlsx", 0, e, 4);
    /* the last row's 7 -> 8: read as it is, then the CRC tells */
    patch_entry(path, e[3].name, (long)(strlen(big.head) + 60000 * strlen(big.unit)) - 15, '8');
    CHECK_STR(read_end(path, NULL),
              "60000 rows, then ERR 60000: xl/worksheets/sheet1.xml: damaged zip entry (bad CRC)",
              "a bad CRC of a large sheet: found after its last row");
    path = write_zip("ah4.xlsx", Z_DEFLATED, e, 4);
    patch_entry(path, e[3].name, 0, 0xFF); /* a reserved block type */
    CHECK_STR(read_end(path, NULL),
              "0 rows, then ERR 1: xl/worksheets/sheet1.xml: damaged zip entry (cannot inflate)",
              "a large sheet that does not inflate: the thread's error is the reader's");
    CHECK(t_threads_now(base) == base, "after the errors no thread is left");

    zentry bad = big; /* an error in a row of the third batch read ahead */
    bad.repeat = 20000;
    bad.tail = "<row><c t=\"s\"><v>5</v></c></row>" SHEET_TAIL;
    CHECK_STR(read_end(book("ah7.xlsx", no_sst, bad), NULL),
              "20000 rows, then ERR 20001: xl/worksheets/sheet1.xml: cell A20001: no shared string 5",
              "a bad cell after 20000 rows of a large sheet: every row before it, then its error");
    CHECK(t_threads_now(base) == base, "after it no thread is left");
    /* memory: a batch keeps a row's cells, not its empty fields; a row of megabytes is
       handed out from the reader's own, not copied into a batch */
    zentry sparse = {NULL, SHEET_HEAD, "<row><c><v>1</v></c><c r=\"XFD1\"><v>2</v></c></row>",
                     SHEET_TAIL, 60000};
    path = book("ah8.xlsx", no_sst, sparse);
    CHECK_STR(read_end(path, NULL), "60000 rows, last line 60000",
              "a large sheet of sparse rows 16,384 wide: every row");
    check_read_memory(path, NULL, 8 * 1024, "60000 rows 16,384 wide, their empty fields not kept: less than 8 MiB");
    const char *xs = "<c t=\"inlineStr\"><is><t>";
    size_t xn = strlen(xs), cell = xn + 30000 + strlen("</t></is></c>");
    char *unit = malloc(cell + 1);
    if (unit) {
        memcpy(unit, xs, xn);
        memset(unit + xn, 'x', 30000);
        strcpy(unit + xn + 30000, "</t></is></c>");
        zentry huge = {NULL, SHEET_HEAD "<row><c><v>0</v></c></row><row>", unit,
                       "</row><row><c><v>1</v></c></row>" SHEET_TAIL, 65}; /* 0, 1.95 MB, 1 */
        path = book("ah9.xlsx", no_sst, huge);
        CHECK_STR(read_end(path, NULL), "3 rows, last line 3",
                  "a row of 1.95 MB between two rows of a large sheet: each read");
        check_read_memory(path, NULL, 5 * 1024, "a row of 1.95 MB read ahead without a copy: less than 5 MiB");
        free(unit);
    }
    CHECK(t_threads_now(base) == base, "no thread is left");
    zentry cdata = big;
    cdata.tail = "<row><c t=\"inlineStr\"><is><t><![CDATA[a<b]]></t></is></c></row>" SHEET_TAIL;
    CHECK_STR(read_end(book("ah5.xlsx", no_sst, cdata), NULL), "60001 rows, last line 60001",
              "a CDATA section after 60000 rows of a large sheet: expat reads it again, each row once");
    CHECK_STR(dump(book("ah6.xlsx", (zentry){NULL, "<sst>", "<si><t>串</t></si>",
                                              "<si><t>最后</t></si></sst>", 100000},
                        (zentry){NULL, SHEET_HEAD "<row r=\"1\"><c t=\"s\"><v>100000</v></c>"
                                 "<c t=\"s\"><v>99999</v></c></row>" SHEET_TAIL, NULL, NULL, 0}),
                   NULL, NULL),
              "1:最后|串\n", "large shared strings (1.9 MB): read through the thread, the last one too");
    CHECK(t_threads_now(base) == base, "no thread is left");
}

static void on_alarm(int sig)
{
    static const char msg[] = "not ok - timed out (a read blocked?)\n";
    (void)sig;
    if (write(1, msg, sizeof msg - 1) < 0)
        _exit(1);
    _exit(1);
}


/* ---- workbook.h: a published workbook as lines, for lint ---- */

/* Appends a workbook's line to UD (a char[4096]): "LINE SHEET!ROW a|b|c" or "... =text". */
static int wb_line(void *ud, long line, const char *sheet, long row, const char *text,
                   const char *const *cells, size_t n)
{
    char *out = ud;
    size_t len = strlen(out);
    snprintf(out + len, 4096 - len, "%ld %s!%ld ", line, sheet, row);
    if (!cells)
        dump_add(out, 4096, "=", 0), dump_add(out, 4096, text, 1);
    for (size_t i = 0; cells && i < n; i++) {
        if (i)
            dump_add(out, 4096, "|", 0);
        dump_add(out, 4096, cells[i], 1);
    }
    dump_add(out, 4096, "\n", 0);
    return strstr(out, "STOP") != NULL;
}

/* The bytes of the file at PATH (at most CAP) into BUF; their count. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap, f) : 0;
    if (f)
        fclose(f);
    return n;
}

static void test_workbook_lines(void)
{
    const char *path = path_of("published.xlsx");
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *text = workbook_add_worksheet(wb, "正文");
    lxw_worksheet *table = workbook_add_worksheet(wb, "表三");
    lxw_format *border = workbook_add_format(wb);
    format_set_border(border, LXW_BORDER_THIN);
    worksheet_write_string(text, 0, 0, "一、总体情况", NULL);
    worksheet_write_string(text, 2, 0, "本年新收申请 5 件。", NULL); /* row 2 empty: no line */
    worksheet_merge_range(table, 0, 0, 0, 3, "三、收到和处理政府信息公开申请情况", border);
    worksheet_write_string(table, 1, 0, "（一）予以公开", border);
    for (int c = 1; c < 4; c++)
        worksheet_write_blank(table, 1, (lxw_col_t)c, border); /* a blank row: its label alone */
    worksheet_write_string(table, 2, 0, "（七）总计", border);
    worksheet_write_number(table, 2, 1, 3, border);
    worksheet_write_number(table, 2, 3, 4, border);
    lxw_worksheet *hidden = workbook_add_worksheet(wb, "隐藏");
    worksheet_write_string(hidden, 0, 0, "三、收到和处理政府信息公开申请情况", NULL);
    worksheet_write_number(hidden, 1, 1, 99, NULL);
    worksheet_hide(hidden);
    if (workbook_close(wb) != LXW_NO_ERROR) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    static char data[1 << 20];
    size_t len = slurp(path, data, sizeof data);
    char out[4096] = "", err[256] = "";
    CHECK(nb_workbook_lines(data, len, wb_line, out, err, sizeof err) == NB_OK, "workbook read");
    CHECK_STR(out,
              "1 正文!1 =一、总体情况\n2 正文!3 =本年新收申请 5 件。\n"
              "3 表三!1 三、收到和处理政府信息公开申请情况|||\n4 表三!2 （一）予以公开|||\n"
              "5 表三!3 （七）总计|3||4\n",
              "a one-column sheet as text, a table's rows padded to its widest, numbered across sheets, "
              "a hidden sheet not read");
    out[0] = '\0';
    snprintf(out, sizeof out, "STOP\n");
    CHECK(nb_workbook_lines(data, len, wb_line, out, err, sizeof err) == NB_OK, "stopped: not an error");
    CHECK_STR(out, "STOP\n1 正文!1 =一、总体情况\n", "the callback stops the reading, across sheets");

    nb_reader *r = NULL;
    CHECK(nb_reader_open(path, NULL, &r, err, sizeof err) == NB_OK, "workbook opened");
    CHECK_STR(r ? nb_reader_sheet(r, 1) : "", "表三", "nb_reader_sheet: a sheet's name");
    CHECK(r && nb_reader_sheet(r, 3) == NULL, "nb_reader_sheet: NULL past the last");
    CHECK(r && nb_reader_sheet_hidden(r, 2) && !nb_reader_sheet_hidden(r, 1) && !nb_reader_sheet_hidden(r, 9),
          "nb_reader_sheet_hidden: the hidden one alone");
    nb_reader_close(r);

    out[0] = '\0';
    CHECK(nb_workbook_lines("not a zip", 9, wb_line, out, err, sizeof err) == NB_ERR_INPUT && !out[0],
          "not a zip archive: refused");
    CHECK_STR(err, "not an XLSX file (no zip archive)", "not a zip archive: said");
    /* rows past NB_HTML_MAX_LINES, over two sheets: refused */
    const char *big = path_of("rows.xlsx");
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = dir};
    wb = workbook_new_opt(big, &opt);
    for (int sheet = 0; sheet < 2; sheet++) {
        lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
        for (lxw_row_t row = 0; row <= NB_HTML_MAX_LINES / 2; row++)
            worksheet_write_number(ws, row, 0, row, NULL);
    }
    if (workbook_close(wb) != LXW_NO_ERROR) {
        fprintf(stderr, "cannot write %s\n", big);
        exit(2);
    }
    static char bigdata[4 << 20];
    size_t biglen = slurp(big, bigdata, sizeof bigdata);
    out[0] = '\0';
    CHECK(biglen < sizeof bigdata && nb_workbook_lines(bigdata, biglen, wb_line, out, err, sizeof err) == NB_ERR_LIMIT,
          "more than 200,000 rows: NB_ERR_LIMIT");
    CHECK_STR(err, "more than 200000 rows", "more than 200,000 rows: said");
    /* more sheets than NB_WORKBOOK_MAX_SHEETS; more cells than NB_WORKBOOK_MAX_CELLS once
       padded (rows of one cell beside one wide row: a file of a few KB) */
    const char *many = path_of("sheets.xlsx");
    wb = workbook_new(many);
    for (int i = 0; i <= NB_WORKBOOK_MAX_SHEETS; i++)
        worksheet_write_number(workbook_add_worksheet(wb, NULL), 0, 0, i, NULL);
    workbook_close(wb);
    biglen = slurp(many, bigdata, sizeof bigdata);
    CHECK(nb_workbook_lines(bigdata, biglen, wb_line, out, err, sizeof err) == NB_ERR_LIMIT,
          "more sheets than 32: NB_ERR_LIMIT");
    CHECK_STR(err, "more than 32 sheets shown", "more sheets than 32: said");
    const char *wide = path_of("wide.xlsx");
    wb = workbook_new_opt(wide, &opt);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    for (lxw_row_t row = 0; row <= NB_WORKBOOK_MAX_CELLS / 1000; row++)
        worksheet_write_number(ws, row, row == 0 ? 999 : 0, 1, NULL);
    workbook_close(wb);
    biglen = slurp(wide, bigdata, sizeof bigdata);
    out[0] = '\0';
    CHECK(nb_workbook_lines(bigdata, biglen, wb_line, out, err, sizeof err) == NB_ERR_LIMIT && !out[0],
          "more than 1,000,000 cells padded: NB_ERR_LIMIT before any line");
    CHECK_STR(err, "more than 1000000 cells (each row as wide as its sheet's widest)", "more cells: said");
    /* a damaged workbook: its middle cut out */
    CHECK(nb_workbook_lines(data, len / 2, wb_line, out, err, sizeof err) != NB_OK && err[0],
          "a cut workbook: refused with a message");
}

int main(int argc, char **argv)
{
    char cmd[128];
    if (argc >= 3 && strcmp(argv[1], "--read") == 0) { /* for peak_kb */
        read_end(argv[2], argv[3]);
#ifndef __SANITIZE_ADDRESS__
        printf("%ld\n", own_peak_kb());
#endif
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines written before a time-out are kept */
    signal(SIGALRM, on_alarm);
    alarm(300);
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
    test_csv_nul();
    test_csv_cr();
    test_csv_encoding_lines();
    test_csv_chunks();
    test_csv_late_encoding();
    test_csv_limits();
    test_csv_memory();
    test_xlsx();
    test_xlsx_large();
    test_xlsx_handmade();
    test_xlsx_fallback();
    test_xlsx_formula();
    test_xlsx_escapes();
    test_xlsx_sst_limits();
    test_xlsx_spill();
    test_xlsx_cell_limits();
    test_xlsx_xml_limits();
    test_xlsx_workbook_limit();
    test_xlsx_rows();
    test_workbook_lines();
    test_xlsx_damaged();
    test_xlsx_ahead();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
