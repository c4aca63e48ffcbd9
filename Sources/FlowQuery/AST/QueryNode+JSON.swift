import FlowLog

extension QueryNode {
    /// The neutral AST JSON form (section 7 of `docs/kql.md`), compact, keys in a fixed order.
    public var neutralJSON: String {
        switch self {
        case .and(let args): return "{\"op\":\"and\",\"args\":[" + args.map(\.neutralJSON).joined(separator: ",") + "]}"
        case .or(let args): return "{\"op\":\"or\",\"args\":[" + args.map(\.neutralJSON).joined(separator: ",") + "]}"
        case .not(let arg): return "{\"op\":\"not\",\"arg\":" + arg.neutralJSON + "}"
        case .match(let field, let value):
            return "{\"op\":\"is\",\"field\":" + (field?.neutralJSON ?? "null") + ",\"value\":" + value.neutralJSON + "}"
        case .range(let field, let op, let value):
            return "{\"op\":\"range\",\"field\":" + field.neutralJSON + ",\"cmp\":\"" + op.rawValue + "\",\"value\":"
                + value.neutralJSON + "}"
        case .nested(let path, let query):
            return "{\"op\":\"nested\",\"path\":" + path.neutralJSON + ",\"query\":" + query.neutralJSON + "}"
        }
    }
}

extension Term {
    /// The neutral JSON form of a term.
    public var neutralJSON: String {
        switch kind {
        case .literal(let v, let quoted):
            let lit: String
            switch v {
            case .string(let s): lit = JSONText.string(s)
            case .bool(let b): lit = b ? "true" : "false"
            case .null: lit = "null"
            }
            return "{\"lit\":" + lit + ",\"quoted\":" + (quoted ? "true" : "false") + "}"
        case .wildcard(let segs):
            return "{\"wildcard\":[" + segs.map(JSONText.string).joined(separator: ",") + "]}"
        case .pattern(let pieces):
            // Lucene `?` has no KQL form: the segments split at `*`, plus the pattern with `?` marked.
            var segs = [""]
            var shown = ""
            for p in pieces {
                switch p {
                case .text(let t):
                    segs[segs.count - 1] += t
                    shown += t
                case .many:
                    segs.append("")
                    shown += "*"
                case .one:
                    segs[segs.count - 1] += "?"
                    shown += "?"
                }
            }
            return "{\"wildcard\":[" + segs.map(JSONText.string).joined(separator: ",") + "],\"lucene_pattern\":"
                + JSONText.string(shown) + "}"
        }
    }
}
