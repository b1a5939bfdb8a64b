using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Tests.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>The shared network trains under the child trainer's batch-norm rules, and its state round-trips.</summary>
public class SharedCnnTrainerTests
{
    private static readonly CnnSearchSpace Space = new(new CnnSearchSpaceOptions
    {
        LayerCount = 2, FilterHeights = new[] { 3 }, FilterWidths = new[] { 3 }, FilterCounts = new[] { 4 }, InputHeight = 8, InputWidth = 8, ClassCount = 2,
    });

    private static readonly CnnArchitecture Child = Space.Decode(Space.Steps.Select(_ => 0).ToArray());

    /// <summary>One step (16 rows, batch 16) through <see cref="Child"/>; the batch-norm parameters before and after.</summary>
    private static (Dictionary<string, float[]> Before, Dictionary<string, float[]> After) OneStep(CnnTrainingOptions options)
    {
        ImageData data = CnnTestData.Synthetic(16, 8, seed: 1);
        using var trainer = new SharedCnnTrainer(Space, data, data, options with { BatchSize = 16, Augment = false, Device = "cpu" }, seed: 2, plannedEpochs: 1);
        Dictionary<string, float[]> Norms() => trainer.Network.named_parameters().Where(p => p.name.Contains(".norm.", StringComparison.Ordinal))
            .ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());
        var before = Norms();
        trainer.TrainEpoch(() => Child, () => false, CancellationToken.None);
        return (before, Norms());
    }

    private static double MeanChange(float[] before, float[] after) => before.Zip(after, (b, a) => Math.Abs((double)a - b)).Average();

    [Fact]
    public void BatchNormScaleStaysFixedWhenTrainBatchNormScaleIsOff()
    {
        (var before, var after) = OneStep(new CnnTrainingOptions { TrainBatchNormScale = false });

        Assert.Contains(before.Keys, n => n.EndsWith(".norm.weight", StringComparison.Ordinal));
        foreach (string name in before.Keys.Where(n => n.EndsWith(".norm.weight", StringComparison.Ordinal)))
            Assert.Equal(before[name], after[name]);
        Assert.Contains(before.Keys, n => n.EndsWith(".norm.bias", StringComparison.Ordinal) && MeanChange(before[n], after[n]) > 0);
    }

    [Fact]
    public void BatchNormShiftLearningRateScaleMultipliesTheShiftsFirstStep()
    {
        // The shifts start at 0, so the first step moves them by rate x gradient alone (their weight decay term is 0).
        var plain = OneStep(new CnnTrainingOptions { LearningRate = 0.01 });
        var scaled = OneStep(new CnnTrainingOptions { LearningRate = 0.01, BatchNormShiftLearningRateScale = 8 });

        foreach (string name in plain.Before.Keys.Where(n => n.EndsWith(".norm.bias", StringComparison.Ordinal) && n.Contains(".branches.0.", StringComparison.Ordinal)))
        {
            double ratio = MeanChange(scaled.Before[name], scaled.After[name]) / MeanChange(plain.Before[name], plain.After[name]);
            Assert.InRange(ratio, 8 * 0.999, 8 * 1.001);
        }
        // The other parameters keep the unscaled rate: the scales move by the same amount in both runs.
        foreach (string name in plain.Before.Keys.Where(n => n.EndsWith(".norm.weight", StringComparison.Ordinal) && n.Contains(".branches.0.", StringComparison.Ordinal)))
            Assert.Equal(MeanChange(plain.Before[name], plain.After[name]), MeanChange(scaled.Before[name], scaled.After[name]), 6);
    }

    [Fact]
    public void SharedWeightRewardIsThePlainAccuracyByDefaultAndTheCubeWhenZophLeIsAsked()
    {
        ImageData data = CnnTestData.Synthetic(16, 8, seed: 1);
        TrialResult Score(CnnTrainingOptions options)
        {
            using var trainer = new SharedCnnTrainer(Space, data, data, options with { BatchSize = 16, Augment = false, Device = "cpu" }, seed: 2, plannedEpochs: 1);
            trainer.TrainEpoch(() => Child, () => false, CancellationToken.None);
            return trainer.Score(Child, allValidationRows: true);
        }

        TrialResult plain = Score(new CnnTrainingOptions());
        TrialResult cubed = Score(new CnnTrainingOptions { Reward = RewardKind.ZophLe });
        double accuracy = plain.ValidationMetricPerEpoch[0];
        Assert.InRange(accuracy, 1.0 / 16, 15.0 / 16); // neither 0 nor 1, whose cubes equal themselves
        Assert.Equal(accuracy, plain.Reward, 12);
        Assert.Equal(accuracy, cubed.ValidationMetricPerEpoch[0], 12);
        Assert.Equal(Math.Pow(accuracy, 3), cubed.Reward, 12);

        var e = Assert.Throws<ArgumentException>(() => Score(new CnnTrainingOptions { Reward = (RewardKind)7 }));
        Assert.Contains("Reward", e.Message);
    }

    [Fact]
    public void SavableRandomContinuesItsSequenceAfterWriteAndRead()
    {
        var original = new SavableRandom(9);
        original.Next(100);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            original.Write(writer);
        var expected = new[] { original.Next(1000), original.Next(5, 9), (int)(original.NextDouble() * 1e6) };

        var restored = new SavableRandom(1);
        buffer.Position = 0;
        using (var reader = new BinaryReader(buffer))
            restored.Read(reader);
        Assert.Equal(expected, new[] { restored.Next(1000), restored.Next(5, 9), (int)(restored.NextDouble() * 1e6) });
    }
}
