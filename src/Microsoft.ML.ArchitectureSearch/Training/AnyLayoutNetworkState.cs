using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// A network's weights and buffers and its SGD's momentum inside a larger state stream, whatever the tensors' memory
/// layout. <see cref="NetworkOptimizerState"/> cannot serve a CNN that trains channels-last (the children's default):
/// TorchSharp's Tensor.Save and Tensor.Load, under Module.save and the optimizers' save_state_dict, refuse a tensor that
/// is not contiguous in the standard layout ("Bytes() called on non-contiguous tensor"). Here each tensor is written as a
/// standard-layout copy in TorchSharp's tensor format and read back into the live tensor with copy_, which keeps the
/// live tensor's layout, so a resumed training computes with the strides of the uninterrupted one. One length-prefixed
/// block, as in <see cref="NetworkOptimizerState"/>: a short stream is "truncated" before any weight is touched.
/// </summary>
internal static class AnyLayoutNetworkState
{
    /// <summary>Writes every tensor of the network's state (by name) and every parameter's momentum buffer.</summary>
    public static void Write(BinaryWriter writer, nn.Module network, SGD optimizer)
    {
        StateBlock.Write(writer, block =>
        {
            using var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true);
            Dictionary<string, Tensor> tensors = network.state_dict();
            blockWriter.Write(tensors.Count);
            foreach (var (name, tensor) in tensors)
            {
                blockWriter.Write(name);
                WriteTensor(blockWriter, tensor);
            }

            foreach (var (_, state) in MomentumStates(optimizer))
            {
                blockWriter.Write(state.momentum_buffer is not null);
                if (state.momentum_buffer is { } momentum)
                    WriteTensor(blockWriter, momentum);
            }
        });
    }

    /// <summary>
    /// Loads a block written by <see cref="Write"/> into a network and optimizer of the same architecture;
    /// <paramref name="what"/> names them in errors ("CNN").
    /// </summary>
    public static void Read(BinaryReader reader, nn.Module network, SGD optimizer, string what)
    {
        using var block = new MemoryStream(StateBlock.Read(reader, what), writable: false);
        using var blockReader = new BinaryReader(block);
        Dictionary<string, Tensor> tensors = network.state_dict();
        int count = blockReader.ReadInt32();
        if (count != tensors.Count)
            throw new InvalidDataException($"The saved {what} holds {count} tensors; this {what} has {tensors.Count}.");
        foreach (var (name, tensor) in tensors)
        {
            string saved = blockReader.ReadString();
            if (saved != name)
                throw new InvalidDataException($"The saved {what} holds {UserText.Quote(saved)} where this {what} has {UserText.Quote(name)}.");
            ReadTensor(blockReader, tensor, what);
        }

        foreach (var (parameter, state) in MomentumStates(optimizer))
        {
            if (!blockReader.ReadBoolean())
            {
                state.momentum_buffer?.Dispose();
                state.momentum_buffer = null;
                continue;
            }

            // SGD clones its first gradient, which has the parameter's layout; a buffer made here has it too.
            state.momentum_buffer ??= empty_like(parameter).DetachFromDisposeScope();
            ReadTensor(blockReader, state.momentum_buffer, what);
        }

        if (block.Position != block.Length)
            throw new InvalidDataException($"The saved {what} state holds {block.Length - block.Position} bytes more than this {what} reads.");
    }

    /// <summary>One tensor's values in TorchSharp's tensor format (type, shape, values in the standard layout).</summary>
    public static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        using var noGrad = no_grad();
        using Tensor standard = tensor.contiguous();
        standard.Save(writer);
    }

    /// <summary>Reads values <see cref="WriteTensor"/> wrote into <paramref name="target"/>, which keeps its device and layout.</summary>
    public static void ReadTensor(BinaryReader reader, Tensor target, string what)
    {
        using var noGrad = no_grad();
        using Tensor values = empty(target.shape, target.dtype);
        try
        {
            values.Load(reader);
        }
        catch (ArgumentException e)
        {
            // TorchSharp reports a mismatched tensor shape or type as an ArgumentException.
            throw new InvalidDataException($"The saved {what} does not fit this {what}: " + e.Message, e);
        }

        target.copy_(values);
    }

    /// <summary>Each parameter the optimizer updates with its state, in the order of its groups (that of its state dictionary).</summary>
    private static IEnumerable<(Parameter Parameter, SGD.State State)> MomentumStates(SGD optimizer)
    {
        Parameter[] parameters = optimizer.ParamGroups.Cast<ParamGroup>().SelectMany(g => g.Parameters).ToArray();
        List<OptimizerState> states = optimizer.state_dict().State;
        if (states.Count != parameters.Length)
            throw new InvalidOperationException($"The optimizer lists {states.Count} states for {parameters.Length} parameters.");
        return parameters.Zip(states.Cast<SGD.State>());
    }
}
