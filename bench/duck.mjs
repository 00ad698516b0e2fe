// duck.mjs - the tabulation benchmark's DuckDB side: loads the request CSVs into DuckDB's
// own table (dates as DATE, applicant labels as codes; not timed), then times the same
// cross-tab as bench/flow_sql.sh (body, year, row, applicant) and prints "seconds S" and
// the cells as "body|year|row|applicant|count" lines.
//
//   node bench/duck.mjs FIRST LAST 'bench/data/scale/*.csv'
import { DuckDBInstance } from '@duckdb/node-api';

const [first, last, glob] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`CREATE TABLE r AS
  SELECT "机关" AS body, CAST("收到日期" AS DATE) AS received,
         CASE "申请人类型" WHEN '自然人' THEN 'person' WHEN '商业企业' THEN 'business'
              WHEN '科研机构' THEN 'research' WHEN '社会公益组织' THEN 'ngo'
              WHEN '法律服务机构' THEN 'legal' ELSE 'other' END AS applicant,
         CAST(nullif("办结日期", '') AS DATE) AS closed, nullif("办理结果", '') AS outcome
  FROM read_csv('${glob}', header = true, all_varchar = true)`);
const years = [];
for (let y = Number(first); y <= Number(last); y++) years.push(`(${y})`);
const sql = `
WITH y(year) AS (VALUES ${years.join(',')}),
a AS (SELECT r.body, y.year, r.applicant, r.received, r.closed, r.outcome,
             make_date(y.year, 1, 1) AS ys, make_date(y.year, 12, 31) AS ye
      FROM r JOIN y ON r.received <= make_date(y.year, 12, 31)
                   AND (r.closed IS NULL OR r.closed >= make_date(y.year, 1, 1)))
SELECT body, year, 'new' AS row, applicant, count(*) AS n FROM a WHERE received >= ys GROUP BY 1, 2, 4
UNION ALL SELECT body, year, 'carried_in', applicant, count(*) FROM a WHERE received < ys GROUP BY 1, 2, 4
UNION ALL SELECT body, year, outcome, applicant, count(*) FROM a WHERE closed <= ye GROUP BY 1, 2, 3, 4
UNION ALL SELECT body, year, 'closed', applicant, count(*) FROM a WHERE closed <= ye GROUP BY 1, 2, 4
UNION ALL SELECT body, year, 'carried_out', applicant, count(*) FROM a WHERE closed IS NULL OR closed > ye GROUP BY 1, 2, 4`;
const t0 = process.hrtime.bigint();
const result = await con.runAndReadAll(sql);
const rows = result.getRows();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const lines = rows.map((r) => r.join('|'));
process.stdout.write(`seconds ${seconds.toFixed(4)}\n` + lines.join('\n') + '\n');
