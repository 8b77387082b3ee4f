#!/usr/bin/env python3
"""Check a tdxbench HTML report: it parses, holds the expected number of
inline SVG figures, and fetches nothing (no script, link, img, iframe, or
http(s) reference other than XML namespace declarations)."""
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}


class Check(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.svgs, self.errors = [], 0, []

    def handle_starttag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag == "svg":
            self.svgs += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._attrs(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unbalanced </%s> (open: %s)" % (tag, self.stack[-3:]))
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def _attrs(self, tag, attrs):
        if tag in ("script", "iframe", "link", "img", "object", "embed"):
            self.errors.append("forbidden <%s>" % tag)
        for k, v in attrs:
            if k.startswith("on"):
                self.errors.append("event handler %s= on <%s>" % (k, tag))
            if k == "xmlns" or k.startswith("xmlns:"):
                continue
            if v and ("http:" in v or "https:" in v) and k in ("src", "href", "xlink:href"):
                self.errors.append("network reference %s=%s" % (k, v))


def main():
    path, want = sys.argv[1], int(sys.argv[2])
    p = Check()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    if p.stack:
        p.errors.append("unclosed elements: %s" % p.stack)
    if p.svgs != want:
        p.errors.append("%d inline svg, wanted %d" % (p.svgs, want))
    for e in p.errors[:10]:
        print("check_html: %s: %s" % (path, e), file=sys.stderr)
    return 1 if p.errors else 0


if __name__ == "__main__":
    sys.exit(main())
