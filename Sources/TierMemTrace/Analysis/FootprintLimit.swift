import TierMemCore

/// How many distinct pages a whole-trace analysis may index. The memory an analysis needs grows
/// with the pages a trace touches (16-40 bytes a page), and a tiny file can claim billions: 64
/// records of 4 GiB each at a page size of 512 bytes ask for half a billion pages. The analyses
/// stop with an error that says what the trace claims before they allocate for it.
public struct FootprintLimit: Sendable {
    /// 2^25 pages: 128 GiB of footprint at 4 KiB pages, about 1 GiB of analysis memory at worst.
    public static let defaultMaxPages = 1 << 25

    public var maxPages: Int
    /// The trace's name in messages.
    public var file: String

    public init(maxPages: Int = defaultMaxPages, file: String = "trace") {
        self.maxPages = maxPages
        self.file = file
    }

    /// The most pages one record may span: a 512th of `maxPages` (65,536 pages, 256 MiB at 4 KiB
    /// pages, by default). Real records are loads, stores and copies of a few pages; without this
    /// bound 64 records of 4 GiB at 512-byte pages make half a billion page accesses to analyse.
    public var maxRecordPages: Int { max(1, maxPages / 512) }

    /// Before a record of `pages` pages is indexed: refuses one that spans too many.
    @inline(__always)
    public func checkRecord(pages: UInt64, record: UInt64, header: TraceHeader) throws {
        if pages > UInt64(maxRecordPages) {
            throw exceeded(record: record, claim: "this record alone spans \(pages) pages (\(ByteCount(pages &* UInt64(header.pageSize)))), more than a record may (\(maxRecordPages) pages, a 512th of the limit)", header: header)
        }
    }

    /// After a record: refuses a trace whose distinct pages so far pass the limit.
    @inline(__always)
    public func checkTotal(distinctPages: Int, record: UInt64, header: TraceHeader) throws {
        if distinctPages > maxPages {
            throw exceeded(record: record, claim: "the records up to here touch \(distinctPages) distinct pages, more than the limit", header: header)
        }
    }

    private func exceeded(record: UInt64, claim: String, header: TraceHeader) -> TraceError {
        return TraceError(
            file: file, position: nil,
            reason: "record \(record): \(claim); the limit is \(maxPages) distinct pages "
                + "(\(ByteCount(UInt64(maxPages) * UInt64(header.pageSize))) of footprint at the trace's page size of \(header.pageSize) bytes, "
                + "about \(ByteCount(UInt64(maxPages) * 32)) of memory to analyse); if the trace is meant to be that large, raise it with --max-pages")
    }
}

extension TraceEvent {
    /// How many pages the event touches (0 for a free or an allocation).
    @inline(__always)
    public func pageCount(pageShift: Int) -> UInt64 {
        guard operation.isAccess else { return 0 }
        let range = pages(pageShift: pageShift)
        return range.upperBound - range.lowerBound &+ 1
    }
}
