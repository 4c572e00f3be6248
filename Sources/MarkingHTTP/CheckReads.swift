/// Where the pipeline reads the record of a public check it answers.
///
/// On the event loop a record in RocksDB's memtable or block cache is a point read of
/// a few microseconds, and only a record that would need the disk is read on the check
/// readers (``CheckReaders``; by ``WireCheckHandler``, ahead of the HTTP codec; checks
/// behind the codec hand it to the router, which reads it on the store workers). With
/// `workers` every check crosses to a reader thread and back, whatever the cache holds. `serve --check-reads` picks one, so the
/// two can be measured against each other (docs/http-load.md); the event loop is the
/// default because it measured cheaper.
public enum CheckReads: String, Sendable, CaseIterable {
    case eventLoop = "loop"
    case workers
}
