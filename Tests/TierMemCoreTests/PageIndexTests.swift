import Testing
import TierMemCore

/// The page index's three ways of numbering pages, and the page table's per-page move record.
@Suite struct PageIndexTests {
    @Test func aFullRangeNumbersPagesByOffsetAndHashesTheRest() {
        var index = PageIndex(expectedPages: 100, denseRange: 1_000...1_099, identityAllowed: true)
        #expect(index.rangeIsIdentity)
        #expect(index.count == 100)
        #expect(index.find(1_042) == 42)
        #expect(index.findOrInsert(1_099, nextID: 100) == (id: 99, inserted: false))
        // Outside the range: hashed, numbered after the range's ids.
        #expect(index.find(5) == nil)
        #expect(index.findOrInsert(5, nextID: 100) == (id: 100, inserted: true))
        #expect(index.findOrInsert(5, nextID: 101) == (id: 100, inserted: false))
        #expect(index.count == 101)
    }

    @Test func identityNeedsPermissionAndAFullRange() {
        // Not allowed: a direct table, ids in first-touch order.
        var table = PageIndex(expectedPages: 100, denseRange: 1_000...1_099)
        #expect(!table.rangeIsIdentity)
        #expect(table.findOrInsert(1_050, nextID: 0) == (id: 0, inserted: true))
        #expect(table.find(1_000) == nil)
        // Allowed, but the range has twice as many page numbers as pages: a direct table.
        let sparse = PageIndex(expectedPages: 100, denseRange: 0...199, identityAllowed: true)
        #expect(!sparse.rangeIsIdentity)
        // Just within 9 per 8 pages.
        #expect(PageIndex(expectedPages: 800, denseRange: 0...899, identityAllowed: true).rangeIsIdentity)
        #expect(!PageIndex(expectedPages: 800, denseRange: 0...900, identityAllowed: true).rangeIsIdentity)
    }

    @Test func aMoveRecordKeepsTheFlagsAndSaturatesItsClock() {
        let table = PageTable(layout: TierLayout(pageSize: 4096, dramPages: 4))
        let id = table.addPage(compressible: true)
        #expect(table.isCompressible(id))
        #expect(table.lastMove(id) == 0)
        let first = table.recordMove(id, now: 5_000, isDemotion: true)
        #expect(first.previous == 0)
        #expect(table.lastMove(id) == 5_000)
        let second = table.recordMove(id, now: .max, isDemotion: false)
        #expect(second == (previous: 5_000, wasDemotion: true))
        #expect(table.lastMove(id) == UInt64.max >> 8)
        #expect(table.isCompressible(id))
        #expect(!table.isCompressible(table.addPage(compressible: false)))
    }
}
