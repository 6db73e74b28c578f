/// The best `capacity` chunks seen so far, by score then ascending ordinal (chunk id), as a
/// min-heap whose root is the one the next better chunk replaces.
struct TopChunks {
    typealias Entry = (ordinal: LexicalIndex.Ordinal, score: Double)

    let capacity: Int
    private var heap: [Entry] = []

    init(capacity: Int) {
        self.capacity = capacity
        heap.reserveCapacity(capacity)
    }

    var isFull: Bool { heap.count >= capacity }

    /// The score a chunk must beat to enter once full (chunks come in ascending ordinal, so a
    /// tie loses); −∞ until then.
    var threshold: Double { isFull ? heap[0].score : -.infinity }

    /// Adds a chunk whose ordinal is above every one added before, if it makes the top.
    mutating func offer(_ ordinal: LexicalIndex.Ordinal, score: Double) {
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append((ordinal, score))
            siftUp(heap.count - 1)
        } else if score > heap[0].score {
            heap[0] = (ordinal, score)
            siftDown(0)
        }
    }

    /// The chunks, best first.
    func sorted() -> [Entry] {
        heap.sorted { $0.score != $1.score ? $0.score > $1.score : $0.ordinal < $1.ordinal }
    }

    /// Whether `a` ranks below `b` (lower score, or equal score and later chunk).
    private func worse(_ a: Entry, _ b: Entry) -> Bool {
        a.score != b.score ? a.score < b.score : a.ordinal > b.ordinal
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard worse(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var worst = parent
            for child in (2 * parent + 1)...(2 * parent + 2) where child < heap.count && worse(heap[child], heap[worst]) {
                worst = child
            }
            guard worst != parent else { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
