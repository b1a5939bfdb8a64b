using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>The space's activation applied to a map.</summary>
internal static class Activations
{
    public static Tensor Apply(Tensor x, CnnActivation activation) => activation switch
    {
        CnnActivation.ReLU => nn.functional.relu(x),
        CnnActivation.GELU => nn.functional.gelu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>The same activation as ONNX nodes.</summary>
    public static string ExportOnnx(OnnxGraphBuilder onnx, string x, CnnActivation activation, string name) => activation switch
    {
        CnnActivation.ReLU => onnx.Unary("Relu", x, name),
        // ONNX has Gelu only from opset 20: write nn.functional.gelu's default (erf) form, x * 0.5 * (1 + erf(x / sqrt 2)).
        CnnActivation.GELU => onnx.Binary("Mul",
            onnx.Binary("Mul", x, onnx.Scalar(0.5f, name + ".half"), name + ".halved"),
            onnx.Binary("Add",
                onnx.Unary("Erf", onnx.Binary("Mul", x, onnx.Scalar((float)(1 / Math.Sqrt(2)), name + ".rsqrt2"), name + ".scaled"), name + ".erf"),
                onnx.Scalar(1f, name + ".one"), name + ".erf1"),
            name),
        _ => throw new NotSupportedException($"The activation {activation} has no ONNX export."),
    };
}
