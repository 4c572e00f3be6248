// TestSupport: the fixtures every test target shares, written once instead of copied
// into each target.
//
// - Temporary folders and stores: `temporaryFolder()`, `withTemporaryDirectory(_:)`,
//   `TemporaryStore` and `smallStoreOptions`. Each test takes its own, because Swift
//   Testing runs tests in parallel.
// - Valid identifiers: `validBIN(_:)` (BIN/IIN check digit), `sscc(_:)` and
//   `ssccDigits(_:)` (GS1 check digit).
// - `CollectingSink`: keeps the codes an emission or a download hands over.
// - `RawConnection`: a loopback socket speaking HTTP/1.1 byte by byte.
//
// Fixtures that only one target needs (the ownership tests' `Ledger`, the HTTP tests'
// `TestServer`) stay in that target and build on these.
