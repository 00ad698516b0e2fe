/* reader_xlsx.c - the XLSX reader: one sheet of a workbook, read row by row (minizip + expat). */
#include "reader_impl.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unzip.h>

#define XML_CHUNK 65536     /* bytes of a zip entry handed to expat at a time */
#define XLSX_MAX_COLS 16384 /* Excel's limit (column XFD) */

/* A growing byte buffer. */
typedef struct {
    char *p;
    size_t len, cap;
} strbuf;

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

typedef struct {
    nb_reader base;
    unzFile zip;
    int entry_open;     /* the sheet entry is open in zip */
    XML_Parser parser;  /* on the sheet; suspended after each row */
    XML_Parser cur;     /* the parser whose handlers are running */
    char *part;         /* path of the sheet inside the archive, for messages */
    int suspended;      /* parser stopped at the end of a row; resume before feeding */
    int fed_final;      /* the last (empty) chunk was given to the parser */
    int finished;       /* no more rows */
    pairs sheets;       /* workbook order */
    pairs rels;
    char *sst_part;     /* path of the shared strings, from the rels */
    strbuf sst;         /* shared strings, each NUL-terminated */
    size_t *sst_off;    /* offset of each shared string in sst */
    size_t sst_n, sst_cap;
    strbuf text;        /* character data of the current cell or shared string */
    strbuf rowtext;     /* values of the current row; offset 0 holds "" */
    xcell *cells;
    size_t ncells, cells_cap;
    long row;           /* number of the current row (r attribute) */
    size_t col;         /* column of the current cell */
    size_t next_col;    /* column of a <c> without r */
    size_t width;       /* 1 + last column with a non-empty value in the row */
    char ctype;         /* cell type: 'n', 's', 'b', 'i' (inlineStr), 'f' (str), 'e' */
    int in_v, in_is, in_t, in_si, rph_depth;
    int row_ready;      /* a row with a non-empty cell ended; parser suspended */
    int cb_failed;      /* a handler stopped the parser; see cb_err */
    char cb_err[256];
} xlsx_reader;

static int buf_add(strbuf *b, const char *s, size_t n)
{
    char *p = nb_reader_grow(b->p, &b->cap, b->len, n + 1, 1);
    if (!p)
        return -1;
    b->p = p;
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
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

/* The value of the attribute whose local name is WANT, or NULL. */
static const char *attr(const XML_Char **atts, const char *want)
{
    for (; atts[0]; atts += 2)
        if (strcmp(local_name(atts[0]), want) == 0)
            return atts[1];
    return NULL;
}

/* Stops the running parser with a message (for handlers). */
static void cb_fail(xlsx_reader *r, const char *fmt, ...)
{
    va_list ap;
    if (r->cb_failed)
        return;
    r->cb_failed = 1;
    va_start(ap, fmt);
    vsnprintf(r->cb_err, sizeof r->cb_err, fmt, ap);
    va_end(ap);
    XML_StopParser(r->cur, XML_FALSE);
}

static void xml_error(xlsx_reader *r, XML_Parser p, const char *part, char *err, size_t errlen)
{
    if (r->cb_failed)
        nb_reader_seterr(err, errlen, "%s", r->cb_err);
    else
        nb_reader_seterr(err, errlen, "%s:%lu: %s", part, (unsigned long)XML_GetCurrentLineNumber(p),
               XML_ErrorString(XML_GetErrorCode(p)));
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

/* Parses the zip entry NAME with the given handlers (user data R). Returns 0,
 * -1 with ERR set, or -2 if the archive has no such entry. */
static int parse_part(xlsx_reader *r, const char *name, XML_StartElementHandler start,
                      XML_EndElementHandler end, XML_CharacterDataHandler chars, char *err,
                      size_t errlen)
{
    XML_Parser p;
    int rc = 0, zrc;
    if (unzLocateFile(r->zip, name, 2) != UNZ_OK)
        return -2;
    if (unzOpenCurrentFile(r->zip) != UNZ_OK) {
        nb_reader_seterr(err, errlen, "%s: damaged zip entry", name);
        return -1;
    }
    p = XML_ParserCreate(NULL);
    if (!p) {
        unzCloseCurrentFile(r->zip);
        nb_reader_seterr(err, errlen, "out of memory");
        return -1;
    }
    XML_SetUserData(p, r);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, chars);
    r->cur = p;
    r->cb_failed = 0;
    for (;;) {
        void *b = XML_GetBuffer(p, XML_CHUNK);
        int n;
        if (!b) {
            nb_reader_seterr(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        n = unzReadCurrentFile(r->zip, b, XML_CHUNK);
        if (n < 0) {
            nb_reader_seterr(err, errlen, "%s: damaged zip entry", name);
            rc = -1;
            break;
        }
        if (XML_ParseBuffer(p, n, n == 0) != XML_STATUS_OK) {
            xml_error(r, p, name, err, errlen);
            rc = -1;
            break;
        }
        if (n == 0)
            break;
    }
    zrc = unzCloseCurrentFile(r->zip);
    if (rc == 0 && zrc != UNZ_OK) {
        nb_reader_seterr(err, errlen, "%s: damaged zip entry (CRC)", name);
        rc = -1;
    }
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

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *r = ud;
    const char *sname, *id;
    if (strcmp(local_name(name), "sheet") != 0)
        return;
    sname = attr(atts, "name");
    id = attr(atts, "id");
    if (sname && id && pairs_add(&r->sheets, sname, id) != 0)
        cb_fail(r, "out of memory");
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
    if (pairs_add(&r->rels, id, target) != 0) {
        cb_fail(r, "out of memory");
        return;
    }
    tl = type ? strlen(type) : 0;
    if (!r->sst_part && tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0) {
        r->sst_part = part_path(target);
        if (!r->sst_part)
            cb_fail(r, "out of memory");
    }
}

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *r = ud;
    const char *ln = local_name(name);
    (void)atts;
    if (strcmp(ln, "si") == 0) {
        r->in_si = 1;
        r->text.len = 0;
    } else if (strcmp(ln, "t") == 0) {
        r->in_t = r->in_si;
    } else if (strcmp(ln, "rPh") == 0) {
        r->rph_depth++;
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    xlsx_reader *r = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "t") == 0) {
        r->in_t = 0;
    } else if (strcmp(ln, "rPh") == 0) {
        r->rph_depth--;
    } else if (strcmp(ln, "si") == 0) {
        size_t *off = nb_reader_grow(r->sst_off, &r->sst_cap, r->sst_n, 1, sizeof *r->sst_off);
        r->in_si = 0;
        if (off)
            r->sst_off = off;
        if (!off || buf_add(&r->sst, r->text.p ? r->text.p : "", r->text.len) != 0 ||
            buf_add(&r->sst, "", 1) != 0) {
            cb_fail(r, "out of memory");
            return;
        }
        r->sst_off[r->sst_n++] = r->sst.len - r->text.len - 1;
    }
}

static void XMLCALL sst_chars(void *ud, const XML_Char *s, int len)
{
    xlsx_reader *r = ud;
    if (r->in_t && r->rph_depth == 0 && buf_add(&r->text, s, (size_t)len) != 0)
        cb_fail(r, "out of memory");
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *r = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "c") == 0) {
        const char *ref = attr(atts, "r"), *t = attr(atts, "t");
        size_t col = 0;
        int ok = 0;
        if (ref) {
            const char *q = ref;
            for (; (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'); q++) {
                col = col * 26 + (size_t)((*q | 0x20) - 'a' + 1);
                if (col > XLSX_MAX_COLS)
                    break;
            }
            ok = q > ref;
        }
        col = ok ? col - 1 : r->next_col;
        if (col >= XLSX_MAX_COLS) {
            cb_fail(r, "%s: row %ld: column beyond XFD", r->part, r->row);
            return;
        }
        r->col = col;
        r->text.len = 0;
        r->ctype = 'n';
        if (t) {
            if (strcmp(t, "s") == 0)
                r->ctype = 's';
            else if (strcmp(t, "b") == 0)
                r->ctype = 'b';
            else if (strcmp(t, "inlineStr") == 0)
                r->ctype = 'i';
            else if (strcmp(t, "str") == 0)
                r->ctype = 'f';
            else if (strcmp(t, "e") == 0)
                r->ctype = 'e';
        }
    } else if (strcmp(ln, "v") == 0) {
        r->in_v = 1;
    } else if (strcmp(ln, "is") == 0) {
        r->in_is = 1;
    } else if (strcmp(ln, "t") == 0) {
        r->in_t = r->in_is;
    } else if (strcmp(ln, "rPh") == 0) {
        r->rph_depth++;
    } else if (strcmp(ln, "row") == 0) {
        const char *rn = attr(atts, "r");
        char *e;
        long n = rn ? strtol(rn, &e, 10) : 0;
        r->row = (rn && *e == '\0' && n > 0) ? n : r->row + 1;
        r->ncells = 0;
        r->width = 0;
        r->next_col = 0;
        r->rowtext.len = 1; /* keep the "" at offset 0 */
    }
}

/* Stores the value of the cell that just ended. */
static void sheet_cell_end(xlsx_reader *r)
{
    const char *v = r->text.p ? r->text.p : "";
    size_t vlen = r->text.len;
    xcell *cells;
    r->next_col = r->col + 1;
    if (r->ctype == 's') {
        char *e;
        unsigned long i;
        char cn[24];
        if (vlen == 0)
            return;
        r->text.p[vlen] = '\0';
        i = strtoul(v, &e, 10);
        if (*e != '\0' || i >= r->sst_n) {
            cell_name(r->col, r->row, cn);
            cb_fail(r, "%s: cell %s: no shared string %s", r->part, cn, v);
            return;
        }
        v = r->sst.p + r->sst_off[i];
        vlen = strlen(v);
    } else if (r->ctype == 'b' && vlen == 1 && (v[0] == '0' || v[0] == '1')) {
        v = v[0] == '1' ? "TRUE" : "FALSE";
        vlen = strlen(v);
    }
    if (vlen == 0)
        return;
    cells = nb_reader_grow(r->cells, &r->cells_cap, r->ncells, 1, sizeof *r->cells);
    if (cells)
        r->cells = cells;
    if (!cells || buf_add(&r->rowtext, v, vlen) != 0 || buf_add(&r->rowtext, "", 1) != 0) {
        cb_fail(r, "out of memory");
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
    if (strcmp(ln, "v") == 0) {
        r->in_v = 0;
    } else if (strcmp(ln, "t") == 0) {
        r->in_t = 0;
    } else if (strcmp(ln, "is") == 0) {
        r->in_is = 0;
    } else if (strcmp(ln, "rPh") == 0) {
        r->rph_depth--;
    } else if (strcmp(ln, "c") == 0) {
        sheet_cell_end(r);
    } else if (strcmp(ln, "row") == 0 && r->width > 0) {
        r->row_ready = 1;
        XML_StopParser(r->cur, XML_TRUE);
    }
}

static void XMLCALL sheet_chars(void *ud, const XML_Char *s, int len)
{
    xlsx_reader *r = ud;
    if ((r->in_v || (r->in_t && r->rph_depth == 0)) && buf_add(&r->text, s, (size_t)len) != 0)
        cb_fail(r, "out of memory");
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

static int xlsx_start(xlsx_reader *r, const char *sheet, char *err, size_t errlen)
{
    zlib_filefunc64_def io = {zfd_open, zfd_read,  zfd_write, zfd_tell,
                              zfd_seek, zfd_close, zfd_error, &r->base.fd};
    const pair *chosen = NULL;
    const char *target;
    int rc;
    r->base.encoding = "XLSX";
    r->zip = unzOpen2_64("", &io);
    if (!r->zip) {
        nb_reader_seterr(err, errlen, "not an XLSX file (damaged zip archive)");
        return -1;
    }
    rc = parse_part(r, "xl/workbook.xml", wb_start, NULL, NULL, err, errlen);
    if (rc == -2)
        nb_reader_seterr(err, errlen, "not an XLSX file (no xl/workbook.xml)");
    if (rc != 0)
        return -1;
    if (r->sheets.n == 0) {
        nb_reader_seterr(err, errlen, "no sheets in workbook");
        return -1;
    }
    if (!sheet) {
        chosen = &r->sheets.v[0];
    } else {
        size_t len;
        for (size_t i = 0; i < r->sheets.n && !chosen; i++)
            if (strcmp(r->sheets.v[i].key, sheet) == 0)
                chosen = &r->sheets.v[i];
        if (!chosen) {
            nb_reader_seterr(err, errlen, "no sheet named '%s' (sheets: ", sheet);
            for (size_t i = 0; i < r->sheets.n; i++) {
                len = strlen(err);
                nb_reader_seterr(err + len, errlen - len, "%s%s", i ? ", " : "", r->sheets.v[i].key);
            }
            len = strlen(err);
            nb_reader_seterr(err + len, errlen - len, ")");
            return -1;
        }
    }
    rc = parse_part(r, "xl/_rels/workbook.xml.rels", rels_start, NULL, NULL, err, errlen);
    if (rc == -2)
        nb_reader_seterr(err, errlen, "not an XLSX file (no xl/_rels/workbook.xml.rels)");
    if (rc != 0)
        return -1;
    target = rel_target(r, chosen->value);
    if (!target) {
        nb_reader_seterr(err, errlen, "sheet '%s': no relationship %s in xl/_rels/workbook.xml.rels",
               chosen->key, chosen->value);
        return -1;
    }
    r->part = part_path(target);
    if (!r->part) {
        nb_reader_seterr(err, errlen, "out of memory");
        return -1;
    }
    rc = parse_part(r, r->sst_part ? r->sst_part : "xl/sharedStrings.xml", sst_start, sst_end,
                    sst_chars, err, errlen);
    if (rc == -1)
        return -1;
    r->in_t = 0;
    r->rph_depth = 0;
    if (unzLocateFile(r->zip, r->part, 2) != UNZ_OK) {
        nb_reader_seterr(err, errlen, "sheet '%s': no %s in the archive", chosen->key, r->part);
        return -1;
    }
    if (unzOpenCurrentFile(r->zip) != UNZ_OK) {
        nb_reader_seterr(err, errlen, "%s: damaged zip entry", r->part);
        return -1;
    }
    r->entry_open = 1;
    r->parser = XML_ParserCreate(NULL);
    if (!r->parser || buf_add(&r->rowtext, "", 1) != 0) {
        nb_reader_seterr(err, errlen, "out of memory");
        return -1;
    }
    XML_SetUserData(r->parser, r);
    XML_SetElementHandler(r->parser, sheet_start, sheet_end);
    XML_SetCharacterDataHandler(r->parser, sheet_chars);
    r->cur = r->parser;
    r->cb_failed = 0;
    return 0;
}

static nb_err xlsx_next(nb_reader *base, size_t *nfields, char ***fields, long *line, char *err,
                        size_t errlen)
{
    xlsx_reader *r = (xlsx_reader *)base;
    r->row_ready = 0;
    while (!r->row_ready) {
        enum XML_Status st;
        if (r->finished)
            return NB_DONE;
        if (r->suspended) {
            r->suspended = 0;
            st = XML_ResumeParser(r->parser);
        } else {
            void *b = XML_GetBuffer(r->parser, XML_CHUNK);
            int n;
            if (!b) {
                r->finished = 1;
                *line = r->row;
                nb_reader_seterr(err, errlen, "out of memory");
                return NB_ERR_INPUT;
            }
            n = unzReadCurrentFile(r->zip, b, XML_CHUNK);
            if (n == 0) {
                r->entry_open = 0;
                if (unzCloseCurrentFile(r->zip) != UNZ_OK)
                    n = -1;
            }
            if (n < 0) {
                r->finished = 1;
                *line = r->row;
                nb_reader_seterr(err, errlen, "%s: damaged zip entry", r->part);
                return NB_ERR_INPUT;
            }
            r->fed_final = n == 0;
            st = XML_ParseBuffer(r->parser, n, n == 0);
        }
        if (st == XML_STATUS_ERROR) {
            r->finished = 1;
            *line = r->row;
            xml_error(r, r->parser, r->part, err, errlen);
            return NB_ERR_INPUT;
        }
        if (st == XML_STATUS_SUSPENDED)
            r->suspended = 1;
        else if (r->fed_final)
            r->finished = 1;
    }
    if (nb_reader_fields_reserve(&r->base, r->width) != 0) {
        r->finished = 1;
        *line = r->row;
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_INPUT;
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

static void xlsx_free(nb_reader *base)
{
    xlsx_reader *r = (xlsx_reader *)base;
    if (r->parser)
        XML_ParserFree(r->parser);
    if (r->zip) {
        if (r->entry_open)
            unzCloseCurrentFile(r->zip);
        unzClose(r->zip);
    }
    free(r->part);
    pairs_free(&r->sheets);
    pairs_free(&r->rels);
    free(r->sst_part);
    free(r->sst.p);
    free(r->sst_off);
    free(r->text.p);
    free(r->rowtext.p);
    free(r->cells);
}

nb_err nb_xlsx_open(int fd, const char *sheet, nb_reader **out, char *err, size_t errlen)
{
    xlsx_reader *r = calloc(1, sizeof *r);
    if (!r) {
        close(fd);
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    r->base.fd = fd;
    r->base.next = xlsx_next;
    r->base.free = xlsx_free;
    if (xlsx_start(r, sheet, err, errlen) != 0) {
        nb_reader_close(&r->base);
        return strcmp(err, "out of memory") == 0 ? NB_ERR_NOMEM : NB_ERR_INPUT;
    }
    *out = &r->base;
    return NB_OK;
}
