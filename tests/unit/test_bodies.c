/* test_bodies.c - unit tests of host/bodies.c: the body tree, subtrees, record counts and
 * bodies files (every row or none). */
#include "bodies.h"
#include "import.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static char dir[64];

static const char *path_of(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static const char *write_file(const char *name, const char *text)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

/* The diagnostics of a call, one per line, without the folder. */
static char diags[4096];
static void keep(void *ud, const nb_diag *d)
{
    (void)ud;
    char line[512];
    nb_diag_format(d, line, sizeof line);
    const char *slash = strrchr(d->file, '/');
    const char *shown = strstr(line, slash ? slash + 1 : d->file);
    size_t len = strlen(diags);
    snprintf(diags + len, sizeof diags - len, "%s\n", shown ? shown : line);
}

/* The tree as text: "name<parent>[code]*" per body (* a roll-up), in order. */
static const char *tree(nb_store *s)
{
    static char out[1024], err[256];
    nb_bodies b;
    out[0] = '\0';
    if (nb_bodies_read(s, &b, err, sizeof err) != NB_OK)
        return err;
    for (int i = 0; i < b.n; i++) {
        const nb_body *p = nb_bodies_find(&b, b.v[i].parent);
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%s<%s>[%s]%s", i ? " " : "", b.v[i].name,
                 p ? p->name : "", b.v[i].code ? b.v[i].code : "", b.v[i].rollup ? "*" : "");
    }
    nb_bodies_free(&b);
    return out;
}

static nb_err import_bodies(nb_store *s, const char *path, int dry, nb_bodies_result *r,
                            char *err, size_t errlen)
{
    nb_bodies_opts o = {.path = path, .dry_run = dry, .diag = keep};
    diags[0] = '\0';
    return nb_bodies_import(s, &o, r, err, errlen);
}

static void test_file(nb_store *s)
{
    char err[512] = "";
    nb_bodies_result r;
    const char *p = write_file("city.csv", "名称,上级,代码,汇总\n"
                                           "沈阳市,,210100,是\n"
                                           "沈河区,沈阳市,210103,yes\n"
                                           "和平区,沈阳市,210102,\n"
                                           "沈河区财政局,沈河区,,否\n");
    nb_err rc = import_bodies(s, p, 1, &r, err, sizeof err);
    CHECK(rc == NB_OK && r.read == 4 && r.created == 4, "dry run: counts four new bodies");
    CHECK_STR(tree(s), "", "dry run: nothing written");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_OK && r.created == 4 && r.updated == 0 && r.unchanged == 0, "import: four created");
    CHECK_STR(tree(s), "沈阳市<>[210100]* 沈河区<沈阳市>[210103]* 和平区<沈阳市>[210102] "
                       "沈河区财政局<沈河区>[]",
              "import: the tree, codes and roll-up flags");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_OK && r.created == 0 && r.updated == 0 && r.unchanged == 4,
          "the same file again: all unchanged");
    p = write_file("move.csv", "name,parent,rollup\n和平区,沈河区,no\n");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_OK && r.updated == 1, "a body moved under another: updated");
    CHECK_STR(tree(s), "沈阳市<>[210100]* 沈河区<沈阳市>[210103]* 和平区<沈河区>[210102] "
                       "沈河区财政局<沈河区>[]",
              "the moved body keeps its code: the file has no code column");
    p = write_file("names.csv", "名称\n沈河区\n和平区\n");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_OK && r.updated == 0 && r.unchanged == 2, "a file of names alone: unchanged");
    CHECK_STR(tree(s), "沈阳市<>[210100]* 沈河区<沈阳市>[210103]* 和平区<沈河区>[210102] "
                       "沈河区财政局<沈河区>[]",
              "a column the file lacks leaves what the store holds: parent, code, roll-up");
    p = write_file("clear.csv", "名称,上级,代码,汇总\n和平区,沈阳市,,\n沈河区,,210103,是\n");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_OK && r.updated == 2, "empty cells of columns the file has: updated");
    CHECK_STR(tree(s), "沈阳市<>[210100]* 沈河区<>[210103]* 和平区<沈阳市>[] 沈河区财政局<沈河区>[]",
              "an empty cell clears: no code, no parent (a top body), not a roll-up");
    p = write_file("back.csv", "名称,上级\n沈河区,沈阳市\n");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_OK && r.updated == 1, "(put back under the city)");

    nb_bodies b;
    int64_t *ids;
    int n;
    CHECK(nb_bodies_read(s, &b, err, sizeof err) == NB_OK, "read the tree");
    CHECK(nb_bodies_subtree(&b, b.v[0].id, &ids, &n) == NB_OK && n == 4 && ids[0] == b.v[0].id,
          "subtree of the city: itself and three below");
    free(ids);
    CHECK(nb_bodies_subtree(&b, b.v[2].id, &ids, &n) == NB_OK && n == 1, "a leaf: itself only");
    free(ids);
    nb_bodies_free(&b);
}

static void test_refused(nb_store *s)
{
    char err[512] = "", before[1024];
    nb_bodies_result r;
    snprintf(before, sizeof before, "%s", tree(s));
    const char *p = write_file("bad.csv", "名称,上级,汇总\n"
                                          "甲,乙,是\n"
                                          "甲,,也许\n"
                                          "丙,不存在的机关,\n"
                                          ",沈阳市,\n"
                                          "丁,丁,\n");
    nb_err rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_ERR_INPUT, "problems: refused");
    CHECK_STR(diags,
              "bad.csv:2: field 'parent': neither a row of this file nor a body of the store (乙)\n"
              "bad.csv:3: field 'rollup': not yes or no (是/否) (也许)\n"
              "bad.csv:3: field 'name': given twice (first at line 2) (甲)\n"
              "bad.csv:4: field 'parent': neither a row of this file nor a body of the store "
              "(不存在的机关)\n"
              "bad.csv:5: field 'name': missing value\n"
              "bad.csv:6: field 'parent': a body cannot be its own parent (丁)\n",
              "each problem with its line and field, by line (found pass by pass)");
    CHECK_STR(tree(s), before, "nothing written");
    p = write_file("cycle.csv", "名称,上级\n沈阳市,沈河区财政局\n");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_ERR_INPUT && strstr(diags, "cycle.csv:2: field 'parent': ") &&
              strstr(diags, "cannot be the parent of '沈阳市' (it is below it)"),
          "a cycle through the store's tree: refused on its row");
    CHECK_STR(tree(s), before, "a cycle: nothing written");
    p = write_file("cols.csv", "名称,人口\n甲,1\n");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_ERR_INPUT && strcmp(diags, "cols.csv:1: not a column of a bodies file (name 名称, "
                                              "parent 上级, code 代码, rollup 汇总) (人口)\n") == 0,
          "an unknown column: refused");
    p = write_file("noname.csv", "上级\n沈阳市\n");
    rc = import_bodies(s, p, 0, &r, err, sizeof err);
    CHECK(rc == NB_ERR_INPUT && strstr(diags, "missing required column 'name' (名称)"),
          "no name column: refused");
    rc = import_bodies(s, path_of("missing.csv"), 0, &r, err, sizeof err);
    CHECK(rc == NB_ERR_IO, "a missing file: an I/O error");
}

static void test_stats(nb_store *s)
{
    char err[512] = "";
    const char *p = write_file("r.csv", "编号,收到日期,申请人类型\nA1,2019-05-01,自然人\n"
                                        "A2,2021-01-02,企业\nA3,2020-01-02,企业\n");
    nb_import_opts o = {.path = p, .kind = "request", .body = "沈河区"};
    nb_import_stats st;
    CHECK(nb_import(s, &o, &st, err, sizeof err) == NB_OK, "records of a body");
    nb_kind_stat *ks;
    int n;
    CHECK(nb_bodies_stats(s, &ks, &n, err, sizeof err) == NB_OK && n == 1 &&
              strcmp(ks[0].kind, "request") == 0 && ks[0].count == 3 && ks[0].first == 2019 &&
              ks[0].last == 2021,
          "stats: three requests, 2019 to 2021");
    free(ks);
}

int main(void)
{
    char cmd[128], err[512];
    snprintf(dir, sizeof dir, "/tmp/nb_bodies_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    nb_store *s = NULL;
    if (nb_store_open(path_of("b.db"), NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return 1;
    }
    test_file(s);
    test_refused(s);
    test_stats(s);
    nb_store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
