// Isomorphism and graph edit distance between plan DAGs, as TinyAgent computes them with networkx
// (`nx.is_isomorphic(g1, g2, node_match)`, `nx.graph_edit_distance(g1, g2, node_match, timeout=10)`).

extension PlanDAG {
    /// `nx.is_isomorphic(self, other, node_match=node_match)`: a bijection between the nodes that keeps
    /// every edge and its direction, with ``PlanDAGNodeMatcher`` true for every mapped pair.
    public func isIsomorphic(to other: PlanDAG) -> Bool {
        guard nodeCount == other.nodeCount, edges.count == other.edges.count else { return false }
        var search = DAGSearch(self, other)
        return search.isomorphic()
    }

    /// Graph edit distance with networkx's default unit costs and TinyAgent's `node_match`:
    ///
    ///     GED(G1, G2) = min over partial injective maps φ: V1 ⇀ V2 of
    ///         Σ_{v ∈ dom φ} [¬node_match(v, φ(v))]          node substitution: 0 if matched, else 1
    ///       + |V1 \ dom φ| + |V2 \ ran φ|                     node deletion / insertion: 1 each
    ///       + |E1| + |E2| − 2·#{(u,v) ∈ E1 : u,v ∈ dom φ, (φu, φv) ∈ E2}   edge deletion / insertion: 1 each
    ///
    /// (edges have no attributes, so a kept edge costs 0; direction matters). 0 when isomorphic.
    /// Exact by branch and bound; networkx stops after 10 s and returns the best path found, which
    /// for plan-sized graphs is the exact minimum. After `budget` search nodes this returns the best
    /// cost found so far (an upper bound), like networkx's timeout.
    public func editDistance(to other: PlanDAG, budget: Int = 2_000_000) -> Int {
        if isIsomorphic(to: other) { return 0 }
        var search = DAGSearch(self, other)
        return search.editDistance(budget: budget)
    }
}

/// Backtracking over node maps from `g1` to `g2`.
struct DAGSearch {
    let g1: PlanDAG
    let g2: PlanDAG
    var matcher: PlanDAGNodeMatcher
    let adj1: [[Bool]]
    let adj2: [[Bool]]

    init(_ g1: PlanDAG, _ g2: PlanDAG) {
        self.g1 = g1
        self.g2 = g2
        matcher = PlanDAGNodeMatcher(g1, g2)
        adj1 = Self.adjacency(g1)
        adj2 = Self.adjacency(g2)
    }

    static func adjacency(_ g: PlanDAG) -> [[Bool]] {
        var a = [[Bool]](repeating: [Bool](repeating: false, count: g.nodeCount), count: g.nodeCount)
        for e in g.edges { a[e.from][e.to] = true }
        return a
    }

    // MARK: isomorphism

    mutating func isomorphic() -> Bool {
        let n = g1.nodeCount
        var compatible = [[Int]](repeating: [], count: n)
        for a in 0..<n {
            for b in 0..<n where matcher.matches(a, b) { compatible[a].append(b) }
            if compatible[a].isEmpty { return false }
        }
        // Most constrained nodes first.
        let order = (0..<n).sorted { (compatible[$0].count, $0) < (compatible[$1].count, $1) }
        var map = [Int](repeating: -1, count: n)
        var used = [Bool](repeating: false, count: n)
        func place(_ k: Int) -> Bool {
            if k == n { return true }
            let a = order[k]
            for b in compatible[a] where !used[b] {
                var ok = true
                for j in 0..<k {
                    let c = order[j], d = map[c]
                    if adj1[a][c] != adj2[b][d] || adj1[c][a] != adj2[d][b] { ok = false; break }
                }
                guard ok else { continue }
                map[a] = b
                used[b] = true
                if place(k + 1) { return true }
                used[b] = false
                map[a] = -1
            }
            return false
        }
        return place(0)
    }

    // MARK: edit distance

    mutating func editDistance(budget: Int) -> Int {
        let n1 = g1.nodeCount, n2 = g2.nodeCount
        var sub = [[Int]](repeating: [Int](repeating: 1, count: n2), count: n1)
        for a in 0..<n1 { for b in 0..<n2 where matcher.matches(a, b) { sub[a][b] = 0 } }
        var best = n1 + n2 + g1.edges.count + g2.edges.count   // delete everything, insert everything
        var map = [Int](repeating: -1, count: n1)              // -1 deleted
        var used = [Bool](repeating: false, count: n2)
        var expanded = 0
        // Counts of tool names among G1 nodes not yet decided and G2 nodes not yet used (for the bound).
        var name2 = [String: Int]()
        for t in g2.tools { name2[t, default: 0] += 1 }
        var name1 = [String: Int]()
        for t in g1.tools { name1[t, default: 0] += 1 }

        /// Lower bound for the nodes still open: max(|R1|,|R2|) − Σ_name min(c1, c2), plus |e1 − e2| for edges.
        func bound(_ k: Int, _ remaining2: Int, _ e1: Int, _ e2: Int) -> Int {
            var same = 0
            for (t, c) in name1 { same += min(c, name2[t] ?? 0) }
            return max(n1 - k, remaining2) - same + abs(e1 - e2)
        }

        // step(a, …): G1 nodes < a are decided (mapped or deleted); `cost` counts their nodes and every edge
        // among decided nodes; e1 / e2 are the G1 / G2 edges not yet decided (an endpoint still open).
        func step(_ a: Int, _ cost: Int, _ e1: Int, _ e2: Int, _ remaining2: Int) {
            expanded += 1
            if a == n1 {
                // Unused G2 nodes are inserted with their remaining edges.
                let total = cost + remaining2 + e2
                if total < best { best = total }
                return
            }
            if expanded > budget { return }
            if cost + bound(a, remaining2, e1, e2) >= best { return }
            name1[g1.tools[a], default: 0] -= 1
            // Edges between a and earlier G1 nodes are now decided.
            var back1 = 0
            for c in 0..<a { back1 += (adj1[a][c] ? 1 : 0) + (adj1[c][a] ? 1 : 0) }
            // Candidates: cheapest substitution first, deletion last.
            let candidates = (0..<n2).filter { !used[$0] }.sorted { (sub[a][$0], $0) < (sub[a][$1], $1) }
            for b in candidates {
                var kept = 0, g2Edges = 0
                for c in 0..<a where map[c] >= 0 {
                    let d = map[c]
                    if adj1[a][c] && adj2[b][d] { kept += 1 }
                    if adj1[c][a] && adj2[d][b] { kept += 1 }
                }
                // G2 edges between b and already-used nodes become decided.
                for d in 0..<n2 where used[d] { g2Edges += (adj2[b][d] ? 1 : 0) + (adj2[d][b] ? 1 : 0) }
                let edgeCost = back1 + g2Edges - 2 * kept
                map[a] = b
                used[b] = true
                name2[g2.tools[b], default: 0] -= 1
                step(a + 1, cost + sub[a][b] + edgeCost, e1 - back1, e2 - g2Edges, remaining2 - 1)
                name2[g2.tools[b], default: 0] += 1
                used[b] = false
                map[a] = -1
            }
            // Delete a: its edges to earlier nodes are deleted now (edges to later nodes when those are decided).
            step(a + 1, cost + 1 + back1, e1 - back1, e2, remaining2)
            name1[g1.tools[a], default: 0] += 1
        }

        step(0, 0, g1.edges.count, g2.edges.count, n2)
        return best
    }
}
