import HTTPTypes
import Hummingbird
import NIOCore

/// The web page: `/` (one HTML page with three views: Discover, Readiness, Simulate), `/ui/app.js`, `/ui/app.css`.
/// Everything is compiled into the binary (no CDN, no external fonts): the page works offline. The assets hold no
/// data, so they need no token; the page sends the token the user enters with every API call.
struct WebRoutes {
    func add(to router: Router<ServerContext>) {
        router.get("/") { _, _ in Self.asset(WebPage.html, "text/html; charset=utf-8") }
        router.get("/ui/app.js") { _, _ in Self.asset(WebScript.source, "text/javascript; charset=utf-8") }
        router.get("/ui/app.css") { _, _ in Self.asset(WebStyle.source, "text/css; charset=utf-8") }
    }

    static func asset(_ text: String, _ type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache", .contentSecurityPolicy: "default-src 'self'"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
