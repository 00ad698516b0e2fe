"""read_docx.py - reads a DOCX with python-docx (Debian: python3-docx), an independent reader, and
prints what the tests look at: the core properties, the page, the footers, the paragraph styles'
fonts, the body's paragraphs (style and text) and every table's cells with their merges.

    python3 read_docx.py FILE          # for people: one line per thing
    python3 read_docx.py --json FILE   # the same as JSON, for the tests

Merges are read from the cells' w:gridSpan and w:vMerge and given as [r1, c1, r2, c2] (grid rows
and columns, 0-based, inclusive), as nianbao's documents give them."""
import json
import sys

try:
    import docx
    from docx.oxml.ns import qn
except ImportError:
    sys.exit("read_docx.py: python-docx is missing (Debian package python3-docx)")


def attr(el, name):
    return None if el is None else el.get(qn(name))


def child(el, path):
    """The first descendant of EL along PATH ("w:pPr/w:spacing"), or None."""
    for name in path.split("/"):
        if el is None:
            return None
        el = el.find(qn(name))
    return el


def text_of(el):
    """The text of a paragraph or cell element: w:t, w:tab as a tab, w:br as a newline."""
    out = []
    for node in el.iter():
        if node.tag == qn("w:t"):
            out.append(node.text or "")
        elif node.tag == qn("w:tab"):
            out.append("\t")
        elif node.tag == qn("w:br"):
            out.append("\n")
    return "".join(out)


def style_info(style):
    el = style.element
    fonts = child(el, "w:rPr/w:rFonts")
    size = child(el, "w:rPr/w:sz")
    spacing = child(el, "w:pPr/w:spacing")
    ind = child(el, "w:pPr/w:ind")
    jc = child(el, "w:pPr/w:jc")
    outline = child(el, "w:pPr/w:outlineLvl")
    return {
        "id": style.style_id,
        "based_on": style.base_style.name if style.base_style is not None else None,
        "font": attr(fonts, "w:eastAsia"),
        "font_ascii": attr(fonts, "w:ascii"),
        "size_pt": int(attr(size, "w:val")) / 2 if size is not None else None,
        "bold": child(el, "w:rPr/w:b") is not None,
        "line": attr(spacing, "w:line"),
        "line_rule": attr(spacing, "w:lineRule"),
        "first_line_chars": attr(ind, "w:firstLineChars"),
        "jc": attr(jc, "w:val"),
        "outline_level": int(attr(outline, "w:val")) if outline is not None else None,
    }


def resolved(styles, name, key):
    """KEY of style NAME, or of the style it is based on, and so on."""
    while name:
        s = styles.get(name)
        if s is None:
            return None
        if s[key] is not None:
            return s[key]
        name = s["based_on"]
    return None


def read_table(tbl, styles_by_id):
    grid = [int(attr(g, "w:w")) for g in tbl.findall(qn("w:tblGrid") + "/" + qn("w:gridCol"))]
    borders = {}
    for edge in child(tbl, "w:tblPr/w:tblBorders") if child(tbl, "w:tblPr/w:tblBorders") is not None else []:
        borders[edge.tag.split("}")[1]] = attr(edge, "w:val")
    rows, merges, open_v = [], [], {}
    for r, tr in enumerate(tbl.findall(qn("w:tr"))):
        cells, col = [], 0
        for tc in tr.findall(qn("w:tc")):
            span = int(attr(child(tc, "w:tcPr/w:gridSpan"), "w:val") or 1)
            vm_el = child(tc, "w:tcPr/w:vMerge")
            vmerge = None if vm_el is None else ("restart" if attr(vm_el, "w:val") == "restart" else "continue")
            p = tc.find(qn("w:p"))
            sid = attr(child(p, "w:pPr/w:pStyle"), "w:val") if p is not None else None
            cells.append({"text": "\n".join(text_of(p) for p in tc.findall(qn("w:p"))),
                          "col": col, "span": span, "vmerge": vmerge,
                          "style": styles_by_id.get(sid, sid)})
            if vmerge == "continue" and col in open_v:
                open_v[col][2] = r
            else:
                if vmerge == "restart":
                    open_v[col] = [r, col, r, col + span - 1]
                    merges.append(open_v[col])
                else:
                    open_v.pop(col, None)
                    if span > 1:
                        merges.append([r, col, r, col + span - 1])
            col += span
        rows.append({"header": child(tr, "w:trPr/w:tblHeader") is not None,
                     "cant_split": child(tr, "w:trPr/w:cantSplit") is not None,
                     "columns": col, "cells": cells})
    merges = [m for m in merges if m[2] > m[0] or m[3] > m[1]]
    return {"grid": grid, "borders": borders, "layout": attr(child(tbl, "w:tblPr/w:tblLayout"), "w:type"),
            "rows": rows, "merges": sorted(merges)}


def footer_info(footer):
    el = footer._element
    instr = [t.text.strip() for t in el.iter(qn("w:instrText"))]
    jc = [attr(child(p, "w:pPr/w:jc"), "w:val") for p in el.iter(qn("w:p"))]
    return {"text": "\n".join(p.text for p in footer.paragraphs), "fields": instr, "jc": jc,
            "linked": footer.is_linked_to_previous}


def read(path):
    d = docx.Document(path)
    styles = {s.name: style_info(s) for s in d.styles if s.type == 1}  # paragraph styles
    by_id = {s["id"]: name for name, s in styles.items()}
    out = {"core": {"title": d.core_properties.title, "creator": d.core_properties.author,
                    "created": d.core_properties.created.isoformat() if d.core_properties.created else None},
           "styles": {}, "sections": [], "blocks": [], "tables": []}
    for name in styles:
        out["styles"][name] = dict(styles[name], **{k: resolved(styles, name, k) for k in
                                                   ("font", "size_pt", "line", "line_rule", "first_line_chars", "jc")})
    for s in d.sections:
        out["sections"].append({
            "width_mm": round(s.page_width.mm, 1), "height_mm": round(s.page_height.mm, 1),
            "orientation": "landscape" if s.orientation else "portrait",
            "top_mm": round(s.top_margin.mm, 1), "bottom_mm": round(s.bottom_margin.mm, 1),
            "left_mm": round(s.left_margin.mm, 1), "right_mm": round(s.right_margin.mm, 1),
            "footer": footer_info(s.footer), "even_footer": footer_info(s.even_page_footer)})
    out["even_and_odd"] = d.settings.odd_and_even_pages_header_footer
    body = d.element.body
    for el in body:
        if el.tag == qn("w:p"):
            sid = attr(child(el, "w:pPr/w:pStyle"), "w:val") or "Normal"
            out["blocks"].append({"type": "paragraph", "style": by_id.get(sid, sid), "text": text_of(el)})
        elif el.tag == qn("w:tbl"):
            out["blocks"].append({"type": "table", "table": len(out["tables"])})
            out["tables"].append(read_table(el, by_id))
    return out


def show(r):
    print("core: title=%s creator=%s created=%s" % (r["core"]["title"], r["core"]["creator"], r["core"]["created"]))
    for s in r["sections"]:
        print("section: %sx%s mm %s, margins top %s bottom %s left %s right %s" % (
            s["width_mm"], s["height_mm"], s["orientation"], s["top_mm"], s["bottom_mm"], s["left_mm"], s["right_mm"]))
        for k in ("footer", "even_footer"):
            print("%s: %r fields %s align %s" % (k, s[k]["text"], s[k]["fields"], s[k]["jc"]))
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        s = r["styles"].get(name)
        if s:
            print("style %s: %s %spt line %s %s first line %s jc %s" % (
                name, s["font"], s["size_pt"], s["line"], s["line_rule"], s["first_line_chars"], s["jc"]))
    for b in r["blocks"]:
        if b["type"] == "paragraph":
            if b["text"]:
                print("%s: %s" % (b["style"], b["text"].replace("\n", "/")))
            continue
        t = r["tables"][b["table"]]
        print("table %d: %d columns %s, borders %s, merges %s" % (
            b["table"] + 1, len(t["grid"]), t["grid"], sorted(set(t["borders"].values())), t["merges"]))
        for i, row in enumerate(t["rows"]):
            cells = []
            for c in row["cells"]:
                mark = ""
                if c["span"] > 1:
                    mark += "<%d>" % c["span"]
                if c["vmerge"]:
                    mark += "^" if c["vmerge"] == "continue" else "v"
                cells.append(c["text"].replace("\n", "/") + mark)
            print("  %d%s: %s" % (i + 1, " [header]" if row["header"] else "", " | ".join(cells)))


def main(argv):
    args = [a for a in argv[1:] if a != "--json"]
    if len(args) != 1:
        sys.exit("usage: read_docx.py [--json] FILE")
    r = read(args[0])
    if "--json" in argv:
        json.dump(r, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        show(r)


if __name__ == "__main__":
    main(sys.argv)
