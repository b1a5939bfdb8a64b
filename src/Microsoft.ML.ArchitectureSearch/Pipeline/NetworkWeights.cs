using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>TorchSharp's own weight format (Module.save / Module.load) to and from bytes.</summary>
internal static class NetworkWeights
{
    /// <summary>
    /// The weights of <paramref name="network"/>. Moves the network to the CPU first so the bytes do not depend on the
    /// device it was trained on.
    /// </summary>
    public static byte[] ToBytes(nn.Module network)
    {
        network.to(CPU);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            network.save(writer);
        return stream.ToArray();
    }

    /// <summary>Loads weights saved by <see cref="ToBytes"/> into a network built for the same architecture (strict).</summary>
    public static void Load(nn.Module network, byte[] weights)
    {
        using var stream = new MemoryStream(weights, writable: false);
        using var reader = new BinaryReader(stream);
        network.load(reader, strict: true);
        if (stream.Position != stream.Length)
            throw new InvalidDataException($"The network weights hold {stream.Length - stream.Position} bytes more than the rebuilt network's parameters.");
    }

    public static long ParameterCount(nn.Module network) => network.parameters().Sum(p => p.numel());
}
