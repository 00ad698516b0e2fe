/* wml.c - a small WordprocessingML writer (wml.h): escaping, elements, and a Word document's pieces. */
#include "wml.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- XML ------------------------------------------------------------------- */

void nb_xml_attrs_clear(nb_xml_attrs *a)
{
    a->n = 0;
}

void nb_xml_attr(nb_xml_attrs *a, const char *name, const char *value)
{
    if (a->n >= NB_XML_MAX_ATTRS)
        return;
    a->a[a->n].name = name;
    a->a[a->n].value = value ? value : "";
    a->n++;
}

void nb_xml_attr_int(nb_xml_attrs *a, const char *name, long n)
{
    if (a->n >= NB_XML_MAX_ATTRS)
        return;
    a->a[a->n].name = name;
    a->a[a->n].value = NULL;
    snprintf(a->a[a->n].num, sizeof a->a[a->n].num, "%ld", n);
    a->n++;
}

/* Length (2-4) of the well-formed UTF-8 sequence of a character at S whose
 * lead byte is not ASCII, with the character in *CP; 0 when the bytes are not
 * one (a stray continuation byte, a cut sequence, an overlong form, a
 * surrogate, past U+10FFFF). */
static int utf8_sequence(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0], min;
    int len;

    if (c >= 0xC2 && c <= 0xDF)
        len = 2, c &= 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, c &= 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, c &= 0x07, min = 0x10000;
    else
        return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

enum { AS_TEXT, AS_ATTR, AS_CHARS };

/* The one escaping routine: S as character data (AS_TEXT), as an attribute value
 * (AS_ATTR), or as the characters XML can hold, unescaped (AS_CHARS: what a reader of the
 * other two gets back). Plain stretches are written in one fwrite. Returns 1 when some
 * character was escaped, replaced or left out; with F NULL, writes nothing and stops there. */
static int escape(FILE *f, const char *s, int mode)
{
    int attr = mode == AS_ATTR;
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)(s ? s : ""), *plain = p;
    int changed = 0;

    while (*p) {
        const char *out = NULL;
        size_t skip = 1;
        unsigned cp;
        int len;

        if (*p < 0x80 && mode == AS_CHARS) {
            out = *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r' ? "" : NULL;
        } else if (*p < 0x80) {
            switch (*p) {
            case '&': out = "&amp;"; break;
            case '<': out = "&lt;"; break;
            case '>': out = "&gt;"; break;
            case '"': out = attr ? "&quot;" : NULL; break;
            case '\t': out = attr ? "&#9;" : NULL; break;
            case '\n': out = attr ? "&#10;" : NULL; break;
            case '\r': out = attr ? "&#13;" : NULL; break;
            default: out = *p < 0x20 ? "" : NULL; break; /* no control characters in XML 1.0 */
            }
        } else if ((len = utf8_sequence(p, &cp)) == 0) {
            out = replacement;
        } else {
            skip = (size_t)len;
            if (cp == 0xFFFE || cp == 0xFFFF)
                out = replacement;
        }
        if (out && !f)
            return 1;
        if (out) {
            changed = 1;
            fwrite(plain, 1, (size_t)(p - plain), f);
            fputs(out, f);
            p += skip;
            plain = p;
        } else {
            p += skip;
        }
    }
    if (f)
        fwrite(plain, 1, (size_t)(p - plain), f);
    return changed;
}

void nb_xml_text(FILE *f, const char *s)
{
    escape(f, s, AS_TEXT);
}

void nb_xml_attr_value(FILE *f, const char *s)
{
    escape(f, s, AS_ATTR);
}

char *nb_xml_chars(const char *s)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f;
    int bad;

    if (!escape(NULL, s, AS_CHARS)) /* the usual case: nothing to change (a stream in memory
                                       for each of a workbook's texts was 5% of a regen) */
        return strdup(s ? s : "");
    if (!(f = open_memstream(&out, &len)))
        return NULL;
    escape(f, s, AS_CHARS);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(out);
        return NULL;
    }
    return out;
}

void nb_xml_declaration(FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n", f);
}

static void open_tag(FILE *f, const char *tag, const nb_xml_attrs *a)
{
    fputc('<', f);
    fputs(tag, f);
    for (int i = 0; a && i < a->n; i++) {
        fprintf(f, " %s=\"", a->a[i].name);
        nb_xml_attr_value(f, a->a[i].value ? a->a[i].value : a->a[i].num);
        fputc('"', f);
    }
}

void nb_xml_start(FILE *f, const char *tag, const nb_xml_attrs *a)
{
    open_tag(f, tag, a);
    fputc('>', f);
}

void nb_xml_end(FILE *f, const char *tag)
{
    fprintf(f, "</%s>", tag);
}

void nb_xml_empty(FILE *f, const char *tag, const nb_xml_attrs *a)
{
    open_tag(f, tag, a);
    fputs("/>", f);
}

void nb_xml_data(FILE *f, const char *tag, const nb_xml_attrs *a, const char *text)
{
    nb_xml_start(f, tag, a);
    nb_xml_text(f, text);
    nb_xml_end(f, tag);
}

void nb_xml_val(FILE *f, const char *tag, const char *val)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;
    nb_xml_attr(&a, "w:val", val);
    nb_xml_empty(f, tag, &a);
}

void nb_xml_val_int(FILE *f, const char *tag, long val)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;
    nb_xml_attr_int(&a, "w:val", val);
    nb_xml_empty(f, tag, &a);
}

/* <TAG w:w="W" w:type="dxa"/>: a width in twips. */
static void width_element(FILE *f, const char *tag, int w)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;
    nb_xml_attr_int(&a, "w:w", w);
    nb_xml_attr(&a, "w:type", "dxa");
    nb_xml_empty(f, tag, &a);
}

/* ---- paragraphs and runs --------------------------------------------------- */

static const char *jc_name(nb_wml_jc jc)
{
    switch (jc) {
    case NB_WML_JC_LEFT: return "left";
    case NB_WML_JC_CENTER: return "center";
    case NB_WML_JC_RIGHT: return "right";
    case NB_WML_JC_BOTH: return "both";
    default: return NULL;
    }
}

static int rpr_sets(const nb_wml_rpr *r)
{
    return r && (r->style || r->font || r->bold || r->size > 0 || r->lang_east_asia);
}

static int ppr_sets(const nb_wml_ppr *p)
{
    return p && (p->style || p->keep_next || p->keep_lines || p->page_break_before
                 || p->no_widow_control || p->no_snap_to_grid || p->space_before > 0
                 || p->space_after > 0 || p->line_rule != NB_WML_LINE_INHERIT || p->indent_set
                 || jc_name(p->jc) || p->outline_level > 0);
}

void nb_wml_rpr_write(FILE *f, const nb_wml_rpr *r)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    if (!rpr_sets(r))
        return;
    nb_xml_start(f, "w:rPr", NULL);
    if (r->style)
        nb_xml_val(f, "w:rStyle", r->style);
    if (r->font) {
        nb_xml_attr(&a, "w:ascii", r->font);
        nb_xml_attr(&a, "w:hAnsi", r->font);
        nb_xml_attr(&a, "w:eastAsia", r->font);
        nb_xml_attr(&a, "w:cs", r->font);
        nb_xml_empty(f, "w:rFonts", &a);
    }
    if (r->bold) {
        nb_xml_empty(f, "w:b", NULL);
        nb_xml_empty(f, "w:bCs", NULL);
    }
    if (r->size > 0) {
        nb_xml_val_int(f, "w:sz", r->size);
        nb_xml_val_int(f, "w:szCs", r->size);
    }
    if (r->lang_east_asia) {
        nb_xml_attrs_clear(&a);
        nb_xml_attr(&a, "w:val", "en-US");
        nb_xml_attr(&a, "w:eastAsia", r->lang_east_asia);
        nb_xml_empty(f, "w:lang", &a);
    }
    nb_xml_end(f, "w:rPr");
}

void nb_wml_ppr_write(FILE *f, const nb_wml_ppr *p, const nb_wml_rpr *rpr)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    if (!ppr_sets(p) && !rpr_sets(rpr))
        return;
    nb_xml_start(f, "w:pPr", NULL);
    if (p && p->style)
        nb_xml_val(f, "w:pStyle", p->style);
    if (p && p->keep_next)
        nb_xml_empty(f, "w:keepNext", NULL);
    if (p && p->keep_lines)
        nb_xml_empty(f, "w:keepLines", NULL);
    if (p && p->page_break_before)
        nb_xml_empty(f, "w:pageBreakBefore", NULL);
    if (p && p->no_widow_control)
        nb_xml_val(f, "w:widowControl", "0");
    if (p && p->no_snap_to_grid)
        nb_xml_val(f, "w:snapToGrid", "0");
    if (p && (p->space_before > 0 || p->space_after > 0 || p->line_rule != NB_WML_LINE_INHERIT)) {
        if (p->space_before > 0)
            nb_xml_attr_int(&a, "w:before", p->space_before);
        if (p->space_after > 0)
            nb_xml_attr_int(&a, "w:after", p->space_after);
        if (p->line_rule != NB_WML_LINE_INHERIT) {
            nb_xml_attr_int(&a, "w:line", p->line);
            nb_xml_attr(&a, "w:lineRule", p->line_rule == NB_WML_LINE_EXACT ? "exact" : "auto");
        }
        nb_xml_empty(f, "w:spacing", &a);
    }
    if (p && p->indent_set) {
        nb_xml_attrs_clear(&a);
        nb_xml_attr_int(&a, "w:left", p->indent_left);
        nb_xml_attr_int(&a, "w:right", p->indent_right);
        nb_xml_attr_int(&a, "w:firstLineChars", p->first_line_chars);
        nb_xml_attr_int(&a, "w:firstLine", p->first_line);
        nb_xml_empty(f, "w:ind", &a);
    }
    if (p && jc_name(p->jc))
        nb_xml_val(f, "w:jc", jc_name(p->jc));
    if (p && p->outline_level > 0)
        nb_xml_val_int(f, "w:outlineLvl", p->outline_level - 1);
    nb_wml_rpr_write(f, rpr);
    nb_xml_end(f, "w:pPr");
}

void nb_wml_p_start(FILE *f, const nb_wml_ppr *p)
{
    nb_xml_start(f, "w:p", NULL);
    nb_wml_ppr_write(f, p, NULL);
}

void nb_wml_p_end(FILE *f)
{
    nb_xml_end(f, "w:p");
    fputc('\n', f);
}

/* <w:t> of the N bytes at S, with xml:space="preserve" when a space at either
 * end would otherwise be dropped. */
static void text_element(FILE *f, const char *s, size_t n)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;
    char buf[512];
    size_t done = 0;

    if (n == 0)
        return;
    if (s[0] == ' ' || s[n - 1] == ' ')
        nb_xml_attr(&a, "xml:space", "preserve");
    nb_xml_start(f, "w:t", &a);
    while (done < n) { /* escape() takes a string: copy in pieces, at character boundaries */
        size_t k = n - done < sizeof buf - 1 ? n - done : sizeof buf - 1;
        while (k < n - done && k > 0 && ((unsigned char)s[done + k] & 0xC0) == 0x80)
            k--;
        if (k == 0)
            k = n - done < sizeof buf - 1 ? n - done : sizeof buf - 1;
        memcpy(buf, s + done, k);
        buf[k] = '\0';
        nb_xml_text(f, buf);
        done += k;
    }
    nb_xml_end(f, "w:t");
}

void nb_wml_run(FILE *f, const nb_wml_rpr *r, const char *text)
{
    const char *s = text ? text : "";

    nb_xml_start(f, "w:r", NULL);
    nb_wml_rpr_write(f, r);
    for (;;) {
        size_t n = strcspn(s, "\n\t\r");
        text_element(f, s, n);
        s += n;
        if (!*s)
            break;
        if (*s == '\n')
            nb_xml_empty(f, "w:br", NULL);
        else if (*s == '\t')
            nb_xml_empty(f, "w:tab", NULL);
        s++;
    }
    nb_xml_end(f, "w:r");
}

void nb_wml_paragraph(FILE *f, const nb_wml_ppr *p, const nb_wml_rpr *r, const char *text)
{
    nb_wml_p_start(f, p);
    if (text && *text)
        nb_wml_run(f, r, text);
    nb_wml_p_end(f);
}

/* A run holding one w:fldChar of TYPE. */
static void field_char(FILE *f, const nb_wml_rpr *r, const char *type)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_attr(&a, "w:fldCharType", type);
    nb_xml_start(f, "w:r", NULL);
    nb_wml_rpr_write(f, r);
    nb_xml_empty(f, "w:fldChar", &a);
    nb_xml_end(f, "w:r");
}

void nb_wml_field(FILE *f, const nb_wml_rpr *r, const char *instr, const char *shown)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    field_char(f, r, "begin");
    nb_xml_start(f, "w:r", NULL);
    nb_wml_rpr_write(f, r);
    nb_xml_attr(&a, "xml:space", "preserve");
    nb_xml_start(f, "w:instrText", &a);
    fputc(' ', f);
    nb_xml_text(f, instr);
    fputc(' ', f);
    nb_xml_end(f, "w:instrText");
    nb_xml_end(f, "w:r");
    field_char(f, r, "separate");
    nb_wml_run(f, r, shown);
    field_char(f, r, "end");
}

/* ---- tables ---------------------------------------------------------------- */

void nb_wml_borders(FILE *f, const char *tag, int size)
{
    static const char *const edges[] = {"w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV"};

    nb_xml_start(f, tag, NULL);
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        nb_xml_attrs a = NB_XML_ATTRS_INIT;
        nb_xml_attr(&a, "w:val", "single");
        nb_xml_attr_int(&a, "w:sz", size);
        nb_xml_attr_int(&a, "w:space", 0);
        nb_xml_attr(&a, "w:color", "000000");
        nb_xml_empty(f, edges[i], &a);
    }
    nb_xml_end(f, tag);
}

/* <w:tblCellMar> with left and right margins of M twips. */
static void cell_margins(FILE *f, int m)
{
    nb_xml_start(f, "w:tblCellMar", NULL);
    width_element(f, "w:left", m);
    width_element(f, "w:right", m);
    nb_xml_end(f, "w:tblCellMar");
}

void nb_wml_table_start(FILE *f, const nb_wml_table *t)
{
    long total = 0;

    for (int c = 0; c < t->ncols; c++)
        total += t->grid[c];
    nb_xml_start(f, "w:tbl", NULL);
    nb_xml_start(f, "w:tblPr", NULL);
    if (t->style)
        nb_xml_val(f, "w:tblStyle", t->style);
    width_element(f, "w:tblW", (int)total);
    if (t->center)
        nb_xml_val(f, "w:jc", "center");
    if (t->border > 0)
        nb_wml_borders(f, "w:tblBorders", t->border);
    if (t->fixed) {
        nb_xml_attrs a = NB_XML_ATTRS_INIT;
        nb_xml_attr(&a, "w:type", "fixed");
        nb_xml_empty(f, "w:tblLayout", &a);
    }
    if (t->cell_margin > 0)
        cell_margins(f, t->cell_margin);
    nb_xml_end(f, "w:tblPr");
    nb_xml_start(f, "w:tblGrid", NULL);
    for (int c = 0; c < t->ncols; c++) {
        nb_xml_attrs a = NB_XML_ATTRS_INIT;
        nb_xml_attr_int(&a, "w:w", t->grid[c]);
        nb_xml_empty(f, "w:gridCol", &a);
    }
    nb_xml_end(f, "w:tblGrid");
    fputc('\n', f);
}

void nb_wml_table_end(FILE *f)
{
    nb_xml_end(f, "w:tbl");
    fputc('\n', f);
}

void nb_wml_row_start(FILE *f, const nb_wml_row *r)
{
    nb_xml_start(f, "w:tr", NULL);
    if (r && (r->cant_split || r->header)) {
        nb_xml_start(f, "w:trPr", NULL);
        if (r->cant_split)
            nb_xml_empty(f, "w:cantSplit", NULL);
        if (r->header)
            nb_xml_empty(f, "w:tblHeader", NULL);
        nb_xml_end(f, "w:trPr");
    }
}

void nb_wml_row_end(FILE *f)
{
    nb_xml_end(f, "w:tr");
    fputc('\n', f);
}

void nb_wml_cell_start(FILE *f, const nb_wml_cell *c)
{
    nb_xml_start(f, "w:tc", NULL);
    if (c && (c->width > 0 || c->span > 1 || c->vmerge || c->vcenter)) {
        nb_xml_start(f, "w:tcPr", NULL);
        if (c->width > 0)
            width_element(f, "w:tcW", c->width);
        if (c->span > 1)
            nb_xml_val_int(f, "w:gridSpan", c->span);
        if (c->vmerge == NB_WML_VMERGE_RESTART)
            nb_xml_val(f, "w:vMerge", "restart");
        else if (c->vmerge == NB_WML_VMERGE_CONTINUE)
            nb_xml_empty(f, "w:vMerge", NULL);
        if (c->vcenter)
            nb_xml_val(f, "w:vAlign", "center");
        nb_xml_end(f, "w:tcPr");
    }
}

void nb_wml_cell_end(FILE *f)
{
    nb_xml_end(f, "w:tc");
}

/* ---- sections, parts ------------------------------------------------------- */

/* <w:footerReference w:type="TYPE" r:id="ID"/>. */
static void footer_reference(FILE *f, const char *type, const char *id)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_attr(&a, "w:type", type);
    nb_xml_attr(&a, "r:id", id);
    nb_xml_empty(f, "w:footerReference", &a);
}

void nb_wml_section_write(FILE *f, const nb_wml_section *s)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_start(f, "w:sectPr", NULL);
    if (s->footer_even)
        footer_reference(f, "even", s->footer_even);
    if (s->footer_default)
        footer_reference(f, "default", s->footer_default);
    nb_xml_attr_int(&a, "w:w", s->width);
    nb_xml_attr_int(&a, "w:h", s->height);
    if (s->landscape)
        nb_xml_attr(&a, "w:orient", "landscape");
    nb_xml_empty(f, "w:pgSz", &a);
    nb_xml_attrs_clear(&a);
    nb_xml_attr_int(&a, "w:top", s->top);
    nb_xml_attr_int(&a, "w:right", s->right);
    nb_xml_attr_int(&a, "w:bottom", s->bottom);
    nb_xml_attr_int(&a, "w:left", s->left);
    nb_xml_attr_int(&a, "w:header", s->header);
    nb_xml_attr_int(&a, "w:footer", s->footer);
    nb_xml_attr_int(&a, "w:gutter", 0);
    nb_xml_empty(f, "w:pgMar", &a);
    nb_xml_attrs_clear(&a);
    nb_xml_attr_int(&a, "w:space", 425);
    nb_xml_empty(f, "w:cols", &a);
    if (s->line_pitch > 0) {
        nb_xml_attrs_clear(&a);
        nb_xml_attr_int(&a, "w:linePitch", s->line_pitch);
        nb_xml_empty(f, "w:docGrid", &a);
    }
    nb_xml_end(f, "w:sectPr");
    fputc('\n', f);
}

void nb_wml_part_start(FILE *f, const char *tag)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_declaration(f);
    nb_xml_attr(&a, "xmlns:w", NB_WML_NS_W);
    nb_xml_attr(&a, "xmlns:r", NB_WML_NS_R);
    nb_xml_start(f, tag, &a);
    if (strcmp(tag, "w:document") == 0)
        nb_xml_start(f, "w:body", NULL);
    fputc('\n', f);
}

void nb_wml_part_end(FILE *f, const char *tag)
{
    if (strcmp(tag, "w:document") == 0)
        nb_xml_end(f, "w:body");
    nb_xml_end(f, tag);
    fputc('\n', f);
}

/* ---- styles ---------------------------------------------------------------- */

void nb_wml_doc_defaults(FILE *f, const nb_wml_rpr *r, const nb_wml_ppr *p)
{
    nb_xml_start(f, "w:docDefaults", NULL);
    nb_xml_start(f, "w:rPrDefault", NULL);
    nb_wml_rpr_write(f, r);
    nb_xml_end(f, "w:rPrDefault");
    nb_xml_start(f, "w:pPrDefault", NULL);
    nb_wml_ppr_write(f, p, NULL);
    nb_xml_end(f, "w:pPrDefault");
    nb_xml_end(f, "w:docDefaults");
    fputc('\n', f);
}

void nb_wml_style_write(FILE *f, const nb_wml_style *s)
{
    static const char *const types[] = {"paragraph", "character", "table"};
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_attr(&a, "w:type", types[s->type]);
    if (s->is_default)
        nb_xml_attr(&a, "w:default", "1");
    nb_xml_attr(&a, "w:styleId", s->id);
    nb_xml_start(f, "w:style", &a);
    nb_xml_val(f, "w:name", s->name);
    if (s->based_on)
        nb_xml_val(f, "w:basedOn", s->based_on);
    if (s->next)
        nb_xml_val(f, "w:next", s->next);
    if (s->ui_priority > 0)
        nb_xml_val_int(f, "w:uiPriority", s->ui_priority);
    if (s->quick)
        nb_xml_empty(f, "w:qFormat", NULL);
    nb_wml_ppr_write(f, s->ppr, NULL);
    nb_wml_rpr_write(f, s->rpr);
    if (s->type == NB_WML_STYLE_TABLE && (s->table_border > 0 || s->table_cell_margin > 0)) {
        nb_xml_start(f, "w:tblPr", NULL);
        if (s->table_border > 0)
            nb_wml_borders(f, "w:tblBorders", s->table_border);
        if (s->table_cell_margin > 0)
            cell_margins(f, s->table_cell_margin);
        nb_xml_end(f, "w:tblPr");
    }
    nb_xml_end(f, "w:style");
    fputc('\n', f);
}

void nb_wml_font(FILE *f, const char *name, const char *alt, const char *family)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_attr(&a, "w:name", name);
    nb_xml_start(f, "w:font", &a);
    if (alt && *alt)
        nb_xml_val(f, "w:altName", alt);
    nb_xml_val(f, "w:charset", "86");
    nb_xml_val(f, "w:family", family ? family : "auto");
    nb_xml_val(f, "w:pitch", "variable");
    nb_xml_end(f, "w:font");
    fputc('\n', f);
}

/* ---- package parts (OPC) --------------------------------------------------- */

void nb_opc_types_start(FILE *f)
{
    static const char *const defaults[][2] = {
        {"rels", "application/vnd.openxmlformats-package.relationships+xml"},
        {"xml", "application/xml"},
    };
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_declaration(f);
    nb_xml_attr(&a, "xmlns", "http://schemas.openxmlformats.org/package/2006/content-types");
    nb_xml_start(f, "Types", &a);
    for (int i = 0; i < 2; i++) {
        nb_xml_attrs_clear(&a);
        nb_xml_attr(&a, "Extension", defaults[i][0]);
        nb_xml_attr(&a, "ContentType", defaults[i][1]);
        nb_xml_empty(f, "Default", &a);
    }
}

void nb_opc_override(FILE *f, const char *part, const char *content_type)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_attr(&a, "PartName", part);
    nb_xml_attr(&a, "ContentType", content_type);
    nb_xml_empty(f, "Override", &a);
}

void nb_opc_types_end(FILE *f)
{
    nb_xml_end(f, "Types");
    fputc('\n', f);
}

void nb_opc_rels_start(FILE *f)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_declaration(f);
    nb_xml_attr(&a, "xmlns", "http://schemas.openxmlformats.org/package/2006/relationships");
    nb_xml_start(f, "Relationships", &a);
}

void nb_opc_rel(FILE *f, const char *id, const char *type, const char *target)
{
    char uri[256];
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    if (strstr(type, "://"))
        snprintf(uri, sizeof uri, "%s", type);
    else
        snprintf(uri, sizeof uri, "%s/%s", NB_WML_NS_R, type);
    nb_xml_attr(&a, "Id", id);
    nb_xml_attr(&a, "Type", uri);
    nb_xml_attr(&a, "Target", target);
    nb_xml_empty(f, "Relationship", &a);
}

void nb_opc_rels_end(FILE *f)
{
    nb_xml_end(f, "Relationships");
    fputc('\n', f);
}

void nb_opc_package_rels(FILE *f, const char *main_part)
{
    nb_opc_rels_start(f);
    nb_opc_rel(f, "rId1", "officeDocument", main_part);
    nb_opc_rel(f, "rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
               "docProps/core.xml");
    nb_opc_rel(f, "rId3", "extended-properties", "docProps/app.xml");
    nb_opc_rels_end(f);
}

void nb_opc_w3cdtf(long long t, char out[21])
{
    int ymd, secs;

    nb_utc(t < 0 || t > 253402300799LL ? 0 : t, &ymd, &secs); /* past 9999-12-31: the epoch */
    snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(ymd / 10000) % 10000u,
             (unsigned)(ymd / 100 % 100) % 100u, (unsigned)(ymd % 100), (unsigned)(secs / 3600),
             (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

void nb_opc_core_write(FILE *f, const nb_opc_core *c)
{
    char when[21];
    nb_xml_attrs a = NB_XML_ATTRS_INIT, date = NB_XML_ATTRS_INIT;

    nb_xml_declaration(f);
    nb_xml_attr(&a, "xmlns:cp", "http://schemas.openxmlformats.org/package/2006/metadata/core-properties");
    nb_xml_attr(&a, "xmlns:dc", "http://purl.org/dc/elements/1.1/");
    nb_xml_attr(&a, "xmlns:dcterms", "http://purl.org/dc/terms/");
    nb_xml_attr(&a, "xmlns:dcmitype", "http://purl.org/dc/dcmitype/");
    nb_xml_attr(&a, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
    nb_xml_start(f, "cp:coreProperties", &a);
    if (c->title)
        nb_xml_data(f, "dc:title", NULL, c->title);
    if (c->subject)
        nb_xml_data(f, "dc:subject", NULL, c->subject);
    if (c->creator)
        nb_xml_data(f, "dc:creator", NULL, c->creator);
    if (c->keywords)
        nb_xml_data(f, "cp:keywords", NULL, c->keywords);
    nb_opc_w3cdtf(c->created, when);
    nb_xml_attr(&date, "xsi:type", "dcterms:W3CDTF");
    nb_xml_data(f, "dcterms:created", &date, when);
    nb_xml_data(f, "dcterms:modified", &date, when);
    nb_xml_end(f, "cp:coreProperties");
    fputc('\n', f);
}
