import ArgumentParser
import ConsoleProgress
import MarkingCore

/// Prints `error: <message>` on one line of standard error and exits with `code`.
///
/// Every command ends this way on bad input, so scripts get a non-zero status and
/// people get one readable line, never a stack trace.
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    var standardError = StandardError()
    print("error: \(message)", to: &standardError)
    return ExitCode(code)
}

/// Runs `body`, turning engine errors into ``fail(_:code:)``.
func reportingErrors<R>(_ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as MarkingError {
        throw fail(error.message)
    } catch let error as CodeFormatError {
        throw fail("cannot read the code: \(error)", code: 2)
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        writeToStandardError(string)
    }
}
