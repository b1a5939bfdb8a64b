using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;

/// <summary>
/// The trained network, in eval mode, shared by every cursor and prediction engine of a transformer.
/// Forward passes are serialised with a lock. Why: a no_grad eval-mode forward on shared parameters is read-only in
/// libtorch, but TorchSharp keeps per-module managed state (hooks, the training flag) and dispose scopes that are not
/// documented as thread-safe, and ML.NET may drive several cursors of one transformer on different threads
/// (GetRowCursorSet, PredictionEngine per thread). A lock is the simple, provably safe choice; libtorch still uses its
/// intra-op threads inside each forward. Per-row buffers live in each <see cref="RowScorer"/>.
/// </summary>
internal sealed class SharedNetwork
{
    private readonly object _gate = new();
    private readonly nn.Module<Tensor, Tensor> _network;

    public SharedNetwork(nn.Module<Tensor, Tensor> network, Device device)
    {
        _network = network;
        Device = device;
        _network.to(device);
        _network.eval();
    }

    public Device Device { get; }

    /// <summary>
    /// Runs one forward pass on the tensor <paramref name="makeInput"/> builds, under no_grad and a dispose scope that
    /// frees every tensor of the call; <paramref name="readOutput"/> must copy what it needs into managed memory.
    /// </summary>
    public void Forward(Func<Device, Tensor> makeInput, Action<Tensor> readOutput)
    {
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor output = _network.forward(makeInput(Device));
            readOutput(output.cpu());
        }
    }

    /// <summary>
    /// Writes the network's eval-mode forward pass into an ONNX graph (under the same lock, so no forward runs while
    /// its weights are read); returns the output variable. Throws <see cref="NotSupportedException"/>, naming the
    /// network, when it has no ONNX form.
    /// </summary>
    public string ExportOnnx(OnnxGraphBuilder onnx, string input)
    {
        if (_network is not IOnnxExportable exportable)
            throw new NotSupportedException($"The network {_network.GetType().Name} has no ONNX export.");
        return Use(_ => exportable.ExportOnnx(onnx, input));
    }

    /// <summary>
    /// Lets <paramref name="use"/> drive the network in several steps under the same lock and no_grad (a head that
    /// scores a long row in chunks, carrying state between them); it must dispose the tensors it makes.
    /// </summary>
    public T Use<T>(Func<nn.Module<Tensor, Tensor>, T> use)
    {
        lock (_gate)
        {
            using var noGrad = no_grad();
            return use(_network);
        }
    }
}
