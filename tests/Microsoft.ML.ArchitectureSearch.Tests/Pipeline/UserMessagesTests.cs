using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution;
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

    private sealed class CancelAtFirstReport(CancellationTokenSource source) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => source.Cancel();
    }
}
