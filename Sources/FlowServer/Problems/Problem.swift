import FlowLog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered as `application/problem+json` (RFC 9457) with flowq's stable code, the message and, for a
/// query, the offset of the mistake.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A stable dotted code (`query.syntax`, `auth.missing_token`, …).
    public var code: String
    public var detail: String
    /// For a query error: the 0-based offset in the query.
    public var offset: Int?
    /// Extra headers (`WWW-Authenticate`, `Retry-After`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, _ detail: String, offset: Int? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.offset = offset
        self.headers = headers
    }

    /// The JSON body.
    public var json: String {
        var o = "{\"type\":\"about:blank\",\"title\":\(JSONText.string(status.reasonPhrase)),\"status\":\(status.code),"
        o += "\"code\":\(JSONText.string(code)),\"detail\":\(JSONText.string(detail))"
        if let offset { o += ",\"offset\":\(offset)" }
        return o + "}\n"
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
