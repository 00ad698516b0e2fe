/* import.c - one file of records in, all rows or none written. */
#include "import.h"

#include "pack.h"

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bodies.h"
#include "coder.h"
#include "codes.h"
#include "hash.h"
#include "reader.h"
#include "writer.h"

/* Where the rows of one body go: the body, its source record and its writer. */
typedef struct {
    char *name;
    int64_t body_id, src_id;
    nb_writer *writer;
    nb_buf last_id;       /* the greatest id of the body's rows so far */
    long brought;         /* its rows in the file, stored: new, updated or found unchanged */
    long in_year;         /* of them, those of the year --year declares (by the kind's period) */
    char *failed;         /* why the body could not be made ready (its rows are refused), or NULL */
    int idless_checked;   /* a file with ids: its first row without one looked for a copy */
} target;

typedef struct {
    nb_store *s;
    const nb_import_opts *o;
    const nb_kind *k;
    nb_import_stats *st;
    nb_reader *r;
    nb_coder *coder;
    char canonical[PATH_MAX]; /* the file's canonical path: its identity */
    char digest[NB_HASH_HEX]; /* its content's SHA-256, for a kind whose id is optional */
    int fatal;                /* an error of the file, not of a row (a copy of another file) */
    int body_col;         /* the file's body column, -1: every row is --body's */
    target *targets;      /* the bodies met, in order */
    int ntargets;
    nb_strmap target_idx; /* body name -> index into targets */
    /* Ids of refused rows (body, unit separator, id -> line), at most REFUSED_IDS:
       the rows the file brought are in the store, found there, but these are not. */
    nb_strmap refused_ids;
    long nrefused_ids;
    unsigned char *seen;  /* the file's ids so far, as a Bloom filter (seen_bits) */
    size_t seen_bits;     /* its size, a power of 2 (seen_size) */
    long long file_bytes; /* the file's size (-1: not known) */
    unsigned char *seen_next; /* a block whose bits are set at the next call */
    uint64_t seen_next_bits;
    nb_buf raw;           /* the row's raw values that differ from what it stores */
    /* Rows found unchanged from an earlier import of this file, by rid: they keep
       that import's source, so the removal of its rows passes over them. */
    unsigned char *kept;
    size_t kept_len;      /* bytes */
    nb_async *async;      /* the writers' batches are stepped in its thread (NULL: here) */
    nb_write_fail fail;   /* a group that failed there */
    /* the queue of the bodies new to the kind, made at the first: one queue and one
       group's buffers however many bodies the file interleaves (by hand, 1e6 rows over
       800 bodies took 383 MB with a queue and a statement of each body's own) */
    nb_batch *batch;
    int nlooked_up;       /* targets whose bodies had rows of the kind (fit_cache) */
    /* the coded fields the file has no column for, of which a body it writes has records
       with values: the records it updates have none now (lost_fields) */
    unsigned char lost[NB_MAX_FIELDS];
    int cache_kb;         /* SQLite's page cache as fit_cache set it (0: as it was) */
    long cache_base_kb;   /* the connection's own, at the import's start (never less) */
} import_state;

/* SQLite's page cache while the file's bodies are written: each body's rows go into the
 * (body, id) index at a place of its own, so a file that interleaves many bodies touches
 * a leaf of each at every batch. The cache keeps one for every body met, up to
 * CACHE_MAX_KB (by hand, 1e6 rows over 800 bodies: 6.0 s with SQLite's 2 MB, 2.0 s with
 * 16 MB; one body: 2 MB, as before). A body that has rows has them looked up, each
 * through its leaf of the index, while the pages the rows' updates change stay in the
 * cache until the commit or until they take nine tenths of it (SQLite reuses the pages
 * it read first): such a body keeps room for its leaf in that last tenth (by hand, 1e6
 * rows of 100 bodies re-imported: 570,000 leaves read again with 4 MB, 5.7 s; 4,500
 * pages read in all with 18 MB, 3.3 s). */
#define CACHE_BASE_KB 2000
#define CACHE_PER_BODY_KB 20
#define CACHE_PER_LOOKED_UP_KB 160
#define CACHE_MAX_KB (24 * 1024)

/* ---- rows kept as they were ---- */

/* Rids at or above this are written even when unchanged: the map of kept rows
 * stays under 16 MB. */
#define KEPT_MAX ((int64_t)1 << 27)

/* Adds RID to the kept rows; -1 when it cannot be (out of memory, too large). */
static int keep(import_state *im, int64_t rid)
{
    if (rid <= 0 || rid >= KEPT_MAX)
        return -1;
    size_t byte = (size_t)(rid >> 3);
    if (byte >= im->kept_len) {
        size_t len = im->kept_len ? im->kept_len : 4096;
        while (len <= byte)
            len *= 2;
        unsigned char *more = realloc(im->kept, len);
        if (!more)
            return -1;
        memset(more + im->kept_len, 0, len - im->kept_len);
        im->kept = more;
        im->kept_len = len;
    }
    im->kept[byte] |= (unsigned char)(1u << (rid & 7));
    return 0;
}

/* Whether RID is one of the kept rows. */
static int is_kept(const import_state *im, int64_t rid)
{
    size_t byte = rid > 0 ? (size_t)(rid >> 3) : SIZE_MAX;
    return byte < im->kept_len && (im->kept[byte] >> (rid & 7) & 1);
}

/* SQL nb_kept(rid): 1 when the rid is one of the kept rows of the import running on the
 * store's connection (0 when none runs). */
static void kept_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const import_state *im = ((nb_store *)sqlite3_user_data(cx))->importing;
    sqlite3_result_int(cx, im && is_kept(im, sqlite3_value_int64(argv[0])));
}

/* Passes a diagnostic on to the caller, counting the problems. */
static void tell(void *ud, const nb_diag *d)
{
    import_state *im = ud;
    if (!d->note)
        im->st->problems++;
    if (im->o->diag)
        im->o->diag(im->o->diag_ud, d);
}

static void problem(import_state *im, long line, const char *field, const char *reason,
                    const char *value)
{
    nb_diag d = {im->o->path, line, field, reason, value, 0};
    tell(im, &d);
}

/* A note on the whole file: for information, not a reason to refuse it. */
static void note(import_state *im, const char *reason)
{
    nb_diag d = {im->o->path, 0, NULL, reason, NULL, 1};
    tell(im, &d);
}

/* ---- duplicate ids in the file ---- */

/* Refused rows whose ids are remembered: a later row with the same id is named a
 * duplicate of the first. Past this, a duplicate of a refused row goes unnamed
 * (the file is refused anyway). */
#define REFUSED_IDS 65536

/* The ids met in the file so far, as a Bloom filter: an id out of order that it
 * has surely not met is new, and the store is not asked. Its size follows the
 * file's: about 8 bits for every 32 bytes of the file (a row of requests takes
 * about 56 bytes of CSV, and of an XLSX's zip about 33), a power of 2 from 8 KiB
 * to 16 MiB. So a small file's filter stays in the processor's caches, and no
 * file takes more than 16 MiB (its pages touched as bits are set); past about ten
 * million ids it answers "maybe" more often, and the store is asked more often.
 * (A fixed 16 MiB filter cost an import of 1e6 rows about a tenth of its time in
 * cache misses, and an import of 100 files 16 MiB of fresh pages each.) */
#define SEEN_MIN_BITS ((size_t)1 << 16)
#define SEEN_MAX_BITS ((size_t)1 << 27)
#define SEEN_PROBES 6

/* The filter's size in bits for a file of BYTES (-1: not known, the largest). */
static size_t seen_size(long long bytes)
{
    if (bytes < 0)
        return SEEN_MAX_BITS;
    size_t bits = SEEN_MIN_BITS;
    while (bits < SEEN_MAX_BITS && (long long)(bits / 8) < bytes / 32)
        bits <<= 1;
    return bits;
}

static uint64_t id_hash(int64_t body, const char *id, size_t len)
{
    /* FNV-1a from a start of the body's own, then splitmix64's mix */
    uint64_t h = nb_fnv1a(NB_FNV1A_START ^ ((uint64_t)body * 0x9E3779B97F4A7C15u), id, len);
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBu;
    return h ^ (h >> 31);
}

/* The block of 64 bytes (one cache line) that holds the bits of hash H, and
 * those bits in it: one miss a row, not one a bit. */
static unsigned char *seen_block(const import_state *im, uint64_t h, uint64_t *bits)
{
    *bits = h >> 32 | h << 32;
    return im->seen + (size_t)(h & (im->seen_bits / 512 - 1)) * 64;
}

/* Sets BITS in BLOCK; 1 when they were all set already. */
static int seen_set(unsigned char *block, uint64_t bits)
{
    int all = 1;
    for (int k = 0; k < SEEN_PROBES; k++, bits >>= 9) {
        unsigned bit = (unsigned)(bits & 511);
        unsigned char m = (unsigned char)(1u << (bit & 7));
        if (!(block[bit >> 3] & m)) {
            all = 0;
            block[bit >> 3] |= m;
        }
    }
    return all;
}

/* Adds the id of hash H to those met. When it comes in order (LATER: the
 * answer is not needed), its block is fetched now and its bits set at the next
 * call, while the row is written: the miss is hidden. Returns 1 when it may
 * have been met before, 0 when surely not (or not asked), -1 out of memory. */
static int seen(import_state *im, uint64_t h, int later)
{
    if (!im->seen) {
        im->seen_bits = seen_size(im->file_bytes);
        /* aligned to its blocks, so that each block is one cache line */
        if (!(im->seen = aligned_alloc(64, im->seen_bits / 8)))
            return -1;
        memset(im->seen, 0, im->seen_bits / 8);
    }
    if (im->seen_next) {
        seen_set(im->seen_next, im->seen_next_bits);
        im->seen_next = NULL;
    }
    uint64_t bits;
    unsigned char *block = seen_block(im, h, &bits);
    if (!later)
        return seen_set(block, bits);
    __builtin_prefetch(block, 1);
    im->seen_next = block;
    im->seen_next_bits = bits;
    return 0;
}

/* The key of ID of BODY among the refused ids. */
static int refused_key(nb_buf *key, const char *body, const char *id)
{
    key->len = 0;
    return nb_buf_adds(key, body) | nb_buf_add(key, "\037", 1) | nb_buf_adds(key, id);
}

/* Ids are in order while each comes after the one before: shorter first, then
 * bytewise (so 9 before 10, and FILE:9 before FILE:10). */
static int after(const nb_buf *last, const char *id, size_t len)
{
    return !last->data || len > last->len ||
           (len == last->len && memcmp(id, last->data, len) > 0);
}

/* Whether ID (of BODY, at LINE; T its target, NULL when it has none yet) came
 * earlier in the file: 1 and *FIRST its line, or 0 and *RID the body's record
 * of that id (0: none). While a body's ids come in order none can repeat. An
 * id out of order that the filter of ids met may have met is looked up in the
 * store, where the file's rows so far are (written, or found unchanged): so the
 * memory used does not grow with the file. */
static nb_err check_id(import_state *im, target *t, const char *body, const char *id,
                       int64_t *rid, int64_t *first, int *dup, char *err, size_t errlen)
{
    *rid = 0;
    *dup = 0;
    size_t len = strlen(id);
    if (im->nrefused_ids) {
        nb_buf key = {0};
        int64_t *at = refused_key(&key, body, id) ? NULL : nb_strmap_get(&im->refused_ids, key.data);
        int nomem = !key.data;
        nb_buf_free(&key);
        if (nomem) {
            snprintf(err, errlen, "out of memory");
            return NB_ERR_NOMEM;
        }
        if (at) {
            *first = *at;
            *dup = 1;
            return NB_OK;
        }
    }
    if (!t)
        return NB_OK;
    int in_order = after(&t->last_id, id, len);
    int maybe = seen(im, id_hash(t->body_id, id, len), in_order);
    if (maybe < 0) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    if (in_order) {
        t->last_id.len = 0;
        if (nb_buf_add(&t->last_id, id, len)) {
            snprintf(err, errlen, "out of memory");
            return NB_ERR_NOMEM;
        }
        return nb_writer_find(t->writer, id, rid, err, errlen);
    }
    if (!maybe) /* out of order, but surely not met: no row of this file has it */
        return nb_writer_find(t->writer, id, rid, err, errlen);
    nb_err rc = nb_writer_lookup(t->writer, id, rid, err, errlen);
    int64_t src;
    long at;
    if (!rc && *rid && (nb_writer_found_at(t->writer, &src, &at), src == t->src_id ||
                        is_kept(im, *rid))) {
        *first = at;
        *dup = 1;
        *rid = 0;
    }
    return rc;
}

/* Remembers the id of a refused row (up to REFUSED_IDS). */
static nb_err refused_id(import_state *im, const char *body, const char *id, long line, char *err,
                         size_t errlen)
{
    if (im->nrefused_ids >= REFUSED_IDS)
        return NB_OK;
    nb_buf key = {0};
    int existed = 0;
    int bad = refused_key(&key, body, id) ||
              nb_strmap_put(&im->refused_ids, key.data, line, &existed, NULL) != 0;
    nb_buf_free(&key);
    if (bad) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    im->nrefused_ids += !existed;
    return NB_OK;
}

/* ---- bodies ---- */

/* The body of the row: its body column's, or --body's. Refuses (*BAD) a row without
 * one, a name that is not a body name, or one other than --body; NULL then. */
static const char *row_body(import_state *im, const nb_rec *rec, long line, int *bad)
{
    if (im->body_col < 0)
        return im->o->body;
    if (!*rec->body) {
        problem(im, line, "body", "missing value", NULL);
    } else if (!nb_body_name_ok(rec->body)) {
        problem(im, line, "body", "not a body name (blank, control characters, or over 200 bytes)",
                rec->body);
    } else if (im->o->body && strcmp(rec->body, im->o->body) != 0) {
        char why[512];
        snprintf(why, sizeof why, "not the body given with --body (%s)", im->o->body);
        problem(im, line, "body", why, rec->body);
    } else {
        return rec->body;
    }
    *bad = 1;
    return NULL;
}

/* The connection's PRAGMA NAME (cache_size, page_size), or DEF. */
static int pragma_int(nb_store *s, const char *name, int def)
{
    sqlite3_stmt *st;
    char q[64];
    snprintf(q, sizeof q, "PRAGMA %s", name);
    if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            def = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return def;
}

/* Grows the page cache for the bodies met, by a quarter at least (the pragma's cost). */
static void fit_cache(import_state *im)
{
    long want = CACHE_BASE_KB + (long)(im->ntargets - im->nlooked_up) * CACHE_PER_BODY_KB +
                (long)im->nlooked_up * CACHE_PER_LOOKED_UP_KB;
    if (want > CACHE_MAX_KB)
        want = CACHE_MAX_KB;
    if (want < (im->cache_kb ? im->cache_kb : im->cache_base_kb) * 5L / 4)
        return; /* a larger cache of the connection's own is kept */
    char q[64];
    snprintf(q, sizeof q, "PRAGMA cache_size = -%ld", want);
    if (sqlite3_exec(im->s->db, q, NULL, NULL, NULL) == SQLITE_OK)
        im->cache_kb = (int)want;
}

/* A file of this size or more (about a group of 4,096 rows) has its batches handed to an
 * idle helper as they fill (nb_batch_early): by hand, 100 files of 10,000 rows 0.91 ->
 * 0.77 s, one file of 1e6 rows 0.75 -> 0.70 s; a smaller file's rows are written faster
 * at its end, by the import's thread, than a batch at a time by a helper woken for each
 * (100 files of 1,000 rows 0.20 -> 0.23 s so). */
#define EARLY_BYTES ((long long)256 << 10)

/* The target of body NAME, made when first met: the body (created when new, under
 * --parent when given), its source record and its writer, inside the transaction. */
/* Marks in IM->lost the coded fields the file has no column for that records of T's body
 * (which has rows of the kind) have values in, by its parts' statistics: the records the
 * file updates lose them (a file without 办结日期 and 办理结果 re-imported made every
 * request open, silently). Read when the body is met, before the file writes it. */
static nb_err lost_fields(import_state *im, const target *t, char *err, size_t errlen)
{
    int col_of[NB_MAX_FIELDS];
    nb_pack_columns(im->k, NULL, col_of);
    for (int f = 0; f < im->k->nfields; f++) {
        if (im->lost[f] || col_of[f] < 0 || nb_coder_column(im->coder, f) >= 0)
            continue;
        int64_t lo, hi;
        nb_err rc = nb_pack_range(im->s, im->k, t->body_id, col_of[f], &lo, &hi, err, errlen);
        if (rc)
            return rc;
        im->lost[f] = lo != 0 || hi != 0;
    }
    return NB_OK;
}

/* The note of the fields the records the file updated lost (IM->lost), if any. */
static void note_lost(import_state *im)
{
    nb_buf names = {0};
    int bad = 0;
    for (int f = 0; f < im->k->nfields; f++) {
        if (!im->lost[f])
            continue;
        const nb_field *fd = &im->k->fields[f];
        const char *bar = fd->aliases ? strchr(fd->aliases, '|') : NULL;
        int alias_len = fd->aliases ? (int)(bar ? (size_t)(bar - fd->aliases) : strlen(fd->aliases)) : 0;
        bad |= nb_buf_printf(&names, "%s%s", names.len ? ", " : "", fd->name);
        if (alias_len)
            bad |= nb_buf_printf(&names, " (%.*s)", alias_len, fd->aliases);
    }
    if (names.len && !bad && im->st->updated > 0) {
        char whose[512], reason[2048];
        if (im->ntargets == 1)
            snprintf(whose, sizeof whose, "%s's records have", im->targets[0].name);
        else
            snprintf(whose, sizeof whose, "records of its bodies have");
        long n = im->st->updated;
        snprintf(reason, sizeof reason, "note: no column for %s, which %s: the %ld record%s it updated %s none now",
                 names.data, whose, n, n == 1 ? "" : "s",
                 im->o->dry_run ? (n == 1 ? "would have" : "would have") : (n == 1 ? "has" : "have"));
        note(im, reason);
    }
    nb_buf_free(&names);
}

/* The last part of PATH. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* PATH as a message says it: from the working folder when below it (HERE, HL: the folder
 * and its length, 0 when unknown), else whole. */
static const char *said_path(const char *path, const char *here, size_t hl)
{
    return hl > 1 && strncmp(path, here, hl) == 0 && path[hl] == '/' ? path + hl + 1 : path;
}

/* The working folder into HERE (PATH_MAX bytes): its length, 0 when unknown. */
static size_t working_folder(char *here)
{
    return getcwd(here, PATH_MAX) ? strlen(here) : 0;
}

/* Refuses a file whose rows are known by FILE:LINE (a kind whose id is optional, a file
 * without an id column; with one, IDLESS: its rows without an id) when
 * another file of the same content has its rows of body NAME still stored: imported from
 * another path, each would be stored again and counted twice (a copy in another folder,
 * the file saved again under another name). Not when --replace-all removes them, nor
 * --replace (a file of the same name). */
static nb_err refuse_twin(import_state *im, const target *t, const char *name, int idless,
                          char *err, size_t errlen)
{
    char other[PATH_MAX] = "", when[64] = "";
    long rows;
    nb_err rc = nb_store_source_twin(im->s, im->k->name, im->k->table, t->body_id, idless, im->digest,
                                     im->canonical, other, sizeof other, when, sizeof when,
                                     &rows, err, errlen);
    int same_name = strcmp(base_name(other), base_name(im->canonical)) == 0;
    if (rc || rows == 0 || im->o->replace == NB_REPLACE_ALL ||
        (im->o->replace == NB_REPLACE_SAME && same_name))
        return rc;
    char here[PATH_MAX];
    const char *said = said_path(other, here, working_folder(here));
    when[10] = '\0'; /* the day */
    im->fatal = 1;
    im->st->copy = 1;
    char how[300];
    if (same_name)
        snprintf(how, sizeof how, "--replace, which removes the rows of files of its name");
    else
        snprintf(how, sizeof how, "--replace-all, which removes %s's other %s rows", name,
                 im->k->name);
    snprintf(err, errlen,
             "%s: the same content as %s, imported %s, whose %ld %s row%s%s of %s %s stored: "
             "imported from another path %s would count twice; nothing imported (to put "
             "this file in its place: %s)",
             im->o->path, said, when, rows, im->k->name, rows == 1 ? "" : "s",
             idless ? " without an id" : "", name, rows == 1 ? "is" : "are",
             rows == 1 && idless ? "it" : "they", how);
    return NB_ERR_INPUT;
}

static nb_err target_of(import_state *im, const char *name, target **out, char *err,
                        size_t errlen)
{
    int64_t *idx = nb_strmap_get(&im->target_idx, name);
    if (idx) {
        *out = &im->targets[*idx];
        if (!im->targets[*idx].failed)
            return NB_OK;
        snprintf(err, errlen, "%s", im->targets[*idx].failed); /* as for its first row */
        return NB_ERR_INPUT;
    }
    nb_async_wait(im->async); /* the body's and source's rows: no group written meanwhile */
    target *nt = realloc(im->targets, (size_t)(im->ntargets + 1) * sizeof *nt);
    if (!nt || nb_strmap_put(&im->target_idx, name, im->ntargets, NULL, NULL) != 0) {
        if (nt)
            im->targets = nt;
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    im->targets = nt;
    target *t = &nt[im->ntargets++];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name))) {
        snprintf(err, errlen, "out of memory");
        t->failed = strdup(err);
        return NB_ERR_NOMEM;
    }
    const nb_import_opts *o = im->o;
    int created = 0;
    nb_err rc = nb_store_body(im->s, name, 1, &t->body_id, &created, err, errlen);
    if (!rc && created) {
        im->st->body_created++;
        if (o->created)
            o->created(o->created_ud, name);
    }
    if (!rc && o->parent) { /* a parent new to the store is said too (a name typed wrong) */
        created = 0;
        rc = nb_store_link_parent(im->s, name, o->parent, &created, err, errlen);
        if (!rc && created) {
            im->st->body_created++;
            if (o->created)
                o->created(o->created_ud, o->parent);
        }
    }
    if (!rc && im->digest[0] && nb_coder_column(im->coder, -1) < 0) { /* rows known by FILE:LINE */
        snprintf(im->st->digest, sizeof im->st->digest, "%s", im->digest);
        rc = refuse_twin(im, t, name, 0, err, errlen);
    }
    if (!rc)
        rc = nb_store_source(im->s, o->path, im->canonical, im->k->name, t->body_id,
                             nb_reader_encoding(im->r), nb_coder_header_text(im->coder),
                             &t->src_id, err, errlen);
    if (!rc && im->digest[0])
        rc = nb_store_source_digest(im->s, t->src_id, im->digest, err, errlen);
    if (!rc && !im->batch) {
        rc = nb_batch_new(im->s, im->k, o->path, &im->batch, err, errlen);
        if (!rc && im->file_bytes >= EARLY_BYTES)
            nb_batch_early(im->batch, 1);
    }
    if (!rc)
        rc = nb_writer_new(im->s, im->k, t->body_id, t->src_id, im->batch, &t->writer, err,
                           errlen);
    if (!rc) {
        nb_writer_file(t->writer, o->path);
        rc = nb_writer_same_file(t->writer, im->canonical, err, errlen);
    }
    if (!rc)
        nb_writer_async(t->writer, im->async, 1, &im->fail);
    if (!rc && nb_writer_has_rows(t->writer)) {
        im->nlooked_up++;
        rc = lost_fields(im, t, err, errlen);
    }
    fit_cache(im);
    *out = t;
    /* a target that failed stays known as failed: its next rows are refused alike, never
       written through its missing writer (a crash before) */
    if (rc && !(t->failed = strdup(err))) {
        snprintf(err, errlen, "out of memory");
        rc = NB_ERR_NOMEM;
    }
    return rc;
}

/* ---- rows ---- */

/* Validates one row and queues it when good.
 * NB_OK (accepted), NB_ERR_INPUT (refused), or a store error in ERR. */
static nb_err do_row(import_state *im, char **fields, size_t n, long line, char *err,
                     size_t errlen)
{
    nb_rec rec;
    nb_err rc = nb_coder_row(im->coder, im->o->path, line, fields, n, &rec, tell, im, err,
                             errlen);
    if (rc != NB_OK && rc != NB_ERR_INPUT)
        return rc;
    int bad = rc == NB_ERR_INPUT;
    const char *body = row_body(im, &rec, line, &bad);
    char idbuf[PATH_MAX + 32];
    const char *id = rec.id;
    if (!*id && !im->k->id_required) {
        snprintf(idbuf, sizeof idbuf, "%s:%ld", im->o->path, line);
        id = idbuf;
    }
    int64_t rid = 0;
    target *t = NULL;
    if (*id && body) {
        /* A refused row's body is not made: its target is taken only when there. A body
           that cannot be made ready refuses its rows, saying why (a parent that is the
           body itself); a copy of an earlier file fails the whole file (im->fatal). */
        if (!bad && (rc = target_of(im, body, &t, err, errlen))) {
            if (rc != NB_ERR_INPUT || im->fatal)
                return rc;
            problem(im, line, "body", err, body);
            bad = 1;
            t = NULL;
        }
        /* a file with ids whose row has none: that row is known by FILE:LINE, and a copy of
           the file would bring it again (a file without ids was looked at in target_of) */
        if (!bad && t && !*rec.id && !t->idless_checked && im->digest[0] &&
            nb_coder_column(im->coder, -1) >= 0) {
            t->idless_checked = 1;
            /* told to the command, which finds a dry run's copies in it (nb_import_files) */
            snprintf(im->st->digest, sizeof im->st->digest, "%s", im->digest);
            nb_async_wait(im->async); /* the store read alone, as target_of does */
            if ((rc = refuse_twin(im, t, body, 1, err, errlen)))
                return rc;
        }
        int64_t *idx = bad ? nb_strmap_get(&im->target_idx, body) : NULL;
        if (idx && !im->targets[*idx].failed)
            t = &im->targets[*idx];
        int64_t first = 0;
        int dup = 0;
        if ((rc = check_id(im, t, body, id, &rid, &first, &dup, err, errlen)))
            return rc;
        if (dup) {
            char reason[64];
            snprintf(reason, sizeof reason, "duplicate id, first at line %lld", (long long)first);
            problem(im, line, "id", reason, id);
            bad = 1;
        } else if (bad && (rc = refused_id(im, body, id, line, err, errlen))) {
            return rc;
        }
    }
    if (bad) {
        if (t && t->writer)
            nb_writer_let_go(t->writer);
        return NB_ERR_INPUT; /* the rows go on being written: the file's ids are found there */
    }
    if (im->o->cover_year) {
        int p = nb_field_find(im->k, im->k->period);
        t->in_year += p >= 0 && rec.has[p] && rec.ival[p] / 10000 == im->o->cover_year;
    }
    if (nb_coder_raw(im->coder, fields, n, &rec, body, &im->raw)) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    if (rid && nb_writer_unchanged(t->writer, &rec, rid, line, im->raw.data) &&
        keep(im, rid) == 0) {
        im->st->unchanged++;
        t->brought++;
        nb_writer_let_go(t->writer);
        return NB_OK;
    }
    t->brought++;
    if (rid)
        im->st->updated++;
    else
        im->st->inserted++;
    rc = nb_writer_put(t->writer, &rec, id, rid, line, im->raw.data, err, errlen);
    nb_writer_let_go(t->writer);
    return rc;
}

/* The failure of a group in the helper thread, once it has ended (NB_OK: none). */
static nb_err helper_failed(import_state *im, char *err, size_t errlen)
{
    nb_async_wait(im->async);
    if (im->fail.rc)
        snprintf(err, errlen, "%s", im->fail.err);
    return im->fail.rc;
}

/* Counts a refused row. At the first, the rows before it that wait in a queue handing
 * batches to an idle helper are written (nb_batch_early_end): a failure to store one of
 * them is the import's, as without the helper, whatever its timing (found by review:
 * with the batches handed as the helper had time, the rows left waiting at the file's
 * end were never written, and a failure among them unsaid or not from run to run).
 * After it the rows go on being written by counts alone; those waiting at the end are
 * not (the file is refused). */
static nb_err refused(import_state *im, char *err, size_t errlen)
{
    if (im->st->refused++ || !im->batch)
        return NB_OK;
    return nb_batch_early_end(im->batch, err, errlen);
}

/* ---- Ctrl-C ----
 * An import the user stops (SIGINT, SIGTERM) ends as a failure of the file it is in, at
 * the next row: the file undone, the files before it committed (nb_import_files), said
 * ("interrupted"). The handler is the import's only while it runs, and once: a second
 * signal ends the process as it would have (the store's journal undoes its transaction).
 * The stop lasts for the process: every import after it fails at once (a script's loop of
 * imports stops too), and the command ends by the signal (nb_import_stopped), so that a
 * shell's loop stops as it does for a command the signal ended. */
static int guard_depth;                   /* imports running (nb_import_files's and its files') */
static struct sigaction int_was, term_was;
static int int_set, term_set;

static void on_stop(int sig)
{
    nb_stop_note(sig);
}

int nb_import_stopped(void)
{
    return nb_stop_signal();
}

/* Catches SIGINT and SIGTERM while an import runs, where they would end the process. */
static void guard_on(void)
{
    if (guard_depth++ > 0)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESETHAND; /* the second one ends the process */
    sigemptyset(&sa.sa_mask);
    int_set = sigaction(SIGINT, NULL, &int_was) == 0 && int_was.sa_handler == SIG_DFL &&
              sigaction(SIGINT, &sa, NULL) == 0;
    term_set = sigaction(SIGTERM, NULL, &term_was) == 0 && term_was.sa_handler == SIG_DFL &&
               sigaction(SIGTERM, &sa, NULL) == 0;
}

static void guard_off(void)
{
    if (--guard_depth > 0)
        return;
    if (int_set)
        sigaction(SIGINT, &int_was, NULL);
    if (term_set)
        sigaction(SIGTERM, &term_was, NULL);
    int_set = term_set = 0;
}

/* NB_ERR_INTERRUPTED with its message when the user asked to stop, at LINE of the file. */
static nb_err stopped(const import_state *im, long line, char *err, size_t errlen)
{
    if (!nb_stop_signal())
        return NB_OK;
    const char *why = nb_stop_signal() == SIGINT ? "Ctrl-C" : "SIGTERM";
    if (line > 0)
        snprintf(err, errlen, "%s:%ld: interrupted (%s): nothing of this file stored", im->o->path,
                 line, why);
    else
        snprintf(err, errlen, "%s: interrupted (%s) before it: nothing of it stored", im->o->path,
                 why);
    return NB_ERR_INTERRUPTED;
}

/* Reads and imports every row after the header. */
static nb_err read_rows(import_state *im, char *err, size_t errlen)
{
    size_t n;
    char **fields;
    long line;
    char rerr[512];
    for (;;) {
        nb_err rs = nb_reader_next(im->r, &n, &fields, &line, rerr, sizeof rerr);
        if (rs == NB_DONE)
            return NB_OK;
        if (nb_stop_signal())
            return stopped(im, line, err, errlen);
        im->st->read++;
        if (rs == NB_ERR_IO || rs == NB_ERR_NOMEM) { /* the file, not a row, failed */
            snprintf(err, errlen, "%s:%ld: %s", im->o->path, line, rerr);
            return rs;
        }
        if (rs != NB_OK) { /* the row that could not be read is refused too */
            problem(im, line, NULL, rerr, NULL);
            return refused(im, err, errlen);
        }
        if (im->o->progress && im->st->read % 100000 == 0)
            im->o->progress(im->o->progress_ud, im->st->read);
        nb_err rc = do_row(im, fields, n, line, err, errlen);
        if (rc == NB_ERR_INPUT && !im->fatal)
            rc = refused(im, err, errlen);
        if (rc)
            return rc;
        if (nb_writer_failed(&im->fail)) /* a group failed in the helper: stop now */
            return helper_failed(im, err, errlen);
    }
}

/* ---- the file ---- */

/* Steps ST, a DELETE of T's body's rows RETURNING their rids, telling the packed columns of
 * each record removed (taken out of its part at commit, without reading the rows), and
 * finalizes it. The number removed in *GONE; WHAT names the work in a message. */
static nb_err remove_returning(import_state *im, const target *t, sqlite3_stmt *st, long *gone,
                               const char *what, char *err, size_t errlen)
{
    nb_err rc = NB_OK;
    int step;
    *gone = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) { /* the rows removed at the first step */
        (*gone)++;
        if (!rc)
            rc = nb_pack_remove(im->s, im->k, t->body_id, sqlite3_column_int64(st, 0), err,
                                errlen);
    }
    if (!rc && step != SQLITE_DONE)
        rc = nb_store_sql_fail(im->s, err, errlen, what);
    sqlite3_finalize(st);
    return rc;
}

/* A re-import of a file replaces the earlier import of that file: its rows
 * that this import did not bring (they still point at an older source, and are
 * not among the rows found unchanged) are removed, so a corrected file with fewer rows leaves no stale rows behind.
 * The file is known by its canonical path; sources of stores before version 2
 * have none and are known by the ids "PATH:LINE" of their rows. */
static nb_err remove_stale(import_state *im, const target *t, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "DELETE FROM %s WHERE body = ?1 AND src <> ?2 AND (src IN (SELECT id FROM source "
             "WHERE canonical = ?4 AND kind = ?5) OR substr(id, 1, length(?3) + 1) = ?3 || ':') "
             "AND NOT nb_kept(rid) RETURNING rid",
             im->k->table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(im->s, err, errlen, "removing stale rows");
    sqlite3_bind_int64(st, 1, t->body_id);
    sqlite3_bind_int64(st, 2, t->src_id);
    sqlite3_bind_text(st, 3, im->o->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, im->canonical, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, im->k->name, -1, SQLITE_STATIC);
    long gone;
    nb_err rc = remove_returning(im, t, st, &gone, "removing stale rows", err, errlen);
    im->st->removed += gone;
    return rc;
}

/* 1 when every row of T's body (of the kind) is one this file brought: none can have been
 * left. The rows counted through the (body, id) index alone (by hand, at 1e6: 20 ms, where
 * note_left's walk looked up each row's source, 130 ms). 0 when unsure. */
static int all_brought(import_state *im, const target *t)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE body = ?1", im->k->table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, t->body_id);
    int all = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == t->brought;
    sqlite3_finalize(st);
    return all;
}

/* Without --replace: the body's rows of the kind that an earlier import of this file
 * brought and this one did not (an id corrected in the file leaves its old row) are kept;
 * a note names the first few and the option that removes them. */
static nb_err note_left(import_state *im, const target *t, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id FROM %s WHERE body = ?1 AND src <> ?2 AND src IN (SELECT id FROM source "
             "WHERE canonical = ?3 AND kind = ?4) AND NOT nb_kept(rid) ORDER BY rid",
             im->k->table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(im->s, err, errlen, "reading the rows left");
    sqlite3_bind_int64(st, 1, t->body_id);
    sqlite3_bind_int64(st, 2, t->src_id);
    sqlite3_bind_text(st, 3, im->canonical, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, im->k->name, -1, SQLITE_STATIC);
    nb_buf ids = {0};
    long n = 0;
    int rc, bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (n++ < 5)
            bad |= nb_buf_printf(&ids, "%s%s", n > 1 ? ", " : "", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        nb_buf_free(&ids);
        return nb_store_sql_fail(im->s, err, errlen, "reading the rows left");
    }
    if (n && !bad) {
        char reason[1024];
        snprintf(reason, sizeof reason,
                 "note: %ld %s record%s of an earlier import of this file %s not in it (%s%s): "
                 "kept; --replace removes %s",
                 n, im->k->name, n == 1 ? "" : "s", n == 1 ? "is" : "are", ids.data, n > 5 ? ", …" : "",
                 n == 1 ? "it" : "them");
        note(im, reason);
    }
    nb_buf_free(&ids);
    return bad ? NB_ERR_NOMEM : NB_OK;
}

/* --replace: the body's rows of the kind from files of this file's name (any folder)
 * that this import did not bring; --replace-all: all of the body's rows of the kind
 * that it did not bring. Rows found unchanged it brought too. */
/* Binds ?1 the body, ?2 the file's source, and for --replace ?3 its file name and ?4 the
 * kind, of replace_rows' statements. */
static void bind_replaced(import_state *im, const target *t, sqlite3_stmt *st, const char *base)
{
    sqlite3_bind_int64(st, 1, t->body_id);
    sqlite3_bind_int64(st, 2, t->src_id);
    if (im->o->replace != NB_REPLACE_ALL) {
        sqlite3_bind_text(st, 3, base, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, im->k->name, -1, SQLITE_STATIC);
    }
}

/* A note for each other file whose rows --replace removes (its path and how many; at
 * most five): a file of the same name in another folder (a year's) shows before its rows
 * are gone, in a dry run too. The rows of an earlier import of this very file go
 * unnoted (the correction --replace is for). */
static nb_err note_replaced(import_state *im, const target *t, const char *where,
                            const char *base, char *err, size_t errlen)
{
    char sql[900];
    /* files by their canonical paths (as typed, a store of before version 2's): this file
       however its path was spelt, and another folder's file, each apart */
    snprintf(sql, sizeof sql, "SELECT coalesce(s.canonical, s.path) AS p, count(*) FROM %s r "
                              "JOIN source s ON s.id = r.src WHERE %s AND "
                              "coalesce(s.canonical, s.path) IS NOT ?5 GROUP BY p ORDER BY p",
             im->k->table, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(im->s, err, errlen, "replacing rows");
    bind_replaced(im, t, st, base);
    sqlite3_bind_text(st, 5, im->canonical, -1, SQLITE_STATIC);
    char here[PATH_MAX];
    size_t hl = working_folder(here);
    int step, n = 0;
    long more = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long rows = sqlite3_column_int64(st, 1);
        if (++n > 5) {
            more += rows;
            continue;
        }
        const char *path = said_path((const char *)sqlite3_column_text(st, 0), here, hl);
        char reason[PATH_MAX + 300];
        snprintf(reason, sizeof reason, "note: --replace%s %s %ld row%s of %s from %s",
                 im->o->replace == NB_REPLACE_ALL ? "-all" : "", im->o->dry_run ? "would remove" : "removes",
                 rows, rows == 1 ? "" : "s", t->name, path);
        note(im, reason);
    }
    if (more) {
        char reason[160];
        snprintf(reason, sizeof reason, "note: and %ld row%s of %d other file%s", more,
                 more == 1 ? "" : "s", n - 5, n - 5 == 1 ? "" : "s");
        note(im, reason);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? NB_OK : nb_store_sql_fail(im->s, err, errlen, "replacing rows");
}

static nb_err replace_rows(import_state *im, const target *t, char *err, size_t errlen)
{
    char sql[768];
    const char *slash = strrchr(im->o->path, '/');
    const char *base = slash ? slash + 1 : im->o->path;
    /* the rows of the body from other files (--replace: of the same name, in any folder)
       that this file did not bring */
    const char *where = im->o->replace == NB_REPLACE_ALL
        ? "r.body = ?1 AND r.src <> ?2 AND NOT nb_kept(r.rid)"
        : "r.body = ?1 AND r.src <> ?2 AND r.src IN (SELECT id FROM source WHERE kind = ?4 AND "
          "(path = ?3 OR (length(path) > length(?3) AND substr(path, -length(?3) - 1) = '/' || ?3))) "
          "AND NOT nb_kept(r.rid)";
    nb_err nrc = note_replaced(im, t, where, base, err, errlen);
    if (nrc)
        return nrc;
    snprintf(sql, sizeof sql, "DELETE FROM %s AS r WHERE %s RETURNING rid", im->k->table, where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(im->s, err, errlen, "replacing rows");
    bind_replaced(im, t, st, base);
    long gone;
    nb_err rc = remove_returning(im, t, st, &gone, "replacing rows", err, errlen);
    im->st->removed += gone;
    return rc;
}

/* --year: the body's records of the kind for that year are all in the store. */
static nb_err cover(import_state *im, const target *t, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, "INSERT OR IGNORE INTO coverage(body, kind, year) "
                           "VALUES(?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(im->s, err, errlen, "declaring the year");
    sqlite3_bind_int64(st, 1, t->body_id);
    sqlite3_bind_text(st, 2, im->k->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, im->o->cover_year);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return nb_store_sql_fail(im->s, err, errlen, "declaring the year");
    /* a year the file holds no row of (a --year typed wrong?) is declared all the same: said */
    int some = t->in_year > 0;
    if (!some) {
        char reason[256];
        snprintf(reason, sizeof reason,
                 "note: no row of this file is of %d (by %s): %d %s complete with none, its "
                 "cells 0", im->o->cover_year, im->k->period, im->o->cover_year,
                 im->o->dry_run ? "would be declared" : "is declared");
        note(im, reason);
    }
    return NB_OK;
}

/* After the last row, for every body met: the rows still queued, the rows of the
 * earlier import of this file that are gone from it, and the encoding the reader
 * settled on. */
static nb_err finish_targets(import_state *im, char *err, size_t errlen)
{
    nb_err rc = NB_OK;
    if ((rc = helper_failed(im, err, errlen))) /* and the counts of rows removed are these statements' own */
        return rc;
    for (int i = 0; !rc && i < im->ntargets; i++) {
        const target *t = &im->targets[i];
        rc = nb_store_source_encoding(im->s, t->src_id, nb_reader_encoding(im->r), err, errlen);
        if (!rc)
            rc = nb_writer_flush(t->writer, err, errlen);
        if (!rc && !im->o->dry_run && !im->k->id_required)
            rc = remove_stale(im, t, err, errlen);
        if (!rc && im->o->replace)
            rc = all_brought(im, t) ? NB_OK : replace_rows(im, t, err, errlen); /* every row the
                file's: none to remove, and not a walk over the body's rows reading each one's
                source (by hand, 1e6 rows of 100 bodies in turn: about 1 s) */
        else if (!rc && im->k->id_required && im->canonical[0] && nb_writer_same_count(t->writer) > 0 &&
                 !all_brought(im, t))
            rc = note_left(im, t, err, errlen); /* a first import of the file left nothing, nor
                                                   one that brought every row of the body: not a
                                                   walk over the body's rows (a tenth of it) */
        if (!rc && im->o->cover_year) /* a dry run too: its note (rolled back with the rest) */
            rc = cover(im, t, err, errlen);
    }
    return rc;
}

static void free_targets(import_state *im)
{
    for (int i = 0; i < im->ntargets; i++) {
        nb_writer_free(im->targets[i].writer);
        nb_buf_free(&im->targets[i].last_id);
        free(im->targets[i].name);
        free(im->targets[i].failed);
    }
    free(im->targets);
    nb_batch_free(im->batch);
    nb_strmap_free(&im->target_idx);
}

/* 1 when a body of the store keeps a mapping (import map). */
static int has_mappings(nb_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM script WHERE role = 'map' LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        return 0;
    int some = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return some;
}

/* Reads the header and every row, and writes them unless a row was refused. */
static nb_err import_file(import_state *im, char *err, size_t errlen)
{
    const nb_import_opts *o = im->o;
    size_t n;
    char **fields;
    long line;
    char rerr[512];
    nb_err rc = nb_reader_next(im->r, &n, &fields, &line, rerr, sizeof rerr);
    if (rc == NB_DONE) {
        snprintf(err, errlen, "%s: empty file", o->path);
        return NB_ERR_INPUT;
    }
    if (rc) {
        snprintf(err, errlen, "%s:%ld: %s", o->path, line, rerr);
        return rc;
    }
    if (nb_coder_header(im->coder, o->path, fields, n, tell, im) != NB_OK) {
        char sheets[256];
        if (!o->sheet && nb_reader_sheets(im->r, sheets, sizeof sheets) > 1)
            snprintf(err, errlen, "%s: the header of its first sheet does not fit kind '%s' (the "
                     "workbook's sheets: %s; --sheet NAME reads another)", o->path, im->k->name, sheets);
        else if (!o->map && !o->body && nb_coder_body_column(im->coder) >= 0 && has_mappings(im->s))
            snprintf(err, errlen, "%s: the header does not fit kind '%s' (a file naming its bodies "
                     "in a column is read with --map's mapping, not the bodies' stored ones)",
                     o->path, im->k->name);
        else
            snprintf(err, errlen, "%s: the header does not fit kind '%s'", o->path, im->k->name);
        return NB_ERR_INPUT;
    }
    im->body_col = nb_coder_body_column(im->coder);
    if (im->body_col < 0 && !o->body) {
        snprintf(err, errlen, "%s: give --body NAME, or a column naming each row's body "
                 "(body 机关 单位)", o->path);
        return NB_ERR_INPUT;
    }
    target *t;
    if ((im->body_col < 0 && (rc = target_of(im, o->body, &t, err, errlen))) ||
        (rc = read_rows(im, err, errlen)) || (rc = helper_failed(im, err, errlen)))
        return rc; /* a failure in the helper before the rows refused, as it would alone */
    /* a file with a body column and no rows declares its year complete for --body (it
       declared nothing, silently); without --body, for no body: said */
    if (o->cover_year && im->body_col >= 0 && im->ntargets == 0 && !im->st->refused) {
        if (!o->body) {
            snprintf(err, errlen, "%s: --year %d declares nothing: no row names a body; give --body NAME",
                     o->path, o->cover_year);
            return NB_ERR_INPUT;
        }
        if ((rc = target_of(im, o->body, &t, err, errlen)))
            return rc;
    }
    nb_coder_unknowns(im->coder, o->path, 0, tell, im); /* each refused its rows already */
    if (im->st->refused) {
        snprintf(err, errlen, "%s: %ld row%s refused; nothing written", o->path,
                 im->st->refused, im->st->refused == 1 ? "" : "s");
        return NB_ERR_INPUT;
    }
    note_lost(im);
    return finish_targets(im, err, errlen);
}

/* Every row refers to the body and the source made in the same transaction,
 * which no one else can change: the foreign-key checks on each row could not
 * fail, and they add about 15% to the insert. The pragma has no effect inside
 * a transaction, so it is set around it. Returns 1 when it was switched off. */
static int foreign_keys_off(nb_store *s)
{
    int on = 0;
    sqlite3_stmt *fk;
    if (!sqlite3_get_autocommit(s->db))
        return 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_keys", -1, &fk, NULL) == SQLITE_OK) {
        if (sqlite3_step(fk) == SQLITE_ROW)
            on = sqlite3_column_int(fk, 0);
        sqlite3_finalize(fk);
    }
    return on && sqlite3_exec(s->db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) == SQLITE_OK;
}

/* Switches the foreign-key checks on again when foreign_keys_off switched them off (OFF). */
static void foreign_keys_back(nb_store *s, int off)
{
    if (off)
        sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
}

/* The kinds, for the message about an unknown one. */
static nb_err unknown_kind(const char *kind, char *err, size_t errlen)
{
    nb_buf kinds = {0};
    for (int i = 0; i < nb_nkinds; i++)
        nb_buf_printf(&kinds, "%s%s", i ? ", " : "", nb_kinds[i].name);
    snprintf(err, errlen, "unknown record kind '%s' (kinds: %s)", kind,
             kinds.data ? kinds.data : "");
    nb_buf_free(&kinds);
    return NB_ERR_INPUT;
}

static nb_err import_one(nb_store *s, const nb_import_opts *o, nb_import_stats *st, char *err,
                         size_t errlen);

nb_err nb_import(nb_store *s, const nb_import_opts *o, nb_import_stats *st, char *err,
                 size_t errlen)
{
    guard_on();
    nb_err rc = import_one(s, o, st, err, errlen);
    guard_off();
    /* stopped elsewhere than between rows (waiting for the store's lock, which gives up at
       once): said as the stop it is */
    if (rc && rc != NB_ERR_INTERRUPTED && nb_stop_signal()) {
        snprintf(err, errlen, "%s: interrupted (%s): nothing of this file stored", o->path,
                 nb_stop_signal() == SIGINT ? "Ctrl-C" : "SIGTERM");
        rc = NB_ERR_INTERRUPTED;
    }
    return rc;
}

static nb_err import_one(nb_store *s, const nb_import_opts *o, nb_import_stats *st, char *err,
                         size_t errlen)
{
    /* A dry run writes too, in the transaction it rolls back: the rows written are how
     * a later row's id is known to repeat an earlier one, and --replace counts what
     * it would remove. So does a file once a row was refused. */
    import_state im = {.s = s, .o = o, .st = st};
    memset(st, 0, sizeof *st);
    if (stopped(&im, 0, err, errlen)) /* during the file before */
        return NB_ERR_INTERRUPTED;
    if (!(im.k = nb_kind_find(o->kind)))
        return unknown_kind(o->kind, err, errlen);
    if (nb_store_owns_file(s, o->path)) {
        snprintf(err, errlen, "%s: this is the store itself (or its journal), not a file of records",
                 o->path);
        return NB_ERR_INPUT;
    }
    char rerr[512];
    nb_err rc = nb_reader_open(o->path, o->sheet, &im.r, rerr, sizeof rerr);
    if (rc) {
        snprintf(err, errlen, "%s: %s", o->path, rerr);
        return rc;
    }
    if (!realpath(o->path, im.canonical))
        snprintf(im.canonical, sizeof im.canonical, "%s", o->path);
    /* rows known by FILE:LINE: the file's content tells a copy of it (small files) */
    if (!im.k->id_required && nb_store_source_digests(s)) { /* the file's bytes, and the sheet read */
        nb_hash h;
        nb_hash_init(&h);
        if (nb_hash_file(&h, o->path, rerr, sizeof rerr) != 0) {
            snprintf(err, errlen, "%s", rerr);
            nb_reader_close(im.r);
            return NB_ERR_IO;
        }
        nb_hash_str(&h, o->sheet ? o->sheet : "");
        nb_hash_hex(&h, im.digest);
    }
    struct stat sb;
    im.file_bytes = stat(o->path, &sb) == 0 && S_ISREG(sb.st_mode) ? (long long)sb.st_size : -1;
    nb_strmap_init(&im.refused_ids);
    nb_strmap_init(&im.target_idx);
    rc = nb_coder_new(s, im.k, o->map, strcmp(nb_reader_encoding(im.r), "XLSX") == 0,
                      &im.coder, err, errlen);
    int fk_off = foreign_keys_off(s), cache_was = pragma_int(s, "cache_size", -CACHE_BASE_KB);
    /* in KiB: a positive size counts pages */
    im.cache_base_kb = cache_was < 0 ? -(long)cache_was
                                     : (long)cache_was * pragma_int(s, "page_size", 4096) / 1024;
    /* A large file through a rollback journal: by hand, one file of 1e6 rows 17% faster
       and half the bytes written; 100 files of 1,000 rows wrote 7 times the store, each
       commit copying and syncing the pages it changed. Not a dry run: what it rolls back
       would be written into the file and then back. */
    if (nb_store_depth(s) == 0) /* else the transaction's journal is the caller's choice */
        nb_store_bulk(s, !o->dry_run && im.file_bytes >= NB_BULK_BYTES);
    /* made once a connection, not once a file: making (or removing) a function expires every
       statement prepared on the connection, and the next file's prepared them all again (a
       batch's INSERT of 256 rows alone is 1.3 million instructions to prepare): about 2 ms
       a file, a fifth of the import of 100 files of 10,000 rows */
    if (!rc && !s->import_fn) {
        if (sqlite3_create_function_v2(s->db, "nb_kept", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, s,
                                       kept_fn, NULL, NULL, NULL) != SQLITE_OK)
            rc = nb_store_sql_fail(s, err, errlen, "preparing the import");
        else
            s->import_fn = 1;
    }
    void *importing_was = s->importing;
    s->importing = &im;
    /* On two processors SQLite writes a batch while the next rows are read and coded
       (by hand: a file of 1e6 rows in about two thirds of the time). */
    im.async = nb_async_new();
    s->helper = im.async; /* the store's own writes wait for it */
    if (!rc && !(rc = nb_store_begin(s, err, errlen))) {
        rc = import_file(&im, err, errlen);
        nb_async_wait(im.async); /* a batch in flight after an error: ended before the rollback */
        if (rc || o->dry_run)
            nb_store_rollback(s);
        else
            rc = nb_store_commit(s, err, errlen); /* a failed commit has rolled back (and
                                                     forgotten the codes it had added) */
    }
    foreign_keys_back(s, fk_off);
    if (im.cache_kb) { /* the cache as it was */
        char q[64];
        snprintf(q, sizeof q, "PRAGMA cache_size = %d", cache_was);
        sqlite3_exec(s->db, q, NULL, NULL, NULL);
    }
    s->importing = importing_was;
    free(im.kept);
    free(im.seen);
    free_targets(&im);
    s->helper = NULL;
    nb_async_free(im.async);
    nb_coder_free(im.coder);
    nb_reader_close(im.r);
    nb_strmap_free(&im.refused_ids);
    nb_buf_free(&im.raw);
    return rc;
}

/* The size of the file at PATH, 0 when it cannot tell (its import then says why). */
static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? (long long)sb.st_size : 0;
}

static nb_err import_files(nb_store *s, const nb_import_opts *o, const char *const *paths, int n,
                           nb_import_each_fn each, void *ud, char (*digests)[65], char *err,
                           size_t errlen);

nb_err nb_import_files(nb_store *s, const nb_import_opts *o, const char *const *paths, int n,
                       nb_import_each_fn each, void *ud, char *err, size_t errlen)
{
    /* a dry run's files' digests (a copy among them: import_files) */
    char (*digests)[65] = o->dry_run && n > 1 ? calloc((size_t)n, sizeof *digests) : NULL;
    if (o->dry_run && n > 1 && !digests) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    guard_on();
    nb_err rc = import_files(s, o, paths, n, each, ud, digests, err, errlen);
    guard_off();
    free(digests);
    return rc;
}

static nb_err import_files(nb_store *s, const nb_import_opts *o, const char *const *paths, int n,
                           nb_import_each_fn each, void *ud, char (*digests)[65], char *err,
                           size_t errlen)
{
    nb_import_opts one = *o;
    int stop = 0;
    for (int i = 0; i < n && !stop;) {
        /* the group: the files from I while their bytes stay within NB_GROUP_BYTES */
        int end = i + 1;
        long long bytes = file_size(paths[i]);
        for (long long b; end < n && bytes + (b = file_size(paths[end])) <= NB_GROUP_BYTES; end++)
            bytes += b;
        int grouped = !o->dry_run && end - i > 1, fk_off = 0;
        if (grouped) {
            if (nb_store_depth(s) == 0)
                nb_store_bulk(s, bytes >= NB_BULK_BYTES);
            fk_off = foreign_keys_off(s); /* every file's rows refer to what it made */
            nb_err rc = nb_store_begin(s, err, errlen);
            if (rc) {
                foreign_keys_back(s, fk_off);
                return rc;
            }
        }
        int kept = 0, first_kept = -1, last_kept = -1; /* the group's files imported */
        for (; i < end && !stop; i++) {
            nb_import_stats st;
            char ferr[1024] = "";
            one.path = paths[i];
            nb_err rc = nb_import(s, &one, &st, ferr, sizeof ferr);
            /* a dry run imports each file alone: a copy of a file before it in the command,
               which the real run refuses (the earlier one's rows are there), is found here */
            for (int j = 0; rc == NB_OK && digests && st.digest[0] && j < i; j++)
                if (strcmp(digests[j], st.digest) == 0) {
                    snprintf(ferr, sizeof ferr, "%s: the same content as %s, before it in this "
                             "import: imported from another path its rows would count twice; "
                             "nothing imported", paths[i], paths[j]);
                    st.copy = 1;
                    rc = NB_ERR_INPUT;
                }
            if (digests)
                memcpy(digests[i], st.digest, sizeof digests[i]);
            if (rc == NB_OK && !o->dry_run) {
                kept++;
                last_kept = i;
                first_kept = first_kept < 0 ? i : first_kept;
            }
            stop = each(ud, i, rc, &st, ferr) != 0;
            /* an error that ended the group's transaction: the files after it would each
               be committed by themselves, outside it */
            stop |= grouped && rc && sqlite3_get_autocommit(s->db);
        }
        if (grouped) {
            nb_err rc = nb_store_commit(s, err, errlen);
            foreign_keys_back(s, fk_off);
            if (rc) { /* rolled back, with the open-vocabulary values the group added */
                size_t len = strlen(err);
                if (kept)
                    snprintf(err + len, errlen - len, "; not stored after all, with it: %s%s%s (%d "
                             "file%s of this import; import them again)", paths[first_kept],
                             kept > 1 ? " … " : "", kept > 1 ? paths[last_kept] : "", kept,
                             kept == 1 ? "" : "s");
                return rc;
            }
        }
    }
    return NB_OK;
}
