-- tables.lua: the three national tables (表二 表三 表四) built from cubes, shared by the layouts.
--
-- Each builder takes the report context (store, body, year, cubes) and
-- returns a finished layout table. The labels are those of formats.md,
-- character for character.

local layout = require "layout"
local head, label, num = layout.head, layout.label, layout.num

local tables = {}

--- 分 -> 万元 rounded half up to two decimals, in integers (no float drift).
function tables.wan(fen)
  return ((fen + 5000) // 10000) / 100   -- a hundredth of 万元 is 100 元, 10000 分
end

tables.applicants = { "person", "business", "research", "ngo", "legal", "other" }

tables.note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

--- The outcome rows of 表三: { key, group label, item label } in order.
--- Group labels repeat for every item of a group (the builder merges them).
function tables.outcome_rows(format)
  local rows = {
    { "1", "（一）予以公开" },
    { "2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" },
    { "3.1", "（三）不予公开", "1.属于国家秘密" },
    { "3.2", "（三）不予公开", "2.其他法律行政法规禁止公开" },
    { "3.3", "（三）不予公开", "3.危及“三安全一稳定”" },
    { "3.4", "（三）不予公开", "4.保护第三方合法权益" },
    { "3.5", "（三）不予公开", "5.属于三类内部事务信息" },
    { "3.6", "（三）不予公开", "6.属于四类过程性信息" },
    { "3.7", "（三）不予公开", "7.属于行政执法案卷" },
    { "3.8", "（三）不予公开", "8.属于行政查询事项" },
    { "4.1", "（四）无法提供", "1.本机关不掌握相关政府信息" },
    { "4.2", "（四）无法提供", "2.没有现成信息需要另行制作" },
    { "4.3", "（四）无法提供", "3.补正后申请内容仍不明确" },
    { "5.1", "（五）不予处理", "1.信访举报投诉类申请" },
    { "5.2", "（五）不予处理", "2.重复申请" },
    { "5.3", "（五）不予处理", "3.要求提供公开出版物" },
    { "5.4", "（五）不予处理", "4.无正当理由大量反复申请" },
    { "5.5", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息" },
  }
  if format == "gov2019" then
    rows[#rows + 1] = { "6", "（六）其他处理" }
  else
    rows[#rows + 1] = { "6.1", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" }
    rows[#rows + 1] = { "6.2", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" }
    rows[#rows + 1] = { "6.3", "（六）其他处理", "3.其他" }
  end
  rows[#rows + 1] = { "total", "（七）总计" }
  return rows
end

--- 表三 from the request flow cube. In gov2021 an unspecified 6 counts as 6.3.
function tables.requests(ctx, format)
  local flow = ctx.cubes.requests
  local t = layout.table{ id = "requests", title = "三、收到和处理政府信息公开申请情况", ncols = 10 }
  t:row({ head(tables.note, { rows = 3, cols = 3 }), head("申请人情况", { cols = 7 }) }, nil, true)
  t:row({ head("自然人", { rows = 2 }), head("法人或其他组织", { cols = 5 }), head("总计", { rows = 2 }) }, nil, true)
  t:row({ head("商业企业"), head("科研机构"), head("社会公益组织"), head("法律服务机构"), head("其他") }, nil, true)

  local function value(row, applicant)
    if row == "total" then return flow:get("closed", applicant) end
    if row == "6.3" then return flow:get("6.3", applicant) + flow:get("6", applicant) end
    if row == "6" then
      return flow:get("6", applicant) + flow:get("6.1", applicant) + flow:get("6.2", applicant)
        + flow:get("6.3", applicant)
    end
    return flow:get(row, applicant)
  end
  local function values(row, cells)
    for _, a in ipairs(tables.applicants) do cells[#cells + 1] = num(value(row, a), a) end
    cells[#cells + 1] = num(value(row, "total"), "total")
    return cells
  end

  t:row(values("new", { label("一、本年新收政府信息公开申请数量", { cols = 3 }) }), "new")
  t:row(values("carried_in", { label("二、上年结转政府信息公开申请数量", { cols = 3 }) }), "carried_in")
  local rows = tables.outcome_rows(format)
  local group_size = {}
  for _, r in ipairs(rows) do group_size[r[2]] = (group_size[r[2]] or 0) + 1 end
  local seen = {}
  for i, r in ipairs(rows) do
    local cells = {}
    if i == 1 then cells[1] = label("三、本年度办理结果", { rows = #rows }) end
    if r[3] then
      if not seen[r[2]] then
        cells[#cells + 1] = label(r[2], { rows = group_size[r[2]] })
        seen[r[2]] = true
      end
      cells[#cells + 1] = label(r[3])
    else
      cells[#cells + 1] = label(r[2], { cols = 2 })
    end
    t:row(values(r[1], cells), r[1])
  end
  t:row(values("carried_out", { label("四、结转下年度继续办理", { cols = 3 }) }), "carried_out")
  return t:finish()
end

--- 表四 from the case flow cube: one data row of fifteen cells; each cell
--- carries its own JSON row key (review, suit, suit_after_review).
function tables.appeals(ctx)
  local flow = ctx.cubes.appeals
  local t = layout.table{ id = "appeals", title = "四、政府信息公开行政复议、行政诉讼情况", ncols = 15 }
  t:row({ head("行政复议", { cols = 5 }), head("行政诉讼", { cols = 10 }) }, nil, true)
  t:row({ head("结果维持", { rows = 2 }), head("结果纠正", { rows = 2 }), head("其他结果", { rows = 2 }),
          head("尚未审结", { rows = 2 }), head("总计", { rows = 2 }),
          head("未经复议直接起诉", { cols = 5 }), head("复议后起诉", { cols = 5 }) }, nil, true)
  local five = { "结果维持", "结果纠正", "其他结果", "尚未审结", "总计" }
  local sub = {}
  for _ = 1, 2 do for _, l in ipairs(five) do sub[#sub + 1] = head(l) end end
  t:row(sub, nil, true)
  local cells = {}
  for _, kind in ipairs{ "review", "suit", "suit_after_review" } do
    for _, status in ipairs{ "upheld", "corrected", "other", "pending" } do
      cells[#cells + 1] = num(flow:get(kind, status), status, { row = kind })
    end
    cells[#cells + 1] = num(flow:get(kind), "total", { row = kind })
  end
  t:row(cells, nil)
  return t:finish()
end

local function block_title(t, text)
  t:row({ head(text, { cols = 4 }) })
end

--- 表二 in the gov2019 form.
function tables.active2019(ctx)
  local c = ctx.cubes
  local t = layout.table{ id = "active", title = "二、主动公开政府信息情况", ncols = 4 }
  block_title(t, "第二十条第（一）项")
  t:row{ head("信息内容"), head("本年新制作数量"), head("本年新公开数量"), head("对外公开总数量") }
  for _, d in ipairs{ { "rule", "规章" }, { "normative", "规范性文件" } } do
    t:row({ label(d[2]), num(c.doc_made:get(d[1]), "made"), num(c.doc_published:get(d[1]), "published"),
            num(c.doc_public:get(d[1]), "public_total") }, d[1])
  end
  local function items(rows)
    for _, m in ipairs(rows) do
      local prev, now = c.items_prev:get(m[1]), c.items_now:get(m[1])
      t:row({ label(m[2]), num(prev, "items_prev"), num(now - prev, "items_change", { fmt = "signed" }),
              num(c.decisions:get(m[1]), "decisions") }, m[1])
    end
  end
  block_title(t, "第二十条第（五）项")
  t:row{ head("信息内容"), head("上一年项目数量"), head("本年增/减"), head("处理决定数量") }
  items{ { "license", "行政许可" }, { "service", "其他对外管理服务事项" } }
  block_title(t, "第二十条第（六）项")
  t:row{ head("信息内容"), head("上一年项目数量"), head("本年增/减"), head("处理决定数量") }
  items{ { "penalty", "行政处罚" }, { "coercion", "行政强制" } }
  block_title(t, "第二十条第（八）项")
  t:row{ head("信息内容"), head("上一年项目数量"), head("本年增/减", { cols = 2 }) }
  do
    local prev, now = c.items_prev:get("fee"), c.items_now:get("fee")
    t:row({ label("行政事业性收费"), num(prev, "items_prev"),
            num(now - prev, "items_change", { fmt = "signed", cols = 2 }) }, "fee")
  end
  block_title(t, "第二十条第（九）项")
  t:row{ head("信息内容"), head("采购项目数量"), head("采购总金额", { cols = 2 }) }
  t:row({ label("政府集中采购"), num(c.purchase_count:get(), "count"),
          num(tables.wan(c.purchase_amount:get()), "amount", { fmt = "money_unit", cols = 2 }) }, "purchase")
  return t:finish()
end

--- 表二 in the gov2021 form.
function tables.active2021(ctx)
  local c = ctx.cubes
  local t = layout.table{ id = "active", title = "二、主动公开政府信息情况", ncols = 4 }
  block_title(t, "第二十条第（一）项")
  t:row{ head("信息内容"), head("本年制发件数"), head("本年废止件数"), head("现行有效件数") }
  for _, d in ipairs{ { "rule", "规章" }, { "normative", "行政规范性文件" } } do
    t:row({ label(d[2]), num(c.doc_made:get(d[1]), "made"), num(c.doc_repealed:get(d[1]), "repealed"),
            num(c.doc_in_force:get(d[1]), "in_force") }, d[1])
  end
  block_title(t, "第二十条第（五）项")
  t:row{ head("信息内容"), head("本年处理决定数量", { cols = 3 }) }
  t:row({ label("行政许可"), num(c.decisions:get("license"), "decisions", { cols = 3 }) }, "license")
  block_title(t, "第二十条第（六）项")
  t:row{ head("信息内容"), head("本年处理决定数量", { cols = 3 }) }
  for _, m in ipairs{ { "penalty", "行政处罚" }, { "coercion", "行政强制" } } do
    t:row({ label(m[2]), num(c.decisions:get(m[1]), "decisions", { cols = 3 }) }, m[1])
  end
  block_title(t, "第二十条第（八）项")
  t:row{ head("信息内容"), head("本年收费金额（单位：万元）", { cols = 3 }) }
  t:row({ label("行政事业性收费"), num(tables.wan(c.charges:get()), "amount", { fmt = "money", cols = 3 }) }, "fee")
  return t:finish()
end

return tables
