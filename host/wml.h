/* wml.h - a small WordprocessingML writer: the XML of a Word document's parts.
 *
 * Written the way libxlsxwriter writes its XML (xmlwriter.c): text and
 * attribute values are escaped in one place (nb_xml_text, nb_xml_attr_value),
 * elements are written by helpers that take an attribute list, and the
 * WordprocessingML pieces on top of them — paragraph and run properties,
 * runs, fields, tables with their grid, merged cells (w:gridSpan, w:vMerge)
 * and repeated header rows, sections, styles, relationships — write their
 * child elements in the order the schema (ECMA-376) requires, which Word
 * insists on. The writer only formats: it does not check that the document it
 * is given makes sense (a table's spans against its grid, say); the caller
 * does. Everything goes to a stdio stream; a stream in memory
 * (open_memstream) is the usual target, whose only failure is out of memory,
 * seen with ferror. Depends on libc. */
#ifndef NB_WML_H
#define NB_WML_H

#include <stdio.h>

/* ---- XML ------------------------------------------------------------------- */

#define NB_XML_MAX_ATTRS 12

/* The attributes of one element, in order: names are literals, values are
 * borrowed (they must live until the element is written) or, for numbers,
 * kept in the list. Start with NB_XML_ATTRS_INIT or nb_xml_attrs_clear. */
typedef struct {
    int n;
    struct {
        const char *name;
        const char *value; /* NULL: the number in num */
        char num[24];
    } a[NB_XML_MAX_ATTRS];
} nb_xml_attrs;

#define NB_XML_ATTRS_INIT {0}

void nb_xml_attrs_clear(nb_xml_attrs *a);

/* Adds NAME="VALUE" (a NULL VALUE is written as ""). Past NB_XML_MAX_ATTRS
 * attributes, further ones are dropped (a programming error: raise the limit). */
void nb_xml_attr(nb_xml_attrs *a, const char *name, const char *value);

/* Adds NAME="N". */
void nb_xml_attr_int(nb_xml_attrs *a, const char *name, long n);

/* Writes S as XML character data: & < > escaped; tab, newline and CR kept;
 * the other control characters (which XML 1.0 cannot hold) dropped; bytes
 * that are not UTF-8, and U+FFFE/U+FFFF, written as U+FFFD. NULL is "". */
void nb_xml_text(FILE *f, const char *s);

/* Writes S as an attribute value (inside double quotes): as nb_xml_text, with
 * " escaped too and tab, newline and CR as character references, so a reader
 * gets them back rather than spaces. */
void nb_xml_attr_value(FILE *f, const char *s);

/* S as the characters XML can hold (a copy the caller frees; NULL when memory ran out):
 * what a reader of nb_xml_text or nb_xml_attr_value gets back, without the escaping:
 * control characters but tab, line feed and carriage return dropped, a malformed byte and
 * U+FFFE, U+FFFF each one U+FFFD. For a writer that counts or compares characters before
 * it writes them (Excel's limits, its sheet names). */
char *nb_xml_chars(const char *s);

/* <?xml version="1.0" encoding="UTF-8" standalone="yes"?> and a newline. */
void nb_xml_declaration(FILE *f);

/* <TAG a="v"...>, </TAG>, <TAG a="v".../>; A may be NULL. */
void nb_xml_start(FILE *f, const char *tag, const nb_xml_attrs *a);
void nb_xml_end(FILE *f, const char *tag);
void nb_xml_empty(FILE *f, const char *tag, const nb_xml_attrs *a);

/* <TAG a="v"...>TEXT</TAG>, TEXT escaped. */
void nb_xml_data(FILE *f, const char *tag, const nb_xml_attrs *a, const char *text);

/* <TAG w:val="VAL"/>, the commonest WordprocessingML element. */
void nb_xml_val(FILE *f, const char *tag, const char *val);
void nb_xml_val_int(FILE *f, const char *tag, long val);

/* ---- units ----------------------------------------------------------------- */

/* Twentieths of a point (twips), Word's unit of length: millimetres and
 * points to twips, rounded. A4 is 11906 x 16838 twips. */
#define NB_WML_MM(mm) ((int)((mm) * 1440.0 / 25.4 + 0.5))
#define NB_WML_PT(pt) ((int)((pt) * 20.0 + 0.5))
#define NB_WML_A4_WIDTH 11906
#define NB_WML_A4_HEIGHT 16838

/* ---- paragraphs and runs --------------------------------------------------- */

typedef enum {
    NB_WML_JC_INHERIT = 0, /* no w:jc: the style's */
    NB_WML_JC_LEFT,
    NB_WML_JC_CENTER,
    NB_WML_JC_RIGHT,
    NB_WML_JC_BOTH /* justified */
} nb_wml_jc;

typedef enum {
    NB_WML_LINE_INHERIT = 0, /* no line spacing: the style's */
    NB_WML_LINE_EXACT,       /* line is the exact height, in twips */
    NB_WML_LINE_AUTO         /* line is in 240ths of a single line (240: single) */
} nb_wml_line_rule;

/* Paragraph properties (w:pPr). Zero means "not set" (inherit) for every
 * field; set flags are 1. */
typedef struct {
    const char *style;       /* w:pStyle: a paragraph style's id */
    int keep_next;           /* keep with the next paragraph (a heading with its table) */
    int keep_lines;          /* do not break the paragraph across pages */
    int page_break_before;
    int no_widow_control;    /* 1: w:widowControl off */
    int no_snap_to_grid;     /* 1: w:snapToGrid off */
    int space_before;        /* twips */
    int space_after;         /* twips */
    nb_wml_line_rule line_rule;
    int line;                /* see line_rule */
    int indent_set;          /* 1: write w:ind with the four fields below (0s included) */
    int indent_left;         /* twips */
    int indent_right;        /* twips */
    int first_line;          /* twips; for readers that ignore first_line_chars */
    int first_line_chars;    /* hundredths of a character (200: two characters) */
    nb_wml_jc jc;
    int outline_level;       /* 1-9: w:outlineLvl level-1 (what Word's navigation shows); 0: none */
} nb_wml_ppr;

/* Run properties (w:rPr). Zero/NULL means "inherit". */
typedef struct {
    const char *style; /* w:rStyle: a character style's id */
    const char *font;  /* one family for w:rFonts ascii, hAnsi, eastAsia and cs */
    int bold;          /* 1: bold */
    int size;          /* half-points (w:sz and w:szCs): 32 is 16pt (三号) */
    const char *lang_east_asia; /* w:lang w:eastAsia ("zh-CN"); with lang "en-US" */
} nb_wml_rpr;

/* <w:pPr>...</w:pPr> of P; nothing when P is NULL or sets nothing. RPR, when
 * not NULL, is the paragraph mark's run properties (inside w:pPr). */
void nb_wml_ppr_write(FILE *f, const nb_wml_ppr *p, const nb_wml_rpr *rpr);

/* <w:rPr>...</w:rPr> of R; nothing when R is NULL or sets nothing. */
void nb_wml_rpr_write(FILE *f, const nb_wml_rpr *r);

/* <w:p> and its properties; then runs; then nb_wml_p_end. */
void nb_wml_p_start(FILE *f, const nb_wml_ppr *p);
void nb_wml_p_end(FILE *f);

/* One run of TEXT with properties R (may be NULL): a newline is a line break
 * (w:br), a tab a w:tab, a CR dropped; spaces are kept (xml:space). */
void nb_wml_run(FILE *f, const nb_wml_rpr *r, const char *text);

/* A paragraph of one run: nb_wml_p_start, nb_wml_run, nb_wml_p_end. An
 * empty or NULL TEXT gives an empty paragraph. */
void nb_wml_paragraph(FILE *f, const nb_wml_ppr *p, const nb_wml_rpr *r, const char *text);

/* A complex field (w:fldChar begin, w:instrText INSTR, separate, the cached
 * result SHOWN, end), each run with properties R: INSTR "PAGE" numbers the
 * pages; SHOWN is what a reader that does not update fields prints. */
void nb_wml_field(FILE *f, const nb_wml_rpr *r, const char *instr, const char *shown);

/* ---- tables ---------------------------------------------------------------- */

/* A table (w:tbl): its properties and grid. */
typedef struct {
    const char *style;  /* w:tblStyle: a table style's id, or NULL */
    int ncols;
    const int *grid;    /* ncols column widths, twips (w:tblGrid) */
    int center;         /* 1: centred between the margins */
    int border;         /* single borders on every cell edge, in eighths of a point
                           (4: half a point); 0: none set */
    int cell_margin;    /* left and right cell margins, twips; 0: Word's default */
    int fixed;          /* 1: fixed layout (the grid's widths, not fitted to the text) */
} nb_wml_table;

/* A table row (w:tr). */
typedef struct {
    int header;     /* 1: a header row, repeated at the top of each page (w:tblHeader) */
    int cant_split; /* 1: the row is not broken across pages (w:cantSplit) */
} nb_wml_row;

typedef enum {
    NB_WML_VMERGE_NONE = 0,
    NB_WML_VMERGE_RESTART, /* the first cell of a vertical merge: it holds the text */
    NB_WML_VMERGE_CONTINUE /* a cell the merge above continues into: empty */
} nb_wml_vmerge;

/* A table cell (w:tc). */
typedef struct {
    int width;              /* twips (w:tcW); 0: not set */
    int span;               /* grid columns it covers (w:gridSpan), 0 or 1: one */
    nb_wml_vmerge vmerge;
    int vcenter;            /* 1: text centred vertically */
} nb_wml_cell;

/* <w:tbl>, its w:tblPr and w:tblGrid. */
void nb_wml_table_start(FILE *f, const nb_wml_table *t);
void nb_wml_table_end(FILE *f);
void nb_wml_row_start(FILE *f, const nb_wml_row *r);
void nb_wml_row_end(FILE *f);
/* <w:tc> and its w:tcPr; a cell must then hold at least one paragraph. */
void nb_wml_cell_start(FILE *f, const nb_wml_cell *c);
void nb_wml_cell_end(FILE *f);

/* w:tblBorders (or, with TAG "w:tcBorders", a cell's): single lines of SIZE
 * eighths of a point on the outside and inside edges. */
void nb_wml_borders(FILE *f, const char *tag, int size);

/* ---- sections, parts ------------------------------------------------------- */

/* A section's page (w:sectPr): size and margins in twips, footers by
 * relationship id. */
typedef struct {
    int width, height;         /* NB_WML_A4_WIDTH, NB_WML_A4_HEIGHT */
    int landscape;             /* 1: w:orient="landscape" (width and height given as printed) */
    int top, bottom, left, right;
    int header, footer;        /* distance of the header and footer from the page's edge */
    const char *footer_default; /* relationship id of the footer of odd pages (and all,
                                   without footer_even), or NULL */
    const char *footer_even;   /* relationship id of even pages' footer, or NULL
                                  (needs w:evenAndOddHeaders in the settings) */
    int line_pitch;            /* w:docGrid w:linePitch, twips; 0: none */
} nb_wml_section;

void nb_wml_section_write(FILE *f, const nb_wml_section *s);

/* The namespaces of the WordprocessingML parts written here. */
#define NB_WML_NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NB_WML_NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

/* The root element of a part (TAG "w:document", "w:ftr", "w:styles",
 * "w:settings", "w:fonts") with the w: and r: namespaces, after the XML
 * declaration; for w:document, w:body is opened too. Ended by
 * nb_wml_part_end with the same TAG. */
void nb_wml_part_start(FILE *f, const char *tag);
void nb_wml_part_end(FILE *f, const char *tag);

/* ---- styles ---------------------------------------------------------------- */

typedef enum {
    NB_WML_STYLE_PARAGRAPH = 0,
    NB_WML_STYLE_CHARACTER,
    NB_WML_STYLE_TABLE
} nb_wml_style_type;

/* One style (w:style) of word/styles.xml. */
typedef struct {
    nb_wml_style_type type;
    const char *id;       /* w:styleId: "Heading1" */
    const char *name;     /* w:name: Word's built-in names are lower case ("heading 1") */
    const char *based_on; /* a style id, or NULL */
    const char *next;     /* the style of the paragraph after, or NULL */
    int is_default;       /* 1: the default style of its type */
    int quick;            /* 1: in the style gallery (w:qFormat) */
    int ui_priority;      /* 0: not set */
    const nb_wml_ppr *ppr; /* paragraph properties, or NULL */
    const nb_wml_rpr *rpr; /* run properties, or NULL */
    int table_border;     /* table styles: borders as nb_wml_table's border */
    int table_cell_margin; /* table styles: left and right cell margins, twips */
} nb_wml_style;

/* <w:docDefaults>: the run and paragraph properties every style starts from. */
void nb_wml_doc_defaults(FILE *f, const nb_wml_rpr *r, const nb_wml_ppr *p);

void nb_wml_style_write(FILE *f, const nb_wml_style *s);

/* One font of word/fontTable.xml: its family class ("roman", "swiss",
 * "modern"), with charset 86 (GB2312) and variable pitch, which is what Word
 * goes by when the font is missing. ALT, when not NULL, is w:altName. */
void nb_wml_font(FILE *f, const char *name, const char *alt, const char *family);

/* ---- package parts (OPC) --------------------------------------------------- */

/* [Content_Types].xml: <Types>, the defaults for .rels and .xml, one
 * override per part (PART "/word/document.xml"), </Types>. */
void nb_opc_types_start(FILE *f);
void nb_opc_override(FILE *f, const char *part, const char *content_type);
void nb_opc_types_end(FILE *f);

/* A relationships part (_rels/.rels, word/_rels/document.xml.rels). TYPE is
 * the relationship type's last segment after the officeDocument namespace
 * ("officeDocument", "styles", "footer") or a full URI. */
void nb_opc_rels_start(FILE *f);
void nb_opc_rel(FILE *f, const char *id, const char *type, const char *target);
void nb_opc_rels_end(FILE *f);

/* _rels/.rels of a package: its main part MAIN_PART ("word/document.xml"), then
 * docProps/core.xml and docProps/app.xml. */
void nb_opc_package_rels(FILE *f, const char *main_part);

/* "YYYY-MM-DDTHH:MM:SSZ" of Unix time T (UTC) into OUT (21 bytes): core.xml's dates. */
void nb_opc_w3cdtf(long long t, char out[21]);

/* docProps/core.xml: the document's properties (NULL fields are left out). */
typedef struct {
    const char *title;
    const char *subject;
    const char *creator;  /* who wrote it: Word shows it as the author */
    const char *keywords;
    long long created;    /* Unix time: dcterms:created and dcterms:modified */
} nb_opc_core;

void nb_opc_core_write(FILE *f, const nb_opc_core *c);

#endif
