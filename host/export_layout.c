/* export_layout.c - column widths and row lines of a table from the width of its text. */
#include "export_layout.h"
#include "export_grid.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned decode(const unsigned char *s, size_t left, int *len);

#define UNBROKEN 20      /* text this wide (10 CJK characters) is not split to fit a tall merge */
#define HEAD_UNBROKEN 8  /* header text wider than this (4 CJK characters) wraps in two lines */

/* Lines one line of text (LEN bytes at S, W units wide) takes wrapped at CAPACITY units,
 * as a word processor or a spreadsheet wraps it: at the places line breaking allows
 * (nb_layout_breaks: spaces, CJK characters; not inside a Latin word), a piece wider
 * than a line broken where it must. */
static int wrapped_lines(const char *s, size_t len, int w, double capacity)
{
    int n, lines = 1;
    double used = 0, piece = 0;
    unsigned char *brk;
    const unsigned char *u = (const unsigned char *)s;

    if (w <= capacity)
        return 1;
    if (!(brk = nb_layout_breaks(s, len, NULL, &n)))
        return (int)ceil(w / capacity);
    for (int i = 0, at = 0; i <= n; i++) {
        if (i == n || (i > 0 && brk[i] != NB_BRK_ANY)) { /* a piece ends before i */
            if (used > 0 && used + piece > capacity) {
                lines++;
                used = 0;
            }
            while (piece > capacity) { /* too wide for any line: broken where it must */
                piece -= capacity;
                lines++;
            }
            used += piece;
            piece = 0;
        }
        if (i < n) {
            int l;
            decode(u + at, len - (size_t)at, &l);
            piece += nb_text_width_n(s + at, (size_t)l);
            at += l;
        }
    }
    free(brk);
    return lines;
}

/* The lines of text wrapped before, by text and capacity: a regeneration lays out the same
 * labels at the same widths in every workbook (breaking them was 3% of it, by callgrind).
 * Direct-mapped: a line of text whose slot another took is wrapped again. A line met for
 * the first time leaves its hash alone, and is kept from the second on: a process that lays
 * out one report copies nothing. For one process at a time. Freed at exit. */
#define WRAPPED_SLOTS 512

static struct wrapped {
    uint64_t hash;  /* of the text and capacity; 0: a free slot */
    char *text;     /* NULL: met once */
    size_t len;
    double capacity;
    int lines;
} wrapped[WRAPPED_SLOTS];

void nb_layout_kept_free(void)
{
    for (int i = 0; i < WRAPPED_SLOTS; i++)
        free(wrapped[i].text);
    memset(wrapped, 0, sizeof wrapped);
}

/* The hash of S[0..LEN) at CAPACITY (never 0), and its slot in *SLOT. */
static uint64_t wrapped_hash(const char *s, size_t len, double capacity, int *slot)
{
    uint64_t h = nb_fnv1a(nb_fnv1a(NB_FNV1A_START, s, len), &capacity, sizeof capacity) | 1;
    *slot = (int)((h ^ (h >> 32)) % WRAPPED_SLOTS);
    return h;
}

int nb_layout_test_slot(const char *s, double capacity)
{
    int slot;
    wrapped_hash(s, strlen(s), capacity, &slot);
    return slot;
}

/* wrapped_lines(S, LEN, W, CAPACITY), from the line wrapped before when it was. */
static int wrapped_kept(const char *s, size_t len, int w, double capacity)
{
    static int registered;
    int slot;
    uint64_t h = wrapped_hash(s, len, capacity, &slot);
    struct wrapped *k = &wrapped[slot];
    if (k->text && k->len == len && k->capacity == capacity && memcmp(k->text, s, len) == 0)
        return k->lines;
    int lines = wrapped_lines(s, len, w, capacity);
    if (k->hash != h || k->text) { /* met for the first time (or its slot taken since) */
        free(k->text);
        *k = (struct wrapped){.hash = h};
        return lines;
    }
    char *copy = malloc(len ? len : 1);
    if (copy) { /* out of memory: not kept */
        if (!registered)
            registered = atexit(nb_layout_kept_free) == 0;
        memcpy(copy, s, len);
        *k = (struct wrapped){h, copy, len, capacity, lines};
    }
    return lines;
}

int nb_layout_text_lines(const char *s, double capacity, int *widest)
{
    int lines = 0, wmax = 0;
    const char *line = s ? s : "", *next;

    for (; line; line = next) { /* each line in place, not copied */
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        int w = nb_text_width_n(line, len);
        next = nl ? nl + 1 : NULL;
        if (w > wmax)
            wmax = w;
        lines += capacity > 0 && w > capacity ? wrapped_kept(line, len, w, capacity) : 1;
    }
    *widest = wmax;
    return lines > 0 ? lines : 1;
}

static double width_for(const nb_layout_units *u, int text_width)
{
    return ceil(text_width * u->per_unit + u->pad);
}

double nb_layout_capacity(const nb_layout_units *u, double w)
{
    double cap = (w - u->pad) / u->per_unit;
    return cap > 1 ? cap : 1;
}

int nb_layout_data_column(const nb_table *t, const int *owner, int c)
{
    int numbers = 0;

    for (int r = t->header_rows; r < t->nrows; r++) {
        const nb_cell *cell = grid_cell(t, r, c);
        if (grid_covered(t, owner, r, c) || cell->header || cell->type == NB_V_BLANK)
            continue;
        if (!grid_is_number(cell))
            return 0;
        numbers++;
    }
    return numbers > 0;
}

void nb_layout_widths(const nb_table *t, const int *owner, const nb_layout_units *u, double *w)
{
    double widest = 0;

    for (int c = 0; c < t->ncols; c++)
        w[c] = 0;
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            int tw;
            double need;
            if (owner[(size_t)r * t->ncols + c] >= 0)
                continue;
            nb_layout_text_lines(grid_text(t, owner, r, c), 0, &tw);
            if (r < t->header_rows && tw > HEAD_UNBROKEN) /* headers wrap into two lines */
                tw = (tw + 1) / 2 + 1 > HEAD_UNBROKEN ? (tw + 1) / 2 + 1 : HEAD_UNBROKEN;
            need = fmin(width_for(u, tw), u->cell_max);
            if (need > w[c])
                w[c] = need;
        }
    }
    for (int span = 1; span <= t->ncols; span++) { /* narrow merges first */
        for (int m = 0; m < t->nmerges; m++) {
            const nb_merge *g = &t->merges[m];
            int rows = g->r2 - g->r1 + 1, cols = g->c2 - g->c1 + 1, tw, lines, per_line;
            double need, have = 0;
            if (cols != span)
                continue;
            nb_layout_text_lines(grid_text(t, owner, g->r1, g->c1), 0, &tw);
            /* Long text in a tall merge wraps into balanced lines, one per
             * row at most; up to UNBROKEN it stays on one line. */
            lines = (tw + UNBROKEN - 1) / UNBROKEN;
            if (lines > rows)
                lines = rows;
            per_line = lines > 1 ? (tw + lines - 1) / lines + 1 : tw;
            need = fmin(width_for(u, per_line), u->cell_max); /* longer merged text wraps */
            for (int c = g->c1; c <= g->c2; c++)
                have += w[c];
            if (need > have) {
                double add = ceil((need - have) / cols);
                for (int c = g->c1; c <= g->c2; c++)
                    w[c] += add;
            }
        }
    }
    for (int c = 0; c < t->ncols; c++) {
        if (nb_layout_data_column(t, owner, c) && w[c] > widest)
            widest = w[c];
    }
    for (int c = 0; c < t->ncols; c++) {
        if (nb_layout_data_column(t, owner, c))
            w[c] = widest;
        w[c] = fmax(u->col_min, fmin(u->col_max, w[c]));
    }
}

void nb_layout_lines(const nb_table *t, const int *owner, const nb_layout_units *u, const double *w,
                     int *lines)
{
    int widest;

    for (int r = 0; r < t->nrows; r++) {
        lines[r] = 1;
        for (int c = 0; c < t->ncols; c++) {
            int n;
            if (owner[(size_t)r * t->ncols + c] >= 0)
                continue;
            n = nb_layout_text_lines(grid_text(t, owner, r, c), nb_layout_capacity(u, w[c]), &widest);
            if (n > lines[r])
                lines[r] = n;
        }
    }
    for (int span = 1; span <= t->nrows; span++) { /* short merges first */
        for (int m = 0; m < t->nmerges; m++) {
            const nb_merge *g = &t->merges[m];
            double width = 0;
            int need, have = 0, rows = g->r2 - g->r1 + 1;
            if (rows != span)
                continue;
            for (int c = g->c1; c <= g->c2; c++)
                width += w[c];
            need = nb_layout_text_lines(grid_text(t, owner, g->r1, g->c1), nb_layout_capacity(u, width),
                                        &widest);
            for (int r = g->r1; r <= g->r2; r++)
                have += lines[r];
            if (need > have) {
                int add = (need - have + rows - 1) / rows;
                for (int r = g->r1; r <= g->r2; r++)
                    lines[r] += add;
            }
        }
    }
}

/* ---- where a line of text may end ------------------------------------------- */

/* The words of the national tables' labels and headers (and a few more of the
 * reports' vocabulary), for line breaking: a label is cut into words by longest
 * match; a line then ends between words where it can, and inside one only when
 * nothing else fits. Text without known words breaks as line breaking allows. */
static const char *const words[] = {
    "第二十条", "第一项", "第二项", "第三项", "第四项", "第三方", "本年度", "下年度", "上一年",
    "总数量", "总金额", "新公开", "新制作", "规范性", "事业性", "过程性", "自然人", "申请人",
    "本机关", "不掌握", "已获取", "出版物", "本年", "上年", "年度", "新收", "结转", "继续",
    "办理", "结果", "政府", "信息", "公开", "申请", "数量", "项目", "内容", "其他", "对外",
    "管理", "服务", "事项", "商业", "企业", "处理", "决定", "复议", "起诉", "总计", "集中",
    "采购", "未经", "直接", "制发", "件数", "废止", "收费", "金额", "单位", "万元", "制作",
    "法人", "组织", "法律", "机构", "现行", "有效", "情况", "社会", "公益", "科研", "纠正",
    "维持", "尚未", "审结", "行政", "事业", "处罚", "强制", "文件", "许可", "诉讼", "规章",
    "予以", "不予", "部分", "区分", "只计", "这一", "情形", "不计", "无法", "提供", "本列",
    "数据", "勾稽", "关系", "之和", "等于", "信访", "举报", "投诉", "属于", "国家", "秘密",
    "机关", "掌握", "相关", "正当", "理由", "逾期", "补正", "不再", "没有", "现成", "需要",
    "另行", "重复", "要求", "危及", "安全", "稳定", "明确", "出版", "保护", "合法", "权益",
    "大量", "反复", "三类", "四类", "内部", "事务", "过程", "执法", "案卷", "查询", "确认",
    "重新", "出具", "获取", "缴纳", "费用", "通知", "未按", "禁止", "法规", "主动", "依法",
    "工作", "报告", "答复", "期限", "案件", "收取", "检查", "通过", "判断", "级别",
    "公式", "说明", "证据", "记录", "位置", "编号",
};

/* The code point of the UTF-8 character at S (at most LEFT bytes) and its length; a
 * malformed byte is itself, length 1. */
static unsigned decode(const unsigned char *s, size_t left, int *len)
{
    unsigned c = s[0];
    int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;

    if ((size_t)n > left)
        n = 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            n = 0;
    }
    if (n <= 1) {
        *len = 1;
        return c;
    }
    c &= 0xFFu >> (n + 1);
    for (int i = 1; i < n; i++)
        c = c << 6 | (s[i] & 0x3F);
    *len = n;
    return c;
}

static int is_han(unsigned c)
{
    return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* 1 when C is one of the characters of SET (UTF-8). */
static int in_set(unsigned c, const char *set)
{
    const unsigned char *s = (const unsigned char *)set;
    size_t left = strlen(set);

    while (left > 0) {
        int len;
        if (decode(s, left, &len) == c)
            return 1;
        s += len;
        left -= (size_t)len;
    }
    return 0;
}

#define OPENING "（《「『【〔“‘(["
#define CLOSING "，、；：。！？）》」』】〕”’),.;:!?]"

/* 1 when line breaking allows a break between A and B (the module's own rule). */
static int allowed_between(unsigned a, unsigned b)
{
    if (b == ' ' || b == 0x3000 || in_set(b, CLOSING) || in_set(a, OPENING))
        return 0;
    if (a == ' ' || a == 0x3000)
        return 1;
    if (a < 0x80 && b < 0x80)
        return 0; /* inside a Latin word or a number */
    return 1;
}

/* The class of a break between A and B where one is allowed; WORD: a known word
 * ends or begins there. */
static nb_brk break_class(unsigned a, unsigned b, int word)
{
    if (in_set(a, "，、；：。！？）》」』】〕”’") || a == ' ' || a == 0x3000 || in_set(b, "（《「『【〔“‘"))
        return NB_BRK_PUNCT;
    if (is_han(a) && b < 0x80 && ((b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')))
        return NB_BRK_PUNCT; /* before a number: 沈河区人民政府 | 2020年 */
    if (in_set(a, "的或和及与并后"))
        return NB_BRK_PARTICLE;
    return word ? NB_BRK_WORD : NB_BRK_CHAR;
}

/* The length in characters (4, 3 or 2) of the longest known word at character I of S
 * (LEN bytes, its characters at byte offsets OFF), or 0. Character I is a Han character:
 * three bytes (or four), compared first, so only the words that start with it are looked at. */
static int word_at(const char *s, size_t len, const size_t *off, int i)
{
    const char *p = s + off[i];
    size_t left = len - off[i];
    int best = 0;

    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        const char *word = words[w];
        size_t bytes;
        int chars = 0;
        if (left < 3 || word[0] != p[0] || word[1] != p[1] || word[2] != p[2])
            continue;
        bytes = strlen(word);
        if (bytes > left || memcmp(word, p, bytes) != 0)
            continue;
        for (size_t b = 0; b < bytes; b++)
            chars += ((unsigned char)word[b] & 0xC0) != 0x80;
        if (chars > best)
            best = chars;
    }
    return best;
}

/* The byte offset where a leading numbering such as "1." or "12．" ends (0: none). */
static size_t numbering_end(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0)
        return 0;
    if (i < len && s[i] == '.')
        return i + 1;
    if (len - i >= 3 && memcmp(s + i, "．", 3) == 0)
        return i + 3;
    return 0;
}

unsigned char *nb_layout_breaks(const char *text, size_t len, const unsigned char *allowed, int *n_out)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t *off = malloc((len + 1) * sizeof *off), numbered;
    unsigned *cp = malloc((len + 1) * sizeof *cp);
    unsigned char *brk = calloc(len + 1, 1);
    int n = 0;

    *n_out = 0;
    if (!off || !cp || !brk) {
        free(off);
        free(cp);
        free(brk);
        return NULL;
    }
    for (size_t i = 0; i < len;) {
        int l;
        off[n] = i;
        cp[n++] = decode(s + i, len - i, &l);
        i += (size_t)l;
    }
    off[n] = len;
    /* the known words, as flags until the classes are set: 0x10, a word ends before
     * character i or begins at it; 0x20, i is inside a word */
    for (int i = 0; i < n;) {
        int wl = is_han(cp[i]) ? word_at((const char *)s, len, off, i) : 0;
        if (wl == 0) {
            i++;
            continue;
        }
        brk[i] |= 0x10;
        for (int k = i + 1; k < i + wl; k++)
            brk[k] |= 0x20;
        brk[i + wl] |= 0x10;
        i += wl;
    }
    numbered = numbering_end((const char *)s, len);
    for (int i = 1; i < n; i++) {
        int wordy = brk[i] & 0x10, inside = brk[i] & 0x20;
        int ok = allowed ? allowed[i] : allowed_between(cp[i - 1], cp[i]);
        brk[i] = (unsigned char)(ok ? break_class(cp[i - 1], cp[i], wordy) : NB_BRK_ANY);
        if (inside && brk[i] < NB_BRK_ANY)
            brk[i] = NB_BRK_INWORD;
        if (numbered && off[i] == numbered && brk[i] > NB_BRK_WORD) /* 1. | 属于国家秘密 */
            brk[i] = NB_BRK_WORD;
    }
    brk[0] = NB_BRK_NONE;
    brk[n] = NB_BRK_NONE;
    free(off);
    free(cp);
    *n_out = n;
    return brk;
}
