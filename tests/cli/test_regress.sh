#!/bin/sh
# test_regress.sh - every input of tests/fuzz/regress imported through the command line:
# its exit status and first message as reviewed, no crash, and a refused file leaves the
# store as it was.
. tests/cli/lib.sh
R=$NIANBAO_HOME/tests/fuzz/regress
nb -d s.db init
printf '编号,收到日期,申请人类型\nK1,2020-01-02,自然人\n' >keep.csv
nb -d s.db import --body 沈河区 request keep.csv
is "$rc" 0 "a store with a record in it"

# FILE|STATUS|FIRST MESSAGE (stderr's first line, empty when none)
while IFS='|' read -r file want msg; do
    [ -n "$file" ] || continue
    cp s.db t.db
    before=$(snapshot t.db)
    cp "$R/$file" "./$(basename "$file")"
    nb -d t.db import --body 沈河区 request "$(basename "$file")"
    is "$rc" "$want" "$file: exit status $want"
    is "$(printf '%s\n' "$err" | head -1)" "$msg" "$file: its message"
    if [ "$want" != 0 ]; then
        is "$(snapshot t.db)" "$before" "$file: the store unchanged"
    fi
    rm -f t.db t.db-wal t.db-shm
done <<'LIST'
csv/unterminated-after-move.csv|2|unterminated-after-move.csv:1: note: column 'baa' is not a field of request; kept with the raw values
csv/nul.csv|2|nul.csv:2: NUL byte in field 1
csv/mixed-encoding.csv|2|mixed-encoding.csv:3: mixed encodings: line 2 is UTF-8, this line is not (byte 0xD7)
csv/cr-only.csv|0|
xlsx/row-overflow.xlsx|2|row-overflow.xlsx:1: xl/worksheets/sheet1.xml: row 99999999999999999999 beyond 1048576
xlsx/row-negative.xlsx|2|row-negative.xlsx:2: field 'received': missing value ()
xlsx/sst-bomb.xlsx|2|nianbao: sst-bomb.xlsx: xl/sharedStrings.xml: string 1 longer than 32767 characters
xlsx/cell-bomb.xlsx|2|cell-bomb.xlsx:2: xl/worksheets/sheet1.xml: cell A2: text longer than 32767 characters
xlsx/bad-crc.xlsx|2|bad-crc.xlsx:2: xl/worksheets/sheet1.xml: damaged zip entry (bad CRC)
LIST

# Every file in the folder is in the list above.
for f in "$R"/csv/* "$R"/xlsx/*; do
    n=${f#"$R"/}
    grep -q "^$n|" "$NIANBAO_HOME/tests/cli/test_regress.sh" || not_ok "$n is listed in test_regress.sh"
done
cp "$R/csv/cr-only.csv" .
nb -d s.db import --body 沈河区 request cr-only.csv
is "$(sqlite3 s.db "SELECT id FROM request ORDER BY id" | tr '\n' ' ')" "A1 A2 K1 " "cr-only: both rows read"
finish
