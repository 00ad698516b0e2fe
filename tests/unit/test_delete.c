/* test_delete.c - unit tests of host/delete.c (records by id, bodies, scripts: all or
 * nothing, dry runs count) and host/hash.c (SHA-256 against known vectors). */
#include "delete.h"
#include "hash.h"
#include "import.h"
#include "pack.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static char dir[64];

static const char *path_of(const char *name)
{
    static char paths[4][256];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static void import(nb_store *s, const char *body, const char *parent, const char *text)
{
    char err[512];
    const char *p = path_of("r.csv");
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    nb_import_opts o = {.path = p, .kind = "request", .body = body, .parent = parent};
    nb_import_stats st;
    if (nb_import(s, &o, &st, err, sizeof err) != NB_OK)
        printf("# import: %s\n", err);
}

static void test_hash(void)
{
    char hex[NB_HASH_HEX];
    nb_sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
    nb_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
}

static void test_records(nb_store *s)
{
    char err[512] = "";
    nb_delete_counts c;
    import(s, "区", NULL, "编号,收到日期,申请人类型\nA1,2020-01-01,自然人\nA2,2020-01-02,企业\nA3,2020-01-03,企业\n");
    const char *two[] = {"A1", "A3"}, *bad[] = {"A1", "X9", "X8"};
    nb_err rc = nb_delete_records(s, "区", "request", two, 2, 1, &c, err, sizeof err);
    CHECK(rc == NB_OK && c.records[0] == 2, "dry run: two would go");
    CHECK(t_count(s, "SELECT count(*) FROM request") == 3, "dry run: nothing removed");
    rc = nb_delete_records(s, "区", "request", bad, 3, 0, &c, err, sizeof err);
    CHECK(rc == NB_ERR_NOTFOUND && strstr(err, ": 区 has no request records X9, X8; nothing deleted"),
          "missing ids: NOTFOUND naming only them");
    CHECK(t_count(s, "SELECT count(*) FROM request") == 3, "missing ids: nothing removed");
    rc = nb_delete_records(s, "区", "nokind", two, 2, 0, &c, err, sizeof err);
    CHECK(rc == NB_ERR_INPUT && strstr(err, "nokind"), "an unknown kind: named");
    long before = nb_pack_rows_read();
    rc = nb_delete_records(s, "区", "request", two, 2, 0, &c, err, sizeof err);
    CHECK(rc == NB_OK && c.records[0] == 2 && t_count(s, "SELECT count(*) FROM request") == 1,
          "two removed, one left");
    /* taken out of their part, which keeps the one left */
    long bad_parts = -1;
    char why[256] = "";
    CHECK(nb_pack_verify(s, &bad_parts, why, sizeof why, err, sizeof err) == NB_OK && bad_parts == 0,
          "the packed part agrees with the rows");
    CHECK(nb_pack_rows_read() == before, "the part not made from the rows");
    CHECK(t_count(s, "SELECT sum(n) FROM pack p JOIN body b ON b.id = p.body WHERE b.name = '区'") == 1,
          "the part holds the one left");
}

static void test_body(nb_store *s)
{
    char err[512] = "";
    nb_delete_counts c;
    import(s, "街道", "区", "编号,收到日期,申请人类型\nB1,2020-01-01,自然人\n");
    int64_t id;
    int created;
    nb_store_body(s, "区", 0, &id, &created, err, sizeof err);
    CHECK(nb_store_script_put(s, id, "rules", "r.lua", "return {}", err, sizeof err) == NB_OK, "a script stored");
    nb_err rc = nb_delete_body(s, "区", 1, 0, &c, err, sizeof err);
    CHECK(rc == NB_ERR_INPUT && strstr(err, "街道"), "a body with one below: refused, naming it");
    rc = nb_delete_body(s, "街道", 0, 0, &c, err, sizeof err);
    CHECK(rc == NB_ERR_INPUT && strstr(err, "force"), "a body with records: refused without force");
    rc = nb_delete_body(s, "街道", 1, 1, &c, err, sizeof err);
    CHECK(rc == NB_OK && c.records[0] == 1 && t_count(s, "SELECT count(*) FROM body") == 2,
          "forced dry run: counts, removes nothing");
    rc = nb_delete_body(s, "街道", 1, 0, &c, err, sizeof err);
    CHECK(rc == NB_OK && t_count(s, "SELECT count(*) FROM body WHERE name = '街道'") == 0 &&
              t_count(s, "SELECT count(*) FROM request WHERE id = 'B1'") == 0,
          "forced: the body and its records gone");
    rc = nb_delete_script(s, "区", "none.lua", 0, &c, err, sizeof err);
    CHECK(rc == NB_ERR_NOTFOUND && strstr(err, "none.lua"), "a script not there: NOTFOUND");
    rc = nb_delete_script(s, "区", "r.lua", 0, &c, err, sizeof err);
    CHECK(rc == NB_OK && c.scripts == 1 && t_count(s, "SELECT count(*) FROM script") == 0, "a script removed");
    rc = nb_delete_body(s, "区", 1, 0, &c, err, sizeof err);
    CHECK(rc == NB_OK && t_count(s, "SELECT count(*) FROM body") == 0 &&
              t_count(s, "SELECT count(*) FROM source") == 0,
          "the last body: no body or source left");
    rc = nb_delete_body(s, "区", 0, 0, &c, err, sizeof err);
    CHECK(rc == NB_ERR_NOTFOUND, "an unknown body: NOTFOUND");
}

int main(void)
{
    char cmd[128], err[512];
    /* The folder's name holds the ids the messages name: a check must look at the message,
     * not at the store's path in it (mkdtemp's letters once made "A1" by chance). */
    snprintf(dir, sizeof dir, "/tmp/nb_delete_A1X8X9XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    nb_store *s = NULL;
    if (nb_store_open(path_of("d.db"), NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return 1;
    }
    test_hash();
    test_records(s);
    test_body(s);
    nb_store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
