using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Networks;

/// <summary>Rebuilds a searched child CNN (with its input normalisation) from the saved space options and architecture.</summary>
internal sealed class CnnNetworkFactory : INetworkFactory
{
    public const string Name = "cnn";

    public string SpaceName => Name;

    public static string ToJson(CnnArchitecture architecture, CnnSearchSpaceOptions spaceOptions) =>
        new SearchSpaceEnvelope<CnnSearchSpaceOptions>(spaceOptions, architecture.ToJson()).ToJson();

    SearchSpaces.IArchitecture INetworkFactory.Decode(string architectureJson) => Decode(architectureJson);

    public static CnnArchitecture Decode(string json)
    {
        var envelope = SearchSpaceEnvelope<CnnSearchSpaceOptions>.FromJson(json, Name);
        return new CnnSearchSpace(envelope.Space).FromJson(envelope.Architecture);
    }

    public nn.Module<Tensor, Tensor> Create(string architectureJson, NetworkConfiguration configuration)
    {
        CnnArchitecture architecture = Decode(architectureJson);
        var o = architecture.Space is CnnSearchSpace space ? space.Options : throw new InvalidDataException("Not a CNN architecture.");
        if (o.InputChannels != configuration.ImageChannels || o.InputHeight != configuration.ImageHeight ||
            o.InputWidth != configuration.ImageWidth || o.ClassCount != configuration.ClassCount)
            throw new InvalidDataException(
                $"The saved CNN expects {o.InputChannels}x{o.InputHeight}x{o.InputWidth} images and {o.ClassCount} classes; the model says {configuration.ImageChannels}x{configuration.ImageHeight}x{configuration.ImageWidth} and {configuration.ClassCount}.");
        // Placeholder statistics: the saved buffers replace them when the weights load.
        return new NormalizedImageClassifier(new ChildCnn(architecture), new float[o.InputChannels], Enumerable.Repeat(1f, o.InputChannels).ToArray());
    }
}
