namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>A fixed first layer between the image and the searched layers: part of the space, not a searched decision.</summary>
public enum CnnStem
{
    /// <summary>No stem: layers without inputs read the image (Zoph &amp; Le).</summary>
    None,

    /// <summary>
    /// airbench's patch-whitening layer (Jordan 2024): a 2x2 convolution without padding and with a bias, whose
    /// 8 x channels filters are the eigenvectors of the training images' 2x2-patch covariance, each scaled by
    /// 1/sqrt(eigenvalue) and also negated, followed by the space's activation. The trainer sets the filters from the
    /// training images and keeps them fixed; only the bias trains. An H x W image becomes an (H-1) x (W-1) map with
    /// 8 x channels channels (24 for RGB), which the searched layers without inputs read.
    /// </summary>
    PatchWhitening,
}
