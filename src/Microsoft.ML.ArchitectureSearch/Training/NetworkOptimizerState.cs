using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// A network's weights (buffers included) and its optimizer's state (momentum, moments, step counts) inside a larger
/// state stream, both in TorchSharp's own formats: Module.save and OptimizerHelper.save_state_dict write to the
/// BinaryWriter they are given, so no file is involved. The two go in as one length-prefixed block because TorchSharp's
/// readers overwrite a tensor's values as they read (a stream that ends inside a tensor leaves it partly overwritten);
/// reading the whole block first turns a short stream into a "truncated" error before any weight is touched.
/// </summary>
internal static class NetworkOptimizerState
{
    /// <summary>Writes the network and, unless null (a stateless update), the optimizer's state.</summary>
    public static void Write(BinaryWriter writer, nn.Module network, OptimizerHelper? optimizer)
    {
        StateBlock.Write(writer, block =>
        {
            using var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true);
            network.save(blockWriter);
            optimizer?.save_state_dict(blockWriter);
        });
    }

    /// <summary>
    /// Loads a block written by <see cref="Write"/> into a network and optimizer of the same shapes;
    /// <paramref name="what"/> names them in errors ("controller", "shared network").
    /// </summary>
    public static void Read(BinaryReader reader, nn.Module network, OptimizerHelper? optimizer, string what)
    {
        using var block = new MemoryStream(StateBlock.Read(reader, what), writable: false);
        using var blockReader = new BinaryReader(block);
        try
        {
            network.load(blockReader, strict: true);
            optimizer?.load_state_dict(blockReader);
        }
        catch (ArgumentException e)
        {
            // TorchSharp reports a mismatched tensor shape, type or count as an ArgumentException.
            throw new InvalidDataException($"The saved {what} does not fit this {what}: " + e.Message, e);
        }
        if (block.Position != block.Length)
            throw new InvalidDataException($"The saved {what} state holds {block.Length - block.Position} bytes more than this {what} reads.");
    }
}
