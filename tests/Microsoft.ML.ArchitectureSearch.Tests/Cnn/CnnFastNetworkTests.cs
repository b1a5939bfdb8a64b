using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>
/// The parts of the CNN space that make airbench-like networks members of it (patch-whitening stem, GELU, global max
/// pooling, reductions before batch norm) and the fast compute modes (channels-last, bfloat16).
/// </summary>
public sealed class CnnFastNetworkTests
{
    private static readonly string Cifar = Path.Combine(PipelineTestData.TestDataDirectory, "cifar10");

    // 8x8 RGB images; the stem makes them 24 x 7 x 7; a reduction after layer 0.
    private static readonly CnnSearchSpaceOptions Airbenchish = new()
    {
        LayerCount = 2, InputHeight = 8, InputWidth = 8, FilterCounts = new[] { 8, 16 },
        ReductionAfterLayers = new[] { 0 }, Stem = CnnStem.PatchWhitening, Activation = CnnActivation.GELU, GlobalPooling = CnnGlobalPooling.Max,
    };

    private static readonly CnnLayer[] Chain = { new(3, 3, 8), new(3, 3, 16, 0) };

    [Fact]
    public void StemGeluAndMaxPoolingCountsByHand()
    {
        var a = new CnnArchitecture(new CnnSearchSpace(Airbenchish), Chain);
        // Parameters:
        //   stem: 2x2 conv 3 -> 24 with bias: 2*2*3*24 = 288 (fixed, counted) + 24 = 312
        //   layer 0: 3x3 conv 24 -> 8: 9*24*8 = 1,728 + 16 BatchNorm = 1,744
        //   layer 1: 3x3 conv 8 -> 16: 9*8*16 = 1,152 + 32 = 1,184
        //   classifier: 16*10 + 10 = 170
        Assert.Equal(312 + 1744 + 1184 + 170, a.ParameterCount);
        Assert.Equal(3410, a.ParameterCount);
        // Multiply-adds: stem 7*7 outputs * 24 filters * 12 weights; layer 0 at 7x7: 49 * 8 * 216; its reduction makes
        // 4x4 (ceil); layer 1 at 4x4: 16 * 16 * 72; classifier 160.
        Assert.Equal(49L * 24 * 12 + 49L * 8 * 216 + 16L * 16 * 72 + 160, a.MultiplyAdds);
        Assert.Equal(new CnnLayerShape(24, 7, 7, 7, 7, 8, 4, 4), a.Layout.Layers[0]);
        Assert.Equal(new CnnLayerShape(8, 4, 4, 4, 4, 16, 4, 4), a.Layout.Layers[1]);
        using var scope = NewDisposeScope();
        CnnNetworkTests.AssertBuiltNetworkMatchesLayout(a, randn(2, 3, 8, 8));
    }

    [Fact]
    public void AReducingLayerPoolsItsConvolutionBeforeBatchNormAndTheActivation()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 2, FilterCounts = new[] { 1 }, InputChannels = 1, InputHeight = 4, InputWidth = 4,
            ReductionAfterLayers = new[] { 0 }, Activation = CnnActivation.GELU,
        });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(1, 1, 1), new CnnLayer(1, 1, 1, 0) });
        using var scope = NewDisposeScope();
        using var network = new ChildCnn(a);
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            parameters["layers.0.conv.weight"].fill_(-1); // a negative weight: pooling before or after the activation differ
            parameters["layers.0.norm.weight"].fill_(1);
            parameters["layers.0.norm.bias"].fill_(0);
        }

        network.eval();
        using var noGrad = no_grad();
        Tensor image = arange(1, 17, dtype: ScalarType.Float32).view(1, 1, 4, 4);
        Tensor output = network.LayerOutputs(image)[0];
        // max-pool(-image) over each 2x2 block: -1, -3, -9, -11; then BatchNorm with fresh statistics (x / sqrt(1 + eps)), GELU.
        Tensor expected = nn.functional.gelu(tensor(new float[] { -1, -3, -9, -11 }).view(1, 1, 2, 2) / Math.Sqrt(1 + 1e-5));
        Assert.True(allclose(expected, output, rtol: 1e-5, atol: 1e-7));
    }

    [Fact]
    public void GlobalMaxPoolingFeedsTheClassifierEachChannelsLargestValue()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 1, FilterCounts = new[] { 2 }, InputHeight = 4, InputWidth = 4, ClassCount = 2, GlobalPooling = CnnGlobalPooling.Max,
        });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 2) });
        using var scope = NewDisposeScope();
        using var network = new ChildCnn(a);
        network.eval();
        using var noGrad = no_grad();
        Tensor images = randn(3, 3, 4, 4);
        Tensor map = network.LayerOutputs(images)[0];
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Tensor expected = nn.functional.linear(map.amax(new long[] { 2, 3 }), parameters["classifier.weight"], parameters["classifier.bias"]);
        Assert.True(allclose(expected, network.forward(images), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void PatchWhiteningFiltersDecorrelateThe2x2PatchesOfTheTrainingImages()
    {
        ImageData images = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Train, 300).Images;
        using var scope = NewDisposeScope();
        (float[] mean, float[] std) = images.ChannelStatistics();
        using var store = new DeviceImageStore(images.Store, mean, std, CPU);
        using var split = new ImageTensors(images, store, CPU, "training");

        Tensor filters = PatchWhitening.Filters(split, 3);

        Assert.Equal(new long[] { 24, 3, 2, 2 }, filters.shape);
        Assert.True(filters.narrow(0, 12, 12).eq(filters.narrow(0, 0, 12).neg()).all().item<bool>()); // the negated copies
        // The first 12 filters' responses over every 2x2 patch: uncorrelated, each with variance lambda / (lambda + eps) < 1.
        Tensor responses = nn.functional.conv2d(split.Slice(0, 300), filters.narrow(0, 0, 12)).to_type(ScalarType.Float64)
            .permute(1, 0, 2, 3).reshape(12, -1);
        Tensor covariance = responses.matmul(responses.t()) / responses.shape[1];
        double[] diagonal = covariance.diagonal().data<double>().ToArray();
        // The patches' own covariance, gathered another way (im2col), gives the lambdas those variances must come from.
        Tensor patches = nn.functional.unfold(split.Slice(0, 300), 2).permute(1, 0, 2).reshape(12, -1).to_type(ScalarType.Float64);
        double[] lambdas = linalg.eigvalsh(patches.matmul(patches.t()) / patches.shape[1]).data<double>().ToArray();
        double[] expected = lambdas.Select(l => l / (l + PatchWhitening.Epsilon)).ToArray();
        Assert.Equal(expected.Order().ToArray(), diagonal.Order().ToArray(), (x, y) => Math.Abs(x - y) < 1e-6);
        Assert.True(diagonal.Count(v => v > 0.99) >= 6, string.Join(", ", diagonal)); // most directions carry far more than eps
        double offDiagonal = (covariance - diag(covariance.diagonal())).abs().max().item<double>();
        Assert.True(offDiagonal < 1e-6, $"largest off-diagonal covariance {offDiagonal}");
    }

    [Fact]
    public void TheTrainerSetsTheStemFromTheTrainingImagesKeepsItFixedAndHandsBackAStandardLayoutNetwork()
    {
        ImageData all = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Train, 300).Images;
        ImageData train = all.Select(Enumerable.Range(0, 240).ToArray()), validation = all.Select(Enumerable.Range(240, 60).ToArray());
        var space = new CnnSearchSpace(Airbenchish with { InputHeight = 32, InputWidth = 32 });
        var a = new CnnArchitecture(space, Chain);
        using var trainer = new CnnChildTrainer(train, validation, null, new CnnTrainingOptions { Device = "cpu", BatchSize = 60, ChannelsLast = true });
        using TrainedChild child = trainer.Train(a, new ChildTrainingSettings { Epochs = 1, Seed = 5 });
        Assert.False(child.Result.Failed, child.Result.FailureReason);

        using var scope = NewDisposeScope();
        (float[] mean, float[] std) = trainer.ChannelStatistics;
        using var store = new DeviceImageStore(train.Store, mean, std, CPU);
        using var split = new ImageTensors(train, store, CPU, "training");
        var network = (ChildCnn)child.Network!;
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Parameter stem = parameters["stem.whitening.weight"];
        Assert.False(stem.requires_grad);
        Assert.True(stem.eq(PatchWhitening.Filters(split, 3)).all().item<bool>()); // set from these images, unchanged by training
        Assert.NotEqual(0f, parameters["stem.whitening.bias"].abs().sum().item<float>()); // the bias trains
        Assert.Equal(CnnComputeMode.Standard, network.ComputeMode);
        Assert.All(parameters.Values, p => Assert.True(p.is_contiguous()));
    }

    [Fact]
    public void ChannelsLastGivesTheStandardLogitsAndGradientsUpToFloatRounding()
    {
        var a = new CnnArchitecture(new CnnSearchSpace(Airbenchish), Chain);
        (Tensor logits, Tensor gradient) standard = LogitsAndGradient(a, CnnComputeMode.Standard);
        (Tensor logits, Tensor gradient) channelsLast = LogitsAndGradient(a, new CnnComputeMode(ChannelsLast: true, BFloat16: false));
        Assert.True(allclose(standard.logits, channelsLast.logits, rtol: 1e-4, atol: 1e-5));
        Assert.True(allclose(standard.gradient, channelsLast.gradient, rtol: 1e-3, atol: 1e-5));
    }

    [Fact]
    public void BFloat16StaysWithinItsPrecisionOfFloat32AndItsGradientsPointTheSameWay()
    {
        var a = new CnnArchitecture(new CnnSearchSpace(Airbenchish with { FilterCounts = new[] { 32, 64 } }), new CnnLayer[] { new(3, 3, 32), new(3, 3, 64, 0) });
        (Tensor logits, Tensor gradient) standard = LogitsAndGradient(a, CnnComputeMode.Standard);
        foreach (bool channelsLast in new[] { false, true })
        {
            (Tensor logits, Tensor gradient) half = LogitsAndGradient(a, new CnnComputeMode(channelsLast, BFloat16: true));
            Assert.Equal(ScalarType.Float32, half.logits.dtype);
            // bfloat16 keeps 8 bits of mantissa (relative step 2^-8 = 0.4%); a few layers of rounding stay within 5%.
            double relative = ((half.logits - standard.logits).norm() / standard.logits.norm()).item<float>();
            Assert.InRange(relative, 1e-5, 0.05); // above 1e-5: the convolutions did run in bfloat16
            double cosine = nn.functional.cosine_similarity(half.gradient.flatten(), standard.gradient.flatten(), 0).item<float>();
            Assert.True(cosine > 0.95, $"gradient cosine {cosine}");
        }
    }

    [Fact]
    public void ComputeModeRoundTripRestoresTheExactStandardNetwork()
    {
        var a = new CnnArchitecture(new CnnSearchSpace(Airbenchish), Chain);
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        using var network = new ChildCnn(a, generator);
        network.SetWhiteningFilters(randn(24, 3, 2, 2));
        network.eval();
        using var noGrad = no_grad();
        Tensor images = randn(4, 3, 8, 8);
        float[] before = network.forward(images).data<float>().ToArray();
        network.UseComputeMode(new CnnComputeMode(true, true));
        network.UseComputeMode(CnnComputeMode.Standard);
        Assert.Equal(before, network.forward(images).data<float>().ToArray());
        Assert.All(network.parameters(), p => Assert.True(p.is_contiguous()));
    }

    [Fact]
    public void NetworkOptionsRoundTripThroughTheDocumentAndDefaultsStayOutOfIt()
    {
        var space = new CnnSearchSpace(Airbenchish);
        var a = new CnnArchitecture(space, Chain);
        string json = a.ToJson();
        Assert.Contains("\"stem\":\"PatchWhitening\",\"activation\":\"GELU\",\"globalPooling\":\"Max\"", json);
        CnnArchitecture back = CnnSearchSpace.FromStandaloneJson(json);
        Assert.Equal(space.Fingerprint, back.Space.Fingerprint);
        Assert.Equal(a.Hash, back.Hash);
        Assert.Equal(json, back.ToJson());

        string plain = new CnnArchitecture(new CnnSearchSpace(Airbenchish with { Stem = CnnStem.None, Activation = CnnActivation.ReLU, GlobalPooling = CnnGlobalPooling.Average }), Chain).ToJson();
        Assert.DoesNotContain("stem", plain);
        Assert.DoesNotContain("activation", plain);
        Assert.DoesNotContain("globalPooling", plain);
    }

    [Fact]
    public void EachNetworkOptionChangesTheFingerprintAndIsAppendedAfterTheOldText()
    {
        var baseline = new CnnSearchSpaceOptions { LayerCount = 3 };
        string old = new CnnSearchSpace(baseline).Fingerprint;
        Assert.Equal(old + ";stem=patch_whitening", new CnnSearchSpace(baseline with { Stem = CnnStem.PatchWhitening }).Fingerprint);
        Assert.Equal(old + ";activation=gelu", new CnnSearchSpace(baseline with { Activation = CnnActivation.GELU }).Fingerprint);
        Assert.Equal(old + ";global_pooling=max", new CnnSearchSpace(baseline with { GlobalPooling = CnnGlobalPooling.Max }).Fingerprint);
    }

    [Fact]
    public void BadNetworkOptionsAreRefusedNamingTheOption()
    {
        Assert.Contains("Stem", Assert.Throws<ArgumentException>(() => new CnnSearchSpace(new CnnSearchSpaceOptions { Stem = (CnnStem)7 })).Message);
        Assert.Contains("Activation", Assert.Throws<ArgumentException>(() => new CnnSearchSpace(new CnnSearchSpaceOptions { Activation = (CnnActivation)7 })).Message);
        Assert.Contains("GlobalPooling", Assert.Throws<ArgumentException>(() => new CnnSearchSpace(new CnnSearchSpaceOptions { GlobalPooling = (CnnGlobalPooling)7 })).Message);
        var tiny = new CnnSearchSpaceOptions { Stem = CnnStem.PatchWhitening, InputHeight = 1, InputWidth = 8, LayerCount = 1 };
        Assert.Contains("at least 2x2 pixels", Assert.Throws<ArgumentException>(() => new CnnSearchSpace(tiny)).Message);
    }

    [Fact]
    public void TheAirbenchReferenceIsAMemberOfItsOwnSpaceWithTheExpectedSize()
    {
        string json = File.ReadAllText(Path.Combine(Path.GetDirectoryName(PipelineTestData.TestDataDirectory)!, "bench", "reference-airbench.json"));
        CnnArchitecture a = CnnSearchSpace.FromStandaloneJson(json);
        Assert.Equal(new[] { 0, 2, 4 }, a.Space.Options.ReductionAfterLayers);
        Assert.Equal((CnnStem.PatchWhitening, CnnActivation.GELU, CnnGlobalPooling.Max), (a.Space.Options.Stem, a.Space.Options.Activation, a.Space.Options.GlobalPooling));
        // Stem 312; convs 9*(24*64 + 64*64 + 64*256 + 3*256*256) = 1,967,616; BatchNorm 2*(64+64+4*256) = 2,304; classifier 2,570.
        Assert.Equal(312 + 1967616 + 2304 + 2570, a.ParameterCount);
        Assert.Equal(1972802, a.ParameterCount);
        // Maps 31 (stem) -> 16 -> 8 -> 4 (ceil-mode reductions after layers 0, 2, 4).
        Assert.Equal(new[] { 16, 16, 8, 8, 4, 4 }, a.Layout.Layers.Select(l => l.OutputHeight));
        Assert.Equal(31, a.Layout.Layers[0].InputHeight);
        // Multiply-adds: stem 31*31*24*12; 24->64 at 31x31; 64->64 and 64->256 at 16x16; 256->256 twice at 8x8; once at 4x4; classifier.
        Assert.Equal(961L * 24 * 12 + 961L * 64 * 216 + 256L * (64 * 576 + 256 * 576) + 64L * 2 * 256 * 2304 + 16L * 256 * 2304 + 2560, a.MultiplyAdds);
        Assert.Equal(145684768, a.MultiplyAdds);
    }

    [Fact]
    public void AFittedAirbenchLikeModelWithBFloat16TrainingSavesLoadsAndScoresBitIdentically()
    {
        var ml = new MLContext(seed: 4);
        CifarImage[] images = PipelineTestData.ReadCifar("data_batch_1.bin", 200);
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxTrials = 1;
        options.FinalEpochs = 1;
        options.ConvolutionalSpace = Airbenchish with { InputHeight = 32, InputWidth = 32, LogitScale = 1.0 / 9 };
        options.ImageTraining = options.ImageTraining with { BatchSize = 50, BFloat16 = true, TrainBatchNormScale = false, BatchNormShiftLearningRateScale = 64 };
        IDataView data = ml.Data.LoadFromEnumerable(images);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(data);
        Assert.Contains("\"stem\":\"PatchWhitening\"", model.LastTransformer.Architecture.Json);

        string zip = Path.Combine(Path.GetTempPath(), $"airbench-like-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, zip);
            ITransformer loaded = new MLContext().Model.Load(zip, out _);
            using var before = ml.Model.CreatePredictionEngine<CifarImage, CifarPrediction>(model);
            using var after = ml.Model.CreatePredictionEngine<CifarImage, CifarPrediction>(loaded);
            foreach (CifarImage image in images.Take(5))
                Assert.Equal(PipelineTestData.Format(before.Predict(image)), PipelineTestData.Format(after.Predict(image)));
        }
        finally
        {
            File.Delete(zip);
        }
    }

    private static (Tensor Logits, Tensor Gradient) LogitsAndGradient(CnnArchitecture a, CnnComputeMode mode)
    {
        using var generator = new Generator(11);
        using var network = new ChildCnn(a, generator);
        using (var g = new Generator(12))
            network.SetWhiteningFilters(randn(new long[] { 24, 3, 2, 2 }, generator: g));
        network.UseComputeMode(mode);
        network.train();
        using var g2 = new Generator(13);
        Tensor images = randn(new long[] { 8, 3, a.Space.Options.InputHeight, a.Space.Options.InputWidth }, generator: g2);
        Tensor labels = arange(8, dtype: ScalarType.Int64).remainder(a.Space.Options.ClassCount);
        Tensor logits = network.forward(images);
        nn.functional.cross_entropy(logits, labels).backward();
        Tensor gradient = network.named_parameters().Single(p => p.name == "layers.0.conv.weight").parameter.grad!.contiguous().clone();
        return (logits.detach().clone(), gradient);
    }
}
