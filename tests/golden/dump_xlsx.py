"""dump_xlsx.py - an XLSX as text for golden comparison: each zip entry by name, XML with one tag per line."""
import re
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as z:
    for name in sorted(z.namelist()):
        data = z.read(name)
        print("== %s ==" % name)
        if name.endswith(".xml") or name.endswith(".rels"):
            text = data.decode("utf-8")
            print(re.sub(r">\s*<", ">\n<", text))
        else:
            print("(%d bytes)" % len(data))
