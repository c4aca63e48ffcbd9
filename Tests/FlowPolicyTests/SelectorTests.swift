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
        ("empty == ''", true), ("has(empty)", true), ("global()", false), ("app == 'web'\t&&\ttier == 'frontend'", true),
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
        #expect(try SelectorParser.parse("a=='x'&&b!='y'").canonical == #"a == "x" && b != "y""#)
    }

    @Test(arguments: [("app ==", 6), ("app = 'x'", 4), ("has(app", 7), ("app == 'x' &&", 13), ("(app == 'x'", 11), ("app in {'a'", 11), ("app\n== 'x'", 3), ("app == 'x", 9)])
    func errorsHaveAPosition(_ text: String, _ offset: Int) {
        do {
            _ = try SelectorParser.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
            #expect(error.render(text).contains("^"))
        }
    }
}
