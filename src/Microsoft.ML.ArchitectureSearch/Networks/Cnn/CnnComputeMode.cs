using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// How a <see cref="ChildCnn"/> computes. <see cref="ChannelsLast"/>: convolution weights and maps in NHWC order
/// (PyTorch's torch.channels_last), which oneDNN's CPU kernels run 1.3-1.7x faster than NCHW (BENCHMARKS.md), same
/// values up to float rounding. <see cref="BFloat16"/>: convolutions and the classifier run in bfloat16 on float32
/// master weights (the casts are differentiable, so gradients reach the float32 weights), batch norm keeps float32
/// parameters; TorchSharp 0.107 has no autocast, so the casts are explicit. The network's parameters are float32
/// either way.
/// </summary>
internal sealed record CnnComputeMode(bool ChannelsLast, bool BFloat16)
{
    /// <summary>NCHW, float32: what a network is built with and how a saved model scores.</summary>
    public static CnnComputeMode Standard { get; } = new(false, false);
}

/// <summary>The tensor operations behind <see cref="CnnComputeMode"/>.</summary>
internal static class ComputeOps
{
    /// <summary>The same values with NHWC strides (shape unchanged), for a 4-d tensor.</summary>
    public static Tensor ToChannelsLast(Tensor t)
    {
        using Tensor nhwc = t.permute(0, 2, 3, 1);
        using Tensor dense = nhwc.contiguous();
        return dense.permute(0, 3, 1, 2);
    }

    /// <summary>Replaces <paramref name="conv"/>'s weight by a copy in the given layout (call before an optimizer takes the parameters).</summary>
    public static void SetWeightLayout(Conv2d conv, bool channelsLast)
    {
        Parameter old = conv.weight!;
        using (no_grad())
        {
            // The detached handle is disposed here (a soak found one per call left to the finalizers); the Parameter
            // takes the handle of the laid-out tensor, leaving that wrapper empty.
            using Tensor values = old.detach();
            conv.weight = new Parameter(channelsLast ? ToChannelsLast(values) : values.contiguous(), old.requires_grad);
        }

        old.Dispose();
    }

    /// <summary>
    /// <paramref name="conv"/> applied to <paramref name="x"/>, in bfloat16 when asked (the output is then bfloat16);
    /// <paramref name="stride"/>, <paramref name="padding"/> and <paramref name="groups"/> must be the module's own.
    /// </summary>
    public static Tensor Conv(Conv2d conv, Tensor x, bool bfloat16, long[] stride, long[] padding, long groups = 1)
    {
        if (!bfloat16)
            return conv.forward(x);
        Tensor input = x.dtype == ScalarType.BFloat16 ? x : x.to_type(ScalarType.BFloat16);
        using Tensor weight = conv.weight!.to_type(ScalarType.BFloat16);
        using Tensor? bias = conv.bias?.to_type(ScalarType.BFloat16);
        Tensor y = nn.functional.conv2d(input, weight, bias, stride, padding, groups: groups);
        if (!ReferenceEquals(input, x))
            input.Dispose();
        return y;
    }

    /// <summary><paramref name="linear"/> applied to <paramref name="x"/>; in bfloat16 when asked, the result cast back to float32.</summary>
    public static Tensor Linear(Linear linear, Tensor x, bool bfloat16)
    {
        if (!bfloat16)
            return linear.forward(x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32));
        Tensor input = x.dtype == ScalarType.BFloat16 ? x : x.to_type(ScalarType.BFloat16);
        using Tensor weight = linear.weight!.to_type(ScalarType.BFloat16);
        using Tensor? bias = linear.bias?.to_type(ScalarType.BFloat16);
        using Tensor y = nn.functional.linear(input, weight, bias);
        if (!ReferenceEquals(input, x))
            input.Dispose();
        return y.to_type(ScalarType.Float32);
    }
}
