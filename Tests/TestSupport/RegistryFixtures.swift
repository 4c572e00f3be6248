import Emitter
import Foundation
import MarkingCore
import OwnershipBatch
import Testing

/// Emits `count` codes of GTIN 04607000000014 to `owner` and brings them to
/// `INTRODUCED` with two documents, through the given engine: the starting point of
/// every test that moves codes between owners. Returns the codes as printed.
public func introducedCodes(
    _ count: Int, to owner: UInt32, store: MarkingStore, emitter: Emitter, engine: JobEngine
) throws -> [String] {
    let sink = CollectingSink()
    let request = EmissionRequest(
        gtin: try GTIN("04607000000014"), quantity: count, template: try store.catalog.named("s13-91-92"), producer: owner)
    _ = try emitter.emit(request, sink: sink)
    for type in [DocumentType.utilisation, .introduction] {
        let document = try engine.submit(
            DocumentRequest(type: type, participant: owner, number: "\(type)-\(UUID())", codes: CodeList(sink.lines)))
        #expect(document.state == .checkedOK)
    }
    return sink.lines
}
