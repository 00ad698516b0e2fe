/* test_pack_ops.c - the packed columns against the rows along seeded random sequences of
 * operations on one store (nb_pack_verify and the parts' own invariants after each).
 *
 * A sequence mixes, on 3-6 bodies, with parameters drawn at random: imports of request
 * files (new, the same file again, its lines moved; bodies interleaved, ids in and out of
 * order from a small space, so many rows are updated; channels new to the dictionary;
 * --replace and --replace-all; dry runs; a bad row refusing the file; large files whose
 * bodies fill several parts) and of charge files (id-less rows named PATH:LINE, amounts of
 * up to 8 bytes, a text field the parts do not hold); several files imported together;
 * deletions by id; transactions of the caller's (records inserted, updated and removed,
 * files imported and records deleted inside them) committed, rolled back or their commit
 * refused; bodies deleted; digests kept; repacks; a small bound of buffered records around
 * some (the buffers spill). After each: the parts agree with the rows (nb_pack_verify) and
 * the kept digests too (nb_digest_verify); each part's rids, count and stats are what its
 * blob holds; a body's parts are in rid order without overlap, hold as many records as its
 * rows, between the same dates, of the same years (nb_pack_bodies, nb_pack_years); the
 * dictionary in memory is the table's. What must leave the store alone (a refused file, a
 * rollback, a dry run) leaves it alone; a fill or a repack leaves full parts but the last.
 *
 * make test runs a short sequence of each profile (defaults, below) and checks that
 * together they reach every operation. Environment, for longer runs: NB_PACK_OPS_N
 * operations in each sequence; NB_PACK_OPS_SEED one sequence of that seed instead (300
 * operations unless NB_PACK_OPS_N), of profile NB_PACK_OPS_PROFILE (an index in profiles,
 * else drawn from the seed); NB_PACK_OPS_SKIP="3,7-9" operations left out (each draws from
 * a generator of its own, seeded by the seed and its number, so the others stay the same:
 * a failing sequence can be shortened); NB_PACK_OPS_TRACE=1 each operation printed as it
 * runs. A failure names the seed and the operation. */
#include "delete.h"
#include "hash.h"
#include "import.h"
#include "insert.h"
#include "pack.h"
#include "runs.h"
#include "t.h"
#include "testdir.h"
#include "util.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define DEFAULT_OPS 300
#define MAX_BODIES 7 /* the sequence's bodies, and one more that transactions add to */
#define SLOTS 6      /* the files' paths: f0-f3.csv, sub/f0.csv, sub/f1.csv */

/* What a sequence does most: drawn from its seed, or named (NB_PACK_OPS_PROFILE: its index). */
typedef struct {
    const char *name;
    int big;       /* percent of request imports of 3,000-20,000 rows */
    int big_space; /* their ids: 0..big_space-1 */
    int replace;   /* percent of imports with --replace or --replace-all */
    int bound;     /* percent of operations under a small bound of buffered records */
    int mix[5];    /* operations, in percent summed: an import, files together, a deletion,
                      a transaction, a body deleted; the rest digests (and repacks) */
    int many;      /* percent of imports naming 65-150 bodies of their own */
    int fill;      /* percent of imports that fill a body's last part (op_fill); 20 are of
                      charges */
} op_profile;

static const op_profile profiles[] = {
    {"mixed", 7, 12000, 30, 25, {50, 60, 75, 93, 95}, 0, 4},
    {"large bodies", 30, 30000, 10, 25, {55, 60, 70, 92, 93}, 0, 6},
    {"tight bound", 7, 12000, 30, 85, {35, 45, 55, 95, 96}, 0, 4},
    {"many bodies", 5, 12000, 30, 30, {50, 60, 75, 93, 95}, 8, 2},
    {"full parts", 5, 12000, 10, 30, {40, 45, 55, 96, 97}, 0, 25},
    {"transactions", 5, 12000, 10, 60, {20, 22, 27, 99, 99}, 0, 40},
};
static const op_profile *prof;

/* What the sequence did, printed at its end. */
typedef struct {
    long imports, refused, dry_runs, import_commits_refused, rows, together, deletions, deleted,
        transactions, rolled_back, commits_refused, bodies_deleted, digests, many, charges, fills,
        fills_after, repacks, most_parts, short_parts, rows_read;
} did_counts;
static did_counts did;

/* What one of the default sequences at least does: the count AT in did_counts at least
 * LEAST. */
static const struct {
    const char *name;
    size_t at;
    long least;
} reach[] = {
    {"a refused import", offsetof(did_counts, refused), 1},
    {"a dry run", offsetof(did_counts, dry_runs), 1},
    {"an import whose commit is refused", offsetof(did_counts, import_commits_refused), 1},
    {"files together", offsetof(did_counts, together), 1},
    {"records deleted", offsetof(did_counts, deleted), 1},
    {"a rolled-back transaction", offsetof(did_counts, rolled_back), 1},
    {"a transaction whose commit is refused", offsetof(did_counts, commits_refused), 1},
    {"a body deleted", offsetof(did_counts, bodies_deleted), 1},
    {"digests", offsetof(did_counts, digests), 1},
    {"a file of many bodies", offsetof(did_counts, many), 1},
    {"charges", offsetof(did_counts, charges), 1},
    {"a fill", offsetof(did_counts, fills), 1},
    {"a fill after another body's block", offsetof(did_counts, fills_after), 1},
    {"a repack", offsetof(did_counts, repacks), 1},
    {"a body of three parts", offsetof(did_counts, most_parts), 3},
    {"a short part before a body's last", offsetof(did_counts, short_parts), 1},
};

static nb_store *store;
static const nb_kind *kind;   /* request */
static const nb_kind *charge; /* charge: rows without ids (PATH:LINE), amounts of up to 8 bytes,
                                 a text field that the parts do not hold */
static int nbodies;
static char body_name[MAX_BODIES][16];

/* ---- a generator per operation ---- */

typedef struct {
    uint64_t s;
} rng;

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

/* xorshift64*, seeded by S and STREAM (an operation's number) */
static rng rng_of(uint64_t s, uint64_t stream)
{
    rng r = {splitmix(s ^ splitmix(stream + 1))};
    if (!r.s)
        r.s = 1;
    return r;
}

static uint64_t next(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Du;
}

/* 0..N-1 */
static int pick(rng *r, int n)
{
    return n > 0 ? (int)(next(r) % (uint64_t)n) : 0;
}

/* 1 with PCT percent */
static int chance(rng *r, int pct)
{
    return pick(r, 100) < pct;
}

/* ---- the sequence's state: its seed, the operation running, the first failure ---- */

static uint64_t seed;
static int op;                 /* the operation running */
static char what[512];         /* what it is */
static int failed_at = -1;     /* the first operation that failed, -1: none */
static char failure[1024];     /* and why */
static int trace;

/* The first failure of the sequence, printed with the seed and the operation. */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    if (failed_at >= 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure, sizeof failure, fmt, ap);
    va_end(ap);
    failed_at = op;
    printf("# seed %llu op %d (%s): %s\n", (unsigned long long)seed, op, what, failure);
}

/* Says what the operation is (for a failure, and the trace). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (trace)
        printf("# op %d: %s\n", op, what);
}

/* ---- the store ---- */

/* The id of body NAME, 0 when there is none. */
static int64_t body_id(const char *name)
{
    int64_t id;
    char err[512];
    return nb_store_body(store, name, 0, &id, NULL, err, sizeof err) == NB_OK ? id : 0;
}

/* Everything an import, a deletion or a transaction may change, hashed into OUT: the rows,
 * the bodies, the sources, the dictionary and, when PARTS, the parts and the digests
 * (inside a transaction a savepoint writes the parts of what was noted before it). */
static void store_state(int parts, unsigned char out[NB_HASH_SIZE])
{
    static const char *const q[] = {
        "SELECT * FROM request ORDER BY rid",
        "SELECT * FROM charge ORDER BY rid",
        "SELECT id, name, parent FROM body ORDER BY id",
        "SELECT id, path, kind, body, encoding, header FROM source ORDER BY id",
        "SELECT id, dict, code FROM dict ORDER BY id",
        "SELECT kind, body, rid_lo, rid_hi, n, stats, data FROM pack ORDER BY kind, body, rid_lo",
        "SELECT kind, body, gen, hash FROM digest ORDER BY kind, body"};
    nb_hash h;
    nb_hash_init(&h);
    for (int i = 0; i < (parts ? N(q) : N(q) - 2); i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(store->db, q[i], -1, &st, NULL) != SQLITE_OK) {
            fail("%s: %s", q[i], sqlite3_errmsg(store->db));
            break;
        }
        while (sqlite3_step(st) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                unsigned char type = (unsigned char)sqlite3_column_type(st, c);
                nb_hash_add(&h, &type, 1);
                if (type == SQLITE_INTEGER) {
                    int64_t v = sqlite3_column_int64(st, c);
                    nb_hash_add(&h, &v, sizeof v);
                } else if (type != SQLITE_NULL) {
                    const void *b = sqlite3_column_blob(st, c);
                    int n = sqlite3_column_bytes(st, c);
                    nb_hash_add(&h, &n, sizeof n);
                    nb_hash_add(&h, b, (size_t)n);
                }
            }
        sqlite3_finalize(st);
        nb_hash_add(&h, &i, sizeof i);
    }
    nb_hash_raw(&h, out);
}

/* 1 when store_state(PARTS) is no longer BEFORE. */
static int changed(int parts, const unsigned char *before)
{
    unsigned char now[NB_HASH_SIZE];
    store_state(parts, now);
    return memcmp(now, before, NB_HASH_SIZE) != 0;
}

/* ---- the checks after each operation ---- */

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#define MAX_SEEN 512
typedef struct {
    int64_t body[MAX_SEEN];
    long records[MAX_SEEN];
    int64_t lo[MAX_SEEN], hi[MAX_SEEN];
    int n;
} bodies_seen;

static int body_fn(void *ud, int64_t body, long records, int64_t lo, int64_t hi)
{
    bodies_seen *b = ud;
    if (b->n < MAX_SEEN) {
        b->body[b->n] = body;
        b->records[b->n] = records;
        b->lo[b->n] = lo;
        b->hi[b->n] = hi;
    }
    b->n++;
    return 0;
}

/* Each part as its row says (rids, count, stats) and as its blob decodes; a body's parts in
 * rid order without overlap; each body's parts hold as many records as its rows, between
 * the same dates, of the same years. */
static void check_parts(const nb_kind *k)
{
    char err[256], q[256];
    int ncols = nb_pack_columns(k, NULL, NULL);
    nb_pack_cursor *cur;
    if (nb_pack_open(store, k, 0, &cur, err, sizeof err)) {
        fail("cannot open the parts: %s", err);
        return;
    }
    sqlite3_stmt *st;
    snprintf(q, sizeof q, "SELECT body, rid_lo, rid_hi, n, stats FROM pack WHERE kind = '%s' "
             "ORDER BY body, rid_lo", k->name);
    if (sqlite3_prepare_v2(store->db, q, -1, &st, NULL) != SQLITE_OK) {
        nb_pack_close(cur);
        fail("cannot read the parts: %s", sqlite3_errmsg(store->db));
        return;
    }
    int64_t last_body = 0, last_hi = 0;
    long body_parts = 0, last_n = 0, short_parts = 0;
    int parts = 0;
    while (failed_at < 0 && sqlite3_step(st) == SQLITE_ROW) {
        const nb_pack_part *p;
        nb_err rc = nb_pack_next(cur, &p, err, sizeof err);
        int64_t body = sqlite3_column_int64(st, 0), lo = sqlite3_column_int64(st, 1),
                hi = sqlite3_column_int64(st, 2);
        long n = (long)sqlite3_column_int64(st, 3);
        parts++;
        if (rc != NB_OK) {
            fail("%s part %d (body %lld from rid %lld) does not decode: %s", k->name, parts,
                 (long long)body, (long long)lo, rc == NB_DONE ? "no more parts" : err);
            break;
        }
        if (p->body != body || p->n != n || n < 1 || n > NB_PACK_PART || p->rid[0] != lo ||
            p->rid[n - 1] != hi) {
            fail("%s part of body %lld, rids %lld-%lld, %ld records: its blob holds %d records, "
                 "rids %lld-%lld", k->name, (long long)body, (long long)lo, (long long)hi, n, p->n,
                 (long long)(p->n ? p->rid[0] : 0), (long long)(p->n ? p->rid[p->n - 1] : 0));
            break;
        }
        for (int i = 1; i < p->n; i++)
            if (p->rid[i] <= p->rid[i - 1]) {
                fail("%s part of body %lld from rid %lld: rid %lld after %lld", k->name,
                     (long long)body, (long long)lo, (long long)p->rid[i],
                     (long long)p->rid[i - 1]);
                break;
            }
        if (body == last_body && lo <= last_hi)
            fail("%s parts of body %lld overlap: one ends at rid %lld, the next begins at %lld",
                 k->name, (long long)body, (long long)last_hi, (long long)lo);
        body_parts = body == last_body ? body_parts + 1 : 1;
        if (body_parts > did.most_parts)
            did.most_parts = body_parts;
        short_parts += body == last_body && last_n < NB_PACK_PART;
        last_body = body, last_hi = hi, last_n = n;
        const unsigned char *stats = sqlite3_column_blob(st, 4);
        if (sqlite3_column_bytes(st, 4) != ncols * 24) {
            fail("%s part of body %lld from rid %lld: stats of %d bytes", k->name, (long long)body,
                 (long long)lo, sqlite3_column_bytes(st, 4));
            break;
        }
        for (int c = 0; c < ncols && failed_at < 0; c++) {
            int64_t nz = 0, mx = p->col[c][0], z = 0;
            for (int i = 0; i < p->n; i++) {
                int64_t v = p->col[c][i];
                if (v != 0 && (nz == 0 || v < nz))
                    nz = v;
                if (v > mx)
                    mx = v;
                z += v == 0;
            }
            int64_t snz = (int64_t)get_u64(stats + c * 16);
            int64_t smx = (int64_t)get_u64(stats + c * 16 + 8);
            int64_t sz = (int64_t)get_u64(stats + ncols * 16 + c * 8);
            if (snz != nz || smx != mx || sz != z)
                fail("%s part of body %lld from rid %lld: column %d's stats %lld-%lld, %lld zeros, "
                     "its values %lld-%lld, %lld zeros", k->name, (long long)body, (long long)lo, c,
                     (long long)snz, (long long)smx, (long long)sz, (long long)nz, (long long)mx,
                     (long long)z);
        }
    }
    sqlite3_finalize(st);
    if (short_parts > did.short_parts)
        did.short_parts = short_parts;
    if (failed_at < 0) {
        const nb_pack_part *p;
        if (nb_pack_next(cur, &p, err, sizeof err) != NB_DONE)
            fail("the cursor gives more parts than the table holds");
    }
    nb_pack_close(cur);
    if (failed_at >= 0)
        return;
    /* each body's records and dates, from the parts' rows and stats, against its rows */
    static bodies_seen b;
    b.n = 0;
    if (nb_pack_bodies(store, k, 0, body_fn, &b, err, sizeof err)) {
        fail("nb_pack_bodies: %s", err);
        return;
    }
    snprintf(q, sizeof q, "SELECT body, count(*), min(%s), max(%s) FROM %s GROUP BY body ORDER BY "
             "body", k->period, k->period, k->table);
    if (sqlite3_prepare_v2(store->db, q, -1, &st, NULL) != SQLITE_OK) {
        fail("cannot read the rows: %s", sqlite3_errmsg(store->db));
        return;
    }
    int i = 0;
    while (failed_at < 0 && sqlite3_step(st) == SQLITE_ROW) {
        int64_t body = sqlite3_column_int64(st, 0);
        long rows = (long)sqlite3_column_int64(st, 1);
        int64_t lo = nb_pack_day(sqlite3_column_int(st, 2));
        int64_t hi = nb_pack_day(sqlite3_column_int(st, 3));
        if (i >= b.n || i >= MAX_SEEN || b.body[i] != body)
            fail("body %lld has %ld %s rows and no parts", (long long)body, rows, k->name);
        else if (b.records[i] != rows || b.lo[i] != lo || b.hi[i] != hi)
            fail("body %lld: %s: %ld rows of days %lld-%lld, its parts say %ld records, %lld-%lld",
                 (long long)body, k->name, rows, (long long)lo, (long long)hi, b.records[i],
                 (long long)b.lo[i], (long long)b.hi[i]);
        i++;
    }
    sqlite3_finalize(st);
    if (failed_at < 0 && i != b.n)
        fail("%d bodies have %s parts, %d have rows", b.n, k->name, i);
    /* the years each body holds, from the parts (their stats first), against its rows' */
    for (int j = 0; j < b.n && j < MAX_SEEN && failed_at < 0; j++) {
        static unsigned char seen[8100];
        char want[512] = "", got[512] = "";
        size_t wl = 0, gl = 0;
        memset(seen, 0, sizeof seen);
        if (nb_pack_years(store, k, b.body[j], 0, seen, err, sizeof err)) {
            fail("nb_pack_years: %s", err);
            break;
        }
        for (int y = 0; y < 8100; y++)
            if (seen[y])
                gl += (size_t)snprintf(got + gl, sizeof got - gl, " %d", 1900 + y);
        snprintf(q, sizeof q, "SELECT DISTINCT %s / 10000 FROM %s WHERE body = %lld ORDER BY 1",
                 k->period, k->table, (long long)b.body[j]);
        if (sqlite3_prepare_v2(store->db, q, -1, &st, NULL) != SQLITE_OK) {
            fail("cannot read the rows: %s", sqlite3_errmsg(store->db));
            break;
        }
        while (sqlite3_step(st) == SQLITE_ROW && wl < sizeof want - 8)
            wl += (size_t)snprintf(want + wl, sizeof want - wl, " %d", sqlite3_column_int(st, 0));
        sqlite3_finalize(st);
        if (strcmp(want, got) != 0)
            fail("body %lld's %s years:%s, from its parts:%s", (long long)b.body[j], k->name,
                 want, got);
    }
}

/* The dictionary in the store's memory is its table: each value at its id, and no other
 * (a rolled-back level's values forgotten). */
static void check_dictionary(void)
{
    sqlite3_stmt *st;
    long rows = 0, held = 0;
    if (sqlite3_prepare_v2(store->db, "SELECT id, dict, code FROM dict", -1, &st, NULL) !=
        SQLITE_OK) {
        fail("cannot read the dictionary: %s", sqlite3_errmsg(store->db));
        return;
    }
    while (failed_at < 0 && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *dict = (const char *)sqlite3_column_text(st, 1),
                   *code = (const char *)sqlite3_column_text(st, 2), *mem;
        if (nb_store_code(store, dict, code) != id || !(mem = nb_store_code_str(store, id)) ||
            strcmp(mem, code) != 0)
            fail("the dictionary's %s '%s' is %lld, in memory %lld", dict, code, (long long)id,
                 (long long)nb_store_code(store, dict, code));
        rows++;
    }
    sqlite3_finalize(st);
    for (int id = 1; id < store->ncodes; id++)
        held += nb_store_code_str(store, id) != NULL;
    if (failed_at < 0 && (held != rows || store->codes.len != (size_t)rows))
        fail("the dictionary holds %ld values, the store's memory %ld (%zu names)", rows, held,
             store->codes.len);
}

/* After every operation: the parts agree with the rows (nb_pack_verify), the kept digests
 * with the rows (nb_digest_verify), the parts keep their invariants, every coded value of
 * the rows is in the dictionary, and the dictionary in memory is the table's. */
static void check_store(void)
{
    long bad = -1, bad2 = -1;
    char why[256] = "", err[256] = "";
    if (nb_pack_verify(store, &bad, why, sizeof why, err, sizeof err) != NB_OK)
        fail("nb_pack_verify: %s", err);
    else if (bad)
        fail("the parts differ from the rows: %ld pairs: %s", bad, why);
    else if (nb_digest_verify(store, &bad2, why, sizeof why, err, sizeof err) != NB_OK)
        fail("nb_digest_verify: %s", err);
    else if (bad2)
        fail("the kept digests differ from the rows: %ld pairs: %s", bad2, why);
    if (failed_at < 0)
        check_parts(kind);
    if (failed_at < 0)
        check_parts(charge);
    if (failed_at < 0 && t_count(store, "SELECT count(*) FROM pack WHERE kind NOT IN ('request', "
                                 "'charge') OR body NOT IN (SELECT id FROM body)") != 0)
        fail("parts of another kind, or of a body that is gone");
    long long stale = failed_at < 0 ? t_count(store, "SELECT count(*) FROM records_request WHERE applicant NOT IN "
                                              "(SELECT id FROM dict) OR outcome NOT IN (SELECT id "
                                              "FROM dict) OR channel NOT IN (SELECT id FROM dict)")
                                    : 0;
    if (stale)
        fail("%lld rows with a coded value the dictionary does not hold", stale);
    if (failed_at < 0)
        check_dictionary();
}

/* ---- the values of a row ---- */

static const char *const applicants[] = {"person", "自然人", "business", "企业", "legal",
                                         "other", "ngo", "research"};
static const char *const outcomes[] = {"1", "2", "予以公开", "3.1", "4.1", "5.2", "6.1", "部分公开"};
static const char *const channels[] = {"", "网上", "信函", "当面", "电话"};
#define MORE_CHANNELS 200 /* 途径0..途径199: an open vocabulary's values, new all along */

/* Channel C as text, in BUF: one of channels, or 途径N past them. */
static const char *channel(int c, char buf[32])
{
    if (c < N(channels))
        return channels[c];
    snprintf(buf, 32, "途径%d", c - N(channels));
    return buf;
}
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* DATE (YYYYMMDD) as text in FORMAT 0 (2020-01-05) to 3 (2020年1月5日). */
static void put_date(nb_buf *b, int ymd, int format)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    switch (format) {
    case 1:
        nb_buf_printf(b, "%d/%d/%d", y, m, d);
        break;
    case 2:
        nb_buf_printf(b, "%04d%02d%02d", y, m, d);
        break;
    case 3:
        nb_buf_printf(b, "%d年%d月%d日", y, m, d);
        break;
    default:
        nb_buf_printf(b, "%04d-%02d-%02d", y, m, d);
    }
}

typedef struct {
    int received, closed;  /* YYYYMMDD; closed 0: open */
    int applicant, outcome, channel;
} values;

/* A row's values: the same for a (body, id) at every call when STABLE (rows re-imported
 * unchanged, or only moved), else drawn from R. */
static values values_of(rng *r, int body, int id, int stable)
{
    rng own = rng_of(0x5EED, (uint64_t)body * 1000003u + (uint64_t)id);
    rng *g = stable ? &own : r;
    values v;
    int y = 2019 + pick(g, 4), m = 1 + pick(g, 12), d = 1 + pick(g, 28);
    v.received = y * 10000 + m * 100 + d;
    v.closed = 0;
    if (chance(g, 60)) {
        int cm = m + pick(g, 3);
        cm = cm > 12 ? 12 : cm;
        int cd = cm == m ? d + pick(g, 29 - d) : 1 + pick(g, 28);
        v.closed = y * 10000 + cm * 100 + cd;
    }
    v.applicant = pick(g, N(applicants));
    v.outcome = pick(g, N(outcomes));
    v.channel = chance(g, 85) ? pick(g, N(channels)) : N(channels) + pick(g, MORE_CHANNELS);
    return v;
}

/* One line of a file (its body's column when WITH_BODY): the values V, the dates mostly
 * in the one format (another one changes the raw values alone). */
static void put_row(nb_buf *b, rng *r, int body, const char *id, values v, int with_body)
{
    nb_buf_printf(b, "%s,", id);
    put_date(b, v.received, chance(r, 90) ? 0 : 1 + pick(r, 3));
    nb_buf_printf(b, ",%s,", applicants[v.applicant]);
    if (v.closed)
        put_date(b, v.closed, chance(r, 95) ? 0 : 1 + pick(r, 3));
    char cb[32];
    nb_buf_printf(b, ",%s,%s", v.closed ? outcomes[v.outcome] : "", channel(v.channel, cb));
    if (with_body)
        nb_buf_printf(b, ",%s", body_name[body]);
    nb_buf_adds(b, "\n");
}

/* A line that refuses its file, of body BODY; DUP (when not NULL) a line of the file
 * whose id and body it repeats. */
static void put_bad_row(nb_buf *b, rng *r, int body, const char *dup, int with_body)
{
    int how = pick(r, dup ? 6 : 5);
    const char *bn = with_body ? body_name[body] : NULL;
    char tail[64];
    snprintf(tail, sizeof tail, "%s%s\n", bn ? "," : "", bn ? bn : "");
    switch (how) {
    case 0: /* closed before received */
        nb_buf_printf(b, "BAD%d,2020-05-05,自然人,2020-05-01,1,%s", op, tail);
        break;
    case 1: /* an unknown applicant */
        nb_buf_printf(b, "BAD%d,2020-05-05,火星人,,,%s", op, tail);
        break;
    case 2: /* an outcome without a closed date */
        nb_buf_printf(b, "BAD%d,2020-05-05,自然人,,1,%s", op, tail);
        break;
    case 3: /* an impossible date */
        nb_buf_printf(b, "BAD%d,2020-02-30,自然人,,,%s", op, tail);
        break;
    case 4: /* no received date */
        nb_buf_printf(b, "BAD%d,,自然人,,,%s", op, tail);
        break;
    default: /* a duplicate id */
        nb_buf_adds(b, dup);
    }
}

/* ---- files ---- */

#define HEADER_BODY "编号,收到日期,申请人类型,办结日期,办理结果,申请方式,机关\n"
#define HEADER_ONE "编号,收到日期,申请人类型,办结日期,办理结果,申请方式\n"

/* A path's last file: its lines (after the header), kept to be imported again moved. */
typedef struct {
    char **line;
    int n, cap;
    int with_body;  /* 0: the rows are of body ONE's, given as --body */
    int one;
    int written;
    int bad;        /* it has a bad row */
} file_slot;

#define CSLOTS 3 /* the charge files' paths */
static file_slot slot[SLOTS], cslot[CSLOTS];
static const char *const cslot_name[CSLOTS] = {"c0.csv", "c1.csv", "sub/c0.csv"};
static const char *const slot_name[SLOTS] = {"f0.csv", "f1.csv", "f2.csv", "f3.csv",
                                             "sub/f0.csv", "sub/f1.csv"};

static void slot_clear(file_slot *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->line[i]);
    f->n = 0;
}

static void slot_free(file_slot *f)
{
    slot_clear(f);
    free(f->line);
    f->line = NULL;
    f->cap = 0;
}

/* Room in F for one line more. */
static void slot_room(file_slot *f)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 256;
        f->line = realloc(f->line, (size_t)f->cap * sizeof *f->line);
    }
}

/* LINE (malloc'ed) before F's lines. */
static void slot_push_front(file_slot *f, char *line)
{
    slot_room(f);
    memmove(f->line + 1, f->line, (size_t)f->n * sizeof *f->line);
    f->line[0] = line;
    f->n++;
}

/* F's lines FROM .. FROM + LEN - 1 left out. */
static void slot_drop(file_slot *f, int from, int len)
{
    for (int j = from; j < from + len; j++)
        free(f->line[j]);
    memmove(f->line + from, f->line + from + len, (size_t)(f->n - from - len) * sizeof *f->line);
    f->n -= len;
}

/* Splits TEXT (lines, each ending in \n) into F's lines. */
static void slot_set(file_slot *f, const char *text)
{
    slot_clear(f);
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        slot_room(f);
        f->line[f->n] = malloc(len + 1);
        memcpy(f->line[f->n], p, len);
        f->line[f->n][len] = '\0';
        f->n++;
        p += len;
    }
}

/* Writes F's file NAME: HEADER and its lines. */
static const char *file_write(file_slot *f, const char *name, const char *header)
{
    nb_buf text = {0};
    nb_buf_adds(&text, header);
    for (int j = 0; j < f->n; j++)
        nb_buf_adds(&text, f->line[j]);
    const char *path = tmp(name);
    write_file(path, text.data);
    nb_buf_free(&text);
    f->written = 1;
    return path;
}

/* Writes slot I's file. */
static const char *slot_write(int i)
{
    return file_write(&slot[i], slot_name[i], slot[i].with_body ? HEADER_BODY : HEADER_ONE);
}

/* New lines for slot I: N rows (fewer when their ids run out) of the bodies in an
 * interleaving drawn from R, ids from 0..SPACE-1 in an order drawn from R, values stable or
 * not; one bad row when BAD. */
static void make_file(rng *r, int i, int n, int space, int bad, nb_buf *desc)
{
    file_slot *f = &slot[i];
    int mode = pick(r, 100), idorder = pick(r, 100), stable = pick(r, 101);
    if (n >= 3000 && chance(r, 60)) /* a large file: often one body's, whose parts fill */
        mode = pick(r, 35);
    int one = pick(r, nbodies);
    f->one = one;
    f->with_body = mode >= 15; /* 0-14: one body, given as --body */
    int mix = mode < 35 ? 0 : mode < 65 ? 1 : mode < 85 ? 2 : 3; /* one, random, blocks, turns */
    unsigned char *seen = calloc((size_t)nbodies * (size_t)space, 1);
    int cur[MAX_BODIES], block = 0, bbody = one;
    for (int b = 0; b < nbodies; b++)
        cur[b] = idorder < 10 ? space : -1;
    nb_buf text = {0};
    int bad_at = bad ? pick(r, n + 1) : -1;
    char *dup = NULL; /* a line of the file, for a bad row that repeats it */
    for (int k = 0; k < n; k++) {
        if (k == bad_at)
            put_bad_row(&text, r, bbody, dup, f->with_body);
        int b = mix == 0 ? one : mix == 1 ? pick(r, nbodies) : mix == 3 ? k % nbodies : bbody;
        if (mix == 2 && --block <= 0) { /* a block of one body's: long ones in a large file */
            bbody = b = pick(r, nbodies);
            block = 1 + pick(r, n >= 3000 && chance(r, 50) ? n / 2 : 200);
        }
        int id;
        if (idorder < 10) { /* descending */
            id = cur[b] - 1 - (chance(r, 30) ? pick(r, 4) : 0);
        } else if (idorder < 50) { /* ascending */
            id = cur[b] + 1 + (chance(r, 30) ? pick(r, 4) : 0);
        } else if (idorder < 75) { /* ascending runs, a jump now and then */
            id = chance(r, 8) ? pick(r, space) : cur[b] + 1;
        } else {
            id = pick(r, space);
        }
        if (id < 0 || id >= space)
            continue;
        cur[b] = id;
        if (seen[(size_t)b * (size_t)space + (size_t)id])
            continue;
        seen[(size_t)b * (size_t)space + (size_t)id] = 1;
        char idtext[32];
        snprintf(idtext, sizeof idtext, "X%d", id);
        size_t at = text.len;
        put_row(&text, r, b, idtext, values_of(r, b, id, pick(r, 100) < stable), f->with_body);
        if (!dup || chance(r, 10)) {
            free(dup);
            dup = strdup(text.data + at);
        }
    }
    if (bad_at == n) /* at the end */
        put_bad_row(&text, r, bbody, dup, f->with_body);
    free(dup);
    free(seen);
    f->bad = bad;
    slot_set(f, text.data ? text.data : "");
    nb_buf_free(&text);
    static const char *const mixes[] = {"one body", "random bodies", "bodies in blocks",
                                        "bodies in turn"};
    static const char *const orders[] = {"descending", "ascending", "in runs", "random"};
    int order = idorder < 10 ? 0 : idorder < 50 ? 1 : idorder < 75 ? 2 : 3;
    nb_buf_printf(desc, "%s: %d rows of %s, ids of %d %s, %d%% stable%s", slot_name[i], f->n,
                  f->with_body ? mixes[mix] : "--body", space, orders[order], stable,
                  bad ? ", one bad row" : "");
}

/* New lines for slot I: N rows of 65-150 bodies of their own (多0, 多1, ...), in random
 * order: more (kind, body) pairs than a transaction's table holds before it grows. */
static void make_many_file(rng *r, int i, int n, int bad, nb_buf *desc)
{
    file_slot *f = &slot[i];
    int bodies = 65 + pick(r, 86), space = 200;
    char cb[32];
    unsigned char *seen = calloc((size_t)bodies * (size_t)space, 1);
    nb_buf text = {0};
    int bad_at = bad ? pick(r, n) : -1;
    for (int k = 0; k < n; k++) {
        int b = pick(r, bodies), id = pick(r, space);
        if (k == bad_at)
            nb_buf_printf(&text, "BAD%d,2020-05-05,火星人,,,,多%d\n", op, b);
        if (seen[(size_t)b * (size_t)space + (size_t)id])
            continue;
        seen[(size_t)b * (size_t)space + (size_t)id] = 1;
        values v = values_of(r, 100 + b, id, chance(r, 70));
        nb_buf_printf(&text, "X%d,", id);
        put_date(&text, v.received, 0);
        nb_buf_printf(&text, ",%s,", applicants[v.applicant]);
        if (v.closed)
            put_date(&text, v.closed, 0);
        nb_buf_printf(&text, ",%s,%s,多%d\n", v.closed ? outcomes[v.outcome] : "",
                      channel(v.channel, cb), b);
    }
    free(seen);
    f->with_body = 1;
    f->one = 0;
    f->bad = bad;
    slot_set(f, text.data ? text.data : "");
    nb_buf_free(&text);
    nb_buf_printf(desc, "%s: %d rows of %d bodies of their own%s", slot_name[i], f->n, bodies,
                  bad ? ", one bad row" : "");
}

/* Slot I's lines moved (a line at the top, blocks swapped, lines left out, a few changed),
 * as drawn from R. */
static void move_file(rng *r, int i, nb_buf *desc)
{
    file_slot *f = &slot[i];
    int how = pick(r, 5);
    if (f->n == 0)
        how = 0;
    nb_buf_printf(desc, "%s again, ", slot_name[i]);
    if (how == 0) { /* a new line at the top */
        nb_buf b = {0};
        char id[32];
        snprintf(id, sizeof id, "M%d", op);
        put_row(&b, r, f->one, id, values_of(r, f->one, 1000000 + op, 0), f->with_body);
        slot_push_front(f, b.data);
        nb_buf_adds(desc, "a line added at the top");
    } else if (how == 1) { /* rotated */
        int k = 1 + pick(r, f->n);
        char **tmp = malloc((size_t)f->n * sizeof *tmp);
        for (int j = 0; j < f->n; j++)
            tmp[j] = f->line[(j + k) % f->n];
        memcpy(f->line, tmp, (size_t)f->n * sizeof *tmp);
        free(tmp);
        nb_buf_printf(desc, "its lines rotated by %d", k);
    } else if (how == 2) { /* lines left out */
        int from = pick(r, f->n), len = 1 + pick(r, f->n - from);
        slot_drop(f, from, len);
        nb_buf_printf(desc, "lines %d-%d left out", from + 1, from + len);
    } else if (how == 3) { /* a few lines changed: their values drawn anew */
        int changes = 1 + pick(r, 10);
        for (int c = 0; c < changes; c++) {
            int j = pick(r, f->n);
            char id[64];
            const char *comma = strchr(f->line[j], ',');
            if (!comma || comma - f->line[j] >= (int)sizeof id || strncmp(f->line[j], "X", 1) != 0)
                continue;
            memcpy(id, f->line[j], (size_t)(comma - f->line[j]));
            id[comma - f->line[j]] = '\0';
            /* the body: the last field, or --body's */
            int b = f->with_body ? -1 : f->one;
            if (f->with_body) {
                const char *last = strrchr(f->line[j], ',');
                for (int k = 0; k < nbodies; k++)
                    if (strncmp(last + 1, body_name[k], strlen(body_name[k])) == 0 &&
                        last[1 + strlen(body_name[k])] == '\n')
                        b = k;
            }
            if (b < 0) /* a body of a many-bodies file: left as it is */
                continue;
            nb_buf nb = {0};
            put_row(&nb, r, b, id, values_of(r, b, atoi(id + 1), 0), f->with_body);
            free(f->line[j]);
            f->line[j] = nb.data;
        }
        nb_buf_printf(desc, "%d lines changed", changes);
    } else { /* two blocks swapped */
        int a = pick(r, f->n), len = 1 + pick(r, (f->n - a + 1) / 2);
        int b = a + len + pick(r, f->n - a - 2 * len + 1);
        for (int j = 0; j < len && b + j < f->n; j++) {
            char *t = f->line[a + j];
            f->line[a + j] = f->line[b + j];
            f->line[b + j] = t;
        }
        nb_buf_printf(desc, "lines %d-%d swapped with %d-%d", a + 1, a + len, b + 1, b + len);
    }
}

/* The rows of body B in F's lines (the body named last on each, or --body's). */
static long rows_of(const file_slot *f, int b)
{
    long n = 0;
    size_t len = strlen(body_name[b]);
    for (int j = 0; j < f->n; j++) {
        const char *last = strrchr(f->line[j], ',');
        n += !f->with_body ? b == f->one
                           : strncmp(last + 1, body_name[b], len) == 0 && last[1 + len] == '\n';
    }
    return n;
}

/* The rows of K of body B; with SRC_PATH, those from a source of that canonical path. */
static long body_rows(const nb_kind *k, int b, const char *src_path)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT count(*) FROM %s r JOIN body b ON b.id = r.body %s WHERE "
             "b.name = ?1%s", k->table, src_path ? "JOIN source s ON s.id = r.src" : "",
             src_path ? " AND s.canonical = ?2" : "");
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_prepare_v2(store->db, q, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, body_name[b], -1, SQLITE_STATIC);
    if (src_path)
        sqlite3_bind_text(st, 2, src_path, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* After F's import with --replace-all (K's rows; SRC_PATH: of the file's earlier imports
 * too, the rows of an id-less file's re-import): each body it names holds its rows alone. */
static void check_brought(const nb_kind *k, const file_slot *f, const char *src_path)
{
    for (int b = 0; b < nbodies && failed_at < 0; b++) {
        long want = rows_of(f, b), got;
        if (want && (got = body_rows(k, b, src_path)) != want)
            fail("%s holds %ld %s rows%s, the file %ld", body_name[b], got, k->name,
                 src_path ? " of the file" : "", want);
    }
}

/* ---- charges ---- */

#define HEADER_CHARGE "编号,日期,金额,项目,机关\n"

/* An amount in 元 as a file writes it: 0, small, or up to 8 bytes' worth of 分. */
static void put_amount(nb_buf *b, rng *r)
{
    switch (pick(r, 6)) {
    case 0:
        nb_buf_adds(b, "0");
        break;
    case 1:
        nb_buf_printf(b, "%d", pick(r, 100));
        break;
    case 2:
        nb_buf_printf(b, "%d.%02d", pick(r, 10000), pick(r, 100));
        break;
    case 3:
        nb_buf_printf(b, "%d.%02d", 40000000 + pick(r, 9000000), pick(r, 100));
        break;
    case 4:
        nb_buf_printf(b, "%d%06d.%02d", 1 + pick(r, 99999), pick(r, 1000000), pick(r, 100));
        break;
    default:
        nb_buf_adds(b, "5.00");
    }
}

/* A charge's line: ID (empty: the file's line names it), its body B. */
static void put_charge(nb_buf *b, rng *r, const char *id, int body)
{
    static const char *const items[] = {"", "复印费", "邮寄费", "信息处理费"};
    nb_buf_printf(b, "%s,", id);
    put_date(b, (2019 + pick(r, 4)) * 10000 + (1 + pick(r, 12)) * 100 + 1 + pick(r, 28), 0);
    nb_buf_adds(b, ",");
    put_amount(b, r);
    nb_buf_printf(b, ",%s,%s\n", items[pick(r, N(items))], body_name[body]);
}

/* An import of charges into file I: new lines (most without an id: named PATH:LINE), or
 * the file again as it was, or with its lines moved or changed (an id-less row on a line of
 * its own becomes a new record, the earlier import's rows not in it are removed). */
static void op_import_charge(rng *r)
{
    int i = pick(r, CSLOTS), how = pick(r, 100), bad = 0;
    file_slot *f = &cslot[i];
    nb_buf desc = {0};
    if (!f->written || f->bad || how < 45) {
        int n = chance(r, 90) ? 1 + pick(r, 200) : 1000 + pick(r, 9000), space = 2 * n + 10;
        int withid = pick(r, 101), one = chance(r, 40) ? pick(r, nbodies) : -1;
        unsigned char *seen = calloc((size_t)nbodies * (size_t)space, 1);
        nb_buf text = {0};
        bad = chance(r, 8);
        int bad_at = bad ? pick(r, n) : -1;
        for (int k = 0; k < n; k++) {
            int b = one >= 0 ? one : pick(r, nbodies);
            if (k == bad_at) /* no such date, or no amount */
                nb_buf_printf(&text, chance(r, 50) ? ",2020-13-01,1,,%s\n"
                                                   : ",2020-01-01,abc,,%s\n", body_name[b]);
            char id[32] = "";
            if (pick(r, 100) < withid) {
                int x = pick(r, space);
                if (seen[(size_t)b * (size_t)space + (size_t)x])
                    continue;
                seen[(size_t)b * (size_t)space + (size_t)x] = 1;
                snprintf(id, sizeof id, "C%d", x);
            }
            put_charge(&text, r, id, b);
        }
        free(seen);
        f->bad = bad;
        f->with_body = 1;
        slot_set(f, text.data ? text.data : "");
        nb_buf_free(&text);
        nb_buf_printf(&desc, "%s: %d rows of %s, %d%% with ids%s", cslot_name[i], f->n,
                      one >= 0 ? "one body" : "random bodies", withid, bad ? ", one bad row" : "");
    } else if (how < 60 || f->n == 0) {
        nb_buf_printf(&desc, "%s again, as it was", cslot_name[i]);
    } else {
        int what_move = pick(r, 4);
        if (what_move == 0) { /* a line at the top: every id-less row a line down */
            nb_buf b = {0};
            put_charge(&b, r, "", pick(r, nbodies));
            slot_push_front(f, b.data);
            nb_buf_printf(&desc, "%s again, a line added at the top", cslot_name[i]);
        } else if (what_move == 1) { /* lines left out */
            int from = pick(r, f->n), len = 1 + pick(r, f->n - from);
            slot_drop(f, from, len);
            nb_buf_printf(&desc, "%s again, lines %d-%d left out", cslot_name[i], from + 1,
                          from + len);
        } else { /* id-less lines changed in place (an update of the same PATH:LINE) */
            int changes = 1 + pick(r, what_move == 2 ? 5 : 200);
            for (int c = 0; c < changes; c++) {
                int j = pick(r, f->n);
                if (f->line[j][0] != ',')
                    continue;
                nb_buf b = {0};
                const char *last = strrchr(f->line[j], ',');
                int body = 0;
                for (int k = 0; k < nbodies; k++)
                    if (strncmp(last + 1, body_name[k], strlen(body_name[k])) == 0 &&
                        last[1 + strlen(body_name[k])] == '\n')
                        body = k;
                put_charge(&b, r, "", body);
                free(f->line[j]);
                f->line[j] = b.data;
            }
            nb_buf_printf(&desc, "%s again, %d lines changed", cslot_name[i], changes);
        }
    }
    const char *path = file_write(f, cslot_name[i], HEADER_CHARGE);
    nb_import_opts o = {.path = path, .kind = "charge"};
    o.replace = chance(r, 15) ? NB_REPLACE_ALL : NB_REPLACE_NONE;
    say("import charges %s%s", desc.data, o.replace ? ", --replace-all" : "");
    nb_buf_free(&desc);
    unsigned char before[NB_HASH_SIZE];
    if (bad)
        store_state(1, before);
    nb_import_stats st;
    char err[1024] = "";
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    did.imports++;
    did.refused += rc != NB_OK;
    did.rows += f->n;
    did.charges++;
    if (rc != (bad ? NB_ERR_INPUT : NB_OK)) {
        fail("import returned %d, not %d: %s", rc, bad ? NB_ERR_INPUT : NB_OK, err);
    } else if (bad && changed(1, before)) {
        fail("a refused import changed the store");
    } else if (!bad) {
        char canonical[4096];
        if (realpath(path, canonical))
            check_brought(charge, f, o.replace == NB_REPLACE_ALL ? NULL : canonical);
    }
}

/* ---- operations ---- */

static long was_bound; /* the bound before an operation changed it */

/* Sets a small bound of buffered records (the buffers spill), as drawn from R: from 1 to
 * above a part (one body's buffer fills a part between two spills). */
static long small_bound(rng *r)
{
    static const long bounds[] = {1, 2, 7, 33, 100, 1000, 5000, 8300, 12000};
    long b = chance(r, 80) ? bounds[pick(r, N(bounds))] : 1 + pick(r, 20000);
    nb_pack_bound(b);
    return b;
}

/* A commit hook that turns every COMMIT into a ROLLBACK (a commit that fails). */
static int refuse_commit(void *ud)
{
    (void)ud;
    return 1;
}

/* An import of N rows or so into slot I, made new, the same again or moved; refused when
 * it has a bad row (and then nothing changes). */
static void op_import(rng *r)
{
    nb_buf desc = {0};
    int i = pick(r, SLOTS), how = pick(r, 100);
    int bad = 0;
    if (!slot[i].written || slot[i].bad || how < 55) {
        int size = pick(r, 100);
        int large = size >= 100 - prof->big;
        int n = large ? 3000 + pick(r, 17000) : size < 65 ? 1 + pick(r, 120) : 120 + pick(r, 1500);
        int space = large ? prof->big_space : chance(r, 50) ? 60 : 400;
        if (n > space * nbodies / 2 && !large)
            space = 2 * n;
        bad = chance(r, 8);
        if (chance(r, prof->many)) {
            make_many_file(r, i, 1 + pick(r, 3000), bad, &desc);
            did.many++;
        } else {
            make_file(r, i, n, space, bad, &desc);
        }
    } else if (how < 70) {
        nb_buf_printf(&desc, "%s again, as it was", slot_name[i]);
    } else {
        move_file(r, i, &desc);
    }
    const char *path = slot_write(i);
    nb_import_opts o = {.path = path, .kind = "request"};
    if (!slot[i].with_body)
        o.body = body_name[slot[i].one];
    int rep = pick(r, 100);
    o.replace = rep >= prof->replace ? NB_REPLACE_NONE : rep < prof->replace / 2 ? NB_REPLACE_SAME
                                                                               : NB_REPLACE_ALL;
    o.dry_run = chance(r, 5);
    say("import %s%s%s%s", desc.data, o.replace == NB_REPLACE_SAME ? ", --replace"
        : o.replace == NB_REPLACE_ALL ? ", --replace-all" : "", o.dry_run ? ", dry run" : "",
        o.body ? ", --body" : "");
    nb_buf_free(&desc);
    int refuse = !bad && !o.dry_run && chance(r, 4); /* its commit refused (a commit hook) */
    if (refuse) {
        char was[sizeof what];
        snprintf(was, sizeof was, "%s", what);
        say("%s, its commit refused", was);
    }
    unsigned char before[NB_HASH_SIZE];
    if (bad || o.dry_run || refuse)
        store_state(1, before);
    nb_import_stats st;
    char err[1024] = "";
    if (refuse)
        sqlite3_commit_hook(store->db, refuse_commit, NULL);
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    sqlite3_commit_hook(store->db, NULL, NULL);
    nb_err want = bad ? NB_ERR_INPUT : refuse ? NB_ERR_SQL : NB_OK;
    did.imports++;
    did.refused += bad;
    did.dry_runs += o.dry_run;
    did.import_commits_refused += refuse;
    did.rows += slot[i].n;
    if (rc != want)
        fail("import returned %d, not %d: %s", rc, want, err);
    else if (!bad && st.inserted + st.updated + st.unchanged != slot[i].n)
        fail("%d rows, %ld inserted, %ld updated, %ld unchanged", slot[i].n, st.inserted,
             st.updated, st.unchanged);
    else if ((bad || o.dry_run || refuse) && changed(1, before))
        fail("a %s changed the store", bad ? "refused import" : o.dry_run ? "dry run"
                                                                 : "refused commit");
    else if (!bad && !o.dry_run && !refuse && o.replace == NB_REPLACE_ALL)
        check_brought(kind, &slot[i], NULL);
}

/* The files of a group told (nb_import_files): each refused exactly when it is bad. */
typedef struct {
    int n, bad[4];
} files_seen;

static int files_each(void *ud, int i, nb_err rc, const nb_import_stats *st, const char *err)
{
    files_seen *f = ud;
    (void)st;
    if (i < 4 && rc != (f->bad[i] ? NB_ERR_INPUT : NB_OK))
        fail("file %d of the group returned %d: %s", i, rc, err);
    f->n++;
    return 0;
}

/* Several new files imported together (nb_import_files: one transaction, each file a
 * savepoint); a bad one is undone alone. */
static void op_import_files(rng *r)
{
    int n = 2 + pick(r, 3);
    const char *paths[4];
    char keep[4][256];
    files_seen f = {0};
    nb_buf desc = {0};
    nb_buf_adds(&desc, "import together: ");
    int slots[4];
    unsigned used = 0;
    for (int j = 0; j < n; j++) {
        if (j && chance(r, 20)) { /* the file before, again */
            slots[j] = slots[j - 1];
            f.bad[j] = f.bad[j - 1];
            nb_buf_adds(&desc, "; the same again");
            paths[j] = paths[j - 1];
            continue;
        }
        do /* each path once: the files are written before they are imported */
            slots[j] = pick(r, SLOTS);
        while (used & 1u << slots[j]);
        used |= 1u << slots[j];
        f.bad[j] = chance(r, 12);
        if (j)
            nb_buf_adds(&desc, "; ");
        make_file(r, slots[j], 1 + pick(r, chance(r, 80) ? 150 : 2000), chance(r, 50) ? 60 : 400,
                  f.bad[j], &desc);
        file_slot *sl = &slot[slots[j]];
        if (!sl->with_body) { /* nb_import_files takes one set of options */
            sl->with_body = 1;
            for (int k = 0; k < sl->n; k++) {
                char *l = sl->line[k];
                size_t len = strlen(l);
                char *m = malloc(len + 20);
                snprintf(m, len + 20, "%.*s,%s\n", (int)(len - 1), l, body_name[sl->one]);
                free(l);
                sl->line[k] = m;
            }
        }
        snprintf(keep[j], sizeof keep[j], "%s", slot_write(slots[j]));
        paths[j] = keep[j];
    }
    nb_import_opts o = {.kind = "request"};
    int rep = pick(r, 100);
    o.replace = rep < 80 ? NB_REPLACE_NONE : rep < 90 ? NB_REPLACE_SAME : NB_REPLACE_ALL;
    say("%s%s", desc.data, o.replace == NB_REPLACE_SAME ? ", --replace"
        : o.replace == NB_REPLACE_ALL ? ", --replace-all" : "");
    nb_buf_free(&desc);
    char err[1024] = "";
    nb_err rc = nb_import_files(store, &o, paths, n, files_each, &f, err, sizeof err);
    did.together++;
    if (rc != NB_OK)
        fail("nb_import_files: %d: %s", rc, err);
    else if (f.n != n)
        fail("nb_import_files told of %d files of %d", f.n, n);
}

/* Up to N distinct ids of body B's records, drawn from R (its last ones when LAST), into
 * IDS (each malloc'ed); their count. */
static int some_ids(rng *r, const nb_kind *k, int64_t b, int n, int last, char **ids)
{
    char q[256];
    long long rows;
    snprintf(q, sizeof q, "SELECT count(*) FROM %s WHERE body = %lld", k->table, (long long)b);
    rows = t_count(store, q);
    if (rows <= 0)
        return 0;
    if (n > rows)
        n = (int)rows;
    sqlite3_stmt *st;
    snprintf(q, sizeof q, "SELECT id FROM %s WHERE body = ?1 ORDER BY rid DESC LIMIT 1 OFFSET ?2",
             k->table);
    if (sqlite3_prepare_v2(store->db, q, -1, &st, NULL) != SQLITE_OK)
        return 0;
    unsigned char *taken = calloc((size_t)rows, 1);
    int got = 0;
    for (int j = 0; j < n; j++) {
        long long at = last ? j : (long long)(next(r) % (uint64_t)rows);
        while (taken[at])
            at = (at + 1) % rows;
        taken[at] = 1;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, b);
        sqlite3_bind_int64(st, 2, at);
        if (sqlite3_step(st) == SQLITE_ROW)
            ids[got++] = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    free(taken);
    return got;
}

/* The records in K's parts of BODY (0: of every body) from rid FROM on; -1, failed, when
 * one of them is not full but is not its body's last. */
static long full_parts(const nb_kind *k, int64_t body, int64_t from)
{
    sqlite3_stmt *st;
    long held = 0, n = NB_PACK_PART;
    int64_t last_body = 0;
    if (sqlite3_prepare_v2(store->db, "SELECT body, rid_lo, n FROM pack WHERE kind = ?1 AND "
                           "(?2 = 0 OR body = ?2) AND rid_lo >= ?3 ORDER BY body, rid_lo", -1, &st,
                           NULL) != SQLITE_OK) {
        fail("cannot read the parts: %s", sqlite3_errmsg(store->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, body);
    sqlite3_bind_int64(st, 3, from);
    while (held >= 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 0) == last_body && n != NB_PACK_PART) {
            fail("%s part of body %lld before rid %lld holds %ld records, not %d", k->name,
                 (long long)last_body, (long long)sqlite3_column_int64(st, 1), n, NB_PACK_PART);
            held = -1;
            break;
        }
        last_body = sqlite3_column_int64(st, 0);
        n = sqlite3_column_int(st, 2);
        held += n;
    }
    sqlite3_finalize(st);
    return held;
}

/* New records for a body, as many as fill its last part to the brim (or one fewer, or one
 * more): its parts from that one on are then full but the last (and a transaction that
 * adds to the body finds its last part full). Now and then a part more, after a block of
 * another body's of half a part and more, under a bound just above a part: the buffers
 * spill at the body's first records, and its next part fills before the commit merges
 * them (a full part between two short ones). */
static void op_fill(rng *r)
{
    int b = pick(r, nbodies), by = pick(r, 3) - 1;
    int other = nbodies > 1 && chance(r, 30) ? (b + 1 + pick(r, nbodies - 1)) % nbodies : -1;
    int before = other >= 0 ? NB_PACK_PART / 2 + 1 + pick(r, 1000) : 0;
    char q[256];
    int64_t id = body_id(body_name[b]), from = 0;
    long last = 0;
    snprintf(q, sizeof q, "SELECT n, rid_lo FROM pack WHERE kind = 'request' AND body = %lld "
             "ORDER BY rid_lo DESC LIMIT 1", (long long)id);
    sqlite3_stmt *st;
    if (id && sqlite3_prepare_v2(store->db, q, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            last = sqlite3_column_int(st, 0), from = sqlite3_column_int64(st, 1);
        sqlite3_finalize(st);
    }
    int n = NB_PACK_PART - (int)last + by;
    if (n <= 0)
        n += NB_PACK_PART;
    if (other >= 0)
        n += NB_PACK_PART;
    file_slot *f = &slot[pick(r, SLOTS)];
    nb_buf text = {0};
    char idt[32];
    for (int j = 0; j < before; j++) {
        snprintf(idt, sizeof idt, "G%d-%05d", op, j);
        put_row(&text, r, other, idt, values_of(r, other, j, 0), 1);
    }
    for (int j = 0; j < n; j++) {
        snprintf(idt, sizeof idt, "F%d-%05d", op, j);
        put_row(&text, r, b, idt, values_of(r, b, j, 0), other >= 0);
    }
    int i = (int)(f - slot);
    f->with_body = other >= 0;
    f->one = b;
    f->bad = 0;
    slot_set(f, text.data);
    nb_buf_free(&text);
    if (other >= 0) {
        nb_pack_bound(NB_PACK_PART + 100);
        say("fill the last part of %s (%ld records) with %d new ones, after %d of %s's",
            body_name[b], last, n, before, body_name[other]);
    } else {
        say("fill the last part of %s (%ld records) with %d new ones", body_name[b], last, n);
    }
    nb_import_opts o = {.path = slot_write(i), .kind = "request"};
    if (other < 0)
        o.body = body_name[b];
    nb_import_stats stats;
    char err[1024] = "";
    nb_err rc = nb_import(store, &o, &stats, err, sizeof err);
    did.imports++;
    did.rows += before + n;
    did.fills++;
    did.fills_after += other >= 0;
    long held;
    if (rc != NB_OK || stats.inserted != before + n)
        fail("import returned %d, %ld inserted: %s", rc, stats.inserted, err);
    else if ((held = full_parts(kind, body_id(body_name[b]), from)) >= 0 && held != last + n)
        fail("the parts from the last one on hold %ld records, not %ld", held, last + n);
}

/* Records of a body deleted by id (nb_delete_records): some, its last ones, one missing
 * (nothing deleted), or a dry run. */
static void op_delete(rng *r)
{
    const nb_kind *k = chance(r, 20) ? charge : kind;
    int b = pick(r, nbodies);
    int64_t id = body_id(body_name[b]);
    int want = chance(r, 15) ? 1 + pick(r, 300) : 1 + pick(r, 10), last = chance(r, 35);
    int missing = chance(r, 8), dry = chance(r, 8);
    char *ids[320];
    int n = id ? some_ids(r, k, id, want, last, ids) : 0;
    if (missing)
        ids[n++] = strdup("NO-SUCH-ID");
    say("delete %d %s%s records of %s%s%s", n, last ? "last " : "", k->name, body_name[b],
        missing ? ", one missing" : "", dry ? ", dry run" : "");
    if (n == 0 || !id) {
        for (int j = 0; j < n; j++)
            free(ids[j]);
        return;
    }
    unsigned char before[NB_HASH_SIZE];
    if (missing || dry)
        store_state(1, before);
    nb_delete_counts c;
    char err[1024] = "";
    nb_err rc = nb_delete_records(store, body_name[b], k->name, (const char *const *)ids, n, dry,
                                  &c, err, sizeof err);
    nb_err want_rc = missing ? NB_ERR_NOTFOUND : NB_OK;
    did.deletions++;
    did.dry_runs += dry;
    did.deleted += rc || dry ? 0 : c.records[k - nb_kinds];
    if (rc != want_rc)
        fail("nb_delete_records returned %d, not %d: %s", rc, want_rc, err);
    else if (!missing && c.records[k - nb_kinds] != n)
        fail("%ld records deleted of %d", c.records[k - nb_kinds], n);
    else if ((missing || dry) && changed(1, before))
        fail("a deletion that removed nothing changed the store");
    for (int j = 0; j < n; j++)
        free(ids[j]);
}

/* Deletes one record of body B inside the transaction, as test_import.c's test_rid_reused does: the one
 * at rid RID. */
static nb_err remove_rid(const nb_kind *k, int64_t b, int64_t rid, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    nb_err rc = NB_OK;
    char q[128];
    snprintf(q, sizeof q, "DELETE FROM %s WHERE body = ?1 AND rid = ?2 RETURNING rid", k->table);
    if (sqlite3_prepare_v2(store->db, q, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store->db));
        return NB_ERR_SQL;
    }
    sqlite3_bind_int64(st, 1, b);
    sqlite3_bind_int64(st, 2, rid);
    while (!rc && sqlite3_step(st) == SQLITE_ROW)
        rc = nb_pack_remove(store, k, b, sqlite3_column_int64(st, 0), err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* The steps of a transaction of the caller's (op_transaction): each on body B (of
 * body_name) and kind K, ids from 0..SPACE-1, said in LOG; a failure is the sequence's. */
typedef struct {
    rng *r;
    int step, b, space;
    const nb_kind *k;
    nb_buf *log;
} step_ctx;

/* A charge inserted or updated (nb_record_insert), with an id or a fresh one (SOURCE#N). */
static nb_err step_charge(step_ctx *c)
{
    static const char *const names[] = {"id", "date", "amount", "item"};
    nb_buf line = {0};
    char id[32] = "", err[1024] = "";
    if (chance(c->r, 60))
        snprintf(id, sizeof id, "C%d", pick(c->r, c->space));
    put_charge(&line, c->r, id, c->b); /* id,date,amount,item,body */
    char *f[5], *p = line.data;
    for (int j = 0; j < 5; j++) {
        f[j] = p;
        p += strcspn(p, ",\n");
        if (*p)
            *p++ = '\0';
    }
    const char *vals[] = {f[0], f[1], f[2], f[3]};
    int inserted;
    nb_err rc = nb_record_insert(store, "charge", body_name[c->b], names, vals, 4, "ops.lua:2",
                                 &inserted, err, sizeof err);
    nb_buf_printf(c->log, " charge %s:%s;", body_name[c->b], *id ? id : "(fresh)");
    nb_buf_free(&line);
    if (rc)
        fail("step %d: nb_record_insert of a charge returned %d: %s", c->step, rc, err);
    return rc;
}

/* A request inserted or updated (nb_record_insert); now and then one refused (no store
 * change). */
static nb_err step_request(step_ctx *c)
{
    static const char *const names[] = {"id", "received", "applicant", "closed", "outcome",
                                        "channel"};
    int id = pick(c->r, c->space), invalid = chance(c->r, 4);
    values v = values_of(c->r, c->b, id, chance(c->r, 50));
    char idt[32], received[16], closed[16], cb[32], err[1024] = "";
    snprintf(idt, sizeof idt, "X%d", id);
    snprintf(received, sizeof received, "%d", invalid ? 20200230 : v.received);
    snprintf(closed, sizeof closed, "%d", v.closed);
    const char *vals[] = {idt, received, applicants[v.applicant], v.closed ? closed : "",
                          v.closed ? outcomes[v.outcome] : "", channel(v.channel, cb)};
    int inserted;
    nb_err rc = nb_record_insert(store, "request", body_name[c->b], names, vals, 6, "ops.lua:1",
                                 &inserted, err, sizeof err);
    nb_buf_printf(c->log, " %s %s:%s;", invalid ? "bad" : "put", body_name[c->b], idt);
    if (rc == (invalid ? NB_ERR_INPUT : NB_OK))
        return NB_OK;
    fail("step %d: nb_record_insert returned %d: %s", c->step, rc, err);
    return rc ? rc : NB_ERR_INPUT;
}

/* A record removed (DELETE ... RETURNING rid, nb_pack_remove): often the table's last, whose
 * rid the next record added takes again. */
static nb_err step_remove(step_ctx *c)
{
    int64_t bid = body_id(body_name[c->b]), rid = 0;
    char q[256], err[1024] = "";
    if (chance(c->r, 40)) {
        snprintf(q, sizeof q, "SELECT max(rid) FROM %s", c->k->table);
        rid = t_count(store, q);
        snprintf(q, sizeof q, "SELECT body FROM %s ORDER BY rid DESC LIMIT 1", c->k->table);
        bid = t_count(store, q);
    } else if (bid) {
        snprintf(q, sizeof q, "SELECT count(*) FROM %s WHERE body = %lld", c->k->table,
                 (long long)bid);
        long long rows = t_count(store, q);
        if (rows > 0) {
            snprintf(q, sizeof q, "SELECT rid FROM %s WHERE body = %lld ORDER BY rid LIMIT 1 "
                     "OFFSET %lld", c->k->table, (long long)bid,
                     (long long)(next(c->r) % (uint64_t)rows));
            rid = t_count(store, q);
        }
    }
    if (rid <= 0 || bid <= 0)
        return NB_OK;
    nb_buf_printf(c->log, " remove %s rid %lld of body %lld;", c->k->name, (long long)rid,
                  (long long)bid);
    nb_err rc = remove_rid(c->k, bid, rid, err, sizeof err);
    if (rc)
        fail("step %d: removing rid %lld: %s", c->step, (long long)rid, err);
    return rc;
}

/* A file imported inside the transaction (a savepoint); one with a bad row is undone alone
 * (the rows as they were; the parts of what was noted before it are written at its
 * savepoint). */
static nb_err step_import(step_ctx *c)
{
    nb_buf d = {0};
    char err[1024] = "";
    int i = pick(c->r, SLOTS), bad = chance(c->r, 20);
    make_file(c->r, i, 1 + pick(c->r, chance(c->r, 80) ? 100 : 3000), c->space, bad, &d);
    nb_import_opts o = {.path = slot_write(i), .kind = "request"};
    if (!slot[i].with_body)
        o.body = body_name[slot[i].one];
    o.replace = chance(c->r, 20) ? NB_REPLACE_ALL : NB_REPLACE_NONE;
    nb_buf_printf(c->log, " import %s%s;", d.data, o.replace ? ", --replace-all" : "");
    nb_buf_free(&d);
    unsigned char before[NB_HASH_SIZE];
    if (bad)
        store_state(0, before);
    nb_import_stats st;
    nb_err rc = nb_import(store, &o, &st, err, sizeof err);
    if (rc != (bad ? NB_ERR_INPUT : NB_OK)) {
        fail("step %d: import returned %d: %s", c->step, rc, err);
        return rc ? rc : NB_ERR_INPUT;
    }
    if (bad && changed(0, before))
        fail("step %d: a refused import inside the transaction changed the rows", c->step);
    return NB_OK;
}

/* Records deleted by id inside the transaction (nb_delete_records: a savepoint). */
static nb_err step_delete(step_ctx *c)
{
    int64_t bid = body_id(body_name[c->b]);
    char *ids[8], err[1024] = "";
    int n = bid ? some_ids(c->r, c->k, bid, 1 + pick(c->r, 3), chance(c->r, 40), ids) : 0;
    nb_err rc = NB_OK;
    if (n) {
        nb_delete_counts counts;
        nb_buf_printf(c->log, " delete %d %s of %s;", n, c->k->name, body_name[c->b]);
        rc = nb_delete_records(store, body_name[c->b], c->k->name, (const char *const *)ids, n, 0,
                               &counts, err, sizeof err);
        if (rc)
            fail("step %d: nb_delete_records: %s", c->step, err);
    }
    for (int j = 0; j < n; j++)
        free(ids[j]);
    return rc;
}

/* The body of K's table's last record (a record added to it takes that rid again once it
 * is removed), as an index in body_name; DEF when none. */
static int last_body(const nb_kind *k, int def)
{
    char q[128];
    sqlite3_stmt *st;
    snprintf(q, sizeof q, "SELECT b.name FROM %s r JOIN body b ON b.id = r.body ORDER BY r.rid "
             "DESC LIMIT 1", k->table);
    if (sqlite3_prepare_v2(store->db, q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        for (int j = 0; j <= nbodies; j++)
            if (strcmp((const char *)sqlite3_column_text(st, 0), body_name[j]) == 0)
                def = j;
    sqlite3_finalize(st);
    return def;
}

/* A transaction of the caller's: records inserted and updated (nb_record_insert), removed
 * (DELETE ... RETURNING rid, nb_pack_remove), files imported and records deleted inside it
 * (savepoints, some refused), bounds changed; committed, rolled back, or its commit refused
 * (then nothing changed). */
static void op_transaction(rng *r)
{
    int m = chance(r, 10) ? 100 + pick(r, 400) : 1 + pick(r, 30), rollback = chance(r, 25);
    int refuse = !rollback && chance(r, 5); /* its commit refused (a commit hook) */
    nb_buf log = {0};
    step_ctx c = {.r = r, .space = chance(r, 50) ? 60 : 400, .log = &log};
    say("transaction of %d steps, %s", m, rollback ? "rolled back" : refuse ? "its commit refused"
                                                                        : "committed");
    unsigned char before[NB_HASH_SIZE];
    if (rollback || refuse)
        store_state(1, before);
    char err[1024] = "";
    did.transactions++;
    did.rolled_back += rollback;
    did.commits_refused += refuse;
    nb_err rc = nb_store_begin(store, err, sizeof err);
    if (rc) {
        fail("nb_store_begin: %s", err);
        return;
    }
    for (c.step = 0; c.step < m && !rc && failed_at < 0; c.step++) {
        int kind_of_step = pick(r, 100);
        c.b = chance(r, 5) ? nbodies : pick(r, nbodies); /* nbodies: a body of its own */
        c.k = chance(r, 20) ? charge : kind;
        if (chance(r, 30))
            c.b = last_body(c.k, c.b);
        if (kind_of_step < 55)
            rc = c.k == charge ? step_charge(&c) : step_request(&c);
        else if (kind_of_step < 75)
            rc = step_remove(&c);
        else if (kind_of_step < 83)
            rc = step_import(&c);
        else if (kind_of_step < 90)
            rc = step_delete(&c);
        else
            nb_buf_printf(&log, " bound %ld;", small_bound(r));
    }
    if ((trace || failed_at >= 0) && log.data)
        printf("#   steps:%s\n", log.data);
    nb_buf_free(&log);
    if (rc || rollback) {
        nb_store_rollback(store);
        if (!rc && changed(1, before))
            fail("a rolled-back transaction changed the store");
    } else if (refuse) {
        sqlite3_commit_hook(store->db, refuse_commit, NULL);
        rc = nb_store_commit(store, err, sizeof err);
        sqlite3_commit_hook(store->db, NULL, NULL);
        if (rc != NB_ERR_SQL)
            fail("a refused commit returned %d: %s", rc, err);
        else if (changed(1, before))
            fail("a refused commit changed the store");
    } else if ((rc = nb_store_commit(store, err, sizeof err))) {
        fail("nb_store_commit: %s", err);
    }
}

/* A body deleted with everything it holds (its parts and digests with it). */
static void op_delete_body(rng *r)
{
    int b = pick(r, nbodies + 1);
    say("delete body %s", body_name[b]);
    if (!body_id(body_name[b]))
        return;
    nb_delete_counts c;
    char err[1024] = "";
    nb_err rc = nb_delete_body(store, body_name[b], 1, 0, &c, err, sizeof err);
    did.bodies_deleted++;
    if (rc)
        fail("nb_delete_body: %s", err);
}

/* The bodies' digests kept (as a regeneration keeps them), then compared with the digests
 * made from the rows alone (every kept one forgotten, in a transaction rolled back). */
static void op_digests(rng *r)
{
    (void)r;
    say("digests kept, compared with the rows'");
    did.digests++;
    int64_t *ids = NULL, *ids2 = NULL;
    char *hex = NULL, *hex2 = NULL;
    int n = 0, n2 = 0;
    char err[1024] = "";
    if (nb_body_digests(store, NULL, 0, 1, &ids, &hex, &n, err, sizeof err) != NB_OK) {
        fail("nb_body_digests: %s", err);
        return;
    }
    nb_err rc = nb_store_begin(store, err, sizeof err);
    if (!rc)
        rc = nb_digest_forget_all(store, err, sizeof err);
    if (!rc)
        rc = nb_body_digests(store, NULL, 0, 0, &ids2, &hex2, &n2, err, sizeof err);
    nb_store_rollback(store);
    if (rc)
        fail("the digests from the rows: %s", err);
    else if (n != n2 || (n && (memcmp(ids, ids2, (size_t)n * sizeof *ids) != 0 ||
                               memcmp(hex, hex2, (size_t)n * NB_HASH_HEX) != 0)))
        fail("the digests kept differ from the rows'");
    free(ids);
    free(hex);
    free(ids2);
    free(hex2);
}

/* Every part made again from the rows and every kept digest forgotten, in a transaction of
 * its own (init --repack): the parts full but each body's last. */
static void op_repack(rng *r)
{
    (void)r;
    say("repack");
    did.repacks++;
    char err[1024] = "";
    nb_err rc = nb_store_begin(store, err, sizeof err);
    if (rc) {
        fail("nb_store_begin: %s", err);
        return;
    }
    if ((rc = nb_pack_rebuild_all(store, err, sizeof err)) ||
        (rc = nb_digest_forget_all(store, err, sizeof err)))
        nb_store_rollback(store);
    else
        rc = nb_store_commit(store, err, sizeof err);
    if (rc)
        fail("repack: %s", err);
    else if (full_parts(kind, 0, 0) >= 0)
        full_parts(charge, 0, 0);
}

/* ---- the sequence ---- */

/* Whether operation I is left out (SKIP: "3,7-9"). */
static int skipped(const char *skip, int i)
{
    for (const char *p = skip; p && *p;) {
        char *e;
        long a = strtol(p, &e, 10), b = a;
        if (e == p)
            break;
        if (*e == '-')
            b = strtol(e + 1, &e, 10);
        if (i >= a && i <= b)
            return 1;
        p = *e == ',' ? e + 1 : e;
        if (*p && *p != ',' && (*p < '0' || *p > '9'))
            break;
    }
    return 0;
}

/* A store of its own in DIR/NAME, and every slot empty. */
static int fresh_store(const char *name)
{
    char err[512];
    for (int i = 0; i < SLOTS; i++) {
        slot_free(&slot[i]);
        slot[i].written = 0;
    }
    for (int i = 0; i < CSLOTS; i++) {
        slot_free(&cslot[i]);
        cslot[i].written = 0;
    }
    /* its tables keep the coded values too: the packed columns' reference (nb_pack_verify) */
    if (nb_store_open(tmp(name), NB_OPEN_CREATE, &store, err, sizeof err) != NB_OK ||
        nb_store_keep_values(store, err, sizeof err) != NB_OK) {
        printf("# cannot create the store: %s\n", err);
        return -1;
    }
    return 0;
}

static void close_store(void)
{
    nb_store_close(store);
    store = NULL;
    for (int i = 0; i < SLOTS; i++)
        slot_free(&slot[i]);
    for (int i = 0; i < CSLOTS; i++)
        slot_free(&cslot[i]);
}

/* The sequence of SEED: N operations (those in SKIP left out), each checked. Returns the
 * first failing operation, -1 when none failed. */
static int run_sequence(uint64_t s, int profile, int n, const char *skip)
{
    char name[64];
    seed = s;
    failed_at = -1;
    failure[0] = '\0';
    rng setup = rng_of(seed, (uint64_t)-1);
    nbodies = 3 + pick(&setup, 4);
    int drawn = pick(&setup, N(profiles));
    prof = &profiles[profile >= 0 ? profile : drawn];
    memset(&did, 0, sizeof did);
    op = 0;
    snprintf(what, sizeof what, "the store");
    long rows_read = nb_pack_rows_read();
    for (int b = 0; b <= nbodies; b++)
        snprintf(body_name[b], sizeof body_name[b], "局%d", b);
    snprintf(name, sizeof name, "ops-%llu.db", (unsigned long long)seed);
    if (fresh_store(name) != 0) {
        fail("cannot create the store");
        return 0;
    }
    was_bound = nb_pack_bound(0);
    for (op = 0; op < n && failed_at < 0; op++) {
        if (skipped(skip, op))
            continue;
        rng r = rng_of(seed, (uint64_t)op);
        what[0] = '\0';
        if (chance(&r, prof->bound))
            small_bound(&r);
        int k = pick(&r, 100);
        if (k < prof->mix[0]) {
            int which = pick(&r, 100);
            if (which < 20)
                op_import_charge(&r);
            else if (which < 20 + prof->fill)
                op_fill(&r);
            else
                op_import(&r);
        } else if (k < prof->mix[1]) {
            op_import_files(&r);
        } else if (k < prof->mix[2]) {
            op_delete(&r);
        } else if (k < prof->mix[3]) {
            op_transaction(&r);
        } else if (k < prof->mix[4]) {
            op_delete_body(&r);
        } else if (chance(&r, 80)) {
            op_digests(&r);
        } else {
            op_repack(&r);
        }
        nb_pack_bound(was_bound);
        if (failed_at < 0)
            check_store();
    }
    did.rows_read = nb_pack_rows_read() - rows_read;
    printf("# seed %llu, %s: %ld imports (%ld of charges, %ld refused, %ld dry runs, %ld commits "
           "refused, %ld rows, %ld of many bodies, %ld filling a part, %ld of them after another "
           "body's block), %ld of files together, "
           "%ld deletions (%ld records), %ld transactions (%ld rolled back, %ld commits refused), "
           "%ld bodies deleted, %ld digests, %ld repacks; at most %ld parts of a body, %ld short "
           "parts before a body's last; %ld records made from the rows\n",
           (unsigned long long)seed, prof->name, did.imports, did.charges, did.refused,
           did.dry_runs, did.import_commits_refused, did.rows, did.many, did.fills,
           did.fills_after, did.together,
           did.deletions, did.deleted, did.transactions, did.rolled_back, did.commits_refused,
           did.bodies_deleted, did.digests, did.repacks, did.most_parts, did.short_parts,
           did.rows_read);
    close_store();
    static const char *const files[] = {"", "-wal", "-shm"};
    for (int i = 0; i < N(files); i++) {
        snprintf(name, sizeof name, "ops-%llu.db%s", (unsigned long long)seed, files[i]);
        remove(tmp(name));
    }
    return failed_at;
}

/* Sequence SEED of N operations (PROFILE: an index in profiles, -1: drawn from the seed),
 * SKIP's left out: the parts agree with the rows after every operation. 1 when it failed. */
static int test_sequence(uint64_t s, int profile, int n, const char *skip)
{
    int at = run_sequence(s, profile, n, skip);
    char name[2048];
    if (at < 0)
        snprintf(name, sizeof name, "ops (seed %llu, %s, %d operations, %d bodies): the parts "
                 "agree with the rows after each", (unsigned long long)s, prof->name, n, nbodies);
    else
        snprintf(name, sizeof name, "ops (seed %llu, %s, %d operations, %d bodies): failed at op "
                 "%d (%s): %s", (unsigned long long)s, prof->name, n, nbodies, at, what, failure);
    CHECK(at < 0, name);
    return at >= 0;
}

/* What make test runs: a short sequence of each profile, the seeds chosen so that together
 * they reach every operation (checked: a change of the generator may need new seeds). */
static const struct {
    uint64_t seed;
    int profile, n;
} defaults[] = {
    {17, 0, 30}, /* mixed */
    {10, 1, 30}, /* large bodies */
    {13, 2, 30}, /* tight bound */
    {1, 3, 30},  /* many bodies */
    {22, 4, 40}, /* full parts */
    {30, 5, 30}, /* transactions */
};

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nb_pack_ops_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    mkdir(tmp("sub"), 0700);
    kind = nb_kind_find("request");
    charge = nb_kind_find("charge");
    const char *t = getenv("NB_PACK_OPS_TRACE"), *e = getenv("NB_PACK_OPS_SEED"),
               *n = getenv("NB_PACK_OPS_N"), *p = getenv("NB_PACK_OPS_PROFILE"),
               *skip = getenv("NB_PACK_OPS_SKIP");
    trace = t && *t && *t != '0';
    if (e && *e) { /* one sequence, to explore or replay */
        test_sequence(strtoull(e, NULL, 10), p && *p ? atoi(p) % N(profiles) : -1,
                      n && *n ? atoi(n) : DEFAULT_OPS, skip);
    } else {
        long most[N(reach)] = {0};
        int failed = 0;
        for (int i = 0; i < N(defaults); i++) {
            failed |= test_sequence(defaults[i].seed, defaults[i].profile,
                                    n && *n ? atoi(n) : defaults[i].n, skip);
            for (int j = 0; j < N(reach); j++) {
                long v = *(const long *)((const char *)&did + reach[j].at);
                most[j] = v > most[j] ? v : most[j];
            }
        }
        int missing = 0;
        for (int j = 0; j < N(reach); j++)
            if (most[j] < reach[j].least) {
                printf("# not reached: %s\n", reach[j].name);
                missing++;
            }
        if (!failed) /* a failed sequence stopped early */
            CHECK(missing == 0, "the default sequences reach every operation");
    }
    for (int i = 0; i < SLOTS; i++) /* remove_dir leaves sub/ full */
        remove(tmp(slot_name[i]));
    for (int i = 0; i < CSLOTS; i++)
        remove(tmp(cslot_name[i]));
    remove_dir();
    T_DONE();
}
