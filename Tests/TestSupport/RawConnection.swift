import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP connection, for speaking HTTP/1.1 byte by byte where a
/// client library would hide what is under test (an interim `100 Continue`, a
/// malformed request, a half-closed socket). Reads give up after 30 s.
///
/// Its calls block their thread: from async code against a server in the same
/// process, run them through ``offThePool(_:)``, or the blocked reads can hold every
/// thread of Swift's cooperative pool and starve the server they wait for.
public final class RawConnection: Sendable {
    private let socket: Int32

    /// Connects to `port` on loopback; `receiveBuffer` shrinks the socket's receive
    /// buffer (set before connecting, so the window is small from the start), for a
    /// client that reads slowly.
    public init(port: UInt16, receiveBuffer: Int32? = nil) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard socket >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(socket) }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        guard Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw POSIXError(.EIO) }
    }

    /// Closes the sending half: the server reads the end of the stream, and may still answer.
    public func shutdownWrite() {
        shutdown(socket, Int32(SHUT_WR))
    }

    /// Reads until `marker` has arrived (or the connection ends, or the 30 s timeout),
    /// and returns what came.
    public func receive(until marker: String) throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until the server closes the connection (or the 30 s timeout).
    public func receiveAll() -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}

/// Runs blocking work (a ``RawConnection``'s sends and reads) on a Dispatch thread, off
/// Swift's cooperative pool, and returns its result.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
