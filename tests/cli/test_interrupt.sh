#!/bin/sh
# test_interrupt.sh - an import killed halfway (kill -9 while it writes) leaves the store as
# it was: it opens, passes SQLite's integrity check, keeps the earlier data, has none of the
# killed import's rows, and takes the next import. An import writes through a rollback
# journal (nb_store_bulk): the killed one left it, and its pages in the store file, which
# the next open rolls back; the next writable open puts the write-ahead log back.
. tests/cli/lib.sh

H='编号,收到日期,申请人类型,办结日期,办理结果'
nb -d s.db init
printf '%s\n' "$H" 'E1,2020-01-05,自然人,2020-01-20,予以公开' 'E2,2020-02-03,企业,,' >earlier.csv
nb -d s.db import --body 沈河区 request earlier.csv
is "$rc" 0 "setup: earlier data imported"
before=$(snapshot s.db)

awk -v h="$H" 'BEGIN {
    print h
    for (i = 1; i <= 300000; i++)
        printf "K%06d,2020-%02d-%02d,自然人,2020-12-31,予以公开\n", i, i % 12 + 1, i % 28 + 1
}' >big.csv

is "$(sqlite3 s.db 'PRAGMA journal_mode')" wal "before: the store keeps a write-ahead log"
size0=$(wc -c <s.db)

# Start the import, wait until it has written a good part of its transaction into the
# store file (or 5 s at most), then kill it without warning.
"$NB_BIN" -d s.db import --body 沈河区 request big.csv >big.out 2>big.err &
pid=$!
tries=0
while [ "$tries" -lt 500 ]; do
    [ -f s.db-journal ] && [ "$(wc -c <s.db)" -gt $((size0 + 2000000)) ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
    tries=$((tries + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
status=$?
is "$status" 137 "kill: the import was killed while writing (status 128+9)"
check "kill: its uncommitted pages were in the store file, its rollback journal beside it" \
    sh -c "[ -f s.db-journal ] && [ ! -f s.db-wal ] && [ \$(wc -c <s.db) -gt $((size0 + 2000000)) ]"
is "$(cat big.out)" "" "kill: the import printed no summary"

is "$(sqlite3 s.db 'PRAGMA integrity_check')" ok "after: integrity check ok"
is "$(count s.db request)" 2 "after: the earlier rows are all there"
is "$(sqlite3 s.db "SELECT count(*) FROM request WHERE id LIKE 'K%'")" 0 \
   "after: none of the killed import's rows"
is "$(sqlite3 s.db "SELECT count(*) FROM source WHERE path = 'big.csv'")" 0 \
   "after: its source was not recorded"
is "$(snapshot s.db)" "$before" "after: the store is exactly as before"
is "$(sqlite3 s.db 'PRAGMA journal_mode')" delete "after: the killed import left the rollback journal in force"
nb -d s.db init
is "$(sqlite3 s.db 'PRAGMA journal_mode')" wal "after: the next writable open puts the write-ahead log back"

printf '%s\n' "$H" 'E3,2020-03-01,自然人,,' >small.csv
nb -d s.db import --body 沈河区 request small.csv
is "$rc:$out:$err" "0:small.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused:" \
   "after: the next import works"
is "$(sqlite3 s.db "SELECT group_concat(id, ' ') FROM (SELECT id FROM request ORDER BY id)")" \
   "E1 E2 E3" "after: earlier data and the new row"
is "$(sqlite3 s.db 'PRAGMA journal_mode')" wal "after: the write-ahead log is back"

finish
