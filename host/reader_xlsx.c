/* reader_xlsx.c - the XLSX reader: one sheet of a workbook, read row by row (minizip + expat). */
#define _GNU_SOURCE /* mkostemp */
#include "reader_impl.h"
#include "xmlscan.h"

#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unzip.h>

#define XML_CHUNK 65536 /* bytes of a zip entry handed to expat at a time */
#define SCAN_CHUNK 262144 /* and to the scanner */
#define AHEAD_SLOTS 4     /* chunks a part is inflated ahead of its reading, at most */
#define AHEAD_MIN (1 << 20) /* a part smaller than this (inflated) is read in place */

/* A growing byte buffer. */
typedef struct {
    char *p;
    size_t len, cap;
} strbuf;

/* Shared strings past the reader's budget (nb_xlsx_sst_in_memory: their texts and offsets)
 * go to an unlinked temporary file, each as its length (4 bytes) and its text. The number
 * and place of some are kept in memory: of every SPILL_EVERY-th, and of the first that
 * begins in each block of the file. A string is found from the one before it that was
 * kept (or from the one found last), reading the lengths between them in one or two blocks
 * (every 64th alone: strings of 4 KB in random order read up to 63 blocks each, 5x as
 * slow, found by a review). They are read back through a cache of the file's blocks. A
 * workbook's strings are met mostly in their order (Excel numbers them as it meets them)
 * or among the first (a category's few values). The memory they take stays bounded
 * whatever their count: 8 bytes for 64 strings or a block of 4 KiB. */
#define SPILL_WRITE ((size_t)64 << 10) /* bytes written at a time */
#define SPILL_BLOCK ((size_t)4096)     /* bytes read back at a time */
#define SPILL_SETS 128                 /* the cache: two blocks in each set, 1 MiB */
#define SPILL_EVERY 64

typedef struct {
    int fd;                       /* the temporary file, or -1 */
    size_t first;                 /* the first string in it (those before: in memory) */
    size_t len;                   /* bytes written to it, wbuf's included */
    char *wbuf;                   /* the bytes being gathered, SPILL_WRITE */
    uint32_t (*kept)[2];          /* strings kept: their number from first, their place */
    size_t nkept, kept_cap;
    char *blocks;                 /* SPILL_SETS * 2 blocks read back */
    size_t tag[SPILL_SETS][2];    /* the number of each, plus 1 (0: none) */
    size_t got[SPILL_SETS][2];    /* its bytes (the last block may be short) */
    unsigned char next[SPILL_SETS]; /* the way the set's next block replaces */
    size_t last, last_at;         /* the string found last (its number from first, plus 1)
                                     and its place */
    strbuf out;                   /* the string read back last */
} spill;

/* A <sheet> of workbook.xml (name, r:id) or a <Relationship> of its rels (Id, Target). */
typedef struct {
    char *key;
    char *value;
} pair;

typedef struct {
    pair *v;
    size_t n, cap;
} pairs;

/* A non-empty cell of the XLSX row being read. */
typedef struct {
    size_t col; /* 0-based column */
    size_t off; /* offset of its NUL-terminated value in rowtext */
} xcell;

/* The open zip entry, inflated ahead by a thread of its own, so that on two
 * processors inflating a part and parsing it overlap (a large part: a sheet, the
 * shared strings). The thread alone uses the archive while it runs; the reader
 * takes the chunks in order. Without it (a small part, or no thread to be had)
 * the entry is read in place. */
typedef struct {
    pthread_t thread;
    int running;                /* started and not joined yet */
    int ready;                  /* mu, more and room are set up */
    pthread_mutex_t mu;
    pthread_cond_t more, room;  /* a chunk was filled; a slot was given back */
    char *slot[AHEAD_SLOTS];    /* SCAN_CHUNK bytes each */
    int got[AHEAD_SLOTS];       /* bytes in each: 0 the entry's end, < 0 minizip's error */
    unsigned filled, used;      /* chunks filled by the thread, and used up, in all */
    size_t off;                 /* bytes of the chunk being used given already */
    int quit;                   /* the reader asks the thread to stop */
} ahead;

/* What expat has allocated for the reader's parsers, and how much it may. */
typedef struct {
    size_t used;
    int over; /* an allocation was refused for going over NB_READER_MAX_XML_MEMORY */
} xml_budget;

typedef struct {
    nb_reader base;
    unzFile zip;
    int entry_open;     /* the sheet entry is open in zip */
    ahead ahead;        /* the open entry's inflating thread */
    nb_xmlscan *scan;   /* on the sheet, until it meets what only expat reads */
    long rows_out;      /* rows given so far */
    long skip;          /* rows expat passes over, given already by the scanner */
    XML_Parser parser;  /* on the sheet after the scanner; suspended after each row */
    XML_Parser cur;     /* the parser whose handlers are running */
    const char *cur_part; /* the part it reads, for messages */
    xml_budget mem;     /* expat's memory */
    char *part;         /* path of the sheet inside the archive, for messages */
    int suspended;      /* parser stopped at the end of a row; resume before feeding */
    int fed_final;      /* the last (empty) chunk was given to the parser */
    int finished;       /* no more rows */
    pairs sheets;       /* workbook order */
    pairs hidden;       /* the hidden sheets (state hidden or veryHidden): name -> state */
    pairs rels;
    size_t lists;       /* bytes in sheets and rels */
    char *sst_part;     /* path of the shared strings, from the rels */
    strbuf sst;         /* shared strings, each NUL-terminated: those within the budget */
    spill sst_spill;    /* and the rest (from sst_spill.first on) */
    uint32_t *sst_off;  /* offset of each shared string in sst */
    size_t sst_n, sst_cap;
    size_t sst_bytes;   /* of them all, each with its NUL (NB_READER_MAX_SST_BYTES) */
    strbuf text;        /* character data of the current cell or shared string */
    size_t text_chars;  /* characters in text */
    strbuf rowtext;     /* values of the current row; offset 0 holds "" */
    xcell *cells;
    size_t ncells, cells_cap;
    long row;           /* number of the current row (r attribute) */
    size_t col;         /* column of the current cell */
    size_t next_col;    /* column of a <c> without r */
    size_t width;       /* 1 + last column with a non-empty value in the row */
    char ctype;         /* cell type: 'n', 's', 'b', 'i' (inlineStr), 'f' (str), 'e' */
    int in_v, in_is, in_t, in_si, rph_depth;
    int has_f, has_v;   /* the cell has a formula, a value (its last result, as saved) */
    int row_ready;      /* a row with a non-empty cell ended; parser suspended */
    nb_err cb_code;     /* a handler stopped the parser (NB_OK if not); see cb_err */
    char cb_err[256];
} xlsx_reader;

/* ------------------------------------------------------- expat's memory */

/* Expat holds a whole tag (with its attributes) and every open element, so a
 * huge attribute or a deep nesting would take memory without bound. Its
 * allocations are counted against the reader's budget. The allocation
 * functions get no user data: the budget of the reader driving expat is
 * named in xml_current around each call into it (xml_enter, xml_leave). Each
 * block starts with a header naming the budget it was counted in. */
static _Thread_local xml_budget *xml_current;

typedef union {
    struct {
        xml_budget *b;
        size_t size;
    } h;
    max_align_t align;
} xml_header;

static void *xml_malloc(size_t size)
{
    xml_budget *b = xml_current;
    xml_header *h;
    if (b && size > NB_READER_MAX_XML_MEMORY - b->used) {
        b->over = 1;
        return NULL;
    }
    if (!(h = malloc(sizeof *h + size)))
        return NULL;
    h->h.b = b;
    h->h.size = size;
    if (b)
        b->used += size;
    return h + 1;
}

static void xml_free(void *p)
{
    xml_header *h = p ? (xml_header *)p - 1 : NULL;
    if (!h)
        return;
    if (h->h.b)
        h->h.b->used -= h->h.size;
    free(h);
}

static void *xml_realloc(void *p, size_t size)
{
    xml_header *h = p ? (xml_header *)p - 1 : NULL, *nh;
    xml_budget *b;
    size_t old;
    if (!h)
        return xml_malloc(size);
    b = h->h.b;
    old = h->h.size;
    if (b && size > old && size - old > NB_READER_MAX_XML_MEMORY - b->used) {
        b->over = 1;
        return NULL;
    }
    if (!(nh = realloc(h, sizeof *nh + size)))
        return NULL;
    if (b)
        b->used = b->used - old + size;
    nh->h.size = size;
    return nh + 1;
}

static const XML_Memory_Handling_Suite xml_suite = {xml_malloc, xml_realloc, xml_free};

static void xml_enter(xlsx_reader *r)
{
    xml_current = &r->mem;
}

static void xml_leave(void)
{
    xml_current = NULL;
}

/* ------------------------------------------------------------- helpers */

static int buf_add(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) { /* no call while there is room */
        char *p = nb_reader_grow(b->p, &b->cap, b->len, n + 1, 1);
        if (!p)
            return -1;
        b->p = p;
    }
    if (n == 1)
        b->p[b->len] = *s;
    else
        memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static void pairs_free(pairs *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].key);
        free(ps->v[i].value);
    }
    free(ps->v);
    ps->v = NULL;
    ps->n = ps->cap = 0;
}

static int pairs_add(pairs *ps, const char *key, const char *value)
{
    char *k, *v;
    pair *np = nb_reader_grow(ps->v, &ps->cap, ps->n, 1, sizeof *ps->v);
    if (!np)
        return -1;
    ps->v = np;
    k = strdup(key);
    v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    ps->v[ps->n].key = k;
    ps->v[ps->n].value = v;
    ps->n++;
    return 0;
}

static const char *local_name(const char *name)
{
    const char *c = name;
    for (const char *p = name; *p; p++)
        if (*p == ':')
            c = p + 1;
    return c;
}

/* Whether local name LN is the one of one letter C. */
static int is1(const char *ln, char c)
{
    return ln[0] == c && ln[1] == '\0';
}

/* Whether local name LN is WANT (the first byte compared without a call). */
static int is(const char *ln, const char *want)
{
    return ln[0] == want[0] && strcmp(ln + 1, want + 1) == 0;
}

/* The value of the attribute whose local name is WANT, or NULL. */
static const char *attr(const XML_Char **atts, const char *want)
{
    for (; atts[0]; atts += 2)
        if (strcmp(local_name(atts[0]), want) == 0)
            return atts[1];
    return NULL;
}

/* Stops the running parser with an error (for handlers; the first one counts). */
static void cb_fail(xlsx_reader *r, nb_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cb_fail(xlsx_reader *r, nb_err code, const char *fmt, ...)
{
    va_list ap;
    if (r->cb_code != NB_OK)
        return;
    r->cb_code = code;
    va_start(ap, fmt);
    vsnprintf(r->cb_err, sizeof r->cb_err, fmt, ap);
    va_end(ap);
    if (r->cur)
        XML_StopParser(r->cur, XML_FALSE);
    else if (r->scan)
        nb_xmlscan_stop(r->scan); /* cb_code says it is no row's end */
}

/* The error that stopped parser P on PART: a handler's, the memory budget, or expat's. */
static nb_err xml_error(xlsx_reader *r, XML_Parser p, const char *part, char *err, size_t errlen)
{
    unsigned long line = (unsigned long)XML_GetCurrentLineNumber(p);
    if (r->cb_code != NB_OK) {
        nb_reader_seterr(err, errlen, "%s", r->cb_err);
        return r->cb_code;
    }
    if (r->mem.over) {
        nb_reader_seterr(err, errlen,
                         "%s:%lu: XML parser memory over %d bytes "
                         "(a tag too long or elements nested too deep)",
                         part, line, NB_READER_MAX_XML_MEMORY);
        return NB_ERR_LIMIT;
    }
    if (XML_GetErrorCode(p) == XML_ERROR_NO_MEMORY) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    nb_reader_seterr(err, errlen, "%s:%lu: %s", part, line,
                     XML_ErrorString(XML_GetErrorCode(p)));
    return NB_ERR_INPUT;
}

/* Column letters for index COL (0-based) followed by ROW, into OUT. */
static void cell_name(size_t col, long row, char out[24])
{
    char tmp[8];
    int n = 0, k = 0;
    col++;
    while (col > 0 && n < 7) {
        tmp[n++] = (char)('A' + (col - 1) % 26);
        col = (col - 1) / 26;
    }
    while (n > 0)
        out[k++] = tmp[--n];
    snprintf(out + k, 24 - (size_t)k, "%ld", row);
}

/* Adds the character data S[0..LEN) to r->text, as long as it stays within
 * NB_READER_MAX_XLSX_TEXT characters; returns -1 past it (nothing added). */
static int text_add(xlsx_reader *r, const char *s, int len)
{
    size_t chars = 0;
    for (int i = 0; i < len; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (r->text_chars + chars > NB_READER_MAX_XLSX_TEXT)
        return -1;
    if (buf_add(&r->text, s, (size_t)len) != 0) {
        cb_fail(r, NB_ERR_NOMEM, "out of memory");
        return 0;
    }
    r->text_chars += chars;
    return 0;
}

/* The value of the four hex digits at S into *U; 0 when they are not. */
static int hex4(const char *s, unsigned *u)
{
    *u = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        *u = *u << 4 | (unsigned)d;
    }
    return 1;
}

/* 1 when S[0..N) starts with an escape "_xHHHH_", its UTF-16 code unit in *U. */
static int xescape(const char *s, size_t n, unsigned *u)
{
    return n >= 7 && s[0] == '_' && s[1] == 'x' && hex4(s + 2, u) && s[6] == '_';
}

/* Decodes r->text's escapes, in place: in a workbook's text (ST_Xstring) "_xHHHH_" is
 * the character of UTF-16 code unit HHHH, two of them a surrogate pair; Excel writes a
 * carriage return "_x000D_", and "_x005F_" for the "_" of a text that would read as an
 * escape. They were read as they are: a cell of two lines came into the store as
 * "a_x000D_\nb". A NUL or a lone surrogate stays as written. */
static void text_unescape(xlsx_reader *r)
{
    char *s = r->text.p;
    size_t n = r->text.len, o = 0;
    if (!s || !memchr(s, '_', n))
        return;
    for (size_t i = 0; i < n;) {
        unsigned u, lo;
        uint32_t cp = 0;
        size_t used = 7;
        if (xescape(s + i, n - i, &u)) {
            if (u >= 0xD800 && u <= 0xDBFF && xescape(s + i + 7, n - i - 7, &lo) &&
                lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                used = 14;
            } else if (u && (u < 0xD800 || u > 0xDFFF)) {
                cp = u;
            }
        }
        if (!cp) {
            s[o++] = s[i++];
            continue;
        }
        o += nb_put_utf8(s + o, cp); /* at most 4 bytes, where USED were */
        i += used;
    }
    r->text.len = o;
}

static void text_clear(xlsx_reader *r)
{
    r->text.len = 0;
    r->text_chars = 0;
}

/* ------------------------------------------------------------- parts */

/* A new parser for R (expat's memory counted), or NULL. */
static XML_Parser parser_new(xlsx_reader *r, XML_StartElementHandler start,
                             XML_EndElementHandler end, XML_CharacterDataHandler chars)
{
    XML_Parser p;
    xml_enter(r);
    p = XML_ParserCreate_MM(NULL, &xml_suite, NULL);
    xml_leave();
    if (!p)
        return NULL;
    XML_SetUserData(p, r);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, chars);
    return p;
}

/* The inflating thread: fills the free slots in turn until the entry's end,
 * an error, or the reader asks it to stop. */
static void *ahead_run(void *arg)
{
    xlsx_reader *r = arg;
    ahead *a = &r->ahead;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (!a->quit && a->filled - a->used == AHEAD_SLOTS)
            pthread_cond_wait(&a->room, &a->mu);
        int quit = a->quit;
        unsigned k = a->filled % AHEAD_SLOTS;
        pthread_mutex_unlock(&a->mu);
        if (quit)
            break;
        int n = unzReadCurrentFile(r->zip, a->slot[k], SCAN_CHUNK);
        pthread_mutex_lock(&a->mu);
        a->got[k] = n;
        a->filled++;
        pthread_cond_signal(&a->more);
        pthread_mutex_unlock(&a->mu);
        if (n <= 0)
            break;
    }
    return NULL;
}

/* Starts the thread on the entry just opened, when it is large enough and a
 * thread can be had (else it is read in place: nothing fails here). */
static void ahead_start(xlsx_reader *r)
{
    ahead *a = &r->ahead;
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(r->zip, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK ||
        info.uncompressed_size < AHEAD_MIN)
        return;
    if (!a->ready) {
        if (pthread_mutex_init(&a->mu, NULL) != 0)
            return;
        if (pthread_cond_init(&a->more, NULL) != 0) {
            pthread_mutex_destroy(&a->mu);
            return;
        }
        if (pthread_cond_init(&a->room, NULL) != 0) {
            pthread_cond_destroy(&a->more);
            pthread_mutex_destroy(&a->mu);
            return;
        }
        a->ready = 1;
    }
    for (int i = 0; i < AHEAD_SLOTS; i++)
        if (!a->slot[i] && !(a->slot[i] = malloc(SCAN_CHUNK)))
            return;
    a->filled = a->used = 0;
    a->off = 0;
    a->quit = 0;
    /* the watchdog's signals go to the reading thread, never to this one */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    a->running = pthread_create(&a->thread, NULL, ahead_run, r) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Stops and joins the thread, if it runs: the archive is the reader's again. */
static void ahead_stop(xlsx_reader *r)
{
    ahead *a = &r->ahead;
    if (!a->running)
        return;
    pthread_mutex_lock(&a->mu);
    a->quit = 1;
    pthread_cond_signal(&a->room);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    a->running = 0;
}

/* Up to N bytes of the next chunk the thread inflated, into B: as unzReadCurrentFile
 * (an end or an error is given again to every later call). */
static int ahead_read(xlsx_reader *r, void *b, unsigned n)
{
    ahead *a = &r->ahead;
    pthread_mutex_lock(&a->mu);
    while (a->filled == a->used)
        pthread_cond_wait(&a->more, &a->mu);
    unsigned k = a->used % AHEAD_SLOTS;
    int got = a->got[k];
    pthread_mutex_unlock(&a->mu);
    if (got <= 0)
        return got;
    size_t take = (size_t)got - a->off < n ? (size_t)got - a->off : n;
    memcpy(b, a->slot[k] + a->off, take);
    a->off += take;
    if (a->off == (size_t)got) {
        pthread_mutex_lock(&a->mu);
        a->used++;
        a->off = 0;
        pthread_cond_signal(&a->room);
        pthread_mutex_unlock(&a->mu);
    }
    return (int)take;
}

/* Reads up to N bytes of the open zip entry of PART into B: the bytes read
 * (0: its end), or -1 with ERR set. */
static int read_entry(xlsx_reader *r, const char *part, void *b, unsigned n, char *err,
                      size_t errlen)
{
    int got = r->ahead.running ? ahead_read(r, b, n) : unzReadCurrentFile(r->zip, b, n);
    if (got < 0)
        nb_reader_seterr(err, errlen, "%s: damaged zip entry (%s)", part,
                         got == UNZ_CRCERROR ? "bad CRC" : "cannot inflate");
    return got < 0 ? -1 : got;
}

/* Opens the zip entry NAME again from its start (it was not read to the end:
 * no CRC to check yet). */
static nb_err reopen_entry(xlsx_reader *r, const char *name, char *err, size_t errlen)
{
    ahead_stop(r);
    unzCloseCurrentFile(r->zip);
    r->entry_open = 0;
    if (unzLocateFile(r->zip, name, 2) != UNZ_OK || unzOpenCurrentFile(r->zip) != UNZ_OK) {
        nb_reader_seterr(err, errlen, "%s: damaged zip entry", name);
        return NB_ERR_INPUT;
    }
    r->entry_open = 1;
    ahead_start(r);
    return NB_OK;
}

/* Reads up to XML_CHUNK bytes of the open zip entry into P's buffer and
 * parses them (N 0: the end). Returns the bytes read, or -1 with *CODE and
 * ERR set. */
static int feed(xlsx_reader *r, XML_Parser p, const char *part, nb_err *code, char *err,
                size_t errlen)
{
    void *b;
    int n;
    enum XML_Status st;
    xml_enter(r);
    b = XML_GetBuffer(p, XML_CHUNK);
    xml_leave();
    if (!b) {
        *code = xml_error(r, p, part, err, errlen);
        return -1;
    }
    if ((n = read_entry(r, part, b, XML_CHUNK, err, errlen)) < 0) {
        *code = NB_ERR_INPUT;
        return -1;
    }
    r->fed_final = n == 0;
    xml_enter(r);
    st = XML_ParseBuffer(p, n, n == 0);
    xml_leave();
    if (st == XML_STATUS_ERROR) {
        *code = xml_error(r, p, part, err, errlen);
        return -1;
    }
    r->suspended = st == XML_STATUS_SUSPENDED;
    return n;
}

/* Closes the open zip entry of PART: its CRC is checked once it was read to the end. */
static nb_err close_entry(xlsx_reader *r, const char *part, char *err, size_t errlen)
{
    ahead_stop(r);
    int zrc = unzCloseCurrentFile(r->zip);
    r->entry_open = 0;
    if (zrc == UNZ_OK)
        return NB_OK;
    nb_reader_seterr(err, errlen, "%s: damaged zip entry (%s)", part,
                     zrc == UNZ_CRCERROR ? "bad CRC" : "cannot inflate");
    return NB_ERR_INPUT;
}

/* Reads the open zip entry NAME with the scanner and the given handlers:
 * NB_OK, NB_DONE when the scanner bailed (nothing of its handlers' work is
 * kept then: RESET undoes it), or an error with ERR set. */
static nb_err scan_part(xlsx_reader *r, const char *name, XML_StartElementHandler start,
                        XML_EndElementHandler end, XML_CharacterDataHandler chars, char *err,
                        size_t errlen)
{
    nb_err rc = NB_OK;
    if (!(r->scan = nb_xmlscan_new(start, end, chars, r))) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    r->cur = NULL;
    for (int n = 1; rc == NB_OK && n > 0;) {
        char *b = nb_xmlscan_buffer(r->scan, SCAN_CHUNK);
        if (!b) {
            rc = NB_DONE;
            break;
        }
        if ((n = read_entry(r, name, b, SCAN_CHUNK, err, errlen)) < 0) {
            rc = NB_ERR_INPUT;
            break;
        }
        int st = nb_xmlscan_parse(r->scan, (size_t)n, n == 0);
        if (r->cb_code != NB_OK) {
            nb_reader_seterr(err, errlen, "%s", r->cb_err);
            rc = r->cb_code;
        } else if (st == NB_XS_NOMEM) {
            nb_reader_seterr(err, errlen, "out of memory");
            rc = NB_ERR_NOMEM;
        } else if (st != NB_XS_OK) {
            rc = NB_DONE;
        }
    }
    nb_xmlscan_free(r->scan);
    r->scan = NULL;
    return rc;
}

/* Parses the zip entry NAME with the given handlers (user data R): with the
 * scanner first when RESET is given (what the handlers did is undone with it
 * when the scanner bails), else, or then, with expat. Returns NB_OK,
 * NB_ERR_NOTFOUND if the archive has no such entry, or an error with ERR set. */
static nb_err parse_part(xlsx_reader *r, const char *name, XML_StartElementHandler start,
                         XML_EndElementHandler end, XML_CharacterDataHandler chars,
                         void (*reset)(xlsx_reader *), char *err, size_t errlen)
{
    XML_Parser p = NULL;
    nb_err rc = NB_OK;
    if (unzLocateFile(r->zip, name, 2) != UNZ_OK)
        return NB_ERR_NOTFOUND;
    if (unzOpenCurrentFile(r->zip) != UNZ_OK) {
        nb_reader_seterr(err, errlen, "%s: damaged zip entry", name);
        return NB_ERR_INPUT;
    }
    r->entry_open = 1;
    ahead_start(r);
    r->cur_part = name;
    r->cb_code = NB_OK;
    if (reset) {
        rc = scan_part(r, name, start, end, chars, err, errlen);
        if (rc != NB_DONE) {
            if (rc == NB_OK)
                return close_entry(r, name, err, errlen);
            close_entry(r, name, NULL, 0);
            return rc;
        }
        reset(r);
        if ((rc = reopen_entry(r, name, err, errlen)) != NB_OK)
            return rc;
    }
    if (!(p = parser_new(r, start, end, chars))) {
        nb_reader_seterr(err, errlen, "out of memory");
        rc = NB_ERR_NOMEM;
    }
    r->cur = p;
    while (rc == NB_OK && feed(r, p, name, &rc, err, errlen) > 0)
        ;
    if (rc == NB_OK)
        rc = close_entry(r, name, err, errlen);
    else
        close_entry(r, name, NULL, 0);
    if (p)
        XML_ParserFree(p);
    r->cur = NULL;
    return rc;
}

/* Path inside the archive of a relationship target of xl/workbook.xml. */
static char *part_path(const char *target)
{
    const char *base = "xl/";
    char *s;
    if (target[0] == '/') {
        base = "";
        target++;
    }
    for (;;) {
        if (strncmp(target, "./", 2) == 0) {
            target += 2;
        } else if (strncmp(target, "../", 3) == 0) {
            target += 3;
            base = "";
        } else {
            break;
        }
    }
    s = malloc(strlen(base) + strlen(target) + 1);
    if (s) {
        strcpy(s, base);
        strcat(s, target);
    }
    return s;
}

/* Keeps the pair KEY, VALUE in PS, within NB_READER_MAX_WORKBOOK bytes in all. */
static void list_add(xlsx_reader *r, pairs *ps, const char *key, const char *value)
{
    size_t n = strlen(key) + strlen(value) + 2;
    if (r->lists + n > NB_READER_MAX_WORKBOOK)
        cb_fail(r, NB_ERR_LIMIT, "%s: sheets and relationships longer than %d bytes",
                r->cur_part, NB_READER_MAX_WORKBOOK);
    else if (pairs_add(ps, key, value) != 0)
        cb_fail(r, NB_ERR_NOMEM, "out of memory");
    else
        r->lists += n;
}

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *r = ud;
    const char *sname, *id;
    if (strcmp(local_name(name), "sheet") != 0)
        return;
    sname = attr(atts, "name");
    id = attr(atts, "id");
    const char *state = attr(atts, "state");
    if (sname && id) {
        list_add(r, &r->sheets, sname, id);
        if (state && (strcmp(state, "hidden") == 0 || strcmp(state, "veryHidden") == 0))
            list_add(r, &r->hidden, sname, state);
    }
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *r = ud;
    const char *id, *target, *type;
    size_t tl;
    if (strcmp(local_name(name), "Relationship") != 0)
        return;
    id = attr(atts, "Id");
    target = attr(atts, "Target");
    type = attr(atts, "Type");
    if (!id || !target)
        return;
    list_add(r, &r->rels, id, target);
    tl = type ? strlen(type) : 0;
    if (!r->sst_part && tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0) {
        r->sst_part = part_path(target);
        if (!r->sst_part)
            cb_fail(r, NB_ERR_NOMEM, "out of memory");
    }
}

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *r = ud;
    const char *ln = local_name(name);
    (void)atts;
    if (is(ln, "si")) {
        r->in_si = 1;
        text_clear(r);
    } else if (is(ln, "t")) {
        r->in_t = r->in_si;
    } else if (is(ln, "rPh")) {
        r->rph_depth++;
    }
}

size_t nb_xlsx_sst_in_memory = (size_t)16 << 20;

static int write_all(int fd, const char *p, size_t n, off_t at)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w, at += w;
    }
    return 0;
}

/* Appends S[0..N) to the bytes of the temporary file; 0, or -1 after cb_fail. */
static int spill_write(xlsx_reader *r, const char *s, size_t n)
{
    spill *sp = &r->sst_spill;
    while (n > 0) {
        size_t at = sp->len % SPILL_WRITE, k = SPILL_WRITE - at < n ? SPILL_WRITE - at : n;
        memcpy(sp->wbuf + at, s, k);
        sp->len += k, s += k, n -= k;
        if (at + k == SPILL_WRITE &&
            write_all(sp->fd, sp->wbuf, SPILL_WRITE, (off_t)(sp->len - SPILL_WRITE)) != 0) {
            cb_fail(r, NB_ERR_IO, "%s: cannot write the shared strings to a temporary file: %s",
                    r->cur_part, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Keeps shared string sst_n, TEXT[0..N), in the temporary file (made at the first); 0, or
 * -1 after cb_fail. */
static int spill_put(xlsx_reader *r, const char *text, size_t n)
{
    spill *sp = &r->sst_spill;
    if (sp->fd < 0) {
        const char *dir = getenv("TMPDIR");
        char path[4096];
        if (!dir || !*dir)
            dir = "/tmp";
        if (!sp->wbuf && !(sp->wbuf = malloc(SPILL_WRITE))) {
            cb_fail(r, NB_ERR_NOMEM, "out of memory");
            return -1;
        }
        errno = ENAMETOOLONG;
        if ((size_t)snprintf(path, sizeof path, "%s/nianbao-strings-XXXXXX", dir) < sizeof path &&
            (sp->fd = mkostemp(path, O_CLOEXEC)) >= 0)
            unlink(path); /* gone with the descriptor, whatever happens */
        if (sp->fd < 0) {
            cb_fail(r, NB_ERR_IO, "%s: cannot keep the shared strings past %zu bytes in a "
                                  "temporary file in %s (TMPDIR): %s",
                    r->cur_part, nb_xlsx_sst_in_memory, dir, strerror(errno));
            return -1;
        }
        sp->first = r->sst_n;
        sp->len = 0;
    }
    size_t k = r->sst_n - sp->first;
    if (!sp->nkept || k - sp->kept[sp->nkept - 1][0] >= SPILL_EVERY ||
        sp->len / SPILL_BLOCK != sp->kept[sp->nkept - 1][1] / SPILL_BLOCK) {
        uint32_t(*e)[2] = nb_reader_grow(sp->kept, &sp->kept_cap, sp->nkept, 1, sizeof *e);
        if (!e) {
            cb_fail(r, NB_ERR_NOMEM, "out of memory");
            return -1;
        }
        sp->kept = e;
        sp->kept[sp->nkept][0] = (uint32_t)k;
        sp->kept[sp->nkept++][1] = (uint32_t)sp->len;
    }
    uint32_t len = (uint32_t)n;
    return spill_write(r, (const char *)&len, sizeof len) != 0 || spill_write(r, text, n) != 0 ? -1 : 0;
}

/* Writes the bytes gathered, once the shared strings are all read. */
static nb_err spill_end(xlsx_reader *r, char *err, size_t errlen)
{
    spill *sp = &r->sst_spill;
    size_t at = sp->len % SPILL_WRITE;
    if (sp->fd >= 0 && at && write_all(sp->fd, sp->wbuf, at, (off_t)(sp->len - at)) != 0) {
        nb_reader_seterr(err, errlen, "%s: cannot write the shared strings to a temporary file: %s",
                         r->cur_part ? r->cur_part : "xl/sharedStrings.xml", strerror(errno));
        return NB_ERR_IO;
    }
    free(sp->wbuf);
    sp->wbuf = NULL;
    return NB_OK;
}

/* Forgets the temporary file and what was read of it. */
static void spill_free(spill *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    free(sp->wbuf);
    free(sp->kept);
    free(sp->blocks);
    free(sp->out.p);
    *sp = (spill){.fd = -1};
}

static long blocks_read; /* nb_xlsx_blocks_read (one thread reads a workbook's cells at a time) */

long nb_xlsx_blocks_read(void)
{
    return blocks_read;
}

/* Copies the N bytes at OFF of the temporary file into DST through the cache of its blocks;
 * 0, or -1 after cb_fail. */
static int spill_read(xlsx_reader *r, size_t off, char *dst, size_t n)
{
    spill *sp = &r->sst_spill;
    if (!sp->blocks && !(sp->blocks = malloc(SPILL_SETS * 2 * SPILL_BLOCK))) {
        cb_fail(r, NB_ERR_NOMEM, "out of memory");
        return -1;
    }
    while (n > 0) {
        size_t b = off / SPILL_BLOCK, set = b % SPILL_SETS, at = off % SPILL_BLOCK;
        int w = sp->tag[set][0] == b + 1 ? 0 : sp->tag[set][1] == b + 1 ? 1 : -1;
        if (w < 0) { /* the set's older block replaced */
            ssize_t got;
            w = sp->next[set];
            sp->tag[set][w] = 0;
            do
                got = pread(sp->fd, sp->blocks + (set * 2 + (size_t)w) * SPILL_BLOCK, SPILL_BLOCK,
                            (off_t)(b * SPILL_BLOCK));
            while (got < 0 && errno == EINTR);
            if (got < 0) {
                cb_fail(r, NB_ERR_IO, "%s: cannot read the shared strings back: %s", r->part,
                        strerror(errno));
                return -1;
            }
            sp->tag[set][w] = b + 1;
            sp->got[set][w] = (size_t)got;
            blocks_read++;
        }
        sp->next[set] = (unsigned char)!w;
        if (at >= sp->got[set][w]) { /* never so: the file is the reader's own */
            cb_fail(r, NB_ERR_IO, "%s: the shared strings' temporary file is short", r->part);
            return -1;
        }
        size_t k = sp->got[set][w] - at < n ? sp->got[set][w] - at : n;
        memcpy(dst, sp->blocks + (set * 2 + (size_t)w) * SPILL_BLOCK + at, k);
        dst += k, off += k, n -= k;
    }
    return 0;
}

/* Shared string I (from sp->first on), NUL-terminated in sp->out, its length in *LEN;
 * NULL after cb_fail. */
static const char *spill_get(xlsx_reader *r, size_t i, size_t *len)
{
    spill *sp = &r->sst_spill;
    size_t k = i - sp->first, lo = 0, hi = sp->nkept; /* the last kept at or before k */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp->kept[mid][0] <= k)
            lo = mid;
        else
            hi = mid;
    }
    size_t from = sp->kept[lo][0], at = sp->kept[lo][1];
    uint32_t n;
    if (sp->last && sp->last - 1 <= k && sp->last - 1 >= from) /* on from the one found last */
        from = sp->last - 1, at = sp->last_at;
    for (; from < k; from++) {
        if (spill_read(r, at, (char *)&n, sizeof n) != 0)
            return NULL;
        at += sizeof n + n;
    }
    if (spill_read(r, at, (char *)&n, sizeof n) != 0)
        return NULL;
    char *out = nb_reader_grow(sp->out.p, &sp->out.cap, 0, (size_t)n + 1, 1);
    if (!out) {
        cb_fail(r, NB_ERR_NOMEM, "out of memory");
        return NULL;
    }
    sp->out.p = out;
    if (spill_read(r, at + sizeof n, sp->out.p, n) != 0)
        return NULL;
    sp->out.p[n] = '\0';
    sp->last = k + 1;
    sp->last_at = at;
    *len = n;
    return sp->out.p;
}

/* Keeps the shared string that just ended, within the limits of their count and size: in
 * memory while it and the offsets' room are within the budget, else in the temporary file. */
static void sst_keep(xlsx_reader *r)
{
    size_t need = r->text.len + 1;
    if (r->sst_n == NB_READER_MAX_SST_COUNT) {
        cb_fail(r, NB_ERR_LIMIT, "%s: more than %d shared strings", r->cur_part,
                NB_READER_MAX_SST_COUNT);
        return;
    }
    if (r->sst_bytes + need > NB_READER_MAX_SST_BYTES) {
        cb_fail(r, NB_ERR_LIMIT, "%s: shared strings longer than %d bytes in all (string %zu)",
                r->cur_part, NB_READER_MAX_SST_BYTES, r->sst_n + 1);
        return;
    }
    const char *t = r->text.p ? r->text.p : "";
    size_t cap = r->sst_n < r->sst_cap ? r->sst_cap : r->sst_cap ? 2 * r->sst_cap : 16;
    if (r->sst_spill.fd < 0 && r->sst.len + need + cap * sizeof *r->sst_off <= nb_xlsx_sst_in_memory) {
        uint32_t *off = nb_reader_grow(r->sst_off, &r->sst_cap, r->sst_n, 1, sizeof *r->sst_off);
        if (!off || buf_add(&r->sst, t, r->text.len) != 0 || buf_add(&r->sst, "", 1) != 0) {
            if (off)
                r->sst_off = off;
            cb_fail(r, NB_ERR_NOMEM, "out of memory");
            return;
        }
        r->sst_off = off;
        r->sst_off[r->sst_n] = (uint32_t)(r->sst.len - need);
    } else if (spill_put(r, t, r->text.len) != 0) {
        return;
    }
    r->sst_n++;
    r->sst_bytes += need;
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    xlsx_reader *r = ud;
    const char *ln = local_name(name);
    if (is(ln, "t")) {
        r->in_t = 0;
    } else if (is(ln, "rPh")) {
        r->rph_depth--;
    } else if (is(ln, "si")) {
        r->in_si = 0;
        text_unescape(r);
        sst_keep(r);
    }
}

/* Forgets the shared strings read (the scanner bailed: expat reads them again). */
static void sst_reset(xlsx_reader *r)
{
    r->sst.len = 0;
    spill_free(&r->sst_spill);
    r->sst_n = 0;
    r->sst_bytes = 0;
    r->in_si = r->in_t = r->rph_depth = 0;
    text_clear(r);
}

static void XMLCALL sst_chars(void *ud, const XML_Char *s, int len)
{
    xlsx_reader *r = ud;
    if (r->in_t && r->rph_depth == 0 && text_add(r, s, len) != 0)
        cb_fail(r, NB_ERR_LIMIT, "%s: string %zu longer than %d characters", r->cur_part,
                r->sst_n + 1, NB_READER_MAX_XLSX_TEXT);
}

/* The number of a <row>: its r attribute, or the one after the last row. */
static void sheet_row_start(xlsx_reader *r, const XML_Char **atts)
{
    const char *rn = attr(atts, "r"), *q = rn;
    long n = 0;
    for (; q && *q >= '0' && *q <= '9'; q++)
        if (n <= NB_READER_MAX_ROW)
            n = n * 10 + (*q - '0');
    if (!rn || q == rn || *q != '\0' || n == 0) { /* no number: the next row */
        n = r->row + 1;
        rn = NULL;
    }
    if (n > NB_READER_MAX_ROW) {
        if (rn)
            cb_fail(r, NB_ERR_INPUT, "%s: row %s beyond %d", r->part, rn, NB_READER_MAX_ROW);
        else
            cb_fail(r, NB_ERR_INPUT, "%s: row %ld beyond %d", r->part, n, NB_READER_MAX_ROW);
        return;
    }
    r->row = n;
    r->ncells = 0;
    r->width = 0;
    r->next_col = 0;
    r->rowtext.len = 1; /* keep the "" at offset 0 */
}

/* The column and type of a <c>. */
static void sheet_cell_start(xlsx_reader *r, const XML_Char **atts)
{
    static const char types[][10] = {"s", "b", "inlineStr", "str", "e"};
    static const char codes[] = "sbife";
    const char *ref = NULL, *t = NULL, *q;
    for (const XML_Char **a = atts; a[0]; a += 2) { /* the first of each, as attr() */
        const char *an = local_name(a[0]);
        if (!ref && is1(an, 'r'))
            ref = a[1];
        else if (!t && is1(an, 't'))
            t = a[1];
    }
    q = ref;
    size_t col = 0;
    for (; q && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')); q++) {
        col = col * 26 + (size_t)((*q | 0x20) - 'a' + 1);
        if (col > NB_READER_MAX_FIELDS)
            break;
    }
    col = q && q > ref ? col - 1 : r->next_col;
    if (col >= NB_READER_MAX_FIELDS) {
        cb_fail(r, NB_ERR_INPUT, "%s: row %ld: column beyond XFD", r->part, r->row);
        return;
    }
    r->col = col;
    text_clear(r);
    r->has_f = r->has_v = 0;
    r->ctype = 'n';
    if (t && t[0] == 's' && t[1] == '\0') { /* the usual: a shared string */
        r->ctype = 's';
        return;
    }
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (t[0] == types[i][0] && strcmp(t, types[i]) == 0)
            r->ctype = codes[i];
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *r = ud;
    const char *ln = local_name(name);
    if (is1(ln, 'c'))
        sheet_cell_start(r, atts);
    else if (is1(ln, 'v'))
        r->in_v = r->has_v = 1;
    else if (is1(ln, 'f'))
        r->has_f = 1;
    else if (is(ln, "is"))
        r->in_is = r->has_v = 1; /* a formula's result may be an inline string (LibreOffice) */
    else if (is1(ln, 't'))
        r->in_t = r->in_is;
    else if (is(ln, "rPh"))
        r->rph_depth++;
    else if (is(ln, "row"))
        sheet_row_start(r, atts);
}

/* The value of the cell that just ended into *V, *VLEN (shared strings and
 * booleans resolved); -1 after an error. */
static int cell_value(xlsx_reader *r, const char **v, size_t *vlen)
{
    *v = r->text.p ? r->text.p : "";
    *vlen = r->text.len;
    if (r->ctype == 's' && *vlen > 0) {
        char *e = (char *)*v + *vlen, cn[24];
        unsigned long i = 0;
        r->text.p[*vlen] = '\0';
        for (size_t k = 0; k < *vlen && i < r->sst_n; k++) { /* the usual: digits */
            if ((*v)[k] < '0' || (*v)[k] > '9') {
                i = strtoul(*v, &e, 10);
                break;
            }
            i = i * 10 + (unsigned long)((*v)[k] - '0');
        }
        if (*e != '\0' || i >= r->sst_n) {
            cell_name(r->col, r->row, cn);
            cb_fail(r, NB_ERR_INPUT, "%s: cell %s: no shared string %.40s", r->part, cn, *v);
            return -1;
        }
        size_t in_memory = r->sst_spill.fd < 0 ? r->sst_n : r->sst_spill.first;
        if (i < in_memory) {
            *v = r->sst.p + r->sst_off[i];
            *vlen = (i + 1 < in_memory ? r->sst_off[i + 1] : r->sst.len) - r->sst_off[i] - 1;
        } else if (!(*v = spill_get(r, i, vlen))) {
            return -1;
        }
    } else if (r->ctype == 'b' && *vlen == 1 && (**v == '0' || **v == '1')) {
        *v = **v == '1' ? "TRUE" : "FALSE";
        *vlen = strlen(*v);
    }
    return 0;
}

/* Stores the value of the cell that just ended, within the row's limits. */
static void sheet_cell_end(xlsx_reader *r)
{
    const char *v;
    size_t vlen;
    xcell *cells;
    r->next_col = r->col + 1;
    if (r->has_f && (!r->has_v || (r->text.len == 0 && r->ctype != 'f' && r->ctype != 'i'))) {
        /* a formula whose result was never saved (a program that writes workbooks, such as
           openpyxl, leaves it to the next program to open and save it: no <v>, or an empty
           one, which only a text result (t="str", or an inline string) may be): read as
           blank, its counts would be lost without a word */
        char cn[24];
        cell_name(r->col, r->row, cn);
        cb_fail(r, NB_ERR_INPUT,
                "%s: cell %s: a formula with no saved result (open the workbook in Excel or "
                "LibreOffice and save it, so that its results are stored in it)", r->part, cn);
        return;
    }
    if (r->ctype == 'i' || r->ctype == 'f') /* an inline string, a formula's text */
        text_unescape(r);
    if (cell_value(r, &v, &vlen) != 0 || vlen == 0)
        return;
    if (r->ncells == NB_READER_MAX_FIELDS) {
        cb_fail(r, NB_ERR_LIMIT, "%s: row %ld: more than %d cells", r->part, r->row,
                NB_READER_MAX_FIELDS);
        return;
    }
    if (r->rowtext.len + vlen + 1 > NB_READER_MAX_RECORD) {
        cb_fail(r, NB_ERR_LIMIT, "%s: row %ld: more than %d bytes of text", r->part, r->row,
                NB_READER_MAX_RECORD);
        return;
    }
    cells = r->ncells < r->cells_cap
                ? r->cells
                : nb_reader_grow(r->cells, &r->cells_cap, r->ncells, 1, sizeof *r->cells);
    if (cells)
        r->cells = cells;
    if (!cells || buf_add(&r->rowtext, v, vlen) != 0 || buf_add(&r->rowtext, "", 1) != 0) {
        cb_fail(r, NB_ERR_NOMEM, "out of memory");
        return;
    }
    r->cells[r->ncells].col = r->col;
    r->cells[r->ncells].off = r->rowtext.len - vlen - 1;
    r->ncells++;
    if (r->col + 1 > r->width)
        r->width = r->col + 1;
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    xlsx_reader *r = ud;
    const char *ln = local_name(name);
    if (is1(ln, 'v')) {
        r->in_v = 0;
    } else if (is1(ln, 'c')) {
        sheet_cell_end(r);
    } else if (is1(ln, 't')) {
        r->in_t = 0;
    } else if (is(ln, "is")) {
        r->in_is = 0;
    } else if (is(ln, "rPh")) {
        r->rph_depth--;
    } else if (is(ln, "row") && r->width > 0) {
        if (r->skip > 0) { /* expat again on a row the scanner gave */
            r->skip--;
            return;
        }
        r->row_ready = 1;
        r->rows_out++;
        if (r->cur)
            XML_StopParser(r->cur, XML_TRUE);
        else
            nb_xmlscan_stop(r->scan);
    }
}

static void XMLCALL sheet_chars(void *ud, const XML_Char *s, int len)
{
    xlsx_reader *r = ud;
    char cn[24];
    if (!r->in_v && !(r->in_t && r->rph_depth == 0))
        return;
    if (text_add(r, s, len) != 0) {
        cell_name(r->col, r->row, cn);
        cb_fail(r, NB_ERR_LIMIT, "%s: cell %s: text longer than %d characters", r->part, cn,
                NB_READER_MAX_XLSX_TEXT);
    }
}

static const char *rel_target(const xlsx_reader *r, const char *id)
{
    for (size_t i = 0; i < r->rels.n; i++)
        if (strcmp(r->rels.v[i].key, id) == 0)
            return r->rels.v[i].value;
    return NULL;
}

/* minizip reads the archive through the descriptor already opened and
 * checked (a regular file), never by its path: the stream is &r->base.fd. */
static voidpf ZCALLBACK zfd_open(voidpf opaque, const void *name, int mode)
{
    (void)name;
    (void)mode;
    return opaque;
}

static uLong ZCALLBACK zfd_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    int fd = *(int *)stream;
    uLong got = 0;
    (void)opaque;
    while (got < size) {
        ssize_t n = read(fd, (char *)buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (uLong)n;
    }
    return got;
}

static uLong ZCALLBACK zfd_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)buf;
    (void)size;
    return 0;
}

static ZPOS64_T ZCALLBACK zfd_tell(voidpf opaque, voidpf stream)
{
    off_t o = lseek(*(int *)stream, 0, SEEK_CUR);
    (void)opaque;
    return o < 0 ? (ZPOS64_T)-1 : (ZPOS64_T)o;
}

static long ZCALLBACK zfd_seek(voidpf opaque, voidpf stream, ZPOS64_T off, int origin)
{
    int whence = origin == ZLIB_FILEFUNC_SEEK_CUR   ? SEEK_CUR
                 : origin == ZLIB_FILEFUNC_SEEK_END ? SEEK_END
                                                    : SEEK_SET;
    (void)opaque;
    if (off > (ZPOS64_T)INT64_MAX)
        return -1;
    return lseek(*(int *)stream, (off_t)off, whence) < 0 ? -1 : 0;
}

/* The reader closes the descriptor itself. */
static int ZCALLBACK zfd_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int ZCALLBACK zfd_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

/* Chooses the sheet named SHEET (NULL: the first one) into *CHOSEN. */
static nb_err choose_sheet(xlsx_reader *r, const char *sheet, const pair **chosen, char *err,
                           size_t errlen)
{
    size_t len;
    *chosen = NULL;
    if (r->sheets.n == 0) {
        nb_reader_seterr(err, errlen, "no sheets in workbook");
        return NB_ERR_INPUT;
    }
    if (!sheet) {
        *chosen = &r->sheets.v[0];
        return NB_OK;
    }
    for (size_t i = 0; i < r->sheets.n; i++)
        if (strcmp(r->sheets.v[i].key, sheet) == 0) {
            *chosen = &r->sheets.v[i];
            return NB_OK;
        }
    nb_reader_seterr(err, errlen, "no sheet named '%s' (sheets: ", sheet);
    for (size_t i = 0; i < r->sheets.n; i++) {
        len = strlen(err);
        nb_reader_seterr(err + len, errlen - len, "%s%s", i ? ", " : "", r->sheets.v[i].key);
    }
    len = strlen(err);
    nb_reader_seterr(err + len, errlen - len, ")");
    return NB_ERR_NOTFOUND;
}

/* Reads the workbook, its relationships and the shared strings; finds the sheet's part. */
static nb_err read_workbook(xlsx_reader *r, const char *sheet, char *err, size_t errlen)
{
    const pair *chosen;
    const char *target;
    nb_err rc = parse_part(r, "xl/workbook.xml", wb_start, NULL, NULL, NULL, err, errlen);
    if (rc == NB_ERR_NOTFOUND)
        nb_reader_seterr(err, errlen, "not an XLSX file (no xl/workbook.xml)");
    if (rc == NB_ERR_NOTFOUND || (rc == NB_OK && (rc = choose_sheet(r, sheet, &chosen, err,
                                                                     errlen)) == NB_ERR_NOTFOUND))
        return NB_ERR_INPUT;
    if (rc != NB_OK)
        return rc;
    rc = parse_part(r, "xl/_rels/workbook.xml.rels", rels_start, NULL, NULL, NULL, err,
                    errlen);
    if (rc == NB_ERR_NOTFOUND) {
        nb_reader_seterr(err, errlen, "not an XLSX file (no xl/_rels/workbook.xml.rels)");
        return NB_ERR_INPUT;
    }
    if (rc != NB_OK)
        return rc;
    if (!(target = rel_target(r, chosen->value))) {
        nb_reader_seterr(err, errlen, "sheet '%s': no relationship %s in xl/_rels/workbook.xml.rels",
                         chosen->key, chosen->value);
        return NB_ERR_INPUT;
    }
    if (!(r->part = part_path(target))) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    rc = parse_part(r, r->sst_part ? r->sst_part : "xl/sharedStrings.xml", sst_start, sst_end,
                    sst_chars, sst_reset, err, errlen);
    if (rc == NB_OK)
        rc = spill_end(r, err, errlen);
    if (rc != NB_OK && rc != NB_ERR_NOTFOUND)
        return rc;
    if (unzLocateFile(r->zip, r->part, 2) != UNZ_OK) {
        nb_reader_seterr(err, errlen, "sheet '%s': no %s in the archive", chosen->key, r->part);
        return NB_ERR_INPUT;
    }
    return NB_OK;
}

static nb_err xlsx_start(xlsx_reader *r, const char *sheet, char *err, size_t errlen)
{
    zlib_filefunc64_def io = {zfd_open, zfd_read,  zfd_write, zfd_tell,
                              zfd_seek, zfd_close, zfd_error, &r->base.fd};
    nb_err rc;
    r->base.encoding = "XLSX";
    if (!(r->zip = unzOpen2_64("", &io))) {
        nb_reader_seterr(err, errlen, "not an XLSX file (damaged zip archive)");
        return NB_ERR_INPUT;
    }
    if ((rc = read_workbook(r, sheet, err, errlen)) != NB_OK)
        return rc;
    r->in_t = 0;
    r->rph_depth = 0;
    if (unzOpenCurrentFile(r->zip) != UNZ_OK) {
        nb_reader_seterr(err, errlen, "%s: damaged zip entry", r->part);
        return NB_ERR_INPUT;
    }
    r->entry_open = 1;
    ahead_start(r);
    r->scan = nb_xmlscan_new(sheet_start, sheet_end, sheet_chars, r);
    if (!r->scan || buf_add(&r->rowtext, "", 1) != 0) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    r->cur = NULL;
    r->cur_part = r->part;
    r->cb_code = NB_OK;
    return NB_OK;
}

/* The scanner met what it does not read (xmlscan.h): expat reads the sheet
 * again from its start, and passes over the rows given already. */
static nb_err to_expat(xlsx_reader *r, char *err, size_t errlen)
{
    nb_xmlscan_free(r->scan);
    r->scan = NULL;
    nb_err rc = reopen_entry(r, r->part, err, errlen);
    if (rc != NB_OK)
        return rc;
    r->row = 0;
    r->col = r->next_col = r->width = r->ncells = 0;
    r->ctype = 0;
    r->in_v = r->in_is = r->in_t = r->in_si = r->rph_depth = 0;
    r->has_f = r->has_v = 0;
    r->rowtext.len = 1;
    text_clear(r);
    r->suspended = r->fed_final = 0;
    r->skip = r->rows_out;
    if (!(r->parser = parser_new(r, sheet_start, sheet_end, sheet_chars))) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    r->cur = r->parser;
    return NB_OK;
}

/* One step of the scanner on the sheet: resumes it, or feeds it a chunk. */
static nb_err scan_step(xlsx_reader *r, char *err, size_t errlen)
{
    int st;
    if (r->suspended) {
        st = nb_xmlscan_resume(r->scan);
    } else {
        char *b = nb_xmlscan_buffer(r->scan, SCAN_CHUNK);
        if (!b)
            return to_expat(r, err, errlen);
        int n = read_entry(r, r->part, b, SCAN_CHUNK, err, errlen);
        if (n < 0)
            return NB_ERR_INPUT;
        r->fed_final = n == 0;
        st = nb_xmlscan_parse(r->scan, (size_t)n, n == 0);
    }
    if (r->cb_code != NB_OK) {
        nb_reader_seterr(err, errlen, "%s", r->cb_err);
        return r->cb_code;
    }
    if (st == NB_XS_NOMEM) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    if (st == NB_XS_BAIL)
        return to_expat(r, err, errlen);
    r->suspended = st == NB_XS_STOPPED;
    return NB_OK;
}

/* Parses the sheet until a row is ready (NB_OK), it ends (NB_DONE), or an error. */
static nb_err next_row(xlsx_reader *r, char *err, size_t errlen)
{
    r->row_ready = 0;
    while (!r->row_ready) {
        nb_err rc = NB_OK;
        if (r->finished)
            return NB_DONE;
        if (r->scan) {
            if ((rc = scan_step(r, err, errlen)) != NB_OK)
                return rc;
        } else if (r->suspended) {
            enum XML_Status st;
            xml_enter(r);
            st = XML_ResumeParser(r->parser);
            xml_leave();
            if (st == XML_STATUS_ERROR)
                return xml_error(r, r->parser, r->part, err, errlen);
            r->suspended = st == XML_STATUS_SUSPENDED;
        } else if (feed(r, r->parser, r->part, &rc, err, errlen) < 0) {
            return rc;
        }
        if (!r->suspended && r->fed_final) {
            r->finished = 1;
            if ((rc = close_entry(r, r->part, err, errlen)) != NB_OK)
                return rc;
        }
    }
    return NB_OK;
}

static nb_err xlsx_next(nb_reader *base, size_t *nfields, char ***fields, long *line, char *err,
                        size_t errlen)
{
    xlsx_reader *r = (xlsx_reader *)base;
    nb_err rc = next_row(r, err, errlen);
    if (rc == NB_OK && nb_reader_fields_reserve(&r->base, r->width) != 0) {
        nb_reader_seterr(err, errlen, "out of memory");
        rc = NB_ERR_NOMEM;
    }
    if (rc != NB_OK) {
        if (rc != NB_DONE)
            *line = r->row > 0 ? r->row : 1; /* before the first row: row 1 */
        r->finished = 1;
        return rc;
    }
    for (size_t i = 0; i < r->width; i++)
        r->base.fields[i] = r->rowtext.p;
    for (size_t i = 0; i < r->ncells; i++)
        r->base.fields[r->cells[i].col] = r->rowtext.p + r->cells[i].off;
    *nfields = r->width;
    *fields = r->base.fields;
    *line = r->row;
    return NB_OK;
}

static size_t xlsx_sheets(const nb_reader *base, char *out, size_t outlen)
{
    const xlsx_reader *r = (const xlsx_reader *)base;
    for (size_t i = 0; out && outlen && i < r->sheets.n; i++) {
        size_t len = strlen(out);
        nb_reader_seterr(out + len, outlen - len, "%s%s", i ? ", " : "", r->sheets.v[i].key);
    }
    return r->sheets.n;
}

static const char *xlsx_sheet(const nb_reader *base, size_t i)
{
    const xlsx_reader *r = (const xlsx_reader *)base;
    return i < r->sheets.n ? r->sheets.v[i].key : NULL;
}

static int xlsx_sheet_hidden(const nb_reader *base, size_t i)
{
    const xlsx_reader *r = (const xlsx_reader *)base;
    if (i >= r->sheets.n)
        return 0;
    for (size_t k = 0; k < r->hidden.n; k++)
        if (strcmp(r->hidden.v[k].key, r->sheets.v[i].key) == 0)
            return 1;
    return 0;
}

static void xlsx_free(nb_reader *base)
{
    xlsx_reader *r = (xlsx_reader *)base;
    nb_xmlscan_free(r->scan);
    if (r->parser)
        XML_ParserFree(r->parser);
    ahead_stop(r);
    if (r->zip) {
        if (r->entry_open)
            unzCloseCurrentFile(r->zip);
        unzClose(r->zip);
    }
    if (r->ahead.ready) {
        pthread_cond_destroy(&r->ahead.room);
        pthread_cond_destroy(&r->ahead.more);
        pthread_mutex_destroy(&r->ahead.mu);
    }
    for (int i = 0; i < AHEAD_SLOTS; i++)
        free(r->ahead.slot[i]);
    free(r->part);
    pairs_free(&r->sheets);
    pairs_free(&r->hidden);
    pairs_free(&r->rels);
    free(r->sst_part);
    free(r->sst.p);
    spill_free(&r->sst_spill);
    free(r->sst_off);
    free(r->text.p);
    free(r->rowtext.p);
    free(r->cells);
}

nb_err nb_xlsx_open(int fd, const char *sheet, nb_reader **out, char *err, size_t errlen)
{
    xlsx_reader *r = calloc(1, sizeof *r);
    nb_err rc;
    if (!r) {
        close(fd);
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    r->base.fd = fd;
    r->sst_spill.fd = -1;
    r->base.next = xlsx_next;
    r->base.free = xlsx_free;
    r->base.sheets = xlsx_sheets;
    r->base.sheet = xlsx_sheet;
    r->base.sheet_hidden = xlsx_sheet_hidden;
    if ((rc = xlsx_start(r, sheet, err, errlen)) != NB_OK) {
        nb_reader_close(&r->base);
        return rc;
    }
    if (r->ahead.running) /* a large sheet: its XML read while the rows are coded */
        nb_reader_read_ahead(&r->base);
    *out = &r->base;
    return NB_OK;
}
