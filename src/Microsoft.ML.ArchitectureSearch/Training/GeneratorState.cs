using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>A torch generator's state inside a saved training state: its bytes, length-prefixed.</summary>
internal static class GeneratorState
{
    public static void Write(BinaryWriter writer, Generator generator)
    {
        using Tensor state = generator.get_state();
        byte[] bytes = state.data<byte>().ToArray();
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>
    /// Reads a state <see cref="Write"/> wrote, without applying it: the caller applies it with <see cref="Apply"/> once
    /// everything else has been read, so that a truncated stream changes nothing.
    /// </summary>
    public static byte[] Read(BinaryReader reader, string what)
    {
        int length = reader.ReadInt32();
        if (length is < 0 or > 1 << 20)
            throw new InvalidDataException($"The saved {what} generator state claims {length} bytes.");
        byte[] bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    }

    public static void Apply(Generator generator, byte[] state)
    {
        using Tensor tensor = torch.tensor(state, ScalarType.Byte);
        generator.set_state(tensor);
    }
}
