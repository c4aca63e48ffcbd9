import Foundation
import TestSupport
import Testing

/// The web page of `flowq serve` in Debian's headless Chromium, against a real server over SampleLogs (no mocked
/// API): typed queries, the caret of a broken one, the readiness verdict, a would-break connection opened in
/// Discover, a simulation; screenshots under `.build/web-screenshots/`.
@Suite(.serialized, .enabled(if: browserCheckCanRun(), "needs chromium and python3-websocket (./dev test installs them)"))
struct WebPageTests {
    @Test func pagesInARealBrowser() throws {
        let dir = TempDir()
        let db = try ServerTests.sampleStore(dir)
        let server = try RunningServer(db: db, in: dir)
        let shots = Repo.root.appendingPathComponent(".build/web-screenshots").path
        // An earlier report to compare with: the same store before the namespace `shop` was logged.
        let earlier = dir.file("earlier.json")
        let before = try run(CLITests.flowq, ["report", "--db", db, "--format", "json", "--out", earlier, "--since", "2026-11-23T01:00:00Z"])
        #expect([0, 3, 4].contains(before.status), "\(before.stderr)")
        let r = try run("/usr/bin/env", [
            "python3", Repo.root.appendingPathComponent("Tests/scripts/browser-check.py").path, "http://127.0.0.1:\(server.port)", shots,
        ], environment: ["FLOWQ_COMPARE_REPORT": earlier])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("ok\n"), "\(r.stdout)")
        #expect(r.stdout.contains("histogram zoom: since=") && r.stdout.contains("compare: "), "\(r.stdout)")
        for name in ["discover.png", "discover-error.png", "readiness.png", "simulate.png", "discover-narrow.png"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: shots + "/" + name)[.size] as? NSNumber)?.intValue ?? 0
            #expect(size > 10_000, "\(name): \(size) bytes")
        }
    }
}

/// Chromium and Python's websocket module are here.
func browserCheckCanRun() -> Bool {
    Environment.has("chromium") && Environment.has("python3")
        && ((try? run("/usr/bin/env", ["python3", "-c", "import websocket"]))?.status == 0)
}
