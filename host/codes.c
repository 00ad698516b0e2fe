/* codes.c - the catalogue: record kinds, fields, rules, flows and the national values. */
#include "codes.h"

#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- national values, in the order of the national tables ---- */

static const nb_value applicant_values[] = {
    {"person", "自然人", "个人|公民", 0, 1, NULL},
    {"business", "商业企业", "企业", 0, 1, NULL},
    {"research", "科研机构", NULL, 0, 1, NULL},
    {"ngo", "社会公益组织", NULL, 0, 1, NULL},
    {"legal", "法律服务机构", NULL, 0, 1, NULL},
    {"other", "其他", NULL, 0, 1, NULL},
};

/* The numbering is that of the rows of 表三 (formats.md). */
static const nb_value outcome_values[] = {
    {"1", "予以公开", NULL, 0, 1, NULL},
    {"2", "部分公开", "部分公开（区分处理的，只计这一情形，不计其他情形）", 0, 1, NULL},
    {"3", "不予公开", NULL, 1, 1, NULL},
    {"3.1", "属于国家秘密", NULL, 0, 1, NULL},
    {"3.2", "其他法律行政法规禁止公开", NULL, 0, 1, "其他法律行政止公开"},
    {"3.3", "危及“三安全一稳定”", "危及\"三安全一稳定\"", 0, 1, "危机“三安全一稳定”|危机\"三安全一稳定\""},
    {"3.4", "保护第三方合法权益", NULL, 0, 1, NULL},
    {"3.5", "属于三类内部事务信息", NULL, 0, 1, NULL},
    {"3.6", "属于四类过程性信息", NULL, 0, 1, NULL},
    {"3.7", "属于行政执法案卷", NULL, 0, 1, "属于行政法案卷"},
    {"3.8", "属于行政查询事项", NULL, 0, 1, NULL},
    {"4", "无法提供", NULL, 1, 1, NULL},
    {"4.1", "本机关不掌握相关政府信息", NULL, 0, 1, NULL},
    {"4.2", "没有现成信息需要另行制作", "没有现成信息需另行制作", 0, 1, NULL},
    {"4.3", "补正后申请内容仍不明确", NULL, 0, 1, NULL},
    {"5", "不予处理", NULL, 1, 1, NULL},
    {"5.1", "信访举报投诉类申请", NULL, 0, 1, NULL},
    {"5.2", "重复申请", NULL, 0, 1, NULL},
    {"5.3", "要求提供公开出版物", NULL, 0, 1, NULL},
    {"5.4", "无正当理由大量反复申请", NULL, 0, 1, NULL},
    {"5.5", "要求行政机关确认或重新出具已获取信息", NULL, 0, 1, NULL},
    /* 6 unspecified: the 2019 format's one row; in 2021 it counts as 6.3. */
    {"6", "其他处理", NULL, 0, 1, NULL},
    {"6.1", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请", 0, 1, NULL},
    {"6.2", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
     "申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请", 0, 1, NULL},
    {"6.3", "其他", NULL, 0, 1, NULL},
};

static const nb_value case_kind_values[] = {
    {"review", "行政复议", NULL, 0, 1, NULL},
    {"suit", "未经复议直接起诉", "行政诉讼|直接起诉", 0, 1, NULL},
    {"suit_after_review", "复议后起诉", NULL, 0, 1, NULL},
};

static const nb_value case_result_values[] = {
    {"upheld", "结果维持", "维持", 0, 1, NULL},
    {"corrected", "结果纠正", "纠正", 0, 1, NULL},
    {"other", "其他结果", "其他", 0, 1, NULL},
};

static const nb_value document_kind_values[] = {
    {"rule", "规章", NULL, 0, 1, NULL},
    {"normative", "规范性文件", "行政规范性文件", 0, 1, NULL},
};

/* Decisions take the first four (no decisions on fees). */
static const nb_value matter_kind_values[] = {
    {"license", "行政许可", NULL, 0, 1, NULL},
    {"service", "其他对外管理服务事项", NULL, 0, 1, NULL},
    {"penalty", "行政处罚", NULL, 0, 1, NULL},
    {"coercion", "行政强制", NULL, 0, 1, NULL},
    {"fee", "行政事业性收费", NULL, 0, 1, NULL},
};

static const nb_value day_type_values[] = {
    {"holiday", "放假", "休息日|节假日|假日", 0, 1, NULL},
    {"workday", "上班", "调休上班|补班|工作日", 0, 1, NULL},
#ifdef NB_TEST_CATALOGUE /* the test build's added value (tests/cli/test_migrate.sh) */
    {"halfday", "半天", NULL, 0, 11, NULL},
#endif
};

/* A yes/no column (a bodies file's 汇总). */
static const nb_value yes_no_values[] = {
    {"yes", "是", "y|Y|YES|Yes|true|TRUE|1|汇总", 0, 3, NULL},
    {"no", "否", "n|N|NO|No|false|FALSE|0", 0, 3, NULL},
};

const nb_dict nb_dicts[] = {
    {"applicant", "申请人类型", applicant_values, N(applicant_values)},
    {"outcome", "办理结果", outcome_values, N(outcome_values)},
    {"case_kind", "复议诉讼类型", case_kind_values, N(case_kind_values)},
    {"case_result", "审结结果", case_result_values, N(case_result_values)},
    {"document_kind", "文件类型", document_kind_values, N(document_kind_values)},
    {"matter_kind", "事项类型", matter_kind_values, N(matter_kind_values)},
    {"decision_kind", "处理决定类型", matter_kind_values, 4},
    {"day_type", "日期类型", day_type_values, N(day_type_values)},
    {"yes_no", "是否", yes_no_values, N(yes_no_values)},
};
const int nb_ndicts = N(nb_dicts);

/* ---- kinds ---- */

static const nb_field request_fields[] = {
    {"received", "收到日期", NB_F_DATE, 1, NULL, 1, 0},
    {"applicant", "申请人类型", NB_F_CAT, 1, "applicant", 1, 0},
    {"closed", "办结日期", NB_F_DATE, 0, NULL, 1, 0},
    {"outcome", "办理结果", NB_F_CAT, 0, "outcome", 1, 0},
    {"channel", "申请方式", NB_F_CAT, 0, NULL, 1, 0},
};
static const nb_rule request_rules[] = {
    {NB_RULE_ORDER, "closed", "received"},
    {NB_RULE_PAIR, "outcome", "closed"},
};
static const nb_flowdef request_flow = {"received", "closed", "outcome", "applicant", 1};

static const nb_field case_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "case_kind", 1, 0},
    {"filed", "收案日期", NB_F_DATE, 1, NULL, 1, 0},
    {"concluded", "审结日期", NB_F_DATE, 0, NULL, 1, 0},
    {"result", "结果", NB_F_CAT, 0, "case_result", 1, 0},
};
static const nb_rule case_rules[] = {
    {NB_RULE_ORDER, "concluded", "filed"},
    {NB_RULE_PAIR, "result", "concluded"},
};
static const nb_flowdef case_flow = {"filed", "concluded", "result", "kind", 0};

static const nb_field document_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "document_kind", 1, 0},
    {"made", "制发日期", NB_F_DATE, 1, NULL, 1, 0},
    {"published", "公开日期", NB_F_DATE, 0, NULL, 1, 0},
    {"repealed", "废止日期", NB_F_DATE, 0, NULL, 1, 1},
    {"title", "标题", NB_F_TEXT, 0, NULL, 1, 0},
};
static const nb_rule document_rules[] = {
    {NB_RULE_ORDER, "published", "made"},
    {NB_RULE_ORDER, "repealed", "made"},
};

static const nb_field matter_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "matter_kind", 1, 0},
    {"listed", "列入日期", NB_F_DATE, 1, NULL, 1, 0},
    {"delisted", "移出日期", NB_F_DATE, 0, NULL, 1, 0},
    {"name", "名称", NB_F_TEXT, 0, NULL, 1, 0},
};
static const nb_rule matter_rules[] = {
    {NB_RULE_ORDER, "delisted", "listed"},
};

static const nb_field decision_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "decision_kind", 1, 0},
    {"date", "日期", NB_F_DATE, 1, NULL, 1, 0},
    {"count", "数量", NB_F_INT, 0, NULL, 1, 0},
};
static const nb_field charge_fields[] = {
    {"date", "日期", NB_F_DATE, 1, NULL, 1, 0},
    {"amount", "金额", NB_F_MONEY, 1, NULL, 1, 0},
    {"item", "项目", NB_F_TEXT, 0, NULL, 1, 0},
};
static const nb_field purchase_fields[] = {
    {"date", "日期", NB_F_DATE, 1, NULL, 1, 0},
    {"amount", "金额", NB_F_MONEY, 1, NULL, 1, 0},
};
static const nb_field holiday_fields[] = {
    {"date", "日期", NB_F_DATE, 1, NULL, 1, 0},
    {"type", "类型", NB_F_CAT, 1, "day_type", 1, 0},
    {"note", "说明", NB_F_TEXT, 0, NULL, 1, 0},
};

#ifdef NB_TEST_CATALOGUE /* the test build's added kind (tests/cli/test_migrate.sh) */
static const nb_field meeting_fields[] = {
    {"date", "会议日期", NB_F_DATE, 1, NULL, 11, 0},
    {"topic", "议题", NB_F_TEXT, 0, NULL, 11, 0},
};
#endif

#define FIELDS(f) f, N(f)
#define RULES(r) r, N(r)
#define NO_RULES NULL, 0
const nb_kind nb_kinds[] = {
    {"request", "依申请公开申请", "request", 1, 1, "received", FIELDS(request_fields),
     RULES(request_rules), &request_flow, 1},
    {"case", "复议诉讼案件", "appeal", 1, 1, "filed", FIELDS(case_fields), RULES(case_rules),
     &case_flow, 1},
    {"document", "规章/规范性文件", "document", 1, 1, "made", FIELDS(document_fields),
     RULES(document_rules), NULL, 1},
    {"matter", "事项清单条目", "matter", 1, 1, "listed", FIELDS(matter_fields),
     RULES(matter_rules), NULL, 1},
    {"decision", "处理决定", "decision", 0, 1, "date", FIELDS(decision_fields), NO_RULES, NULL, 1},
    {"charge", "收费", "charge", 0, 1, "date", FIELDS(charge_fields), NO_RULES, NULL, 1},
    {"purchase", "政府集中采购", "purchase", 1, 1, "date", FIELDS(purchase_fields), NO_RULES,
     NULL, 1},
    {"holiday", "节假日调整", "holiday", 0, 0, "date", FIELDS(holiday_fields), NO_RULES, NULL, 1},
#ifdef NB_TEST_CATALOGUE
    {"meeting", "政府会议", "meeting", 0, 1, "date", FIELDS(meeting_fields), NO_RULES, NULL, 11},
#endif
};
const int nb_nkinds = N(nb_kinds);

/* ---- bodies ---- */

/* The columns of a bodies file (nianbao import bodies): one row per body. */
const nb_field nb_body_fields[] = {
    {"name", "名称|机关|单位|机关名称", NB_F_TEXT, 1, NULL, 3, 0},
    {"parent", "上级|上级机关|上级单位", NB_F_TEXT, 0, NULL, 3, 0},
    {"code", "代码|编码|机关代码", NB_F_TEXT, 0, NULL, 3, 0},
    {"rollup", "汇总", NB_F_CAT, 0, "yes_no", 3, 0},
};
const int nb_nbody_fields = N(nb_body_fields);

/* The column of a record file that names the body of each row. */
const nb_field nb_record_body = {"body", "机关|单位", NB_F_TEXT, 0, NULL, 3, 0};

/* ---- lookups ---- */

const nb_kind *nb_kind_find(const char *name)
{
    for (int i = 0; i < nb_nkinds; i++)
        if (strcmp(nb_kinds[i].name, name) == 0)
            return &nb_kinds[i];
    return NULL;
}

/* 1 when TEXT is one of the '|'-separated words of LIST. */
static int in_list(const char *list, const char *text)
{
    size_t n = strlen(text);
    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, text, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

int nb_fields_find(const nb_field *fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fields[i].name, name) == 0 || in_list(fields[i].aliases, name))
            return i;
    return -1;
}

int nb_field_find(const nb_kind *k, const char *name)
{
    if (strcmp(name, "id") == 0 || strcmp(name, NB_ID_HEADER) == 0)
        return -1;
    for (int i = 0; i < k->nfields; i++)
        if (strcmp(k->fields[i].name, name) == 0 || in_list(k->fields[i].aliases, name))
            return i;
    return -2;
}

const char *nb_field_alias(const nb_field *f, char *out, unsigned n)
{
    const char *bar = strchr(f->aliases, '|');
    unsigned len = bar ? (unsigned)(bar - f->aliases) : (unsigned)strlen(f->aliases);
    if (n == 0)
        return out;
    if (len >= n)
        len = n - 1;
    memcpy(out, f->aliases, len);
    out[len] = '\0';
    return out;
}

const nb_dict *nb_dict_find(const char *name)
{
    for (int i = 0; i < nb_ndicts; i++)
        if (strcmp(nb_dicts[i].name, name) == 0)
            return &nb_dicts[i];
    return NULL;
}

const nb_value *nb_value_find(const char *dict, const char *code)
{
    const nb_dict *d = nb_dict_find(dict);
    for (int i = 0; d && i < d->nvalues; i++)
        if (strcmp(d->values[i].code, code) == 0)
            return &d->values[i];
    return NULL;
}

const nb_value *nb_value_heading(const char *dict, const char *text)
{
    const nb_dict *d = nb_dict_find(dict);
    for (int i = 0; d && i < d->nvalues; i++) {
        const nb_value *v = &d->values[i];
        if (v->group && (strcmp(v->code, text) == 0 || strcmp(v->label, text) == 0 ||
                         in_list(v->variants, text)))
            return v;
    }
    return NULL;
}

const nb_value *nb_value_match(const char *dict, const char *text)
{
    const nb_dict *d = nb_dict_find(dict);
    const nb_value *v = nb_value_find(dict, text);
    if (v && !v->group)
        return v;
    for (int i = 0; d && i < d->nvalues; i++) {
        v = &d->values[i];
        if (!v->group && (strcmp(v->label, text) == 0 || in_list(v->variants, text) ||
                          in_list(v->typos, text)))
            return v;
    }
    return NULL;
}
