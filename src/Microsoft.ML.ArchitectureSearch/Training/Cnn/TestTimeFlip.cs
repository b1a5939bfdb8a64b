using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
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

    /// <summary><see cref="Logits"/> as ONNX nodes (the network is written twice, sharing its weights).</summary>
    public static string ExportLogits(OnnxGraphBuilder onnx, IOnnxExportable network, string images, bool enabled)
    {
        string logits = network.ExportOnnx(onnx, images);
        if (!enabled)
            return logits;
        string mirrored = onnx.Slice(images, -1, long.MinValue, 3, -1, "flip");
        string sum = onnx.Binary("Add", logits, network.ExportOnnx(onnx, mirrored), "flip.sum");
        return onnx.Binary("Mul", sum, onnx.Scalar(0.5f, "flip.half"), "flip.mean");
    }
}
