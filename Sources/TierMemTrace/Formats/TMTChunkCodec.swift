/// Encodes and decodes the records of one `.tmt` chunk. The hot loop of every replay.
///
/// Record: key varint = zigzag(address delta in units of 1 << shift) << 4 | operation << 2 |
/// size-changed << 1 | time-delta-changed; then the zigzagged time delta if it differs from the
/// previous record's time delta; then the size if it differs from the previous record's size.
/// A page-level trace with a steady clock costs one to three bytes a record.
public enum TMTChunkCodec {
    /// The largest address shift that keeps every shifted address delta in the key's 60 bits.
    public static let maxAddressShift = 58

    /// The address shift a chunk of these events can use: their common trailing zero bits.
    public static func addressShift(for events: UnsafeBufferPointer<TraceEvent>) -> Int {
        var union: UInt64 = 0
        for event in events { union |= event.address }
        return union == 0 ? 0 : min(union.trailingZeroBitCount, maxAddressShift)
    }

    /// Appends the encoding of `events` to `payload`. Addresses must be below 2^59.
    public static func encode(_ events: UnsafeBufferPointer<TraceEvent>, addressShift: Int, into payload: inout [UInt8]) {
        var previousUnits: UInt64 = 0
        var previousTime: UInt64 = 0
        var previousTimeDelta: UInt64 = 0
        var previousSize: UInt32 = 0
        let shift = UInt64(addressShift)
        for event in events {
            let units = event.address >> shift
            let addressDelta = Int64(bitPattern: units &- previousUnits)
            let timeDelta = event.time &- previousTime
            var key = TMTFormat.zigzag(addressDelta) << TMTFormat.addressDeltaShift
                | UInt64(event.operation.rawValue) << TMTFormat.operationShift
            if timeDelta != previousTimeDelta { key |= TMTFormat.timeDeltaChangedBit }
            if event.size != previousSize { key |= TMTFormat.sizeChangedBit }
            payload.appendVarint(key)
            if timeDelta != previousTimeDelta {
                payload.appendVarint(TMTFormat.zigzag(Int64(bitPattern: timeDelta)))
            }
            if event.size != previousSize { payload.appendVarint(UInt64(event.size)) }
            previousUnits = units
            previousTime = event.time
            previousTimeDelta = timeDelta
            previousSize = event.size
        }
    }

    /// What went wrong decoding a chunk, and at which record.
    public struct DecodeFailure: Error, Equatable {
        public var record: Int
        public var reason: String
    }

    /// Decodes `count` records from `payload` into `output`.
    ///
    /// `payload` must be followed in memory by `TMTFormat.decodePadding` readable zero bytes: the
    /// loop reads a whole record before checking bounds, once per record instead of per byte.
    /// Fails unless the records use exactly `payloadLength` bytes and every field is in range.
    @inline(__always)
    public static func decode(
        payload: UnsafePointer<UInt8>, payloadLength: Int, count: Int, addressShift: Int,
        into output: UnsafeMutablePointer<TraceEvent>
    ) -> DecodeFailure? {
        precondition((0...maxAddressShift).contains(addressShift), "address shift \(addressShift) is out of range")
        var i = 0
        var units: UInt64 = 0
        var time: UInt64 = 0
        var timeDelta: UInt64 = 0
        var size: UInt32 = 0
        var bad = false
        let shift = UInt64(addressShift)
        let unitLimit = TraceEvent.addressLimit >> shift

        @inline(__always) func varint() -> UInt64 {
            var byte = UInt64(payload[i])
            i &+= 1
            if byte < 0x80 { return byte }
            var result = byte & 0x7F
            var bitShift: UInt64 = 7
            repeat {
                byte = UInt64(payload[i])
                i &+= 1
                // The 10th byte holds bit 63 only: more would be dropped, decoding another value.
                if bitShift == 63 && byte & 0x7E != 0 { bad = true }
                result |= (byte & 0x7F) << bitShift
                bitShift &+= 7
            } while byte >= 0x80 && bitShift < 70
            if byte >= 0x80 { bad = true }  // longer than 10 bytes
            return result
        }

        for r in 0..<count {
            let key = varint()
            units = units &+ UInt64(bitPattern: TMTFormat.unzigzag(key >> TMTFormat.addressDeltaShift))
            if key & TMTFormat.timeDeltaChangedBit != 0 {
                timeDelta = UInt64(bitPattern: TMTFormat.unzigzag(varint()))
            }
            time = time &+ timeDelta
            if key & TMTFormat.sizeChangedBit != 0 {
                let wide = varint()
                if wide > UInt64(UInt32.max) {
                    return DecodeFailure(record: r, reason: "size \(wide) does not fit in 32 bits")
                }
                size = UInt32(truncatingIfNeeded: wide)
            }
            if bad || i > payloadLength {
                return DecodeFailure(record: r, reason: bad ? "a varint is longer than 10 bytes or overflows 64 bits" : "records run past the payload")
            }
            if units >= unitLimit {
                return DecodeFailure(record: r, reason: "address 0x\(String(units << shift, radix: 16)) is at or above the 2^59 limit")
            }
            output[r] = TraceEvent(
                time: time,
                operation: TraceOperation(rawValue: UInt8(truncatingIfNeeded: key >> TMTFormat.operationShift) & 3)!,
                address: units &<< shift, size: size)  // shift <= maxAddressShift (above)
        }
        if i != payloadLength {
            return DecodeFailure(record: count, reason: "\(payloadLength - i) bytes left over after the last record")
        }
        return nil
    }
}
