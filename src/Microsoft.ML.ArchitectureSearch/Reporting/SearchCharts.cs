using Microsoft.ML.ArchitectureSearch.Execution;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;

namespace Microsoft.ML.ArchitectureSearch.Reporting;

/// <summary>The search report's charts, drawn with OxyPlot to PNG.</summary>
internal static class SearchCharts
{
    /// <summary>Reward of every trained child by trial index (the reference architectures as diamonds), with the best-so-far line.</summary>
    public static PlotModel RewardPerTrial(IReadOnlyList<TrialRecord> trials)
    {
        var model = new PlotModel { Title = "Reward per trial" };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "trial" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "reward" });
        var children = new ScatterSeries { Title = "child", MarkerType = MarkerType.Circle, MarkerSize = 3 };
        var references = new ScatterSeries { Title = "reference", MarkerType = MarkerType.Diamond, MarkerSize = 6, MarkerFill = OxyColors.SeaGreen };
        var failed = new ScatterSeries { Title = "failed", MarkerType = MarkerType.Cross, MarkerSize = 4, MarkerStroke = OxyColors.Red };
        var best = new StairStepSeries { Title = "best so far", Color = OxyColors.DarkOrange, StrokeThickness = 2 };
        double bestSoFar = double.NegativeInfinity;
        foreach (TrialRecord t in trials.Where(t => t.Kind == TrialKind.Trained))
        {
            if (t.Result.Failed) failed.Points.Add(new ScatterPoint(t.Index, 0));
            else (t.Reference is null ? children : references).Points.Add(new ScatterPoint(t.Index, t.Reward));
            bestSoFar = Math.Max(bestSoFar, t.Reward);
            best.Points.Add(new DataPoint(t.Index, bestSoFar));
        }
        model.Series.Add(children);
        if (references.Points.Count > 0) model.Series.Add(references);
        if (failed.Points.Count > 0) model.Series.Add(failed);
        model.Series.Add(best);
        return model;
    }

    /// <summary>Each trained child's best validation metric against its parameter count (log scale).</summary>
    public static PlotModel MetricAgainstParameters(IReadOnlyList<TrialRecord> trials)
    {
        var trained = trials.Where(t => t.Kind == TrialKind.Trained && !t.Result.Failed && t.ParameterCount > 0).ToList();
        string metric = trained.FirstOrDefault()?.Result.MetricName is { Length: > 0 } m ? m : "metric";
        var model = new PlotModel { Title = $"Validation {metric} against parameters" };
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "parameters" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = $"best validation {metric}" });
        var series = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 3 };
        foreach (TrialRecord t in trained)
            series.Points.Add(new ScatterPoint(t.ParameterCount, t.Result.BestValidationMetric));
        model.Series.Add(series);
        return model;
    }

    public static void SavePng(PlotModel model, string path, int width = 900, int height = 540)
    {
        using FileStream stream = File.Create(path);
        new PngExporter { Width = width, Height = height }.Export(model, stream);
    }
}
