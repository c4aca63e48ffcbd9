#!/usr/bin/env python3
"""Turns the test tables of Calico's selector tokenizer and parser into a JSON-lines corpus.

Usage: calico-selector-corpus.py CALICO_CHECKOUT_GIT_DIR COMMIT > Tests/Fixtures/calico-selectors/cases.jsonl

Only the test vectors are taken (selector text, labels, expected outcome); none of Calico's code.
Each output line is one case:
  {"kind": "match",     "selector": S, "labels": {...}, "expect": true|false}
  {"kind": "valid",     "selector": S, "expect": true|false}
  {"kind": "canonical", "selector": S, "expect": CANONICAL}
"""
import json, re, subprocess, sys

git_dir, commit = sys.argv[1], sys.argv[2]

def show(path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True, text=True).stdout

def tokens(src):
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            i = src.index("\n", i)
        elif c.isspace():
            i += 1
        elif c == "`":
            j = src.index("`", i + 1)
            yield ("S", src[i + 1:j]); i = j + 1
        elif c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            yield ("S", json.loads(src[i:j + 1])); i = j + 1
        elif src.startswith("strings.Repeat(", i):
            m = re.match(r'strings\.Repeat\("(.)", (\d+)\)(?:\s*\+\s*`([^`]*)`)?', src[i:])
            yield ("S", m.group(1) * int(m.group(2)) + (m.group(3) or "")); i += m.end()
        elif src.startswith("[]map[string]string", i):
            yield ("T", "maps"); i += len("[]map[string]string")
        elif src.startswith("[]tokenizer.Token", i):
            yield ("T", "toks"); i += len("[]tokenizer.Token")
        elif src.startswith("nil", i):
            yield ("N", None); i += 3
        elif c in "{},:":
            yield (c, c); i += 1
        else:
            m = re.match(r"[A-Za-z_.]+", src[i:])
            if not m:
                raise SystemExit(f"unexpected {src[i:i+20]!r}")
            yield ("I", m.group(0)); i += m.end()

class P:
    def __init__(self, src): self.gen = tokens(src); self.t = []; self.k = 0
    def fill(self):
        while len(self.t) <= self.k: self.t.append(next(self.gen))
    def peek(self): self.fill(); return self.t[self.k][0]
    def take(self, kind=None):
        self.fill(); tok = self.t[self.k]; self.k += 1
        if kind and tok[0] != kind: raise SystemExit(f"expected {kind}, got {tok}")
        return tok[1]
    def skip(self, kind):
        if self.peek() == kind: self.k += 1; return True
        return False
    def items(self, item):
        out = []
        self.take("{")
        while not self.skip("}"):
            out.append(item()); self.skip(",")
        return out
    def labels(self):
        m = {}
        self.take("{")
        while not self.skip("}"):
            key = self.take("S"); self.take(":"); m[key] = self.take("S"); self.skip(",")
        return m
    def maps(self):
        self.take("T"); return self.items(self.labels)
    def skipBraces(self):
        depth = 0
        while True:
            self.take(); kind = self.t[self.k - 1][0]
            if kind == "{": depth += 1
            elif kind == "}":
                depth -= 1
                if depth == 0: return

def block(src, start):
    i = src.index(start)
    return src[src.index("{", i + len(start) - 1):]

out = []
parser = show("libcalico-go/lib/selector/parser/parser_test.go")

p = P(block(parser, "var selectorTests = []selectorTest{"))
p.take("{")
while not p.skip("}"):
    p.take("{"); sel = p.take("S"); p.skip(",")
    yes = p.maps(); p.skip(","); no = p.maps(); p.skip(","); p.take("}"); p.skip(",")
    out.append({"kind": "valid", "selector": sel, "expect": True})
    out += [{"kind": "match", "selector": sel, "labels": l, "expect": True} for l in yes]
    out += [{"kind": "match", "selector": sel, "labels": l, "expect": False} for l in no]

p = P(block(parser, "var badSelectors = []string{"))
out += [{"kind": "valid", "selector": s, "expect": False} for s in p.items(lambda: p.take("S"))]

p = P(block(parser, "expectedUid string\n}{"))
p.take("{")
while not p.skip("}"):
    p.take("{"); sel = p.take("S"); p.take(","); canon = p.take("S"); p.take(","); p.take("S"); p.take("}"); p.skip(",")
    out.append({"kind": "canonical", "selector": sel, "expect": canon})

# The tokenizer's table: an input it refuses is an invalid selector. Inputs it accepts are not
# all valid selectors (the parser refuses `a not in "bar"`), so only the refusals are cases,
# plus the accepted inputs that are whole selectors, checked by the parser's own rules below.
tok = show("libcalico-go/lib/selector/tokenizer/tokenizer_test.go")
p = P(block(tok, "expected []tokenizer.Token\n}{"))
p.take("{")
while not p.skip("}"):
    p.take("{"); sel = p.take("S"); p.take(",")
    if p.peek() == "N":
        p.take(); out.append({"kind": "valid", "selector": sel, "expect": False})
    else:
        p.take("T"); p.skipBraces()
        if not re.search(r'(in|notin|not\s+in)\s*("|c\b)', sel):   # a set needs braces; a bare label is no value
            out.append({"kind": "valid", "selector": sel, "expect": True})
    p.take("}"); p.skip(",")

for case in out:
    print(json.dumps(case, ensure_ascii=False))
