using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>What a user reads when something is wrong: the problem named, user text quoted short, warnings in the log.</summary>
public sealed class UserMessagesTests
{
    private readonly MLContext _ml = new(seed: 3);

    private IDataView Keyed<T>(IEnumerable<T> rows) where T : class => PipelineTestData.Keyed(_ml, rows);

    private static string OneLayer(string space) => JsonSerializer.Serialize(new
    {
        space,
        layers = new[] { new { filterHeight = 3, filterWidth = 3, filters = 24, stride = 1, pool = "none", inputs = Array.Empty<int>() } },
    });

    [Fact]
    public void EmptyTrainingDataWithTextLabelsSaysItHasNoRowsNotThatTheLabelHasOneKey()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _ml.Transforms.ArchitectureSearch(FittedImageModelFixture.ImageOptions()).Fit(Keyed(Array.Empty<TextLabelImage>())));
        Assert.Contains("training data is empty: it has no rows", error.Message);
        Assert.DoesNotContain("key value", error.Message);
    }

    [Fact]
    public void AFiveMegabyteSpaceNameIsQuotedCutShort()
    {
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.ConvolutionalSpace = new() { LayerCount = 1 };
        options.FixedArchitecture = OneLayer(new string('x', 5_000_000));
        var error = Assert.Throws<ArgumentException>(() =>
            _ml.Transforms.ArchitectureSearch(options).Fit(Keyed(new[] { new TextLabelImage(), new TextLabelImage { Label = "dog" } })));
        Assert.Contains("search space 'xxxxx", error.Message);
        Assert.Contains("...' (5,000,000 characters)", error.Message);
        Assert.True(error.Message.Length < 1000, $"{error.Message.Length} characters");
    }

    [Fact]
    public void FiveTrainingRowsFitWithAWarningInTheLogThatTheValidationRowsAreTooFew()
    {
        var messages = new List<string>();
        _ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.ConvolutionalSpace = new() { LayerCount = 1 };
        options.FixedArchitecture = OneLayer("cnn");
        options.FinalEpochs = 1;
        var five = Enumerable.Range(0, 5).Select(i => new TextLabelImage { Label = i % 2 == 0 ? "cat" : "dog" }).ToArray();
        _ml.Transforms.ArchitectureSearch(options).Fit(Keyed(five));
        Assert.Contains(messages, m => m.Contains("Only 1 validation rows were held out of 5 training rows"));
    }

    [Fact]
    public void CancellingAfterOnlyRejectedProposalsSaysItWasCancelledAndWhyTheyFailed()
    {
        using var cancellation = new CancellationTokenSource();
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxParametersPerChild = 10; // every child is rejected before training
        options.CancellationToken = cancellation.Token;
        options.Progress = new CancelAtFirstReport(cancellation);
        var four = Enumerable.Range(0, 4).Select(i => new TextLabelImage { Label = i % 2 == 0 ? "cat" : "dog" }).ToArray();
        var error = Assert.Throws<OperationCanceledException>(() => _ml.Transforms.ArchitectureSearch(options).Fit(Keyed(four)));
        Assert.Contains("cancelled before any child finished training", error.Message);
        Assert.Contains("failed: rejected:", error.Message);
    }

    [Fact]
    public void ASearchOnTwoRowsSaysTheOneRowLeftBesideTheHeldOutRowIsTooFewToTrainACnn()
    {
        var two = new[] { new TextLabelImage { Label = "cat" }, new TextLabelImage { Label = "dog" } };
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.ArchitectureSearch(FittedImageModelFixture.ImageOptions()).Fit(Keyed(two)));
        Assert.Contains("would train its children on 1 image(s) (1 training row(s) beside 1 validation row(s))", error.Message);
        Assert.Contains("pass validation data", error.Message);
        Assert.Null(error.ParamName);
    }

    [Fact]
    public void ALanguageModelSearchOnStreamsOfTooLittleTextSaysHowManyTokensItHasAndNamesTheOptionLanguageModelTrainingBatchSize()
    {
        // Cutting parallel streams needs text; read sentence by sentence (the default), any sentence trains.
        var options = new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.LanguageModeling, FeatureColumnName = "Text", MaxTrials = 1, FinalEpochs = 1, Device = "cpu",
            RecurrentCellSpace = new() { Leaves = 4, EmbeddingSize = 8, HiddenSize = 8, Layers = 1 },
            LanguageModelTraining = new() { CarryStateAcrossSentences = true },
        };
        IDataView twoSentences = _ml.Data.LoadFromEnumerable(new[] { new SentenceRow { Text = "the cat sat" }, new SentenceRow { Text = "a dog ran" } });
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.ArchitectureSearch(options).Fit(twoSentences));
        // One sentence is held out; the other is 3 words and its end-of-sentence marker.
        Assert.Contains("The training text has 4 tokens (words and end-of-sentence markers)", error.Message);
        // The option is named as the user sets it (ArchitectureSearchOptions.LanguageModelTraining.BatchSize), not bare.
        Assert.Contains($"(LanguageModelTraining.BatchSize {new LanguageModelTrainingOptions().BatchSize})", error.Message);
        Assert.Contains("or a smaller LanguageModelTraining.BatchSize.", error.Message);
        Assert.Contains($"at least {2 * new LanguageModelTrainingOptions().BatchSize} tokens", error.Message);
    }

    [Fact]
    public void ATokenCancelledBeforeFitSaysTheSearchWasCancelledBeforeAnyChild()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.CancellationToken = cancellation.Token;
        var four = Enumerable.Range(0, 4).Select(i => new TextLabelImage { Label = i % 2 == 0 ? "cat" : "dog" }).ToArray();
        var error = Assert.Throws<OperationCanceledException>(() => _ml.Transforms.ArchitectureSearch(options).Fit(Keyed(four)));
        Assert.Contains("cancelled before any child finished training (0 proposals)", error.Message);
    }

    private sealed class CancelAtFirstReport(CancellationTokenSource source) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => source.Cancel();
    }
}
