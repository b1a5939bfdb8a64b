using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.ArchitectureSearch.Data;
namespace Microsoft.ML.ArchitectureSearch.Pipeline.Data;

/// <summary>Training or validation rows, read out of an IDataView into memory once, for the search and training.</summary>
internal abstract class TaskData
{
    public abstract int Count { get; }

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public abstract TaskData Select(IReadOnlyList<int> indices);
}

/// <summary>Images (the child trainers' <see cref="DenseImageData"/>) and the number of classes of the label's key type.</summary>
internal sealed class ImageTaskData : TaskData
{
    public ImageTaskData(float[] pixels, int[] labels, int channels, int height, int width, int classCount)
    {
        Images = new DenseImageData(pixels, labels, channels, height, width);
        ClassCount = classCount;
    }

    /// <summary>The rows as the child trainers take them (no copy).</summary>
    public DenseImageData Images { get; }
    public float[] Pixels => Images.Pixels;
    public int[] Labels => Images.Labels;
    public int Channels => Images.Channels;
    public int Height => Images.Height;
    public int Width => Images.Width;
    public int ClassCount { get; }
    public int ImageSize => Channels * Height * Width;
    public override int Count => Labels.Length;

    public override TaskData Select(IReadOnlyList<int> indices)
    {
        var pixels = new float[(long)indices.Count * ImageSize];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * ImageSize, pixels, (long)i * ImageSize, ImageSize);
            labels[i] = Labels[indices[i]];
        }
        return new ImageTaskData(pixels, labels, Channels, Height, Width, ClassCount);
    }
}

/// <summary>Sentences (one per row) and the vocabulary built from the training sentences.</summary>
internal sealed class TextTaskData : TaskData
{
    public TextTaskData(IReadOnlyList<string> sentences, Vocabulary vocabulary)
    {
        Sentences = sentences; Vocabulary = vocabulary;
    }

    public IReadOnlyList<string> Sentences { get; }
    public Vocabulary Vocabulary { get; }
    public override int Count => Sentences.Count;

    /// <summary>All sentences as one stream of word ids, each sentence followed by <c>&lt;eos&gt;</c> (as in Penn Treebank).</summary>
    public int[] EncodeStream(out int unknownWords) => Vocabulary.EncodeStream(Sentences, out unknownWords);

    public override TaskData Select(IReadOnlyList<int> indices) =>
        new TextTaskData(indices.Select(i => Sentences[i]).ToArray(), Vocabulary);
}
