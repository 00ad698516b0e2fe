/* codes.c - record kinds, fields, and the national category dictionaries. */
#include "codes.h"

#include <string.h>

static const nb_field request_fields[] = {
    {"received", "收到日期", NB_F_DATE, 1, NULL},
    {"applicant", "申请人类型", NB_F_CAT, 1, "applicant"},
    {"closed", "办结日期", NB_F_DATE, 0, NULL},
    {"outcome", "办理结果", NB_F_CAT, 0, "outcome"},
    {"channel", "申请方式", NB_F_CAT, 0, NULL},
};
static const nb_field case_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "case_kind"},
    {"filed", "收案日期", NB_F_DATE, 1, NULL},
    {"concluded", "审结日期", NB_F_DATE, 0, NULL},
    {"result", "结果", NB_F_CAT, 0, "case_result"},
};
static const nb_field document_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "document_kind"},
    {"made", "制发日期", NB_F_DATE, 1, NULL},
    {"published", "公开日期", NB_F_DATE, 0, NULL},
    {"repealed", "废止日期", NB_F_DATE, 0, NULL},
    {"title", "标题", NB_F_TEXT, 0, NULL},
};
static const nb_field matter_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "matter_kind"},
    {"listed", "列入日期", NB_F_DATE, 1, NULL},
    {"delisted", "移出日期", NB_F_DATE, 0, NULL},
    {"name", "名称", NB_F_TEXT, 0, NULL},
};
static const nb_field decision_fields[] = {
    {"kind", "类型", NB_F_CAT, 1, "decision_kind"},
    {"date", "日期", NB_F_DATE, 1, NULL},
    {"count", "数量", NB_F_INT, 0, NULL},
};
static const nb_field charge_fields[] = {
    {"date", "日期", NB_F_DATE, 1, NULL},
    {"amount", "金额", NB_F_MONEY, 1, NULL},
    {"item", "项目", NB_F_TEXT, 0, NULL},
};
static const nb_field holiday_fields[] = {
    {"date", "日期", NB_F_DATE, 1, NULL},
    {"type", "类型", NB_F_CAT, 1, "day_type"},
    {"note", "说明", NB_F_TEXT, 0, NULL},
};
static const nb_field purchase_fields[] = {
    {"date", "日期", NB_F_DATE, 1, NULL},
    {"amount", "金额", NB_F_MONEY, 1, NULL},
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
const nb_kind nb_kinds[] = {
    {"request", "依申请公开申请", "request", 1, N(request_fields), request_fields},
    {"case", "复议诉讼案件", "appeal", 1, N(case_fields), case_fields},
    {"document", "规章/规范性文件", "document", 1, N(document_fields), document_fields},
    {"matter", "事项清单条目", "matter", 1, N(matter_fields), matter_fields},
    {"decision", "处理决定", "decision", 0, N(decision_fields), decision_fields},
    {"charge", "收费", "charge", 0, N(charge_fields), charge_fields},
    {"purchase", "政府集中采购", "purchase", 1, N(purchase_fields), purchase_fields},
    {"holiday", "节假日调整", "holiday", 0, N(holiday_fields), holiday_fields},
};
const int nb_nkinds = N(nb_kinds);

const nb_catval nb_catvals[] = {
    {"applicant", "person", "自然人", "个人|公民"},
    {"applicant", "business", "商业企业", "企业"},
    {"applicant", "research", "科研机构", NULL},
    {"applicant", "ngo", "社会公益组织", NULL},
    {"applicant", "legal", "法律服务机构", NULL},
    {"applicant", "other", "其他", NULL},
    {"outcome", "1", "予以公开", NULL},
    {"outcome", "2", "部分公开", "部分公开（区分处理的，只计这一情形，不计其他情形）"},
    {"outcome", "3.1", "属于国家秘密", NULL},
    {"outcome", "3.2", "其他法律行政法规禁止公开", NULL},
    {"outcome", "3.3", "危及“三安全一稳定”", "危机“三安全一稳定”|危及\"三安全一稳定\""},
    {"outcome", "3.4", "保护第三方合法权益", NULL},
    {"outcome", "3.5", "属于三类内部事务信息", NULL},
    {"outcome", "3.6", "属于四类过程性信息", NULL},
    {"outcome", "3.7", "属于行政执法案卷", "属于行政法案卷"},
    {"outcome", "3.8", "属于行政查询事项", NULL},
    {"outcome", "4.1", "本机关不掌握相关政府信息", NULL},
    {"outcome", "4.2", "没有现成信息需要另行制作", "没有现成信息需另行制作"},
    {"outcome", "4.3", "补正后申请内容仍不明确", NULL},
    {"outcome", "5.1", "信访举报投诉类申请", NULL},
    {"outcome", "5.2", "重复申请", NULL},
    {"outcome", "5.3", "要求提供公开出版物", NULL},
    {"outcome", "5.4", "无正当理由大量反复申请", NULL},
    {"outcome", "5.5", "要求行政机关确认或重新出具已获取信息", NULL},
    {"outcome", "6", "其他处理", NULL},
    {"outcome", "6.1", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请"},
    {"outcome", "6.2", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
     "申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请"},
    {"outcome", "6.3", "其他", NULL},
    {"case_kind", "review", "行政复议", NULL},
    {"case_kind", "suit", "未经复议直接起诉", "行政诉讼|直接起诉"},
    {"case_kind", "suit_after_review", "复议后起诉", NULL},
    {"case_result", "upheld", "维持", "结果维持"},
    {"case_result", "corrected", "纠正", "结果纠正"},
    {"case_result", "other", "其他", "其他结果"},
    {"document_kind", "rule", "规章", NULL},
    {"document_kind", "normative", "规范性文件", "行政规范性文件"},
    {"matter_kind", "license", "行政许可", NULL},
    {"matter_kind", "service", "其他对外管理服务事项", NULL},
    {"matter_kind", "penalty", "行政处罚", NULL},
    {"matter_kind", "coercion", "行政强制", NULL},
    {"matter_kind", "fee", "行政事业性收费", NULL},
    {"decision_kind", "license", "行政许可", NULL},
    {"decision_kind", "service", "其他对外管理服务事项", NULL},
    {"decision_kind", "penalty", "行政处罚", NULL},
    {"decision_kind", "coercion", "行政强制", NULL},
    {"day_type", "holiday", "放假", "休息日|节假日|假日"},
    {"day_type", "workday", "上班", "调休上班|补班|工作日"},
};
const int nb_ncatvals = N(nb_catvals);

const nb_kind *nb_kind_find(const char *name)
{
    for (int i = 0; i < nb_nkinds; i++)
        if (strcmp(nb_kinds[i].name, name) == 0)
            return &nb_kinds[i];
    return NULL;
}

int nb_field_find(const nb_kind *k, const char *name)
{
    if (strcmp(name, "id") == 0 || strcmp(name, "编号") == 0)
        return -1;
    for (int i = 0; i < k->nfields; i++)
        if (strcmp(k->fields[i].name, name) == 0 || strcmp(k->fields[i].alias, name) == 0)
            return i;
    return -2;
}

const nb_catval *nb_catval_find(const char *dict, const char *code)
{
    for (int i = 0; i < nb_ncatvals; i++)
        if (strcmp(nb_catvals[i].dict, dict) == 0 && strcmp(nb_catvals[i].code, code) == 0)
            return &nb_catvals[i];
    return NULL;
}
