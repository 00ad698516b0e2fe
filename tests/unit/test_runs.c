/* test_runs.c - unit tests of host/runs.c: a run's checks and cells. The cells of a
 * body and year are replaced by each run, writing only those that differ; after every
 * run the stored cells are exactly the ones given. The digests of some bodies are those
 * of all bodies, whatever the order of their records. */
#include "import.h"
#include "runs.h"
#include "t.h"
#include "testdir.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The kept cells of BODY and YEAR as "tbl row col=text|-;" items, in key order (read
 * with nb_run_cells). */
static const char *cells(nb_store *s, int64_t body, int year)
{
    static char out[4096];
    char err[512];
    nb_run_value *v;
    char *text;
    int n;
    size_t len = 0;
    out[0] = '\0';
    if (nb_run_cells(s, body, year, &v, &n, &text, err, sizeof err) != NB_OK) {
        snprintf(out, sizeof out, "(%s)", err);
        return out;
    }
    for (int i = 0; i < n && len < sizeof out - 200; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s %s %s=%s;", v[i].tbl, v[i].row,
                                v[i].col, v[i].text ? v[i].text : "-");
    free(v);
    free(text);
    return out;
}

/* The text the store keeps of the cells of BODY and YEAR ("(none)": no row). */
static const char *kept(nb_store *s, int64_t body, int year)
{
    static char out[4096];
    sqlite3_stmt *st;
    snprintf(out, sizeof out, "(none)");
    if (sqlite3_prepare_v2(s->db, "SELECT cells FROM run_cells WHERE body = ?1 AND year = ?2", -1, &st,
                           NULL) != SQLITE_OK)
        return "(no query)";
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* Whether a run was written: the number of rows of run_cells written by the last
 * statements (0 or 1), counted with sqlite3_total_changes around a put. */
static nb_err put(nb_store *s, int64_t body, int year, const nb_run_value *v, int n, int *changed)
{
    char err[512] = "";
    nb_run_check c[] = {{.rule = "H1", .severity = "error", .status = "PASS", .pass = 3, .file = "f",
                         .hash = "h"},
                        {.rule = "Y1", .severity = "error", .status = "FAIL", .fail = 1}};
    int64_t id;
    int before = sqlite3_total_changes(s->db);
    nb_err rc = nb_run_put(s, body, year, "gov2019", "d", c, 2, v, n, &id, err, sizeof err);
    if (rc)
        printf("# nb_run_put: %s\n", err);
    /* the run and its two checks are three of the changes */
    *changed = sqlite3_total_changes(s->db) - before - 3;
    return rc;
}

/* Imports TEXT as KIND records of BODY from DIR/in-BODY.csv (REPLACE: NB_REPLACE_*). */
static nb_err import_csv(nb_store *s, const char *kind, const char *body, const char *text, int replace)
{
    char file[128];
    snprintf(file, sizeof file, "in-%s.csv", body);
    return t_import(s, file, kind, body, text, replace);
}

/* N request rows A<FROM>..A<FROM+N-1>, received on day DAY of January 2020. */
static char *rows(int from, int n, int day)
{
    size_t cap = 64 + (size_t)n * 64, used = 0;
    char *t = malloc(cap);
    if (!t)
        return NULL;
    used += (size_t)snprintf(t, cap, "编号,收到日期,申请人类型,办结日期,办理结果\n");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(t + used, cap - used, "A%d,2020-01-%02d,自然人,,\n", from + i, day);
    return t;
}

/* The digests of every body and of each subset below must agree, body by body. Returns
 * the number of bodies whose digest differs (-1: a call failed). */
static int digests_agree(nb_store *s, const int64_t *only, int nonly, int expect_n)
{
    char err[512];
    int64_t *all_ids, *ids;
    char *all_hex, *hex;
    int all_n, n, bad = 0;
    if (nb_body_digests(s, NULL, 0, 0, &all_ids, &all_hex, &all_n, err, sizeof err) != NB_OK) {
        printf("# digests: %s\n", err);
        return -1;
    }
    if (nb_body_digests(s, only, nonly, 0, &ids, &hex, &n, err, sizeof err) != NB_OK) {
        printf("# digests of some: %s\n", err);
        free(all_ids);
        free(all_hex);
        return -1;
    }
    if (n != expect_n)
        bad++;
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (int j = 0; j < all_n; j++)
            if (all_ids[j] == ids[i]) {
                found = 1;
                bad += memcmp(all_hex + (size_t)j * NB_HASH_HEX, hex + (size_t)i * NB_HASH_HEX,
                              NB_HASH_HEX) != 0;
            }
        bad += !found;
        if (i > 0 && ids[i - 1] >= ids[i])
            bad++;
    }
    free(all_ids);
    free(all_hex);
    free(ids);
    free(hex);
    return bad;
}

/* The digest of BODY (KEEP: store the hashes computed) into HEX; 0, or -1 printed. */
static int digest_of(nb_store *s, int64_t body, int keep, char *hex)
{
    char err[512], *all;
    int64_t *ids;
    int n;
    if (nb_body_digests(s, &body, 1, keep, &ids, &all, &n, err, sizeof err) != NB_OK || n != 1) {
        printf("# digests: %s\n", err);
        return -1;
    }
    memcpy(hex, all, NB_HASH_HEX);
    free(ids);
    free(all);
    return 0;
}

/* A second connection, which changes 甲's documents once, from the first one's progress
 * handler: in the middle of its digest's read. */
static nb_store *changer;
static int meanwhile;
static int change_meanwhile(void *ud)
{
    (void)ud;
    if (changer && meanwhile == 0 &&
        import_csv(changer, "document", "甲区", "编号,类型,制发日期,公开日期,废止日期,标题\n"
                                              "D1,规范性文件,2020-03-01,2020-03-05,,甲又改\n", 0) == NB_OK)
        meanwhile = 1;
    return 0;
}

/* The kept digests: stored when asked, used while the records stay, forgotten by every
 * change to them (a text field alone too), the same digests as from the rows; a wrong
 * one is what the digest says (it is trusted) until nb_digest_verify finds it. */
static void test_kept(void)
{
    char err[512], path[128], a1[NB_HASH_HEX], a2[NB_HASH_HEX], b1[NB_HASH_HEX], b2[NB_HASH_HEX],
        x[NB_HASH_HEX];
    snprintf(path, sizeof path, "%s/k.db", dir);
    nb_store *s = NULL;
    if (nb_store_open(path, NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        t_failed_++;
        return;
    }
    int64_t jia, yi;
    nb_store_body(s, "甲区", 1, &jia, NULL, err, sizeof err);
    nb_store_body(s, "乙区", 1, &yi, NULL, err, sizeof err);
    const char *docs = "编号,类型,制发日期,公开日期,废止日期,标题\n"
                       "D1,规范性文件,2020-03-01,2020-03-05,,甲\n"
                       "D2,规范性文件,2020-04-01,,,乙\n";
    CHECK(import_csv(s, "document", "甲区", docs, 0) == NB_OK && import_csv(s, "document", "乙区", docs, 0) == NB_OK &&
              import_csv(s, "request", "甲区", "编号,收到日期,申请人类型,办结日期,办理结果\nA1,2020-01-02,自然人,,\n", 0) == NB_OK,
          "kept: documents of two bodies, a request of one");
    CHECK(t_count(s, "SELECT count(*) FROM digest WHERE length(hash) = 137") == 3,
          "kept: each import of a body's first records kept its pair's digest (and state)");
    /* from here on, the digests as computed from the rows (test_carry: carried on) */
    sqlite3_exec(s->db, "UPDATE digest SET hash = NULL", NULL, NULL, NULL);
    CHECK(digest_of(s, jia, 0, a1) == 0 && t_count(s, "SELECT count(*) FROM digest WHERE hash IS NOT NULL") == 0,
          "kept: a digest without KEEP stores nothing");
    CHECK(digest_of(s, jia, 1, a2) == 0 && strcmp(a1, a2) == 0 &&
              t_count(s, "SELECT count(*) FROM digest WHERE hash IS NOT NULL") == 2,
          "kept: with KEEP, 甲's two pairs are stored; the same digest");
    CHECK(digest_of(s, yi, 1, b1) == 0 && strcmp(a1, b1) != 0, "kept: 乙's differs (no request)");
    CHECK(digests_agree(s, &jia, 1, 1) == 0 && digest_of(s, jia, 1, a2) == 0 && strcmp(a1, a2) == 0,
          "kept: the digests from kept hashes are those from the rows (every body in one pass)");
    /* a wrong kept hash is used as it is: the digest comes from it, not from the rows */
    sqlite3_exec(s->db, "UPDATE digest SET hash = zeroblob(32) WHERE kind = 'document' AND body = 1", NULL,
                 NULL, NULL);
    long bad = -1;
    char why[256];
    CHECK(digest_of(s, jia, 1, x) == 0 && strcmp(x, a1) != 0, "kept: a kept hash is trusted (a wrong one shows)");
    CHECK(nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 1 &&
              strcmp(why, "the kept digest of the document records of body 1 differs from the rows") == 0,
          "kept: nb_digest_verify finds it");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_digest_forget_all(s, err, sizeof err) == NB_OK &&
              nb_store_commit(s, err, sizeof err) == NB_OK && digest_of(s, jia, 1, x) == 0 && strcmp(x, a1) == 0 &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 0,
          "kept: forgotten, it is computed again from the rows");
    /* a change to a text field alone leaves the packed parts, but not the digest */
    long parts = t_count(s, "SELECT count(*) FROM pack"),
         gen = t_count(s, "SELECT gen FROM digest WHERE kind = 'document' AND body = 1");
    CHECK(import_csv(s, "document", "甲区", "编号,类型,制发日期,公开日期,废止日期,标题\n"
                                          "D2,规范性文件,2020-04-01,,,乙改\n", 0) == NB_OK &&
              t_count(s, "SELECT count(*) FROM pack") == parts,
          "kept: a title changed (the parts unchanged)");
    CHECK(t_count(s, "SELECT count(*) FROM digest WHERE kind = 'document' AND body = 1 AND hash IS NULL") == 1 &&
              t_count(s, "SELECT gen FROM digest WHERE kind = 'document' AND body = 1") == gen + 1 &&
              t_count(s, "SELECT count(*) FROM digest WHERE kind = 'request' AND hash IS NOT NULL") == 1,
          "kept: that pair forgotten (its gen raised), the request's kept");
    CHECK(digest_of(s, jia, 1, a2) == 0 && strcmp(a2, a1) != 0 && digests_agree(s, &jia, 1, 1) == 0,
          "kept: 甲's digest changed, the same as from the rows");
    CHECK(digest_of(s, yi, 1, b2) == 0 && strcmp(b1, b2) == 0, "kept: 乙's unchanged");
    /* the same records from the same lines again: the digest is the one before (the
       title back from line 2 of the file, where D2 was on line 3: another digest, as a
       rule may name the line) */
    CHECK(import_csv(s, "document", "甲区", "编号,类型,制发日期,公开日期,废止日期,标题\n"
                                          "D2,规范性文件,2020-04-01,,,乙\n", 0) == NB_OK &&
              digest_of(s, jia, 1, x) == 0 && strcmp(x, a1) != 0,
          "kept: the title back from another line, another digest (provenance counts)");
    CHECK(import_csv(s, "document", "甲区", docs, 0) == NB_OK && digest_of(s, jia, 1, x) == 0 && strcmp(x, a1) == 0,
          "kept: the title back on its line, the digest back");
    /* removed records: 甲's request gone (no records of the kind: no hash, as never had) */
    CHECK(import_csv(s, "request", "甲区", "编号,收到日期,申请人类型,办结日期,办理结果\n", 1) == NB_OK &&
              digest_of(s, jia, 1, x) == 0 && strcmp(x, a1) != 0 &&
              t_count(s, "SELECT count(*) FROM digest WHERE kind = 'request' AND hash IS NOT NULL") == 0,
          "kept: the request removed, forgotten and not kept (no records)");
    CHECK(import_csv(s, "document", "乙区", docs, 0) == NB_OK && digest_of(s, yi, 1, b2) == 0 && strcmp(x, b2) != 0,
          "kept: 甲 without its request differs from 乙, whose same records came from another file");
    CHECK(t_import(s, "in-乙区.csv", "document", "甲区", docs, 0) == NB_OK && digest_of(s, jia, 1, x) == 0 &&
              strcmp(x, b2) == 0,
          "kept: from 乙's file, 甲's records have 乙's digest (the same records and provenance: history does not count)");
    /* a change committed by another process while the hashes are computed: the hash of
       the snapshot read is not kept (the pair's gen moved on) */
    sqlite3_exec(s->db, "UPDATE digest SET hash = NULL", NULL, NULL, NULL);
    CHECK(nb_store_open(path, NB_OPEN_WRITE, &changer, err, sizeof err) == NB_OK, "kept: a second connection");
    sqlite3_progress_handler(s->db, 20, change_meanwhile, NULL);
    CHECK(digest_of(s, jia, 1, a2) == 0 && strcmp(a2, x) == 0 && meanwhile == 1,
          "kept: the digest of the snapshot read, while another connection changed 甲's documents");
    sqlite3_progress_handler(s->db, 0, NULL, NULL);
    CHECK(t_count(s, "SELECT count(*) FROM digest WHERE kind = 'document' AND body = 1 AND hash IS NULL") == 1 &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 0,
          "kept: its hash not kept (the pair's gen moved on); what is kept matches the rows");
    CHECK(digest_of(s, jia, 1, a2) == 0 && strcmp(a2, x) != 0, "kept: the next digest sees the change");
    nb_store_close(changer);
    changer = NULL;
    memcpy(x, a2, NB_HASH_HEX);
    /* a read-only handle computes but does not store */
    nb_store *ro = NULL;
    CHECK(nb_store_open(path, NB_OPEN_READ, &ro, err, sizeof err) == NB_OK, "kept: opened read-only");
    sqlite3_exec(s->db, "UPDATE digest SET hash = NULL", NULL, NULL, NULL);
    if (ro) {
        CHECK(digest_of(ro, jia, 1, a2) == 0 && strcmp(a2, x) == 0 &&
                  t_count(s, "SELECT count(*) FROM digest WHERE hash IS NOT NULL") == 0,
              "kept: a read-only store computes them and stores none");
        nb_store_close(ro);
    }
    /* inside the caller's transaction: read there, not stored */
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && digest_of(s, jia, 1, a2) == 0 && strcmp(a2, x) == 0 &&
              nb_store_commit(s, err, sizeof err) == NB_OK &&
              t_count(s, "SELECT count(*) FROM digest WHERE hash IS NOT NULL") == 0,
          "kept: inside the caller's transaction, none stored");
    nb_store_close(s);
}

/* The first column of the first row of SQL as text ("" when none), in a buffer of its own. */
static const char *t_text(nb_store *s, const char *sql)
{
    static char out[512];
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return "(no query)";
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* Changes a byte of the state kept with 甲's request digest (not the digest itself); ZEROS:
 * the whole state to zeros. */
static int wrong_state(nb_store *s, int zeros)
{
    sqlite3_stmt *st;
    unsigned char blob[NB_HASH_SIZE + NB_HASH_STATE];
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT hash FROM digest WHERE kind = 'request' AND body = 1", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == (int)sizeof blob) {
        memcpy(blob, sqlite3_column_blob(st, 0), sizeof blob);
        rc = 0;
    }
    sqlite3_finalize(st);
    if (rc || sqlite3_prepare_v2(s->db, "UPDATE digest SET hash = ?1 WHERE kind = 'request' AND body = 1", -1,
                                 &st, NULL) != SQLITE_OK)
        return -1;
    blob[NB_HASH_SIZE + 3] ^= 1; /* a chaining word */
    if (zeros)
        memset(blob + NB_HASH_SIZE, 0, NB_HASH_STATE);
    sqlite3_bind_blob(st, 1, blob, sizeof blob, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

/* The state of a kind's hash in each pair's digest: a transaction that only adds records
 * after the others carries it on (its digest kept, equal to the one from the rows); any
 * other change forgets it, and so does one on a digest kept without its state. */
static void test_carry(void)
{
    char err[512], path[128], a1[NB_HASH_HEX], a2[NB_HASH_HEX];
    snprintf(path, sizeof path, "%s/c.db", dir);
    nb_store *s = NULL;
    if (nb_store_open(path, NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        t_failed_++;
        return;
    }
    int64_t jia;
    nb_store_body(s, "甲区", 1, &jia, NULL, err, sizeof err);
    long bad = -1;
    char why[256] = "";
    const char *kept = "SELECT count(*) FROM digest WHERE kind = 'request' AND body = 1 AND length(hash) = 137";
    const char *forgotten = "SELECT count(*) FROM digest WHERE kind = 'request' AND body = 1 AND hash IS NULL";
    char *r = rows(1, 300, 5);
    CHECK(r && import_csv(s, "request", "甲区", r, 0) == NB_OK && t_count(s, kept) == 1 &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 0,
          "carry: the first 300 records of a body: its digest kept, as the rows give it");
    free(r);
    /* the body's digest from the kept hash, and from the rows */
    CHECK(digest_of(s, jia, 0, a1) == 0 && sqlite3_exec(s->db, "UPDATE digest SET hash = NULL", NULL, NULL, NULL) == SQLITE_OK &&
              digest_of(s, jia, 1, a2) == 0 && strcmp(a1, a2) == 0 && t_count(s, kept) == 1,
          "carry: the same digest from the rows (kept again, with its state)");
    long gen = t_count(s, "SELECT gen FROM digest WHERE kind = 'request' AND body = 1");
    r = rows(301, 9000, 6); /* past a part of 8,192 */
    CHECK(r && import_csv(s, "request", "甲区", r, 0) == NB_OK && t_count(s, kept) == 1 &&
              t_count(s, "SELECT gen FROM digest WHERE kind = 'request' AND body = 1") == gen + 1 &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 0,
          "carry: 9,000 records added: carried on (its gen raised), as the rows give it");
    free(r);
    CHECK(digest_of(s, jia, 0, a1) == 0 && sqlite3_exec(s->db, "UPDATE digest SET hash = NULL", NULL, NULL, NULL) == SQLITE_OK &&
              digest_of(s, jia, 1, a2) == 0 && strcmp(a1, a2) == 0,
          "carry: the body's digest the same from the rows");
    /* rolled back: the digest as it was */
    char before[512];
    snprintf(before, sizeof before, "%s", t_text(s, "SELECT gen || hex(hash) FROM digest WHERE kind = 'request'"));
    CHECK(import_csv(s, "request", "甲区", "编号,收到日期,申请人类型\nZ1,2020-02-01,自然人\nZ9,不是日期,自然人\n", 0) != NB_OK &&
              t_count(s, "SELECT count(*) FROM request WHERE id = 'Z1'") == 0 &&
              strcmp(t_text(s, "SELECT gen || hex(hash) FROM digest WHERE kind = 'request'"), before) == 0,
          "carry: a file refused (a record added, rolled back) leaves the digest as it was");
    /* a changed record, a removed one: forgotten */
    CHECK(import_csv(s, "request", "甲区", "编号,收到日期,申请人类型\nA5,2020-01-05,企业\n", 0) == NB_OK &&
              t_count(s, forgotten) == 1,
          "carry: a record changed: forgotten");
    CHECK(digest_of(s, jia, 1, a1) == 0 && t_count(s, kept) == 1 &&
              import_csv(s, "request", "甲区", "编号,收到日期,申请人类型\nZ2,2020-02-02,自然人\nA7,2020-01-05,企业\n", 0) == NB_OK &&
              t_count(s, forgotten) == 1,
          "carry: a record added and one changed: forgotten");
    CHECK(digest_of(s, jia, 1, a1) == 0 && t_count(s, kept) == 1 &&
              import_csv(s, "request", "甲区", "编号,收到日期,申请人类型\nZ3,2020-02-03,自然人\n", 1) == NB_OK &&
              t_count(s, forgotten) == 1,
          "carry: the body's records replaced by one: forgotten");
    /* kept without its state (by an older nianbao): forgotten, not carried */
    CHECK(digest_of(s, jia, 1, a1) == 0 &&
              sqlite3_exec(s->db, "UPDATE digest SET hash = substr(hash, 1, 32)", NULL, NULL, NULL) == SQLITE_OK &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 0,
          "carry: a digest kept without its state is read as it is");
    CHECK(import_csv(s, "request", "甲区", "编号,收到日期,申请人类型\nZ4,2020-02-04,自然人\n", 0) == NB_OK &&
              t_count(s, forgotten) == 1,
          "carry: records added to it: forgotten");
    /* a wrong state kept: nb_digest_verify finds it */
    CHECK(digest_of(s, jia, 1, a1) == 0 && wrong_state(s, 0) == 0 && t_count(s, kept) == 1 &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 1,
          "carry: a wrong state kept is found (it would carry a wrong digest on)");
    CHECK(sqlite3_exec(s->db, "UPDATE digest SET hash = NULL", NULL, NULL, NULL) == SQLITE_OK &&
              digest_of(s, jia, 1, a1) == 0 && wrong_state(s, 1) == 0 && t_count(s, kept) == 1 &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 1,
          "carry: a state of zeros kept beside a right digest is found too");
    /* a file naming bodies in turn (a source a body, in one transaction), its dates not
       written YYYY-MM-DD (raw values kept): each body's digest carried on, as the rows give
       it (the carried digest hashes each record's source path and header, line and raw) */
    sqlite3_exec(s->db, "UPDATE digest SET hash = NULL", NULL, NULL, NULL); /* the wrong states above */
    CHECK(t_import(s, "city.csv", "request", NULL,
                   "编号,收到日期,申请人类型,机关\nC1,2020/3/1,自然人,丙区\nC2,2020-03-02,企业,丁区\n"
                   "C3,2020/3/3,自然人,丙区\nC4,2020-03-04,自然人,戊区\nC5,2020-03-05,自然人,丁区\n", 0) == NB_OK &&
              t_count(s, "SELECT count(DISTINCT src) FROM request WHERE id LIKE 'C%'") == 3 &&
              t_count(s, "SELECT count(*) FROM digest WHERE kind = 'request' AND body > 1 AND length(hash) = 137") == 3 &&
              t_count(s, "SELECT count(*) FROM request WHERE id LIKE 'C%' AND raw <> ''") == 3 &&
              nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err) == NB_OK && bad == 0,
          "carry: a file naming three bodies in turn: each digest carried on, as the rows give it");
    /* a damaged store: a body's records whose parts and digest are gone (the other bodies'
       parts, the kind's largest rid among them, stay: the parts give the next rid); a
       record added starts no new hash (the rows before it count, not the parts) */
    CHECK(sqlite3_exec(s->db, "DELETE FROM pack WHERE body = (SELECT id FROM body WHERE name = '甲区'); "
                              "DELETE FROM digest", NULL, NULL, NULL) == SQLITE_OK &&
              import_csv(s, "request", "甲区", "编号,收到日期,申请人类型\nZ5,2020-02-05,自然人\n", 0) == NB_OK &&
              t_count(s, forgotten) == 1,
          "carry: records without parts or digest, one added: the digest not kept");
    nb_store_close(s);
}

static void test_digests(void)
{
    char err[512], path[128];
    snprintf(path, sizeof path, "%s/d.db", dir);
    nb_store *s = NULL;
    if (nb_store_open(path, NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        t_failed_++;
        return;
    }
    int64_t jia, yi, bing, ding, ji;
    nb_store_body(s, "甲区", 1, &jia, NULL, err, sizeof err);
    nb_store_body(s, "乙区", 1, &yi, NULL, err, sizeof err);
    nb_store_body(s, "丙区", 1, &bing, NULL, err, sizeof err);
    nb_store_body(s, "丁区", 1, &ding, NULL, err, sizeof err);
    nb_store_body(s, "己区", 1, &ji, NULL, err, sizeof err);
    /* 甲's records in two runs of rids with 乙's between (the first a full packed part of
       8192, so 甲's parts are apart), 丁's record inside the span of 丙's one part (their
       parts overlap), and 戊 with a narrative only */
    char *a = rows(1, 8192, 5), *b = rows(1, 2, 6), *c = rows(8193, 10, 7), *e = rows(1, 2, 8);
    CHECK(a && b && c && e && import_csv(s, "request", "甲区", a, 0) == NB_OK &&
              import_csv(s, "request", "乙区", b, 0) == NB_OK &&
              import_csv(s, "request", "甲区", c, 0) == NB_OK &&
              import_csv(s, "request", "乙区", e, 0) == NB_OK,
          "digests: records of two bodies, interleaved");
    CHECK(import_csv(s, "request", "丙区", "编号,收到日期,申请人类型,办结日期,办理结果\nB1,2020-02-01,自然人,,\n", 0) ==
                  NB_OK &&
              import_csv(s, "request", "丁区", "编号,收到日期,申请人类型,办结日期,办理结果\nB1,2020-02-01,自然人,,\n", 0) ==
                  NB_OK &&
              import_csv(s, "request", "丙区", "编号,收到日期,申请人类型,办结日期,办理结果\nB2,2020-02-02,自然人,,\n", 0) ==
                  NB_OK,
          "digests: 丙, 丁, 丙 again (丙's one part spans 丁's record)");
    int64_t wu;
    nb_store_body(s, "戊区", 1, &wu, NULL, err, sizeof err);
    CHECK(nb_store_text_put(s, wu, 2020, "# 一、总体情况\n正文\n", NULL, err, sizeof err) == NB_OK,
          "digests: a body with a narrative alone");
    CHECK(t_count(s, "SELECT count(*) FROM pack WHERE kind = 'request' AND body = 1 AND rid_lo > 8192") == 1,
          "digests: 甲's second packed part begins after 乙's records");
    CHECK(t_count(s, "SELECT count(*) FROM pack c JOIN pack d ON c.body = 3 AND d.body = 4 "
                     "AND c.rid_lo < d.rid_lo AND d.rid_hi < c.rid_hi") == 1,
          "digests: 丁's part lies inside 丙's");
    int64_t one[] = {jia}, two[] = {yi}, both[] = {bing, ding}, text[] = {wu}, none_[] = {ji},
            some[] = {yi, jia, yi, 99};
    CHECK(digests_agree(s, one, 1, 1) == 0, "digests: 甲 alone, two runs of rids apart");
    CHECK(digests_agree(s, two, 1, 1) == 0, "digests: 乙 alone, between 甲's runs");
    CHECK(digests_agree(s, both, 2, 2) == 0, "digests: 丙 and 丁, whose parts overlap");
    CHECK(digests_agree(s, both + 1, 1, 1) == 0, "digests: 丁 alone, among 丙's records");
    CHECK(digests_agree(s, text, 1, 1) == 0, "digests: 戊, no records");
    CHECK(digests_agree(s, none_, 1, 1) == 0, "digests: 己, nothing at all");
    CHECK(digests_agree(s, some, 4, 2) == 0, "digests: two bodies in any order, a repeat, an id of no body");
    /* 甲's first record changed in place, one removed from the middle run */
    CHECK(import_csv(s, "request", "甲区", "编号,收到日期,申请人类型,办结日期,办理结果\n"
                                                  "A1,2020-01-09,自然人,,\n", 0) == NB_OK,
          "digests: a record changed in place");
    CHECK(digests_agree(s, one, 1, 1) == 0 && digests_agree(s, two, 1, 1) == 0,
          "digests: the same after a change in place");
    CHECK(import_csv(s, "request", "乙区", "编号,收到日期,申请人类型,办结日期,办理结果\n"
                                                  "A2,2020-01-06,自然人,,\n", 1) == NB_OK,
          "digests: 乙's records replaced by one");
    CHECK(digests_agree(s, one, 1, 1) == 0 && digests_agree(s, two, 1, 1) == 0,
          "digests: the same after records are removed");
    CHECK(t_count(s, "SELECT count(*) FROM request WHERE body = 2") == 1, "digests: (乙 holds one record)");
    free(a);
    free(b);
    free(c);
    free(e);
    nb_store_close(s);
}

/* The cells a run keeps, from a document: data cells only (not a header, nor a cell
 * without a column or row key), a cell's own row key before its row's, each key once (its
 * first cell, as every format prints it), a blank as NULL, in the document's order. */
static void test_values_of_doc(void)
{
    nb_cell cells[] = {
        /* row 0: a header row (no row key) */
        {.type = NB_V_TEXT, .text = "总计", .key = "total", .header = 1},
        {.type = NB_V_TEXT, .text = "自然人", .key = "person", .header = 1},
        /* row 1 (key "new"): a label without a column key, a count */
        {.type = NB_V_TEXT, .text = "一、本年新收"},
        {.type = NB_V_INT, .i = 7, .text = "7", .key = "person"},
        /* row 2 (key "closed"): a blank, and a cell of a row of its own (表四) */
        {.type = NB_V_BLANK, .text = "", .key = "total"},
        {.type = NB_V_INT, .i = 3, .text = "3", .key = "person", .row = "new"},
    };
    char *row_keys[] = {NULL, "new", "closed"};
    nb_table tb = {.id = "requests", .nrows = 3, .ncols = 2, .cells = cells, .row_keys = row_keys};
    nb_doc doc = {.tables = &tb, .ntables = 1};
    nb_run_value *v = NULL;
    int n = -1;
    char err[256];
    CHECK(nb_run_values_of_doc(&doc, &v, &n, err, sizeof err) == NB_OK, "values of a document: made");
    CHECK(n == 2, "values of a document: two keys (the header, the label and the second new.person left out)");
    CHECK(n >= 1 && strcmp(v[0].tbl, "requests") == 0 && strcmp(v[0].row, "new") == 0 &&
              strcmp(v[0].col, "person") == 0 && v[0].text && strcmp(v[0].text, "7") == 0,
          "values of a document: a key given twice keeps its first cell");
    CHECK(n >= 2 && strcmp(v[1].row, "closed") == 0 && strcmp(v[1].col, "total") == 0 && v[1].text == NULL,
          "values of a document: a blank is NULL");
    free(v);
    nb_doc none = {0};
    CHECK(nb_run_values_of_doc(&none, &v, &n, err, sizeof err) == NB_OK && n == 0, "values of a document: none");
    free(v);
}

/* Writes TEXT to DIR/NAME (its folders made). */
static void put_file(const char *name, const char *text)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", tmp(name));
    if (system(cmd) != 0)
        return;
    FILE *f = fopen(tmp(name), "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The program's digest of the home DIR/home and the executable DIR/exe (or none), or its
 * error in parentheses; EXE 2: the module DIR/module too, 3: and DIR/reader. */
static const char *program(int exe)
{
    static char out[600];
    char err[512];
    char home[300], module[300], reader[300];
    snprintf(home, sizeof home, "%s", tmp("home"));
    snprintf(module, sizeof module, "%s", tmp("module"));
    snprintf(reader, sizeof reader, "%s", tmp("reader"));
    const char *mods[2] = {exe >= 2 ? module : NULL, exe == 3 ? reader : NULL};
    if (nb_program_digest(exe ? tmp("exe") : NULL, mods, 2, home, out, err, sizeof err) != NB_OK)
        snprintf(out, sizeof out, "(%s)", err);
    return out;
}

/* nb_sha256_file and nb_program_digest: the executable and every Lua file of the home's
 * lib and scripts, by path, and nothing else. */
static void test_program(void)
{
    char hex[NB_HASH_HEX], err[512], a[100], b[100];
    put_file("abc", "abc");
    CHECK(nb_sha256_file(tmp("abc"), hex, err, sizeof err) == 0 &&
              strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
          "nb_sha256_file: what sha256sum prints");
    CHECK(nb_sha256_file(tmp("none"), hex, err, sizeof err) == -1 && strstr(err, "/none: No such file"),
          "a file that is not there: refused, naming it");
    put_file("exe", "\177ELF one");
    put_file("home/lib/a.lua", "return 1");
    put_file("home/scripts/checks/b.lua", "return {}");
    put_file("home/scripts/notes.txt", "not a script");
    snprintf(a, sizeof a, "%s", program(1));
    CHECK(strlen(a) == 64, "a digest of 64 hex digits");
    CHECK_STR(program(1), a, "the same program: the same digest");
    put_file("home/scripts/notes.txt", "another text");
    CHECK_STR(program(1), a, "a file that is not Lua is not the program");
    put_file("home/scripts/checks/b.lua", "return { }");
    snprintf(b, sizeof b, "%s", program(1));
    CHECK(strcmp(a, b) != 0 && strlen(b) == 64, "a script of a folder of scripts changed: another digest");
    put_file("home/scripts/checks/b.lua", "return {}");
    CHECK_STR(program(1), a, "changed back: the first digest");
    put_file("home/lib/c.lua", "");
    CHECK(strcmp(program(1), a) != 0, "a module added (even empty): another digest");
    if (remove(tmp("home/lib/c.lua")) != 0)
        perror("remove");
    CHECK_STR(program(1), a, "removed: the first digest");
    put_file("module", "\177ELF module");
    snprintf(b, sizeof b, "%s", program(2));
    CHECK(strcmp(b, a) != 0 && strlen(b) == 64, "with the PDF module: another digest");
    put_file("module", "\177ELF module 2");
    CHECK(strcmp(program(2), b) != 0, "another PDF module: another digest");
    snprintf(b, sizeof b, "%s", program(2));
    put_file("reader", "\177ELF reader");
    snprintf(a, sizeof a, "%s", program(3));
    CHECK(strcmp(a, b) != 0 && strlen(a) == 64, "with the reader's module: another digest");
    put_file("reader", "\177ELF reader 2");
    CHECK(strcmp(program(3), a) != 0, "another reader's module: another digest");
    snprintf(a, sizeof a, "%s", program(1));
    put_file("exe", "\177ELF two");
    CHECK(strcmp(program(1), a) != 0, "another executable: another digest");
    snprintf(b, sizeof b, "%s", program(0));
    CHECK(strcmp(b, program(1)) != 0 && strlen(b) == 64, "no executable: a digest of the home's alone");
    if (remove(tmp("exe")) != 0)
        perror("remove");
    CHECK(strstr(program(1), "/exe: No such file") != NULL, "an executable that cannot be read: refused, naming it");
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s", tmp("fifo"));
    CHECK(mkfifo(fifo, 0600) == 0 && nb_sha256_file(fifo, hex, err, sizeof err) == -1 &&
              strstr(err, "not a regular file"),
          "a FIFO: refused at once, not waited on");
    CHECK(nb_sha256_file("/dev/zero", hex, err, sizeof err) == -1 && strstr(err, "not a regular file"),
          "a device: refused, not read for ever");
}

/* The digest of DIR/fonts and DIR/conf.xml as nb_fonts_digest gives it. */
static const char *fonts(void)
{
    static char hex[NB_HASH_HEX];
    char a[300], b[300];
    snprintf(a, sizeof a, "%s", tmp("fonts"));
    snprintf(b, sizeof b, "%s", tmp("conf.xml"));
    const char *dirs[] = {a, b};
    nb_fonts_digest(dirs, 2, hex);
    return hex;
}

/* nb_fonts_digest: a font added, replaced or removed, or the configuration changed, changes it. */
static void test_fonts(void)
{
    char a[NB_HASH_HEX], b[NB_HASH_HEX];
    snprintf(a, sizeof a, "%s", fonts());
    CHECK_STR(fonts(), a, "nothing there: the same digest each time");
    put_file("fonts/truetype/a.ttf", "font a");
    snprintf(b, sizeof b, "%s", fonts());
    CHECK(strcmp(a, b) != 0, "a font installed (two folders down): another digest");
    CHECK_STR(fonts(), b, "and the same again");
    put_file("fonts/truetype/a.ttf", "font a, version 2");
    CHECK(strcmp(fonts(), b) != 0, "the font replaced by another of another size: another digest");
    snprintf(b, sizeof b, "%s", fonts());
    put_file("conf.xml", "<fontconfig/>");
    CHECK(strcmp(fonts(), b) != 0, "the configuration file made: another digest");
    if (remove(tmp("fonts/truetype/a.ttf")) != 0 || remove(tmp("conf.xml")) != 0)
        perror("remove");
    CHECK_STR(fonts(), a, "both removed: the first digest");
}

int main(void)
{
    char cmd[128], err[512], path[128];
    test_values_of_doc();
    snprintf(dir, sizeof dir, "/tmp/nb_runs_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(path, sizeof path, "%s/r.db", dir);
    nb_store *s = NULL;
    int64_t b1, b2;
    if (nb_store_open(path, NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK ||
        nb_store_body(s, "甲区", 1, &b1, NULL, err, sizeof err) != NB_OK ||
        nb_store_body(s, "乙区", 1, &b2, NULL, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return 1;
    }
    int changed;
    nb_run_value first[] = {{"requests", "new", "person", "5"}, {"requests", "new", "total", "7"},
                            {"active", "rule", "made", NULL}, {"requests", "carried_in", "person", "0"}};
    CHECK(put(s, b1, 2020, first, 4, &changed) == NB_OK && changed == 1, "a first run writes the cells");
    CHECK_STR(cells(s, b1, 2020),
              "active rule made=-;requests carried_in person=0;requests new person=5;requests new total=7;",
              "the cells as given, in key order, a blank one without text");
    CHECK_STR(kept(s, b1, 2020),
              "active\trule\tmade\nrequests\tcarried_in\tperson\t0\nrequests\tnew\tperson\t5\n"
              "requests\tnew\ttotal\t7\n",
              "kept as one text: a line a cell, a blank one without its tab");
    nb_run_value other[] = {{"requests", "new", "person", "9"}};
    CHECK(put(s, b2, 2020, other, 1, &changed) == NB_OK && put(s, b1, 2021, other, 1, &changed) == NB_OK,
          "runs of another body and another year");

    CHECK(put(s, b1, 2020, first, 4, &changed) == NB_OK && changed == 0, "the same cells again: nothing written");
    nb_run_value shuffled[] = {first[3], first[1], first[0], first[2]};
    CHECK(put(s, b1, 2020, shuffled, 4, &changed) == NB_OK && changed == 0,
          "the same cells in another order: nothing written");
    CHECK(t_count(s, "SELECT count(*) FROM run WHERE body = 1 AND year = 2020") == 3 &&
              t_count(s, "SELECT count(*) FROM run_check") == 10,
          "but the run and its checks are recorded");

    /* one changed, one blank now, one gone, one new, and a key given twice (the last wins) */
    nb_run_value second[] = {{"appeals", "review", "total", "3"}, {"requests", "new", "total", "8"},
                             {"active", "rule", "made", "2"},     {"requests", "new", "person", NULL},
                             {"appeals", "review", "total", "1"}};
    CHECK(put(s, b1, 2020, second, 5, &changed) == NB_OK && changed == 1, "a run that changes cells");
    CHECK_STR(cells(s, b1, 2020),
              "active rule made=2;appeals review total=1;requests new person=-;requests new total=8;",
              "exactly the cells given: changed, blanked, added, the gone one removed; of a key twice the last");
    CHECK_STR(cells(s, b2, 2020), "requests new person=9;", "another body's cells are untouched");
    CHECK_STR(cells(s, b1, 2021), "requests new person=9;", "another year's cells are untouched");
    CHECK_STR(cells(s, b1, 2018), "", "a year without a run: no cells");

    CHECK(put(s, b1, 2020, NULL, 0, &changed) == NB_OK && changed == 1, "a run with no cells removes them all");
    CHECK_STR(cells(s, b1, 2020), "", "none left");
    CHECK_STR(kept(s, b1, 2020), "", "(the empty text)");

    /* keys and texts with the characters the lines escape, an empty text, a number-like text */
    nb_run_value odd[] = {{"t\"1", "r\\n", "c\t", "a\nb\"c\\"}, {"t", "r", "c", "007"}, {"t", "r", "e", ""}};
    CHECK(put(s, b1, 2019, odd, 3, &changed) == NB_OK && changed == 1, "escaped keys and texts");
    CHECK_STR(cells(s, b1, 2019), "t r c=007;t r e=;t\"1 r\\n c\t=a\nb\"c\\;",
              "kept byte for byte, an empty text not blank, texts stay text");
    CHECK_STR(kept(s, b1, 2019), "t\tr\tc\t007\nt\tr\te\t\nt\"1\tr\\\\n\tc\\t\ta\\nb\"c\\\\\n",
              "a backslash, tab and line feed in a part escaped");
    CHECK(put(s, b1, 2019, odd, 3, &changed) == NB_OK && changed == 0, "and compared byte for byte");

    /* a damaged text is refused, naming what */
    static const char *const damaged[] = {"t\tr\n", "t\tr\tc\tx\ty\n", "t\tr\tc\tx\\q\n", "t\tr\tc"};
    for (int i = 0; i < 4; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "UPDATE run_cells SET cells = ?1 WHERE body = ?2 AND year = 2019", -1, &st,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, damaged[i], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, b1);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
        nb_run_value *v;
        char *text;
        int n;
        nb_err rc = nb_run_cells(s, b1, 2019, &v, &n, &text, err, sizeof err);
        CHECK(rc == NB_ERR_INPUT && strstr(err, ": the kept cells of the last run of 甲区, 2019, are damaged (line 1)"),
              "a damaged kept text: refused, naming the body, year and line");
    }

    CHECK(t_count(s, "SELECT count(*) FROM run_check WHERE rule = 'H1' AND pass = 3 AND file = 'f' AND hash = 'h' "
                     "AND typeof(pass) = 'integer'") == 9,
          "the checks' fields as given, counts as integers");

    nb_store_close(s);
    test_digests();
    test_kept();
    test_carry();
    test_program();
    test_fonts();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
