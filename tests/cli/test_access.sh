#!/bin/sh
# test_access.sh - how a store is opened: a read-only store (file or folder) is reported,
# checked and explained from; a store another process has locked is waited for, with a
# message, and then the command ends with status 3, writing nothing.
. tests/cli/lib.sh
B=沈河区
mkdir ro
nb -d ro/s.db init
printf '编号,收到日期,申请人类型,办结日期,办理结果\nA1,2020-01-05,自然人,2020-01-20,1\nA2,2020-02-01,企业,,\n' >r.csv
nb -d ro/s.db import --body $B request r.csv
is "$rc" 0 "a store to read"
nb -d ro/s.db check --body $B --year 2020
is "$rc:$(ls ro)" "0:s.db" "a command that only reads leaves no -wal or -shm file beside the store"

# A read-only file in a writable folder, then a read-only folder. Root writes whatever the
# mode bits say: as root, the commands run as the user nobody.
as_reader() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
    else
        "$@"
    fi
}
chmod 755 "$T"
mkdir o && chmod 777 o
rnb() { # nb as the reader
    as_reader "$NB_BIN" "$@" >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}
chmod a-w ro/s.db
for what in "a read-only store file" "a store in a read-only folder"; do
    rm -f "o/$B-2020.json"
    rnb -d ro/s.db report --body $B --year 2020 --to json --out o
    is "$rc" 0 "$what: report"
    like "$(cat "o/$B-2020.json")" '"total": 2' "$what: its numbers"
    rnb -d ro/s.db check --body $B --year 2020
    is "$rc" 0 "$what: check"
    rnb -d ro/s.db explain --body $B --year 2020 requests new total
    like "$rc:$out" "^0:requests.new.total = 2 " "$what: explain"
    # verifying reads alone (it was refused: "cannot write the store")
    rnb -d ro/s.db init --verify
    is "$rc:$err" "0:" "$what: init --verify"
    like "$out" "the packed columns of every kind and body match the records" "$what: init --verify compares"
    rnb -d ro/s.db import --body $B request r.csv
    is "$rc" 2 "$what: import is refused"
    case $what in
    *file) why="the file is read-only to this user" ;;
    *) why="its folder is read-only to this user: SQLite writes its journal beside it" ;;
    esac
    is "$err" "nianbao: ro/s.db: cannot write the store ($why)" "$what: and says why"
    # regen records its runs in the store: refused before it writes a report
    rnb -d ro/s.db regen --to json --out o/rg
    is "$rc:$err:$(find o/rg 2>/dev/null | wc -l)" "2:nianbao: ro/s.db: cannot write the store ($why):0" \
       "$what: regen is refused before it writes any file"
    chmod a-w ro && chmod a+w ro/s.db # the folder alone read-only
done
chmod u+w ro ro/s.db
is "$(ls ro)" "s.db" "the read-only folder holds no file of the readers"
# a store made in a folder the user may not write, or one that is not there: said so (SQLite
# said "unable to open database file (No such file or directory)")
mkdir shut && chmod 555 shut
rnb -d shut/new.db init
is "$rc:$err" "2:nianbao: shut/new.db: cannot create the store (its folder is read-only to this user)" \
   "init in a read-only folder: says why"
rnb -d nofolder/new.db init
is "$rc:$err" "2:nianbao: nofolder/new.db: cannot create the store (its folder nofolder does not exist)" \
   "init in a folder that is not there: says so"
is "$(ls shut | wc -l)" 0 "and nothing is made"
# a store reached through a link in a read-only folder: SQLite writes beside the file
mkdir rw lnk && cp ro/s.db rw/s.db && chmod 777 rw && chmod 666 rw/s.db
ln -s "$T/rw/s.db" lnk/s.db && chmod 555 lnk
rnb -d lnk/s.db import --body $B request r.csv
is "$rc:$err" "0:" "a store linked from a read-only folder to a writable one: written"
chmod 755 lnk

# A write killed in its rollback journal (an import writes through one: nb_store_bulk),
# left in a folder the reader cannot write: refused, not read past its journal.
mkdir hot
nb -d hot/s.db init
nb -d hot/s.db import --body $B request r.csv
(python3 - hot/s.db 2>/dev/null <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode = DELETE")
c.execute("PRAGMA cache_size = 2")  # the transaction's pages go into the file early
c.execute("BEGIN IMMEDIATE")
for i in range(3000):
    c.execute("INSERT INTO body(name) VALUES (?)", ("体%05d" % i,))
os.kill(os.getpid(), 9)
PY
:) 2>/dev/null
check "a killed write left its rollback journal" test -s hot/s.db-journal
chmod a-w hot
rnb -d hot/s.db bodies
is "$rc" 2 "an interrupted write in a read-only folder: refused"
like "$err" "hot/s.db: a write to the store was interrupted \(hot/s.db-journal is beside it\)" "and says why"
chmod u+w hot
nb -d hot/s.db bodies
is "$rc:$(ls hot)" "0:s.db" "a user who may write it rolls it back"
like "$out" "^body" "and reads it"
is "$(sqlite3 hot/s.db 'SELECT count(*) FROM body')" 1 "the interrupted write undone"
nb -d hot/s.db init
is "$(sqlite3 hot/s.db 'PRAGMA journal_mode')" wal "the next writable open puts the write-ahead log back"

# A store locked by another process: wait, say so, end with status 3, write nothing.
# The lock is held until the test lets it go (s.db.unlock), not for a fixed time: three
# commands must start and wait while it is held, which a loaded machine (make check's
# sanitizers) may make last longer than any time picked here.
nb -d s.db init
python3 - s.db <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO body(name) VALUES ('写入中')")
open(sys.argv[1] + ".locked", "w").close()
for _ in range(1200):  # until the test lets it go (at most 2 minutes)
    if os.path.exists(sys.argv[1] + ".unlock"):
        break
    time.sleep(0.1)
c.execute("ROLLBACK")
PY
locker=$!
while [ ! -f s.db.locked ]; do sleep 0.1; done
nb -d s.db --lock-wait 1 import --body $B request r.csv
is "$rc" 3 "a locked store: exit status 3"
like "$err" "waiting for s.db \(locked by another process\)" "a locked store: the wait is said"
like "$(printf '%s\n' "$err" | tail -1)" "^nianbao: .*(locked|busy)" "a locked store: the reason"
nb -d s.db --lock-wait 1 import --body $B request r.csv r.csv
is "$rc" 3 "a locked store, several files: exit status 3 too"
t0=$(date +%s%N)
nb -d s.db --lock-wait 0 import --body $B request r.csv
t1=$(date +%s%N)
is "$rc" 3 "--lock-wait 0: a locked store at once refused, exit status 3"
check "--lock-wait 0: without waiting ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 900
unlike "$err" "waiting for" "--lock-wait 0: no wait said"
: >s.db.unlock
wait $locker
is "$(sqlite3 s.db 'SELECT count(*) FROM request')" 0 "a locked store: nothing was written"
nb -d s.db import --body $B request r.csv
is "$rc" 0 "once the lock is gone, the import goes through"

# An import while another process reads (a transaction open on the write-ahead log): the
# rollback journal is refused at once, the import writes through the log without waiting,
# and the reader keeps what it saw.
awk 'BEGIN { print "编号,收到日期,申请人类型"; for (i = 1; i <= 150000; i++) printf "C%06d,2020-03-01,自然人\n", i }' >r2.csv
check "a file large enough for the rollback journal (4 MiB, NB_BULK_BYTES)" test "$(wc -c <r2.csv)" -gt 4194304
python3 - s.db <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
n = c.execute("SELECT count(*) FROM request").fetchone()[0]
open(sys.argv[1] + ".reading", "w").close()
for _ in range(1200):  # until the import has ended (at most 2 minutes)
    if os.path.exists(sys.argv[1] + ".imported"):
        break
    time.sleep(0.1)
m = c.execute("SELECT count(*) FROM request").fetchone()[0]
c.execute("COMMIT")
open(sys.argv[1] + ".read", "w").write("%d %d" % (n, m))
PY
reader=$!
while [ ! -f s.db.reading ]; do sleep 0.1; done
nb -d s.db --lock-wait 1 import --body $B request r2.csv
: >s.db.imported
is "$rc:$err" "0:" "an import beside a reader: done, without waiting"
wait $reader
is "$(cat s.db.read)" "2 2" "the reader, in one transaction across the import, saw the same rows throughout"
is "$(sqlite3 s.db 'SELECT count(*) FROM request; PRAGMA journal_mode')" "150002
wal" "the rows written, the write-ahead log kept"
finish
