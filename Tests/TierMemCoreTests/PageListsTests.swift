import Testing
import TierMemCore

/// `PageLists` against plain arrays, over random operations on several lists: the rings through
/// their sentinels must give the same heads, tails, neighbours and counts as the arrays.
@Suite struct PageListsTests {
    @Test(arguments: [1, 3, PageLists.maxLists])
    func matchesArraysOverRandomOperations(listCount: Int) {
        let pages = 40
        let lists = PageLists(lists: listCount)
        lists.grow(to: pages)
        var model = [[PageID]](repeating: [], count: listCount)  // front first
        var state = UInt64(listCount) &* 0x9E37_79B9_7F4A_7C15
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        func modelList(of id: PageID) -> Int? { model.firstIndex { $0.contains(id) } }

        for _ in 0..<5_000 {
            let id = PageID(random(pages))
            let list = random(listCount)
            switch random(3) {
            case 0:
                if modelList(of: id) == nil {
                    lists.pushFront(id, list: list)
                    model[list].insert(id, at: 0)
                }
            case 1:
                lists.remove(id)
                if let from = modelList(of: id) { model[from].removeAll { $0 == id } }
            default:
                lists.moveToFront(id, list: list)
                if let from = modelList(of: id) { model[from].removeAll { $0 == id } }
                model[list].insert(id, at: 0)
            }
            #expect(lists.contains(id) == (modelList(of: id) != nil))
            #expect(lists.list(of: id) == modelList(of: id).map(UInt8.init) ?? PageLists.noList)
        }
        for list in 0..<listCount {
            let expected = model[list]
            #expect(lists.count(list) == expected.count)
            #expect(lists.head(list) == expected.first)
            #expect(lists.tail(list) == expected.last)
            #expect(lists.fromTail(list, limit: pages) == Array(expected.reversed()))
            // Forwards from the head, through `after`.
            var walked: [PageID] = []
            var candidate = lists.head(list)
            while let id = candidate { walked.append(id); candidate = lists.after(id) }
            #expect(walked == expected)
        }
        #expect(lists.totalCount == model.reduce(0) { $0 + $1.count })
    }

    @Test func anEmptiedListHasNoHeadOrTail() {
        let lists = PageLists(lists: 2)
        lists.grow(to: 3)
        lists.pushFront(2, list: 1)
        lists.pushFront(0, list: 1)
        #expect(lists.head(1) == 0 && lists.tail(1) == 2)
        #expect(lists.head(0) == nil && lists.tail(0) == nil)
        lists.remove(0)
        lists.remove(2)
        lists.remove(2)  // not in a list: nothing happens
        #expect(lists.head(1) == nil && lists.tail(1) == nil && lists.count(1) == 0)
    }
}
