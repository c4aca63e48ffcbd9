import HTTPTypes
import Hummingbird
import NIOCore

/// `/metrics`, `/healthz`, `/readyz`: for `flowq serve` and for `flowq collect --metrics-port`.
public struct HealthRoutes: Sendable {
    /// The Prometheus text exposition.
    public var metrics: @Sendable () -> String
    /// Alive, with a word or two why.
    public var healthy: @Sendable () -> (Bool, String)
    /// Ready to answer (the store is open), with why not.
    public var ready: @Sendable () -> (Bool, String)

    public init(
        metrics: @escaping @Sendable () -> String, healthy: @escaping @Sendable () -> (Bool, String),
        ready: @escaping @Sendable () -> (Bool, String)
    ) {
        self.metrics = metrics
        self.healthy = healthy
        self.ready = ready
    }

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/metrics") { _, _ in text(metrics(), type: "text/plain; version=0.0.4") }
        router.get("/healthz") { _, _ in
            let (ok, why) = healthy()
            return text(why + "\n", status: ok ? .ok : .serviceUnavailable)
        }
        router.get("/readyz") { _, _ in
            let (ok, why) = ready()
            return text(why + "\n", status: ok ? .ok : .serviceUnavailable)
        }
    }
}

func text(_ body: String, type: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
}
