using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>The shared ENAS cell trainer's checkpoint state: a restored trainer continues exactly as the saved one does.</summary>
public sealed class SharedCellTrainerStateTests
{
    private static readonly EnasCellSearchSpace Space = EnasCellSearchSpaceTests.Space(4, hidden: 8, layers: 1);

    private static SharedCellTrainer Trainer(LanguageModelTrainingOptions options)
    {
        // A synthetic token stream over the space's vocabulary: the state round trip does not depend on real text.
        var random = new Random(3);
        int[] Tokens(int count) => Enumerable.Range(0, count).Select(_ => random.Next(Space.Options.VocabularySize)).ToArray();
        return new SharedCellTrainer(Space, Tokens(2_000), Tokens(400), Space.Options.VocabularySize, endOfSentenceId: 0,
            options with { BatchSize = 4, Bptt = 5, MaxStepsPerEpoch = 7, EvaluationBatchSize = 2, Device = "cpu" }, seed: 5);
    }

    // Children drawn from their own seeded generator, so both trainers see the same sequence.
    private static Func<IArchitecture> Children(int seed)
    {
        var random = new Random(seed);
        return () => Space.DecodeCell(Space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray());
    }

    [Theory]
    [InlineData(LanguageModelOptimizer.Adam)]
    [InlineData(LanguageModelOptimizer.Sgd)]
    public void ARestoredTrainerTrainsAndScoresExactlyAsTheSavedOneContinues(LanguageModelOptimizer optimizer)
    {
        var options = new LanguageModelTrainingOptions { Optimizer = optimizer, LearningRate = optimizer == LanguageModelOptimizer.Sgd ? 1 : 0.003 };
        IArchitecture probe = Children(99)();
        using var saved = Trainer(options);
        saved.TrainEpoch(Children(1), () => false, CancellationToken.None);
        using var state = new MemoryStream();
        saved.SaveState(state);
        double continuedLoss = saved.TrainEpoch(Children(2), () => false, CancellationToken.None);
        double continuedScore = saved.Score(probe, allValidationRows: false).Reward;

        using var restored = Trainer(options);
        state.Position = 0;
        restored.LoadState(state);
        double restoredLoss = restored.TrainEpoch(Children(2), () => false, CancellationToken.None);
        double restoredScore = restored.Score(probe, allValidationRows: false).Reward;

        Assert.True(double.IsFinite(continuedLoss));
        Assert.Equal(continuedLoss, restoredLoss);
        Assert.Equal(continuedScore, restoredScore);
        // Without the state, the second epoch differs: the test would notice a state that restores nothing.
        using var fresh = Trainer(options);
        Assert.NotEqual(continuedLoss, fresh.TrainEpoch(Children(2), () => false, CancellationToken.None));
    }

    [Fact]
    public void TrainingGoesOnWithAFreshStateAfterASegmentWhoseLossIsNotFinite()
    {
        // SGD at 1e30 overflows the weights on the first step, so later segments' losses are NaN and each resets the
        // carried state; the epoch must run to its end (a state made inside the segment's dispose scope would be freed
        // with it, and the next segment would fail on a disposed tensor).
        using var trainer = Trainer(new LanguageModelTrainingOptions { Optimizer = LanguageModelOptimizer.Sgd, LearningRate = 1e30 });
        int sampled = 0;
        Func<IArchitecture> children = Children(1);
        double loss = trainer.TrainEpoch(() => { sampled++; return children(); }, () => false, CancellationToken.None);

        Assert.Equal(7, sampled);
        Assert.True(double.IsFinite(loss), "the first segment's loss is finite and is the epoch's mean");
        TrialResult score = trainer.Score(Children(2)(), allValidationRows: false);
        Assert.True(score.Failed);
        Assert.Equal(0, score.Reward);
    }

    [Fact]
    public void ATruncatedStateIsRefusedAsTruncated()
    {
        using var trainer = Trainer(new LanguageModelTrainingOptions());
        using var state = new MemoryStream();
        trainer.SaveState(state);
        using var half = new MemoryStream(state.ToArray()[..(int)(state.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => trainer.LoadState(half));
        Assert.Contains("truncated", error.Message);
    }
}
