using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

public class LanguageModelTrainerTests
{
    private const int Vocabulary = 1000;

    private static readonly Lazy<LanguageModelCorpus> Corpus = new(() => PtbTestCorpus.Load(Vocabulary));

    private static RecurrentCellSearchSpaceOptions Shape(int leaves = 4) => new()
    {
        Leaves = leaves, EmbeddingSize = 32, HiddenSize = 32, VocabularySize = Corpus.Value.VocabularySize, Layers = 2, Dropout = 0.1,
    };

    private static LanguageModelTrainingOptions Quick(double learningRate = 20) => new()
    {
        BatchSize = 16, Bptt = 20, EvaluationBatchSize = 10, MaxStepsPerEpoch = 15, MaxEvaluationSteps = 4,
        Optimizer = LanguageModelOptimizer.Sgd, LearningRate = learningRate, Device = "cpu",
    };

    /// <summary>An LSTM-like searched cell: gates from sigmoid leaves, memory path through an added c_(t-1).</summary>
    private static RecurrentCellArchitecture GatedCell(RecurrentCellSearchSpace space)
    {
        var nodes = new[]
        {
            new CellNodeOperation(CellCombination.Add, CellActivation.Sigmoid),
            new CellNodeOperation(CellCombination.Add, CellActivation.Tanh),
            new CellNodeOperation(CellCombination.Add, CellActivation.Sigmoid),
            new CellNodeOperation(CellCombination.Add, CellActivation.Tanh),
            new CellNodeOperation(CellCombination.Multiply, CellActivation.Identity),
            new CellNodeOperation(CellCombination.Multiply, CellActivation.Identity),
            new CellNodeOperation(CellCombination.Add, CellActivation.Tanh),
        };
        return new RecurrentCellArchitecture(space, nodes, CellCombination.Add, CellActivation.Identity, injectNode: 4, memoryNode: 6);
    }

    [Fact]
    public void LstmBaselineLowersTrainingLossOnPtb()
    {
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Quick());
        using var child = trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 3, Seed = 1 });
        var r = child.Result;
        Assert.False(r.Failed, r.FailureReason);
        Assert.NotNull(child.Network);
        Assert.Equal(3, r.EpochsCompleted);
        Assert.True(r.TrainLossPerEpoch[2] < r.TrainLossPerEpoch[0] - 0.3, string.Join(", ", r.TrainLossPerEpoch));
        // An untrained model is near uniform (perplexity ~ vocabulary size); trained, it must do clearly better.
        Assert.True(r.BestValidationMetric < 0.5 * Corpus.Value.VocabularySize, $"validation perplexity {r.BestValidationMetric}");
        Assert.Equal(LanguageModelCost.LstmParameterCount(Shape()), r.ParameterCount);
        Assert.Equal(LanguageModelRewards.Compute(RewardKind.ZophLe, r.BestValidationMetric), r.Reward, 12);
        Assert.True(r.ExamplesPerSecond > 0);
        Assert.False(child.Network!.training);
    }

    [Fact]
    public void AdamLowersTheLstmsTrainingLossOnPtb()
    {
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Quick() with { Optimizer = LanguageModelOptimizer.Adam, LearningRate = 0.002 });
        using var child = trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 3, Seed = 1 });
        var r = child.Result;
        Assert.False(r.Failed, r.FailureReason);
        Assert.True(r.TrainLossPerEpoch[2] < r.TrainLossPerEpoch[0] - 0.3, string.Join(", ", r.TrainLossPerEpoch));
        Assert.True(r.BestValidationMetric < 0.5 * Corpus.Value.VocabularySize, $"validation perplexity {r.BestValidationMetric}");
    }

    [Fact]
    public void SearchedCellLowersTrainingLossOnPtb()
    {
        var space = new RecurrentCellSearchSpace(Shape());
        var architecture = GatedCell(space);
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Quick());
        using var child = trainer.Train(architecture, new ChildTrainingSettings { Epochs = 3, Seed = 1, EvaluateTest = true });
        var r = child.Result;
        Assert.False(r.Failed, r.FailureReason);
        Assert.True(r.TrainLossPerEpoch[2] < r.TrainLossPerEpoch[0] - 0.3, string.Join(", ", r.TrainLossPerEpoch));
        Assert.True(r.BestValidationMetric < 0.5 * Corpus.Value.VocabularySize, $"validation perplexity {r.BestValidationMetric}");
        Assert.Equal(architecture.ParameterCount, r.ParameterCount);
        Assert.NotNull(r.TestMetric);
        Assert.True(r.TestMetric > 1 && r.TestMetric < Corpus.Value.VocabularySize);
    }

    [Fact]
    public void SameSeedSameResultDifferentSeedDifferentResult()
    {
        var space = new RecurrentCellSearchSpace(Shape(2));
        var architecture = space.DecodeCell(new[] { 0, 2, 1, 1, 0, 1, 0, 0, 1, 2 });
        var options = Quick() with { MaxStepsPerEpoch = 4, MaxEvaluationSteps = 2 };
        var trainer = new LanguageModelChildTrainer(Corpus.Value, options);
        TrialResult Run(int seed)
        {
            using var child = trainer.Train(architecture, new ChildTrainingSettings { Epochs = 2, Seed = seed });
            return child.Result;
        }
        var a = Run(3);
        var b = Run(3);
        var c = Run(4);
        Assert.Equal(a.TrainLossPerEpoch, b.TrainLossPerEpoch);
        Assert.Equal(a.ValidationMetricPerEpoch, b.ValidationMetricPerEpoch);
        Assert.NotEqual(a.TrainLossPerEpoch, c.TrainLossPerEpoch);
    }

    [Fact]
    public void DivergingTrainingIsReportedAsFailedNotThrown()
    {
        // Identity/multiply everywhere and an absurd learning rate: activations and loss overflow within a few steps.
        var space = new RecurrentCellSearchSpace(Shape(2));
        var architecture = space.DecodeCell(new[] { 1, 0, 1, 0, 1, 0, 1, 0, 0, 1 });
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Quick(learningRate: 1e30) with { MaxStepsPerEpoch = 5 });
        using var child = trainer.Train(architecture, new ChildTrainingSettings { Epochs = 2, Seed = 1 });
        Assert.True(child.Result.Failed);
        Assert.Contains("became", child.Result.FailureReason);
        Assert.Equal(0, child.Result.Reward);
        Assert.Null(child.Network);
    }

    [Fact]
    public void ContinueAfterEpochAndCancellationAreHonoured()
    {
        var space = new RecurrentCellSearchSpace(Shape(2));
        var architecture = space.DecodeCell(new[] { 0, 2, 1, 1, 0, 1, 0, 0, 1, 2 });
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Quick() with { MaxStepsPerEpoch = 2, MaxEvaluationSteps = 1 });
        var seen = new List<(int, double)>();
        using (var child = trainer.Train(architecture, new ChildTrainingSettings
               {
                   Epochs = 5, ContinueAfterEpoch = (epoch, ppl) => { seen.Add((epoch, ppl)); return epoch < 1; },
               }))
        {
            Assert.Equal(2, child.Result.EpochsCompleted);
            Assert.Equal(new[] { 0, 1 }, seen.Select(s => s.Item1));
            Assert.Equal(child.Result.ValidationMetricPerEpoch, seen.Select(s => s.Item2));
        }
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            trainer.Train(architecture, new ChildTrainingSettings { Epochs = 1 }, cancelled.Token));
        using (var timed = trainer.Train(architecture, new ChildTrainingSettings { Epochs = 50, TimeLimit = TimeSpan.Zero }))
            Assert.Equal(1, timed.Result.EpochsCompleted); // the cut-short first epoch is still validated
    }

    [Fact]
    public void InferenceAgreesWithNextWordProbabilities()
    {
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Quick() with { MaxStepsPerEpoch = 5, MaxEvaluationSteps = 1 });
        using var child = trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 1, Seed = 2 });
        var model = (WordLanguageModel)child.Network!;
        int[] context = { 5, 9, 1, 3 };
        var all = LanguageModelInference.NextWords(model, context, Corpus.Value.VocabularySize);
        Assert.Equal(1.0, all.Sum(p => p.Probability), 3);
        Assert.Equal(all[0].Token, LanguageModelInference.NextWord(model, context));
        Assert.True(all[0].Probability >= all[1].Probability);
        // A sequence ending in w after the context: perplexity of its last step alone is 1 / p(w | context), and the
        // whole-sequence perplexity is the geometric mean over steps, so check the two-token case exactly.
        var afterFirst = LanguageModelInference.NextWords(model, new[] { 5 }, Corpus.Value.VocabularySize).ToDictionary(p => p.Token, p => p.Probability);
        Assert.InRange(LanguageModelInference.Perplexity(model, new[] { 5, 9 }) * afterFirst[9], 0.9999, 1.0001);
        Assert.Throws<ArgumentException>(() => LanguageModelInference.Perplexity(model, new[] { 5 }));
        Assert.Throws<ArgumentException>(() => LanguageModelInference.NextWord(model, new[] { Corpus.Value.VocabularySize }));
    }

    [Fact]
    public void BadCorporaAreRejectedWithThePositionNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => new LanguageModelCorpus(new[] { 0, 1, 7 }, new[] { 0, 1 }, null, 5, 1));
        Assert.Contains("position 2", e.Message);
        Assert.Throws<ArgumentException>(() => new LanguageModelCorpus(new[] { 0 }, new[] { 0, 1 }, null, 5, 1));
    }

    [Fact]
    public void RewardsAreZophLesAndEnassFormulasOfPerplexityAndAnUnknownKindIsRefused()
    {
        Assert.Equal(1.0, LanguageModelRewards.Compute(RewardKind.ZophLe, 80), 12);
        Assert.Equal(0.8, LanguageModelRewards.Compute(RewardKind.Plain, 100), 12);
        Assert.Equal(0, LanguageModelRewards.Compute(RewardKind.ZophLe, double.NaN));
        var unknownReward = Assert.Throws<ArgumentException>(() => new LanguageModelChildTrainer(Corpus.Value, Quick() with { Reward = (RewardKind)7 }));
        Assert.Contains("Reward 7 is not a RewardKind", unknownReward.Message);
    }
}
