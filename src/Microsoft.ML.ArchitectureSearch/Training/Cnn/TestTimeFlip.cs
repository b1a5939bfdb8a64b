using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Flip test-time augmentation: the mean of the logits of each image and of its mirror image (flipped left-right), which
/// fast CIFAR recipes use because training with random flips makes the network nearly, but not exactly, symmetric.
/// </summary>
internal static class TestTimeFlip
{
    /// <summary>Logits of <paramref name="images"/> [N, C, H, W]; averaged with the mirror images' when <paramref name="enabled"/>.</summary>
    public static Tensor Logits(nn.Module<Tensor, Tensor> network, Tensor images, bool enabled)
    {
        Tensor logits = network.forward(images);
        if (!enabled)
            return logits;
        using Tensor mirrored = images.flip(3);
        using Tensor mirroredLogits = network.forward(mirrored);
        return logits.add_(mirroredLogits).mul_(0.5);
    }
}
