using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Reporting;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;
using SkiaSharp;

namespace Microsoft.ML.ArchitectureSearch.Tests.Reporting;

public sealed class SearchReportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nas-report-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private SearchOutcome Search(string? checkpoint = null)
    {
        var space = new TinySpace();
        using var strategy = new DriftingStrategy(space, 2);
        return new ArchitectureSearchRunner(strategy, new FormulaTrainer(), new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = 15, MaxParameters = 170 },
            Seed = 2,
            TrialEpochs = 2,
            CheckpointDirectory = checkpoint,
        }).Run();
    }

    [Fact]
    public void ReportHoldsEveryTrialRowChartsOfTheExpectedSizeAndTheBestArchitecture()
    {
        SearchOutcome outcome = Search();
        SearchReportFiles files = SearchReport.Write(outcome.Trials, Path.Combine(_dir, "report"), new TinySpace());

        string[] csv = File.ReadAllLines(files.HistoryCsv);
        Assert.Equal(outcome.Trials.Count + 1, csv.Length);
        Assert.StartsWith(string.Join(",", SearchHistoryFrame.Columns), csv[0]);
        foreach (TrialRecord t in outcome.Trials)
            Assert.Contains(csv, line => line.StartsWith($"{t.Index},{t.Batch},{t.Kind},", StringComparison.Ordinal) && line.Contains(t.Description));

        AssertPng(files.RewardChart, 900, 540);
        AssertPng(files.MetricChart, 900, 540);
        // Children trained separately: no weight-sharing charts.
        Assert.Null(files.ControllerChart);
        Assert.Null(files.SharedTrainingLossChart);
        Assert.NotNull(files.BestArchitectureDiagram);
        using (SKBitmap diagram = SKBitmap.Decode(files.BestArchitectureDiagram))
        {
            Assert.NotNull(diagram);
            Assert.True(diagram.Width > 170 && diagram.Height > 6 * 34, $"diagram {diagram.Width}x{diagram.Height} too small for 6 boxes");
        }
        Assert.Equal(outcome.Best!.ArchitectureJson, File.ReadAllText(files.BestArchitectureJson!));
        Assert.Contains("\"in\" -> \"d3\"", File.ReadAllText(files.BestArchitectureDot!));
        string summary = File.ReadAllText(files.Summary);
        Assert.Contains($"Best: trial {outcome.Best.Index}", summary);
        Assert.Contains($"rejected {outcome.Trials.Count(t => t.Kind == TrialKind.Rejected)}", summary);
    }

    [Fact]
    public void HistoryFrameHasOneRowPerProposal()
    {
        SearchOutcome outcome = Search();
        var frame = SearchHistoryFrame.Create(outcome.Trials);
        Assert.Equal(outcome.Trials.Count, frame.Rows.Count);
        Assert.Equal(SearchHistoryFrame.Columns, frame.Columns.Select(c => c.Name));
        for (int i = 0; i < outcome.Trials.Count; i++)
            Assert.Equal(outcome.Trials[i].Reward, (double)frame["Reward"][i]);
    }

    [Fact]
    public void ReportFromACheckpointDirectoryMatchesTheSearch()
    {
        string checkpoint = Path.Combine(_dir, "ckpt");
        SearchOutcome outcome = Search(checkpoint);
        SearchReportFiles files = SearchReport.FromCheckpoint(checkpoint, Path.Combine(_dir, "from-ckpt"));
        Assert.Equal(outcome.Trials.Count + 1, File.ReadAllLines(files.HistoryCsv).Length);
        Assert.Null(files.BestArchitectureDiagram); // no space given: JSON only
        Assert.Equal(outcome.Best!.ArchitectureJson, File.ReadAllText(files.BestArchitectureJson!));
    }

    internal static void AssertPng(string path, int width, int height)
    {
        using SKBitmap bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        // Not blank: a chart has dark pixels (axes, text, markers) on a white background.
        int dark = 0;
        for (int y = 0; y < bitmap.Height; y += 3)
            for (int x = 0; x < bitmap.Width; x += 3)
                if (bitmap.GetPixel(x, y).Red < 128) dark++;
        Assert.True(dark > 100, $"{path} looks blank ({dark} dark samples)");
    }
}
