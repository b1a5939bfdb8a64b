using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>What a language model needs besides its network: the vocabulary built from the training sentences.</summary>
internal sealed class LanguageModelData : TaskModelData
{
    public LanguageModelData(Vocabulary vocabulary) => Vocabulary = vocabulary;

    public Vocabulary Vocabulary { get; }

    public override void Write(BinaryWriter writer) => PayloadStrings.Write(writer, Vocabulary.Words);

    public static LanguageModelData Read(BinaryReader reader)
    {
        IReadOnlyList<string> words = PayloadStrings.Read(reader)
            ?? throw ModelPayloadSerializer.Corrupt("its language model carries no vocabulary");
        try
        {
            return new LanguageModelData(new Vocabulary(words));
        }
        catch (InvalidDataException e)
        {
            throw ModelPayloadSerializer.Corrupt($"its vocabulary is not valid ({e.Message})");
        }
    }
}
