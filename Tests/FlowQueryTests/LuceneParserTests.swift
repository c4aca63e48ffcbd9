import FlowQuery
import Testing

@Suite struct LuceneParserTests {
    @Test(arguments: [
        ("a:1 AND b:2", #"{"op":"and","args":[{"op":"is","field":{"lit":"a","quoted":false},"value":{"lit":"1","quoted":false}},{"op":"is","field":{"lit":"b","quoted":false},"value":{"lit":"2","quoted":false}}]}"#),
        ("a:1 b:2", #"{"op":"or","args":[{"op":"is","field":{"lit":"a","quoted":false},"value":{"lit":"1","quoted":false}},{"op":"is","field":{"lit":"b","quoted":false},"value":{"lit":"2","quoted":false}}]}"#),
        ("_exists_:dest_ip", #"{"op":"is","field":{"lit":"dest_ip","quoted":false},"value":{"wildcard":["",""]}}"#),
        ("p:[1 TO *]", #"{"op":"range","field":{"lit":"p","quoted":false},"cmp":"gte","value":{"lit":"1","quoted":false}}"#),
        ("p:>=5", #"{"op":"range","field":{"lit":"p","quoted":false},"cmp":"gte","value":{"lit":"5","quoted":false}}"#),
        ("n:kube-system", #"{"op":"is","field":{"lit":"n","quoted":false},"value":{"lit":"kube-system","quoted":false}}"#),
        ("!a:1", #"{"op":"not","arg":{"op":"is","field":{"lit":"a","quoted":false},"value":{"lit":"1","quoted":false}}}"#),
        ("n:ku?e*", #"{"op":"is","field":{"lit":"n","quoted":false},"value":{"wildcard":["ku?e",""],"lucene_pattern":"ku?e*"}}"#),
    ])
    func parses(_ q: String, _ json: String) throws {
        #expect(try LuceneParser.parse(q).neutralJSON == json)
    }

    @Test(arguments: ["a:/re.*/", "a:foo~", "a:foo~2", "a:foo^2", "\"a b\"~3", "a:(", "a:[1 TO", "a:\\"])
    func rejectsUnsupportedOrBroken(_ q: String) {
        #expect(throws: QuerySyntaxError.self) { try LuceneParser.parse(q) }
    }
}
