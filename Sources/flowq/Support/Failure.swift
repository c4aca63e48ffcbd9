import ArgumentParser
import FlowLog
import FlowQuery
import Foundation

/// A mistake in what the user gave flowq on its command line or in a file it names.
struct UsageError: UserError {
    var errorCode: String
    var message: String

    init(_ message: String, code: String = "cli.usage") {
        self.message = message
        self.errorCode = code
    }
}

/// The error for a user mistake; `throw fail("...")`. ``ErrorReporter`` prints it and exits 2.
func fail(_ message: String, code: String = "cli.usage") -> UsageError { UsageError(message, code: code) }

/// A query error with the query shown and a caret under its offset.
func queryError(_ error: QuerySyntaxError, query: String) -> UsageError {
    UsageError("query error: " + error.render(query: query), code: error.errorCode)
}

/// The one place where errors become messages and exit codes.
///
/// - an ``ExitCode`` (a report's verdict, `--strict`) passes through;
/// - help and `--version` print on stdout and exit 0;
/// - a ``UserError`` prints `flowq: error [code]: summary` on stderr and exits 2;
/// - ArgumentParser's own errors (unknown option, bad value) print its message and usage and exit 2, not 64;
/// - anything else prints its description and exits 2: never a stack trace.
enum ErrorReporter {
    static func exit(_ error: any Error, command: any ParsableCommand.Type) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        if let e = error as? any UserError {
            Terminal.error("flowq: error [\(e.errorCode)]: \(e.summary)")
            Foundation.exit(2)
        }
        let code = command.exitCode(for: error)
        let text = command.fullMessage(for: error)
        if code == .success {
            print(text)
            Foundation.exit(0)
        }
        Terminal.error(text.hasPrefix("Error:") || text.hasPrefix("flowq") ? text : "flowq: error: \(text)")
        Foundation.exit(2)
    }
}
