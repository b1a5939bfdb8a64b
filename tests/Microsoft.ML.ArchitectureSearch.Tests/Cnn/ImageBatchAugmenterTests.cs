using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

public class ImageBatchAugmenterTests
{
    [Fact]
    public void EveryExampleIsAPaddedCropPossiblyFlipped()
    {
        using var scope = NewDisposeScope();
        const int padding = 2;
        Tensor batch = arange(1, 1 + 6 * 2 * 4 * 5, dtype: ScalarType.Float32).view(6, 2, 4, 5);
        Tensor result = new ImageBatchAugmenter(padding).Apply(batch, new Random(3));
        Assert.Equal(batch.shape, result.shape);
        Tensor padded = nn.functional.pad(batch, new long[] { padding, padding, padding, padding });
        int flips = 0, shifted = 0;
        for (int n = 0; n < 6; n++)
        {
            // Search all windows of the padded example, unflipped and flipped, for the one the augmenter produced.
            bool found = false;
            for (int top = 0; top <= 2 * padding && !found; top++)
            {
                for (int left = 0; left <= 2 * padding && !found; left++)
                {
                    Tensor window = padded[n].narrow(1, top, 4).narrow(2, left, 5);
                    if (window.equal(result[n]).all().item<bool>())
                        found = true;
                    else if (window.flip(2).equal(result[n]).all().item<bool>())
                        (found, flips) = (true, flips + 1);
                    if (found && (top != padding || left != padding))
                        shifted++;
                }
            }

            Assert.True(found, $"example {n} is not a (flipped) crop of its padded self");
        }

        Assert.InRange(flips, 1, 5);
        Assert.True(shifted > 0);
    }

    [Fact]
    public void SameRandomGivesSameBatch()
    {
        using var scope = NewDisposeScope();
        Tensor batch = randn(4, 3, 8, 8);
        var augmenter = new ImageBatchAugmenter(4);
        Assert.True(augmenter.Apply(batch, new Random(9)).equal(augmenter.Apply(batch, new Random(9))).all().item<bool>());
    }
}
