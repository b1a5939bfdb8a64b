namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>Shape and sampling behaviour of the controller RNN (defaults from Zoph &amp; Le 2017).</summary>
public sealed record ControllerOptions
{
    /// <summary>Stacked LSTM layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Hidden units per layer (35 in the paper).</summary>
    public int HiddenSize { get; init; } = 35;

    /// <summary>Weights start uniform in [-InitRange, InitRange] (0.08 in the paper).</summary>
    public double InitRange { get; init; } = 0.08;

    /// <summary>Logits are divided by this before the softmax / sigmoid; above 1 flattens the distribution.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>When set, logits become C·tanh(logits / C), which bounds them and keeps the policy from collapsing early.</summary>
    public double? TanhConstant { get; init; }

    internal void Validate()
    {
        if (Layers < 1) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "The controller needs at least one LSTM layer.");
        if (HiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, "HiddenSize must be positive.");
        if (!(InitRange > 0)) throw new ArgumentOutOfRangeException(nameof(InitRange), InitRange, "InitRange must be positive.");
        if (!(Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be positive.");
        if (TanhConstant is { } c && !(c > 0)) throw new ArgumentOutOfRangeException(nameof(TanhConstant), c, "TanhConstant must be positive.");
    }
}
