import FlowPolicy
import Foundation
import TestSupport
import Testing

/// flowq's selector parser against the test vectors of Calico's own tokenizer and parser
/// (`Tests/Fixtures/calico-selectors`, made by `Tests/scripts/calico-selector-corpus.py`).
@Suite struct CalicoSelectorCorpusTests {
    struct Case: Decodable {
        enum Kind: String, Decodable { case match, valid, canonical }
        enum Expectation: Decodable {
            case flag(Bool)
            case text(String)
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let b = try? c.decode(Bool.self) { self = .flag(b) } else { self = .text(try c.decode(String.self)) }
            }
        }
        var kind: Kind
        var selector: String
        var labels: [String: String]?
        var expect: Expectation
    }

    static func cases() throws -> [Case] {
        let file = Repo.root.appendingPathComponent("Tests/Fixtures/calico-selectors/cases.jsonl")
        let decoder = JSONDecoder()
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
            try decoder.decode(Case.self, from: Data($0.utf8))
        }
    }

    /// What flowq says for one case, and whether it is what Calico says.
    static func agrees(_ c: Case) -> (Bool, String) {
        let parsed = Result { try SelectorParser.parse(c.selector) }
        switch (c.kind, c.expect) {
        case (.valid, .flag(let valid)):
            let ok = (try? parsed.get()) != nil
            return (ok == valid, ok ? "valid" : "invalid")
        case (.match, .flag(let match)):
            guard let s = try? parsed.get() else { return (false, "invalid") }
            let got = s.matches(c.labels ?? [:])
            // Calico's test also matches after canonicalising.
            let again = (try? SelectorParser.parse(s.canonical))?.matches(c.labels ?? [:])
            return (got == match && again == match, "\(got)/\(again.map(String.init) ?? "unparsable")")
        case (.canonical, .text(let canonical)):
            guard let s = try? parsed.get() else { return (false, "invalid") }
            let roundTrip = (try? SelectorParser.parse(s.canonical))?.canonical
            return (s.canonical == canonical && roundTrip == canonical, s.canonical)
        default:
            return (false, "malformed case")
        }
    }

    @Test func agreesWithCalicosOwnCases() throws {
        let cases = try Self.cases()
        #expect(cases.count > 200)
        let differences = cases.compactMap { c -> String? in
            let (ok, got) = Self.agrees(c)
            return ok ? nil : "\(c.kind) \(c.selector.debugDescription) labels=\(c.labels ?? [:]) flowq=\(got)"
        }
        // Every known difference is listed in the README; today there are none.
        #expect(differences.isEmpty, "\(differences.count) of \(cases.count) differ:\n\(differences.joined(separator: "\n"))")
    }
}
