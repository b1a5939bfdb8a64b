namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>
/// The shape of the cell: a full binary tree with <see cref="LeafCount"/> leaves, its nodes numbered level by level from
/// the leaves up. Leaves are nodes 0..L-1; the next level's node L+j combines nodes 2j and 2j+1, and so on; the root is
/// the last node (2L-2). This matches Zoph &amp; Le's Fig. 5 (leaves 0 and 1, root 2) and means every node's children have
/// smaller indices, so evaluating nodes in index order is a valid schedule.
/// </summary>
internal sealed class CellTree
{
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly int[] _parent;

    public CellTree(int leafCount)
    {
        if (leafCount < 2 || (leafCount & (leafCount - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(leafCount), leafCount, "The cell tree needs a power-of-two leaf count of at least 2.");
        LeafCount = leafCount;
        NodeCount = 2 * leafCount - 1;
        _left = Enumerable.Repeat(-1, NodeCount).ToArray();
        _right = Enumerable.Repeat(-1, NodeCount).ToArray();
        _parent = Enumerable.Repeat(-1, NodeCount).ToArray();
        int levelStart = 0, levelWidth = leafCount, next = leafCount;
        while (levelWidth > 1)
        {
            for (int j = 0; j < levelWidth / 2; j++)
            {
                int node = next + j;
                _left[node] = levelStart + 2 * j;
                _right[node] = levelStart + 2 * j + 1;
                _parent[_left[node]] = node;
                _parent[_right[node]] = node;
            }
            levelStart = next;
            next += levelWidth / 2;
            levelWidth /= 2;
        }
    }

    public int LeafCount { get; }

    /// <summary>2L-1 nodes: L leaves and L-1 internal nodes.</summary>
    public int NodeCount { get; }

    /// <summary>The root, whose output is h_t.</summary>
    public int Root => NodeCount - 1;

    public bool IsLeaf(int node) => node < LeafCount;

    /// <summary>First input of an internal node (-1 for a leaf).</summary>
    public int LeftChild(int node) => _left[node];

    /// <summary>Second input of an internal node (-1 for a leaf).</summary>
    public int RightChild(int node) => _right[node];

    /// <summary>The node that consumes this node's output (-1 for the root).</summary>
    public int Parent(int node) => _parent[node];
}
