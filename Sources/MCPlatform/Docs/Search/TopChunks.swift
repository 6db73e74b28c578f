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

    private var isFull: Bool { heap.count >= capacity }

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
    private static func worse(_ a: Entry, _ b: Entry) -> Bool {
        a.score != b.score ? a.score < b.score : a.ordinal > b.ordinal
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.worse(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Moves the entry at `start` down to its place: the worse child moves up into the hole until it is no worse.
    private mutating func siftDown(_ start: Int) {
        heap.withUnsafeMutableBufferPointer { heap in
            let entry = heap[start]
            var hole = start
            while true {
                var child = 2 * hole + 1
                guard child < heap.count else { break }
                if child + 1 < heap.count, Self.worse(heap[child + 1], heap[child]) { child += 1 }
                guard Self.worse(heap[child], entry) else { break }
                heap[hole] = heap[child]
                hole = child
            }
            heap[hole] = entry
        }
    }
}
