/* pack.c - the packed columns of each kind's coded fields; see pack.h. */
#include "pack.h"

#include "runs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define VERSION 1
#define NONE INT64_MAX
/* Room for records in the buffers of every (kind, body) of a transaction (what they
   hold, what a full part's leaves and what their growth adds) before the buffers are
   written out as parts, whatever their size (merged into full parts at commit), and
   freed: bounds an import's memory (some 12 MB for requests), however many bodies it
   interleaves or adds to. */
#define MAX_BUFFERED (1 << 18)

/* The bytes of a packed column's stats: its smallest value that is not 0 and its largest
   (16, every stats blob), then its number of 0 values (8, after every column's 16: a part
   written before had 16 bytes a column, and a reader does not know its zeros). */
#define STATS_COL 24

static long max_buffered = MAX_BUFFERED;
static long rows_read; /* records read from the rows to make parts (nb_pack_rows_read) */
static long parts_skipped; /* parts a cursor's window left undecoded (nb_pack_parts_skipped) */

long nb_pack_rows_read(void)
{
    return rows_read;
}

long nb_pack_parts_skipped(void)
{
    return parts_skipped;
}

long nb_pack_bound(long rows)
{
    long was = max_buffered;
    if (rows > 0)
        max_buffered = rows;
    return was;
}

/* Day 0 of the day codes, 1899-12-31, is this many days before 1970-01-01, nb_date_days's
 * day 0 (test_pack checks it). A constant: nb_pack_ymd worked it out for every date it
 * gave, a fifth of its time. */
#define DAY_EPOCH 25568

int64_t nb_pack_day(int ymd)
{
    return ymd ? nb_date_days(ymd) + DAY_EPOCH : 0;
}

int nb_pack_ymd(int64_t day)
{
    return nb_date_from_days((long)(day - DAY_EPOCH));
}

int nb_pack_columns(const nb_kind *k, int *field, int *col_of)
{
    int n = 0;
    for (int f = 0; f < k->nfields; f++) {
        int packed = k->fields[f].type != NB_F_TEXT;
        if (col_of)
            col_of[f] = packed ? n : -1;
        if (packed) {
            if (field)
                field[n] = f;
            n++;
        }
    }
    return n;
}

/* ---- encoding ---- */

static int width_of(uint64_t range)
{
    return range == 0 ? 0 : range <= 0xff ? 1 : range <= 0xffff ? 2 : range <= 0xffffffffu ? 4 : 8;
}

static void put_u64(unsigned char *p, uint64_t v, int w)
{
    for (int i = 0; i < w; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p, int w)
{
    uint64_t v = 0;
    for (int i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The smallest and largest of V[0..N) (0 when N is 0), its smallest that is not 0 (0 when
 * none) and its number of 0 values: what a part's blob and stats hold of a column. */
static void column_stats(const int64_t *v, int n, int64_t *lo, int64_t *hi, int64_t *nz,
                         int64_t *zeros)
{
    *lo = *hi = n ? v[0] : 0;
    *nz = *zeros = 0;
    for (int i = 0; i < n; i++) {
        *lo = v[i] < *lo ? v[i] : *lo;
        *hi = v[i] > *hi ? v[i] : *hi;
        if (v[i] != 0 && (*nz == 0 || v[i] < *nz))
            *nz = v[i];
        *zeros += v[i] == 0;
    }
}

/* The blob and the stats of N records of NCOLS columns (COL(c)[i] = BUF[c * stride + i]),
 * column 0 the rids (in order; stored as the first and the differences). Returns 0, -1
 * on out of memory; *DATA and *STATS (of the columns after the rids) malloc'ed. */
static int encode(const int64_t *buf, size_t stride, int n, int ncols, unsigned char **data,
                  size_t *len, unsigned char **stats)
{
    int64_t base[NB_MAX_FIELDS + 1], max[NB_MAX_FIELDS + 1], nzmin[NB_MAX_FIELDS + 1];
    int64_t zeros[NB_MAX_FIELDS + 1];
    int width[NB_MAX_FIELDS + 1];
    int64_t *delta = malloc(((size_t)n + 1) * sizeof *delta);
    if (!delta)
        return -1;
    for (int i = 0; i < n; i++)
        delta[i] = i ? buf[i] - buf[i - 1] : 0;
    size_t size = 14 + (size_t)ncols * 9;
    for (int c = 0; c < ncols; c++) {
        const int64_t *v = c ? buf + (size_t)c * stride : delta;
        column_stats(v, n, &base[c], &max[c], &nzmin[c], &zeros[c]);
        width[c] = width_of((uint64_t)max[c] - (uint64_t)base[c]);
        size += (size_t)n * (size_t)width[c];
    }
    unsigned char *p = malloc(size), *st = malloc((size_t)ncols * STATS_COL + 1);
    if (!p || !st) {
        free(p);
        free(st);
        free(delta);
        return -1;
    }
    p[0] = VERSION;
    p[1] = (unsigned char)ncols;
    put_u64(p + 2, (uint64_t)n, 4);
    put_u64(p + 6, (uint64_t)(n ? buf[0] : 0), 8);
    unsigned char *q = p + 14;
    for (int c = 0; c < ncols; c++) {
        put_u64(q, (uint64_t)base[c], 8);
        q[8] = (unsigned char)width[c];
        q += 9;
        if (c) {
            put_u64(st + (c - 1) * 16, (uint64_t)nzmin[c], 8);
            put_u64(st + (c - 1) * 16 + 8, (uint64_t)max[c], 8);
            put_u64(st + (size_t)(ncols - 1) * 16 + (c - 1) * 8, (uint64_t)zeros[c], 8);
        }
    }
    for (int c = 0; c < ncols; c++) {
        const int64_t *v = c ? buf + (size_t)c * stride : delta;
        int w = width[c];
        if (w == 1)
            for (int i = 0; i < n; i++)
                *q++ = (unsigned char)((uint64_t)v[i] - (uint64_t)base[c]);
        else
            for (int i = 0; i < n; i++, q += w)
                put_u64(q, (uint64_t)v[i] - (uint64_t)base[c], w);
    }
    free(delta);
    *data = p;
    *len = size;
    *stats = st;
    return 0;
}

/* Where the columns of a part's blob are: its number of records, its first rid, and
 * each column's base, width and first byte. */
typedef struct {
    uint64_t n;
    int64_t rid0;
    int ncols;
    uint64_t base[NB_MAX_FIELDS + 1];
    int w[NB_MAX_FIELDS + 1];
    const unsigned char *at[NB_MAX_FIELDS + 1];
} layout;

/* Reads the head of DATA (LEN bytes) of NCOLS columns (the rids first) into L; returns its
 * number of records, or -1 when the blob is damaged (its sizes are not what its head says). */
static int parse(const unsigned char *data, size_t len, int ncols, layout *l)
{
    if (len < 14 || data[0] != VERSION || data[1] != ncols)
        return -1;
    uint64_t n = get_u64(data + 2, 4);
    if (n > NB_PACK_PART || len < 14 + (size_t)ncols * 9)
        return -1;
    const unsigned char *h = data + 14, *q = h + (size_t)ncols * 9;
    size_t need = 14 + (size_t)ncols * 9;
    for (int c = 0; c < ncols; c++) {
        int w = h[c * 9 + 8];
        if (w != 0 && w != 1 && w != 2 && w != 4 && w != 8)
            return -1;
        l->base[c] = get_u64(h + c * 9, 8);
        l->w[c] = w;
        l->at[c] = q;
        q += n * (uint64_t)w;
        need += (size_t)n * (size_t)w;
    }
    if (need != len)
        return -1;
    l->n = n;
    l->rid0 = (int64_t)get_u64(data + 6, 8);
    l->ncols = ncols;
    return (int)n;
}

/* Decodes records I0 .. I1 - 1 of the part L describes into OUT[c][0 .. I1 - I0) (a column
 * whose OUT[c] is NULL is skipped); the rids (column 0) follow PREV, the rid of record
 * I0 - 1 (unused when I0 is 0). */
static void unpack(const layout *l, uint64_t i0, uint64_t i1, int64_t **out, int64_t prev)
{
    uint64_t m = i1 - i0;
    for (int c = 0; c < l->ncols; c++) {
        uint64_t base = l->base[c];
        int w = l->w[c];
        if (!out[c]) /* a column not asked for */
            continue;
        /* restrict: the values written are not the bytes read (a char may alias
           anything), so the loops can become vector instructions */
        int64_t *restrict vo = out[c];
        const unsigned char *restrict qi = l->at[c] + i0 * (uint64_t)w;
        switch (w) {
        case 0:
            for (uint64_t i = 0; i < m; i++)
                vo[i] = (int64_t)base;
            break;
        case 1:
            for (uint64_t i = 0; i < m; i++)
                vo[i] = (int64_t)(base + qi[i]);
            break;
        case 2:
            for (uint64_t i = 0; i < m; i++)
                vo[i] = (int64_t)(base + (uint64_t)(qi[2 * i] | qi[2 * i + 1] << 8));
            break;
        default:
            for (uint64_t i = 0; i < m; i++)
                vo[i] = (int64_t)(base + get_u64(qi + i * (uint64_t)w, w));
        }
    }
    int64_t *rid = out[0];
    for (uint64_t i = 0; rid && i < m; i++)
        prev = rid[i] = i0 + i ? (int64_t)((uint64_t)prev + (uint64_t)rid[i]) : l->rid0;
}

/* Decodes DATA (LEN bytes) of NCOLS columns (the rids first) into OUT[c][0..n) (each
 * with room for NB_PACK_PART values; a column whose OUT[c] is NULL is skipped); returns
 * n, or -1 when the blob is damaged. */
static int decode(const unsigned char *data, size_t len, int ncols, int64_t **out)
{
    layout l;
    int n = parse(data, len, ncols, &l);
    if (n >= 0)
        unpack(&l, 0, (uint64_t)n, out, 0);
    return n;
}

/* ---- what a transaction changed ---- */

typedef struct {
    int kind;           /* index in nb_kinds */
    int64_t body;
    int64_t touched;    /* the lowest rid changed or removed; NONE: none; 0: any */
    int tail;           /* the body's last part was taken into the buffer (or need not be) */
    int64_t spilled;    /* the first part written short to bound the memory (spill), merged
                           with the ones after it at commit; 0: none */
    int every;          /* merge decodes and writes again every part from spilled on, full
                           ones too (a repack of a store whose parts are the only copy) */
    int n, ncols;       /* buffered records */
    int64_t rid_lo, rid_hi;
    int64_t *buf;       /* the rids, then ncols columns, of cap each */
    int cap;            /* rows of buf: grows to NB_PACK_PART (a body of a few records
                           buffers a few, and hundreds of bodies fit the memory bound) */
    int carry;          /* the pair's digest: 0 not begun; 1 carried on in DG (its records
                           before the transaction, then every one added); -1 forgotten at
                           commit (a record changed or removed, or no state was kept) */
    nb_hash dg;
    int64_t carry_rid;  /* the last record in DG: each added must come after it */
    /* Records changed in place (nb_pack_update), not in the buffer: for each, its rid
       then its ncols values (stride ncols + 1), in the order given; written into their
       parts at commit or at the memory bound (patch), each counted in S's bound. */
    int64_t *patch;
    int npatch, patch_cap;
    int64_t patch_max;  /* the largest rid listed */
    /* the last of them for each rid (nb_pack_values): an open hash of indexes into patch,
       -1 free; hcap slots (a power of two, at least twice npatch), 0 until asked */
    int *patch_slot;
    int patch_hcap;
} dirty;

/* A part read by nb_pack_values (a writer's old values), kept while its transaction level
 * is open: its blob, its layout over it and its rids decoded. */
typedef struct {
    int kind;
    int64_t body, lo, hi;
    unsigned char *blob;
    uint32_t *rid; /* each record's rid - lo (a part's rids span less than 2^32: checked) */
    layout l;
    size_t bytes;
    unsigned long used; /* the clock when last read */
} part_cache;

/* The parts kept read at most (about 140 of a request's full parts): a re-import of a file
 * whose rows name 100 bodies in turn read each body's part again at every few rows. */
#define CACHE_BYTES ((size_t)16 << 20)

struct nb_pack_state {
    dirty **d;
    int n, cap;
    int *slot; /* open hash of (kind, body) -> index in d, -1 free; cap slots */
    long buffered;
    int64_t *scratch; /* a part decoded by patch: NB_PACK_PART values of scratch_cols */
    size_t scratch_cols;
    struct source_text {
        int64_t id;
        unsigned char digest[NB_SOURCE_DIGEST];
    } *srcs; /* the sources whose records were hashed (source_of) */
    int nsrcs, capsrcs;
    part_cache *pc; /* parts read (nb_pack_values), forgotten with the state or when one of
                       their pair's parts is written (cache_drop) */
    int npc, cappc;
    size_t pc_bytes;
    unsigned long pc_clock;
};

static unsigned hash_of(int kind, int64_t body)
{
    uint64_t x = (uint64_t)body * 0x9E3779B97F4A7C15u ^ (uint64_t)kind;
    return (unsigned)(x >> 32);
}

static void state_free(struct nb_pack_state *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n; i++) {
        free(st->d[i]->buf);
        free(st->d[i]->patch);
        free(st->d[i]->patch_slot);
        free(st->d[i]);
    }
    free(st->d);
    free(st->slot);
    free(st->scratch);
    free(st->srcs);
    for (int i = 0; i < st->npc; i++) {
        free(st->pc[i].blob);
        free(st->pc[i].rid);
    }
    free(st->pc);
    free(st);
}

/* Lets go of part I read (the last takes its place). */
static void cache_evict(struct nb_pack_state *st, int i)
{
    st->pc_bytes -= st->pc[i].bytes;
    free(st->pc[i].blob);
    free(st->pc[i].rid);
    st->pc[i] = st->pc[--st->npc];
}

/* Forgets the parts read of pair (KIND, BODY): one of its parts is about to be written,
 * taken out or made again. */
static void cache_drop(nb_store *s, int kind, int64_t body)
{
    struct nb_pack_state *st = s->pack;
    for (int i = 0; st && i < st->npc;)
        if (st->pc[i].kind == kind && st->pc[i].body == body)
            cache_evict(st, i);
        else
            i++;
}

static nb_err nomem(char *err, size_t errlen);

/* The digest of source SRC (nb_source_digest), as runs.c's digest hashes it with the rows: read
 * once a transaction (forgotten with the state: a rolled back source's id may be given
 * again), kept in id order (a file naming many bodies has a source a body, its rows in
 * turn). NULL on failure, with ERR. */
static const struct source_text *source_of(nb_store *s, int64_t src, char *err, size_t errlen)
{
    struct nb_pack_state *st = s->pack;
    int lo = 0, hi = st->nsrcs; /* the first at or after SRC */
    if (hi > 0 && st->srcs[hi - 1].id < src)
        lo = hi; /* the usual case: a source newer than the others */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (st->srcs[mid].id < src)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < st->nsrcs && st->srcs[lo].id == src)
        return &st->srcs[lo];
    if (st->nsrcs == st->capsrcs) {
        int cap = st->capsrcs ? st->capsrcs * 2 : 8;
        struct source_text *n = realloc(st->srcs, (size_t)cap * sizeof *n);
        if (!n) {
            nomem(err, errlen);
            return NULL;
        }
        st->srcs = n, st->capsrcs = cap;
    }
    struct source_text t = {src, {0}};
    if (nb_source_digest_of(s, src, t.digest, err, errlen) != NB_OK)
        return NULL;
    memmove(&st->srcs[lo + 1], &st->srcs[lo], (size_t)(st->nsrcs - lo) * sizeof t);
    st->srcs[lo] = t;
    st->nsrcs++;
    return &st->srcs[lo];
}

void nb_pack_forget(nb_store *s)
{
    state_free(s->pack);
    s->pack = NULL;
}

static int grow(struct nb_pack_state *st)
{
    int cap = st->cap ? st->cap * 2 : 64;
    dirty **d = realloc(st->d, (size_t)cap * sizeof *d);
    if (!d)
        return -1;
    st->d = d;
    int *slot = malloc((size_t)cap * 2 * sizeof *slot);
    if (!slot)
        return -1;
    for (int i = 0; i < cap * 2; i++)
        slot[i] = -1;
    for (int i = 0; i < st->n; i++) {
        unsigned h = hash_of(d[i]->kind, d[i]->body) & (unsigned)(cap * 2 - 1);
        while (slot[h] >= 0)
            h = (h + 1) & (unsigned)(cap * 2 - 1);
        slot[h] = i;
    }
    free(st->slot);
    st->slot = slot;
    st->cap = cap;
    return 0;
}

/* The entry of (K, BODY), made when new; NULL on out of memory. */
static dirty *entry(nb_store *s, const nb_kind *k, int64_t body)
{
    struct nb_pack_state *st = s->pack;
    if (!st && !(st = s->pack = calloc(1, sizeof *st)))
        return NULL;
    int kind = (int)(k - nb_kinds);
    if (st->cap) {
        unsigned mask = (unsigned)(st->cap * 2 - 1), h = hash_of(kind, body) & mask;
        for (; st->slot[h] >= 0; h = (h + 1) & mask) {
            dirty *e = st->d[st->slot[h]];
            if (e->kind == kind && e->body == body)
                return e;
        }
    }
    if (st->n == st->cap && grow(st) != 0)
        return NULL;
    dirty *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->body = body;
    e->touched = NONE;
    e->ncols = nb_pack_columns(k, NULL, NULL);
    st->d[st->n] = e;
    unsigned mask = (unsigned)(st->cap * 2 - 1), h = hash_of(kind, body) & mask;
    while (st->slot[h] >= 0)
        h = (h + 1) & mask;
    st->slot[h] = st->n++;
    return e;
}

static nb_err nomem(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return NB_ERR_NOMEM;
}

static nb_err sql_fail(nb_store *s, char *err, size_t errlen)
{
    return nb_store_sql_fail(s, err, errlen, "packed columns");
}

/* Writes the buffered records of E as a part. */
static nb_err write_part(nb_store *s, dirty *e, char *err, size_t errlen)
{
    cache_drop(s, e->kind, e->body);
    if (e->n == 0)
        return NB_OK;
    unsigned char *data, *stats;
    size_t len;
    if (encode(e->buf, (size_t)e->cap, e->n, e->ncols + 1, &data, &len, &stats) != 0)
        return nomem(err, errlen);
    sqlite3_stmt *st;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO pack(kind, body, rid_lo, rid_hi, n, data, stats) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(s, err, errlen);
    } else {
        sqlite3_bind_text(st, 1, nb_kinds[e->kind].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, e->body);
        sqlite3_bind_int64(st, 3, e->rid_lo);
        sqlite3_bind_int64(st, 4, e->rid_hi);
        sqlite3_bind_int(st, 5, e->n);
        sqlite3_bind_blob(st, 6, data, (int)len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 7, stats, e->ncols * STATS_COL, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_finalize(st);
    }
    free(data);
    free(stats);
    e->n = 0;
    return rc;
}

/* E's buffer (the rids and the columns of a part) with room for ROWS (at most
 * NB_PACK_PART), made or grown when needed (its room counted in S's bound); NULL on out
 * of memory. */
static int64_t *buffer(nb_store *s, dirty *e, int rows)
{
    if (e->buf && e->cap >= rows)
        return e->buf;
    int cap = e->cap ? e->cap : 32;
    while (cap < rows)
        cap *= 2;
    if (cap > NB_PACK_PART)
        cap = NB_PACK_PART;
    size_t cols = (size_t)e->ncols + 1;
    int64_t *b = malloc((size_t)cap * cols * sizeof *b);
    if (!b)
        return NULL;
    for (size_t c = 0; e->buf && c < cols; c++)
        memcpy(b + c * (size_t)cap, e->buf + c * (size_t)e->cap, (size_t)e->n * sizeof *b);
    free(e->buf);
    if (s->pack)
        s->pack->buffered += cap - e->cap;
    e->cap = cap;
    return e->buf = b;
}

/* Frees E's buffer (its records written, or not needed). */
static void drop_buffer(nb_store *s, dirty *e)
{
    if (s->pack)
        s->pack->buffered -= e->cap;
    free(e->buf);
    e->buf = NULL;
    e->cap = 0;
}

/* Adds record RID with the packed values V[c] to E's buffer, writing a full part. */
static nb_err add(nb_store *s, dirty *e, int64_t rid, const int64_t *v, char *err, size_t errlen)
{
    if (!buffer(s, e, e->n + 1))
        return nomem(err, errlen);
    if (e->n == 0)
        e->rid_lo = rid;
    e->buf[e->n] = rid;
    for (int c = 0; c < e->ncols; c++)
        e->buf[(size_t)(c + 1) * (size_t)e->cap + (size_t)e->n] = v[c];
    e->n++;
    e->rid_hi = rid;
    return e->n == NB_PACK_PART ? write_part(s, e, err, errlen) : NB_OK;
}

/* Notes that E's records from RID on (0: any) changed or were removed: their parts are made
 * again from the rows at commit, and the pair's digest is forgotten. */
static void touch(dirty *e, int64_t rid)
{
    if (rid < e->touched)
        e->touched = rid;
    e->carry = -1;
}

/* Begins E's digest at its first record added, RID: a pair without records before RID
 * (the rows themselves are asked, not the parts, which a damaged store may lack) starts a
 * new hash, else carries on the state kept with its digest, when there is one. */
static nb_err begin_carry(nb_store *s, dirty *e, int64_t rid, char *err, size_t errlen)
{
    char sql[256];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "SELECT EXISTS(SELECT 1 FROM %s WHERE body = ?1 AND rid < ?2)",
             nb_kinds[e->kind].table);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_int64(st, 1, e->body);
    sqlite3_bind_int64(st, 2, rid);
    int step = sqlite3_step(st), before = step == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (step != SQLITE_ROW)
        return sql_fail(s, err, errlen);
    e->carry_rid = rid - 1;
    if (!before) {
        nb_hash_init(&e->dg);
        e->carry = 1;
        return NB_OK;
    }
    int kept = nb_digest_state(s, &nb_kinds[e->kind], e->body, &e->dg, err, errlen);
    if (kept < 0)
        return NB_ERR_SQL;
    e->carry = kept ? 1 : -1;
    return NB_OK;
}

#define DELETE_PART "DELETE FROM pack WHERE kind = ?1 AND body = ?2 AND rid_lo = ?3"

/* SQL about one part (?1 its kind, ?2 its body, ?3 its rid_lo) prepared into *ST with KIND,
 * BODY and LO bound; -1 when it cannot be. */
static int part_stmt(nb_store *s, const char *sql, const char *kind, int64_t body, int64_t lo,
                     sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(*st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 2, body);
    sqlite3_bind_int64(*st, 3, lo);
    return 0;
}

/* Takes the body's last part into E's buffer when it has room and ends before RID. */
static nb_err load_tail(nb_store *s, dirty *e, int64_t rid, char *err, size_t errlen)
{
    cache_drop(s, e->kind, e->body);
    sqlite3_stmt *st;
    nb_err rc = NB_OK;
    e->tail = 1;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT rid_lo, rid_hi, data FROM pack WHERE kind = ?1 AND body = ?2 "
                           "ORDER BY rid_lo DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_text(st, 1, nb_kinds[e->kind].name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->body);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_int64(st, 1) < rid) {
        int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
        /* room for its records (as its header says; decode refuses more than a part) and
           the next: a body of a few records takes a few, whatever the bodies */
        const unsigned char *blob = sqlite3_column_blob(st, 2);
        size_t blen = (size_t)sqlite3_column_bytes(st, 2);
        uint64_t held = blob && blen >= 14 ? get_u64(blob + 2, 4) : 0;
        if (!buffer(s, e, held < NB_PACK_PART ? (int)held + 1 : NB_PACK_PART)) {
            sqlite3_finalize(st);
            return nomem(err, errlen);
        }
        int64_t *cols[NB_MAX_FIELDS + 1];
        for (int c = 0; c <= e->ncols; c++)
            cols[c] = e->buf + (size_t)c * (size_t)e->cap;
        int n = decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                       e->ncols + 1, cols);
        sqlite3_finalize(st);
        if (n < 0 || n == NB_PACK_PART) /* decoded all the same: a damaged one is seen */
            drop_buffer(s, e);
        if (n < 0) { /* damaged: the rows make it again at commit */
            touch(e, 0);
            return NB_OK;
        }
        if (n == NB_PACK_PART)
            return NB_OK; /* full: appends start a new part */
        e->n = n;
        e->rid_lo = lo;
        e->rid_hi = hi;
        if (part_stmt(s, DELETE_PART, nb_kinds[e->kind].name, e->body, lo, &st) != 0)
            return sql_fail(s, err, errlen);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? NB_OK : sql_fail(s, err, errlen);
}

/* The index of RID among the N ascending RIDS, or -1. */
static int find_rid(const int64_t *rids, int n, int64_t rid)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (rids[mid] == rid)
            return mid;
        if (rids[mid] < rid)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The packed values V[c] of a record's coded values IVAL[f] where HAS[f] (the writer's
 * nb_rec): a date as its day code, an empty value 0. */
static void packed_values(const nb_kind *k, const int64_t *ival, const unsigned char *has,
                          int64_t *v)
{
    int field[NB_MAX_FIELDS];
    int n = nb_pack_columns(k, field, NULL);
    for (int c = 0; c < n; c++) {
        int f = field[c];
        v[c] = !has[f] ? 0 : k->fields[f].type == NB_F_DATE ? nb_pack_day((int)ival[f]) : ival[f];
    }
}

typedef struct {
    int64_t rid;
    int i; /* its place in the list: the last given of a rid wins */
} patch_key;

static int patch_cmp(const void *a, const void *b)
{
    const patch_key *x = a, *y = b;
    if (x->rid != y->rid)
        return x->rid < y->rid ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Takes the record at AT out of E's buffer. */
static void buffer_remove(dirty *e, int at)
{
    for (int c = 0; c <= e->ncols; c++) {
        int64_t *col = e->buf + (size_t)c * (size_t)e->cap;
        memmove(col + at, col + at + 1, (size_t)(e->n - at - 1) * sizeof *col);
    }
    e->n--;
    if (e->n) {
        e->rid_lo = e->buf[0];
        e->rid_hi = e->buf[e->n - 1];
    } else {
        /* emptied: the last before it is below its first (the parts' records come
           before the buffer's), so a record after the parts is added there, even one
           taking the rid just removed (SQLite gives the largest rid again) */
        e->rid_hi = e->rid_lo - 1;
    }
}

/* Writes patch I of E (its values, or its removal) into the buffer, where its record is. */
static void patch_buffer(dirty *e, int i)
{
    size_t cols = (size_t)e->ncols + 1;
    const int64_t *v = e->patch + (size_t)i * cols;
    int64_t rid = v[0] < 0 ? -v[0] : v[0];
    int at = find_rid(e->buf, e->n, rid);
    if (at < 0)
        touch(e, rid);
    else if (v[0] < 0)
        buffer_remove(e, at);
    else
        for (size_t c = 1; c < cols; c++)
            e->buf[c * (size_t)e->cap + (size_t)at] = v[c];
}

/* Writes E's patches (a record's new values, or its removal: its rid negated) into its
 * buffer and its parts, each part changed decoded, changed and encoded again (a part left
 * empty removed), then forgets them. A record found in neither is left to the rows
 * (touch): the parts are made again from it at commit. */
static nb_err patch(nb_store *s, dirty *e, char *err, size_t errlen)
{
    cache_drop(s, e->kind, e->body);
    int m = e->npatch;
    if (m == 0)
        return NB_OK;
    size_t cols = (size_t)e->ncols + 1;
    struct nb_pack_state *st = s->pack;
    if (st->scratch_cols < cols) { /* one for the transaction, the widest kind's */
        free(st->scratch);
        st->scratch = malloc(NB_PACK_PART * cols * sizeof *st->scratch);
        st->scratch_cols = st->scratch ? cols : 0;
    }
    int64_t *tmp = st->scratch;
    patch_key *u = malloc((size_t)m * sizeof *u);
    sqlite3_stmt *find = NULL, *put = NULL, *drop = NULL;
    nb_err rc = NB_OK;
    if (!u || !tmp) {
        rc = nomem(err, errlen);
        goto done;
    }
    for (int i = 0; i < m; i++) {
        int64_t r = e->patch[(size_t)i * cols];
        u[i] = (patch_key){r < 0 ? -r : r, i};
    }
    qsort(u, (size_t)m, sizeof *u, patch_cmp);
    if (sqlite3_prepare_v2(s->db, "SELECT rowid, rid_hi, data FROM pack WHERE kind = ?1 AND "
                                  "body = ?2 AND rid_lo <= ?3 ORDER BY rid_lo DESC LIMIT 1",
                           -1, &find, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE pack SET rid_lo = ?1, rid_hi = ?2, n = ?3, data = ?4, "
                                  "stats = ?5 WHERE rowid = ?6", -1, &put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM pack WHERE rowid = ?1", -1, &drop, NULL) !=
            SQLITE_OK) {
        rc = sql_fail(s, err, errlen);
        goto done;
    }
    sqlite3_bind_text(find, 1, nb_kinds[e->kind].name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(find, 2, e->body);
    int64_t *out[NB_MAX_FIELDS + 1];
    for (size_t c = 0; c < cols; c++)
        out[c] = tmp + c * NB_PACK_PART;
    int i = 0;
    while (!rc && i < m) {
        int64_t rid = u[i].rid;
        if (rid >= e->touched || (i + 1 < m && u[i + 1].rid == rid)) {
            i++; /* made from the rows at commit; or not the last given */
            continue;
        }
        if (e->n && rid >= e->rid_lo && rid <= e->rid_hi) { /* in the buffer */
            patch_buffer(e, u[i].i);
            i++;
            continue;
        }
        sqlite3_reset(find);
        sqlite3_bind_int64(find, 3, rid);
        int step = sqlite3_step(find);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = sql_fail(s, err, errlen);
            break;
        }
        int64_t hi = step == SQLITE_ROW ? sqlite3_column_int64(find, 1) : 0;
        if (step == SQLITE_DONE || rid > hi) { /* in no part */
            touch(e, rid);
            i++;
            continue;
        }
        int64_t part = sqlite3_column_int64(find, 0);
        int n = decode(sqlite3_column_blob(find, 2), (size_t)sqlite3_column_bytes(find, 2),
                       (int)cols, out);
        sqlite3_reset(find);
        if (n < 0) { /* damaged: the rows make it again */
            touch(e, rid);
            i++;
            continue;
        }
        int changed = 0, removed = 0;
        for (; i < m && u[i].rid <= hi; i++) {
            if (u[i].rid >= e->touched || (i + 1 < m && u[i + 1].rid == u[i].rid))
                continue;
            int at = find_rid(out[0], n, u[i].rid);
            if (at < 0) {
                touch(e, u[i].rid);
                continue;
            }
            const int64_t *v = e->patch + (size_t)u[i].i * cols;
            if (v[0] < 0) {
                out[0][at] = 0; /* removed: rids are never 0 */
                removed++;
            } else {
                for (size_t c = 1; c < cols; c++)
                    out[c][at] = v[c];
            }
            changed = 1;
        }
        if (!changed)
            continue;
        if (removed) {
            int kept = 0;
            for (int r = 0; r < n; r++) {
                if (out[0][r] == 0)
                    continue;
                for (size_t c = 0; c < cols; c++)
                    out[c][kept] = out[c][r];
                kept++;
            }
            n = kept;
        }
        if (n == 0) { /* every record of the part removed */
            sqlite3_bind_int64(drop, 1, part);
            if (sqlite3_step(drop) != SQLITE_DONE)
                rc = sql_fail(s, err, errlen);
            sqlite3_reset(drop);
            continue;
        }
        unsigned char *data, *stats;
        size_t len;
        if (encode(tmp, NB_PACK_PART, n, (int)cols, &data, &len, &stats) != 0) {
            rc = nomem(err, errlen);
            break;
        }
        sqlite3_bind_int64(put, 1, out[0][0]);
        sqlite3_bind_int64(put, 2, out[0][n - 1]);
        sqlite3_bind_int(put, 3, n);
        sqlite3_bind_blob(put, 4, data, (int)len, SQLITE_STATIC);
        sqlite3_bind_blob(put, 5, stats, e->ncols * STATS_COL, SQLITE_STATIC);
        sqlite3_bind_int64(put, 6, part);
        if (sqlite3_step(put) != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_reset(put);
        free(data);
        free(stats);
    }
done:
    sqlite3_finalize(find);
    sqlite3_finalize(put);
    sqlite3_finalize(drop);
    free(u);
    s->pack->buffered -= m;
    free(e->patch);
    e->patch = NULL;
    e->npatch = e->patch_cap = 0;
    e->patch_max = 0;
    free(e->patch_slot);
    e->patch_slot = NULL;
    e->patch_hcap = 0;
    return rc;
}

/* Writes every buffer out as a part and frees it (the memory bound was reached). The
   next records of each start a part of their own: taking the last one back would fill
   the memory again at once (a file interleaving 800 bodies spilled at every few rows).
   The short parts are merged at commit (merge). A pair whose parts are made again from
   the rows at commit lets go of its records at once, from its first (they are in the
   rows); every buffer is freed, an empty one too (a body whose last part was full). */
static nb_err spill(nb_store *s, char *err, size_t errlen)
{
    nb_err rc = NB_OK;
    for (int i = 0; !rc && i < s->pack->n; i++) {
        dirty *e = s->pack->d[i];
        if ((rc = patch(s, e, err, errlen)))
            break;
        if (e->touched == NONE && e->n) {
            if (!e->spilled)
                e->spilled = e->rid_lo;
            rc = write_part(s, e, err, errlen);
            e->tail = 1;
        } else if (e->n) {
            if (e->rid_lo < e->touched)
                e->touched = e->rid_lo; /* as rebuild would make them */
            e->n = 0;
        }
        drop_buffer(s, e);
    }
    return rc;
}

/* The largest rid of E's body's parts into *HI (0: it has none). */
static nb_err parts_hi(nb_store *s, dirty *e, int64_t *hi, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT max(rid_hi) FROM pack WHERE kind = ?1 AND body = ?2", -1,
                           &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_text(st, 1, nb_kinds[e->kind].name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->body);
    int step = sqlite3_step(st);
    *hi = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return step == SQLITE_ROW ? NB_OK : sql_fail(s, err, errlen);
}

nb_err nb_pack_append(nb_store *s, const nb_kind *k, int64_t body, int64_t rid,
                      const int64_t *ival, const unsigned char *has, const nb_dvalue *row,
                      int nrow, char *err, size_t errlen)
{
    dirty *e = entry(s, k, body);
    if (!e)
        return nomem(err, errlen);
    if (e->touched != NONE)
        return NB_OK; /* its parts are made again from the rows at commit */
    nb_err rc;
    if (!e->n && e->spilled && rid <= e->rid_hi) {
        /* after a spill, a record taking the rid of one removed since (SQLite gives the
           largest rid again once its row is gone): after the parts once the removals
           listed are written into them */
        int64_t hi;
        if ((rc = patch(s, e, err, errlen)) || (rc = parts_hi(s, e, &hi, err, errlen)))
            return rc;
        if (rid > hi)
            e->rid_hi = hi;
    }
    if ((e->n || e->spilled) && rid <= e->rid_hi) { /* not after the others: from the rows */
        touch(e, 0);
        return NB_OK;
    }
    if (!e->carry && (rc = begin_carry(s, e, rid, err, errlen)))
        return rc;
    /* the listed changes first: a record of the last part taken back into the buffer is
       changed there at once from then on, and a value listed before must not be written
       over it at commit; and a record taking the rid of one listed as removed (SQLite
       gives the largest rid again once its row is gone) must not be taken out with it
       (both found by review) */
    if (e->npatch && (!e->tail || rid <= e->patch_max) && (rc = patch(s, e, err, errlen)))
        return rc;
    if (!e->tail && (rc = load_tail(s, e, rid, err, errlen)))
        return rc;
    if (e->touched != NONE)
        return NB_OK;
    int64_t v[NB_MAX_FIELDS];
    packed_values(k, ival, has, v);
    if ((rc = add(s, e, rid, v, err, errlen)))
        return rc;
    if (e->carry == 1 && rid > e->carry_rid) { /* the rows' order: rid order */
        /* ROW ends with the source's id, the line and the raw values: hashed as the
           source's digest, the line and the raw values (runs.c's hash_rows) */
        const struct source_text *src = nrow >= 3 ? source_of(s, row[nrow - 3].i, err, errlen) : NULL;
        if (!src)
            return nrow >= 3 ? NB_ERR_SQL : NB_ERR_INPUT;
        nb_dvalue v2[NB_MAX_FIELDS + 4];
        int n = nrow - 3;
        if (n < 0 || n + 3 > (int)(sizeof v2 / sizeof v2[0]))
            return NB_ERR_INPUT;
        memcpy(v2, row, (size_t)n * sizeof *v2);
        v2[n++] = (nb_dvalue){SQLITE_TEXT, 0, (const char *)src->digest, NB_SOURCE_DIGEST};
        v2[n++] = row[nrow - 2];
        v2[n++] = row[nrow - 1];
        nb_digest_row(&e->dg, k, v2, n);
        e->carry_rid = rid;
    } else {
        e->carry = -1;
    }
    return s->pack->buffered > max_buffered ? spill(s, err, errlen) : NB_OK;
}

nb_err nb_pack_changed(nb_store *s, const nb_kind *k, int64_t body, char *err, size_t errlen)
{
    dirty *e = entry(s, k, body);
    if (!e)
        return nomem(err, errlen);
    e->carry = -1; /* the parts stay, the digest does not */
    return NB_OK;
}

/* The rid of change I of E's list. */
static int64_t patch_rid(const dirty *e, int i)
{
    int64_t r = e->patch[(size_t)i * ((size_t)e->ncols + 1)];
    return r < 0 ? -r : r;
}

/* The slot of RID in E's index of its listed changes: its own, or the free one it would take. */
static unsigned patch_slot_of(const dirty *e, int64_t rid)
{
    unsigned mask = (unsigned)e->patch_hcap - 1, h = hash_of(0, rid) & mask;
    while (e->patch_slot[h] >= 0 && patch_rid(e, e->patch_slot[h]) != rid)
        h = (h + 1) & mask;
    return h;
}

/* Makes E's index of its listed changes anew, of CAP slots: a later change of a rid takes
 * the earlier one's entry. 0, or -1 when out of memory. */
static int index_build(dirty *e, int cap)
{
    int *slot = malloc((size_t)cap * sizeof *slot);
    if (!slot)
        return -1;
    for (int j = 0; j < cap; j++)
        slot[j] = -1;
    free(e->patch_slot);
    e->patch_slot = slot;
    e->patch_hcap = cap;
    for (int j = 0; j < e->npatch; j++)
        e->patch_slot[patch_slot_of(e, patch_rid(e, j))] = j;
    return 0;
}

/* Enters change I (the last listed) of E in its index, made anew twice as large when half
 * full. 0, or -1 when out of memory. */
static int index_patch(dirty *e, int i)
{
    if (2 * e->npatch > e->patch_hcap)
        return index_build(e, e->patch_hcap * 2);
    e->patch_slot[patch_slot_of(e, patch_rid(e, i))] = i;
    return 0;
}

/* Lists V (a patch: the rid, negated for a removal, then ncols values) for E, written into
 * the buffer at once when the record is there. */
static nb_err list_patch(nb_store *s, dirty *e, const int64_t *v, char *err, size_t errlen)
{
    size_t cols = (size_t)e->ncols + 1;
    int64_t rid = v[0] < 0 ? -v[0] : v[0];
    if (e->npatch == e->patch_cap) {
        int cap = e->patch_cap ? e->patch_cap * 2 : 16;
        int64_t *p = realloc(e->patch, (size_t)cap * cols * sizeof *p);
        if (!p)
            return nomem(err, errlen);
        e->patch = p;
        e->patch_cap = cap;
    }
    memcpy(e->patch + (size_t)e->npatch * cols, v, cols * sizeof *v);
    if (e->n && rid >= e->rid_lo && rid <= e->rid_hi) { /* in the buffer: written there now */
        patch_buffer(e, e->npatch);
        return NB_OK;
    }
    if (rid > e->patch_max)
        e->patch_max = rid;
    e->npatch++;
    if (e->patch_slot && index_patch(e, e->npatch - 1) != 0)
        return nomem(err, errlen);
    s->pack->buffered++;
    return s->pack->buffered > max_buffered ? spill(s, err, errlen) : NB_OK;
}

nb_err nb_pack_update(nb_store *s, const nb_kind *k, int64_t body, int64_t rid,
                      const int64_t *ival, const unsigned char *has, char *err, size_t errlen)
{
    dirty *e = entry(s, k, body);
    if (!e)
        return nomem(err, errlen);
    e->carry = -1; /* the digest is made again from the rows */
    if (rid >= e->touched)
        return NB_OK; /* its parts are made again from the rows at commit */
    int64_t v[NB_MAX_FIELDS + 1];
    v[0] = rid;
    packed_values(k, ival, has, v + 1);
    return list_patch(s, e, v, err, errlen);
}

/* E of (K, BODY) when the transaction noted it, else NULL (none made). */
static dirty *find_entry(nb_store *s, const nb_kind *k, int64_t body)
{
    struct nb_pack_state *st = s->pack;
    if (!st || !st->cap)
        return NULL;
    int kind = (int)(k - nb_kinds);
    unsigned mask = (unsigned)(st->cap * 2 - 1), h = hash_of(kind, body) & mask;
    for (; st->slot[h] >= 0; h = (h + 1) & mask) {
        dirty *e = st->d[st->slot[h]];
        if (e->kind == kind && e->body == body)
            return e;
    }
    return NULL;
}

#define PART_OF "SELECT rid_lo, rid_hi, data FROM pack WHERE kind = ?1 AND body = ?2 AND rid_lo <= ?3 " \
                "ORDER BY rid_lo DESC LIMIT 1"

/* The part read of (KIND, BODY) that spans RID, or NULL. */
static part_cache *cache_find(struct nb_pack_state *st, int kind, int64_t body, int64_t rid)
{
    for (int i = 0; st && i < st->npc; i++) {
        part_cache *c = &st->pc[i];
        if (c->kind == kind && c->body == body && rid >= c->lo && rid <= c->hi) {
            c->used = ++st->pc_clock;
            return c;
        }
    }
    return NULL;
}

/* The part of rids LO to HI of (KIND, BODY), blob DATA (LEN bytes) of NCOLS columns with
 * the rids, read into C (kept in the state's cache when KEEP: the least read lately let go
 * of past CACHE_BYTES). 0; -1 out of memory; 1 damaged. */
static int cache_add(struct nb_pack_state *st, int keep, int kind, int64_t body, int64_t lo,
                     int64_t hi, const void *data, size_t len, int ncols, part_cache *c)
{
    memset(c, 0, sizeof *c);
    c->blob = malloc(len ? len : 1);
    if (!c->blob)
        return -1;
    memcpy(c->blob, data, len);
    int n = parse(c->blob, len, ncols, &c->l);
    if (n < 0 || hi - lo >= UINT32_MAX) {
        free(c->blob);
        c->blob = NULL;
        return 1;
    }
    int64_t *rid = malloc(((size_t)n + 1) * sizeof *rid);
    c->rid = malloc(((size_t)n + 1) * sizeof *c->rid);
    int made = rid && c->rid;
    if (made) {
        int64_t *out[NB_MAX_FIELDS + 1] = {rid};
        unpack(&c->l, 0, (uint64_t)n, out, 0);
        for (int i = 0; i < n; i++)
            c->rid[i] = (uint32_t)(rid[i] - lo);
    }
    free(rid);
    if (!made) {
        free(c->blob);
        free(c->rid);
        c->blob = NULL;
        c->rid = NULL;
        return -1;
    }
    c->kind = kind, c->body = body, c->lo = lo, c->hi = hi;
    c->bytes = len + (size_t)n * sizeof *c->rid;
    if (!keep || !st)
        return 0;
    while (st->npc > 0 && st->pc_bytes + c->bytes > CACHE_BYTES) { /* the least read lately */
        int old = 0;
        for (int i = 1; i < st->npc; i++)
            if (st->pc[i].used < st->pc[old].used)
                old = i;
        cache_evict(st, old);
    }
    if (st->npc == st->cappc) {
        int cap = st->cappc ? st->cappc * 2 : 16;
        part_cache *more = realloc(st->pc, (size_t)cap * sizeof *more);
        if (!more)
            return 0; /* not kept: read again next time */
        st->pc = more;
        st->cappc = cap;
    }
    c->used = ++st->pc_clock;
    st->pc[st->npc++] = *c;
    st->pc_bytes += c->bytes;
    c->blob = NULL; /* the cache's now */
    c->rid = NULL;
    return 0;
}

nb_err nb_pack_values(nb_store *s, const nb_kind *k, int64_t body, int n, const int64_t *rids,
                      int64_t *vals, signed char *got, char *err, size_t errlen)
{
    int ncols = nb_pack_columns(k, NULL, NULL), kind = (int)(k - nb_kinds);
    dirty *e = find_entry(s, k, body);
    if (e && e->npatch && !e->patch_slot) {
        int cap = 64;
        while (cap < 2 * e->npatch)
            cap *= 2;
        if (index_build(e, cap) != 0)
            return nomem(err, errlen);
    }
    /* inside a transaction the parts read are kept until one of the pair's is written:
       outside one, another connection may write them meanwhile */
    int keep = s->depth > 0;
    if (keep && !s->pack && !(s->pack = calloc(1, sizeof *s->pack)))
        return nomem(err, errlen);
    sqlite3_stmt *st = NULL;
    part_cache own = {0};     /* a part read and not kept */
    const part_cache *part = NULL, *last_part = NULL;
    int last_at = -1;         /* where in last_part the last rid was found */
    nb_err rc = NB_OK;
    for (int i = 0; i < n && !rc; i++) {
        int64_t rid = rids[i], *v = vals + (size_t)i * (size_t)ncols;
        got[i] = 0;
        if (e && rid >= e->touched) { /* its parts are made again from the rows at commit */
            got[i] = 2;
            continue;
        }
        /* changed in this transaction: the last change listed (none above patch_max: a
           re-import's reads ahead, past the rows it changed, skip the index, whose every
           probe was a cache miss: 1.2 million lookups in a re-import of 1e6 rows of 100
           bodies, 7% of its time) */
        if (e && e->npatch && rid <= e->patch_max) {
            int at = e->patch_slot[patch_slot_of(e, rid)];
            if (at >= 0) {
                const int64_t *p = e->patch + (size_t)at * ((size_t)ncols + 1);
                if (p[0] > 0) {
                    memcpy(v, p + 1, (size_t)ncols * sizeof *v);
                    got[i] = 1;
                }
                continue;
            }
        }
        if (e && e->n && rid >= e->rid_lo && rid <= e->rid_hi) { /* in the buffer */
            int at = find_rid(e->buf, e->n, rid);
            for (int c = 1; at >= 0 && c <= ncols; c++)
                v[c - 1] = e->buf[(size_t)c * (size_t)e->cap + (size_t)at];
            got[i] = at >= 0;
            continue;
        }
        if (!part || rid < part->lo || rid > part->hi)
            part = keep ? cache_find(s->pack, kind, body, rid) : NULL;
        if (!part) { /* the part that would hold it, from the table */
            if (!st && !(st = nb_store_stmt(s, PART_OF))) {
                rc = sql_fail(s, err, errlen);
                break;
            }
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, body);
            sqlite3_bind_int64(st, 3, rid);
            int step = sqlite3_step(st);
            if (step != SQLITE_ROW) {
                if (step != SQLITE_DONE)
                    rc = sql_fail(s, err, errlen);
                continue; /* no part before it */
            }
            int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
            if (hi < rid)
                continue;
            free(own.blob);
            free(own.rid);
            int r = cache_add(s->pack, keep, kind, body, lo, hi, sqlite3_column_blob(st, 2),
                              (size_t)sqlite3_column_bytes(st, 2), ncols + 1, &own);
            if (r < 0) {
                rc = nomem(err, errlen);
                break;
            }
            if (r > 0) { /* damaged: the rows hold its values */
                got[i] = 2;
                continue;
            }
            part = own.blob ? &own : cache_find(s->pack, kind, body, rid);
            if (!part) {
                rc = nomem(err, errlen);
                break;
            }
        }
        int at = -1;
        uint32_t want = (uint32_t)(rid - part->lo);
        /* rids asked in order, of the part's records one after another: the one after the
           last found, first (checked against this part's rids: right whatever last_at was) */
        if (part == last_part && last_at + 1 < (int)part->l.n && part->rid[last_at + 1] == want)
            at = last_at + 1;
        for (int a = 0, b = (int)part->l.n - 1; at < 0 && a <= b;) { /* rid - lo among the part's */
            int mid = a + (b - a) / 2;
            uint32_t x = part->rid[mid];
            if (x == want) {
                at = mid;
                break;
            }
            if (x < want)
                a = mid + 1;
            else
                b = mid - 1;
        }
        if (at < 0)
            continue;
        last_part = part, last_at = at;
        for (int c = 1; c <= ncols; c++) {
            int w = part->l.w[c];
            v[c - 1] = (int64_t)(part->l.base[c] + (w ? get_u64(part->l.at[c] + (size_t)at * (size_t)w, w) : 0));
        }
        got[i] = 1;
    }
    if (st) {
        sqlite3_reset(st);
        nb_store_stmt_give(s, PART_OF, st);
    }
    free(own.blob);
    free(own.rid);
    return rc;
}

int nb_pack_rids(nb_store *s, const nb_kind *k, int n, int64_t *first)
{
    sqlite3_mutex *m = sqlite3_db_mutex(s->db);
    int kind = (int)(k - nb_kinds), rc = SQLITE_OK;
    sqlite3_mutex_enter(m);
    if (!s->next_rid && s->depth > 0 &&
        !(s->next_rid = calloc((size_t)nb_nkinds, sizeof *s->next_rid))) {
        /* not read each time instead: the parts leave out a body's last part held in
           memory, whose rids would be given again */
        sqlite3_mutex_leave(m);
        return SQLITE_NOMEM;
    }
    int64_t next = s->next_rid && s->depth > 0 ? s->next_rid[kind] : 0;
    if (!next) {
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(s->db, "SELECT coalesce(max(rid_hi), 0) + 1 FROM pack WHERE kind = ?1",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
            int step = sqlite3_step(st);
            next = sqlite3_column_int64(st, 0);
            rc = sqlite3_finalize(st); /* the step's error, if any */
            if (rc == SQLITE_OK && step != SQLITE_ROW)
                rc = step;
        }
    }
    *first = next;
    if (rc == SQLITE_OK && s->next_rid && s->depth > 0)
        s->next_rid[kind] = next + n;
    sqlite3_mutex_leave(m);
    return rc;
}

void nb_pack_rids_forget(nb_store *s, const nb_kind *k)
{
    if (!s->next_rid)
        return;
    sqlite3_mutex *m = sqlite3_db_mutex(s->db);
    sqlite3_mutex_enter(m);
    if (k)
        s->next_rid[k - nb_kinds] = 0;
    else
        memset(s->next_rid, 0, (size_t)nb_nkinds * sizeof *s->next_rid);
    sqlite3_mutex_leave(m);
}

nb_err nb_pack_remove(nb_store *s, const nb_kind *k, int64_t body, int64_t rid, char *err,
                      size_t errlen)
{
    dirty *e = entry(s, k, body);
    if (!e)
        return nomem(err, errlen);
    e->carry = -1;
    if (rid >= e->touched)
        return NB_OK;
    int64_t v[NB_MAX_FIELDS + 1] = {0};
    v[0] = -rid;
    return list_patch(s, e, v, err, errlen);
}

nb_err nb_pack_touch(nb_store *s, const nb_kind *k, int64_t body, int64_t rid, char *err,
                     size_t errlen)
{
    dirty *e = entry(s, k, body);
    if (!e)
        return nomem(err, errlen);
    touch(e, rid);
    return NB_OK;
}

/* Prepares "SELECT rid, <the packed columns> FROM <K's table> WHERE body = ?1 AND rid >=
 * ?2 ORDER BY rid" with BODY and FROM bound; the rid alone when the table does not hold
 * the coded values (nb_store_wide). */
static nb_err select_packed(nb_store *s, const nb_kind *k, int64_t body, int64_t from,
                            sqlite3_stmt **st, char *err, size_t errlen)
{
    int field[NB_MAX_FIELDS];
    int ncols = nb_store_wide(s, k) ? nb_pack_columns(k, field, NULL) : 0;
    nb_buf q = {0};
    int bad = nb_buf_adds(&q, "SELECT rid");
    for (int c = 0; c < ncols; c++)
        bad |= nb_buf_printf(&q, ", %s", k->fields[field[c]].name);
    bad |= nb_buf_printf(&q, " FROM %s WHERE body = ?1 AND rid >= ?2 ORDER BY rid", k->table);
    if (bad) {
        nb_buf_free(&q);
        return nomem(err, errlen);
    }
    int rc = sqlite3_prepare_v2(s->db, q.data, -1, st, NULL);
    nb_buf_free(&q);
    if (rc != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_int64(*st, 1, body);
    sqlite3_bind_int64(*st, 2, from);
    return NB_OK;
}

/* Makes E's parts from the rows with rid >= FROM (the parts before stay). */
static nb_err from_rows(nb_store *s, dirty *e, int64_t from, char *err, size_t errlen)
{
    cache_drop(s, e->kind, e->body);
    const nb_kind *k = &nb_kinds[e->kind];
    int field[NB_MAX_FIELDS];
    int ncols = nb_pack_columns(k, field, NULL);
    sqlite3_stmt *st;
    nb_err rc0 = select_packed(s, k, e->body, from, &st, err, errlen);
    if (rc0)
        return rc0;
    e->n = 0;
    nb_err rc = NB_OK;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t v[NB_MAX_FIELDS];
        for (int c = 0; c < ncols; c++) {
            int64_t x = sqlite3_column_int64(st, c + 1);
            v[c] = k->fields[field[c]].type == NB_F_DATE ? nb_pack_day((int)x) : x;
        }
        rc = add(s, e, sqlite3_column_int64(st, 0), v, err, errlen);
        rows_read++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sql_fail(s, err, errlen);
    sqlite3_finalize(st);
    return rc ? rc : write_part(s, e, err, errlen);
}


/* E's parts from its lowest touched record on, again from the rows; a damaged store when
 * the rows do not hold the coded values (nb_store_wide): the parts are their only copy. */
static nb_err rebuild(nb_store *s, dirty *e, char *err, size_t errlen)
{
    cache_drop(s, e->kind, e->body);
    if (!nb_store_wide(s, &nb_kinds[e->kind]))
        return nb_pack_damaged(s, &nb_kinds[e->kind], e->body, err, errlen);
    int64_t from = e->touched;
    if (e->tail && e->n && e->rid_lo < from)
        from = e->rid_lo; /* the last part was taken out: it is made again too */
    if (e->spilled && e->spilled < from)
        from = e->spilled; /* and the short parts */
    e->n = 0;
    sqlite3_stmt *st;
    const char *kind = nb_kinds[e->kind].name;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT min(rid_lo) FROM pack WHERE kind = ?1 AND body = ?2 AND "
                           "rid_hi >= ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->body);
    sqlite3_bind_int64(st, 3, from);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
        sqlite3_column_int64(st, 0) < from)
        from = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->db, "DELETE FROM pack WHERE kind = ?1 AND body = ?2 AND rid_hi >= ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->body);
    sqlite3_bind_int64(st, 3, from);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return sql_fail(s, err, errlen);
    return from_rows(s, e, from, err, errlen);
}

/* The parts of E from its first short one (spill) on, merged into full parts: decoded
 * one by one into E's buffer (each removed first), written as it fills. */
static nb_err merge(nb_store *s, dirty *e, char *err, size_t errlen)
{
    cache_drop(s, e->kind, e->body);
    const char *kind = nb_kinds[e->kind].name;
    sqlite3_stmt *st;
    int64_t *lo = NULL, *tmp = NULL;
    int *count = NULL;
    size_t n = 0, cap = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT rid_lo, n FROM pack WHERE kind = ?1 AND body = ?2 AND "
                           "rid_lo >= ?3 ORDER BY rid_lo", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->body);
    sqlite3_bind_int64(st, 3, e->spilled);
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *l = realloc(lo, cap * sizeof *l);
            if (l)
                lo = l;
            int *c = realloc(count, cap * sizeof *c);
            if (c)
                count = c;
            if (!l || !c) {
                rc = nomem(err, errlen);
                break;
            }
        }
        lo[n] = sqlite3_column_int64(st, 0);
        count[n++] = sqlite3_column_int(st, 1);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sql_fail(s, err, errlen);
    sqlite3_finalize(st);
    size_t cols = (size_t)e->ncols + 1;
    size_t least = e->every ? 1 : 2; /* parts to merge: one is left as it is */
    if (!rc && n >= least && !(tmp = malloc(NB_PACK_PART * cols * sizeof *tmp)))
        rc = nomem(err, errlen);
    e->n = 0;
    for (size_t i = 0; !rc && n >= least && i < n; i++) {
        if (e->n == 0 && count[i] == NB_PACK_PART && !e->every)
            continue; /* full, and after full ones: it stays */
        if (part_stmt(s, "SELECT data FROM pack WHERE kind = ?1 AND body = ?2 AND rid_lo = ?3",
                      kind, e->body, lo[i], &st) != 0) {
            rc = sql_fail(s, err, errlen);
            break;
        }
        int64_t *out[NB_MAX_FIELDS + 1];
        for (size_t c = 0; c < cols; c++)
            out[c] = tmp + c * NB_PACK_PART;
        int got = sqlite3_step(st) == SQLITE_ROW
                      ? decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                               (int)cols, out)
                      : -2;
        sqlite3_finalize(st);
        if (got == -2) {
            rc = sql_fail(s, err, errlen);
            break;
        }
        if (got < 0) { /* damaged: the rows make them all again */
            free(lo), free(count), free(tmp);
            e->touched = e->spilled;
            return rebuild(s, e, err, errlen);
        }
        if (part_stmt(s, DELETE_PART, kind, e->body, lo[i], &st) != 0) {
            rc = sql_fail(s, err, errlen);
            break;
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_finalize(st);
        for (int r = 0; !rc && r < got; r++) {
            int64_t v[NB_MAX_FIELDS];
            for (size_t c = 1; c < cols; c++)
                v[c - 1] = out[c][r];
            rc = add(s, e, out[0][r], v, err, errlen);
        }
    }
    if (!rc)
        rc = write_part(s, e, err, errlen);
    free(lo), free(count), free(tmp);
    return rc;
}

/* Writes the parts of every noted pair; ROWS: its records changed, so its kept digest
 * is carried on (records added after the others alone) or forgotten (not when only the
 * parts are made again). */
static nb_err sync(nb_store *s, int rows, char *err, size_t errlen)
{
    nb_err rc = NB_OK;
    for (int i = 0; s->pack && !rc && i < s->pack->n; i++) {
        dirty *e = s->pack->d[i];
        const nb_kind *k = &nb_kinds[e->kind];
        rc = patch(s, e, err, errlen);
        if (!rc)
            rc = e->touched != NONE ? rebuild(s, e, err, errlen) : write_part(s, e, err, errlen);
        if (!rc && e->touched == NONE && e->spilled)
            rc = merge(s, e, err, errlen);
        drop_buffer(s, e); /* one pair's buffer at a time */
        if (!rc && rows)
            rc = e->carry == 1 ? nb_digest_carry(s, k, e->body, &e->dg, err, errlen) /* no touch */
                               : nb_digest_forget(s, k, e->body, err, errlen);
    }
    nb_pack_forget(s);
    return rc;
}

nb_err nb_pack_sync(nb_store *s, char *err, size_t errlen)
{
    return sync(s, 1, err, errlen);
}

static int stats_match(const unsigned char *s, int len, int ncols, int64_t *const *col, int n);
static int valid_value(nb_store *s, const nb_kind *k, const int *field, int c, int64_t v);

/* The number of records of part DATA (LEN bytes) of K, with stats STATS (SLEN bytes),
 * when it is whole: it decodes into OUT (NCOLS + 1 columns of NB_PACK_PART) as ascending
 * rids, its statistics are its values', and each value is one a record may hold; else -1.
 * (Its row's n, rid_lo and rid_hi are not asked: they are written again from its data.) */
static int part_whole(nb_store *s, const nb_kind *k, const void *data, size_t len,
                      const unsigned char *stats, int slen, int64_t **out)
{
    int field[NB_MAX_FIELDS];
    int ncols = nb_pack_columns(k, field, NULL);
    int n = decode(data, len, ncols + 1, out);
    if (n < 0 || (n > 0 && !stats_match(stats, slen, ncols, out + 1, n)))
        return -1;
    for (int r = 1; r < n; r++)
        if (out[0][r] <= out[0][r - 1])
            return -1;
    for (int c = 0; c < ncols; c++)
        for (int r = 0; r < n; r++)
            if (!valid_value(s, k, field, c, out[c + 1][r]))
                return -1;
    return n;
}

/* Appends V to the array *A of *N (room for *CAP, grown twice as large); -1 out of memory. */
static int push_i64(int64_t **a, size_t *n, size_t *cap, int64_t v)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        int64_t *more = realloc(*a, c * sizeof *more);
        if (!more)
            return -1;
        *a = more;
        *cap = c;
    }
    (*a)[(*n)++] = v;
    return 0;
}

/* Appends the four values V to the array *A of quadruples (*N in use, room for *CAP); 0,
 * or -1 when out of memory. */
static int push4(int64_t (**a)[4], size_t *n, size_t *cap, const int64_t v[4])
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        int64_t (*more)[4] = realloc(*a, c * sizeof *more);
        if (!more)
            return -1;
        *a = more;
        *cap = c;
    }
    memcpy((*a)[(*n)++], v, sizeof (*a)[0]);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The rids of K's records of BODY in its rows (ROWS) or in its parts, ascending, into a new
 * array *OUT of *N (the caller frees it). */
static nb_err body_rids(nb_store *s, const nb_kind *k, int64_t body, int rows, int64_t **out,
                        size_t *n, char *err, size_t errlen)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    nb_err rc = NB_OK;
    if (rows) {
        char q[160];
        snprintf(q, sizeof q, "SELECT rid FROM %s WHERE body = ?1", k->table);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
            return sql_fail(s, err, errlen);
        sqlite3_bind_int64(st, 1, body);
        int step;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (push_i64(out, n, &cap, sqlite3_column_int64(st, 0)) != 0)
                rc = nomem(err, errlen);
        }
        if (!rc && step != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_finalize(st);
        if (!rc && *n > 1)
            qsort(*out, *n, sizeof **out, cmp_i64);
        return rc;
    }
    nb_pack_cursor *c;
    if ((rc = nb_pack_open(s, k, body, &c, err, errlen)))
        return rc;
    const nb_pack_part *p;
    while (!rc && (rc = nb_pack_next(c, &p, err, errlen)) == NB_OK)
        for (int i = 0; !rc && i < p->n; i++)
            if (push_i64(out, n, &cap, p->rid[i]) != 0)
                rc = nomem(err, errlen);
    nb_pack_close(c);
    if (rc == NB_DONE && *n > 1) /* in rid order, whatever order the parts are in */
        qsort(*out, *n, sizeof **out, cmp_i64);
    return rc == NB_DONE ? NB_OK : rc;
}

/* Of K's records of BODY, removes those in its rows alone (their coded values are lost) and
 * those in its parts alone (their ids are), counting them in *LOST. */
static nb_err reconcile(nb_store *s, const nb_kind *k, int64_t body, long *lost, char *err,
                        size_t errlen)
{
    int64_t *row = NULL, *part = NULL;
    size_t nrow = 0, npart = 0;
    nb_err rc = body_rids(s, k, body, 1, &row, &nrow, err, errlen);
    if (!rc)
        rc = body_rids(s, k, body, 0, &part, &npart, err, errlen);
    sqlite3_stmt *del = NULL;
    char q[160];
    snprintf(q, sizeof q, "DELETE FROM %s WHERE body = ?1 AND rid = ?2", k->table);
    size_t i = 0, j = 0;
    while (!rc && (i < nrow || j < npart)) {
        if (i < nrow && j < npart && row[i] == part[j]) {
            i++, j++;
        } else if (j == npart || (i < nrow && row[i] < part[j])) { /* in the rows alone */
            if (!del && sqlite3_prepare_v2(s->db, q, -1, &del, NULL) != SQLITE_OK) {
                rc = sql_fail(s, err, errlen);
                break;
            }
            sqlite3_bind_int64(del, 1, body);
            sqlite3_bind_int64(del, 2, row[i++]);
            if (sqlite3_step(del) != SQLITE_DONE)
                rc = sql_fail(s, err, errlen);
            sqlite3_reset(del);
            (*lost)++;
        } else { /* in the parts alone */
            rc = nb_pack_remove(s, k, body, part[j++], err, errlen);
            (*lost)++;
        }
    }
    sqlite3_finalize(del);
    free(row);
    free(part);
    return rc;
}

nb_err nb_pack_drop_damaged(nb_store *s, long *lost, char *err, size_t errlen)
{
    *lost = 0;
    int version = nb_store_version(s);
    nb_err rc = NB_OK;
    for (int i = 0; !rc && i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        if (k->since > version || nb_store_wide(s, k))
            continue;
        int ncols = nb_pack_columns(k, NULL, NULL);
        int64_t *tmp = malloc((size_t)NB_PACK_PART * (size_t)(ncols + 1) * sizeof *tmp);
        int64_t *out[NB_MAX_FIELDS + 1];
        for (int c = 0; tmp && c <= ncols; c++)
            out[c] = tmp + (size_t)c * NB_PACK_PART;
        sqlite3_stmt *st;
        if (!tmp)
            return nomem(err, errlen);
        if (sqlite3_prepare_v2(s->db, "SELECT rowid, body, rid_lo, rid_hi, n, data, stats FROM pack "
                                      "WHERE kind = ?1", -1, &st, NULL) != SQLITE_OK) {
            free(tmp);
            return sql_fail(s, err, errlen);
        }
        sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
        int64_t (*bad)[4] = NULL; /* rowid, body, rid_lo, rid_hi of each damaged part */
        int64_t (*fix)[4] = NULL; /* rowid, rid_lo, rid_hi, n of each part to correct */
        size_t nbad = 0, cap = 0, nfix = 0, fcap = 0;
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            int n = part_whole(s, k, sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5),
                               sqlite3_column_blob(st, 6), sqlite3_column_bytes(st, 6), out);
            if (n > 0 && (out[0][0] != sqlite3_column_int64(st, 2) ||
                          out[0][n - 1] != sqlite3_column_int64(st, 3) ||
                          n != sqlite3_column_int(st, 4))) {
                /* whole, its row's range or count wrong: written again from its data */
                const int64_t v[4] = {sqlite3_column_int64(st, 0), out[0][0], out[0][n - 1], n};
                if (push4(&fix, &nfix, &fcap, v) != 0) {
                    rc = nomem(err, errlen);
                    break;
                }
                continue;
            }
            if (n >= 0)
                continue;
            const int64_t v[4] = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                  sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
            if (push4(&bad, &nbad, &cap, v) != 0) {
                rc = nomem(err, errlen);
                break;
            }
        }
        if (!rc && step != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_finalize(st);
        free(tmp);
        /* a damaged part goes alone: its records, whatever its row says their rids are,
           are then in their body's rows alone, and removed from them below */
        sqlite3_stmt *part = NULL, *put = NULL;
        if (!rc && (nbad || nfix) &&
            (sqlite3_prepare_v2(s->db, "DELETE FROM pack WHERE rowid = ?1", -1, &part, NULL) !=
                 SQLITE_OK ||
             sqlite3_prepare_v2(s->db, "UPDATE OR FAIL pack SET rid_lo = ?2, rid_hi = ?3, n = ?4 "
                                       "WHERE rowid = ?1", -1, &put, NULL) != SQLITE_OK))
            rc = sql_fail(s, err, errlen);
        for (size_t b = 0; !rc && b < nbad; b++) {
            cache_drop(s, i, bad[b][1]);
            sqlite3_bind_int64(part, 1, bad[b][0]);
            if (sqlite3_step(part) != SQLITE_DONE)
                rc = sql_fail(s, err, errlen);
            sqlite3_reset(part);
        }
        for (size_t f = 0; !rc && f < nfix; f++) {
            for (int c = 0; c < 4; c++)
                sqlite3_bind_int64(put, c + 1, fix[f][c]);
            if (sqlite3_step(put) != SQLITE_DONE)
                rc = sql_fail(s, err, errlen);
            sqlite3_reset(put);
        }
        for (int c = 0; nfix && s->pack && c < s->pack->npc;) /* the kind's parts read */
            if (s->pack->pc[c].kind == i)
                cache_evict(s->pack, c);
            else
                c++;
        sqlite3_finalize(part);
        sqlite3_finalize(put);
        free(bad);
        free(fix);
        /* then the records in the rows alone or in the parts alone, body by body */
        char bq[256];
        snprintf(bq, sizeof bq, "SELECT DISTINCT body FROM %s UNION SELECT DISTINCT body FROM pack "
                                "WHERE kind = ?1", k->table);
        if (!rc && sqlite3_prepare_v2(s->db, bq, -1, &st, NULL) != SQLITE_OK)
            rc = sql_fail(s, err, errlen);
        if (!rc) {
            sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
            int64_t *bodies = NULL;
            size_t nb = 0, bcap = 0;
            while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
                if (push_i64(&bodies, &nb, &bcap, sqlite3_column_int64(st, 0)) != 0)
                    rc = nomem(err, errlen);
            if (!rc && step != SQLITE_DONE)
                rc = sql_fail(s, err, errlen);
            sqlite3_finalize(st);
            for (size_t b = 0; !rc && b < nb; b++)
                rc = reconcile(s, k, bodies[b], lost, err, errlen);
            free(bodies);
        }
    }
    return rc;
}

nb_err nb_pack_rebuild_all(nb_store *s, char *err, size_t errlen)
{
    int version = nb_store_version(s);
    nb_err rc = NB_OK;
    for (int i = 0; !rc && i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        if (k->since > version)
            continue;
        int wide = nb_store_wide(s, k);
        char q[256];
        sqlite3_stmt *st;
        if (wide) { /* made again from the rows */
            sqlite3_stmt *del;
            if (sqlite3_prepare_v2(s->db, "DELETE FROM pack WHERE kind = ?1", -1, &del, NULL) !=
                SQLITE_OK)
                return sql_fail(s, err, errlen);
            sqlite3_bind_text(del, 1, k->name, -1, SQLITE_STATIC);
            int step = sqlite3_step(del);
            sqlite3_finalize(del);
            if (step != SQLITE_DONE)
                return sql_fail(s, err, errlen);
            snprintf(q, sizeof q, "SELECT DISTINCT body FROM %s", k->table);
        } else { /* the parts are the values' only copy: merged into full ones */
            snprintf(q, sizeof q, "SELECT DISTINCT body FROM pack WHERE kind = '%s'", k->name);
        }
        if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
            return sql_fail(s, err, errlen);
        int step;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t body = sqlite3_column_int64(st, 0);
            dirty *e = wide ? NULL : entry(s, k, body);
            if (wide) {
                rc = nb_pack_touch(s, k, body, 0, err, errlen);
            } else if (!e) {
                rc = nomem(err, errlen);
            } else {
                e->spilled = 1; /* every part decoded and written again, merged */
                e->every = 1;
                e->tail = 1;
            }
        }
        if (!rc && step != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_finalize(st);
    }
    if (rc) {
        nb_pack_forget(s);
        return rc;
    }
    return sync(s, 0, err, errlen);
}

/* ---- readers ---- */

/* The stats of packed column COL in a part's stats blob S of LEN bytes: its smallest
 * value that is not 0 and its largest. 0 when the blob has no such column. */
static int part_range(const unsigned char *s, int len, int col, int64_t *lo, int64_t *hi)
{
    if (!s || len < (col + 1) * 16)
        return 0;
    *lo = (int64_t)get_u64(s + col * 16, 8);
    *hi = (int64_t)get_u64(s + col * 16 + 8, 8);
    return 1;
}

/* The number of 0 values of packed column COL in a part's stats blob S of LEN bytes, of
 * NCOLS packed columns: 1, or 0 when the blob does not hold them (written before). */
static int part_zeros(const unsigned char *s, int len, int ncols, int col, int64_t *zeros)
{
    if (!s || len < ncols * STATS_COL || col >= ncols)
        return 0;
    *zeros = (int64_t)get_u64(s + (size_t)ncols * 16 + (size_t)col * 8, 8);
    return 1;
}

/* Whether the stats blob S (LEN bytes) of NCOLS columns are those of the values
 * COL[c][0..N): the blob a part written now has, or one written before (16 bytes a
 * column: the smallest value that is not 0 and the largest alone). */
static int stats_match(const unsigned char *s, int len, int ncols, int64_t *const *col, int n)
{
    if (!s || (len != ncols * 16 && len != ncols * STATS_COL))
        return 0;
    for (int c = 0; c < ncols; c++) {
        int64_t mn, mx, nz, z, lo, hi, sz;
        column_stats(col[c], n, &mn, &mx, &nz, &z);
        if (!part_range(s, len, c, &lo, &hi) || lo != nz || hi != mx)
            return 0;
        if (part_zeros(s, len, ncols, c, &sz) && sz != z)
            return 0;
    }
    return 1;
}

/* A part that does not decode: NB_ERR_NOSTORE, naming the repair: 'init --repack' while
 * the rows hold the values too (nb_store_wide), else the body's records imported again
 * (the parts were their coded values' only copy). */
nb_err nb_pack_damaged(nb_store *s, const nb_kind *k, int64_t body, char *err, size_t errlen)
{
    if (nb_store_wide(s, k))
        snprintf(err, errlen,
                 "%s: damaged packed columns of %s (body %lld): 'nianbao init --repack' makes "
                 "them again from the records",
                 s->path, k->name, (long long)body);
    else
        snprintf(err, errlen,
                 "%s: damaged packed columns of %s (body %lld): the coded values of the records "
                 "they held are lost; 'nianbao init --repack' removes them with those records, "
                 "then import the body's files again",
                 s->path, k->name, (long long)body);
    return NB_ERR_NOSTORE;
}

/* Records a cursor decodes at a time once told (nb_pack_slices): the wanted columns of a
 * part are read a slice at a time into the same few pages (at 1e7 a report's parts were
 * 8,192 records of each column, whose pages, first written, were some 25 of its 370 page
 * faults), which stay in the cache for the loop that reads them. */
#define SLICE 1024

struct nb_pack_cursor {
    nb_store *s;
    sqlite3_stmt *st;
    const char *sql; /* ST's text: its key among the store's kept statements */
    nb_pack_part part;
    int64_t *mem;
    int sliced;                    /* nb_pack_slices: a part comes a slice at a time */
    int slice;                     /* records decoded at a time (0: not yet chosen) */
    const nb_kind *k;
    int check;                     /* the stats must be what the data holds (verify) */
    int window, wopen, wclose;     /* nb_pack_window: its columns */
    int64_t lo, hi;
    unsigned char want[NB_MAX_FIELDS]; /* nb_pack_want: the columns decoded (all: 1) */
    layout lay;                    /* the part being read: its records from AT on are next */
    uint64_t at;
};

nb_err nb_pack_open(nb_store *s, const nb_kind *k, int64_t body, nb_pack_cursor **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    nb_pack_cursor *c = calloc(1, sizeof *c);
    if (!c)
        return nomem(err, errlen);
    int ncols = nb_pack_columns(k, NULL, NULL);
    c->s = s;
    c->k = k;
    c->part.ncols = ncols;
    for (int i = 0; i < ncols; i++)
        c->want[i] = 1;
    /* the stats before the data: a part the window leaves is not read past its stats */
    c->sql = body ? "SELECT body, stats, data FROM pack WHERE kind = ?1 AND body = ?2 ORDER BY rid_lo"
                  : "SELECT body, stats, data FROM pack WHERE kind = ?1 ORDER BY body, rid_lo";
    /* kept for the next cursor: a report opens one for each of its cubes */
    if (!(c->st = nb_store_stmt(s, c->sql))) {
        nb_err rc = sql_fail(s, err, errlen);
        nb_pack_close(c);
        return rc;
    }
    sqlite3_bind_text(c->st, 1, k->name, -1, SQLITE_STATIC);
    if (body)
        sqlite3_bind_int64(c->st, 2, body);
    *out = c;
    return NB_OK;
}

void nb_pack_window(nb_pack_cursor *c, int open, int close, int64_t lo, int64_t hi)
{
    c->window = 1;
    c->wopen = open, c->wclose = close;
    c->lo = lo, c->hi = hi;
}

void nb_pack_slices(nb_pack_cursor *c)
{
    if (!c->mem)
        c->sliced = 1;
}

void nb_pack_want(nb_pack_cursor *c, const int *cols, int n)
{
    memset(c->want, 0, sizeof c->want);
    for (int i = 0; i < n; i++)
        if (cols[i] >= 0 && cols[i] < c->part.ncols)
            c->want[cols[i]] = 1;
}

/* Whether the window of C leaves the part of stats S (LEN bytes) out: every record of it
 * opened on or after its end, or every one closed (not 0) before its start. */
static int outside(const nb_pack_cursor *c, const unsigned char *s, int len)
{
    int64_t lo, hi, zeros;
    int ncols = c->part.ncols;
    if (part_zeros(s, len, ncols, c->wopen, &zeros) && zeros == 0 &&
        part_range(s, len, c->wopen, &lo, &hi) && lo >= c->hi)
        return 1;
    if (part_zeros(s, len, ncols, c->wclose, &zeros) && zeros == 0 &&
        part_range(s, len, c->wclose, &lo, &hi) && hi < c->lo)
        return 1;
    return 0;
}

/* Whether a part's stats S (LEN bytes) put every one of its records in C's window: every
 * OPEN before HI (0 too), and every CLOSE 0 or on or after LO (the stats' smallest one not
 * 0, which is 0 only when every CLOSE is). 0 when they cannot tell. */
static int inside(const nb_pack_cursor *c, const unsigned char *s, int len)
{
    int64_t olo, ohi, clo, chi;
    return part_range(s, len, c->wopen, &olo, &ohi) && ohi < c->hi &&
           part_range(s, len, c->wclose, &clo, &chi) && (clo == 0 || clo >= c->lo);
}

/* Room for a slice of every column (a whole part unless sliced; a check's always: its
 * stats are of the whole), made at the first read. */
static nb_err cursor_mem(nb_pack_cursor *c, char *err, size_t errlen)
{
    int slice = c->sliced && !c->check ? SLICE : NB_PACK_PART;
    if (!(c->mem = malloc((size_t)slice * (size_t)(c->part.ncols + 1) * sizeof *c->mem)))
        return nomem(err, errlen);
    c->slice = slice;
    c->part.rid = c->mem;
    for (int i = 0; i < c->part.ncols; i++)
        c->part.col[i] = c->mem + (size_t)(i + 1) * (size_t)slice;
    return NB_OK;
}

nb_err nb_pack_next(nb_pack_cursor *c, const nb_pack_part **part, char *err, size_t errlen)
{
    *part = NULL;
    nb_err rc;
    if (!c->mem && (rc = cursor_mem(c, err, errlen)) != NB_OK)
        return rc;
    while (c->at >= c->lay.n) { /* the part read to its end: the next */
        int step = sqlite3_step(c->st);
        if (step == SQLITE_DONE)
            return NB_DONE;
        if (step != SQLITE_ROW)
            return sql_fail(c->s, err, errlen);
        c->part.body = sqlite3_column_int64(c->st, 0);
        if (c->window && outside(c, sqlite3_column_blob(c->st, 1), sqlite3_column_bytes(c->st, 1))) {
            parts_skipped++;
            continue;
        }
        c->part.in_window = c->window && inside(c, sqlite3_column_blob(c->st, 1),
                                                 sqlite3_column_bytes(c->st, 1));
        const void *data = sqlite3_column_blob(c->st, 2);
        c->lay.n = 0;
        c->at = 0;
        if (parse(data, (size_t)sqlite3_column_bytes(c->st, 2), c->part.ncols + 1, &c->lay) < 0)
            return nb_pack_damaged(c->s, c->k, c->part.body, err, errlen);
        if (c->lay.n == 0) { /* no records: the part is seen, empty */
            c->part.n = 0;
            *part = &c->part;
            return NB_OK;
        }
    }
    /* the next slice of the part (valid while the statement stays on its row) */
    int64_t *cols[NB_MAX_FIELDS + 1];
    cols[0] = c->part.rid;
    for (int i = 0; i < c->part.ncols; i++)
        cols[i + 1] = c->want[i] ? c->part.col[i] : NULL;
    uint64_t i0 = c->at, i1 = c->lay.n - i0 > (uint64_t)c->slice ? i0 + (uint64_t)c->slice : c->lay.n;
    unpack(&c->lay, i0, i1, cols, i0 ? c->part.rid[c->part.n - 1] : 0);
    c->at = i1;
    c->part.n = (int)(i1 - i0);
    if (c->check && !stats_match(sqlite3_column_blob(c->st, 1), sqlite3_column_bytes(c->st, 1),
                                 c->part.ncols, c->part.col, c->part.n))
        return nb_pack_damaged(c->s, c->k, c->part.body, err, errlen);
    *part = &c->part;
    return NB_OK;
}

void nb_pack_close(nb_pack_cursor *c)
{
    if (!c)
        return;
    nb_store_stmt_give(c->s, c->sql, c->st);
    free(c->mem);
    free(c);
}

void nb_pack_abandon(nb_pack_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    free(c->mem);
    free(c);
}

nb_err nb_pack_range(nb_store *s, const nb_kind *k, int64_t body, int col, int64_t *lo,
                     int64_t *hi, char *err, size_t errlen)
{
    *lo = *hi = 0;
    sqlite3_stmt *st;
    const char *q = body ? "SELECT stats FROM pack WHERE kind = ?1 AND body = ?2"
                         : "SELECT stats FROM pack WHERE kind = ?1";
    if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    if (body)
        sqlite3_bind_int64(st, 2, body);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t nz, mx;
        if (!part_range(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), col, &nz, &mx))
            continue;
        if (nz != 0 && (*lo == 0 || nz < *lo))
            *lo = nz;
        if (mx > *hi)
            *hi = mx;
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? NB_OK : sql_fail(s, err, errlen);
}

nb_err nb_pack_bodies(nb_store *s, const nb_kind *k, int col, nb_pack_body_fn fn, void *ud,
                      char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT body, n, stats FROM pack WHERE kind = ?1 ORDER BY body",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, err, errlen);
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    int64_t body = 0, lo = 0, hi = 0;
    long n = 0;
    int step, stop = 0;
    while (!stop && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(st, 0);
        if (b != body && n > 0)
            stop = fn(ud, body, n, lo, hi);
        if (b != body)
            body = b, n = 0, lo = hi = 0;
        n += (long)sqlite3_column_int64(st, 1);
        int64_t nz, mx;
        if (!part_range(sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), col, &nz, &mx))
            continue;
        if (nz != 0 && (lo == 0 || nz < lo))
            lo = nz;
        if (mx > hi)
            hi = mx;
    }
    if (!stop && step == SQLITE_DONE && n > 0)
        fn(ud, body, n, lo, hi);
    sqlite3_finalize(st);
    return stop || step == SQLITE_DONE ? NB_OK : sql_fail(s, err, errlen);
}

/* The day code of 1 January of Y, for 1901 <= Y <= 2100 (every fourth year a leap year
 * there: 1900 was not, 2000 was, 2100 is not but ends the range). */
static int64_t year_start(int y)
{
    return 1 + 365 * (int64_t)(y - 1900) + (y - 1901) / 4;
}

int nb_pack_year_of_day(int64_t d)
{
    /* by arithmetic, not the calendar's divisions: records in no date order met a new
       year at nearly every row, and "which years" of a body at 1e7 spent most of its
       time converting (nb_pack_years) */
    if (d >= year_start(1901) && d < year_start(2100)) {
        int y = 1900 + (int)((d - 1) / 366); /* a year has 366 days at most: not past it */
        while (year_start(y + 1) <= d)
            y++;
        return y;
    }
    return nb_pack_ymd(d) / 10000;
}

/* A part's stats give its first and last dates, whose years it holds; it is decoded only
 * when a year between those two has not been seen yet. A body's records in date order
 * (each part within a year or two) are then never decoded, and a report's "which years
 * are held" does not read the body's history (at 1e7, 7.6 ms to 0.4 ms by hand). */
nb_err nb_pack_years(nb_store *s, const nb_kind *k, int64_t body, int col, unsigned char *seen,
                     char *err, size_t errlen)
{
    int ncols = nb_pack_columns(k, NULL, NULL);
    int64_t *mem = NULL;
    sqlite3_stmt *st = NULL, *part = NULL;
    /* the stats alone (a result column is read even when the caller does not ask for
       it): a part's data is read only when it is decoded */
    static const char q_stats[] = "SELECT rowid, stats FROM pack WHERE kind = ?1 AND body = ?2 "
                                  "ORDER BY rid_lo",
                      q_part[] = "SELECT data FROM pack WHERE rowid = ?1";
    /* kept for the next kind and body: a report asks every kind (a regeneration, every body) */
    if (!(st = nb_store_stmt(s, q_stats)) || !(part = nb_store_stmt(s, q_part))) {
        nb_err rc = sql_fail(s, err, errlen);
        nb_store_stmt_give(s, q_stats, st);
        return rc;
    }
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, body);
    int64_t *cols[NB_MAX_FIELDS + 1];
    nb_err rc = NB_OK;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t first, last;
        if (part_range(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), col, &first, &last)) {
            if (first == 0)
                continue; /* no date in the part */
            /* its first and last dates are records' own: their years are held; only a
               year between them may or may not be */
            int ylo = nb_pack_year_of_day(first), yhi = nb_pack_year_of_day(last), all = ylo >= 1900 && yhi <= 9999;
            if (all)
                seen[ylo - 1900] = seen[yhi - 1900] = 1;
            for (int y = ylo + 1; all && y < yhi; y++)
                all = seen[y - 1900];
            if (all)
                continue;
        }
        if (!mem) { /* the period column alone is decoded */
            if (!(mem = malloc((size_t)NB_PACK_PART * sizeof *mem))) {
                rc = nomem(err, errlen);
                break;
            }
            for (int i = 0; i <= ncols; i++)
                cols[i] = i == col + 1 ? mem : NULL;
        }
        sqlite3_reset(part);
        sqlite3_bind_int64(part, 1, sqlite3_column_int64(st, 0));
        if (sqlite3_step(part) != SQLITE_ROW) {
            rc = sql_fail(s, err, errlen);
            break;
        }
        int n = decode(sqlite3_column_blob(part, 0), (size_t)sqlite3_column_bytes(part, 0), ncols + 1,
                       cols);
        if (n < 0) {
            rc = nb_pack_damaged(s, k, body, err, errlen);
            break;
        }
        for (int i = 0; i < n; i++) {
            int64_t d = cols[col + 1][i];
            if (d == 0)
                continue;
            int year = nb_pack_year_of_day(d);
            if (year >= 1900 && year <= 9999)
                seen[year - 1900] = 1;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = sql_fail(s, err, errlen);
    nb_store_stmt_give(s, q_stats, st);
    nb_store_stmt_give(s, q_part, part);
    free(mem);
    return rc;
}

/* ---- verification ---- */

/* 1 when the parts of (K, BODY) hold exactly the rows' records, in rid order. */
/* 1 when V is a value packed column C of K may hold (FIELD[C] the field): a number not
 * negative; a required date or category not empty (0); a date a day; a category a value
 * of the store's dictionary (of the field's national one when it has one). */
static int valid_value(nb_store *s, const nb_kind *k, const int *field, int c, int64_t v)
{
    const nb_field *f = &k->fields[field[c]];
    if (f->type == NB_F_INT || f->type == NB_F_MONEY)
        return v >= 0;
    if (v == 0)
        return !f->required;
    switch (f->type) {
    case NB_F_DATE: {
        int ymd = nb_pack_ymd(v);
        return ymd > 0 && nb_pack_day(ymd) == v;
    }
    case NB_F_CAT:
        return v > 0 && v < s->ncodes && s->code_of[v] &&
               (!f->dict || (s->dict_of[v] && strcmp(s->dict_of[v], f->dict) == 0));
    default:
        return v > 0;
    }
}

/* Compares BODY's parts of K with its rows: *WHAT NULL when they match, else what is wrong. */
static nb_err same_body(nb_store *s, const nb_kind *k, int64_t body, const char **what,
                        char *err, size_t errlen)
{
    int field[NB_MAX_FIELDS];
    int npacked = nb_pack_columns(k, field, NULL);
    int ncols = nb_store_wide(s, k) ? npacked : 0; /* the rows' values compared too */
    sqlite3_stmt *rows;
    nb_err src = select_packed(s, k, body, 0, &rows, err, errlen);
    if (src)
        return src;
    nb_pack_cursor *cur;
    nb_err rc = nb_pack_open(s, k, body, &cur, err, errlen);
    if (!rc)
        cur->check = 1; /* a part whose stats are not its values' is wrong too */
    const nb_pack_part *p = NULL;
    int at = 0, step;
    *what = NULL;
    while (!rc && !*what) {
        while (!rc && (!p || at == p->n)) {
            rc = nb_pack_next(cur, &p, err, errlen);
            at = 0;
            if (rc == NB_DONE || rc == NB_ERR_NOSTORE) { /* the end, or a damaged part */
                if (rc == NB_ERR_NOSTORE)
                    *what = "a part does not decode, or its statistics are not its values'";
                p = NULL;
                rc = NB_OK;
                break;
            }
        }
        if (*what || rc)
            break;
        step = sqlite3_step(rows);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = sql_fail(s, err, errlen);
            break;
        }
        if (step == SQLITE_DONE || !p) {
            if (step != SQLITE_DONE || p)
                *what = "a record is in the rows and not in the parts, or in the parts alone";
            break;
        }
        if (p->rid[at] != sqlite3_column_int64(rows, 0)) {
            *what = "a record is in the rows and not in the parts, or in the parts alone";
            break;
        }
        for (int c = 0; !*what && c < npacked; c++)
            if (!valid_value(s, k, field, c, p->col[c][at]))
                *what = "a value no record may hold (a date that is no day, a category the "
                        "dictionary lacks, a required one empty)";
        for (int c = 0; !*what && c < ncols; c++) {
            int64_t x = sqlite3_column_int64(rows, c + 1);
            if (k->fields[field[c]].type == NB_F_DATE)
                x = nb_pack_day((int)x);
            if (p->col[c][at] != x)
                *what = "a value differs from the rows'";
        }
        at++;
    }
    sqlite3_finalize(rows);
    nb_pack_close(cur);
    return rc;
}

/* The bodies of K with a part whose row's rid range or count is not what its data holds,
 * into a new array *OUT of *N (a part that does not decode is same_body's to find). */
static nb_err rows_of_parts(nb_store *s, const nb_kind *k, int64_t **out, size_t *n, char *err,
                            size_t errlen)
{
    int ncols = nb_pack_columns(k, NULL, NULL);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int64_t *tmp = malloc((size_t)NB_PACK_PART * (size_t)(ncols + 1) * sizeof *tmp);
    int64_t *cols[NB_MAX_FIELDS + 1];
    for (int c = 0; tmp && c <= ncols; c++)
        cols[c] = tmp + (size_t)c * NB_PACK_PART;
    sqlite3_stmt *st;
    if (!tmp)
        return nomem(err, errlen);
    if (sqlite3_prepare_v2(s->db, "SELECT body, rid_lo, rid_hi, n, data FROM pack WHERE kind = ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        free(tmp);
        return sql_fail(s, err, errlen);
    }
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    nb_err rc = NB_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int got = decode(sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
                         ncols + 1, cols);
        if (got < 0 || (got == sqlite3_column_int(st, 3) &&
                        (got == 0 || (cols[0][0] == sqlite3_column_int64(st, 1) &&
                                      cols[0][got - 1] == sqlite3_column_int64(st, 2)))))
            continue;
        if (push_i64(out, n, &cap, sqlite3_column_int64(st, 0)) != 0) {
            rc = nomem(err, errlen);
            break;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = sql_fail(s, err, errlen);
    sqlite3_finalize(st);
    free(tmp);
    return rc;
}

nb_err nb_pack_verify(nb_store *s, long *bad, char *why, size_t whylen, char *err,
                      size_t errlen)
{
    *bad = 0;
    if (whylen)
        why[0] = '\0';
    int version = nb_store_version(s);
    nb_err rc = NB_OK;
    for (int i = 0; !rc && i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        if (k->since > version)
            continue;
        char q[256];
        snprintf(q, sizeof q,
                 "SELECT DISTINCT body FROM %s UNION SELECT DISTINCT body FROM pack WHERE kind = ?1",
                 k->table);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
            return sql_fail(s, err, errlen);
        sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
        int64_t *wrong = NULL;
        size_t nwrong = 0;
        rc = rows_of_parts(s, k, &wrong, &nwrong, err, errlen);
        int step = SQLITE_DONE;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t body = sqlite3_column_int64(st, 0);
            const char *what = NULL;
            for (size_t w = 0; w < nwrong && !what; w++)
                if (wrong[w] == body)
                    what = "a part's rid range or count in its row is not what its data holds";
            if (!what)
                rc = same_body(s, k, body, &what, err, errlen);
            if (!rc && what) {
                if (*bad == 0 && whylen)
                    snprintf(why, whylen, "the packed %s records of body %lld do not match the "
                                          "rows: %s", k->name, (long long)body, what);
                (*bad)++;
            }
        }
        if (!rc && step != SQLITE_DONE)
            rc = sql_fail(s, err, errlen);
        sqlite3_finalize(st);
        free(wrong);
    }
    return rc;
}
