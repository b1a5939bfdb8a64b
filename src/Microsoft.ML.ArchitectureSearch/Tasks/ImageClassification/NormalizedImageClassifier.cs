using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>
/// A trained child CNN together with the per-channel normalisation its trainer applied to every image, so that the
/// transformer feeds it raw pixels exactly as the user's pipeline produces them. The statistics are buffers: they are
/// saved and loaded with the weights. With flip test-time augmentation on, the logits are averaged with the mirror
/// image's, as the trainer scored the validation rows.
/// </summary>
internal sealed class NormalizedImageClassifier : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ChildCnn network;
    private readonly Tensor mean;
    private readonly Tensor std;
    private readonly bool testTimeFlip;

    public NormalizedImageClassifier(ChildCnn network, float[] channelMean, float[] channelStd, bool testTimeFlip)
        : base(nameof(NormalizedImageClassifier))
    {
        if (channelMean.Length != channelStd.Length) throw new ArgumentException("Mean and std need one value per channel.");
        this.network = network;
        this.testTimeFlip = testTimeFlip;
        mean = tensor(channelMean).view(1, -1, 1, 1);
        std = tensor(channelStd).view(1, -1, 1, 1);
        register_buffer(nameof(mean), mean);
        register_buffer(nameof(std), std);
        RegisterComponents();
    }

    public override Tensor forward(Tensor images) => TestTimeFlip.Logits(network, (images - mean) / std, testTimeFlip);

    /// <summary><see cref="forward"/> as ONNX nodes: images [N, C, H, W] to logits [N, classes].</summary>
    public string ExportOnnx(OnnxGraphBuilder onnx, string images)
    {
        string centred = onnx.Binary("Sub", images, onnx.Weight(mean, "input.mean"), "input.centred");
        string normalised = onnx.Binary("Div", centred, onnx.Weight(std, "input.std"), "input.normalised");
        return TestTimeFlip.ExportLogits(onnx, network, normalised, testTimeFlip);
    }
}
