import FlowPolicy
import Testing

@Suite struct SelectorTests {
    static let labels = ["app": "web", "tier": "frontend", "env": "prod-eu", "empty": ""]

    @Test(arguments: [
        ("all()", true), ("", true), ("app == 'web'", true), ("app == \"db\"", false), ("app != 'db'", true),
        ("missing != 'x'", true), ("has(app)", true), ("!has(app)", false), ("has(missing)", false),
        ("!has(missing)", true), ("app in {'web', 'api'}", true), ("app in {'api'}", false),
        ("app not in {'api'}", true), ("missing not in {'x'}", true), ("missing in {'x'}", false),
        ("env contains 'eu'", true), ("env starts with 'prod'", true), ("env ends with 'eu'", true),
        ("env ends with 'us'", false), ("missing contains 'x'", false), ("app == 'web' && tier == 'frontend'", true),
        ("app == 'db' || tier == 'frontend'", true), ("!(app == 'web')", false), ("(app == 'db' || app == 'web') && has(env)", true),
        ("empty == ''", true), ("has(empty)", true), ("global()", true), ("!global()", false), ("app == 'web'\t&&\ttier == 'frontend'", true),
    ])
    func evaluatesWithCalicoSemantics(_ text: String, _ expected: Bool) throws {
        let s = try SelectorParser.parse(text)
        #expect(s.matches(Self.labels) == expected, "\(text)")
    }

    @Test func globalMatchesNonNamespacedEndpoints() throws {
        #expect(try SelectorParser.parse("global()").matches([:], namespaced: false))
        #expect(!(try SelectorParser.parse("global()").matches([:], namespaced: true)))
    }

    @Test func canonicalFormRoundTrips() throws {
        for text in ["a == 'x' && (b == 'y' || !has(c))", "k in {'a','b'}", "!(a == 'b' && c == 'd')", "x starts with 'p'"] {
            let s = try SelectorParser.parse(text)
            #expect(try SelectorParser.parse(s.canonical) == s, "\(text) -> \(s.canonical)")
        }
        #expect(try SelectorParser.parse("a=='x'&&b!='y'").canonical == #"(a == "x" && b != "y")"#)
    }

    @Test(arguments: [("app ==", 6), ("app = 'x'", 4), ("has(app", 7), ("app == 'x' &&", 13), ("(app == 'x'", 11), ("app in {'a'", 11), ("app\n== 'x'", 3), ("app == 'x", 7)])
    func errorsHaveAPosition(_ text: String, _ offset: Int) {
        do {
            _ = try SelectorParser.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
            #expect(error.render(text).contains("^"))
        }
    }

    /// One case per rule of Calico's lexer and parser (libcalico-go/lib/selector), written from reading them:
    /// whether Calico accepts the selector, and the canonical form it gives.
    @Test(arguments: [
        // Spaces inside the parentheses of all(), global() and has(); none between the word and "(".
        ("all( )", "all()"), (" ( all() ) ", "all()"), ("global( )", "global()"), ("has( app )", "has(app)"),
        ("has (app)", nil), ("all ()", nil), ("global ()", nil),
        // Two-word operators: the space between the words is optional; operators are read by prefix after a label.
        ("a startswith 'x'", #"a starts with "x""#), ("a starts  with 'x'", #"a starts with "x""#),
        ("a endswith 'x'", #"a ends with "x""#), ("a notin {'x'}", #"a not in {"x"}"#), ("a not\tin {'x'}", #"a not in {"x"}"#),
        ("a in{'x'}", #"a in {"x"}"#), ("a starts 'x'", nil), ("a not {'x'}", nil),
        // Label names: ASCII letters, digits and _ . / - only; names that look like keywords are labels.
        ("example.com/tier-1_a == 'x'", #"example.com/tier-1_a == "x""#), ("has == 'x'", #"has == "x""#),
        ("all == 'x'", #"all == "x""#), ("in == 'x'", #"in == "x""#), ("not != 'x'", #"not != "x""#),
        ("global in {'x'}", #"global in {"x"}"#), ("café == 'x'", nil), ("a:b == 'x'", nil),
        (String(repeating: "k", count: 512) + " == 'x'", String(repeating: "k", count: 512) + #" == "x""#),
        (String(repeating: "k", count: 513) + " == 'x'", nil),  // Calico 3.30+ refuses names over 512 bytes (MaxLabelLength)
        // Set literals: a trailing comma is allowed, values are sorted and de-duplicated; a lone comma is not.
        ("a in {'x',}", #"a in {"x"}"#), ("a in {}", "a in {}"), ("a in {,}", nil), ("a in {'b', 'a', 'b'}", #"a in {"a", "b"}"#),
        // Quotes: single or double, no escapes; a value with a double quote is written in single quotes.
        (#"a == '"'"#, #"a == '"'"#), (#"a == "'""#, #"a == "'""#), ("a == 'x\\'", #"a == "x\""#),
        // Negation collapses; each chain is one node; a parenthesis starts a new one.
        ("!!has(a)", "has(a)"), ("!!!has(a)", "!has(a)"), ("!(a == 'b')", #"!a == "b""#),
        ("a == 'b' && c == 'd' && e == 'f'", #"(a == "b" && c == "d" && e == "f")"#),
        ("(a == 'b' && c == 'd') && e == 'f'", #"((a == "b" && c == "d") && e == "f")"#),
        ("a == 'b' || c == 'd' && e == 'f'", #"(a == "b" || (c == "d" && e == "f"))"#),
        // global() in an ordinary expression: alone, negated, combined.
        ("!global()", "!global()"), ("global() && has(a)", "(global() && has(a))"), ("global() || all()", "(global() || all())"),
        // What Calico refuses.
        ("a = 'b'", nil), ("a == b", nil), ("'b' == a", nil), ("a", nil), ("a b", nil), ("!", nil), ("()", nil),
        ("a == 'b' &", nil), ("a == 'b' |", nil), ("a in 'b'", nil), ("a\n== 'b'", nil), ("has(a) has(b)", nil),
    ] as [(String, String?)])
    func agreesWithCalicosLexerAndParser(_ text: String, _ canonical: String?) {
        let parsed = try? SelectorParser.parse(text)
        #expect(parsed?.canonical == canonical, "\(text)")
        if let parsed, let canonical {
            // The canonical form parses back to itself, as Calico's round-trip test demands.
            #expect((try? SelectorParser.parse(canonical))?.canonical == canonical, "\(text)")
            _ = parsed
        }
    }

    @Test func globalIsTrueInAnOrdinaryMatch() throws {
        #expect(try SelectorParser.parse("global()").matches([:]))
        #expect(try SelectorParser.parse("global() && app == 'web'").matches(["app": "web"]))
        #expect(!(try SelectorParser.parse("!global()").matches([:])))
    }
}
