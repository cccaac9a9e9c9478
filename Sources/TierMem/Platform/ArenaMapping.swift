import CTierLinux
import Glibc

/// One memfd mapped twice with MAP_SHARED: the *user view* the application gets pointers into
/// (registered with userfaultfd by the arena) and the *backdoor view* the runtime copies through
/// without faulting. Two mappings in all, whatever the page count, so `vm.max_map_count` never
/// limits the heap.
final class ArenaMapping: @unchecked Sendable {
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    let memfd: CInt
    let byteCount: Int
    let userView: UnsafeMutableRawPointer
    let backdoor: UnsafeMutableRawPointer

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
        let map = { () throws -> UnsafeMutableRawPointer in
            let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
            guard let address, address != MAP_FAILED else { throw SystemError("mmap(memfd, \(size) bytes)") }
            return address
        }
        do {
            userView = try map()
            do { backdoor = try map() } catch {
                munmap(userView, size)
                throw error
            }
        } catch {
            close(fd)
            throw error
        }
        memfd = fd
    }

    deinit {
        munmap(userView, byteCount)
        munmap(backdoor, byteCount)
        close(memfd)
    }

    func userPage(_ page: Int) -> UnsafeMutableRawPointer { userView + page * Self.pageSize }
    func backdoorPage(_ page: Int) -> UnsafeMutableRawPointer { backdoor + page * Self.pageSize }

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
