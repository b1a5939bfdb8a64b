namespace Microsoft.ML.ArchitectureSearch.Pipeline.Networks;

/// <summary>
/// What a network factory needs besides the architecture JSON to rebuild a network: the data's shape. Saved in the
/// model payload. Image networks map [N, C, H, W] floats to [N, ClassCount] logits; language models map [N, T] word
/// ids (int64) to [N, T, VocabularySize] logits.
/// </summary>
internal sealed record NetworkConfiguration(
    ArchitectureSearchTask Task, int ImageChannels, int ImageHeight, int ImageWidth, int ClassCount, int VocabularySize)
{
    public static NetworkConfiguration ForImages(int channels, int height, int width, int classCount) =>
        new(ArchitectureSearchTask.ImageClassification, channels, height, width, classCount, 0);

    public static NetworkConfiguration ForLanguageModel(int vocabularySize) =>
        new(ArchitectureSearchTask.LanguageModeling, 0, 0, 0, 0, vocabularySize);
}
