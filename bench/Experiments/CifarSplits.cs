using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>What the weight-sharing experiments share: their CIFAR-10 rows and their uniformly random architectures.</summary>
internal static class CifarSplits
{
    /// <summary>The first <paramref name="trainRows"/> training images, and the next <paramref name="validRows"/> for validation.</summary>
    public static (ImageData Train, ImageData Valid) TrainAndValidation(string directory, int trainRows, int validRows)
    {
        (ImageData all, _) = Cifar10Loader.LoadDense(directory, Cifar10Split.Train, trainRows + validRows);
        return (all.Select(Enumerable.Range(0, trainRows).ToArray()), all.Select(Enumerable.Range(trainRows, validRows).ToArray()));
    }

    /// <summary>A uniformly random member of <paramref name="space"/> (redrawn when the space's limits refuse one).</summary>
    public static CnnArchitecture RandomMember(CnnSearchSpace space, Random draw)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return space.Decode(space.Steps.Select(s => draw.Next(s.ChoiceCount)).ToArray());
            }
            catch (ArchitectureValidationException) when (attempt < 1000)
            {
            }
        }
    }
}
