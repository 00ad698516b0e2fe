# lib.sh - shared helpers of the CLI tests (sourced; POSIX sh): a scratch folder, running
# nianbao with its status/stdout/stderr captured, TAP lines, and store snapshots.
#
# Usage in a test:   . tests/cli/lib.sh
#                    nb -d s.db import --body B request r.csv
#                    is "$rc" 2 "import: exit status"
#                    finish
# The test runs inside the scratch folder $T, so file names in messages are short.

case ${NB_BIN:=$(pwd)/nianbao} in
/*) ;;
*) NB_BIN=$(pwd)/$NB_BIN ;;
esac
: "${NIANBAO_HOME:=$(pwd)}"
export NB_BIN NIANBAO_HOME
T=$(mktemp -d /tmp/nbcli.XXXXXX) || exit 2
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
failed=0

# nb ARGS...: runs nianbao; sets $rc, $out (stdout) and $err (stderr).
nb() {
    "$NB_BIN" "$@" >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}

ok() { echo "ok - $1"; }

not_ok() { # name, details...
    echo "not ok - $1"
    failed=$((failed + 1))
    shift
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/#   /'
    done
}

# is GOT WANT NAME: exact equality.
is() {
    if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got:" "$1" "want:" "$2"; fi
}

# like GOT PATTERN NAME: GOT matches the grep -E pattern.
like() {
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok "$3"; else not_ok "$3" "got:" "$1" "want a match of: $2"; fi
}

# unlike GOT PATTERN NAME: no line of GOT matches the grep -E pattern.
unlike() {
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then not_ok "$3" "got:" "$(printf '%s\n' "$1" | grep -E -- "$2")" "want no match of: $2"; else ok "$3"; fi
}

# check NAME COMMAND...: the command succeeds.
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# snapshot DB: everything in the store, as SQL text (compare before and after).
snapshot() { sqlite3 "$1" .dump; }

# nbsql DB SQL: a read-only query of one column through nianbao (tests/cli/sql.lua), which
# has the records_<kind> tables the sqlite3 shell has not.
nbsql() { "$NB_BIN" -d "$1" run "$NIANBAO_HOME/tests/cli/sql.lua" "$2"; }

# count DB TABLE: rows in a table.
count() { sqlite3 "$1" "SELECT count(*) FROM $2"; }

# finish: the exit status of the test file.
finish() { [ "$failed" -eq 0 ]; }
