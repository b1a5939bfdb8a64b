namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// How feature maps of different sizes are joined before they are concatenated along channels: a layer's inputs, and
/// the layers that form the final map. Sizes differ after strides, pooling and fixed reductions.
/// </summary>
public enum CnnSkipResize
{
    /// <summary>
    /// Zoph &amp; Le: smaller maps are zero-padded at the bottom and on the right to the largest height and width, so
    /// the join runs at the largest input's resolution.
    /// </summary>
    PadToLargest,

    /// <summary>
    /// As ENAS reduces its skip inputs: larger maps are max-pooled down to the smallest height and width (PyTorch's
    /// adaptive max pooling, which for sizes that divide evenly, such as 32 to 16 or 8, is plain k x k max pooling with
    /// stride k), so the join runs at the smallest input's resolution.
    /// </summary>
    PoolToSmallest,
}
