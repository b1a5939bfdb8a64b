using System.Globalization;
using System.Text;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Microsoft.ML.ArchitectureSearch.Reporting;

/// <summary>
/// What a weight-sharing search's report adds (what people look at in ENAS runs): the controller's mean sampled reward
/// and entropy per shared epoch, the shared network's training loss per epoch, and the derived children (the final
/// candidates) with their shared-weight metric on every validation row.
/// </summary>
internal static class WeightSharingReport
{
    /// <summary>True when the trials are a weight-sharing search's.</summary>
    public static bool Describes(IReadOnlyList<TrialRecord> trials) => trials.Any(SharedWeightMetric.IsShared);

    /// <summary>
    /// The search's curves, or, when only the trials are known (a loaded model), the mean reward per shared epoch they
    /// give (a child's batch is the epoch it was scored after); the loss and entropy are then unknown (empty).
    /// </summary>
    public static WeightSharingCurves CurvesOrFromTrials(IReadOnlyList<TrialRecord> trials, WeightSharingCurves? curves)
    {
        if (curves != null) return curves;
        double[] rewards = trials.Where(t => SharedWeightMetric.IsShared(t) && !SharedWeightMetric.IsFinalCandidate(t))
            .GroupBy(t => t.Batch).OrderBy(g => g.Key).Select(g => g.Average(t => t.Reward)).ToArray();
        return new WeightSharingCurves(Array.Empty<double>(), rewards, Array.Empty<double>());
    }

    /// <summary>Mean reward of the controller's scored samples (left axis) and its entropy (right axis) per shared epoch.</summary>
    public static PlotModel ControllerPerEpoch(WeightSharingCurves curves)
    {
        var model = new PlotModel { Title = "Controller per shared epoch" };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "shared epoch", MinimumMajorStep = 1 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "mean reward of scored children", Key = "reward" });
        model.Series.Add(Line("mean reward", curves.MeanReward, OxyColors.SteelBlue, "reward"));
        if (curves.Entropy.Any(double.IsFinite))
        {
            model.Axes.Add(new LinearAxis { Position = AxisPosition.Right, Title = "controller entropy (nats)", Key = "entropy" });
            model.Series.Add(Line("entropy", curves.Entropy, OxyColors.DarkOrange, "entropy"));
        }
        return model;
    }

    /// <summary>The shared network's mean training loss per shared epoch.</summary>
    public static PlotModel TrainingLossPerEpoch(WeightSharingCurves curves)
    {
        var model = new PlotModel { Title = "Shared network training loss per epoch" };
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "shared epoch", MinimumMajorStep = 1 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "mean training loss", Key = "loss" });
        model.Series.Add(Line("training loss", curves.TrainingLoss, OxyColors.SeaGreen, "loss"));
        return model;
    }

    /// <summary>The summary's weight-sharing section: the per-epoch table and the derived children.</summary>
    public static void AppendSummary(StringBuilder sb, IReadOnlyList<TrialRecord> trials, WeightSharingCurves curves)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine().AppendLine("## Weight sharing").AppendLine();
        int epochs = new[] { curves.TrainingLoss.Count, curves.MeanReward.Count, curves.Entropy.Count }.Max();
        sb.AppendLine("| shared epoch | training loss | mean reward | controller entropy |");
        sb.AppendLine("| ---: | ---: | ---: | ---: |");
        for (int e = 0; e < epochs; e++)
            sb.AppendLine(inv, $"| {e + 1} | {Cell(curves.TrainingLoss, e)} | {Cell(curves.MeanReward, e)} | {Cell(curves.Entropy, e)} |");
        var derived = trials.Where(SharedWeightMetric.IsFinalCandidate).OrderByDescending(t => t.Reward).ToList();
        sb.AppendLine().AppendLine(inv, $"Derived children (the final sample and the reference architectures, each scored on every validation row; the best is retrained): {derived.Count}").AppendLine();
        if (derived.Count == 0) return;
        sb.AppendLine("| trial | reference | shared-weight metric | reward | parameters | architecture |");
        sb.AppendLine("| ---: | --- | ---: | ---: | ---: | --- |");
        foreach (TrialRecord t in derived)
            sb.AppendLine(inv, $"| {t.Index} | {t.Reference ?? ""} | {t.Result.BestValidationMetric:0.####} | {t.Reward:0.####} | {t.ParameterCount:N0} | `{t.Description}` |");
    }

    private static string Cell(IReadOnlyList<double> values, int index) =>
        index < values.Count && double.IsFinite(values[index]) ? values[index].ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static LineSeries Line(string title, IReadOnlyList<double> values, OxyColor color, string axis)
    {
        var series = new LineSeries { Title = title, Color = color, StrokeThickness = 2, MarkerType = MarkerType.Circle, MarkerSize = 4, YAxisKey = axis };
        for (int e = 0; e < values.Count; e++)
            if (double.IsFinite(values[e]))
                series.Points.Add(new DataPoint(e + 1, values[e]));
        return series;
    }
}
