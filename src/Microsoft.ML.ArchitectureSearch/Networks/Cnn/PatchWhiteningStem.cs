using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// The <see cref="CnnStem.PatchWhitening"/> stem: a 2x2 convolution (no padding, with bias) then the activation. Its
/// filters are fixed (no gradient) and set by <see cref="SetFilters"/> from the training images' patch covariance
/// (<see cref="Training.Cnn.PatchWhitening"/>); until then they are zero. The bias trains, starting at zero.
/// </summary>
internal sealed class PatchWhiteningStem : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d whitening;
    private readonly CnnActivation activation;

    public PatchWhiteningStem(int inputChannels, int outputChannels, CnnActivation activation) : base(nameof(PatchWhiteningStem))
    {
        this.activation = activation;
        whitening = nn.Conv2d(inputChannels, outputChannels, (2, 2), bias: true);
        using (no_grad())
        {
            whitening.weight!.zero_();
            whitening.bias!.zero_();
        }

        whitening.weight!.requires_grad = false;
        RegisterComponents();
    }

    /// <summary>Copies <paramref name="filters"/> [out, in, 2, 2] into the fixed weight.</summary>
    public void SetFilters(Tensor filters)
    {
        using var noGrad = no_grad();
        whitening.weight!.copy_(filters);
    }

    /// <summary>Convolution in bfloat16 (see <see cref="CnnComputeMode"/>).</summary>
    public bool BFloat16 { get; set; }

    /// <summary>Puts the filters in NHWC (or back in NCHW) order.</summary>
    public void SetWeightLayout(bool channelsLast)
    {
        ComputeOps.SetWeightLayout(whitening, channelsLast);
        whitening.weight!.requires_grad = false;
    }

    private static readonly long[] Unit = { 1, 1 }, NoPadding = { 0, 0 };

    public override Tensor forward(Tensor images) =>
        Activations.Apply(ComputeOps.Conv(whitening, images, BFloat16, Unit, NoPadding), activation);

    /// <summary><see cref="forward"/> as ONNX nodes: the 2x2 convolution shrinks each side by one.</summary>
    public OnnxMap ExportOnnx(OnnxGraphBuilder onnx, OnnxMap images) => new(
        Activations.ExportOnnx(onnx, onnx.Conv(images.Variable, whitening.weight!, whitening.bias, Unit, NoPadding, "stem.conv"), activation, "stem.act"),
        images.Height - 1, images.Width - 1);
}
