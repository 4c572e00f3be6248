import Foundation
@testable import MarkingHTTP
import Testing

@Suite("Streaming sink")
struct ResponseCodeSinkTests {
    @Test("Blocks arrive in order; an abandoned sink refuses more at once and is freed safely")
    func abandonAndFree() async throws {
        var sink: ResponseCodeSink? = ResponseCodeSink()
        for index in 0..<3 { try sink!.consume([UInt8(index)]) }
        sink!.abandon()
        #expect(throws: ResponseCodeSink.Abandoned.self) { try sink!.consume([9]) }
        sink!.finish()
        var received: [[UInt8]] = []
        for await block in sink!.blocks { received.append(block) }
        #expect(received == [[0], [1], [2]])
        sink = nil  // freeing with permits outstanding used to trap in libdispatch
    }

    @Test("A full sink makes the producer wait until the writer takes a block")
    func backPressure() async throws {
        let sink = ResponseCodeSink()
        for index in 0..<ResponseCodeSink.capacity { try sink.consume([UInt8(index)]) }
        let produced = Task.detached { try sink.consume([99]) }
        try await Task.sleep(for: .milliseconds(200))
        var iterator = sink.blocks.makeAsyncIterator()
        #expect(await iterator.next() == [0])
        sink.taken()
        try await produced.value
        sink.finish()
        var rest: [[UInt8]] = []
        while let block = await iterator.next() { rest.append(block) }
        #expect(rest.count == ResponseCodeSink.capacity)
        #expect(rest.last == [99])
    }
}
