using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// One recurrent layer of a <see cref="WordLanguageModel"/>: runs a cell over a whole BPTT segment.
/// forward(input [seq, batch, InputSize], h [batch, HiddenSize], c [batch, HiddenSize]) returns the per-step outputs
/// [seq, batch, HiddenSize] and the final (h, c). The searched cell and the LSTM baseline both implement it, so the same
/// language model, trainer and throughput measurement serve both.
/// </summary>
internal abstract class RecurrentLayer : nn.Module<Tensor, Tensor, Tensor, (Tensor Output, Tensor H, Tensor C)>
{
    protected RecurrentLayer(string name, int inputSize, int hiddenSize) : base(name)
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Input size must be positive.");
        if (hiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "Hidden size must be positive.");
        InputSize = inputSize;
        HiddenSize = hiddenSize;
    }

    public int InputSize { get; }

    public int HiddenSize { get; }

    /// <summary>Weights are drawn uniformly in ± this: 1/sqrt(hidden), as PyTorch initialises RNNs, unless a layer says otherwise.</summary>
    protected virtual double InitialWeightBound => 1.0 / Math.Sqrt(HiddenSize);

    /// <summary>
    /// Re-draws every weight from <paramref name="generator"/> (uniform in ±<see cref="InitialWeightBound"/>), so
    /// initialisation depends on the seed only, not on whatever else used the global generator.
    /// </summary>
    public void ResetParameters(Generator generator)
    {
        double bound = InitialWeightBound;
        using var _ = no_grad();
        foreach (var p in parameters())
            SeededInit.Uniform(p, -bound, bound, generator);
    }

    /// <summary>Throws a clear error for inputs of the wrong rank or width (instead of a native shape error).</summary>
    protected void CheckShapes(Tensor input, Tensor h, Tensor c)
    {
        if (input.dim() != 3 || input.shape[2] != InputSize)
            throw new ArgumentException(
                $"{GetName()} expects input [seq, batch, {InputSize}], got [{string.Join(", ", input.shape)}].", nameof(input));
        long batch = input.shape[1];
        if (h.dim() != 2 || h.shape[0] != batch || h.shape[1] != HiddenSize || c.dim() != 2 || c.shape[0] != batch || c.shape[1] != HiddenSize)
            throw new ArgumentException(
                $"{GetName()} expects h and c of shape [{batch}, {HiddenSize}], got [{string.Join(", ", h.shape)}] and [{string.Join(", ", c.shape)}].");
    }
}
