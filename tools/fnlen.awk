# fnlen.awk - prints functions of C files longer than MAX lines (default 80): FILE:LINE name length.
/^[a-zA-Z].*\(/ && !/;[ \t]*$/ { name = $0; start = FNR; infn = 0 }
/^\{/ { if (name != "") { infn = 1; open = FNR } }
/^\}/ { if (infn) { len = FNR - open + 1; if (len > (MAX ? MAX : 80)) printf "%s:%d %s (%d lines)\n", FILENAME, start, substr(name, 1, 60), len; infn = 0; name = "" } }
