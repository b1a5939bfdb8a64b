using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>
/// ChildTrainingSettings.EpochCheckpointPath for CNN children: a training stopped after an epoch and started again with
/// the same file continues from there and ends exactly as the uninterrupted training; a file of another training, a
/// truncated one and one of another format are refused with the reason.
/// </summary>
public sealed class CnnEpochCheckpointTests : IDisposable
{
    private static readonly string Cifar = Path.Combine(PipelineTestData.TestDataDirectory, "cifar10");
    private readonly string _folder = Directory.CreateTempSubdirectory("cnn-epoch-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string CheckpointPath => Path.Combine(_folder, "child.checkpoint");

    /// <summary>
    /// Real CIFAR-10 images; augmentation, Lookahead, channels-last weights and a second SGD group (the batch-norm shifts'
    /// scaled learning rate) all on, so that every part of the state a resume needs is exercised.
    /// </summary>
    private static CnnChildTrainer Trainer()
    {
        ImageData all = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Train, 300).Images;
        ImageData test = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Test, 100).Images;
        var options = new CnnTrainingOptions
        {
            Device = "cpu", BatchSize = 32, Augment = true, LookaheadSteps = 3, ChannelsLast = true, BatchNormShiftLearningRateScale = 4,
        };
        return new CnnChildTrainer(all.Select(Enumerable.Range(0, 240).ToArray()), all.Select(Enumerable.Range(240, 60).ToArray()), test, options);
    }

    private static CnnArchitecture Architecture() =>
        new(new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 }), new[] { new CnnLayer(3, 3, 24), new CnnLayer(3, 3, 24, 0) });

    [Fact]
    public void ATrainingStoppedAfterItsFirstEpochAndStartedAgainWithItsCheckpointEndsExactlyAsTheUninterruptedOne()
    {
        using CnnChildTrainer trainer = Trainer();
        using TrainedChild whole = trainer.Train(Architecture(), new ChildTrainingSettings { Epochs = 3, Seed = 5, EvaluateTest = true });
        Assert.False(whole.Result.Failed, whole.Result.FailureReason);

        var stopped = new ChildTrainingSettings
        {
            Epochs = 3, Seed = 5, EvaluateTest = true, EpochCheckpointPath = CheckpointPath, ContinueAfterEpoch = (_, _) => false,
        };
        using (TrainedChild first = trainer.Train(Architecture(), stopped))
            Assert.Equal(1, first.Result.EpochsCompleted);

        var epochsRun = new List<int>();
        var resumed = stopped with { ContinueAfterEpoch = (epoch, _) => { epochsRun.Add(epoch); return true; } };
        using CnnChildTrainer another = Trainer(); // as a new process would build it
        using TrainedChild rest = another.Train(Architecture(), resumed);

        Assert.Equal(new[] { 1, 2 }, epochsRun); // only the epochs the checkpoint lacked were trained
        Assert.Equal(3, rest.Result.EpochsCompleted);
        Assert.Equal(whole.Result.ValidationMetricPerEpoch, rest.Result.ValidationMetricPerEpoch);
        Assert.Equal(whole.Result.TrainLossPerEpoch, rest.Result.TrainLossPerEpoch);
        Assert.Equal(whole.Result.TestMetric, rest.Result.TestMetric);
        var wholeWeights = ((ChildCnn)whole.Network!).state_dict();
        var restWeights = ((ChildCnn)rest.Network!).state_dict();
        Assert.Equal(wholeWeights.Keys, restWeights.Keys);
        foreach (var (name, weight) in restWeights)
            Assert.True(weight.equal(wholeWeights[name]).all().item<bool>(), $"{name} differs from the uninterrupted training's");
    }

    [Fact]
    public void ACheckpointOfAnotherSeedIsRefusedAsAnotherTrainingsBeforeAnyEpochRuns()
    {
        using CnnChildTrainer trainer = Trainer();
        trainer.Train(Architecture(), new ChildTrainingSettings { Epochs = 2, Seed = 5, EpochCheckpointPath = CheckpointPath, ContinueAfterEpoch = (_, _) => false })
            .Dispose();

        int epochs = 0;
        var e = Assert.Throws<InvalidDataException>(() => trainer.Train(Architecture(),
            new ChildTrainingSettings { Epochs = 2, Seed = 6, EpochCheckpointPath = CheckpointPath, ContinueAfterEpoch = (_, _) => ++epochs > 0 }));
        Assert.Contains("belongs to another training", e.Message);
        Assert.Contains("seed 5", e.Message);
        Assert.Equal(0, epochs);
    }

    [Fact]
    public void ACheckpointWrittenUnderAGermanCultureResumesUnderAnEnglishOne()
    {
        // de-DE writes the options' learning rate 0.05 as "0,05": an identity built with the current culture would differ.
        using CnnChildTrainer trainer = Trainer();
        using (new CurrentCulture("de-DE"))
            trainer.Train(Architecture(), new ChildTrainingSettings { Epochs = 2, Seed = 5, EpochCheckpointPath = CheckpointPath, ContinueAfterEpoch = (_, _) => false })
                .Dispose();

        using var english = new CurrentCulture("en-US");
        var epochsRun = new List<int>();
        using TrainedChild rest = trainer.Train(Architecture(), new ChildTrainingSettings
        {
            Epochs = 2, Seed = 5, EpochCheckpointPath = CheckpointPath, ContinueAfterEpoch = (epoch, _) => { epochsRun.Add(epoch); return true; },
        });
        Assert.Equal(new[] { 1 }, epochsRun);
    }

    [Fact]
    public void ATruncatedCheckpointIsRefusedAsTruncated()
    {
        using CnnChildTrainer trainer = Trainer();
        trainer.Train(Architecture(), new ChildTrainingSettings { Epochs = 2, Seed = 5, EpochCheckpointPath = CheckpointPath, ContinueAfterEpoch = (_, _) => false })
            .Dispose();
        byte[] bytes = File.ReadAllBytes(CheckpointPath);
        File.WriteAllBytes(CheckpointPath, bytes[..(bytes.Length - 100)]);

        var e = Assert.Throws<InvalidDataException>(() =>
            trainer.Train(Architecture(), new ChildTrainingSettings { Epochs = 2, Seed = 5, EpochCheckpointPath = CheckpointPath }));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ACheckpointOfAnotherFormatIsRefusedNamingBothFormats()
    {
        using CnnChildTrainer trainer = Trainer();
        using (var writer = new BinaryWriter(File.Create(CheckpointPath)))
        {
            writer.Write("CNN epoch checkpoint 2");
            writer.Write(new byte[64]);
        }

        var e = Assert.Throws<InvalidDataException>(() =>
            trainer.Train(Architecture(), new ChildTrainingSettings { Epochs = 2, Seed = 5, EpochCheckpointPath = CheckpointPath }));
        Assert.Contains("has format '2'; this version reads format '1'", e.Message);
    }
}
