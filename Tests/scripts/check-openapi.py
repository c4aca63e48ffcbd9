#!/usr/bin/env python3
"""Checks HTTP responses against Schemas/openapi.json.

Usage: check-openapi.py OPENAPI CASES
CASES is a JSON array of {"method", "path", "status", "content_type", "body_file"}. Prints one line per case that does
not conform and exits 1 if any; also fails when a documented path was never exercised (pass "paths_used")."""
import json, os, sys
import jsonschema

spec_path, cases_path = sys.argv[1], sys.argv[2]
spec = json.load(open(spec_path))
here = os.path.dirname(os.path.abspath(spec_path))

def resolve(schema):
    """Inlines #/components refs and sibling schema files."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref and ref.startswith("#/components/schemas/"):
            return resolve(spec["components"]["schemas"][ref.rsplit("/", 1)[1]])
        if ref and not ref.startswith("#"):
            return json.load(open(os.path.join(here, ref)))
        return {k: resolve(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [resolve(v) for v in schema]
    return schema

failures = []
cases = json.load(open(cases_path))
for c in cases:
    op = spec["paths"].get(c["path"], {}).get(c["method"].lower())
    where = f'{c["method"]} {c["path"]} {c["status"]}'
    if op is None:
        failures.append(f"{where}: not in the document"); continue
    response = op["responses"].get(str(c["status"]))
    if response is None:
        failures.append(f"{where}: status not documented"); continue
    ctype = c["content_type"].split(";")[0].strip()
    media = response.get("content", {}).get(ctype)
    if media is None:
        failures.append(f"{where}: content type {ctype} not documented"); continue
    body = open(c["body_file"]).read()
    schema = resolve(media["schema"])
    try:
        if ctype == "application/x-ndjson":
            for line in body.splitlines():
                jsonschema.validate(json.loads(line), schema)
        elif ctype.endswith("json"):
            jsonschema.validate(json.loads(body), schema)
    except (jsonschema.ValidationError, json.JSONDecodeError) as e:
        failures.append(f"{where}: {str(e).splitlines()[0]}")
used = {c["path"] for c in cases}
for p in spec["paths"]:
    if p not in used:
        failures.append(f"{p}: documented but not exercised")
for f in failures:
    print(f)
sys.exit(1 if failures else 0)
