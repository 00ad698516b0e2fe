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

# ---- Ctrl-C (SIGINT) and SIGTERM: the file it is in undone and said, the files before it
# kept, the files after it named, exit 130 (found by a tester: Ctrl-C ended the import with
# no word; the data was intact). A shell starts a background job with SIGINT ignored:
# Python starts it with the default, as a terminal would. ----
printf '%s\n' "$H" 'F1,2020-04-01,自然人,,' >first.csv
printf '%s\n' "$H" 'F2,2020-04-02,自然人,,' >last.csv
for sig in INT TERM; do
    before=$(snapshot s.db)
    python3 - "$NB_BIN" "$sig" <<'PY' >sig.out 2>sig.err
import os, signal, subprocess, sys, time
nb, sig = sys.argv[1], getattr(signal, "SIG" + sys.argv[2])
def default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
p = subprocess.Popen([nb, "-d", "s.db", "import", "--body", "沈河区", "request", "first.csv", "big.csv", "last.csv"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=default)
# until big.csv is being read: its rows in the store file's transaction (or 10 s)
for _ in range(1000):
    if os.path.exists("s.db-journal") or os.path.exists("s.db-wal") and os.path.getsize("s.db-wal") > 2000000:
        break
    time.sleep(0.01)
time.sleep(0.1)
p.send_signal(sig)
out, err = p.communicate()
sys.stdout.write(out.decode())
sys.stderr.write(err.decode())
print(p.returncode, file=sys.stderr)
PY
    is "$(tail -1 sig.err)" "$([ $sig = INT ] && echo -2 || echo -15)" "SIG$sig: the command ends by the signal (a shell's 130 or 143)"
    like "$(cat sig.err)" "^nianbao: big.csv:[0-9]*: interrupted \\($([ $sig = INT ] && echo Ctrl-C || echo SIGTERM)\\): nothing of this file stored$" \
         "SIG$sig: said, with the line it stopped at"
    like "$(cat sig.err)" "^nianbao: not imported \\(after it\\): last.csv$" "SIG$sig: the files after it named"
    is "$(cat sig.out)" "first.csv: 1 row read, $([ $sig = INT ] && echo "1 inserted, 0 updated, 0 unchanged" || echo "0 inserted, 0 updated, 1 unchanged"), 0 refused" \
       "SIG$sig: the file before it imported"
    is "$(sqlite3 s.db "SELECT count(*) FROM request WHERE id LIKE 'K%' OR id = 'F2'")" 0 "SIG$sig: none of its rows, nor the next file's"
    is "$(sqlite3 s.db "SELECT count(*) FROM request WHERE id = 'F1'")" 1 "SIG$sig: the file before it stored"
    check "SIG$sig: no journal left" sh -c '[ ! -f s.db-journal ]'
    nb -d s.db init --verify
    is "$rc" 0 "SIG$sig: the store verifies"
done

# ---- Ctrl-C stops a loop of imports: a shell's (bash stops a loop whose command the signal
# ended; it went on when the import exited 130 itself) and a script's (each import after the
# stop fails at once). The signal goes to the process group, as a terminal's does. ----
printf '%s\n' "$H" 'L1,2020-05-01,自然人,,' >late.csv
cat >loop.sh <<SH
for f in big.csv late.csv; do "$NB_BIN" -d s.db import --body 沈河区 request "\$f"; done
SH
cat >loop.lua <<'LUA'
local store = nianbao.open()
for _, f in ipairs{ "big.csv", "late.csv" } do
  local ok, err = store:import("request", f, { body = "沈河区" })
  print(f, ok and "imported" or err)
end
LUA
for how in "bash loop.sh" "$NB_BIN -d s.db run loop.lua"; do
    python3 - $how <<'PY' >loop.out 2>loop.err
import os, signal, subprocess, sys, time
def default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.setpgid(0, 0)
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=default)
for _ in range(1000):
    if os.path.exists("s.db-journal") or os.path.exists("s.db-wal") and os.path.getsize("s.db-wal") > 2000000:
        break
    time.sleep(0.01)
time.sleep(0.1)
os.killpg(p.pid, signal.SIGINT)
out, err = p.communicate()
sys.stdout.write(out.decode())
sys.stderr.write(err.decode())
print(p.returncode, file=sys.stderr)
PY
    is "$(sqlite3 s.db "SELECT count(*) FROM request WHERE id LIKE 'K%' OR id = 'L1'")" 0 "Ctrl-C in a loop ($how): the loop stopped, nothing of its files stored"
done
# Ctrl-C while the import waits for the store's lock (another process holds it): it gives
# up at once (it waited the lock out, 10 s: found by a review)
nb -d lk.db init
python3 - "$NB_BIN" <<'PY' >lock.out 2>&1
import signal, sqlite3, subprocess, sys, time
db = sqlite3.connect("lk.db", isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
def default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
t0 = time.time()
p = subprocess.Popen([sys.argv[1], "-d", "lk.db", "import", "--body", "甲", "request", "late.csv"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=default)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
out, err = p.communicate()
print(p.returncode, "fast" if time.time() - t0 < 4 else "slow")
print(err.decode().strip().splitlines()[-1])
PY
is "$(cat lock.out)" "-2 fast
nianbao: late.csv: interrupted (Ctrl-C): nothing of this file stored" "Ctrl-C while waiting for a lock: stops at once, said"
like "$(cat loop.out)" "^late.csv	.*interrupted \\(Ctrl-C\\) before it: nothing of it stored" "a script's next import: fails at once, saying why"

finish
