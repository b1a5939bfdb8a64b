using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>The pieces of the fast training recipe: warm-up/linear schedule, Lookahead, flip test-time augmentation.</summary>
public sealed class TrainingRecipeTests
{
    [Fact]
    public void WarmupLinearRisesLinearlyForTheWarmupStepsThenFallsLinearlyToZero()
    {
        var options = new CnnTrainingOptions { Schedule = LearningRateSchedule.WarmupLinear, LearningRate = 1.0, WarmupFraction = 0.2 };
        // 10 steps: warm-up = round(10 * 0.2) = 2 steps (1/2, 2/2), then (10 - s) / (10 - 2) for s = 2..9.
        double[] expected = { 0.5, 1.0, 1.0, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125 };
        Assert.Equal(expected, Enumerable.Range(0, 10).Select(s => LearningRates.At(options, s, 10)));
    }

    [Fact]
    public void CosineAndConstantSchedulesAreUnchanged()
    {
        var cosine = new CnnTrainingOptions { LearningRate = 0.05 };
        Assert.Equal(0.05 * 0.5 * (1 + Math.Cos(Math.PI * 3 / 7)), LearningRates.At(cosine, 3, 7));
        Assert.Equal(0.05, LearningRates.At(cosine with { Schedule = LearningRateSchedule.Constant }, 3, 7));
    }

    [Fact]
    public void LookaheadMovesTheSlowWeightsAlphaOfTheWayEveryKStepsAndRestartsTheFastWeightsThere()
    {
        using var parameter = new Parameter(tensor(new[] { 0f, 10f }));
        using var lookahead = new Lookahead(new[] { parameter }, k: 2, alpha: 0.5);
        using (no_grad()) parameter.copy_(tensor(new[] { 4f, 2f })); // "optimizer step" 1
        lookahead.Step();
        Assert.Equal(new[] { 4f, 2f }, parameter.data<float>().ToArray()); // no sync yet
        using (no_grad()) parameter.copy_(tensor(new[] { 8f, 6f })); // step 2
        lookahead.Step();
        // slow = 0 + 0.5 * (8 - 0) = 4, 10 + 0.5 * (6 - 10) = 8; the fast weights restart from the slow ones.
        Assert.Equal(new[] { 4f, 8f }, parameter.data<float>().ToArray());
    }

    [Fact]
    public void TestTimeFlipAveragesTheLogitsOfEachImageAndItsMirrorImage()
    {
        using var scope = NewDisposeScope();
        var network = new FlattenLinear(width: 3, classes: 2);
        Tensor images = arange(6, dtype: ScalarType.Float32).view(1, 1, 2, 3); // rows [0 1 2] [3 4 5]
        Tensor mirrored = tensor(new float[] { 2, 1, 0, 5, 4, 3 }).view(1, 1, 2, 3);

        Tensor plain = TestTimeFlip.Logits(network, images, enabled: false);
        Tensor averaged = TestTimeFlip.Logits(network, images, enabled: true);

        Assert.Equal(network.forward(images).data<float>().ToArray(), plain.data<float>().ToArray());
        float[] expected = ((network.forward(images) + network.forward(mirrored)) / 2).data<float>().ToArray();
        Assert.Equal(expected, averaged.data<float>().ToArray());
    }

    [Fact]
    public void WithTestTimeFlipTheFittedModelScoresAnImageAndItsMirrorImageIdentically()
    {
        var ml = new MLContext(seed: 2);
        CifarImage[] images = PipelineTestData.ReadCifar("data_batch_1.bin", 120);
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxTrials = 1;
        options.FinalEpochs = 1;
        options.ConvolutionalSpace = new() { LayerCount = 2, FilterCounts = new[] { 8 } };
        options.ImageTraining = options.ImageTraining with { TestTimeFlip = true, LabelSmoothing = 0.2, LookaheadSteps = 5, Schedule = LearningRateSchedule.WarmupLinear };
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(ml.Data.LoadFromEnumerable(images));

        CifarImage image = images[0];
        var mirror = new CifarImage { Label = image.Label, Image = Mirror(image.Image) };
        using var engine = ml.Model.CreatePredictionEngine<CifarImage, CifarPrediction>(model);
        Assert.Equal(PipelineTestData.Format(engine.Predict(image)), PipelineTestData.Format(engine.Predict(mirror)));
    }

    private static float[] Mirror(float[] planar)
    {
        var result = new float[planar.Length];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    result[(c * 32 + y) * 32 + x] = planar[(c * 32 + y) * 32 + 31 - x];
        return result;
    }

    /// <summary>A deliberately asymmetric network: a linear map of the flattened image.</summary>
    private sealed class FlattenLinear : nn.Module<Tensor, Tensor>
    {
        private readonly Linear linear;

        public FlattenLinear(int width, int classes) : base(nameof(FlattenLinear))
        {
            linear = nn.Linear(2 * width, classes);
            using (no_grad()) linear.weight!.copy_(arange(2 * 2 * width, dtype: ScalarType.Float32).view(classes, 2 * width));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => linear.forward(x.flatten(1));
    }
}
