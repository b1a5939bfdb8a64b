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

    /// <summary>
    /// The shared network's live tensors stop growing: the weights are allocated once, and what appears later is the
    /// optimizer's first-use state of weights not trained before (SGD's momentum buffer appears with a weight's first
    /// gradient; rarely drawn combinations of choices reach a few weights late), which is bounded by the weights.
    /// Measured with this seed: 317 live tensors after the warm-up, 398 from the 14th random epoch, 401 from the 29th to
    /// the 40th; a leak of one tensor per step or per scored child would add 3 or 2 every epoch.
    /// </summary>
    [Fact]
    public void SharedEpochsAndScoringStopAddingLiveTensorsOnceEveryWeightHasItsOptimizerState()
    {
        // ENAS's macro space in small: every operation, two kernel sizes, skips, a reduction with fixed stage widths.
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 4, FilterHeights = new[] { 3, 5 }, FilterWidths = new[] { 3, 5 }, InputHeight = 8, InputWidth = 8, ClassCount = 2,
            Operations = new[] { CnnOperation.Convolution, CnnOperation.SeparableConvolution, CnnOperation.MaxPool3x3, CnnOperation.AvgPool3x3 },
            ReductionAfterLayers = new[] { 1 }, StageFilterCounts = new[] { new[] { 4 }, new[] { 8 } },
        });
        ImageData data = CnnTestData.Synthetic(48, 8, seed: 1);
        var random = new Random(5);
        CnnArchitecture Sample() => space.Decode(space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray());
        using var trainer = new SharedCnnTrainer(space, data, data, new CnnTrainingOptions { BatchSize = 16, Device = "cpu" }, seed: 2, plannedEpochs: 4);
        // Every choice of every step trained once first (child k takes choice k mod count at every step).
        int cycled = 0;
        CnnArchitecture Cycle() { int k = cycled++; return space.Decode(space.Steps.Select(s => k % s.ChoiceCount).ToArray()); }
        int largest = space.Steps.Max(s => s.ChoiceCount);
        while (cycled < largest)
            trainer.TrainEpoch(Cycle, () => false, CancellationToken.None);
        var statistics = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        var counts = new List<long> { statistics.ThreadTotalLiveCount };
        for (int epoch = 0; epoch < 40; epoch++)
        {
            trainer.TrainEpoch(Sample, () => false, CancellationToken.None);
            trainer.Score(Sample(), allValidationRows: false);
            trainer.Score(Sample(), allValidationRows: true);
            counts.Add(statistics.ThreadTotalLiveCount);
        }
        string trace = string.Join(", ", counts);
        // A leak of one tensor per step or scored child would add 60 or 40 over the last 20 epochs.
        Assert.True(counts[^1] - counts[20] <= 4, $"live tensors after each epoch: {trace}");
        Assert.True(counts[^1] - counts[0] < 150, $"live tensors after each epoch: {trace}");
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
