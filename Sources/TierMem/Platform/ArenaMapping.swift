import CTierLinux
import Glibc

/// One memfd mapped once with MAP_SHARED: the *user view* the application gets pointers into
/// (registered with userfaultfd by the arena). The runtime reads page contents from the memfd
/// itself (`read`), so it never maps them: one mapping in all, whatever the page count, so
/// `vm.max_map_count` never limits the heap.
final class ArenaMapping: @unchecked Sendable {
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    let memfd: CInt
    let byteCount: Int
    let userView: UnsafeMutableRawPointer

    init(pageCount: Int, name: String) throws {
        let size = pageCount * Self.pageSize
        byteCount = size
        let fd = ctl_memfd_create(name)
        guard fd >= 0 else { throw SystemError("memfd_create") }
        guard ftruncate(fd, off_t(size)) == 0 else {
            let error = SystemError("ftruncate(memfd, \(size))")
            close(fd)
            throw error
        }
        let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else {
            let error = SystemError("mmap(memfd, \(size) bytes)")
            close(fd)
            throw error
        }
        userView = address
        memfd = fd
    }

    deinit {
        munmap(userView, byteCount)
        close(memfd)
    }

    func userPage(_ page: Int) -> UnsafeMutableRawPointer { userView + page * Self.pageSize }

    /// Copies page `page`'s bytes from the memfd (pread: no mapping, no fault, no TLB entry).
    func read(_ page: Int, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) {
        var done = 0
        while done < Self.pageSize {
            let count = pread(memfd, buffer.baseAddress! + done, Self.pageSize - done, off_t(page * Self.pageSize + done))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw SystemError("pread(memfd, page \(page))", errno: count == 0 ? EIO : errno) }
            done += count
        }
    }

    /// The page number of a user-view address, or nil when it is outside the arena.
    func page(containing address: UInt) -> Int? {
        let base = UInt(bitPattern: userView)
        guard address >= base, address < base + UInt(byteCount) else { return nil }
        return Int((address - base) / UInt(Self.pageSize))
    }

    /// Removes the user view's page-table entries for `count` pages (MADV_DONTNEED). The memfd
    /// keeps the bytes; the next touch raises a MINOR fault. Costs 2–3 µs per call here.
    func zapUserView(_ page: Int, count: Int = 1) throws {
        guard madvise(userPage(page), count * Self.pageSize, MADV_DONTNEED) == 0 else {
            throw SystemError("madvise(MADV_DONTNEED, page \(page))")
        }
    }

    /// Frees the DRAM behind `count` pages (fallocate PUNCH_HOLE); every mapping of them is
    /// removed too, so the next touch in the user view raises a MISSING fault.
    func punch(_ page: Int, count: Int = 1) throws {
        guard ctl_punch_hole(memfd, Int64(page * Self.pageSize), Int64(count * Self.pageSize)) == 0 else {
            throw SystemError("fallocate(PUNCH_HOLE, page \(page))")
        }
    }
}
