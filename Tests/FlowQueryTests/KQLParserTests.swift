import Testing

@testable import FlowQuery

/// Shorthands for the neutral JSON of section 7 of docs/kql.md.
private func lit(_ s: String, quoted: Bool = false) -> String {
    "{\"lit\":\"\(s)\",\"quoted\":\(quoted)}"
}
private func wc(_ segs: String...) -> String { "{\"wildcard\":[" + segs.map { "\"\($0)\"" }.joined(separator: ",") + "]}" }
private func isN(_ f: String?, _ v: String) -> String { "{\"op\":\"is\",\"field\":\(f ?? "null"),\"value\":\(v)}" }
private func andN(_ a: String...) -> String { "{\"op\":\"and\",\"args\":[" + a.joined(separator: ",") + "]}" }
private func orN(_ a: String...) -> String { "{\"op\":\"or\",\"args\":[" + a.joined(separator: ",") + "]}" }
private func notN(_ a: String) -> String { "{\"op\":\"not\",\"arg\":\(a)}" }

@Suite struct KQLParserTests {
    static let cases: [(String, String)] = [
        ("", isN(wc("", ""), wc("", ""))),
        ("   ", isN(wc("", ""), wc("", ""))),
        ("*:*", isN(wc("", ""), wc("", ""))),
        ("*", isN(nil, wc("", ""))),
        ("foo", isN(nil, lit("foo"))),
        ("\"quick brown fox\"", isN(nil, lit("quick brown fox", quoted: true))),
        ("foo:bar", isN(lit("foo"), lit("bar"))),
        ("foo : bar", isN(lit("foo"), lit("bar"))),
        ("foo:bar   baz", isN(lit("foo"), lit("bar   baz"))),
        ("foo bar:baz", isN(lit("foo bar"), lit("baz"))),
        ("response:200 or extension:php", orN(isN(lit("response"), lit("200")), isN(lit("extension"), lit("php")))),
        ("a:1 and b:2 and c:3", andN(isN(lit("a"), lit("1")), isN(lit("b"), lit("2")), isN(lit("c"), lit("3")))),
        ("(a:1 and b:2) and c:3", andN(andN(isN(lit("a"), lit("1")), isN(lit("b"), lit("2"))), isN(lit("c"), lit("3")))),
        ("a:1 or b:2 and c:3", orN(isN(lit("a"), lit("1")), andN(isN(lit("b"), lit("2")), isN(lit("c"), lit("3"))))),
        ("not a:1 and b:2", andN(notN(isN(lit("a"), lit("1"))), isN(lit("b"), lit("2")))),
        ("a:1 OR b:2 AnD c:3", orN(isN(lit("a"), lit("1")), andN(isN(lit("b"), lit("2")), isN(lit("c"), lit("3"))))),
        ("((a:1))", isN(lit("a"), lit("1"))),
        ("response:(200 or 404)", orN(isN(lit("response"), lit("200")), isN(lit("response"), lit("404")))),
        ("f:(a or b and not c)", orN(isN(lit("f"), lit("a")), andN(isN(lit("f"), lit("b")), notN(isN(lit("f"), lit("c")))))),
        ("f:(not a)", notN(isN(lit("f"), lit("a")))),
        ("machine.os:win*", isN(lit("machine.os"), wc("win", ""))),
        ("f:*bar*", isN(lit("f"), wc("", "bar", ""))),
        ("f:**", isN(lit("f"), wc("", "", ""))),
        ("f:a\\**", isN(lit("f"), wc("a*", ""))),
        ("f:*", isN(lit("f"), wc("", ""))),
        ("machine*:osx", isN(wc("machine", ""), lit("osx"))),
        ("f:\"a*\"", isN(lit("f"), lit("a*", quoted: true))),
        ("f:a\\:b", isN(lit("f"), lit("a:b"))),
        ("f:\\u0041", isN(lit("f"), lit("A"))),
        ("f:\"\\\\\"", isN(lit("f"), lit("\\\\", quoted: true))),
        ("f:\"C:\\Windows\"", isN(lit("f"), lit("C:\\\\Windows", quoted: true))),
        ("f:true", isN(lit("f"), "{\"lit\":true,\"quoted\":false}")),
        ("f:TRUE", isN(lit("f"), lit("TRUE"))),
        ("f:null", isN(lit("f"), "{\"lit\":null,\"quoted\":false}")),
        ("f:070", isN(lit("f"), lit("070"))),
        ("f:-4", isN(lit("f"), lit("-4"))),
        ("null:foo", isN(nil, lit("foo"))),
        ("\"null\":foo", isN(lit("null", quoted: true), lit("foo"))),
        ("foo:bar and", isN(lit("foo"), lit("bar and"))),
        ("a:b or c or", orN(isN(lit("a"), lit("b")), isN(nil, lit("c or")))),
        ("f:\\not", isN(lit("f"), lit("ot"))),  // `\n` + `ot`, then trimmed (quirk 2)
        ("f:\\NOT", isN(lit("f"), lit("NOT"))),
        ("f:\\or", isN(lit("f"), lit("or"))),
        ("orange", isN(nil, lit("orange"))),
        ("android", isN(nil, lit("android"))),
        ("bytes = 5", isN(nil, lit("bytes = 5"))),
        ("bytes >= 10", "{\"op\":\"range\",\"field\":\(lit("bytes")),\"cmp\":\"gte\",\"value\":\(lit("10"))}"),
        ("bytes < 10*", "{\"op\":\"range\",\"field\":\(lit("bytes")),\"cmp\":\"lt\",\"value\":\(wc("10", ""))}"),
        ("@timestamp < \"2021-01-02T21:55:59\"",
         "{\"op\":\"range\",\"field\":\(lit("@timestamp")),\"cmp\":\"lt\",\"value\":\(lit("2021-01-02T21:55:59", quoted: true))}"),
        ("p:{a:1 and b:2}",
         "{\"op\":\"nested\",\"path\":\(lit("p")),\"query\":\(andN(isN(lit("a"), lit("1")), isN(lit("b"), lit("2"))))}"),
        ("p:{q:{a:1}}",
         "{\"op\":\"nested\",\"path\":\(lit("p")),\"query\":{\"op\":\"nested\",\"path\":\(lit("q")),\"query\":\(isN(lit("a"), lit("1")))}}"),
        ("date:{* TO 2012}",
         "{\"op\":\"nested\",\"path\":\(lit("date")),\"query\":\(isN(nil, wc("", " TO 2012")))}"),
        ("policies:{all_policies: *staged\\:default-deny*} and action: \"allow\"",
         andN("{\"op\":\"nested\",\"path\":\(lit("policies")),\"query\":\(isN(lit("all_policies"), wc("", "staged:default-deny", "")))}",
              isN(lit("action"), lit("allow", quoted: true)))),
        ("a:b\u{A0}or\u{A0}c:d", orN(isN(lit("a"), lit("b")), isN(lit("c"), lit("d")))),
        ("f:\"a\\tb\"", isN(lit("f"), lit("a\\tb", quoted: true))),
        ("+foo:bar", isN(lit("+foo"), lit("bar"))),
        ("_exists_:field", isN(lit("_exists_"), lit("field"))),
        ("f:[1 TO 10]", isN(lit("f"), lit("[1 TO 10]"))),
        ("f:win?", isN(lit("f"), lit("win?"))),
        // JavaScript's trim(): every Unicode space and the BOM at the two ends of the whole value, nothing inside it.
        ("f:\u{3000}x\u{2003}", isN(lit("f"), lit("x"))),
        ("f:\u{FEFF}x y\u{FEFF}", isN(lit("f"), lit("x y"))),
        ("f: a *b c* ", isN(lit("f"), wc("a ", "b c", ""))),
        ("f: a* \u{2003}", isN(lit("f"), wc("a", ""))),
    ]

    @Test(arguments: cases)
    func parsesLikeKibana(_ query: String, _ expected: String) throws {
        let node = try KQLParser.parse(query, strict: true)
        #expect(node.neutralJSON == expected, "query: \(query)")
    }

    static let errors: [String] = [
        "response:", "response:200 or ", "response:(200 or )", "response:200 and not ", "response:(200 and not )",
        "foo:\"ba ", "foo:\"ba \"r\"", "foo:ba:r", "foo > ", "< 1000", "message:cannot find", "foo OR bar NOT baz",
        "not not x", "not(x)", "()", "f:()", "f:{ }", "a:1 b:2", "f:a\\ b", "f:a\\", "{a:1}", "f:(a:b)",
        "\"a b\"~2", "a:1 && b:2",
    ]

    @Test(arguments: errors)
    func rejectsLikeKibana(_ query: String) {
        #expect(throws: QuerySyntaxError.self, "query: \(query)") { try KQLParser.parse(query, strict: true) }
    }

    @Test func errorHasOffsetAndCaret() throws {
        let e = try #require(throws: QuerySyntaxError.self) { try KQLParser.parse("response:200 or ", strict: true) }
        #expect(e.offset == 16)
        let rendered = e.render(query: "response:200 or ")
        #expect(rendered.contains("    response:200 or \n                    ^"))
        let e2 = try #require(throws: QuerySyntaxError.self) { try KQLParser.parse("foo:ba:r", strict: true) }
        #expect(e2.offset == 6)
    }

    @Test func colonExtensionOnlyOutsideStrict() throws {
        let q = "policies.all_policies:*staged:default-deny*"
        #expect(throws: QuerySyntaxError.self) { try KQLParser.parse(q, strict: true) }
        let node = try KQLParser.parse(q)
        #expect(node.neutralJSON == isN(lit("policies.all_policies"), wc("", "staged:default-deny", "")))
        // The extension does not hide a missing `and`.
        #expect(throws: QuerySyntaxError.self) { try KQLParser.parse("a:1 b:2") }
    }

    @Test func strictAndExtendedAgreeOnKibanaQueries() throws {
        for (q, _) in Self.cases {
            #expect(try KQLParser.parse(q) == KQLParser.parse(q, strict: true), "query: \(q)")
        }
    }
}
