using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>A weight-sharing language-model Fit in the ENAS cell space on the Penn Treebank lines of testdata/.</summary>
public sealed class EnasWeightSharingFitTests
{
    private const int FinalCandidates = 10;

    [Theory]
    [InlineData(SearchStrategy.Reinforce)]
    [InlineData(SearchStrategy.Random)]
    [InlineData(SearchStrategy.Evolution)]
    public void WeightSharingFitScoresChildrenAndTheReferenceOnSharedWeightsAndItsRetrainedWinnerSavesLoadsAndScores(SearchStrategy strategy)
    {
        ArchitectureSearchOptions options = EnasCellFitTests.Options();
        options.Strategy = strategy;
        options.WeightSharing = true;
        options.SharedEpochs = 2;
        options.MaxTrials = 3;

        ArchitectureSearchTransformer model = EnasCellFitTests.FitSaveLoadAndCompare(options);

        // The space's reference (ENAS's published cell) is scored after the final candidates, marked as such.
        Assert.Equal(2 * 3 + FinalCandidates + 1, model.Trials.Count);
        Assert.Equal(model.Trials.Count - 1, model.Trials.Single(t => t.Reference != null).Index);
        Assert.All(model.Trials, t => Assert.Equal(TrialKind.Trained, t.Kind));
        Assert.All(model.Trials.Take(6), t => Assert.Equal("shared-weight perplexity (validation mini-batch)", t.Result.MetricName));
        TrialRecord[] finalists = model.Trials.Skip(6).ToArray();
        Assert.All(finalists, t => Assert.Equal("shared-weight perplexity (all validation rows)", t.Result.MetricName));
        // Every child is scored: a finite perplexity and a positive reward, or, for a cell whose perplexity overflows on
        // these barely trained shared weights (measured: linear chains of identity and relu nodes, which the controller
        // of ReinforceOptions.ForWeightSharing samples here), a failed child that says so and earns 0, never a lost one.
        Assert.All(model.Trials, t => Assert.True(
            double.IsFinite(t.Result.ValidationMetricPerEpoch[0]) && t.Reward > 0 && !t.Result.Failed ||
            t.Result.Failed && t.Reward == 0 && t.Result.FailureReason == "Shared-weight validation perplexity is Infinity.",
            $"trial {t.Index}: {t.Result.MetricName} {t.Result.ValidationMetricPerEpoch[0]}, reward {t.Reward}, failure '{t.Result.FailureReason}'"));
        Assert.Equal(finalists.MaxBy(t => t.Reward)!.Hash, model.Architecture.Hash);
        Assert.False(finalists.MaxBy(t => t.Reward)!.Result.Failed);
    }

    [Fact]
    public void WeightSharingWithTheTreeCellIsRefusedNamingTheEnasSpace()
    {
        ArchitectureSearchOptions options = EnasCellFitTests.Options();
        options.WeightSharing = true;
        options.RecurrentCellSpace = options.RecurrentCellSpace with { Cell = RecurrentCellKind.Tree };
        var ml = new MLContext(seed: 1);

        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.ArchitectureSearch(options).Fit(EnasCellFitTests.Lines(ml, "ptb.train.txt", 50)));

        Assert.Contains("RecurrentCellSpace.Cell = RecurrentCellKind.EnasDag", error.Message);
    }
}
