#!/bin/sh
# flow_sql.sh FIRST LAST - prints the SQL a user would write for the flow of requests by
# body, year, row and applicant (DESIGN.md's counting rules: new, carried_in, each
# outcome and closed in the year, carried_out) over a nianbao store's records_request
# table (store:query: bench/sql.lua runs it): GROUP BY on the coded columns, the labels
# joined to the result. Its rows are "body|year|row|applicant|count", as bench/tab.lua
# prints them.
first=$1
last=$2
years=$(awk -v a="$first" -v b="$last" 'BEGIN { for (y = a; y <= b; y++) printf "%s(%d)", (y > a ? "," : ""), y }')
cat <<SQL
WITH y(year) AS (VALUES $years),
a AS (SELECT r.body, y.year, r.applicant, r.received, r.closed, r.outcome,
             y.year * 10000 + 101 AS ys, y.year * 10000 + 1231 AS ye
      FROM records_request r JOIN y ON r.received <= y.year * 10000 + 1231
                           AND (r.closed IS NULL OR r.closed >= y.year * 10000 + 101)),
c AS (SELECT body, year, 'new' AS row, applicant, count(*) AS n FROM a WHERE received >= ys GROUP BY 1, 2, 4
      UNION ALL SELECT body, year, 'carried_in', applicant, count(*) FROM a WHERE received < ys GROUP BY 1, 2, 4
      UNION ALL SELECT body, year, CAST(outcome AS TEXT), applicant, count(*) FROM a WHERE closed <= ye GROUP BY 1, 2, 3, 4
      UNION ALL SELECT body, year, 'closed', applicant, count(*) FROM a WHERE closed <= ye GROUP BY 1, 2, 4
      UNION ALL SELECT body, year, 'carried_out', applicant, count(*) FROM a WHERE closed IS NULL OR closed > ye GROUP BY 1, 2, 4)
SELECT b.name AS b, c.year AS y, coalesce(o.code, c.row) AS r, ap.code AS a, c.n AS n
FROM c JOIN body b ON b.id = c.body JOIN dict ap ON ap.id = c.applicant
     LEFT JOIN dict o ON c.row GLOB '[0-9]*' AND o.id = CAST(c.row AS INTEGER);
SQL
