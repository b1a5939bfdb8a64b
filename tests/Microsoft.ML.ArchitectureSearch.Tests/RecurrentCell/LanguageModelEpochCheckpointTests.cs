using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

/// <summary>
/// ChildTrainingSettings.EpochCheckpointPath: a language model's training stopped after an epoch and started again
/// with the same file continues from there and ends exactly as the uninterrupted training; a file of another training
/// or a truncated one is refused with the reason.
/// </summary>
public sealed class LanguageModelEpochCheckpointTests : IDisposable
{
    private static readonly Lazy<LanguageModelCorpus> Corpus = new(() => PtbTestCorpus.Load(300, trainLines: 600));
    private readonly string _folder = Directory.CreateTempSubdirectory("lm-epoch-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static RecurrentCellSearchSpaceOptions Shape() => new()
    {
        EmbeddingSize = 16, HiddenSize = 16, VocabularySize = Corpus.Value.VocabularySize, Layers = 2, Dropout = 0.3,
    };

    private static LanguageModelTrainingOptions Options(LanguageModelOptimizer optimizer, bool carryState) => new()
    {
        // A validation plateau divides the learning rate: SGD at 40 with decay 2 makes that likely within four epochs.
        Optimizer = optimizer, LearningRate = optimizer == LanguageModelOptimizer.Sgd ? 40 : 0.01, LearningRateDecay = 2,
        BatchSize = 8, Bptt = 10, EvaluationBatchSize = 5, MaxEvaluationSteps = 6, Device = "cpu", CarryStateAcrossSentences = carryState,
        // Epochs cut short (a test's budget): the position, and with carried streams the state, go on from one epoch to the next.
        MaxStepsPerEpoch = 7,
    };

    [Theory]
    [InlineData(LanguageModelOptimizer.Adam, false)]
    [InlineData(LanguageModelOptimizer.Sgd, true)]
    public void ATrainingStoppedAfterAnEpochAndStartedAgainWithItsCheckpointEndsExactlyAsTheUninterruptedOne(LanguageModelOptimizer optimizer, bool carryState)
    {
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Options(optimizer, carryState));
        using TrainedChild whole = trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 4, Seed = 3, EvaluateTest = true });

        string path = Path.Combine(_folder, "lstm.checkpoint");
        var stopped = new ChildTrainingSettings
        {
            Epochs = 4, Seed = 3, EvaluateTest = true, EpochCheckpointPath = path, ContinueAfterEpoch = (epoch, _) => epoch < 1, // stops after 2 epochs
        };
        using (TrainedChild first = trainer.TrainLstmBaseline(Shape(), stopped))
            Assert.Equal(2, first.Result.EpochsCompleted);

        var epochsRun = new List<int>();
        var resumed = new ChildTrainingSettings
        {
            Epochs = 4, Seed = 3, EvaluateTest = true, EpochCheckpointPath = path, ContinueAfterEpoch = (epoch, _) => { epochsRun.Add(epoch); return true; },
        };
        using TrainedChild rest = new LanguageModelChildTrainer(Corpus.Value, Options(optimizer, carryState)).TrainLstmBaseline(Shape(), resumed);

        Assert.Equal(new[] { 2, 3 }, epochsRun); // only the epochs the checkpoint lacked were trained
        Assert.Equal(whole.Result.ValidationMetricPerEpoch, rest.Result.ValidationMetricPerEpoch);
        Assert.Equal(whole.Result.TrainLossPerEpoch, rest.Result.TrainLossPerEpoch);
        Assert.Equal(whole.Result.TestMetric, rest.Result.TestMetric);
        var wholeWeights = ((WordLanguageModel)whole.Network!).state_dict();
        foreach (var (name, weight) in ((WordLanguageModel)rest.Network!).state_dict())
            Assert.True(weight.equal(wholeWeights[name]).all().item<bool>(), $"{name} differs from the uninterrupted training's");
    }

    [Fact]
    public void ACheckpointWrittenUnderAGermanCultureResumesUnderAnEnglishOne()
    {
        // de-DE writes the options' learning rate 0.01 as "0,01" and 1,234 tokens as "1.234": an identity built with the
        // current culture would differ.
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Options(LanguageModelOptimizer.Adam, carryState: false));
        string path = Path.Combine(_folder, "lstm.checkpoint");
        using (new CurrentCulture("de-DE"))
            trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 2, Seed = 3, EpochCheckpointPath = path, ContinueAfterEpoch = (_, _) => false })
                .Dispose();

        using var english = new CurrentCulture("en-US");
        var epochsRun = new List<int>();
        trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings
        {
            Epochs = 2, Seed = 3, EpochCheckpointPath = path, ContinueAfterEpoch = (epoch, _) => { epochsRun.Add(epoch); return true; },
        }).Dispose();
        Assert.Equal(new[] { 1 }, epochsRun);
    }

    [Fact]
    public void ACheckpointOfAnotherSeedIsRefusedAsAnotherTrainingsBeforeAnyEpochRuns()
    {
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Options(LanguageModelOptimizer.Adam, carryState: false));
        string path = Path.Combine(_folder, "lstm.checkpoint");
        trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 1, Seed = 3, EpochCheckpointPath = path }).Dispose();

        int epochs = 0;
        var e = Assert.Throws<InvalidDataException>(() => trainer.TrainLstmBaseline(Shape(),
            new ChildTrainingSettings { Epochs = 2, Seed = 4, EpochCheckpointPath = path, ContinueAfterEpoch = (_, _) => ++epochs > 0 }));
        Assert.Contains("belongs to another training", e.Message);
        Assert.Contains("seed 3", e.Message);
        Assert.Equal(0, epochs);
    }

    [Fact]
    public void ACheckpointOfAnotherFormatIsRefusedNamingBothFormats()
    {
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Options(LanguageModelOptimizer.Adam, carryState: false));
        string path = Path.Combine(_folder, "lstm.checkpoint");
        using (var writer = new BinaryWriter(File.Create(path)))
        {
            writer.Write("language model epoch checkpoint 1");
            writer.Write(new byte[64]);
        }

        var e = Assert.Throws<InvalidDataException>(() =>
            trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 2, Seed = 3, EpochCheckpointPath = path }));
        Assert.Contains("has format '1'; this version reads format '2'", e.Message);
    }

    [Fact]
    public void ATruncatedCheckpointIsRefusedAsTruncated()
    {
        var trainer = new LanguageModelChildTrainer(Corpus.Value, Options(LanguageModelOptimizer.Adam, carryState: false));
        string path = Path.Combine(_folder, "lstm.checkpoint");
        trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 1, Seed = 3, EpochCheckpointPath = path }).Dispose();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var e = Assert.Throws<InvalidDataException>(() =>
            trainer.TrainLstmBaseline(Shape(), new ChildTrainingSettings { Epochs = 2, Seed = 3, EpochCheckpointPath = path }));
        Assert.Contains("truncated", e.Message);
    }
}
