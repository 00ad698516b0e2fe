/* test_import.c - unit tests of host/import.c: CSV import, re-import, dry run, mappings, refusals. */
#include "import.h"
#include "insert.h"
#include "pack.h"
#include "records.h"
#include "remap.h"
#include "runs.h"
#include "t.h"
#include "texts.h"
#include "writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

static char dir[64];
static nb_store *store;

static const char *path_of(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* DIR/NAME made anew with the line HEADER; NULL when it cannot be. */
static FILE *csv_create(const char *name, const char *header)
{
    FILE *f = fopen(path_of(name), "w");
    if (f)
        fputs(header, f);
    return f;
}

static const char *write_file(const char *name, const char *text)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0) {
        perror(path);
        exit(2);
    }
    fclose(f);
    return path;
}

static long long sql_int(const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* All rows of SQL as "a|b|c\n..." (a static buffer). */
static const char *sql_rows(const char *sql)
{
    static char out[4096];
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(out, sizeof out, "SQL: %s", sqlite3_errmsg(store->db));
        return out;
    }
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", c ? "|" : "", v ? v : "NULL");
            if (n >= sizeof out)
                break;
        }
        if (n < sizeof out - 1)
            out[n++] = '\n', out[n] = '\0';
    }
    sqlite3_finalize(st);
    return out;
}

/* Everything a failed import must leave alone, as one string. */
static const char *snapshot(void)
{
    static char out[256];
    snprintf(out, sizeof out, "body %lld source %lld dict %lld request %lld document %lld",
             sql_int("SELECT count(*) FROM body"), sql_int("SELECT count(*) FROM source"),
             sql_int("SELECT count(*) FROM dict"), sql_int("SELECT count(*) FROM request"),
             sql_int("SELECT count(*) FROM document"));
    return out;
}

typedef struct {
    nb_err rc;
    nb_import_stats st;
    char err[1024];
    char msgs[4096];  /* what the import wrote to its message stream */
} result;

/* The diagnostics as the command line prints them: the first MAX, then a count. */
typedef struct {
    FILE *f;
    int shown, max;
} printer;

static void print_diag(void *ud, const nb_diag *d)
{
    printer *p = ud;
    char line[2048];
    if (p->shown++ >= p->max)
        return;
    nb_diag_format(d, line, sizeof line);
    fprintf(p->f, "%s\n", line);
}

static result run(const char *kind, const char *path, const char *body, int dry,
                  const nb_mapping *map, int max_messages)
{
    result r;
    memset(&r, 0, sizeof r);
    char *buf = NULL;
    size_t len = 0;
    printer p = {open_memstream(&buf, &len), 0, max_messages > 0 ? max_messages : 50};
    nb_import_opts o = {.path = path, .kind = kind, .body = body, .dry_run = dry, .map = map,
                        .diag = print_diag, .diag_ud = &p};
    r.rc = nb_import(store, &o, &r.st, r.err, sizeof r.err);
    if (p.shown > p.max)
        fprintf(p.f, "%s: ... and %d more messages\n", path, p.shown - p.max);
    fclose(p.f);
    snprintf(r.msgs, sizeof r.msgs, "%s", buf ? buf : "");
    free(buf);
    return r;
}

/* One check: the import failed in SQLite with exactly the message WANT (what it said
 * instead, if not). */
/* nb_test_slow(): 0, after 40 us (a slow insert, in a trigger's WHEN). */
static void slow_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc, (void)argv;
    usleep(40);
    sqlite3_result_int(cx, 0);
}

static void check_failed(const result *r, const char *want, const char *name)
{
    CHECK(r->rc == NB_ERR_SQL && strcmp(r->err, want) == 0, name);
    if (r->rc != NB_ERR_SQL || strcmp(r->err, want) != 0)
        printf("# got %d: %s\n", r->rc, r->err);
}

#define HEADER "编号,收到日期,申请人类型,办结日期,办理结果\n"
#define HEADER_CH "编号,收到日期,申请人类型,办结日期,办理结果,申请方式\n"

static void test_csv(void)
{
    const char *csv = write_file("r2020.csv", HEADER
        "A1,2020-01-05,自然人,2020-01-20,予以公开\n"
        "A2,2020/2/3,企业,,\n"
        "A3,2020年3月1日,person,2020-03-10,3.1\n"
        "\"A4\",\"2020-03-02\",\xe3\x80\x80法律服务机构\xe3\x80\x80,2020-03-04,\"部分公开\"\n");
    result r = run("request", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK, "csv: imported");
    CHECK_STR(r.msgs, "", "csv: no messages");
    CHECK(r.st.read == 4 && r.st.inserted == 4 && r.st.updated == 0 && r.st.refused == 0,
          "csv: 4 read, 4 inserted");
    CHECK(r.st.body_created == 1, "csv: body created");
    CHECK_STR(sql_rows("SELECT r.id, r.received, d.code, r.closed, o.code, r.line "
                       "FROM records_request r JOIN dict d ON d.id = r.applicant "
                       "LEFT JOIN dict o ON o.id = r.outcome ORDER BY r.id"),
              "A1|20200105|person|20200120|1|2\n"
              "A2|20200203|business|NULL|NULL|3\n"
              "A3|20200301|person|20200310|3.1|4\n"
              "A4|20200302|legal|20200304|2|5\n",
              "csv: codes, dates and lines stored");
    /* Kept: only what differs from the stored values (column=text). The
       labels, codes and YYYY-MM-DD dates are the stored values themselves;
       2020/2/3, 2020年3月1日 and the variant 企业 are not. */
    CHECK_STR(sql_rows("SELECT id, replace(replace(raw, char(31), '|'), char(30), '=') "
                       "FROM request ORDER BY id"),
              "A1|\nA2|2=2020/2/3|3=企业\nA3|2=2020年3月1日\nA4|\n",
              "csv: raw values that differ kept");
    CHECK_STR(sql_rows("SELECT s.path LIKE '%/r2020.csv', s.kind, s.encoding, "
                       "replace(s.header, char(31), ',') FROM source s"),
              "1|request|UTF-8|编号,收到日期,申请人类型,办结日期,办理结果\n",
              "csv: source recorded with encoding and header");

    /* Re-import: the same rows are found unchanged and not written again. */
    r = run("request", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 0 && r.st.updated == 0 && r.st.unchanged == 4 &&
          r.st.body_created == 0, "reimport: 0 inserted, 0 updated, 4 unchanged");
    CHECK(sql_int("SELECT count(*) FROM request WHERE src <> 1") == 0,
          "reimport: the rows keep the first import's source");
    CHECK(sql_int("SELECT count(*) FROM request") == 4, "reimport: still 4 rows");

    /* A corrected file: one changed, one new. */
    const char *fix = write_file("r2020b.csv", HEADER
        "A2,2020-02-03,企业,2020-02-10,4.1\n"
        "A5,2020-12-30,其他,,\n");
    r = run("request", fix, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.read == 2 && r.st.inserted == 1 && r.st.updated == 1,
          "update: 1 inserted, 1 updated");
    CHECK(sql_int("SELECT count(*) FROM request") == 5, "update: 5 rows");
    CHECK_STR(sql_rows("SELECT r.closed, o.code, r.line FROM records_request r JOIN dict o "
                       "ON o.id = r.outcome WHERE r.id = 'A2'"),
              "20200210|4.1|2\n", "update: the changed row has its new values and line");

    /* The same ids for another body are other records. */
    r = run("request", fix, "大东区", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 2 && r.st.updated == 0 && r.st.body_created,
          "bodies: same ids in another body are inserted");
    CHECK(sql_int("SELECT count(*) FROM request") == 7, "bodies: 7 rows");
}

static void test_dry_run(void)
{
    char before[256];
    snprintf(before, sizeof before, "%s", snapshot());
    const char *csv = write_file("dry.csv", HEADER
        "D1,2020-01-05,自然人,,\n"
        "A1,2020-01-05,自然人,2020-01-20,1\n");
    result r = run("request", csv, "新区", 1, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.read == 2, "dry run: accepted");
    CHECK(r.st.inserted == 2 && r.st.updated == 0 && r.st.body_created == 1,
          "dry run: counts what it would do (new body: all inserts)");
    CHECK_STR(snapshot(), before, "dry run: nothing written (bodies, sources, rows)");
    r = run("request", csv, "沈河区", 1, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 1 && r.st.updated == 1,
          "dry run: an existing id counts as an update");
    CHECK_STR(snapshot(), before, "dry run: still nothing written");
}

static void test_refused(void)
{
    char before[256], want[1024];
    snprintf(before, sizeof before, "%s", snapshot());
    long long closed_a1 = sql_int("SELECT closed FROM records_request WHERE id = 'A1' AND body = 1");

    /* Good rows first, then bad ones: nothing at all is written. */
    const char *csv = write_file("bad.csv",
        "编号,收到日期,申请人类型,办结日期,办理结果,申请方式\n"
        "A1,2020-01-05,自然人,2020-12-31,1,新渠道\n"
        "B1,2020-01-05,外星人,,,\n"
        "B2,2020-01-05,自然人,2020-01-01,1,\n"
        "B3,2020-02-30,自然人,,,\n"
        "B4,2020-01-05,自然人,,予以公开,\n"
        "B5,2020-01-05,自然人,2020-01-06,,\n"
        "B5,2020-01-05,外星人,,,\n"
        ",2020-01-05,自然人,,,\n"
        "B6,,自然人,,,\n");
    result r = run("request", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_ERR_INPUT, "refused: NB_ERR_INPUT");
    CHECK(r.st.read == 9 && r.st.refused == 8, "refused: 9 read, 8 refused");
    snprintf(want, sizeof want,
             "%1$s:4: field 'closed': before received 2020-01-05 (2020-01-01)\n"
             "%1$s:5: field 'received': no such date (2020-02-30)\n"
             "%1$s:6: field 'outcome': given but no closed date (予以公开)\n"
             "%1$s:7: field 'outcome': missing, but closed is given (2020-01-06)\n"
             "%1$s:8: field 'id': duplicate id, first at line 7 (B5)\n"
             "%1$s:9: field 'id': missing value ()\n"
             "%1$s:10: field 'received': missing value ()\n"
             "%1$s:3: field 'applicant': unknown value '外星人' in 2 rows, first at line 3 "
             "(not a national code or label; map it with --map)\n",
             csv);
    CHECK_STR(r.msgs, want, "refused: one message per problem, unknown values grouped");
    snprintf(want, sizeof want, "%s: 8 rows refused; nothing written", csv);
    CHECK_STR(r.err, want, "refused: summary error");
    CHECK_STR(snapshot(), before, "refused: store unchanged (rows, bodies, sources, dictionary)");
    CHECK(sql_int("SELECT closed FROM records_request WHERE id = 'A1' AND body = 1") == closed_a1,
          "refused: the good row's update was not written");
    CHECK(nb_store_code(store, "channel", "新渠道") == 0,
          "refused: an open-vocabulary value of the refused file is forgotten");

    /* The message limit. */
    r = run("request", csv, "沈河区", 0, NULL, 2);
    snprintf(want, sizeof want,
             "%1$s:4: field 'closed': before received 2020-01-05 (2020-01-01)\n"
             "%1$s:5: field 'received': no such date (2020-02-30)\n"
             "%1$s: ... and 6 more messages\n",
             csv);
    CHECK_STR(r.msgs, want, "refused: the cap applies to every kind of message");

    /* A broken file after good rows. */
    csv = write_file("quote.csv", HEADER "Q1,2020-01-05,自然人,,\nQ2,\"2020-01-05,自然人,,\n");
    r = run("request", csv, "沈河区", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:3: unterminated quote (opened at line 3)\n", csv);
    CHECK(r.rc == NB_ERR_INPUT && r.st.read == 2 && r.st.refused == 1,
          "broken file: refused, the broken row counted");
    CHECK_STR(r.msgs, want, "broken file: message");
    CHECK_STR(snapshot(), before, "broken file: store unchanged");

    /* Header problems. */
    csv = write_file("nohead.csv", "编号,申请人类型\nX1,自然人\n");
    r = run("request", csv, "沈河区", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:1: missing required column 'received' (收到日期)\n", csv);
    CHECK(r.rc == NB_ERR_INPUT && r.st.read == 0, "header: missing column refused");
    CHECK_STR(r.msgs, want, "header: missing column message");
    snprintf(want, sizeof want, "%s: the header does not fit kind 'request'", csv);
    CHECK_STR(r.err, want, "header: error");
    csv = write_file("twice.csv", "编号,收到日期,received,申请人类型\nX1,2020-01-01,2020-01-01,自然人\n");
    r = run("request", csv, "沈河区", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:1: columns '收到日期' and 'received' both give field 'received'\n",
             csv);
    CHECK(r.rc == NB_ERR_INPUT, "header: a field given twice refused");
    CHECK_STR(r.msgs, want, "header: field given twice message");
    csv = write_file("extra.csv", "编号,收到日期,申请人类型,备注\nX1,2020-01-01,自然人,加急\n");
    r = run("request", csv, "沈河区", 1, NULL, 0);
    snprintf(want, sizeof want,
             "%s:1: note: column '备注' is not a field of request; kept with the raw values\n", csv);
    CHECK(r.rc == NB_OK, "header: an extra column is allowed");
    CHECK_STR(r.msgs, want, "header: extra column note");
    /* a column named like a field the file lacks: the note says which (every request
       counted open, silently, when 办结时间 was not taken for 办结日期) */
    csv = write_file("renamed.csv", "编号,收到日期,申请人类型,办结时间,处理结果,备注\nX1,2020-01-01,自然人,2020-01-05,1,\n");
    r = run("request", csv, "沈河区", 1, NULL, 0);
    snprintf(want, sizeof want,
             "%s:1: note: column '办结时间' is not a field of request; kept with the raw values (if it is "
             "办结日期, closed, which the file lacks, name the column so)\n"
             "%s:1: note: column '处理结果' is not a field of request; kept with the raw values (if it is "
             "办理结果, outcome, which the file lacks, name the column so)\n"
             "%s:1: note: column '备注' is not a field of request; kept with the raw values\n",
             csv, csv, csv);
    CHECK(r.rc == NB_OK, "header: columns named like fields: allowed");
    CHECK_STR(r.msgs, want, "header: the note names the field a column looks like, when the file lacks it");
    /* a local name of the id column (申请编号): the note names 编号, not 申请人类型, which
       shares its first two characters (a district's file: the note pointed the wrong way) */
    csv = write_file("idname.csv", "申请编号,收到日期,申请人类型\nX1,2020-01-01,自然人\n");
    r = run("request", csv, "沈河区", 0, NULL, 0);
    snprintf(want, sizeof want,
             "%s:1: note: column '申请编号' is not a field of request; kept with the raw values (if it is "
             "编号, id, which the file lacks, name the column so)\n"
             "%s:1: missing required column 'id' (编号)\n", csv, csv);
    CHECK(r.rc == NB_ERR_INPUT, "header: the id's column named otherwise: refused");
    CHECK_STR(r.msgs, want, "header: the note names the id's column 编号");
    csv = write_file("both.csv", "编号,收到日期,申请人类型,办结日期,办理结果,办结时间\nX1,2020-01-01,自然人,2020-01-05,1,\n");
    r = run("request", csv, "沈河区", 1, NULL, 0);
    snprintf(want, sizeof want, "%s:1: note: column '办结时间' is not a field of request; kept with the raw values\n",
             csv);
    CHECK_STR(r.msgs, want, "header: not when the file has the field's column");

    csv = write_file("empty.csv", "");
    r = run("request", csv, "沈河区", 0, NULL, 0);
    snprintf(want, sizeof want, "%s: empty file", csv);
    CHECK(r.rc == NB_ERR_INPUT, "empty file: refused");
    CHECK_STR(r.err, want, "empty file: message");
    r = run("nosuch", csv, "沈河区", 0, NULL, 0);
    CHECK_STR(r.err, "unknown record kind 'nosuch' (kinds: request, case, document, matter, "
                     "decision, charge, purchase, holiday)",
              "unknown kind: message");
    const char *missing = path_of("missing.csv");
    r = run("request", missing, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_ERR_IO && strncmp(r.err, missing, strlen(missing)) == 0,
          "missing file: an I/O error (not bad input) naming its path");
    CHECK_STR(snapshot(), before, "header problems: store unchanged");
}

static void test_mapping(void)
{
    char err[512] = "";
    nb_mapping m;
    nb_mapping_init(&m);
    CHECK(nb_mapping_value(&m, "request", "applicant", "群众", "person", err, sizeof err) == 0,
          "mapping: value");
    CHECK(nb_mapping_value(&m, "request", "申请人类型", "公司", "business", err, sizeof err) == 0,
          "mapping: value by the field's Chinese alias");
    CHECK(nb_mapping_value(&m, "request", "outcome", "不掌握", "4.1", err, sizeof err) == 0,
          "mapping: outcome value");
    CHECK(nb_mapping_alias(&m, "request", "来文日期", "received", err, sizeof err) == 0,
          "mapping: header alias");
    CHECK(nb_mapping_alias(&m, "request", "申请编号", "id", err, sizeof err) == 0,
          "mapping: header alias of id");

    CHECK(nb_mapping_value(&m, "nosuch", "applicant", "x", "person", err, sizeof err) == NB_ERR_INPUT,
          "mapping: unknown kind refused");
    CHECK_STR(err, "unknown record kind 'nosuch'", "mapping: unknown kind message");
    nb_mapping_value(&m, "request", "received", "x", "person", err, sizeof err);
    CHECK_STR(err, "request.received is not a categorical field", "mapping: not categorical");
    nb_mapping_value(&m, "request", "nosuch", "x", "person", err, sizeof err);
    CHECK_STR(err, "request.nosuch is not a categorical field", "mapping: unknown field");
    CHECK(nb_mapping_value(&m, "request", "applicant", "火星人", "martian", err, sizeof err) == NB_ERR_INPUT,
          "mapping: a code that is not national refused");
    CHECK_STR(err, "request.applicant['火星人'] = 'martian': not a national code of applicant",
              "mapping: not national message");
    nb_mapping_alias(&m, "request", "日期", "nosuch", err, sizeof err);
    CHECK_STR(err, "alias '日期': request has no field 'nosuch'", "mapping: alias to unknown field");
    /* an entry past a category value's 256 bytes: a local value never met (a longer one is
       refused as read), a value of an open list the store would keep whatever its length */
    char big[300], want_msg[700];
    memset(big, 'x', 257);
    big[257] = '\0';
    CHECK(nb_mapping_value(&m, "request", "channel", "网上", big, err, sizeof err) == NB_ERR_INPUT,
          "mapping: an open list's value of 257 bytes refused");
    snprintf(want_msg, sizeof want_msg, "request.channel['网上'] = '%s': longer than 256 bytes (a category's value)", big);
    CHECK_STR(err, want_msg, "mapping: its message");
    CHECK(nb_mapping_value(&m, "request", "applicant", big, "person", err, sizeof err) == NB_ERR_INPUT,
          "mapping: a local value of 257 bytes refused");
    big[256] = '\0';
    CHECK(nb_mapping_value(&m, "request", "channel", "网上", big, err, sizeof err) == NB_OK,
          "mapping: an open list's value of 256 bytes kept");
    /* a section checked alone (an empty one: nothing else would name it) */
    CHECK(nb_mapping_section("request", "applicant", 0, err, sizeof err) == NB_OK, "mapping: a section of a categorical field");
    CHECK(nb_mapping_section("request", "aplicant", 0, err, sizeof err) == NB_ERR_INPUT, "mapping: a section of a field typed wrong refused");
    CHECK_STR(err, "request.aplicant is not a categorical field", "mapping: its message");
    CHECK(nb_mapping_section("requests", "applicant", 0, err, sizeof err) == NB_ERR_INPUT, "mapping: a section of an unknown kind refused");
    CHECK_STR(err, "unknown record kind 'requests'", "mapping: its message");
    CHECK(nb_mapping_section("aliases", "request", 1, err, sizeof err) == NB_OK, "mapping: the aliases of a kind");
    CHECK(nb_mapping_section("aliases", "reqest", 1, err, sizeof err) == NB_ERR_INPUT, "mapping: the aliases of an unknown kind refused");
    CHECK_STR(err, "unknown record kind 'reqest'", "mapping: its message");

    const char *csv = write_file("mapped.csv",
        "申请编号,来文日期,申请人类型,办结日期,办理结果\n"
        "M1,2020-05-01,群众,2020-05-09,不掌握\n"
        "M2,2020-05-02,公司,,\n"
        "M3,2020-05-03,自然人,,\n");
    result r = run("request", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_ERR_INPUT, "mapping: without it the file is refused");
    r = run("request", csv, "沈河区", 0, &m, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 3, "mapping: with it the file is imported");
    CHECK_STR(sql_rows("SELECT r.id, r.received, d.code, o.code FROM records_request r "
                       "JOIN dict d ON d.id = r.applicant LEFT JOIN dict o ON o.id = r.outcome "
                       "WHERE r.id LIKE 'M%' ORDER BY r.id"),
              "M1|20200501|person|4.1\nM2|20200502|business|NULL\nM3|20200503|person|NULL\n",
              "mapping: local values stored as national codes");
    CHECK_STR(sql_rows("SELECT id, replace(replace(raw, char(31), '|'), char(30), '=') "
                       "FROM request WHERE id LIKE 'M%' ORDER BY id"),
              "M1|3=群众|5=不掌握\nM2|3=公司\nM3|\n",
              "mapping: the local values kept, so a corrected mapping can be applied again");

    csv = write_file("unmapped.csv", "申请编号,来文日期,申请人类型\nM9,2020-05-01,居民\n");
    r = run("request", csv, "沈河区", 0, &m, 0);
    char want[512];
    snprintf(want, sizeof want,
             "%s:2: field 'applicant': unknown value '居民' in 1 row, first at line 2 "
             "(not a national code or label, and not in the mapping)\n", csv);
    CHECK_STR(r.msgs, want, "mapping: a value the mapping does not cover");
    nb_mapping_free(&m);
}

static long verify_packs(void);

/* nb_remap: the records a mapping coded, coded again with a corrected one from the values
 * they kept; all or nothing. */
static void remap_diag(void *ud, const nb_diag *d)
{
    nb_buf *b = ud;
    char line[1024];
    nb_diag_format(d, line, sizeof line);
    nb_buf_adds(b, line);
    nb_buf_adds(b, "\n");
}

static void test_remap(void)
{
    char err[512] = "", want[1024];
    nb_mapping m, m2;
    nb_mapping_init(&m);
    nb_mapping_init(&m2);
    nb_mapping_value(&m, "request", "applicant", "群众", "person", err, sizeof err);
    nb_mapping_value(&m, "request", "outcome", "不掌握", "4.1", err, sizeof err);
    nb_mapping_value(&m2, "request", "applicant", "群众", "business", err, sizeof err);
    nb_mapping_value(&m2, "request", "outcome", "不掌握", "4.2", err, sizeof err);
    const char *csv = write_file("remap.csv",
        "编号,收到日期,申请人类型,办结日期,办理结果\n"
        "Q1,2020-05-01,群众,2020-05-09,不掌握\n"
        "Q2,2020-05-02,自然人,2020-05-03,1\n"
        "Q3,2020-05-03,群众,,\n");
    result r = run("request", csv, "重编区", 0, &m, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 3, "remap: imported with the first mapping");
    const char *codes = "SELECT r.id, a.code, ifnull(o.code, '') FROM records_request r JOIN body b "
                        "ON b.id = r.body JOIN dict a ON a.id = r.applicant LEFT JOIN dict o ON "
                        "o.id = r.outcome WHERE b.name = '重编区' ORDER BY r.id";
    CHECK_STR(sql_rows(codes), "Q1|person|4.1\nQ2|person|1\nQ3|person|\n", "remap: the first codes");
    const char *raws = "SELECT group_concat(raw, ',') FROM request WHERE id LIKE 'Q%'";
    char raw_before[256];
    snprintf(raw_before, sizeof raw_before, "%s", sql_rows(raws));

    nb_buf msgs = {0};
    nb_remap_stats st;
    nb_remap_opts o = {.body = "重编区", .map = &m2, .dry_run = 1, .diag = remap_diag, .diag_ud = &msgs};
    CHECK(nb_remap(store, &o, &st, err, sizeof err) == NB_OK && st.records == 3 && st.changed == 2,
          "remap: a dry run counts the two records the mapping changes");
    CHECK_STR(sql_rows(codes), "Q1|person|4.1\nQ2|person|1\nQ3|person|\n", "remap: a dry run writes nothing");
    o.dry_run = 0;
    CHECK(nb_remap(store, &o, &st, err, sizeof err) == NB_OK && st.changed == 2 && !msgs.len,
          "remap: the corrected mapping changes two records");
    CHECK_STR(sql_rows(codes), "Q1|business|4.2\nQ2|person|1\nQ3|business|\n",
              "remap: their local values coded again, the national ones as they were");
    CHECK_STR(sql_rows(raws), raw_before, "remap: the values they kept are the same");
    CHECK(verify_packs() == 0, "remap: the parts and digests agree with the rows");
    CHECK(nb_remap(store, &o, &st, err, sizeof err) == NB_OK && st.changed == 0,
          "remap: again, nothing changes");

    /* without a mapping: the local values are unknown, every record stays */
    o.map = NULL;
    CHECK(nb_remap(store, &o, &st, err, sizeof err) == NB_ERR_INPUT && st.refused == 2,
          "remap: without the mapping two records are refused");
    snprintf(want, sizeof want,
             "%s:2: field 'applicant': unknown value '群众' in 2 rows, first at line 2 (not a "
             "national code or label; map it with --map)\n"
             "%s:2: field 'outcome': unknown value '不掌握' in 1 row, first at line 2 (not a "
             "national code or label; map it with --map)\n", csv, csv);
    CHECK_STR(msgs.data ? msgs.data : "", want, "remap: each value refused named with its file and line");
    CHECK_STR(err, "重编区: 2 records refused with the mapping: nothing changed", "remap: the summary");
    CHECK_STR(sql_rows(codes), "Q1|business|4.2\nQ2|person|1\nQ3|business|\n", "remap: refused, nothing changed");
    nb_buf_free(&msgs);

    o.body = "无此机关";
    CHECK(nb_remap(store, &o, &st, err, sizeof err) != NB_OK, "remap: an unknown body refused");
    nb_mapping_free(&m);
    nb_mapping_free(&m2);
}

static void test_other_kinds(void)
{
    const char *csv = write_file("docs.csv",
        "编号,类型,制发日期,公开日期,废止日期,标题\n"
        "G1,规章,2020-01-01,2020-01-05,,关于“放管服”的规定\n"
        "G2,normative,2020-02-01,,2020-12-31,\"含,逗号\"\n");
    result r = run("document", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 2, "document: imported");
    CHECK_STR(sql_rows("SELECT id, made, published, repealed, title FROM records_document ORDER BY id"),
              "G1|20200101|20200105|NULL|关于“放管服”的规定\nG2|20200201|NULL|20201231|含,逗号\n",
              "document: dates and titles");

    csv = write_file("charges.csv", "日期,金额,项目\n2020-03-01,\"1,234.50\",工本费\n2020-03-02,12元,\n");
    r = run("charge", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 2, "charge: imported without ids");
    CHECK_STR(sql_rows("SELECT substr(id, length(id) - 12), amount FROM records_charge ORDER BY rid"),
              "charges.csv:2|123450\ncharges.csv:3|1200\n", "charge: money in 分, FILE:LINE ids");
    csv = write_file("charges3.csv", "日期,金额\n2020-03-01,1.234\n");
    r = run("charge", csv, "沈河区", 0, NULL, 0);
    char want[512];
    snprintf(want, sizeof want, "%s:2: field 'amount': more than two decimals (1.234)\n", csv);
    CHECK_STR(r.msgs, want, "charge: three decimals refused");

    csv = write_file("decisions.csv", "类型,日期,数量\n行政许可,2020-03-01,\n行政处罚,2020-03-01,\"1,200\"\n");
    r = run("decision", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK, "decision: imported");
    CHECK_STR(sql_rows("SELECT count FROM records_decision ORDER BY rid"), "1\n1200\n",
              "decision: count defaults to 1");

    /* A number in a CSV date field is not an Excel serial. */
    csv = write_file("serial.csv", "日期,金额\n43831,1\n");
    r = run("charge", csv, "沈河区", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:2: field 'date': not a date (43831)\n", csv);
    CHECK_STR(r.msgs, want, "csv: a serial number is not a date");
}

/* An XLSX file with a real date cell (a serial number with a date format). */
static void test_xlsx(void)
{
    const char *path = path_of("requests.xlsx");
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "申请");
    lxw_format *df = workbook_add_format(wb);
    format_set_num_format(df, "yyyy-mm-dd");
    const char *head[] = {"编号", "收到日期", "申请人类型", "办结日期", "办理结果"};
    for (int c = 0; c < 5; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], NULL);
    lxw_datetime d1 = {2020, 1, 1, 0, 0, 0}, d2 = {2020, 2, 29, 0, 0, 0};
    worksheet_write_string(ws, 1, 0, "X1", NULL);
    worksheet_write_datetime(ws, 1, 1, &d1, df);
    worksheet_write_string(ws, 1, 2, "自然人", NULL);
    worksheet_write_datetime(ws, 1, 3, &d2, df);
    worksheet_write_number(ws, 1, 4, 1, NULL);
    worksheet_write_string(ws, 2, 0, "X2", NULL);
    worksheet_write_string(ws, 2, 1, "2020-03-01", NULL);
    worksheet_write_string(ws, 2, 2, "business", NULL);
    CHECK(workbook_close(wb) == LXW_NO_ERROR, "xlsx: written");
    result r = run("request", path, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 2, "xlsx: imported");
    CHECK_STR(sql_rows("SELECT r.id, r.received, r.closed, o.code FROM records_request r LEFT JOIN dict o "
                       "ON o.id = r.outcome WHERE r.id LIKE 'X%' ORDER BY r.id"),
              "X1|20200101|20200229|1\nX2|20200301|NULL|NULL\n",
              "xlsx: date cells, text dates and a numeric outcome");
    CHECK_STR(sql_rows("SELECT id, raw FROM request WHERE id LIKE 'X%' ORDER BY id"),
              "X1|\nX2|\n", "xlsx: date cells (day numbers) and codes: nothing to keep");
    CHECK_STR(sql_rows("SELECT encoding FROM source ORDER BY id DESC LIMIT 1"), "XLSX\n",
              "xlsx: encoding recorded");
}

static void test_text(void)
{
    char err[512] = "";
    const char *md = write_file("沈河区2020.md", "\xef\xbb\xbf## 一、总体情况\n正文\n");
    CHECK(nb_import_text(store, md, "沈河区", NULL, 0, 1, NULL, NULL, err, sizeof err) == NB_OK &&
              sql_int("SELECT count(*) FROM text") == 0,
          "text: dry run writes nothing");
    CHECK(nb_import_text(store, md, "沈河区", NULL, 0, 0, NULL, NULL, err, sizeof err) == NB_OK,
          "text: year from the file name");
    CHECK_STR(sql_rows("SELECT year, markdown FROM text"), "2020|## 一、总体情况\n正文\n\n",
              "text: stored without the BOM");
    const char *noyear = write_file("正文.md", "x\n");
    char want[512];
    CHECK(nb_import_text(store, noyear, "沈河区", NULL, 0, 0, NULL, NULL, err, sizeof err) == NB_ERR_INPUT,
          "text: no year refused");
    snprintf(want, sizeof want, "%s: give the year with --year (none in the file name)", noyear);
    CHECK_STR(err, want, "text: no year message");
    CHECK(nb_import_text(store, noyear, "沈河区", NULL, 2021, 0, NULL, NULL, err, sizeof err) == NB_OK &&
              sql_int("SELECT count(*) FROM text") == 2,
          "text: year given");
}

/* nb_record_insert: one record by name/value pairs, the importer's rules. */
static void test_record_insert(void)
{
    char err[512] = "";
    int inserted = -1;
    const char *names[] = {"id", "received", "applicant", "closed", "outcome"};
    const char *ok[] = {"L1", "2020-06-01", "自然人", "", ""};
    nb_err rc = nb_record_insert(store, "request", "沈河区", names, ok, 5, "s.lua:3", &inserted,
                                 err, sizeof err);
    CHECK(rc == NB_OK && inserted == 1, "insert: new record");
    const char *upd[] = {"L1", "2020-06-01", "自然人", "2020-06-02", "1"};
    rc = nb_record_insert(store, "request", "沈河区", names, upd, 5, "s.lua:4", &inserted, err,
                          sizeof err);
    CHECK(rc == NB_OK && inserted == 0, "insert: same id updates");
    CHECK(sql_int("SELECT closed FROM records_request WHERE id = 'L1'") == 20200602, "insert: new value");
    char before[256];
    snprintf(before, sizeof before, "%s", snapshot());
    const char *bad[] = {"L2", "2020-06-05", "自然人", "2020-06-01", "1"};
    rc = nb_record_insert(store, "request", "新机关", names, bad, 5, "s.lua:9", &inserted, err,
                          sizeof err);
    CHECK(rc == NB_ERR_INPUT, "insert: bad record refused");
    CHECK_STR(err, "s.lua:9: field 'closed': before received 2020-06-05 (2020-06-01)",
              "insert: the importer's message at the script's line");
    const char *unk[] = {"L2", "2020-06-05", "火星人", "", ""};
    nb_record_insert(store, "request", "沈河区", names, unk, 5, "s.lua:10", &inserted, err,
                     sizeof err);
    CHECK_STR(err, "s.lua:10: field 'applicant': unknown value '火星人' (not a national code or label)",
              "insert: unknown value message");
    CHECK_STR(snapshot(), before, "insert: refused records leave the store unchanged");
    rc = nb_record_insert(store, "nosuch", "沈河区", names, ok, 5, "s.lua:11", &inserted, err,
                          sizeof err);
    CHECK(rc == NB_ERR_INPUT, "insert: unknown kind refused");
    CHECK_STR(err, "unknown record kind 'nosuch'", "insert: unknown kind message");
}

/* Every value nb_raw_next gives of RAW under HEADER, as "name=value;". */
static const char *raw_values(const char *raw, const char *header)
{
    static char out[512];
    nb_buf name = {0}, value = {0};
    size_t pos = 0, len = 0;
    int rc;
    out[0] = '\0';
    while ((rc = nb_raw_next(raw, header, &pos, &name, &value)) == 1 && len < sizeof out)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s=%s;", name.data, value.data);
    if (rc < 0)
        snprintf(out, sizeof out, "ERR");
    nb_buf_free(&name);
    nb_buf_free(&value);
    return out;
}

static void test_raw_values(void)
{
    CHECK_STR(raw_values("", "a\037b"), "", "raw: nothing kept");
    CHECK_STR(raw_values("2\0362020/1/6\0373\036急", "编号\037收到日期\037备注"),
              "收到日期=2020/1/6;备注=急;", "raw: kept values by column");
    CHECK_STR(raw_values("1\036a\033\037b\033\033", "备注"), "备注=a\037b\033;",
              "raw: escaped separators");
    CHECK_STR(raw_values("4\036x", "a\037b"), "#4=x;", "raw: a column beyond the header");
    CHECK_STR(raw_values("2\036", "a\037次数"), "次数=;", "raw: a blank kept (a count of 1 not given)");
    /* A row stored before only differing values were kept: every column. */
    CHECK_STR(raw_values("A1\037\0372020-01-05", "编号\037申请人类型\037收到日期"),
              "编号=A1;收到日期=2020-01-05;", "raw: an old row's columns, blanks left out");

    /* Written by the importer and read back. */
    const char *csv = write_file("raw.csv", "编号,收到日期,申请人类型,备注\n"
                                            "R1,2020-01-05,自然人,a\033\037\036b\n");
    result r = run("request", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK, "raw: imported");
    char raw[256];
    snprintf(raw, sizeof raw, "%s", sql_rows("SELECT raw FROM request WHERE id = 'R1'"));
    raw[strcspn(raw, "\n")] = '\0';
    CHECK_STR(raw_values(raw, "编号\037收到日期\037申请人类型\037备注"),
              "备注=a\033\037\036b;", "raw: a text with every separator in it, back as it was");

    /* Columns 10 and beyond: their numbers have two digits. */
    csv = write_file("raw12.csv", "编号,收到日期,申请人类型,c4,c5,c6,c7,c8,c9,c10,c11,c12\n"
                                  "R12,2020/1/5,自然人,,,,,,x9,,\033,z\036z\n");
    r = run("request", csv, "沈河区", 0, NULL, 0);
    CHECK(r.rc == NB_OK, "raw: twelve columns imported");
    snprintf(raw, sizeof raw, "%s", sql_rows("SELECT raw FROM request WHERE id = 'R12'"));
    raw[strcspn(raw, "\n")] = '\0';
    CHECK_STR(raw, "2\0362020/1/5\0379\036x9\03711\036\033\033\03712\036z\033\036z",
              "raw: the columns' numbers, 9 to 12");
    CHECK_STR(raw_values(raw, "编号\037收到日期\037申请人类型\037c4\037c5\037c6\037c7\037c8\037c9"
                              "\037c10\037c11\037c12"),
              "收到日期=2020/1/5;c9=x9;c11=\033;c12=z\036z;", "raw: columns 9 to 12 back as they were");
}

/* A file of several bodies: each body's writer takes the batch INSERT the one before kept
 * (nb_store_stmt_take), with its own body and source bound. */
static void test_many_bodies(void)
{
    char err[512];
    nb_buf b = {0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型,机关\n");
    const char *bodies[] = {"甲局", "乙局", "丙局"};
    for (int i = 0; i < 3 * 600; i++)
        nb_buf_printf(&b, "MB%d,2020-0%d-01,自然人,%s\n", i, 1 + i % 9, bodies[i / 600]);
    const char *csv = write_file("many.csv", b.data);
    nb_buf_free(&b);
    nb_import_opts o = {.path = csv, .kind = "request"};
    nb_import_stats st;
    CHECK(nb_import(store, &o, &st, err, sizeof err) == NB_OK && st.inserted == 1800,
          "many bodies: 1800 rows in batches of 256, three writers");
    CHECK_STR(sql_rows("SELECT b.name, count(*), min(r.id), max(r.line) FROM request r JOIN body b "
                       "ON b.id = r.body WHERE r.id LIKE 'MB%' GROUP BY b.name ORDER BY min(r.line)"),
              "甲局|600|MB0|601\n乙局|600|MB1000|1201\n丙局|600|MB1200|1801\n",
              "many bodies: each row with its own body, in its own writer's batch");
    CHECK(sql_int("SELECT count(DISTINCT src) FROM request WHERE id LIKE 'MB%'") == 3,
          "many bodies: a source per body");
    sqlite3_stmt *kept = nb_store_stmt_take(store, nb_kind_find("request"));
    CHECK(kept != NULL, "many bodies: the batch statement is kept for the next writer");
    nb_store_stmt_give(store, nb_kind_find("request"), kept);
}

/* A file of N rows whose bodies P0..P(NBODIES-1) take turns row by row (ids P-FIRST..), P
 * the letter P, into DIR/NAME; its path. */
static const char *interleaved_from(const char *name, int first, int n, int nbodies, char p)
{
    FILE *f = csv_create(name, "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    if (!f)
        return NULL;
    for (int i = first; i < first + n; i++)
        fprintf(f, "%c-%d,2021-%02d-%02d,自然人,2021-12-31,%d,%c%d\n", p, i, 1 + i % 12,
                1 + i % 28, 1 + i % 2, p, i % nbodies);
    fclose(f);
    return path_of(name);
}

static const char *interleaved_file(const char *name, int n, int nbodies, char p)
{
    return interleaved_from(name, 0, n, nbodies, p);
}

/* Bodies new to the kind share the import's batches, whose rows mix them: each row still
 * has its own body, line and source, and a body's rids follow its lines. */
static void test_interleaved(void)
{
    char err[512];
    nb_import_opts o = {.path = interleaved_file("interleaved.csv", 3001, 7, 'I'), .kind = "request"};
    nb_import_stats st;
    CHECK(nb_import(store, &o, &st, err, sizeof err) == NB_OK && st.inserted == 3001 &&
              st.body_created == 7,
          "interleaved: 3001 rows of 7 bodies taking turns, in shared batches");
    const char *mine = "FROM request r JOIN body b ON b.id = r.body WHERE r.id LIKE 'I-%'";
    char q[512];
    snprintf(q, sizeof q, "SELECT count(*), sum(b.name = 'I' || (CAST(substr(r.id, 3) AS INTEGER) %% 7)), "
             "sum(r.line = 2 + CAST(substr(r.id, 3) AS INTEGER)), "
             "sum(r.src = (SELECT s.id FROM source s WHERE s.body = r.body)) %s", mine);
    CHECK_STR(sql_rows(q), "3001|3001|3001|3001\n",
              "interleaved: each row with its own body, line and body's source");
    CHECK(sql_int("SELECT count(*) FROM (SELECT line, lag(line) OVER (PARTITION BY body ORDER BY rid) "
                  "AS before FROM request WHERE id LIKE 'I-%') WHERE before > line") == 0,
          "interleaved: a body's rids in the order of its lines");
    CHECK(verify_packs() == 0, "interleaved: the parts and digests agree with the rows");
}

/* Rows of a body that has rows are written by the import's own thread, each taking the
 * next rid: the shared rows before them are written first (an idle helper had taken some
 * of their batches as they filled), so the rids follow the file and do not depend on when
 * the helper was idle (found by review: the rids of a file of 200,000 rows naming 100
 * bodies and one with rows differed from run to run). */
static void test_rids_in_file_order(void)
{
    char err[512];
    nb_import_stats st;
    nb_import_opts o = {.path = write_file("fo-e.csv", "编号,收到日期,申请人类型,办结日期,办理结果,机关\n"
                                                      "FE-0,2021-01-04,自然人,2021-01-20,1,FO-E\n"),
                        .kind = "request"};
    CHECK(nb_import(store, &o, &st, err, sizeof err) == NB_OK, "file order: a body with a row");
    FILE *f = csv_create("fo.csv", "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    for (int i = 1; f && i <= 6001; i++) /* 280 KB: its batches go to an idle helper */
        fprintf(f, "%s-%d,2021-02-%02d,自然人,2021-03-01,1,%s\n", i == 4801 ? "FE" : "FA", i,
                1 + i % 28, i == 4801 ? "FO-E" : "FO-A");
    if (f)
        fclose(f);
    o.path = path_of("fo.csv");
    CHECK(nb_import(store, &o, &st, err, sizeof err) == NB_OK && st.inserted == 6001,
          "file order: 4,800 rows of a new body, one of the body with rows, 1,200 more");
    CHECK(sql_int("SELECT count(*) FROM (SELECT line, lag(line) OVER (ORDER BY rid) AS before "
                  "FROM request WHERE id GLOB 'F[AE]-*' AND id <> 'FE-0') WHERE before > line") == 0 &&
              sql_int("SELECT count(*) FROM request WHERE id GLOB 'F[AE]-*' AND id <> 'FE-0'") == 6001,
          "file order: every row's rid in the order of its line (the body with rows' too)");
    CHECK(verify_packs() == 0, "file order: the parts and digests agree with the rows");
}

/* A re-import naming 40 bodies in turn: each body's rows read ahead by the body's own
 * reads, the statements shared and none left open between rows: every row found, none
 * twice. */
static void test_many_walks(void)
{
    char err[512];
    nb_import_opts o = {.path = interleaved_file("walks.csv", 2000, 40, 'N'), .kind = "request"};
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.inserted == 2000, "many walks: 2,000 rows of 40 bodies");
    nb_buf f = {0};
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    for (int i = 0; i < 2000; i++) /* the outcome changed */
        nb_buf_printf(&f, "N-%d,2021-%02d-%02d,自然人,2021-12-31,%d,N%d\n", i, 1 + i % 12,
                      1 + i % 28, 2 - i % 2, i % 40);
    o.path = write_file("walks2.csv", f.data);
    nb_buf_free(&f);
    rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.updated == 2000 && st.inserted == 0, "many walks: each row found again");
    CHECK_STR(sql_rows("SELECT count(*), count(DISTINCT r.id), sum(r.line = 2 + CAST(substr(r.id, 3) AS INTEGER)) "
                       "FROM request r JOIN body b ON b.id = r.body WHERE r.id LIKE 'N-%' AND b.name LIKE 'N%'"),
              "2000|2000|2000\n", "many walks: 2,000 rows, none twice, each at its line");
    CHECK(verify_packs() == 0, "many walks: the parts and digests agree with the rows");
}

/* The packed parts of a transaction that buffers more records than its bound are written
 * short and merged at commit: full parts, agreeing with the rows (here a bound of 1,000
 * records: 20,000 rows of 2 bodies spill twenty times). */
static void test_spill(void)
{
    char err[512];
    long was = nb_pack_bound(1000);
    nb_import_opts o = {.path = interleaved_file("spill.csv", 20000, 2, 'S'), .kind = "request"};
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    nb_pack_bound(was);
    CHECK(rc == NB_OK && st.inserted == 20000, "spill: 20,000 rows of 2 bodies taking turns");
    CHECK_STR(sql_rows("SELECT b.name, group_concat(p.n, ' ') FROM pack p JOIN body b ON b.id = p.body "
                       "WHERE b.name IN ('S0', 'S1') GROUP BY b.name ORDER BY b.name"),
              "S0|8192 1808\nS1|8192 1808\n", "spill: each body's parts full but its last");
    CHECK(verify_packs() == 0, "spill: the parts and digests agree with the rows");
    /* again, into the bodies: the last parts taken back, spilled at once, merged */
    nb_pack_bound(1000);
    o.path = interleaved_from("spill2.csv", 20000, 16000, 2, 'S');
    rc = nb_import(store, &o, &st, err, sizeof err);
    nb_pack_bound(was);
    CHECK(rc == NB_OK && st.inserted == 16000, "spill: 16,000 rows more");
    CHECK_STR(sql_rows("SELECT b.name, group_concat(p.n, ' ') FROM pack p JOIN body b ON b.id = p.body "
                       "WHERE b.name IN ('S0', 'S1') GROUP BY b.name ORDER BY b.name"),
              "S0|8192 8192 1616\nS1|8192 8192 1616\n", "spill: again, the parts full but the last");
    CHECK(verify_packs() == 0, "spill: again, the parts and digests agree with the rows");
    /* rows added after a changed one (its body's parts made again from the rows at commit):
       their records let go of at the spill, the other body's merged */
    nb_buf f = {0};
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    nb_buf_adds(&f, "S-5,2021-06-06,自然人,2021-12-31,2,S1\n");
    for (int i = 40000; i < 44000; i++)
        nb_buf_printf(&f, "S-%d,2021-03-03,自然人,2021-12-31,1,S%d\n", i, i % 2);
    o.path = write_file("spill3.csv", f.data);
    nb_buf_free(&f);
    nb_pack_bound(1000);
    rc = nb_import(store, &o, &st, err, sizeof err);
    nb_pack_bound(was);
    CHECK(rc == NB_OK && st.inserted == 4000 && st.updated == 1, "spill: a changed row, 4,000 more");
    CHECK_STR(sql_rows("SELECT b.name, group_concat(p.n, ' ') FROM pack p JOIN body b ON b.id = p.body "
                       "WHERE b.name IN ('S0', 'S1') GROUP BY b.name ORDER BY b.name"),
              "S0|8192 8192 3616\nS1|8192 8192 3616\n", "spill: a changed row: the parts full but the last");
    CHECK(verify_packs() == 0, "spill: a changed row: the parts and digests agree with the rows");
    /* a body's last part taken back with rows added to it, then one of its records changed
       (the parts made again from the rows from there), then a spill: they are made again
       from the part's first record */
    o.path = interleaved_from("spillV.csv", 0, 500, 1, 'V');
    rc = nb_import(store, &o, &st, err, sizeof err);
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    for (int i = 500; i < 600; i++)
        nb_buf_printf(&f, "V-%d,2021-03-03,自然人,2021-12-31,1,V0\n", i);
    nb_buf_adds(&f, "V-300,2021-06-06,自然人,2021-12-31,2,V0\n");
    for (int i = 0; i < 2000; i++)
        nb_buf_printf(&f, "W-%d,2021-03-03,自然人,2021-12-31,1,W0\n", i);
    o.path = write_file("spillW.csv", f.data);
    nb_buf_free(&f);
    nb_pack_bound(1000);
    nb_err rc2 = nb_import(store, &o, &st, err, sizeof err);
    nb_pack_bound(was);
    CHECK(!rc && !rc2 && st.updated == 1 && st.inserted == 2100,
          "spill: 100 rows into a body of 500, one of its 500 changed, 2,000 more of another");
    CHECK(verify_packs() == 0, "spill: a last part taken back, then changed: the parts and digests agree");
}

/* The writer walks a body's rows while the ids rise, and seeks otherwise: ids
 * far on, new ones between, prefixes (W4 sorts between W39 and W40), ids out of
 * order and ids past the last must each find its own row or none. */
static void test_walk(void)
{
    nb_buf b = {0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 1; i <= 40; i++)
        nb_buf_printf(&b, "W%02d,2020-01-01,自然人\n", i);
    nb_buf_adds(&b, "W4,2020-01-01,自然人\n");
    result r = run("request", write_file("walk1.csv", b.data), "走查局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 41, "walk: 41 rows stored");
    b.len = 0;
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    const char *ids[] = {"W02", "W03", "W20", "W205", "W21", "W3", "W4",
                         "W40", "W05", "W06", "W99", "W98", "X1"};
    for (int i = 0; i < 13; i++)
        nb_buf_printf(&b, "%s,2020-02-02,企业\n", ids[i]);
    const char *walk2 = write_file("walk2.csv", b.data);
    nb_buf_free(&b);
    r = run("request", walk2, "走查局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 5 && r.st.updated == 8 && r.st.unchanged == 0,
          "walk: W205 W3 W99 W98 X1 new, the other 8 found");
    CHECK(sql_int("SELECT count(*) FROM request r JOIN body b ON b.id = r.body "
                  "WHERE b.name = '走查局'") == 46, "walk: 46 rows, none twice");
    CHECK_STR(sql_rows("SELECT group_concat(r.id || ':' || r.line, ' ') FROM (SELECT r.id, r.line "
                       "FROM request r JOIN source s ON s.id = r.src "
                       "WHERE s.path LIKE '%/walk2.csv' ORDER BY r.line) r"),
              "W02:2 W03:3 W20:4 W205:5 W21:6 W3:7 W4:8 W40:9 W05:10 W06:11 W99:12 W98:13 X1:14\n",
              "walk: each found row updated with its own line");
    r = run("request", walk2, "走查局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.unchanged == 13 && r.st.updated == 0 && r.st.inserted == 0,
          "walk: the same file again: 13 unchanged");
}

/* A file whose ids run down, imported again with a line at its top: each row moved is next
 * to the one before in rids alone, not in ids (the body's key). A run of 300 is written id
 * by id, one of 5,000 (over MOVE_BY_ID) by its rids' range: each row one line down. */
static void test_moved_down(void)
{
    for (int big = 0; big < 2; big++) {
        int n = big ? 5000 : 300;
        const char *body = big ? "降序大局" : "降序局";
        nb_buf b = {0};
        for (int pass = 0; pass < 2; pass++) {
            b.len = 0;
            nb_buf_adds(&b, pass ? "编号,收到日期,申请人类型\nMDNEW,2020-04-01,自然人\n"
                                 : "编号,收到日期,申请人类型\n");
            for (int i = n - 1; i >= 0; i--)
                nb_buf_printf(&b, "MD%04d,2020-03-%02d,自然人\n", i, 1 + i % 28);
            result r = run("request", write_file("down.csv", b.data), body, 0, NULL, 0);
            CHECK(r.rc == NB_OK && r.st.inserted == (pass ? 1 : n) && r.st.updated == (pass ? n : 0),
                  pass ? "moved down: a line added at the top: each row updated"
                       : "moved down: stored, ids running down");
        }
        nb_buf_free(&b);
        char q[512];
        snprintf(q, sizeof q, "SELECT count(*), sum(r.line = %d - CAST(substr(r.id, 3) AS INTEGER)), "
                 "count(DISTINCT r.src) FROM request r JOIN body b ON b.id = r.body "
                 "WHERE b.name = '%s' AND r.id <> 'MDNEW'", n + 2, body);
        char want[64];
        snprintf(want, sizeof want, "%d|%d|1\n", n, n);
        CHECK_STR(sql_rows(q), want, big ? "moved down: 5,000 rows one line down (their rids' range)"
                                         : "moved down: 300 rows one line down (id by id)");
    }
    CHECK(verify_packs() == 0, "moved down: the parts and digests agree with the rows");
}

/* Rows found again with their values, their lines moved (a line added at the top, blocks
 * swapped), are written in runs of rids moved by as many lines: each row ends with its own
 * line and the file's source, whatever breaks a run (a changed row, a new one, another
 * move); a run refused names its lines, and leaves every row as it was. */
static void test_moved(void)
{
    nb_buf b = {0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,自然人\n", i, 1 + i % 28);
    result r = run("request", write_file("moved.csv", b.data), "搬移局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 600, "moved: 600 rows stored");
    /* a line at the top: every row one line down, one run */
    b.len = 0;
    nb_buf_adds(&b, "编号,收到日期,申请人类型\nMVNEW,2020-04-01,自然人\n");
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,自然人\n", i, 1 + i % 28);
    r = run("request", write_file("moved.csv", b.data), "搬移局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 1 && r.st.updated == 600 && r.st.unchanged == 0,
          "moved: a line added at the top: 1 new, 600 updated");
    const char *lines = "SELECT count(*), sum(r.line = 3 + CAST(substr(r.id, 3) AS INTEGER)), "
                        "count(DISTINCT r.src), sum(r.received = 20200301 + CAST(substr(r.id, 3) AS INTEGER) % 28) "
                        "FROM request r JOIN body b ON b.id = r.body WHERE b.name = '搬移局' AND r.id <> 'MVNEW'";
    CHECK_STR(sql_rows(lines), "600|600|1|600\n", "moved: each row one line down, of the new source, its values kept");
    CHECK(verify_packs() == 0, "moved: the parts and digests agree with the rows");
    /* the two halves swapped, a changed row and a new one in the second half: runs of
       different moves, broken */
    b.len = 0;
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 300; i < 600; i++)
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,%s\n", i, 1 + i % 28, i == 450 ? "商业企业" : "自然人");
    nb_buf_adds(&b, "MVNEW,2020-04-01,自然人\n");
    for (int i = 0; i < 300; i++) {
        if (i == 100)
            nb_buf_adds(&b, "MVADD,2020-04-02,自然人\n");
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,自然人\n", i, 1 + i % 28);
    }
    const char *swapped = write_file("moved.csv", b.data);
    nb_buf_free(&b);
    r = run("request", swapped, "搬移局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 1 && r.st.updated == 601 && r.st.unchanged == 0,
          "moved: halves swapped, one row changed, one added: 601 updated, 1 new");
    CHECK_STR(sql_rows("SELECT sum(n < 300 AND r.line = n + 303 + (n >= 100)), sum(n >= 300 AND r.line = n - 298), "
                       "sum(r.applicant = (SELECT id FROM dict WHERE dict = 'applicant' AND code = 'business')), "
                       "count(DISTINCT r.src) FROM (SELECT r.*, CAST(substr(r.id, 3) AS INTEGER) n FROM records_request r "
                       "JOIN body b ON b.id = r.body WHERE b.name = '搬移局' AND r.id LIKE 'MV0%') r"),
              "300|300|1|1\n", "moved: each row at its own line, the changed one changed");
    CHECK_STR(sql_rows("SELECT r.id, r.line FROM request r JOIN body b ON b.id = r.body "
                       "WHERE b.name = '搬移局' AND r.id IN ('MVNEW', 'MVADD') ORDER BY r.line"),
              "MVNEW|302\nMVADD|403\n", "moved: the new row and the one moved alone, each at its line");
    CHECK(verify_packs() == 0, "moved: swapped: the parts and digests agree with the rows");
    CHECK(strstr(r.msgs, "note:") == NULL, "moved: every row of the body brought: no note of rows left");
    /* a row of the file's earlier import dropped, another added in its place: the note
       names it, in a dry run too (as many rows of the body as the file brought) */
    b = (nb_buf){0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 300; i < 600; i++)
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,%s\n", i, 1 + i % 28, i == 450 ? "商业企业" : "自然人");
    nb_buf_adds(&b, "MVNEW,2020-04-01,自然人\nMVONE,2020-04-03,自然人\n");
    for (int i = 0; i < 300; i++)
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,自然人\n", i, 1 + i % 28);
    const char *dropped = write_file("moved.csv", b.data);
    nb_buf_free(&b);
    const char *note = "note: 1 request record of an earlier import of this file is not in it (MVADD)";
    for (int dry = 1; dry >= 0; dry--) {
        r = run("request", dropped, "搬移局", dry, NULL, 0);
        CHECK(r.rc == NB_OK && r.st.inserted == 1 && strstr(r.msgs, note) != NULL,
              dry ? "moved: a dry run: the row left is named" : "moved: the row left is named");
    }
    CHECK(sql_int("SELECT count(*) FROM request r JOIN body b ON b.id = r.body WHERE b.name = '搬移局'") == 603,
          "moved: the row left is kept");
    /* a run refused: its lines named, nothing of the file kept */
    long long sum_before = sql_int("SELECT sum(line) FROM request");
    b = (nb_buf){0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,自然人\n", i, 1 + i % 28);
    const char *back = write_file("moved.csv", b.data);
    nb_buf_free(&b);
    sqlite3_exec(store->db, "CREATE TRIGGER moved_fail BEFORE UPDATE ON request WHEN NEW.id = 'MV0200' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    r = run("request", back, "搬移局", 0, NULL, 0);
    char want[1024];
    snprintf(want, sizeof want, "%s: lines 2 to 301: cannot store one of the rows: refused by a test trigger", back);
    check_failed(&r, want, "moved: a run refused names its first and last lines");
    CHECK(sql_int("SELECT sum(line) FROM request") == sum_before, "moved: after the refused run every line is as it was");
    sqlite3_exec(store->db, "DROP TRIGGER moved_fail", NULL, NULL, NULL);
    sqlite3_exec(store->db, "CREATE TRIGGER moved_fail BEFORE UPDATE ON request WHEN NEW.id = 'MVADD' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    b = (nb_buf){0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\nMVADD,2020-04-02,自然人\n");
    const char *one = write_file("moved.csv", b.data);
    nb_buf_free(&b);
    r = run("request", one, "搬移局", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:2: cannot store the row: refused by a test trigger", one);
    check_failed(&r, want, "moved: a row moved alone and refused names its line");
    sqlite3_exec(store->db, "DROP TRIGGER moved_fail", NULL, NULL, NULL);
    CHECK(sql_int("SELECT sum(line) FROM request") == sum_before && verify_packs() == 0,
          "moved: after the refused row every line is as it was, the parts agree");
    /* a moved row's id again further down: refused as any repeat, though its run of moves
       is not written yet when the repeat is met */
    b = (nb_buf){0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\nMVTOP,2020-04-04,自然人\n");
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, "MV%04d,2020-03-%02d,自然人\n", i, 1 + i % 28);
    nb_buf_adds(&b, "MV0500,2020-03-25,自然人\n"); /* in the last run, not written yet */
    const char *again = write_file("moved.csv", b.data);
    nb_buf_free(&b);
    r = run("request", again, "搬移局", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:603: field 'id': duplicate id, first at line 503 (MV0500)", again);
    CHECK(r.rc == NB_ERR_INPUT && r.st.refused == 1 && strstr(r.msgs, want) != NULL,
          "moved: a moved row's id repeated is refused, naming the line it moved to");
    CHECK(sql_int("SELECT sum(line) FROM request") == sum_before && verify_packs() == 0,
          "moved: the file with a repeat refused: every line as it was");
}

/* The rows of 4 bodies in turn, found again in another file: a body's rows found one after
 * the other in its ids move together (one UPDATE of a range of its ids; their rids are far
 * apart), and whatever lies between two of them in the store breaks the run: a row of the
 * store the file leaves out (moved, it would take the file's source and a line not its
 * own), a row new to the store, a changed row, a line added (the lines after it move by
 * one more). Each row of the file ends with its own line, values and the file's source,
 * each row left out as it was. */
static void test_moved_bodies(void)
{
    const char *head = "编号,收到日期,申请人类型,办结日期,办理结果,机关\n";
    nb_buf a = {0}, b = {0};
    nb_buf_adds(&a, head);
    for (int i = 0; i < 800; i++)
        nb_buf_printf(&a, "Q-%04d,2021-%02d-01,自然人,2021-12-31,%d,MB%d\n", i, 1 + i % 12,
                      1 + i % 2, i % 4);
    result r = run("request", write_file("mb1.csv", a.data), NULL, 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 800, "moved bodies: 800 rows of 4 bodies in turn");
    sqlite3_exec(store->db, "CREATE TEMP TABLE want(id TEXT PRIMARY KEY, line INTEGER, "
                 "second INTEGER, outcome TEXT)", NULL, NULL, NULL);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(store->db, "INSERT INTO temp.want VALUES(?1, ?2, ?3, ?4)", -1, &st, NULL);
    nb_buf_adds(&b, head);
    int line = 1, kept = 0, changed = 0, added = 0;
    for (int i = 0; i < 800; i++) {
        char id[32];
        int out = 1 + i % 2, leave = i % 4 == 1 && i % 20 == 5;
        snprintf(id, sizeof id, "Q-%04d", i);
        if (leave) { /* left out of the file: as it was */
            kept++;
        } else {
            if (i % 13 == 0)
                out = 3 - out, changed++;
            nb_buf_printf(&b, "%s,2021-%02d-01,自然人,2021-12-31,%d,MB%d\n", id, 1 + i % 12, out,
                          i % 4);
            line++;
        }
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, leave ? i + 2 : line);
        sqlite3_bind_int(st, 3, !leave);
        sqlite3_bind_int(st, 4, out);
        sqlite3_step(st);
        sqlite3_reset(st);
        if (i % 50 == 7 || i == 400) { /* a row new to the store, next in ids to this one */
            snprintf(id, sizeof id, "Q-%04d-n", i);
            nb_buf_printf(&b, "%s,2021-05-05,自然人,2021-12-31,1,MB%d\n", id, i % 4);
            line++, added++;
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(st, 2, line);
            sqlite3_bind_int(st, 3, 1);
            sqlite3_bind_int(st, 4, 1);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
    }
    sqlite3_finalize(st);
    r = run("request", write_file("mb2.csv", b.data), NULL, 0, NULL, 0);
    char want[64];
    snprintf(want, sizeof want, "%ld|%ld|%ld", (long)r.st.inserted, (long)r.st.updated,
             (long)r.st.unchanged);
    char got[64];
    snprintf(got, sizeof got, "%d|%d|0", added, 800 - kept);
    CHECK(r.rc == NB_OK && strcmp(want, got) == 0,
          "moved bodies: the other file: its new rows inserted, every other row updated");
    char q[64];
    snprintf(q, sizeof q, "%d|%d|%d|%d|%d\n", 800 + added, 800 + added, 800 + added, 800 + added,
             changed);
    CHECK_STR(sql_rows("SELECT count(*), sum(r.line = w.line), "
                       "sum((s.path LIKE '%/mb2.csv') = w.second AND s.body = r.body), "
                       "sum(d.code = w.outcome), "
                       "sum(r.id NOT LIKE '%-n' AND w.outcome <> 1 + CAST(substr(r.id, 3, 4) AS INTEGER) % 2) "
                       "FROM request r JOIN temp.want w ON w.id = r.id JOIN source s ON s.id = r.src "
                       "JOIN dict d ON d.id = r.outcome"),
              q, "moved bodies: each row at its line, of its file's source, with its values");
    CHECK(kept > 0 && changed > 0, "moved bodies: rows left out, rows changed");
    CHECK(verify_packs() == 0, "moved bodies: the parts and digests agree with the rows");
    sqlite3_exec(store->db, "DROP TABLE temp.want", NULL, NULL, NULL);
    nb_buf_free(&a);
    nb_buf_free(&b);
}

/* The statements that write found rows (sqlite3_trace_v2): a run of moved rows, or a row
 * by itself. */
static int runs_run, rows_run;

static int count_row_writes(unsigned type, void *ud, void *p, void *x)
{
    (void)type, (void)ud, (void)x;
    const char *sql = sqlite3_sql(p);
    if (sql && strncmp(sql, "UPDATE OR FAIL request SET src = ?1, line = line + ?2", 53) == 0)
        runs_run++;
    else if (sql && strncmp(sql, "UPDATE OR FAIL request SET src = ", 33) == 0)
        rows_run++;
    return 0;
}

/* The parts and digests against the rows (nb_pack_verify, nb_digest_verify): 0 when they
 * agree, the count of those that do not, -1 when they cannot be read. */
static long verify_narrow(void)
{
    long bad = -1, bad2 = -1;
    char why[256], err[256];
    if (nb_pack_verify(store, &bad, why, sizeof why, err, sizeof err) ||
        nb_digest_verify(store, &bad2, why, sizeof why, err, sizeof err))
        return -1;
    if (bad + bad2)
        printf("# verify: %ld bad parts, %ld bad digests: %s\n", bad, bad2, why);
    return bad + bad2;
}

/* Rows found again from another file with only coded values changed (their row's columns,
 * the source and line aside, the same: the packed parts alone hold the coded values) join
 * the run of moved rows, their records changed in their parts once the run is written
 * (a run holds at most 64 such rows): five statements for the body's 600 rows, none by
 * itself, in a store whose rows do not hold the coded values (NARROW, as every store the
 * command line makes); in one whose rows do, each is written by itself. A row whose raw
 * values changed is written by itself. A run refused with changed rows in it leaves every
 * record and part as it was, and names its lines; so does a record inserted and refused
 * inside a transaction that goes on. */
static void test_changed_in_run(int narrow)
{
    nb_store *wide = store;
    char err[256];
    if (narrow && nb_store_open(path_of("narrow.db"), 1, &store, err, sizeof err) != NB_OK) {
        printf("not ok - changed in a run: cannot create the store: %s\n", err);
        store = wide;
        return;
    }
    const char *name = narrow ? "changed in a run (narrow)" : "changed in a run (wide)";
    char what[256];
#define WHAT(s) (snprintf(what, sizeof what, "%s: %s", name, s), what)
#define VERIFY() (narrow ? verify_narrow() : verify_packs())
    const char *head = "编号,收到日期,申请人类型,办结日期,办理结果\n";
    nb_buf b = {0};
    nb_buf_adds(&b, head);
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, "CR%04d,2020-03-%02d,自然人,2020-04-01,1\n", i, 1 + i % 28);
    result r = run("request", write_file("cr1.csv", b.data), "改值局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 600, WHAT("600 rows stored"));
    /* another file: every third row's applicant and outcome changed (200); row 7's date
       written another way (the same day: its raw values change) */
    b.len = 0;
    nb_buf_adds(&b, head);
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, i == 7 ? "CR%04d,2020/3/%d,%s,2020-04-01,%d\n" : "CR%04d,2020-03-%02d,%s,2020-04-01,%d\n",
                      i, 1 + i % 28, i % 3 == 0 ? "商业企业" : "自然人", i % 3 == 0 ? 2 : 1);
    runs_run = rows_run = 0;
    sqlite3_trace_v2(store->db, SQLITE_TRACE_STMT, count_row_writes, NULL);
    r = run("request", write_file("cr2.csv", b.data), "改值局", 0, NULL, 0);
    sqlite3_trace_v2(store->db, 0, NULL, NULL);
    CHECK(r.rc == NB_OK && r.st.updated == 600 && r.st.unchanged == 0,
          WHAT("from another file, every row updated"));
    CHECK(rows_run == (narrow ? 1 : 201),
          WHAT(narrow ? "the row whose raw values changed written by itself, the 200 changed in coded values alone not"
                      : "the row whose raw values changed written by itself, and the 200 changed in coded values"));
    if (rows_run != (narrow ? 1 : 201))
        printf("# %d rows written by themselves\n", rows_run);
    /* narrow: rows 0-6; 8-200, 201-392 and 393-584, each ended by a 65th changed row;
       585-599 */
    CHECK(narrow ? runs_run == 5 : runs_run > 5, WHAT(narrow ? "the rest in five runs: row 7 and every 64 changed rows end one"
                                                              : "the rest in runs broken by each"));
    if (narrow && runs_run != 5)
        printf("# %d runs\n", runs_run);
    const char *values = "SELECT count(*), sum(r.line = 2 + CAST(substr(r.id, 3) AS INTEGER)), "
                         "sum(s.path LIKE '%/cr2.csv'), "
                         "sum(a.code = (CASE WHEN CAST(substr(r.id, 3) AS INTEGER) % 3 = 0 THEN 'business' ELSE 'person' END)), "
                         "sum(o.code = (CASE WHEN CAST(substr(r.id, 3) AS INTEGER) % 3 = 0 THEN '2' ELSE '1' END)), "
                         "sum(r.received = 20200301 + CAST(substr(r.id, 3) AS INTEGER) % 28) "
                         "FROM records_request r JOIN body b ON b.id = r.body JOIN source s ON s.id = r.src "
                         "JOIN dict a ON a.id = r.applicant JOIN dict o ON o.id = r.outcome "
                         "WHERE b.name = '改值局'";
    CHECK_STR(sql_rows(values), "600|600|600|600|600|600\n",
              WHAT("each row at its line, of the new file, with its new values"));
    CHECK_STR(sql_rows("SELECT replace(replace(raw, char(31), '|'), char(30), '=') FROM request "
                       "WHERE id = 'CR0007'"),
              "2=2020/3/8\n", WHAT("the row written by itself keeps its new raw values"));
    CHECK(VERIFY() == 0, WHAT("the parts and digests agree with the rows"));
    /* the first file again, the run refused at its last row: nothing changed */
    char *before = strdup(sql_rows(values));
    sqlite3_exec(store->db, "CREATE TRIGGER cr_fail BEFORE UPDATE ON request WHEN NEW.id = 'CR0599' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    b.len = 0;
    nb_buf_adds(&b, head);
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, "CR%04d,2020-03-%02d,自然人,2020-04-01,1\n", i, 1 + i % 28);
    const char *back = write_file("cr3.csv", b.data);
    nb_buf_free(&b);
    r = run("request", back, "改值局", 0, NULL, 0);
    sqlite3_exec(store->db, "DROP TRIGGER cr_fail", NULL, NULL, NULL);
    char want[1024];
    snprintf(want, sizeof want, "%s: lines 587 to 601: cannot store one of the rows: refused by a test trigger", back);
    CHECK(r.rc == NB_ERR_SQL && (narrow ? strcmp(r.err, want) == 0 : strstr(r.err, "refused by a test trigger") != NULL),
          WHAT("a run with changed rows refused, naming its lines"));
    if (narrow && strcmp(r.err, want) != 0)
        printf("# %s\n", r.err);
    CHECK_STR(sql_rows(values), before, WHAT("refused: every record as it was"));
    CHECK(VERIFY() == 0, WHAT("refused: the parts and digests agree with the rows"));
    /* a record inserted with a coded value changed, refused, inside a transaction that
       goes on and commits: the record as it was */
    const char *names[] = {"id", "received", "applicant", "closed", "outcome"};
    const char *v[] = {"CR0003", "2020-03-04", "科研机构", "2020-04-01", "1"};
    sqlite3_exec(store->db, "CREATE TRIGGER cr_fail BEFORE UPDATE ON request WHEN NEW.id = 'CR0003' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    int ins = -1;
    nb_err rc = nb_store_begin(store, err, sizeof err);
    nb_err irc = rc ? rc : nb_record_insert(store, "request", "改值局", names, v, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    sqlite3_exec(store->db, "DROP TRIGGER cr_fail", NULL, NULL, NULL);
    CHECK(rc == NB_OK && irc == NB_ERR_SQL, WHAT("an insert refused inside a transaction that commits"));
    CHECK_STR(sql_rows(values), before, WHAT("the insert refused: every record as it was"));
    free(before);
    CHECK(VERIFY() == 0, WHAT("the insert refused: the parts and digests agree with the rows"));
    /* and taken: the changed rows back */
    r = run("request", back, "改值局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.updated == 600, WHAT("the first values again, every row updated"));
    CHECK(sql_int("SELECT count(*) FROM records_request r JOIN dict a ON a.id = r.applicant "
                  "WHERE r.id LIKE 'CR%' AND a.code = 'person'") == 600 && VERIFY() == 0,
          WHAT("the first values again, the parts agree"));
#undef WHAT
#undef VERIFY
    if (narrow) {
        nb_store_close(store);
        store = wide;
    }
}

/* A body's rows found again far apart in its ids, from another file: the rows between are
 * passed by reading on, or by a read from the id asked for when many (more than 32); no run
 * of moves spans them, and they stay as they were. */
static void test_far_on(void)
{
    const char *head = "编号,收到日期,申请人类型\n";
    nb_buf b = {0};
    nb_buf_adds(&b, head);
    for (int i = 0; i < 300; i++)
        nb_buf_printf(&b, "F%03d,2020-06-%02d,自然人\n", i, 1 + i % 28);
    result r = run("request", write_file("far1.csv", b.data), "远局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 300, "far on: 300 rows stored");
    b.len = 0;
    nb_buf_adds(&b, head);
    static const int pick[][2] = {{0, 10}, {12, 14}, {100, 110}, {250, 251}};
    int n = 0;
    for (size_t k = 0; k < sizeof pick / sizeof pick[0]; k++)
        for (int i = pick[k][0]; i < pick[k][1]; i++, n++)
            nb_buf_printf(&b, "F%03d,2020-06-%02d,自然人\n", i, 1 + i % 28);
    nb_buf_adds(&b, "F300,2020-07-01,自然人\n");
    r = run("request", write_file("far2.csv", b.data), "远局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.updated == n && r.st.inserted == 1, "far on: 23 rows found, 1 new");
    CHECK_STR(sql_rows("SELECT sum(s.path LIKE '%/far2.csv'), "
                       "sum(s.path LIKE '%/far1.csv' AND r.line = 2 + CAST(substr(r.id, 2) AS INTEGER)), "
                       "group_concat(CASE WHEN s.path LIKE '%/far2.csv' THEN r.id || ':' || r.line END, ' ') "
                       "FROM (SELECT * FROM request ORDER BY id) r JOIN source s ON s.id = r.src "
                       "JOIN body y ON y.id = r.body WHERE y.name = '远局'"),
              "24|277|F000:2 F001:3 F002:4 F003:5 F004:6 F005:7 F006:8 F007:9 F008:10 F009:11 "
              "F012:12 F013:13 F100:14 F101:15 F102:16 F103:17 F104:18 F105:19 F106:20 F107:21 "
              "F108:22 F109:23 F250:24 F300:25\n",
              "far on: the rows of the file at their lines, the rows between as they were");
    CHECK(verify_packs() == 0, "far on: the parts and digests agree with the rows");
    nb_buf_free(&b);
}

/* While a large import writes (a bulk write, through the rollback journal), another
 * process cannot: the import keeps its lock on the store from its first row to its commit
 * (closing any descriptor of the file would drop it). Its own store: a lock lost here lets
 * the other process roll the journal back under it. */
typedef struct {
    const char *db;
    int tries, refused;
} lock_probe;

static void probe_lock(void *ud, long rows)
{
    lock_probe *p = ud;
    char cmd[600];
    (void)rows;
    snprintf(cmd, sizeof cmd, "sqlite3 -cmd '.timeout 0' '%s' 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1",
             p->db);
    p->tries++;
    p->refused += system(cmd) != 0;
}

static void test_lock_held(void)
{
    char err[512];
    nb_store *s = NULL;
    lock_probe p = {path_of("locked.db"), 0, 0};
    if (nb_store_open(p.db, 1, &s, err, sizeof err) != NB_OK) {
        CHECK(0, "lock held: the store is made");
        return;
    }
    const char *path = path_of("locked.csv");
    FILE *f = fopen(path, "w");
    fputs("编号,收到日期,申请人类型,办结日期,办理结果\n", f);
    for (int i = 0; i < 250000; i++)
        fprintf(f, "L%07d,2020-01-%02d,自然人,2020-02-%02d,1\n", i, 1 + i % 28, 1 + i % 28);
    fclose(f);
    nb_import_opts o = {.path = path, .kind = "request", .body = "锁局", .progress = probe_lock,
                        .progress_ud = &p};
    nb_import_stats st;
    nb_err rc = nb_import(s, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.inserted == 250000, "lock held: a file of 250,000 rows imported");
    CHECK(p.tries == 2 && p.refused == 2, "lock held: another process cannot write while the import runs");
    CHECK(sql_int("SELECT 1") == 1 && nb_store_exec(s, "PRAGMA integrity_check", err, sizeof err) == NB_OK,
          "lock held: the store is whole");
    nb_store_close(s);
}

/* The store's own file given as the records: refused before it is opened (opening and
 * closing it would drop the process's locks on the store), the store as it was. */
static void test_store_itself(void)
{
    long long before = sql_int("SELECT count(*) FROM request");
    result r = run("request", path_of("import.db"), "自身局", 0, NULL, 0);
    char want[512];
    snprintf(want, sizeof want, "%s: this is the store itself (or its journal), not a file of records",
             path_of("import.db"));
    CHECK(r.rc == NB_ERR_INPUT && strcmp(r.err, want) == 0, "the store itself: refused, named");
    CHECK(sql_int("SELECT count(*) FROM request") == before, "the store itself: nothing written");
}

/* A seek for a new id that stops on a row whose move is not written yet: a repeat of that
 * row's id later is refused all the same (the walk read the row before its move). */
static void test_moved_seek(void)
{
    const char *head = "编号,收到日期,申请人类型,办结日期,办理结果\n";
    nb_buf b = {0};
    nb_buf_printf(&b, "%s5,2020-01-05,自然人,2020-01-10,1\n", head);
    result r = run("request", write_file("seek.csv", b.data), "寻址局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 1, "moved seek: one row stored");
    b.len = 0;
    nb_buf_printf(&b, "%s\n5,2020-01-05,自然人,2020-01-10,1\n10,2020-01-04,自然人,2020-01-10,1\n"
                  "5,2020-03-05,自然人,2020-03-10,2\n", head);
    const char *path = write_file("seek.csv", b.data);
    r = run("request", path, "寻址局", 0, NULL, 0);
    char want[512];
    snprintf(want, sizeof want, "%s:5: field 'id': duplicate id, first at line 3 (5)", path);
    CHECK(r.rc == NB_ERR_INPUT && r.st.refused == 1 && strstr(r.msgs, want) != NULL,
          "moved seek: a repeat of the moved row, other values: refused");
    b.len = 0;
    nb_buf_printf(&b, "%s\n5,2020-01-05,自然人,2020-01-10,1\n10,2020-01-04,自然人,2020-01-10,1\n"
                  "5,2020-01-05,自然人,2020-01-10,1\n", head);
    path = write_file("seek.csv", b.data);
    r = run("request", path, "寻址局", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:5: field 'id': duplicate id, first at line 3 (5)", path);
    CHECK(r.rc == NB_ERR_INPUT && r.st.refused == 1 && strstr(r.msgs, want) != NULL,
          "moved seek: a repeat of the moved row, same values: refused");
    CHECK_STR(sql_rows("SELECT r.id, r.line, r.received FROM records_request r JOIN body b ON b.id = r.body "
                       "WHERE b.name = '寻址局'"),
              "5|2|20200105\n", "moved seek: the stored row as it was");
    nb_buf_free(&b);
}

/* Ids in no order: each is new (the filter of ids met says so, no lookup), and a
 * repeat far from its first is still found, with its first line. */
static void test_shuffled(void)
{
    nb_buf b = {0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (unsigned i = 0; i < 3000; i++) /* a permutation of 0..2999: 1237 is prime to 3000 */
        nb_buf_printf(&b, "S%u,2020-01-01,自然人\n", (i * 1237 + 11) % 3000);
    result r = run("request", write_file("shuf1.csv", b.data), "乱序局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 3000, "shuffled: 3000 ids in no order, all new");
    /* the first id again, at the end */
    unsigned x = 11;
    nb_buf_printf(&b, "S%u,2020-01-02,企业\n", x);
    r = run("request", write_file("shuf2.csv", b.data), "乱序局二", 0, NULL, 0);
    char want[128];
    snprintf(want, sizeof want, "duplicate id, first at line 2 (S%u)", x);
    CHECK(r.rc == NB_ERR_INPUT && r.st.refused == 1 && strstr(r.msgs, want) != NULL,
          "shuffled: a repeat 3000 rows after its first is refused, naming line 2");
    /* A crowded filter: its size follows the file's (about 8 bits for 32 bytes), so
       100,000 short rows give it about 10 bits an id, and it answers "maybe" for
       about one id in a hundred that it never met: each is looked up, and is new. */
    b.len = 0;
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (unsigned i = 0; i < 100000; i++) /* 7919 is prime to 100000 */
        nb_buf_printf(&b, "S%u,2020-01-01,自然人\n", (i * 7919 + 3) % 100000);
    r = run("request", write_file("shuf3.csv", b.data), "乱序局三", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 100000 && r.st.refused == 0,
          "shuffled: 100,000 ids through a crowded filter, all new");
    nb_buf_free(&b);
}

/* Bad rows of the packed parts and of the kept digests, against the rows (-1: cannot say). */
/* A row of sums over SQL's rows of kind K in TABLE (a kind's table or its records_ one),
 * of every column (ALL) or of the rid, body and coded ones, each weighted by the record's
 * rid (a value given to another record changes it): a comparison of the two without a
 * sort. NULL when the query fails. */
static char *weighted_sums(const nb_kind *k, const char *table, int all)
{
    nb_buf q = {0};
    const char *w = "(rid % 997 + 1)";
    nb_buf_printf(&q, "SELECT count(*) || ',' || sum(rid) || ',' || sum(body * %s)", w);
    if (all)
        nb_buf_printf(&q, " || ',' || sum(length(id) * %s) || ',' || sum(unicode(id) * %s)", w, w);
    for (int f = 0; f < k->nfields; f++) {
        const char *c = k->fields[f].name;
        if (k->fields[f].type != NB_F_TEXT)
            nb_buf_printf(&q, " || ',' || count(%s) || ',' || coalesce(sum(%s * %s), 0)", c, c, w);
        else if (all)
            nb_buf_printf(&q, " || ',' || count(%s) || ',' || total(length(%s) * %s)", c, c, w);
    }
    if (all)
        nb_buf_printf(&q, " || ',' || sum(src * %s) || ',' || sum(line * %s) || ',' || "
                          "total(length(raw) * %s)", w, w, w);
    nb_buf_printf(&q, " FROM %s", table);
    sqlite3_stmt *st;
    char *out = NULL;
    if (sqlite3_prepare_v2(store->db, q.data, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            out = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        sqlite3_finalize(st);
    }
    if (!out)
        printf("# %s: %s\n", table, sqlite3_errmsg(store->db));
    nb_buf_free(&q);
    return out;
}

/* The records of every kind through records_<table> (vtab.h) against its rows; 0 when the
 * same, -1 when a query fails. EXACT: the rows either gives and the other does not, whole
 * and by body, with every column read and with the coded ones alone (the cursor that reads
 * the packed columns alone); else their weighted sums (weighted_sums), with every column. */
static long vtab_differs(int exact)
{
    long differ = 0;
    for (int i = 0; i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        if (!exact) {
            char view[64];
            snprintf(view, sizeof view, "records_%s", k->table);
            /* every column when the store is small; the coded ones alone (the packed columns
               read alone) when not: the rows' columns of a large store are compared by
               test_rows_from_packs (the same cursor) and the exact comparisons */
            char cnt[64];
            snprintf(cnt, sizeof cnt, "SELECT count(*) FROM %s", k->table);
            int all = sql_int(cnt) < 60000;
            char *a = weighted_sums(k, k->table, all), *b = weighted_sums(k, view, all);
            if (a && b && strcmp(a, b) != 0)
                printf("# %s: %s\n# %s: %s\n", k->table, a, view, b);
            differ = !a || !b || differ < 0 ? -1 : differ + (strcmp(a, b) != 0);
            free(a);
            free(b);
            continue;
        }
        nb_buf cols = {0}, coded = {0}, q = {0};
        nb_buf_adds(&cols, "rid, body, id");
        nb_buf_adds(&coded, "rid, body");
        for (int f = 0; f < k->nfields; f++) {
            nb_buf_printf(&cols, ", %s", k->fields[f].name);
            if (k->fields[f].type != NB_F_TEXT)
                nb_buf_printf(&coded, ", %s", k->fields[f].name);
        }
        nb_buf_adds(&cols, ", src, line, raw");
        const char *sel[] = {cols.data, coded.data};
        for (int c = 0; c < 2; c++)
            for (int by_body = 0; by_body < 2; by_body++) {
                const char *w = by_body ? " WHERE body = (SELECT min(body) FROM %s)" : "";
                q.len = 0;
                nb_buf_printf(&q, "SELECT (SELECT count(*) FROM (SELECT %s FROM %s", sel[c], k->table);
                nb_buf_printf(&q, w, k->table);
                nb_buf_printf(&q, " EXCEPT SELECT %s FROM records_%s", sel[c], k->table);
                nb_buf_printf(&q, w, k->table);
                nb_buf_printf(&q, ")) + (SELECT count(*) FROM (SELECT %s FROM records_%s", sel[c], k->table);
                nb_buf_printf(&q, w, k->table);
                nb_buf_printf(&q, " EXCEPT SELECT %s FROM %s", sel[c], k->table);
                nb_buf_printf(&q, w, k->table);
                nb_buf_printf(&q, ")) + abs((SELECT count(*) FROM %s", k->table);
                nb_buf_printf(&q, w, k->table);
                nb_buf_printf(&q, ") - (SELECT count(*) FROM records_%s", k->table);
                nb_buf_printf(&q, w, k->table);
                nb_buf_adds(&q, "))");
                int64_t n = sql_int(q.data);
                if (n)
                    printf("# records_%s: %lld rows differ (%s; %s)\n", k->table, (long long)n, q.data,
                           sqlite3_errmsg(store->db));
                differ = n < 0 || differ < 0 ? -1 : differ + n;
            }
        nb_buf_free(&cols);
        nb_buf_free(&coded);
        nb_buf_free(&q);
    }
    return differ;
}

/* verify_narrow, and the records through records_<table> against the rows' coded values
 * (a store whose rows hold them). */
static long verify_packs(void)
{
    long bad = verify_narrow();
    if (bad < 0)
        return -1;
    long differ = vtab_differs(0); /* the packs as SQL reads them too */
    return differ < 0 ? -1 : bad + differ;
}

static int threads_seen; /* the threads counted by the last diag (count_threads) */

static void count_threads(void *ud, const nb_diag *d)
{
    (void)ud;
    (void)d;
    threads_seen = t_threads();
}

/* A file of N rows with ids ID0..: the body in a 机关 column when BODIES (each row's
 * the next of them in turn), a repeat of line REPEAT's id at the end (0: none). */
static const char *async_file(const char *name, int n, const char *const *bodies, int nbodies,
                              int repeat)
{
    nb_buf b = {0};
    nb_buf_adds(&b, nbodies ? "编号,收到日期,申请人类型,机关\n" : "编号,收到日期,申请人类型\n");
    for (int i = 0; i < n; i++)
        nb_buf_printf(&b, "%s%06d,2021-%02d-%02d,自然人%s%s\n", name, i, 1 + i % 12, 1 + i % 28,
                      nbodies ? "," : "", nbodies ? bodies[i % nbodies] : "");
    if (repeat)
        nb_buf_printf(&b, "%s%06d,2021-01-01,企业%s%s\n", name, repeat - 2, nbodies ? "," : "",
                      nbodies ? bodies[0] : "");
    char file[64];
    snprintf(file, sizeof file, "%s.csv", name);
    const char *path = write_file(file, b.data);
    nb_buf_free(&b);
    return path;
}

/* Groups of batches of a new body are written by a helper thread while the next rows
 * are read: every row stored once, in order, with the packs and digests right; a
 * repeat found in rows still in flight; a batch that fails there fails the import
 * and leaves nothing; a dry run leaves nothing. */
static void test_async(void)
{
    int base = t_threads();
    result r = run("request", async_file("AS", 20000, NULL, 0, 0), "异步局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 20000, "async: 20,000 rows of one body");
    CHECK_STR(sql_rows("SELECT count(*), count(DISTINCT r.id), min(r.line), max(r.line), "
                       "max(r.rid) - min(r.rid) + 1, sum(r.line - 2 = CAST(substr(r.id, 3) AS INTEGER)) "
                       "FROM request r JOIN body b ON b.id = r.body WHERE b.name = '异步局'"),
              "20000|20000|2|20001|20000|20000\n",
              "async: every row once, its own line, the rids in the file's order");
    CHECK(verify_packs() == 0, "async: the packed parts and the digest agree with the rows");
    CHECK(t_threads_now(base) == base, "async: no thread is left after the import");

    static const char *const two[] = {"异步甲", "异步乙"};
    r = run("request", async_file("AT", 30001, two, 2, 0), NULL, 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 30001, "async: 30,001 rows of two bodies, row by row in turn");
    CHECK_STR(sql_rows("SELECT b.name, count(*), min(r.line), max(r.line) FROM request r JOIN body b "
                       "ON b.id = r.body WHERE b.name IN ('异步甲', '异步乙') GROUP BY b.name ORDER BY b.name"),
              "异步乙|15000|3|30001\n异步甲|15001|2|30002\n", "async: each body's rows, two writers' groups");
    CHECK(verify_packs() == 0, "async: two bodies: the parts and digests agree with the rows");

    nb_import_opts o = {.path = async_file("AR", 9000, NULL, 0, 5), .kind = "request",
                        .body = "异步重复局", .diag = count_threads};
    nb_import_stats st;
    char err[512];
    threads_seen = -1;
    CHECK(nb_import(store, &o, &st, err, sizeof err) == NB_ERR_INPUT && st.refused == 1 &&
              st.read == 9001, "async: a repeat of line 5 after 9,000 rows is refused");
    CHECK(base > 0 && threads_seen == base + 1, "async: the import has its helper thread");

    sqlite3_exec(store->db, "CREATE TRIGGER async_fail BEFORE INSERT ON request WHEN NEW.id = 'AF005000' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    long long before = sql_int("SELECT count(*) FROM request");
    char file[256], want[512];
    snprintf(file, sizeof file, "%s", async_file("AF", 12000, NULL, 0, 0));
    r = run("request", file, "异步失败局", 0, NULL, 0);
    /* the row of AF005000 is in the batch of rows 4864..5119, lines 4866..5121 */
    snprintf(want, sizeof want, "%s: lines 4866 to 5121: cannot store one of the rows: refused by a test trigger",
             file);
    check_failed(&r, want, "async: a batch refused in the helper fails the import, naming the file and the batch's lines");
    sqlite3_exec(store->db, "DROP TRIGGER async_fail", NULL, NULL, NULL);
    CHECK(sql_int("SELECT count(*) FROM request") == before &&
              sql_int("SELECT count(*) FROM body WHERE name = '异步失败局'") == 0,
          "async: after the failure nothing of the file is stored, not even its body");
    CHECK(verify_packs() == 0, "async: after the failure the parts and digests agree with the rows");

    /* a body that has rows: each row an UPDATE or an INSERT, in groups in the helper */
    r = run("request", async_file("AU", 9000, NULL, 0, 0), "异步更新局", 0, NULL, 0);
    nb_buf b = {0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 12000; i++) /* 9,000 changed (a day later), 3,000 new, shuffled */
        nb_buf_printf(&b, "AU%06d,2021-%02d-%02d,商业企业\n", (i * 7 + 5) % 12000,
                      1 + (i * 7 + 5) % 12 % 12, 2 + (i * 7 + 5) % 28 % 27);
    const char *upd = write_file("AU2.csv", b.data);
    nb_buf_free(&b);
    r = run("request", upd, "异步更新局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.updated == 9000 && r.st.inserted == 3000,
          "async: a body that has rows: 9,000 updated and 3,000 new, shuffled");
    CHECK_STR(sql_rows("SELECT count(*), sum(r.applicant = (SELECT applicant FROM records_request r2 JOIN body b2 "
                       "ON b2.id = r2.body WHERE b2.name = '异步更新局' AND r2.id = 'AU000005')), "
                       "sum(r.line = 2 + ((CAST(substr(r.id, 3) AS INTEGER) * 5143 + 10285) % 12000)) "
                       "FROM records_request r JOIN body b ON b.id = r.body WHERE b.name = '异步更新局'"),
              "12000|12000|12000\n", "async: every row updated or added, with its own line");
    CHECK(verify_packs() == 0, "async: updates: the parts and digests agree with the rows");
    r = run("request", async_file("AW", 3000, NULL, 0, 0), "异步追加局", 0, NULL, 0);
    r = run("request", async_file("AV", 5000, NULL, 0, 0), "异步追加局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 5000 && verify_packs() == 0,
          "async: 5,000 new rows for a body that has rows, one INSERT each: the parts follow their rids");
    sqlite3_exec(store->db, "CREATE TRIGGER async_fail_upd BEFORE UPDATE ON request WHEN NEW.id = 'AU000040' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    long long rows_before = sql_int("SELECT count(*) FROM request"),
              lines_before = sql_int("SELECT sum(line) FROM request");
    snprintf(file, sizeof file, "%s", async_file("AU", 12000, NULL, 0, 0));
    r = run("request", file, "异步更新局", 0, NULL, 0);
    snprintf(want, sizeof want, "%s:42: cannot store the row: refused by a test trigger", file);
    check_failed(&r, want, "async: an update refused in the helper fails the import, naming the file and its line");
    sqlite3_exec(store->db, "DROP TRIGGER async_fail_upd", NULL, NULL, NULL);
    CHECK(sql_int("SELECT count(*) FROM request") == rows_before &&
              sql_int("SELECT sum(line) FROM request") == lines_before && verify_packs() == 0,
          "async: after the refused update every row is as it was, the parts agree");
    before = rows_before;

    r = run("request", async_file("AD", 10000, NULL, 0, 0), "异步试运行局", 1, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 10000 && sql_int("SELECT count(*) FROM request") == before,
          "async: a dry run of 10,000 rows counts them and leaves nothing");
    CHECK(verify_packs() == 0 && t_threads_now(base) == base, "async: after the dry run: the parts agree, no thread");
}

/* A file of N rows in turn: a new id ID0.. of the new body NEWB, then an update of the
 * existing body OLDB's id OLD0.. (received 2021-06-01, its line moved). */
static const char *mixed_file(const char *name, int n, const char *newb, const char *oldb)
{
    nb_buf b = {0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型,机关\n");
    for (int i = 0; i < n; i++)
        nb_buf_printf(&b, "ID%06d,2021-03-01,自然人,%s\nOLD%06d,2021-06-01,商业企业,%s\n", i, newb,
                      i, oldb);
    const char *path = write_file(name, b.data);
    nb_buf_free(&b);
    return path;
}

/* A group that fails in the helper stops the import at once, and nothing of the file
 * stays: also when the failure ended SQLite's transaction (a trigger's ROLLBACK, as a
 * full disk or an interrupt do), while the import's thread went on updating another
 * body; also when a row was refused too; and the import's own errors keep their
 * message. */
static void test_async_failures(void)
{
    nb_buf b = {0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型,机关\n");
    for (int i = 0; i < 6000; i++)
        nb_buf_printf(&b, "OLD%06d,2020-01-01,自然人,回滚旧局\n", i);
    result r = run("request", write_file("rb0.csv", b.data), NULL, 0, NULL, 0);
    nb_buf_free(&b);
    CHECK(r.rc == NB_OK && r.st.inserted == 6000, "async failures: an existing body of 6,000 rows");
    const char *count_old = "SELECT count(*) FROM records_request r JOIN body b ON b.id = r.body "
                            "WHERE b.name = '回滚旧局' AND r.received = (SELECT received FROM records_request "
                            "WHERE id = 'OLD000000' AND src = (SELECT max(id) FROM source))";
    long long rows = sql_int("SELECT count(*) FROM request"), same = sql_int(count_old);

    sqlite3_exec(store->db, "CREATE TRIGGER async_rb BEFORE INSERT ON request WHEN NEW.id = 'ID003000' "
                 "BEGIN SELECT RAISE(ROLLBACK, 'rolled back by a test trigger'); END", NULL, NULL, NULL);
    r = run("request", mixed_file("rb1.csv", 6000, "回滚新局", "回滚旧局"), NULL, 0, NULL, 0);
    CHECK(r.rc == NB_ERR_SQL && strstr(r.err, "cannot store one of the rows: rolled back by a test trigger"),
          "async failures: a ROLLBACK in the helper fails the import");
    if (r.rc != NB_ERR_SQL)
        printf("# got %d: %s\n", r.rc, r.err);
    CHECK(sql_int("SELECT count(*) FROM request") == rows && sql_int(count_old) == same &&
              sql_int("SELECT count(*) FROM body WHERE name = '回滚新局'") == 0,
          "async failures: after the ROLLBACK nothing of the file is kept, not one update of the other body");
    CHECK(verify_packs() == 0, "async failures: after the ROLLBACK the parts and digests agree with the rows");
    r = run("request", mixed_file("rb2.csv", 6000, "回滚新局", "回滚旧局"), NULL, 1, NULL, 0);
    CHECK(r.rc == NB_ERR_SQL && sql_int("SELECT count(*) FROM request") == rows &&
              sql_int(count_old) == same && verify_packs() == 0,
          "async failures: the same as a dry run: it fails, and nothing is kept");
    sqlite3_exec(store->db, "DROP TRIGGER async_rb", NULL, NULL, NULL);

    sqlite3_exec(store->db, "CREATE TRIGGER async_fail2 BEFORE INSERT ON request WHEN NEW.id = 'RF007000' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    b = (nb_buf){0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 10000; i++)
        nb_buf_printf(&b, "RF%06d,%s,自然人\n", i, i == 8999 ? "2021-02-30" : "2021-01-01");
    char rf[256], want[512];
    snprintf(rf, sizeof rf, "%s", write_file("rf.csv", b.data));
    r = run("request", rf, "失败与拒绝局", 0, NULL, 0);
    nb_buf_free(&b);
    /* RF007000 (line 7002) is in the batch of lines 6914..7169, refused before the bad date */
    snprintf(want, sizeof want, "%s: lines 6914 to 7169: cannot store one of the rows: refused by a test trigger",
             rf);
    check_failed(&r, want, "async failures: a batch refused in the helper before a bad row: the helper's error, as alone");
    sqlite3_exec(store->db, "DROP TRIGGER async_fail2", NULL, NULL, NULL);

    /* The same with a slow helper (each insert 40 us): its batches are handed as it has
       time, and the one that fails is still waiting when the bad row is read; written
       then, its failure is the import's (found by review: it was never written, the
       file's end coming first, and "1 row refused" was said, now and then) */
    sqlite3_create_function(store->db, "nb_test_slow", 0, SQLITE_UTF8, NULL, slow_fn, NULL, NULL);
    sqlite3_exec(store->db, "CREATE TEMP TRIGGER async_slow BEFORE INSERT ON main.request "
                 "WHEN nb_test_slow() BEGIN SELECT 1; END; "
                 "CREATE TRIGGER async_fail3 BEFORE INSERT ON request WHEN NEW.id = 'RS009200' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    b = (nb_buf){0};
    nb_buf_adds(&b, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 10000; i++)
        nb_buf_printf(&b, "RS%06d,%s,自然人\n", i, i == 9799 ? "2021-02-30" : "2021-01-01");
    snprintf(rf, sizeof rf, "%s", write_file("rs.csv", b.data));
    nb_buf_free(&b);
    for (int round = 0; round < 3; round++) {
        r = run("request", rf, "慢写局", 0, NULL, 0);
        /* RS009200 (line 9202) is in the batch of lines 8962..9217 (batches of 256 rows from
           the first), the bad date at line 9801 */
        snprintf(want, sizeof want, "%s: lines 8962 to 9217: cannot store one of the rows: refused by a "
                 "test trigger", rf);
        check_failed(&r, want, "async failures: a failing batch still waiting at a bad row is written then: "
                     "its failure is the import's");
    }
    CHECK(sql_int("SELECT count(*) FROM request WHERE id GLOB 'RS*'") == 0 && verify_packs() == 0,
          "async failures: nothing of it kept, the parts agree");
    sqlite3_exec(store->db, "DROP TRIGGER async_slow; DROP TRIGGER async_fail3", NULL, NULL, NULL);

    /* the import's own write (a new open-vocabulary value) right after a group was given:
       without the wait for the helper (nb_store_quiet) its message was the group's
       ("not an error") now and then, one run in 30 by hand */
    sqlite3_exec(store->db, "CREATE TRIGGER async_dict BEFORE INSERT ON dict WHEN NEW.code = '飞鸽传书' "
                 "BEGIN SELECT RAISE(FAIL, 'refused by a test trigger'); END", NULL, NULL, NULL);
    int seen = 0;
    for (int round = 0; round < 5; round++) {
        b = (nb_buf){0};
        nb_buf_adds(&b, "编号,收到日期,申请人类型,申请方式\n");
        for (int i = 0; i < 2049; i++)
            nb_buf_printf(&b, "DC%06d,2021-01-01,自然人,%s\n", i, i == 2048 ? "飞鸽传书" : "信函");
        char name[32], body[32];
        snprintf(name, sizeof name, "dc%d.csv", round);
        snprintf(body, sizeof body, "词典局%d", round);
        r = run("request", write_file(name, b.data), body, 0, NULL, 0);
        nb_buf_free(&b);
        seen += r.rc != NB_OK && strstr(r.err, "refused by a test trigger") != NULL;
        if (!strstr(r.err, "refused by a test trigger"))
            printf("# got %d: %s\n", r.rc, r.err);
    }
    CHECK(seen == 5, "async failures: the import's own failed write keeps its message while a group is written");
    sqlite3_exec(store->db, "DROP TRIGGER async_dict", NULL, NULL, NULL);
}

/* What test_files's EACH saw. */
typedef struct {
    int calls, in_txn, depth, stop_at;
    nb_err rcs[8];
    char errs[8][256];
} files_seen;

static int files_each(void *ud, int i, nb_err rc, const nb_import_stats *st, const char *err)
{
    files_seen *f = ud;
    (void)st;
    f->calls++;
    f->in_txn += !sqlite3_get_autocommit(store->db);
    f->depth = nb_store_depth(store);
    if (i < 8) {
        f->rcs[i] = rc;
        snprintf(f->errs[i], sizeof f->errs[i], "%s", err);
    }
    return i == f->stop_at;
}

static nb_err import_files(const char *body, const char *const *paths, int n, int dry, files_seen *f,
                           char *err, size_t errlen)
{
    nb_import_opts o = {.kind = "request", .body = body, .dry_run = dry};
    memset(f, 0, sizeof *f);
    f->stop_at = -1;
    return nb_import_files(store, &o, paths, n, files_each, f, err, errlen);
}

#define BODY_ROWS(body) "SELECT group_concat(r.id, ' ') FROM (SELECT r.id FROM request r JOIN body b " \
                        "ON b.id = r.body WHERE b.name = '" body "' ORDER BY r.id) r"

/* The statements kept on the connection prepared again (SQLite's count) since the last call. */
static int kept_reprepared(void)
{
    int again = 0;
    for (size_t i = 0; i < sizeof store->kept / sizeof store->kept[0]; i++)
        if (store->kept[i].st)
            again += sqlite3_stmt_status(store->kept[i].st, SQLITE_STMTSTATUS_REPREPARE, 1);
    return again;
}

/* The files of one import leave the statements prepared on the connection as they were:
 * the import's SQL function, made and removed once a file, expired every one, and the
 * next file prepared them all again (a batch's INSERT of 256 rows alone 1.3 million
 * instructions: about 2 ms a file). Six files then prepared more again than two. */
static void test_statements_kept(void)
{
    char err[1024] = "";
    files_seen f;
    char rows[6][400];
    const char *paths[6];
    for (int i = 0; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "kept%d.csv", i);
        snprintf(rows[i], sizeof rows[i], HEADER "K%d1,2020-05-01,自然人,,\nK%d2,2020-05-02,自然人,,\n", i, i);
        paths[i] = write_file(name, rows[i]);
    }
    int again[2];
    for (int g = 0; g < 2; g++) {
        int n = g ? 6 : 2;
        kept_reprepared(); /* the tests' before */
        nb_err rc = import_files(g ? "留存局" : "留存二局", paths, n, 0, &f, err, sizeof err);
        CHECK(rc == NB_OK && f.calls == n && f.rcs[0] == NB_OK && f.rcs[n - 1] == NB_OK, "kept: the files imported");
        if (rc)
            printf("# %s\n", err);
        again[g] = kept_reprepared();
    }
    CHECK(again[1] == again[0], "kept: six files prepare no more statements again than two");
    if (again[1] != again[0])
        printf("# two files: %d prepared again; six: %d\n", again[0], again[1]);
    CHECK(sql_int("SELECT nb_kept(1)") == 0, "kept: with no import running, nb_kept is 0");
}

/* Files of one command, in a store whose rows do not hold the coded values: a file whose
 * rows' coded values alone changed (their runs' changes listed, and with a small memory
 * bound written into the parts before the commit) kept beside a file refused at its last
 * row, whose own such changes are undone with it; and the other way round. */
static void test_changed_in_group(void)
{
    nb_store *wide = store;
    char err[512];
    if (nb_store_open(path_of("narrow.db"), 1, &store, err, sizeof err) != NB_OK) {
        printf("not ok - changed in a group: cannot open the store: %s\n", err);
        store = wide;
        return;
    }
    const char *head = "编号,收到日期,申请人类型,办结日期,办理结果\n";
    nb_buf b = {0};
    const char *paths[4];
    for (int v = 0; v < 4; v++) { /* 0, 2: every third row changed; 1, 3: the first values; 2, 3: a bad last row */
        b.len = 0;
        nb_buf_adds(&b, head);
        for (int i = 0; i < 600; i++)
            nb_buf_printf(&b, "CR%04d,2020-03-%02d,%s,2020-04-01,%d\n", i, 1 + i % 28,
                          v % 2 == 0 && i % 3 == 0 ? "商业企业" : "自然人", v % 2 == 0 && i % 3 == 0 ? 2 : 1);
        if (v >= 2)
            nb_buf_adds(&b, "CR9999,2020-13-45,自然人,,\n");
        char name[32];
        snprintf(name, sizeof name, "crg%d.csv", v);
        paths[v] = write_file(name, b.data);
    }
    nb_buf_free(&b);
    const char *count = "SELECT sum(a.code = 'business'), sum(s.path LIKE '%/crg0.csv'), sum(s.path LIKE '%/crg1.csv') "
                        "FROM records_request r JOIN body b ON b.id = r.body JOIN source s ON s.id = r.src "
                        "JOIN dict a ON a.id = r.applicant WHERE b.name = '改值局'";
    long was = nb_pack_bound(100);
    files_seen f;
    const char *first[] = {paths[0], paths[3]}, *second[] = {paths[2], paths[1]};
    nb_err rc = import_files("改值局", first, 2, 0, &f, err, sizeof err);
    CHECK(rc == NB_OK && f.rcs[0] == NB_OK && f.rcs[1] == NB_ERR_INPUT,
          "changed in a group: the changed file kept, the refused one after it undone");
    CHECK_STR(sql_rows(count), "200|600|0\n", "changed in a group: the kept file's values and source");
    CHECK(verify_narrow() == 0, "changed in a group: the parts and digests agree with the rows");
    rc = import_files("改值局", second, 2, 0, &f, err, sizeof err);
    CHECK(rc == NB_OK && f.rcs[0] == NB_ERR_INPUT && f.rcs[1] == NB_OK,
          "changed in a group: a refused file with changed rows, then one kept");
    CHECK_STR(sql_rows(count), "0|0|600\n", "changed in a group: the kept file's values, none of the refused one's");
    CHECK(verify_narrow() == 0, "changed in a group: after both, the parts and digests agree with the rows");
    nb_pack_bound(was);
    nb_store_close(store);
    store = wide;
}

/* Several files: one transaction, each file a savepoint: a refused file undone alone, a
 * failure that ends the transaction undoes the group and names its files, a stop
 * commits the files before. */
static void test_files(void)
{
    char err[1024] = "";
    files_seen f;
    const char *good[] = {write_file("m1.csv", HEADER "M1,2020-05-01,自然人,,\n"),
                          write_file("m2.csv", HEADER "M2,2020-13-01,自然人,,\n"),
                          write_file("m3.csv", HEADER "M3,2020-05-03,自然人,,\nM4,2020-05-04,自然人,,\n")};
    nb_err rc = import_files("多文件局", good, 3, 0, &f, err, sizeof err);
    CHECK(rc == NB_OK && f.calls == 3, "files: each file's outcome given");
    CHECK(f.in_txn == 3 && f.depth == 1, "files: all three in one transaction, each file's own level ended");
    CHECK(f.rcs[0] == NB_OK && f.rcs[1] == NB_ERR_INPUT && f.rcs[2] == NB_OK, "files: the refused file refused");
    CHECK(nb_store_depth(store) == 0 && sqlite3_get_autocommit(store->db), "files: committed at the end");
    CHECK(sql_int("PRAGMA foreign_keys") == 1, "files: the foreign keys checked again after the group");
    CHECK_STR(sql_rows(BODY_ROWS("多文件局")), "M1 M3 M4\n", "files: the refused file undone alone");
    CHECK(verify_packs() == 0, "files: the parts and digests agree with the rows");

    const char *dry[] = {write_file("d1.csv", HEADER "D1,2020-05-01,自然人,,\n"),
                         write_file("d2.csv", HEADER "D2,2020-05-02,自然人,,\n")};
    char before[256];
    snprintf(before, sizeof before, "%s", snapshot());
    rc = import_files("试导局", dry, 2, 1, &f, err, sizeof err);
    CHECK(rc == NB_OK && f.calls == 2 && f.in_txn == 0 && f.rcs[0] == NB_OK && f.rcs[1] == NB_OK,
          "files: a dry run imports each file by itself");
    CHECK_STR(snapshot(), before, "files: a dry run writes nothing");

    /* a stop after the second file: the two are committed, the third not read */
    const char *stop[] = {write_file("s1.csv", HEADER "S1,2020-05-01,自然人,,\n"),
                          write_file("s2.csv", HEADER "S2,2020-05-02,自然人,,\n"),
                          write_file("s3.csv", HEADER "S3,2020-05-03,自然人,,\n")};
    nb_import_opts o = {.kind = "request", .body = "停止局"};
    memset(&f, 0, sizeof f);
    f.stop_at = 1;
    rc = nb_import_files(store, &o, stop, 3, files_each, &f, err, sizeof err);
    CHECK(rc == NB_OK && f.calls == 2, "files: a stop after the second file");
    CHECK_STR(sql_rows(BODY_ROWS("停止局")), "S1 S2\n", "files: the files before the stop committed, none after");

    /* the second file's row ends SQLite's transaction: the first file goes with it */
    sqlite3_exec(store->db, "CREATE TRIGGER files_rb BEFORE INSERT ON request WHEN NEW.id = 'E2' "
                 "BEGIN SELECT RAISE(ROLLBACK, 'rolled back by a test trigger'); END", NULL, NULL, NULL);
    const char *ended[] = {write_file("e1.csv", HEADER "E1,2020-05-01,自然人,,\n"),
                           write_file("e1b.csv", HEADER "E1B,2020-05-01,自然人,,\n"),
                           write_file("er.csv", HEADER "ER,2020-13-01,自然人,,\n"),
                           write_file("e2.csv", HEADER "E2,2020-05-02,自然人,,\n"),
                           write_file("e3.csv", HEADER "E3,2020-05-03,自然人,,\n")};
    snprintf(before, sizeof before, "%s", snapshot());
    rc = import_files("中断局", ended, 5, 0, &f, err, sizeof err);
    CHECK(rc == NB_ERR_SQL && f.calls == 4 && f.rcs[0] == NB_OK && f.rcs[2] == NB_ERR_INPUT &&
              f.rcs[3] == NB_ERR_SQL,
          "files: a failure that ends the transaction stops the files");
    char want[512];
    snprintf(want, sizeof want, "an earlier failure ended the transaction: nothing written since it began is "
             "stored; not stored after all, with it: %s … %s (2 files of this import; import them again)",
             ended[0], ended[1]);
    CHECK(strstr(err, want) != NULL, "files: the group's failure names the files it undid (not the refused one, nor the failed)");
    if (!strstr(err, want))
        printf("# got %s\n", err);
    CHECK_STR(snapshot(), before, "files: nothing of the group stored, the file after it not imported");
    CHECK(nb_store_depth(store) == 0 && sqlite3_get_autocommit(store->db) && verify_packs() == 0,
          "files: no transaction left open, the parts agree");
    sqlite3_exec(store->db, "DROP TRIGGER files_rb", NULL, NULL, NULL);
    rc = import_files("中断局", ended, 5, 0, &f, err, sizeof err);
    CHECK(rc == NB_OK && strcmp(sql_rows(BODY_ROWS("中断局")), "E1 E1B E2 E3\n") == 0,
          "files: imported again, they are stored (the refused one not)");
}

/* A group of batches stepped in the helper between an insert of this thread and its
 * reading of the rid: the rid read is still this insert's (the helper leaves the
 * connection's last rid as it found it). Forced in that order by holding the
 * connection's mutex while the group is given. */
static void test_async_rowid(void)
{
    char err[512];
    int64_t body = 0, src = 0, got, mine;
    int created;
    nb_writer *w = NULL;
    nb_async *a = nb_async_new();
    nb_write_fail fail = {0};
    const nb_kind *k = nb_kind_find("request");
    if (!a || nb_store_begin(store, err, sizeof err) != NB_OK) {
        CHECK(0, "async rid: a helper and a transaction");
        nb_async_free(a);
        return;
    }
    nb_store_body(store, "行号局", 1, &body, &created, err, sizeof err);
    nb_store_source(store, "/nowhere.csv", "/nowhere.csv", "request", body, "UTF-8", "", &src, err,
                    sizeof err);
    nb_batch *shared = NULL; /* the import's: an idle helper takes a batch as it fills */
    nb_batch_new(store, k, "/nowhere.csv", &shared, err, sizeof err);
    nb_batch_early(shared, 1);
    nb_writer_new(store, k, body, src, shared, &w, err, sizeof err);
    nb_writer_async(w, a, 1, &fail);
    nb_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.has[0] = rec.has[1] = 1;
    rec.ival[0] = 18000, rec.ival[1] = 1;
    sqlite3_mutex *m = sqlite3_db_mutex(store->db);
    sqlite3_mutex_enter(m); /* the helper waits for it */
    nb_err rc = NB_OK;
    for (int i = 0; !rc && i < 4096; i++) { /* the first batch goes to the helper at once */
        char id[16];
        snprintf(id, sizeof id, "R%05d", i);
        rc = nb_writer_put(w, &rec, id, 0, i + 2, "", err, sizeof err);
    }
    sqlite3_exec(store->db, "CREATE TEMP TABLE rowid_probe(x); INSERT INTO rowid_probe VALUES(1)",
                 NULL, NULL, NULL);
    mine = sqlite3_last_insert_rowid(store->db);
    sqlite3_mutex_leave(m);
    nb_async_wait(a); /* the group is written now, after the insert */
    got = sqlite3_last_insert_rowid(store->db);
    CHECK(sql_int("SELECT count(*) FROM request WHERE body = (SELECT id FROM body WHERE name = '行号局')") == 256,
          "async rid: the first batch went to the idle helper as it filled (before the flush), "
          "the rest waits for a group while the helper is busy");
    CHECK(rc == NB_OK && sqlite3_db_mutex(store->db) != NULL && mine == 1 && got == mine,
          "async rid: a group written between an insert and its rid leaves the insert's rid");
    if (got != mine)
        printf("# rid %lld, the insert's %lld\n", (long long)got, (long long)mine);
    CHECK(nb_writer_flush(w, err, sizeof err) == NB_OK &&
              sql_int("SELECT count(*) FROM request WHERE body = (SELECT id FROM body WHERE name = '行号局')") == 4096,
          "async rid: the group's 4096 rows are written");
    nb_writer_free(w);
    nb_batch_free(shared);
    nb_async_free(a);
    sqlite3_exec(store->db, "DROP TABLE rowid_probe", NULL, NULL, NULL);
    nb_store_rollback(store);
}

#ifndef __SANITIZE_ADDRESS__
/* A file of ROWS rows in order, then one row that repeats an id out of order. */
static const char *rows_file(const char *name, int rows)
{
    FILE *f = csv_create(name, "编号,收到日期,申请人类型,办结日期,办理结果\n");
    if (!f)
        return NULL;
    for (int i = 0; i < rows; i++)
        fprintf(f, "M%07d,2020-01-05,自然人,2020-01-20,1\n", i);
    fputs("M0000003,2020-01-05,自然人,,\n", f);
    fclose(f);
    return path_of(name);
}

/* DIR/NAME: ROWS rows of 2 columns that are not fields, each of SIZE bytes (1,000,000:
 * under a CSV field's limit, the row under a record's), kept with the rows' raw values; of
 * BODIES bodies in turn (0: no column of bodies), their outcome OUTCOME; with NEW_IDS each
 * row followed by the same with a new id (its own and "a", before the body's next row). */
static const char *wide_rows_of(const char *name, int rows, int bodies, int outcome, size_t size,
                                int new_ids)
{
    FILE *f = csv_create(name, bodies ? "机关,编号,收到日期,申请人类型,办结日期,办理结果,备注1,备注2\n"
                                      : "编号,收到日期,申请人类型,办结日期,办理结果,备注1,备注2\n");
    if (!f)
        return NULL;
    char *v = malloc(size + 1);
    if (!v) {
        fclose(f);
        return NULL;
    }
    memset(v, 'x', size), v[size] = '\0';
    for (int i = 0; i < rows; i++)
        for (int a = 0; a <= new_ids; a++) {
            if (bodies)
                fprintf(f, "W%d,", i % bodies);
            fprintf(f, "W%07d%s,2020-01-05,自然人,2020-01-20,%d", i, a ? "a" : "", outcome);
            for (int c = 0; c < 2; c++)
                fprintf(f, ",%s", v);
            fputc('\n', f);
        }
    free(v);
    fclose(f);
    return path_of(name);
}

static const char *wide_rows_file(const char *name, int rows, int bodies, int outcome)
{
    return wide_rows_of(name, rows, bodies, outcome, 1000000, 0);
}

/* Peak resident size in KiB of a child that imports PATH into a store of its
 * own (into body BODY; NULL: the file names them), after BEFORE when not NULL (the same
 * way), or -1 when the import does not end as expected: every row read, REFUSED of them
 * refused (the repeated id), the writers' buffers of texts all counted out. */
static long child_bound; /* the packed records' bound in import_peak_kb's child (0: as is) */

static long import_peak_kb(const char *path, const char *db, const char *body, int rows,
                           int refused, const char *before)
{
    struct rusage ru;
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char err[512];
        nb_store *s;
        nb_import_stats st;
        if (child_bound)
            nb_pack_bound(child_bound);
        nb_import_opts o = {.path = path, .kind = "request", .body = body},
                       b = {.path = before, .kind = "request", .body = body};
        /* made first, as 'nianbao init' makes it: a store made by the same
           connection keeps a larger page cache (up to about 8 MB) */
        if (nb_store_open(path_of(db), 1, &s, err, sizeof err) == NB_OK)
            nb_store_close(s);
        int ok = nb_store_open(path_of(db), 1, &s, err, sizeof err) == NB_OK &&
                 (!before || nb_import(s, &b, &st, err, sizeof err) == NB_OK) &&
                 nb_import(s, &o, &st, err, sizeof err) == (refused ? NB_ERR_INPUT : NB_OK) &&
                 st.refused == refused && st.read == rows &&
                 s->texts_kept == 0; /* every writer's buffers counted out as it ended */
        if (ok)
            nb_store_close(s);
        _exit(ok ? 0 : 1);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return ru.ru_maxrss;
}
#endif

/* The memory of an import does not grow with the file: no id is kept for the
 * check of repeated ids (they are looked up in the store). */
static void test_memory(void)
{
#ifdef __SANITIZE_ADDRESS__
    printf("# import memory: not measured under ASan (its allocator holds memory of its own)\n");
#else
    /* 40,000 rows: enough to touch every page of the filter of ids met (16 MiB) */
    long small = import_peak_kb(rows_file("mem_small.csv", 40000), "mem_small.db", "甲", 40001, 1,
                                NULL);
    long big = import_peak_kb(rows_file("mem_big.csv", 400000), "mem_big.db", "甲", 400001, 1, NULL);
    printf("# import of 400,000 rows: %ld KiB more than of 40,000\n", big - small);
    /* 60,000 distinct unknown applicants of 250 bytes: the coder remembers 4 MiB of the
       values it met (it kept them all: 60,000 x 250 bytes and the map's) */
    FILE *uf = csv_create("mem_unknown.csv", "编号,收到日期,申请人类型\n");
    for (int i = 0; uf && i < 60000; i++)
        fprintf(uf, "U%07d,2020-01-05,%07d%0243d\n", i, i, 0);
    if (uf)
        fclose(uf);
    long unknowns = import_peak_kb(path_of("mem_unknown.csv"), "mem_unknown.db", "甲", 60000, 60000,
                                   NULL);
    printf("# import of 60,000 distinct unknown values of 250 bytes: %ld KiB more than of 40,000 "
           "rows\n", unknowns - small);
    CHECK(small > 0 && unknowns > 0 && unknowns - small < 8 * 1024,
          "memory: 60,000 distinct unknown values of 250 bytes take less than 8 MiB more");
    CHECK(small > 0 && big > 0 && big - small < 4096,
          "memory: 400,000 rows take less than 4 MiB more than 40,000, the repeat found");
    /* rows of 2 MB: the writer's queue holds texts of a few MiB at most (it held its group's
       rows, 4,096, whatever their size: 48 MB here); one copy each in the reader, the raw
       values, the queue and SQLite's record and its key's */
    long wide = import_peak_kb(wide_rows_file("mem_wide.csv", 24, 0, 1), "mem_wide.db", "甲", 24, 0,
                               NULL);
    printf("# import of 24 rows of 2 MB: %ld KiB more than of 40,000 small ones\n",
           wide - small);
    CHECK(small > 0 && wide > 0 && wide - small < 24 * 1024,
          "memory: 24 rows of 2 MB take less than 24 MiB more than 40,000 small ones");
    /* rows of 2 MB of 40 bodies that have them, changed: each body's writer let go of the
       rows it read ahead, and its queue of their texts (each held its last: 190 MB) */
    long wide_again = import_peak_kb(wide_rows_file("mem_wide3.csv", 40, 40, 2), "mem_wide2.db",
                                     NULL, 40, 0, wide_rows_file("mem_wide2.csv", 40, 40, 1));
    printf("# re-import of 40 rows of 2 MB of 40 bodies, changed: %ld KiB more than of 40,000 "
           "small ones\n", wide_again - small);
    CHECK(small > 0 && wide_again > 0 && wide_again - small < 32 * 1024,
          "memory: 40 rows of 2 MB of 40 bodies re-imported take less than 32 MiB more than "
          "40,000 small ones");
    /* rows of 0.6 MB of 100 bodies, changed: each body's writer kept its last read ahead and
       its queue's texts, each buffer under the size past which it is let go (150 MB more);
       past 4 MiB of such buffers in all, each is let go after its row */
    long half_again = import_peak_kb(wide_rows_of("mem_half2.csv", 200, 100, 2, 300000, 0),
                                     "mem_half.db", NULL, 200, 0,
                                     wide_rows_of("mem_half.csv", 200, 100, 1, 300000, 0));
    printf("# re-import of 200 rows of 0.6 MB of 100 bodies, changed: %ld KiB more than of "
           "40,000 small ones\n", half_again - small);
    CHECK(small > 0 && half_again > 0 && half_again - small < 32 * 1024,
          "memory: 200 rows of 0.6 MB of 100 bodies re-imported take less than 32 MiB more than "
          "40,000 small ones");
    /* the same, each row followed by a new id: a writer whose id was not found keeps its
       read ahead for the row after it (not read again for each new id), within the total
       alone (each kept its own: 93 MB more) */
    long new_again = import_peak_kb(wide_rows_of("mem_half3.csv", 200, 100, 2, 300000, 1),
                                    "mem_half3.db", NULL, 400, 0,
                                    wide_rows_of("mem_half.csv", 200, 100, 1, 300000, 0));
    printf("# re-import of 200 rows of 0.6 MB of 100 bodies, changed, each followed by a new "
           "id: %ld KiB more than of 40,000 small ones\n", new_again - small);
    CHECK(small > 0 && new_again > 0 && new_again - small < 32 * 1024,
          "memory: 200 rows of 0.6 MB of 100 bodies re-imported, each followed by a new id, take "
          "less than 32 MiB more than 40,000 small ones");
    /* bodies taking turns row by row: one queue of batches, one group's buffers, the
       packed parts' buffers bounded (each body's own, before: 0.45 MB a body) */
    long many = import_peak_kb(interleaved_file("mem_many.csv", 400000, 1000, 'M'), "mem_many.db",
                               NULL, 400000, 0, NULL);
    printf("# import of 400,000 rows of 1,000 bodies taking turns: %ld KiB more than of 40,000 "
           "of one\n", many - small);
    CHECK(small > 0 && many > 0 && many - small < 48 * 1024,
          "memory: 400,000 rows of 1,000 bodies taking turns take less than 48 MiB more than "
          "40,000 of one");
    /* into 3,000 bodies that have rows already: each takes its last part back, with room
       for its records (not a whole part's: 365 MB) */
    long again = import_peak_kb(interleaved_from("mem_again.csv", 6000, 6000, 3000, 'A'),
                                "mem_again.db", NULL, 6000, 0,
                                interleaved_from("mem_first.csv", 0, 6000, 3000, 'A'));
    printf("# import of 6,000 rows into 3,000 bodies that have 2 each: %ld KiB more than of "
           "40,000 of one\n", again - small);
    CHECK(small > 0 && again > 0 && again - small < 64 * 1024,
          "memory: 6,000 rows into 3,000 bodies with rows take less than 64 MiB more than 40,000 "
          "of one");
    /* rows into 40 bodies whose last part lacks one record: each part taken back, filled,
       written; the buffers' room counts towards the bound, here 4 parts' (each a whole
       part's kept, uncounted, before: 16 MB) */
    long made = import_peak_kb(interleaved_from("mem_full.csv", 0, 40 * 8191, 40, 'F'),
                               "mem_full.db", NULL, 40 * 8191, 0, NULL);
    child_bound = 4 * 8192;
    long full = import_peak_kb(interleaved_from("mem_full2.csv", 40 * 8191, 80, 40, 'F'),
                               "mem_full.db", NULL, 80, 0, NULL);
    child_bound = 0;
    long full0 = import_peak_kb(interleaved_from("mem_full3.csv", 0, 80, 40, 'G'), "mem_full0.db",
                                NULL, 80, 0, NULL);
    printf("# import of 80 rows into 40 bodies of 8,191 (a bound of 4 parts): %ld KiB more than "
           "into 40 new bodies\n", full - full0);
    CHECK(made > 0 && full > 0 && full0 > 0 && full - full0 < 8 * 1024,
          "memory: 80 rows into 40 bodies of 8,191 take less than 8 MiB more than into new ones");
#endif
}


/* Rows of 2 MB among small ones: the queue writes its whole batches once its texts pass
 * some MiB and keeps the rest, their texts moved to its start. Every row is stored as
 * read, its rid in the file's order. */
static void test_big_among_small(void)
{
    char err[512];
    FILE *f = csv_create("bigsmall.csv", "编号,收到日期,申请人类型,办结日期,办理结果,备注1,备注2\n");
    char *v = malloc(1000001);
    CHECK(f && v, "big among small: the file made");
    if (!f || !v) {
        if (f)
            fclose(f);
        free(v);
        return;
    }
    memset(v, 'y', 1000000), v[1000000] = '\0';
    for (int i = 0; i < 1400; i++) {
        fprintf(f, "B%05d,2020-01-05,自然人,2020-01-20,%d", i, 1 + i % 2);
        if (i % 150 == 75)
            fprintf(f, ",%s,%s\n", v, v);
        else
            fprintf(f, ",s%d,\n", i);
    }
    fclose(f);
    free(v);
    nb_import_opts o = {.path = path_of("bigsmall.csv"), .kind = "request", .body = "大小"};
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.inserted == 1400, "big among small: 1,400 rows, 10 of 2 MB");
    const char *body = "(SELECT id FROM body WHERE name = '大小')";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM request WHERE body = %s AND "
             "line = 2 + CAST(substr(id, 2) AS INTEGER) AND raw = CASE WHEN "
             "CAST(substr(id, 2) AS INTEGER) %% 150 = 75 THEN '6' || char(30) || "
             "printf('%%.1000000c', 'y') || char(31) || '7' || char(30) || "
             "printf('%%.1000000c', 'y') ELSE '6' || char(30) || 's' || "
             "CAST(substr(id, 2) AS INTEGER) END", body);
    CHECK(sql_int(sql) == 1400, "big among small: each row's line and raw values as read");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM request a JOIN request b ON a.body = b.body "
             "AND a.rid < b.rid AND a.line > b.line WHERE a.body = %s", body);
    CHECK(sql_int(sql) == 0, "big among small: the rids in the file's order");
}

/* New ids before a body's row of 1.9 MB: the row, read ahead once, is kept while it is the
 * next to come (let go after each row, it was read again for every new id: 4x as slow). */
static void test_new_before_big(void)
{
    char err[512];
    nb_buf f = {0};
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果,备注1,备注2\nZ9,2020-01-05,自然人,2020-01-20,1,");
    for (int i = 0; i < 950000; i++)
        nb_buf_add(&f, "x", 1);
    nb_buf_adds(&f, ",");
    for (int i = 0; i < 950000; i++)
        nb_buf_add(&f, "y", 1);
    nb_buf_adds(&f, "\n");
    nb_import_opts o = {.path = write_file("nb_big.csv", f.data), .kind = "request", .body = "前大"};
    nb_import_stats st;
    CHECK(nb_import(store, &o, &st, err, sizeof err) == NB_OK && st.inserted == 1,
          "new before big: a row of 1.9 MB");
    f.len = 0;
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果\n");
    for (int i = 0; i < 2000; i++)
        nb_buf_printf(&f, "A%05d,2020-01-05,自然人,2020-01-20,1\n", i);
    o.path = write_file("nb_new.csv", f.data);
    long before = nb_writer_rows_read();
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    long read = nb_writer_rows_read() - before;
    printf("# 2,000 new ids before a row of 1.9 MB: %ld rows read ahead\n", read);
    CHECK(rc == NB_OK && st.inserted == 2000 && read < 100,
          "new before big: 2,000 new ids, the big row not read again for each");
    nb_buf_free(&f);
}

/* Rows re-imported with other coded values change the records in their parts: each part
 * decoded, changed and encoded again, none made from the rows. Records in every place a
 * part may be: written before the import, taken back into the buffer (the body's last part,
 * rows added after it), written short at the memory bound and merged at commit. */
static void test_patched(void)
{
    char err[512];
    nb_import_opts o = {.path = interleaved_file("patch1.csv", 40000, 2, 'Q'), .kind = "request"};
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.inserted == 40000, "patched: 20,000 rows of each of 2 bodies");
    /* every 5th row's outcome changed, then 3,000 rows added, then rows of the last part
       changed again (in the buffer now, the rows added after them) */
    nb_buf f = {0};
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    for (int i = 0; i < 40000; i++)
        nb_buf_printf(&f, "Q-%d,2021-%02d-%02d,自然人,2021-12-31,%d,Q%d\n", i, 1 + i % 12, 1 + i % 28,
                      i % 5 ? 1 + i % 2 : 2 - i % 2, i % 2);
    for (int i = 40000; i < 43000; i++)
        nb_buf_printf(&f, "Q-%d,2021-%02d-%02d,自然人,2021-12-31,1,Q%d\n", i, 1 + i % 12, 1 + i % 28,
                      i % 2);
    o.path = write_file("patch2.csv", f.data);
    long before = nb_pack_rows_read();
    rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.updated == 40000 && st.inserted == 3000,
          "patched: 40,000 rows found again (8,000 changed), 3,000 new");
    CHECK(nb_pack_rows_read() == before, "patched: no part made from the rows");
    CHECK(verify_packs() == 0, "patched: the parts and digests agree with the rows");
    CHECK_STR(sql_rows("SELECT count(*) FROM records_request r JOIN body b ON b.id = r.body "
                       "WHERE b.name IN ('Q0', 'Q1') AND r.id LIKE 'Q-%' AND r.outcome = (SELECT id FROM dict "
                       "WHERE dict = 'outcome' AND code = '2')"),
              "20000\n", "patched: the outcomes as the file gives them (every 5th swapped)");
    /* new rows first (the last part taken into the buffer), then rows of that part changed;
       with a bound of 500 records: the buffers written short and the patches written at
       each bound, merged at commit */
    f.len = 0;
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    for (int i = 43000; i < 44000; i++)
        nb_buf_printf(&f, "Q-%d,2021-03-03,自然人,2021-12-31,1,Q%d\n", i, i % 2);
    for (int i = 39000; i < 40000; i++)
        nb_buf_printf(&f, "Q-%d,2021-%02d-%02d,商业企业,2021-12-31,%d,Q%d\n", i, 1 + i % 12,
                      1 + i % 28, 1 + i % 2, i % 2);
    for (int i = 42000; i < 43000; i++)
        nb_buf_printf(&f, "Q-%d,2021-04-04,法律服务机构,2021-12-30,2,Q%d\n", i, i % 2);
    o.path = write_file("patch3.csv", f.data);
    nb_buf_free(&f);
    long was = nb_pack_bound(500);
    before = nb_pack_rows_read();
    rc = nb_import(store, &o, &st, err, sizeof err);
    nb_pack_bound(was);
    CHECK(rc == NB_OK && st.updated == 2000 && st.inserted == 1000,
          "patched: 1,000 new rows, then 2,000 changed, a bound of 500 records");
    CHECK(nb_pack_rows_read() == before, "patched: a bound of 500: no part made from the rows");
    CHECK(verify_packs() == 0, "patched: a bound of 500: the parts and digests agree with the rows");
    CHECK_STR(sql_rows("SELECT b.name, group_concat(p.n, ' ') FROM pack p JOIN body b ON b.id = p.body "
                       "WHERE b.name IN ('Q0', 'Q1') GROUP BY b.name ORDER BY b.name"),
              "Q0|8192 8192 5616\nQ1|8192 8192 5616\n", "patched: the parts merged, full but the last");
}

/* Rows re-imported into many bodies that have rows are looked up through each body's leaf
 * of the (body, id) index while the table's pages they change fill the cache: each page
 * of the store is read about once (SQLite's cache misses), not a leaf per row. */
static void test_looked_up_cache(void)
{
    char err[512];
    nb_import_opts o = {.path = interleaved_file("lookup1.csv", 80000, 40, 'L'), .kind = "request"};
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.inserted == 80000, "looked up: 2,000 rows of each of 40 bodies");
    /* the same rows from another file: each one found and moved to it */
    o.path = interleaved_file("lookup2.csv", 80000, 40, 'L');
    int cur, hi;
    sqlite3_db_status(store->db, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
    rc = nb_import(store, &o, &st, err, sizeof err);
    sqlite3_db_status(store->db, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
    long long pages = sql_int("PRAGMA page_count");
    CHECK(rc == NB_OK && st.updated == 80000, "looked up: 80,000 rows found again");
    CHECK(cur < pages, "looked up: fewer pages read than the store has");
    if (cur >= pages)
        printf("# %d pages read, the store has %lld\n", cur, pages);
}

/* One record changed twice in one transaction of the caller's (store:insert): first while
 * its part is in the table (listed), then after a record added took that part back into
 * the buffer (changed there at once): the newer value stays (found by review: the listed
 * one was written over it at commit). */
static void test_changed_twice(void)
{
    char err[512], id[32];
    const char *names[] = {"id", "received", "applicant", "closed", "outcome"};
    int inserted;
    nb_err rc = NB_OK;
    for (int i = 0; i <= 10 && !rc; i++) {
        snprintf(id, sizeof id, "T-%d", i);
        const char *v[] = {id, "2020-06-01", "自然人", "2020-06-02", "1"};
        if (i == 10) /* the transaction: T-5 changed, T-10 added, T-5 changed again */
            rc = nb_store_begin(store, err, sizeof err);
        const char *again[][2] = {{"T-5", "2"}, {"T-10", "1"}, {"T-5", "3.1"}};
        for (int j = 0; i == 10 && j < 3 && !rc; j++) {
            const char *w[] = {again[j][0], "2020-06-01", "自然人", "2020-06-02", again[j][1]};
            rc = nb_record_insert(store, "request", "两次局", names, w, 5, "test", &inserted, err,
                                  sizeof err);
        }
        if (i < 10)
            rc = nb_record_insert(store, "request", "两次局", names, v, 5, "test", &inserted, err,
                                  sizeof err);
    }
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK, "changed twice: stored");
    CHECK_STR(sql_rows("SELECT d.code FROM request r JOIN body b ON b.id = r.body JOIN dict d "
                       "ON d.id = r.outcome WHERE b.name = '两次局' AND r.id = 'T-5'"),
              "3.1\n", "changed twice: the row has the last value");
    CHECK(verify_packs() == 0, "changed twice: the parts agree with the rows");
}

/* Rows a re-import with --replace-all removes are taken out of their parts: a part's first
 * records (its first rid then another), records in its middle, records of the last part
 * taken back into the buffer by rows added, every record of a part (the part removed);
 * none made from the rows. */
static void test_removed_from_parts(void)
{
    char err[512];
    nb_import_opts o = {.path = interleaved_file("rm1.csv", 30000, 3, 'R'), .kind = "request"};
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.inserted == 30000, "removed: 10,000 rows of each of 3 bodies");
    nb_buf f = {0};
    nb_buf_adds(&f, "编号,收到日期,申请人类型,办结日期,办理结果,机关\n");
    for (int i = 0; i < 30300; i++) {
        if (i < 6 || (i >= 3000 && i < 3300) || (i >= 29970 && i < 30000))
            continue; /* the first 2 of each body, 100 in the middle, the last 10 */
        nb_buf_printf(&f, "R-%d,2021-%02d-%02d,自然人,2021-12-31,%d,R%d\n", i, 1 + i % 12,
                      1 + i % 28, 1 + i % 2, i % 3);
    }
    o.path = write_file("rm2.csv", f.data);
    o.replace = NB_REPLACE_ALL;
    long before = nb_pack_rows_read();
    rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.removed == 336 && st.inserted == 300,
          "removed: 336 rows not in the file removed, 300 new");
    if (rc != NB_OK || st.removed != 336)
        printf("# %d: %s (%ld removed)\n", rc, err, (long)st.removed);
    CHECK(nb_pack_rows_read() == before, "removed: no part made from the rows");
    CHECK(verify_packs() == 0, "removed: the parts and digests agree with the rows");
    CHECK_STR(sql_rows("SELECT b.name, group_concat(p.n, ' ') FROM pack p JOIN body b ON b.id = p.body "
                       "WHERE b.name IN ('R0', 'R1', 'R2') GROUP BY b.name ORDER BY b.name"),
              "R0|8090 1898\nR1|8090 1898\nR2|8090 1898\n",
              "removed: the first part short by what it lost, the last with the rows added");
    /* a body whose first part loses every record */
    f.len = 0;
    nb_buf_adds(&f, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 8200; i++)
        nb_buf_printf(&f, "Z%05d,2020-01-%02d,自然人\n", i, 1 + i % 28);
    result r = run("request", write_file("rm3.csv", f.data), "整段局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 8200, "removed: 8,200 rows, a full part and 8 more");
    f.len = 0;
    nb_buf_adds(&f, "编号,收到日期,申请人类型\n");
    for (int i = 8192; i < 8200; i++)
        nb_buf_printf(&f, "Z%05d,2020-01-%02d,自然人\n", i, 1 + i % 28);
    nb_import_opts o2 = {.path = write_file("rm4.csv", f.data), .kind = "request", .body = "整段局",
                         .replace = NB_REPLACE_ALL};
    nb_buf_free(&f);
    before = nb_pack_rows_read();
    rc = nb_import(store, &o2, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.removed == 8192, "removed: the full part's 8,192 rows removed");
    CHECK(nb_pack_rows_read() == before, "removed: a whole part: none made from the rows");
    CHECK(verify_packs() == 0, "removed: a whole part: the parts and digests agree with the rows");
    CHECK_STR(sql_rows("SELECT group_concat(p.n, ' ') FROM pack p JOIN body b ON b.id = p.body "
                       "WHERE b.name = '整段局'"),
              "8\n", "removed: the emptied part gone, the other left");
}

/* The statements run that delete a body's requests (sqlite3_trace_v2). */
static int deletes_run;

static int count_deletes(unsigned type, void *ud, void *p, void *x)
{
    (void)type, (void)ud, (void)x;
    const char *sql = sqlite3_sql(p);
    if (sql && strncmp(sql, "DELETE FROM request AS r WHERE r.body", 37) == 0)
        deletes_run++;
    return 0;
}

/* --replace-all (and --replace) of a file that brought every row of its bodies has none to
 * remove: no walk over each body's rows (about 1 s of a re-import of 1e6 rows of 100 bodies
 * taking turns); one that did not bring them all removes the rest. */
static void test_replace_all_brought(void)
{
    char err[512];
    nb_import_opts o = {.path = interleaved_file("rb1.csv", 3000, 3, 'B'), .kind = "request"};
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    CHECK(rc == NB_OK && st.inserted == 3000, "replace, all brought: 1,000 rows of each of 3 bodies");
    sqlite3_trace_v2(store->db, SQLITE_TRACE_STMT, count_deletes, NULL);
    for (int mode = 0; mode < 2; mode++) {
        /* the same rows from another file: every row updated (its source), none removed */
        o.path = interleaved_file(mode ? "rb3.csv" : "rb2.csv", 3000, 3, 'B');
        o.replace = mode ? NB_REPLACE_SAME : NB_REPLACE_ALL;
        deletes_run = 0;
        rc = nb_import(store, &o, &st, err, sizeof err);
        CHECK(rc == NB_OK && st.updated == 3000 && st.removed == 0,
              mode ? "replace, all brought: --replace, every row updated, none removed"
                   : "replace, all brought: --replace-all, every row updated, none removed");
        CHECK(deletes_run == 0, mode ? "replace, all brought: --replace: no body's rows walked"
                                     : "replace, all brought: --replace-all: no body's rows walked");
    }
    /* a file without the last row of each body: those removed */
    o.path = interleaved_file("rb4.csv", 2997, 3, 'B');
    o.replace = NB_REPLACE_ALL;
    deletes_run = 0;
    rc = nb_import(store, &o, &st, err, sizeof err);
    sqlite3_trace_v2(store->db, 0, NULL, NULL);
    CHECK(rc == NB_OK && st.removed == 3 && st.unchanged == 0, "replace, all brought: a row fewer of each: 3 removed");
    CHECK(deletes_run == 3, "replace, all brought: a row fewer of each: each body's rows walked");
    CHECK(sql_int("SELECT count(*) FROM request WHERE id IN ('B-2997', 'B-2998', 'B-2999')") == 0,
          "replace, all brought: the rows not brought are gone");
    CHECK(verify_packs() == 0, "replace, all brought: the parts and digests agree with the rows");
}

/* Removes the request ID of BODY as delete.c does: its row, then its record from its part
 * (nb_pack_remove). */
static nb_err remove_request(int64_t body, const char *id, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store->db, "DELETE FROM request WHERE body = ?1 AND id = ?2 RETURNING rid", -1, &st,
                           NULL) != SQLITE_OK)
        return NB_ERR_SQL;
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    nb_err rc = NB_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW)
        rc = nb_pack_remove(store, nb_kind_find("request"), body, sqlite3_column_int64(st, 0), err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* A record removed from a part, then a record added in the same transaction: the new one
 * is kept, the old one taken out (found by review, when the new one took the removed
 * largest rid again; it takes the next rid counted now). */
static void test_rid_reused(void)
{
    char err[512];
    nb_buf f = {0};
    nb_buf_adds(&f, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 8192; i++)
        nb_buf_printf(&f, "RU%05d,2020-01-%02d,自然人\n", i, 1 + i % 28);
    result r = run("request", write_file("ru1.csv", f.data), "复用局", 0, NULL, 0);
    nb_buf_free(&f);
    CHECK(r.rc == NB_OK && r.st.inserted == 8192, "rid reused: a full part");
    const char *names[] = {"id", "received", "applicant"};
    const char *x[] = {"RU-X", "2020-02-01", "自然人"}, *y[] = {"RU-Y", "2021-07-07", "商业企业"};
    int ins;
    int64_t body = sql_int("SELECT id FROM body WHERE name = '复用局'");
    nb_err rc = nb_store_begin(store, err, sizeof err);
    /* one added and removed (the buffer empty again), the part's last removed, one added */
    if (!rc)
        rc = nb_record_insert(store, "request", "复用局", names, x, 3, "test", &ins, err, sizeof err);
    const char *gone[] = {"RU-X", "RU08191"};
    for (int i = 0; i < 2 && !rc; i++)
        rc = remove_request(body, gone[i], err, sizeof err);
    int64_t last = sql_int("SELECT max(rid) FROM request");
    if (!rc)
        rc = nb_record_insert(store, "request", "复用局", names, y, 3, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK, "rid reused: stored");
    CHECK(sql_int("SELECT rid FROM request WHERE id = 'RU-Y'") == last + 3,
          "rid reused: the new record took the next rid counted, not a removed one's");
    CHECK(verify_packs() == 0, "rid reused: the parts agree with the rows");
}

/* The rids of new records are the program's to give (nb_pack_rids), not SQLite's: the
 * largest of the kind's packed parts + 1 when a transaction begins, counted on as records
 * are added (a row is written with its rid bound) and removed, read again after a
 * rollback; each kind its own. */
static void test_rids_given(void)
{
    char err[512];
    const char *names[] = {"id", "received", "applicant"};
    const char *a[] = {"RG-A", "2020-03-01", "自然人"}, *b[] = {"RG-B", "2020-03-02", "自然人"};
    const nb_kind *req = nb_kind_find("request"), *doc = nb_kind_find("document");
    int ins;
    int64_t first = 0, next = 0, d1 = 0, d2 = 0;
    nb_err rc = nb_store_begin(store, err, sizeof err);
    long long top = sql_int("SELECT coalesce(max(rid), 0) FROM request");
    CHECK(!rc && nb_pack_rids(store, req, 0, &first) == SQLITE_OK && first == top + 1,
          "rids: the next is the largest + 1");
    CHECK(nb_pack_rids(store, req, 5, &first) == SQLITE_OK && first == top + 1 &&
              nb_pack_rids(store, req, 0, &next) == SQLITE_OK && next == top + 6,
          "rids: five taken, the next after them");
    CHECK(nb_pack_rids(store, doc, 0, &d1) == SQLITE_OK &&
              d1 == sql_int("SELECT coalesce(max(rid), 0) + 1 FROM document") &&
              nb_pack_rids(store, doc, 2, &d2) == SQLITE_OK && d2 == d1,
          "rids: another kind counts its own");
    if (!rc)
        rc = nb_record_insert(store, "request", "给号局", names, a, 3, "test", &ins, err, sizeof err);
    CHECK(!rc && sql_int("SELECT rid FROM request WHERE id = 'RG-A'") == top + 6,
          "rids: a record inserted takes the rid given, not SQLite's largest + 1");
    int64_t body = sql_int("SELECT id FROM body WHERE name = '给号局'");
    if (!rc)
        rc = remove_request(body, "RG-A", err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "给号局", names, b, 3, "test", &ins, err, sizeof err);
    CHECK(!rc && sql_int("SELECT rid FROM request WHERE id = 'RG-B'") == top + 7,
          "rids: after a removal, counted on (a transaction gives no rid twice)");
    nb_store_rollback(store);
    CHECK(nb_pack_rids(store, req, 0, &next) == SQLITE_OK && next == top + 1 &&
              sql_int("SELECT count(*) FROM request WHERE id LIKE 'RG-%'") == 0,
          "rids: a rollback forgets what was counted");
    CHECK(verify_packs() == 0, "rids: the parts agree with the rows");
}

/* A buffer emptied by removals after a spill keeps its place after the parts: a record
 * added then is added to the parts, not had them made again from the rows (when a removed
 * largest rid was given again, the emptied buffer kept it as its last: the new one seemed
 * to come before it). */
static void test_emptied_after_spill(void)
{
    char err[512];
    const char *names[] = {"id", "received", "applicant"};
    const char *a[] = {"ES-A", "2020-02-01", "自然人"}, *b[] = {"ES-B", "2020-02-02", "自然人"},
               *c[] = {"ES-C", "2020-02-03", "商业企业"};
    int ins;
    nb_err rc = nb_store_begin(store, err, sizeof err);
    long was = nb_pack_bound(1); /* A's part written short at once (a spill) */
    if (!rc)
        rc = nb_record_insert(store, "request", "清空局", names, a, 3, "test", &ins, err, sizeof err);
    nb_pack_bound(was);
    if (!rc) /* B buffered, then removed: the buffer empty again */
        rc = nb_record_insert(store, "request", "清空局", names, b, 3, "test", &ins, err, sizeof err);
    int64_t body = sql_int("SELECT id FROM body WHERE name = '清空局'");
    int64_t rid_b = sql_int("SELECT rid FROM request WHERE id = 'ES-B'");
    if (!rc)
        rc = remove_request(body, "ES-B", err, sizeof err);
    long before = nb_pack_rows_read();
    if (!rc)
        rc = nb_record_insert(store, "request", "清空局", names, c, 3, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK, "emptied after a spill: stored");
    CHECK(sql_int("SELECT rid FROM request WHERE id = 'ES-C'") == rid_b + 1,
          "emptied after a spill: the new record took the next rid");
    CHECK(nb_pack_rows_read() == before, "emptied after a spill: no part made from the rows");
    CHECK(verify_packs() == 0, "emptied after a spill: the parts agree with the rows");
}

/* After a spill, the body's last record removed (its removal listed, its part written),
 * then a record added: written after the parts, not made again from the rows (it was,
 * when it took the removed one's rid). */
static void test_removed_after_spill(void)
{
    char err[512];
    const char *names[] = {"id", "received", "applicant"};
    const char *a[] = {"SD-A", "2020-03-01", "自然人"}, *b[] = {"SD-B", "2020-03-02", "自然人"},
               *c[] = {"SD-C", "2020-03-03", "商业企业"};
    int ins;
    nb_err rc = nb_store_begin(store, err, sizeof err);
    long was = nb_pack_bound(1); /* each record's part written short at once (a spill) */
    if (!rc)
        rc = nb_record_insert(store, "request", "溢出删局", names, a, 3, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "溢出删局", names, b, 3, "test", &ins, err, sizeof err);
    nb_pack_bound(was);
    int64_t body = sql_int("SELECT id FROM body WHERE name = '溢出删局'");
    int64_t rid_b = sql_int("SELECT rid FROM request WHERE id = 'SD-B'");
    if (!rc)
        rc = remove_request(body, "SD-B", err, sizeof err);
    long before = nb_pack_rows_read();
    if (!rc)
        rc = nb_record_insert(store, "request", "溢出删局", names, c, 3, "test", &ins, err, sizeof err);
    CHECK(rc == NB_OK && vtab_differs(1) == 0,
          "removed after a spill: before the commit, every record as the rows hold it");
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK, "removed after a spill: stored");
    CHECK(sql_int("SELECT rid FROM request WHERE id = 'SD-C'") == rid_b + 1,
          "removed after a spill: the new record took the next rid");
    CHECK(nb_pack_rows_read() == before, "removed after a spill: no part made from the rows");
    CHECK(verify_packs() == 0, "removed after a spill: the parts agree with the rows");
    CHECK_STR(sql_rows("SELECT r.id, d.code FROM records_request r JOIN dict d ON d.id = r.applicant "
                       "WHERE r.body = (SELECT id FROM body WHERE name = '溢出删局') ORDER BY r.rid"),
              "SD-A|person\nSD-C|business\n", "removed after a spill: the records as they are");
}

/* The default VFS, counting the statement journals SQLite opens (a statement that may
 * fail halfway keeps the pages it changes there first), each in a file. */
static sqlite3_vfs shim, *base_vfs;
static int subjournals;

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    if (flags & SQLITE_OPEN_SUBJOURNAL)
        subjournals++;
    return base_vfs->xOpen(base_vfs, name, f, flags, out);
}

static void shim_install(void)
{
    /* every statement journal in a file (none kept in memory): each one is seen */
    sqlite3_shutdown();
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 0);
    sqlite3_initialize();
    base_vfs = sqlite3_vfs_find(NULL);
    shim = *base_vfs;
    shim.zName = "nb-test-shim";
    shim.pAppData = NULL;
    shim.xOpen = shim_open;
    sqlite3_vfs_register(&shim, 1);
}

/* Re-imported rows are updated, each or a run at a time, without a statement journal:
 * one row's UPDATE cannot fail halfway, and a failed run fails the file (by hand, 1e6
 * changed rows of 100 bodies: the journal wrote 1.8 million pages, 15.6 against 7.5 s). */
static void test_no_statement_journal(void)
{
    nb_buf b = {0};
    nb_buf_adds(&b, HEADER);
    for (int i = 0; i < 3000; i++)
        nb_buf_printf(&b, "SJ%05d,2020-03-%02d,自然人,2020-04-01,1\n", i, 1 + i % 28);
    result r = run("request", write_file("sj1.csv", b.data), "无语句日志局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 3000, "statement journal: 3,000 rows stored");
    /* a line at the top (every row moves: runs of rids), every 7th row changed (an update each) */
    b.len = 0;
    nb_buf_adds(&b, HEADER);
    nb_buf_adds(&b, "SJNEW,2020-05-01,自然人,2020-05-02,1\n");
    for (int i = 0; i < 3000; i++)
        nb_buf_printf(&b, "SJ%05d,2020-03-%02d,%s,2020-04-01,1\n", i, 1 + i % 28,
                      i % 7 ? "自然人" : "商业企业");
    const char *path = write_file("sj2.csv", b.data);
    nb_buf_free(&b);
    int before = subjournals;
    r = run("request", path, "无语句日志局", 0, NULL, 0);
    CHECK(r.rc == NB_OK && r.st.inserted == 1 && r.st.updated == 3000,
          "statement journal: 1 row new, 3,000 updated");
    CHECK(subjournals == before, "statement journal: none opened by the updates");
    if (subjournals != before)
        printf("# %d opened\n", subjournals - before);
    CHECK(sql_int("SELECT count(*) FROM request r JOIN body b ON b.id = r.body WHERE b.name = "
                  "'无语句日志局' AND r.line = 3 + CAST(substr(r.id, 3) AS INTEGER) AND r.id <> 'SJNEW'") == 3000,
          "statement journal: every row at its new line");
    CHECK(verify_packs() == 0, "statement journal: the parts and digests agree with the rows");
}

/* Every record of kind K as nb_rows gives it (QUERY's filters; the coded values from the
 * packed columns, the rest from the rows), one line each into OUT. */
static void rows_from_cursor(const nb_query *q, nb_buf *out)
{
    char err[512];
    nb_rows r;
    const nb_kind *k = q->kind;
    if (nb_rows_open(store, q, &r, err, sizeof err) != NB_OK) {
        nb_buf_printf(out, "open: %s\n", err);
        return;
    }
    int more;
    while ((more = nb_rows_next(&r, err, sizeof err)) == 1) {
        nb_buf_printf(out, "%lld|%s|%s", (long long)r.row.rid, r.row.body, r.row.id);
        for (int f = 0; f < k->nfields; f++) {
            nb_ftype t = k->fields[f].type;
            if (t == NB_F_TEXT)
                nb_buf_printf(out, "|%s", r.row.text[f] ? r.row.text[f] : "");
            else if ((t == NB_F_DATE || t == NB_F_CAT) && !r.row.ival[f])
                nb_buf_adds(out, "|");
            else
                nb_buf_printf(out, "|%lld", (long long)r.row.ival[f]);
        }
        nb_buf_printf(out, "|%s|%ld|%s\n", r.row.source, r.row.line, r.row.raw);
    }
    if (more < 0)
        nb_buf_printf(out, "next: %s\n", err);
    nb_rows_close(&r);
}

/* The same from the rows alone, by SQL over the kind's table (WHERE: its filter). */
static void rows_from_sql(const nb_kind *k, const char *where, nb_buf *out)
{
    nb_buf q = {0};
    nb_buf_adds(&q, "SELECT r.rid, b.name, r.id");
    for (int f = 0; f < k->nfields; f++)
        nb_buf_printf(&q, ", r.%s", k->fields[f].name);
    nb_buf_printf(&q, ", s.path, r.line, r.raw FROM %s r JOIN body b ON b.id = r.body JOIN source s "
                      "ON s.id = r.src WHERE %s ORDER BY r.body, r.rid", k->table, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store->db, q.data, -1, &st, NULL) != SQLITE_OK) {
        nb_buf_printf(out, "SQL: %s\n", sqlite3_errmsg(store->db));
        nb_buf_free(&q);
        return;
    }
    nb_buf_free(&q);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        for (int c = 0; c < n; c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            nb_buf_printf(out, "%s%s", c ? "|" : "", v ? v : "");
        }
        nb_buf_adds(out, "\n");
    }
    sqlite3_finalize(st);
}

/* store:rows and store:count read the coded values from the packed columns: after every
 * import, re-import, replacement and removal above, every kind's records, whole and
 * filtered, are what the rows hold (the test of the cursor while the rows keep the values
 * too). */
static void test_rows_from_packs(void)
{
    int kinds = 0, agree = 0, counted = 0;
    for (int i = 0; i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        nb_query q = {.kind = k};
        nb_buf a = {0}, b = {0};
        rows_from_cursor(&q, &a);
        rows_from_sql(k, "1", &b);
        kinds += a.len > 0;
        agree += (a.data ? strcmp(a.data, b.data ? b.data : "") : (b.len ? 1 : 0)) == 0;
        if (a.data && b.data && strcmp(a.data, b.data) != 0)
            printf("# %s: the cursor gave\n%.600s\n# the rows\n%.600s\n", k->name, a.data, b.data);
        int64_t n = -1;
        char err[512];
        char count_sql[128];
        snprintf(count_sql, sizeof count_sql, "SELECT count(*) FROM %s", k->table);
        if (nb_count(store, &q, &n, err, sizeof err) == NB_OK && n == sql_int(count_sql))
            counted++;
        nb_buf_free(&a);
        nb_buf_free(&b);
    }
    CHECK(kinds >= 4 && agree == nb_nkinds, "rows: every kind's records from the packs as the rows hold them");
    CHECK(counted == nb_nkinds, "rows: every kind counted from the packs as the rows count");

    /* filtered: a year, a category, a date, an id, a body, together */
    const nb_kind *k = nb_kind_find("request");
    int64_t body = sql_int("SELECT body FROM request GROUP BY body ORDER BY count(*) DESC LIMIT 1");
    char id[64] = "";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store->db, "SELECT id FROM request ORDER BY rid LIMIT 1 OFFSET 3", -1, &st, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    int64_t mid = sql_int("SELECT rid FROM request ORDER BY rid LIMIT 1 OFFSET "
                          "(SELECT count(*) / 2 FROM request)");
    char late[64] = ""; /* an id past MID: the cursor past MID finds it (by a review) */
    if (sqlite3_prepare_v2(store->db, "SELECT id FROM request ORDER BY rid LIMIT 1 OFFSET "
                                      "(SELECT count(*) * 3 / 4 FROM request)", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(late, sizeof late, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    struct {
        int64_t body;
        int year;
        nb_filter f[2];
        int nf;
        const char *where;
        int64_t after; /* the cursor opened past this rid (remap's turns) */
    } cases[] = {
        {0, 2020, {{0}}, 0, "r.received BETWEEN 20200101 AND 20201231", 0},
        {body, 0, {{0}}, 0, NULL, 0},
        {body, 2020, {{"applicant", "自然人"}}, 1, NULL, 0},
        {0, 0, {{"outcome", "1"}}, 1, "r.outcome = (SELECT id FROM dict WHERE dict = 'outcome' AND code = '1')", 0},
        {0, 0, {{"received", "2020-01-05"}}, 1, "r.received = 20200105", 0},
        {0, 0, {{"id", id}}, 1, NULL, 0},
        {0, 2021, {{"id", id}, {"applicant", "business"}}, 2, NULL, 0},
        {0, 0, {{"channel", "没有这个渠道"}}, 1, "0", 0},
        {body, 0, {{0}}, 0, NULL, mid},
        {body, 2020, {{"applicant", "自然人"}}, 1, NULL, mid},
        {0, 0, {{"id", id}}, 1, NULL, mid},
        {0, 0, {{"id", late}}, 1, NULL, mid},
        {0, 0, {{0}}, 0, NULL, mid},
    };
    int same = 0, n = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < n; i++) {
        char where[512];
        if (cases[i].where)
            snprintf(where, sizeof where, "%s", cases[i].where);
        else {
            int len = snprintf(where, sizeof where, "1");
            if (cases[i].body)
                len += snprintf(where + len, sizeof where - len, " AND r.body = %lld", (long long)cases[i].body);
            if (cases[i].year)
                len += snprintf(where + len, sizeof where - len, " AND r.received BETWEEN %d AND %d",
                                cases[i].year * 10000 + 101, cases[i].year * 10000 + 1231);
            for (int j = 0; j < cases[i].nf; j++) {
                if (strcmp(cases[i].f[j].field, "id") == 0)
                    len += snprintf(where + len, sizeof where - len, " AND r.id = '%s'", cases[i].f[j].value);
                else if (strcmp(cases[i].f[j].field, "applicant") == 0)
                    len += snprintf(where + len, sizeof where - len,
                                    " AND r.applicant = (SELECT id FROM dict WHERE dict = 'applicant' AND code = '%s')",
                                    strcmp(cases[i].f[j].value, "自然人") == 0 ? "person" : cases[i].f[j].value);
            }
        }
        if (cases[i].after) {
            size_t len = strlen(where);
            snprintf(where + len, sizeof where - len, " AND r.rid > %lld", (long long)cases[i].after);
        }
        nb_query q = {.kind = k, .body = cases[i].body, .year = cases[i].year, .filters = cases[i].f,
                      .nfilters = cases[i].nf, .after_rid = cases[i].after};
        nb_buf a = {0}, b = {0};
        rows_from_cursor(&q, &a);
        rows_from_sql(k, where, &b);
        int ok = strcmp(a.data ? a.data : "", b.data ? b.data : "") == 0;
        int64_t c = -1;
        char err[512];
        char count_sql[600];
        snprintf(count_sql, sizeof count_sql, "SELECT count(*) FROM request r WHERE %s", where);
        ok &= nb_count(store, &q, &c, err, sizeof err) == NB_OK && c == sql_int(count_sql);
        if (!ok)
            printf("# case %d (%s): the cursor gave %lld\n%.400s\n# the rows\n%.400s\n", i, where, (long long)c,
                   a.data ? a.data : "", b.data ? b.data : "");
        same += ok;
        nb_buf_free(&a);
        nb_buf_free(&b);
    }
    CHECK(same == n, "rows: filtered by year, body, category, date, id and a least rid as the rows are");
}

/* The values of every record of every kind and body, as nb_pack_values gives them (rids in
 * order, by bodies), against the rows'; the number that differ (a message for the first). */
static long values_differ(void)
{
    char err[512];
    long bad = 0;
    for (int i = 0; i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        int field[NB_MAX_FIELDS], ncols = nb_pack_columns(k, field, NULL);
        nb_buf q = {0};
        nb_buf_adds(&q, "SELECT body, rid");
        for (int c = 0; c < ncols; c++)
            nb_buf_printf(&q, ", coalesce(%s, 0)", k->fields[field[c]].name);
        nb_buf_printf(&q, " FROM %s ORDER BY body, rid", k->table);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(store->db, q.data, -1, &st, NULL) != SQLITE_OK) {
            nb_buf_free(&q);
            return -1;
        }
        nb_buf_free(&q);
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t body = sqlite3_column_int64(st, 0), rid = sqlite3_column_int64(st, 1), v[NB_MAX_FIELDS];
            signed char got = -1;
            if (nb_pack_values(store, k, body, 1, &rid, v, &got, err, sizeof err) != NB_OK || got != 1) {
                if (bad++ == 0)
                    printf("# %s %lld: got %d (%s)\n", k->name, (long long)rid, got, err);
                continue;
            }
            for (int c = 0; c < ncols; c++) {
                int64_t want = sqlite3_column_int64(st, c + 2);
                if (k->fields[field[c]].type == NB_F_DATE)
                    want = nb_pack_day((int)want);
                if (v[c] != want) {
                    if (bad++ == 0)
                        printf("# %s %lld column %d: %lld, the row %lld\n", k->name, (long long)rid, c,
                               (long long)v[c], (long long)want);
                    break;
                }
            }
        }
        sqlite3_finalize(st);
    }
    return bad;
}

/* nb_pack_values asked for many rids at once (as a writer's reads ahead ask: in rid order),
 * against each asked alone: every body's rids of the request kind, all of them, every
 * other one, each twice, and the removed one GONE among them (none); the number that
 * differ. */
static long values_batch_differ(int64_t gone)
{
    const nb_kind *k = nb_kind_find("request");
    int ncols = nb_pack_columns(k, NULL, NULL);
    char err[512];
    long bad = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store->db, "SELECT body, group_concat(rid) FROM "
                           "(SELECT body, rid FROM request ORDER BY body, rid) GROUP BY body",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t body = sqlite3_column_int64(st, 0);
        const char *list = (const char *)sqlite3_column_text(st, 1);
        int n = 0, cap = 1024;
        int64_t *rids = malloc((size_t)cap * sizeof *rids);
        for (const char *c = list; c && *c && rids;) {
            if (n + 3 >= cap) {
                int64_t *more = realloc(rids, (size_t)(cap *= 2) * sizeof *rids);
                if (!more) {
                    free(rids);
                    rids = NULL;
                    break;
                }
                rids = more;
            }
            char *end;
            int64_t r = strtoll(c, &end, 10);
            if (gone > 0 && r > gone && (n == 0 || rids[n - 1] < gone))
                rids[n++] = gone;
            rids[n++] = r;
            c = *end ? end + 1 : end;
        }
        if (!rids) {
            bad = -1;
            break;
        }
        for (int pass = 0; pass < 3; pass++) {
            int m = 0; /* 0: all; 1: every other one; 2: each twice */
            int64_t *ask = malloc((size_t)n * 2 * sizeof *ask);
            for (int i = 0; ask && i < n; i++) {
                if (pass == 1 && i % 2)
                    continue;
                ask[m++] = rids[i];
                if (pass == 2)
                    ask[m++] = rids[i];
            }
            int64_t *v = ask ? malloc((size_t)m * (size_t)(ncols ? ncols : 1) * sizeof *v) : NULL;
            signed char *got = v ? malloc((size_t)m) : NULL;
            if (!got || nb_pack_values(store, k, body, m, ask, v, got, err, sizeof err) != NB_OK) {
                bad = -1;
            } else {
                for (int i = 0; i < m; i++) {
                    int64_t one[NB_MAX_FIELDS];
                    signed char g1 = -1;
                    if (nb_pack_values(store, k, body, 1, &ask[i], one, &g1, err, sizeof err) != NB_OK ||
                        g1 != got[i] || (g1 == 1 && memcmp(one, v + (size_t)i * (size_t)ncols,
                                                           (size_t)ncols * sizeof *one) != 0)) {
                        if (bad++ == 0)
                            printf("# body %lld rid %lld (pass %d): %d alone, %d among the rest\n",
                                   (long long)body, (long long)ask[i], pass, g1, got[i]);
                    }
                }
            }
            free(ask);
            free(v);
            free(got);
        }
        free(rids);
    }
    sqlite3_finalize(st);
    return bad;
}

/* nb_pack_values, what a writer reads of a record it finds: every record as the rows hold
 * it; inside a transaction, a record changed (once, twice), one added, one removed, as the
 * transaction left them, before it commits (its changes listed, its buffer). */
static void test_values_by_rid(void)
{
    char err[512];
    CHECK(values_differ() == 0, "values: every record's coded values by its rid, as the rows hold them");
    const char *names[] = {"id", "received", "applicant", "closed", "outcome"};
    const char *a[] = {"VR-A", "2020-04-01", "自然人", "", ""}, *b[] = {"VR-B", "2020-04-02", "自然人", "", ""},
               *a2[] = {"VR-A", "2020-04-01", "商业企业", "2020-05-01", "1"},
               *a3[] = {"VR-A", "2020-04-03", "其他", "2020-05-02", "1"};
    int ins;
    nb_err rc = NB_OK;
    for (int i = 0; i < 9000 && !rc; i++) { /* a full part and some: a record in a part */
        char id[32], day[16];
        snprintf(id, sizeof id, "VR%05d", i);
        snprintf(day, sizeof day, "2020-03-%02d", 1 + i % 28);
        const char *v[] = {id, day, "自然人", "", ""};
        rc = nb_record_insert(store, "request", "取值局", names, v, 5, "test", &ins, err, sizeof err);
        if (i == 0 && !rc)
            rc = nb_store_begin(store, err, sizeof err); /* the rest in one transaction */
    }
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK, "values: 9,000 records of a body");
    rc = nb_store_begin(store, err, sizeof err);
    const char *change[] = {"VR00005", "2021-01-01", "法律服务机构", "2021-02-01", "2"};
    if (!rc) /* a record added, changed, changed again (in the buffer) */
        rc = nb_record_insert(store, "request", "取值局", names, a, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, a2, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, a3, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, b, 5, "test", &ins, err, sizeof err);
    if (!rc) /* a record of its first part changed, after them: listed, not yet in its part */
        rc = nb_record_insert(store, "request", "取值局", names, change, 5, "test", &ins, err, sizeof err);
    const nb_kind *k = nb_kind_find("request");
    int64_t body = sql_int("SELECT id FROM body WHERE name = '取值局'");
    int64_t gone = sql_int("SELECT rid FROM request WHERE id = 'VR00007'");
    if (!rc)
        rc = remove_request(body, "VR00007", err, sizeof err);
    CHECK(rc == NB_OK, "values: a transaction changes, adds and removes records");
    CHECK(values_differ() == 0, "values: inside it, every record as the transaction left it (before the commit)");
    CHECK(values_batch_differ(gone) == 0, "values: inside it, many rids asked at once as each alone");
    CHECK(vtab_differs(1) == 0, "values: inside it, records_request gives every record as the rows do");
    signed char got = -1;
    int64_t v[NB_MAX_FIELDS];
    CHECK(nb_pack_values(store, k, body, 1, &gone, v, &got, err, sizeof err) == NB_OK && got == 0,
          "values: a record removed in the transaction is in no part");
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK && values_differ() == 0, "values: after the commit, the same");
    CHECK(values_batch_differ(0) == 0, "values: after the commit, many rids asked at once as each alone");

    /* a record of a part read (kept), changed, its change written into the part by an
       append after it, then changed back: compared with the part as written, not as read */
    const char *x1[] = {"VR00100", "2020-03-17", "自然人", "", ""}, *x2[] = {"VR00100", "2020-03-17", "科研机构", "", ""};
    const char *y[] = {"VR-Y", "2020-06-01", "自然人", "", ""};
    rc = nb_store_begin(store, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, x2, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, y, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, x1, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK && strcmp(sql_rows("SELECT d.code FROM records_request r JOIN dict d ON d.id = r.applicant "
                                         "WHERE r.id = 'VR00100'"), "person\n") == 0 && values_differ() == 0,
          "values: a record changed, its part written, then changed back: back (not taken as unchanged)");
    /* the same with the change written into its part at the memory bound (a spill) */
    const char *z1[] = {"VR00200", "2020-03-05", "自然人", "", ""}, *z2[] = {"VR00200", "2020-03-05", "科研机构", "", ""};
    rc = nb_store_begin(store, err, sizeof err);
    const char *w2[] = {"VR00300", "2020-03-21", "科研机构", "", ""};
    long was = nb_pack_bound(1);
    if (!rc) /* another record changed first: the next change listed reaches the bound */
        rc = nb_record_insert(store, "request", "取值局", names, w2, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, z2, 5, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_record_insert(store, "request", "取值局", names, z1, 5, "test", &ins, err, sizeof err);
    nb_pack_bound(was);
    if (!rc)
        rc = nb_store_commit(store, err, sizeof err);
    CHECK(rc == NB_OK && strcmp(sql_rows("SELECT d.code FROM records_request r JOIN dict d ON d.id = r.applicant "
                                         "WHERE r.id = 'VR00200'"), "person\n") == 0 && values_differ() == 0,
          "values: a record changed, its change written at the memory bound, then changed back: back");
}

/* A record inserted inside a transaction that an earlier failure ended (SQLite rolled it
 * back: a full disk, an interrupt): refused, saying so, and nothing written by itself (it was
 * written in autocommit, its packed columns not, and the body's last part was lost). */
static void test_insert_after_ended(void)
{
    char err[512];
    const char *names[] = {"id", "received", "applicant"};
    const char *a[] = {"EN-A", "2020-02-01", "自然人"}, *b[] = {"EN-B", "2020-02-02", "自然人"};
    int ins;
    nb_err rc = nb_record_insert(store, "request", "终止局", names, a, 3, "test", &ins, err, sizeof err);
    if (!rc)
        rc = nb_store_begin(store, err, sizeof err);
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL); /* as a failure ends it */
    nb_err in = rc ? rc : nb_record_insert(store, "request", "终止局", names, b, 3, "test", &ins, err, sizeof err);
    CHECK(rc == NB_OK && in == NB_ERR_SQL && strstr(err, "an earlier failure ended the transaction") != NULL,
          "ended: an insert into an ended transaction is refused, saying so");
    nb_err end = nb_store_commit(store, err, sizeof err);
    CHECK(end == NB_ERR_SQL && sql_int("SELECT count(*) FROM request WHERE id LIKE 'EN-%'") == 1 &&
              verify_packs() == 0,
          "ended: nothing of it written, the packed columns whole");
}

/* A category's values: one longer than 256 bytes refused; an open vocabulary (申请方式) may
 * have 20,000 values in the store, a row bringing one more refused, and the values the
 * refused import brought are not kept. */
static void test_category_bounds(void)
{
    char text[1024], big[300];
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    long long chan = sql_int("SELECT count(*) FROM dict WHERE dict = 'channel'");
    snprintf(text, sizeof text, HEADER_CH "CB1,2020-01-05,自然人,,,当面\nCB2,2020-01-05,自然人,,,%s\n", big);
    result r = run("request", write_file("cat_long.csv", text), "类别局", 0, NULL, 0);
    CHECK(r.rc == NB_ERR_INPUT && r.st.refused == 1 &&
              strstr(r.msgs, "cat_long.csv:3: field 'channel': longer than 256 bytes (a category's "
                             "value: is the column free text?) (wwww") &&
              sql_int("SELECT count(*) FROM request WHERE id LIKE 'CB%'") == 0,
          "category: a value of 299 bytes refused, named with its line; nothing written");
    FILE *f = csv_create("cat_many.csv", HEADER_CH);
    long want = 20000 - (long)chan + 3; /* the store's values, then 3 more than it may have */
    for (long i = 0; f && i < want; i++)
        fprintf(f, "CM%06ld,2020-01-05,自然人,,,方式%06ld\n", i, i);
    if (f)
        fclose(f);
    r = run("request", path_of("cat_many.csv"), "类别局", 0, NULL, 0);
    char line[256];
    snprintf(line, sizeof line, "cat_many.csv:%ld: field 'channel': a new value past the 20000 "
                                "the category may have in a store (is the column free text?) (方式",
             want - 1);
    CHECK(r.rc == NB_ERR_INPUT && r.st.refused == 3 && strstr(r.msgs, line) &&
              sql_int("SELECT count(*) FROM dict WHERE dict = 'channel'") == chan,
          "category: an open vocabulary's 20,001st value refused; the values it brought not kept");
    if (r.rc != NB_ERR_INPUT || r.st.refused != 3 || !strstr(r.msgs, line))
        printf("# %d %ld %.300s\n", r.rc, (long)r.st.refused, r.msgs);
}

/* Where records came from (nb_record_refs, cube:records): 300 files of one body, their ids
 * in turn so that the rows, read in id order, go from file to file: each record its own
 * file and line (the sources met are found through an index, grown as they come). */
static void test_refs_many_files(void)
{
    enum { FILES = 300 };
    char name[64], text[256];
    int ok = 1;
    for (int k = 0; k < FILES && ok; k++) {
        snprintf(name, sizeof name, "refs%03d.csv", k);
        snprintf(text, sizeof text, HEADER "RF0-%03d,2020-03-01,自然人,,\nRF1-%03d,2020-03-02,企业,,\n", k, k);
        ok = run("request", write_file(name, text), "来源局", 0, NULL, 0).rc == NB_OK;
    }
    CHECK(ok, "refs: 300 files of one body imported");
    sqlite3_stmt *st;
    int64_t rids[2 * FILES];
    int n = 0;
    if (sqlite3_prepare_v2(store->db, "SELECT rid FROM request WHERE id LIKE 'RF%' ORDER BY id DESC",
                           -1, &st, NULL) == SQLITE_OK) {
        while (n < 2 * FILES && sqlite3_step(st) == SQLITE_ROW)
            rids[n++] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    nb_record_refs_t refs;
    char err[512];
    nb_err rc = nb_record_refs(store, nb_kind_find("request"), n, rids, &refs, err, sizeof err);
    int right = 0;
    for (int i = 0; rc == NB_OK && i < n; i++) { /* ids descending: RF1-299 ... RF0-000 */
        int k = FILES - 1 - i % FILES, line = i < FILES ? 3 : 2;
        char want_id[32], want_file[32];
        snprintf(want_id, sizeof want_id, "RF%d-%03d", i < FILES ? 1 : 0, k);
        snprintf(want_file, sizeof want_file, "/refs%03d.csv", k);
        const nb_record_ref *r = &refs.ref[i];
        size_t sl = strlen(r->source), fl = strlen(want_file);
        right += strcmp(r->id, want_id) == 0 && r->line == line && sl >= fl &&
                 strcmp(r->source + sl - fl, want_file) == 0;
    }
    CHECK(n == 2 * FILES && rc == NB_OK && right == n && refs.npaths == FILES,
          "refs: 600 records of 300 files, each its own id, file and line, each file kept once");
    if (rc != NB_OK)
        printf("# %s\n", err);
    nb_record_refs_free(&refs);
}

int main(void)
{
    char cmd[128], err[512];
    snprintf(dir, sizeof dir, "/tmp/nb_import_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    shim_install();
    /* the store's tables keep the coded values too (nb_store_keep_values): the reference
       the packed columns are compared with (verify_packs) */
    if (nb_store_open(path_of("import.db"), 1, &store, err, sizeof err) != NB_OK ||
        nb_store_keep_values(store, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return 1;
    }
    test_csv();
    test_dry_run();
    test_refused();
    test_mapping();
    test_remap();
    test_other_kinds();
    test_xlsx();
    test_text();
    test_record_insert();
    test_raw_values();
    test_many_bodies();
    test_interleaved();
    test_many_walks();
    test_spill();
    test_walk();
    test_moved();
    test_moved_down();
    test_moved_bodies();
    test_changed_in_run(1);
    test_changed_in_run(0);
    test_far_on();
    test_moved_seek();
    test_no_statement_journal();
    test_patched();
    test_looked_up_cache();
    test_changed_twice();
    test_removed_from_parts();
    test_rid_reused();
    test_removed_after_spill();
    test_rids_given();
    test_insert_after_ended();
    test_replace_all_brought();
    test_emptied_after_spill();
    test_lock_held();
    test_store_itself();
    test_shuffled();
    test_async();
    test_async_rowid();
    test_rids_in_file_order();
    test_async_failures();
    test_files();
    test_changed_in_group();
    test_statements_kept();
    test_rows_from_packs();
    test_values_by_rid();
    test_memory();
    test_big_among_small();
    test_new_before_big();
    test_refs_many_files();
    test_category_bounds();
    CHECK(store->texts_kept == 0, "every import of the tests counted its writers' buffers out");
    nb_store_close(store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
