using TorchSharp.Modules;

namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>
/// The controller's weights and its Adam state (per-parameter step counts, first and second moments) inside a strategy
/// state stream, both in TorchSharp's own formats: Module.save and OptimizerHelper.save_state_dict write to the
/// BinaryWriter they are given, so no file is involved. The two go in as one length-prefixed block because TorchSharp's
/// readers overwrite a tensor's values as they read (a stream that ends inside a tensor leaves it partly overwritten);
/// reading the whole block first turns a short stream into the usual "truncated" error before any weight is touched.
/// </summary>
internal static class ControllerState
{
    public static void Write(BinaryWriter writer, ControllerNetwork controller, Adam adam)
    {
        using var block = new MemoryStream();
        using (var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            controller.save(blockWriter);
            adam.save_state_dict(blockWriter);
        }
        writer.Write(checked((int)block.Length));
        writer.Write(block.GetBuffer(), 0, (int)block.Length);
    }

    /// <summary>
    /// Loads a block written by <see cref="Write"/>. The optimizer's hyper-parameters come back with its state; the
    /// learning rate is then set from <paramref name="learningRate"/>, so that, as before, this run's options decide how
    /// the controller learns and the state only where it stands.
    /// </summary>
    public static void Read(BinaryReader reader, ControllerNetwork controller, Adam adam, double learningRate)
    {
        int length = reader.ReadInt32();
        if (length < 0) throw new InvalidDataException($"The saved controller state claims {length} bytes.");
        byte[] bytes = reader.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException();
        using var block = new MemoryStream(bytes, writable: false);
        using var blockReader = new BinaryReader(block);
        try
        {
            controller.load(blockReader, strict: true);
            adam.load_state_dict(blockReader);
        }
        catch (ArgumentException e)
        {
            // TorchSharp reports a mismatched tensor shape, type or count as an ArgumentException.
            throw new InvalidDataException("The saved controller does not fit this controller: " + e.Message, e);
        }
        if (block.Position != block.Length)
            throw new InvalidDataException($"The saved controller state holds {block.Length - block.Position} bytes more than this controller reads.");
        foreach (var group in adam.ParamGroups) group.LearningRate = learningRate;
    }
}
