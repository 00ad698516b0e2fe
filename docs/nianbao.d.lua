---@meta
-- nianbao.d.lua: LuaLS definitions of the nianbao host API, for editor completion.
-- Add this folder to "workspace.library" of your Lua language server settings.

---@class Store
local Store = {}

---@class Cube
local Cube = {}

---@class Doc
local Doc = {}

---@class nianbao
---@field db string the store path of the command line (nianbao.db)
nianbao = {}

---@param path? string
---@param opts? {create?: boolean, readonly?: boolean}
---@return Store|nil store
---@return string? message
function nianbao.open(path, opts) end

---@param text string
---@return integer|nil ymd
---@return string? reason
function nianbao.date(text) end

---@param ymd integer
---@return string
function nianbao.date_format(ymd) end

---@param ymd integer
---@return integer weekday 1 = Monday .. 7 = Sunday
function nianbao.weekday(ymd) end

---@param ymd integer
---@param n integer
---@return integer
function nianbao.add_days(ymd, n) end

---@param a integer
---@param b integer
---@return integer
function nianbao.days_between(a, b) end

---@param path string
---@return string|nil text
---@return string? message
function nianbao.read_text(path) end

---@param s string
---@return integer
function nianbao.text_width(s) end

---The SHA-256 of S in hex.
---@param s string
---@return string
function nianbao.sha256(s) end

---A published report's tables (the JSON contract) as cells.
---@param path string
---@return {year?: integer, format?: string, body?: string, cells: any[][]}|nil
---@return string? message
function nianbao.read_figures(path) end

---An HTML page's text as lines (libxml2): table rows as cells, other text a line per block.
---@param page string the page's bytes (UTF-8, else GB18030)
---@return {line: integer, text?: string, cells?: string[]}[]|nil
---@return string encoding or message
function nianbao.html_lines(page) end

---A Word document's text as lines (word/document.xml): table rows as cells, paragraphs as text.
---@param document string the DOCX's bytes
---@return {line: integer, text?: string, cells?: string[]}[]|nil
---@return string? message
function nianbao.docx_lines(document) end

---An XLSX workbook's text as lines, sheet by sheet: a one-column sheet's rows as text, another's as cells.
---@param workbook string the XLSX's bytes
---@return {line: integer, sheet: string, row: integer, text?: string, cells?: string[]}[]|nil
---@return string? message
function nianbao.workbook_lines(workbook) end

---A PDF's text as lines (poppler), in columns as `pdftotext -layout` gives them; a page starts with a form feed.
---@param document string the PDF's bytes
---@return {line: integer, text: string}[]|nil
---@return string? message
function nianbao.pdf_lines(document) end

---Bytes as UTF-8 text: as they are when UTF-8, else converted from GB18030.
---@param bytes string
---@return string|nil text
---@return string encoding or message
function nianbao.text_utf8(bytes) end

---JSON text as Lua values (objects: tables, arrays: sequences, null: nil).
---@param text string
---@return any|nil
---@return string? message
function nianbao.decode_json(text) end

---Raises "NAME: reason" unless MAP is a valid mapping table.
---@param map table
---@param name string
---@return true
function nianbao.mapping_check(map, name) end

---The names the host registers.
---@return {nianbao: string[], store: string[], cube: string[], doc: string[]}
function nianbao.api() end

---Raises a data error: printed without a traceback, exit status 2.
---@param message string
function nianbao.fail(message) end

---@param doc table report document
---@param opts {dir?: string, name: string, formats?: string[], sha256?: boolean}
---@return string[]|nil paths (with opts.sha256, paths.sha256: path -> hex)
---@return string? message
function nianbao.export(doc, opts) end

function Store:close() end
---@return {id: integer, name: string, parent?: string, code?: string, rollup: boolean}[]
function Store:bodies() end
---@return {body: string, kind: string, count: integer, first: integer, last: integer}[]
function Store:stats() end
---@return integer[]
function Store:years(body) end
---@return string|nil markdown
---@return string? source the file it was imported from
function Store:text(body, year) end
---@param body string
---@param role? "rules"|"layout"|"map"
---@return {name: string, content: string, role: string, hash: string}[]
function Store:scripts(body, role) end
---@return fun(): table
function Store:rows(kind, filters) end
---@return integer
function Store:count(kind, filters) end
---@return string|nil status "inserted" or "updated"
---@return string? message
function Store:insert(kind, body, record) end
--- A read-only SQL query; each kind's records are the table records_<kind> (rid, body, id,
--- the fields, src, line, raw; coded values from the packed columns, their only copy: the
--- kind's own table holds body, id, rid, the text fields, src, line and raw alone).
---@return table[]
function Store:query(sql, ...) end
---@return Cube
function Store:flow(kind, opts) end
---@return Cube
function Store:stock(kind, opts) end
---@return Cube
function Store:count_by(kind, opts) end
---@return Cube
function Store:sum_by(kind, field, opts) end

---@return integer
function Cube:get(...) end
---@return {name: string, labels: string[]}[]
function Cube:dims() end
---@return {rid: integer, id: string, source: string, line: integer}[]
function Cube:records(...) end
---@return string[]
function Cube:ids(...) end

---The record kinds of the catalogue (read-only), in order and by name.
---@type table
nianbao.kinds = {}

---The national values of each dictionary (read-only): nianbao.codes.outcome -> { {code, label, variants, group}, ... }.
---@type table<string, {code: string, label: string, variants: string[], group: boolean}[]>
nianbao.codes = {}

---The columns of a bodies file and the body column of a record file (read-only).
---@type {fields: table[], record_column: table}
nianbao.bodies_file = {}
---The roles of a body's own scripts, {"rules", "layout", "map"} (read-only).
---@type string[]
nianbao.script_roles = {}

---Makes the report document in C from a Lua table.
---@param t table
---@return Doc
function nianbao.document(t) end

---The exporters, in the order they write.
---@return {name: string, ext: string, suffix: string, per_table: boolean}[]
function nianbao.formats() end

---The font roles of a printed document with their default families (read-only data).
---@type {role: string, default: string}[]
nianbao.fonts = {}

---The names of the program's scripts in scripts/FOLDER.
---@param folder string
---@return string[]
function nianbao.script_names(folder) end

---@param name string
---@return {id: integer, name: string, parent?: string, code?: string, rollup: boolean}
function Store:body(name) end

---@return integer version
---@return integer found
---@return string path
---@return string|nil vacuum_failed
function Store:schema() end

---@param kind string
---@param path string
---@param opts {body?: string, parent?: string, map?: table, sheet?: string, year?: integer, replace?: "same"|"all", dry_run?: boolean, progress?: boolean}
---@return table|nil result
---@return string? message
---@return table? result
function Store:import(kind, path, opts) end

---Records of KIND from several files, each all or none, committed together; EACH gets each
---file's outcome as store:import returns it (false stops).
---@param kind string
---@param paths string[]
---@param opts {body?: string, parent?: string, map?: table, sheet?: string, year?: integer, replace?: "same"|"all", dry_run?: boolean, progress?: boolean}
---@param each fun(path: string, result: table|nil, message: string?, detail: table?): boolean?
---@return boolean|nil
---@return string? message
---@return {failure: string}? detail
function Store:import_files(kind, paths, opts, each) end

---The body's stored records coded again with MAP from the values each row kept (nianbao
---remap); every record or none.
---@param body string
---@param opts? {map?: table, dry_run?: boolean}
---@return {records: integer, changed: integer, kinds: {kind: string, records: integer, changed: integer}[], messages: string[], more: integer}|nil result
---@return string? message
---@return table? result
function Store:remap(body, opts) end

---@param body string
---@param role "rules"|"layout"|"map"
---@param name string
---@param content string
---@return boolean|nil
---@return string? message
function Store:put_script(body, role, name, content) end

---@class nianbao.DeleteCounts
---@field records table<string, integer>
---@field texts integer
---@field scripts integer
---@field figures integer
---@field runs integer
---@field coverage integer

---Stores a year's imported figures (replacing those before).
---@param body string
---@param year integer
---@param format string
---@param cells any[][]
---@param source string
---@return true|nil
---@return string? message
function Store:put_figures(body, year, format, cells, source) end

---A body's years of imported figures, or one year's values.
---@param body string
---@param year? integer
---@return table|nil
function Store:figures(body, year) end

---The years whose records of a kind were declared complete: kind -> year -> true.
---@param body string
---@return table<string, table<integer, boolean>>
function Store:coverage(body) end

---Records a regenerated report: its output hash, checks by rule and cells.
---@param body string
---@param year integer
---@param format string
---@param data string
---@param checks table[]
---@param values any[][]
---@return integer id
function Store:put_run(body, year, format, data, checks, values) end

---Records several runs, each {body, year, format, data, checks, values}, in one transaction.
---@param runs any[][]
---@return integer[] ids
function Store:put_runs(runs) end

---The latest recorded run of BODY for YEAR.
---@param body string
---@param year integer
---@return table|nil
function Store:last_run(body, year) end

---The cells of the latest run: "table\trow\tcol" -> text or false.
---@param body string
---@param year integer
---@return table<string, string|false>
function Store:run_values(body, year) end

---Every body's digest of what its reports read (or of the bodies named); hashes kept until the records change.
---@param bodies? string[]
---@return table<string, string>
function Store:digests(bodies) end

---Compares the kept digests with the records: the (kind, body) pairs that differ, and the first.
---@return integer bad
---@return string message
function Store:verify_digests() end

---Checks the packed columns (the coded values' only copy): the (kind, body) pairs with a part
---that does not decode, a record in the rows or the parts alone, or a value no record may hold;
---and the first, with what is wrong.
---@return integer bad
---@return string message
function Store:verify_packs() end

---Writes every packed column again (each body's parts merged into full ones), removing a part
---that is not whole, and a record in the rows or the parts alone, with the records they touch;
---forgets the kept digests. Returns how many records were removed (their files imported again
---bring them back).
---@return integer|nil lost
---@return string? message
function Store:repack() end

---Removes records of KIND of BODY by id (all there, or nothing).
---@param kind string
---@param body string
---@param ids string[]
---@param opts {dry_run: boolean?}?
---@return nianbao.DeleteCounts|nil counts
---@return string? message
function Store:delete(kind, body, ids, opts) end

---Removes a body (refused with bodies below it; with contents only when forced).
---@param body string
---@param opts {force: boolean?, dry_run: boolean?}?
---@return nianbao.DeleteCounts|nil counts
---@return string? message
function Store:delete_body(body, opts) end

---Removes the body's stored script NAME.
---@param body string
---@param name string
---@param opts {dry_run: boolean?}?
---@return nianbao.DeleteCounts|nil counts
---@return string? message
function Store:delete_script(body, name, opts) end

---Removes what the body has of a year: its narrative ("text"), its imported figures
---("figures"), or the declaration that its records of opts.kind are complete ("coverage").
---@param body string
---@param what "text"|"figures"|"coverage"
---@param year integer
---@param opts {kind: string?, dry_run: boolean?}?
---@return nianbao.DeleteCounts|nil counts
---@return string? message
function Store:delete_year(body, what, year, opts) end

---@param label string|string[] a label, or several of the dimension (their sum)
---@return Cube
function Cube:slice(label) end

---@param table_id string
---@param row string
---@param col string
---@return number|nil value
---@return string text
function Doc:cell(table_id, row, col) end

---@return table<string, table<string, table<string, number|false>>>
function Doc:values() end

---@return table<string, table<string, table<string, string>>>
function Doc:texts() end

---The data cells a run keeps ("table\trow\tcol" -> text, false for a blank) and their keys in order.
---@return table<string, string|false> cells
---@return string[] order
function Doc:run_cells() end

---@param blocks table[]
function Doc:set_blocks(blocks) end

---@param results table[]
function Doc:set_checks(results) end

---Compiles a body's stored rule file or layout for the restricted environment.
---@param text string
---@param name string
---@return function|nil chunk
---@return string? message
function nianbao.load_restricted(text, name) end

---A handle to the same store that only reads.
---@return Store
function Store:readonly() end

---Reads one snapshot of the store from now on (on true or nil), until snapshot(false),
---its next write or the close.
---@param on boolean?
---@return Store
function Store:snapshot(on) end

---A read-only (deep) view of a table.
---@param t table
---@return table
function nianbao.freeze(t) end
