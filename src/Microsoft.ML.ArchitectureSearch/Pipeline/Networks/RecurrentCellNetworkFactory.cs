using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Networks;

/// <summary>Rebuilds the word language model of a searched recurrent cell.</summary>
internal sealed class RecurrentCellNetworkFactory : INetworkFactory
{
    public const string Name = "recurrent-cell";

    public string SpaceName => Name;

    public static string ToJson(RecurrentCellArchitecture architecture) =>
        new SearchSpaceEnvelope<RecurrentCellSearchSpaceOptions>(architecture.CellSpace.Options, architecture.ToJson()).ToJson();

    SearchSpaces.IArchitecture INetworkFactory.Decode(string architectureJson) => Decode(architectureJson);

    public static RecurrentCellArchitecture Decode(string json)
    {
        var envelope = SearchSpaceEnvelope<RecurrentCellSearchSpaceOptions>.FromJson(json, Name);
        return RecurrentCellArchitecture.FromJson(new RecurrentCellSearchSpace(envelope.Space), envelope.Architecture);
    }

    public nn.Module<Tensor, Tensor> Create(string architectureJson, NetworkConfiguration configuration)
    {
        RecurrentCellArchitecture architecture = Decode(architectureJson);
        if (architecture.CellSpace.Options.VocabularySize != configuration.VocabularySize)
            throw new InvalidDataException(
                $"The saved architecture expects a vocabulary of {architecture.CellSpace.Options.VocabularySize} words, the model's vocabulary has {configuration.VocabularySize}.");
        return new LanguageModelScoringNetwork(WordLanguageModel.CreateSearched(architecture));
    }
}
