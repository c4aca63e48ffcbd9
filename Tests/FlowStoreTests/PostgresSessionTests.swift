@testable import FlowPostgres
import FlowStore
import Foundation
import TestSupport
import Testing

/// The PostgreSQL session's transactions: every statement of one goes to one connection.
@Suite(.disabled(if: TestBackend.postgresMissing, "FLOWQ_TEST_POSTGRES is not set (./dev test starts a server)"))
struct PostgresSessionTests {
    /// A connection cut between two statements of a transaction (a failover, `pg_terminate_backend`): the
    /// statements after it must not run on a new connection, where each would commit on its own (this lost a batch's
    /// lines while its checkpoint was committed).
    @Test func aConnectionLostInsideATransactionCommitsNothing() throws {
        let location = try PostgresLocation(url: try TestBackend.newDatabase())
        let session = try PostgresSession(location)
        let other = try PostgresSession(location)
        try session.query("CREATE TABLE t (n int)")
        #expect(throws: StoreError.self) {
            try session.inTransaction {
                try session.query("INSERT INTO t VALUES (1)")
                let pid = try #require(try session.query("SELECT pg_backend_pid()").first?.int(0))
                try other.query("SELECT pg_terminate_backend($1::int)", [.int(pid)])
                Thread.sleep(forTimeInterval: 0.3)
                try session.query("INSERT INTO t VALUES (2)")
                try session.query("INSERT INTO t VALUES (3)")
            }
        }
        // The session opens a new connection for the next statement, outside the transaction.
        #expect(try session.query("SELECT count(*) FROM t").first?.int(0) == 0)
        try session.inTransaction { _ = try session.query("INSERT INTO t VALUES (4)") }
        #expect(try other.query("SELECT count(*) FROM t").first?.int(0) == 1)
    }
}
