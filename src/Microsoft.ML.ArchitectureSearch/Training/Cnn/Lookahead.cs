using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Lookahead (Zhang et al. 2019) around any optimizer: every <c>k</c> steps the slow weights move a fraction
/// <c>alpha</c> of the way to the fast weights the optimizer produced, and the fast weights restart from them. Fast CIFAR
/// recipes (airbench) use it to take large steps without the noise of the last ones. Hand-written because TorchSharp
/// 0.107 ships no Lookahead.
/// </summary>
internal sealed class Lookahead : IDisposable
{
    private readonly Parameter[] _fast;
    private readonly Tensor[] _slow;
    private readonly int _k;
    private readonly double _alpha;
    private long _steps;

    public Lookahead(IEnumerable<Parameter> parameters, int k, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (!(alpha > 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Lookahead alpha must be in (0, 1].");
        _k = k;
        _alpha = alpha;
        _fast = parameters.ToArray();
        using var noGrad = no_grad();
        _slow = _fast.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Call after each optimizer step.</summary>
    public void Step()
    {
        if (++_steps % _k != 0)
            return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _fast.Length; i++)
        {
            _slow[i].add_(_fast[i] - _slow[i], alpha: _alpha);
            _fast[i].copy_(_slow[i]);
        }
    }

    /// <summary>Writes the step counter and the slow weights (for an epoch checkpoint).</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(_steps);
        foreach (Tensor slow in _slow)
            AnyLayoutNetworkState.WriteTensor(writer, slow);
    }

    /// <summary>Continues from what <see cref="Write"/> saved, for the same parameters.</summary>
    public void Read(BinaryReader reader)
    {
        long steps = reader.ReadInt64();
        if (steps < 0)
            throw new InvalidDataException($"The saved Lookahead state claims {steps} steps.");
        foreach (Tensor slow in _slow)
            AnyLayoutNetworkState.ReadTensor(reader, slow, "Lookahead");
        _steps = steps;
    }

    public void Dispose()
    {
        foreach (Tensor t in _slow)
            t.Dispose();
    }
}
