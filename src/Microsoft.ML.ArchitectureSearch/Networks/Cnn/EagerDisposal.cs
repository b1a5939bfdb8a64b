using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>Frees a forward pass's intermediates as they die rather than at the end of the caller's dispose scope.</summary>
internal static class EagerDisposal
{
    /// <summary>Returns <paramref name="result"/> after disposing <paramref name="input"/>, unless the op returned its input.</summary>
    public static Tensor DisposingInput(this Tensor result, Tensor input)
    {
        if (!ReferenceEquals(result, input))
            input.Dispose();
        return result;
    }
}
