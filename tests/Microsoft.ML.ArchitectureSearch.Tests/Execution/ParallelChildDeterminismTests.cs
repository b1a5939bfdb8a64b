using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// A child's result depends on its architecture, its trial seed and its libtorch thread count alone: real CIFAR-10 and
/// PTB children (initialisation, data order, augmentation and dropout from their own generators) trained two at a time
/// give each exactly (bit for bit) what it gets trained alone with the same thread count. Random proposals are the same
/// sequence whatever the batch size, so trial k is the same architecture with the same seed in both runs.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class ParallelChildDeterminismTests
{
    private const int Trials = 2;

    private static SearchOutcome Run(ISearchSpace space, IChildTrainer trainer, int parallelism, int threadsPerChild = 1)
    {
        using var strategy = new RandomStrategy(space, 21);
        return new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = Trials },
            Seed = 21,
            TrialEpochs = 1,
            Parallelism = parallelism,
            ThreadsPerChild = threadsPerChild,
            ReuseDuplicateResults = false,
        }).Run();
    }

    private static IEnumerable<string> Results(SearchOutcome outcome) => outcome.Trials.Select(t =>
        $"{t.Index} {t.Hash} seed {t.Seed} failed {t.Result.Failed} " +
        $"valid [{string.Join(",", t.Result.ValidationMetricPerEpoch.Select(BitConverter.DoubleToInt64Bits))}] " +
        $"loss [{string.Join(",", t.Result.TrainLossPerEpoch.Select(BitConverter.DoubleToInt64Bits))}]");

    [Fact]
    public void PtbChildrenWithDropoutTrainedTwoAtATimeGetExactlyTheirOneAtATimeResults()
    {
        LanguageModelCorpus corpus = PtbTestCorpus.Load(vocabularySize: 500, trainLines: 400);
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions
        {
            Leaves = 4, EmbeddingSize = 16, HiddenSize = 16, Layers = 2, Dropout = 0.3, VocabularySize = corpus.VocabularySize,
        });
        var trainer = new LanguageModelChildTrainer(corpus, new LanguageModelTrainingOptions
        {
            BatchSize = 8, Bptt = 10, EvaluationBatchSize = 4, MaxStepsPerEpoch = 6, MaxEvaluationSteps = 3, Device = "cpu",
        });

        SearchOutcome alone = Run(space, trainer, parallelism: 1);
        SearchOutcome paired = Run(space, trainer, parallelism: 2);

        Assert.Equal(Trials, alone.TrainedCount);
        Assert.Equal(Results(alone), Results(paired));
    }

    [Fact]
    public void CifarChildrenWithAugmentationTrainedTwoAtATimeGetExactlyTheirOneAtATimeResults()
    {
        (ImageData all, _) = Cifar10Loader.LoadDense(Path.Combine(PipelineTestData.TestDataDirectory, "cifar10"), Cifar10Split.Train, 300);
        ImageData train = all.Select(Enumerable.Range(0, 200).ToArray()), validation = all.Select(Enumerable.Range(200, 100).ToArray());
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 2, FilterHeights = new[] { 3, 5 }, FilterWidths = new[] { 3, 5 }, FilterCounts = new[] { 8, 16 },
        });
        using var trainer = new CnnChildTrainer(train, validation, null, new CnnTrainingOptions { BatchSize = 32, Device = "cpu", Augment = true });

        SearchOutcome alone = Run(space, trainer, parallelism: 1);
        SearchOutcome paired = Run(space, trainer, parallelism: 2);

        Assert.Equal(Trials, alone.TrainedCount);
        Assert.Equal(Results(alone), Results(paired));
    }
}
