namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>How the final feature map becomes one vector per image before the linear classifier.</summary>
public enum CnnGlobalPooling
{
    /// <summary>The mean over all positions (Zoph &amp; Le's children, most CNNs).</summary>
    Average,

    /// <summary>The maximum over all positions, per channel; airbench pools its last 3x3 map this way.</summary>
    Max,
}
