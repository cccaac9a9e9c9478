import Testing
import TierMemCore

@Suite struct ByteCountTests {
    @Test(arguments: [
        ("4096", UInt64(4096)), ("64KiB", 65536), ("1.5GiB", 1_610_612_736), ("512M", 536_870_912),
        ("4kB", 4000), ("2 MiB", 2_097_152), ("1MB", 1_000_000), ("7b", 7), ("3g", 3 << 30), ("1TiB", 1 << 40),
    ])
    func parses(text: String, bytes: UInt64) throws {
        #expect(try ByteCount(parsing: text).bytes == bytes)
    }

    @Test(arguments: ["", "MiB", "12XB", "-4KiB", "1e3", "nan", "99999999999EiB", "1.2.3KiB"])
    func rejects(text: String) {
        #expect(throws: ByteCountError.self) { try ByteCount(parsing: text) }
    }

    @Test func errorNamesTheTextAndTheExpectedUnits() {
        do {
            _ = try ByteCount(parsing: "12XB")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("'12XB'"))
            #expect(error.description.contains("KiB"))
        }
    }

    @Test func describesInBinaryUnits() {
        #expect(ByteCount(123).description == "123 B")
        #expect(ByteCount.kibibytes(4).description == "4 KiB")
        #expect(ByteCount(1_610_612_736).description == "1.5 GiB")
    }

    @Test func exactDescriptionReadsBackUnchanged() throws {
        for bytes: UInt64 in [0, 1, 4097, 4096, 4512 << 20, 3 << 30, 1 << 40, 123_456_789] {
            #expect(try ByteCount(parsing: ByteCount(bytes).exactDescription).bytes == bytes)
        }
        #expect(ByteCount(4512 << 20).exactDescription == "4512MiB")
    }

    @Test func pageCountRoundsDown() {
        #expect(ByteCount(3 * 4096 + 100).pages(of: 4096) == 3)
    }

    @Test func capacityPercentResolvesAgainstFootprint() throws {
        let capacity = try Capacity(parsing: "25%")
        #expect(capacity == .percentOfFootprint(25))
        #expect(capacity.resolved(footprint: .mebibytes(100)).bytes == 25 << 20)
        #expect(try Capacity(parsing: "1GiB").resolved(footprint: .mebibytes(1)) == .gibibytes(1))
        for bad in ["0%", "101%", "x%", "%"] {
            #expect(throws: ByteCountError.self) { try Capacity(parsing: bad) }
        }
    }
}
