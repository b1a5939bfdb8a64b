using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Objectives;
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

    /// <summary>
    /// Each trained child's best validation metric against its cost (log scale): the search objective's cost, or the
    /// parameter count when the search optimised the reward alone. The Pareto front, the children no cheaper child
    /// matches or beats, is drawn as a line over the highlighted points.
    /// </summary>
    public static PlotModel MetricAgainstCost(IReadOnlyList<TrialRecord> trials)
    {
        var trained = trials.Where(t => t.Kind == TrialKind.Trained && !t.Result.Failed).ToList();
        string metric = trained.FirstOrDefault()?.Result.MetricName is { Length: > 0 } m ? m : "metric";
        ObjectiveCost kind = trained.FirstOrDefault(t => t.Cost != null)?.CostKind ?? ObjectiveCost.None;
        string costName = kind switch
        {
            ObjectiveCost.MultiplyAdds => "multiply-adds",
            ObjectiveCost.Latency => "latency (ms per example)",
            _ => "parameters",
        };
        var points = trained
            .Select(t => (Cost: kind == ObjectiveCost.None ? t.ParameterCount : t.Cost ?? double.NaN, Metric: t.Result.BestValidationMetric))
            .Where(p => p.Cost > 0 && double.IsFinite(p.Metric))
            .ToList();
        var model = new PlotModel { Title = $"Validation {metric} against {costName}" };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight });
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = costName });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = $"best validation {metric}" });
        var children = new ScatterSeries { Title = "child", MarkerType = MarkerType.Circle, MarkerSize = 3 };
        children.Points.AddRange(points.Select(p => new ScatterPoint(p.Cost, p.Metric)));
        var front = new LineSeries
        {
            Title = "Pareto front", Color = OxyColors.DarkOrange, StrokeThickness = 2,
            MarkerType = MarkerType.Circle, MarkerSize = 5, MarkerFill = OxyColors.DarkOrange,
        };
        front.Points.AddRange(ParetoFront(points, lowerMetricIsBetter: metric == "perplexity").Select(p => new DataPoint(p.Cost, p.Metric)));
        model.Series.Add(children);
        model.Series.Add(front);
        return model;
    }

    /// <summary>
    /// The points no other point dominates (cheaper or as cheap, and at least as good), cheapest first: walking up the
    /// costs, a point joins when its metric beats every cheaper point's. Of equal-cost points only the best can join.
    /// </summary>
    internal static IReadOnlyList<(double Cost, double Metric)> ParetoFront(IEnumerable<(double Cost, double Metric)> points, bool lowerMetricIsBetter)
    {
        var front = new List<(double Cost, double Metric)>();
        double sign = lowerMetricIsBetter ? -1 : 1; // compare "goodness" = sign * metric, higher is better
        foreach (var p in points.OrderBy(p => p.Cost).ThenByDescending(p => sign * p.Metric))
        {
            if (front.Count == 0 || sign * p.Metric > sign * front[^1].Metric)
                front.Add(p);
        }
        return front;
    }

    public static void SavePng(PlotModel model, string path, int width = 900, int height = 540)
    {
        using FileStream stream = File.Create(path);
        new PngExporter { Width = width, Height = height }.Export(model, stream);
    }
}
