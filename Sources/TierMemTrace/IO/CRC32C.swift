import CCRC32C

/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), as iSCSI, ext4 and
/// SSE4.2's `crc32` instruction compute it. With the CPU's instruction where it has one (8 bytes
/// an instruction: about a tenth of the cost, per record of a replay, of the tables); else
/// slicing-by-8 in Swift, eight table lookups per 8 bytes, about 1 byte per cycle.
public enum CRC32C {
    /// Whether `update` uses the CPU's instruction.
    public static let usesHardware = tm_crc32c_hardware_available() == 1

    /// Eight 256-entry tables; table k advances the CRC of a byte followed by k zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var crc = UInt32(i)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            t[i] = crc
        }
        for i in 0..<256 {
            for k in 1..<8 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// Continues a CRC-32C: `update(checksum(a), b) == checksum(a + b)`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard usesHardware, let start = bytes.baseAddress else { return updateInSoftware(crc, bytes) }
        return tm_crc32c_hardware_update(crc, start, bytes.count)
    }

    /// `update` without the CPU's instruction.
    static func updateInSoftware(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            var c = ~crc
            guard let start = bytes.baseAddress else { return crc }
            var q = start.assumingMemoryBound(to: UInt8.self)
            var n = bytes.count
            while n >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ c
                let high = UInt32(truncatingIfNeeded: word >> 32)
                c = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                q += 8
                n -= 8
            }
            while n > 0 {
                c = (c >> 8) ^ t[Int((c ^ UInt32(q.pointee)) & 0xFF)]
                q += 1
                n -= 1
            }
            return ~c
        }
    }
}
