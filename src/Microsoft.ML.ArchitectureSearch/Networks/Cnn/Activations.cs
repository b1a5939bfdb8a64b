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
}
